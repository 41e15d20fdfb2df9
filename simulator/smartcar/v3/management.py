"""The Management API v3: webhook subscriptions (application management token)."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from simulator.clock import isoformat_z
from simulator.oauth import bearer_token
from simulator.smartcar.vehicle_api import read_json

from .choices import DELETE_SUBSCRIPTION_STATUS, SUBSCRIPTION_ACCEPTED
from .errors import answer, v3_error

if TYPE_CHECKING:
    from aiohttp import web

    from . import SmartcarV3
    from .model import Subscription, V3App

HTTP_ACCEPTED = 202


def subscription_resource(subscription: Subscription) -> dict[str, Any]:
    """One subscription as the API shows it."""
    return {
        "id": subscription.id,
        "type": "subscription",
        "attributes": {
            "webhookId": subscription.webhook_id,
            "vehicleId": subscription.vehicle_id,
            "userId": subscription.user_id,
            "createdAt": isoformat_z(subscription.created_at),
        },
    }


def _attributes(body: Any) -> dict[str, Any]:
    """The subscription fields: flat, or JSON:API ``data.attributes``."""
    if not isinstance(body, dict):
        return {}
    data = body.get("data")
    if isinstance(data, dict) and isinstance(data.get("attributes"), dict):
        attributes: dict[str, Any] = data["attributes"]
        return attributes
    return body


class Management:
    """Every request under ``/management/v3``."""

    def __init__(self, v3: SmartcarV3) -> None:
        """Serve the v3 state."""
        self.v3 = v3

    async def handle(self, request: web.Request) -> web.Response:
        """Authenticate with the management token, route, answer."""
        return await answer(lambda: self._route(request), self.v3.sender.kick)

    def _app(self, request: web.Request) -> V3App:
        presented = bearer_token(request.headers.get("Authorization")) or ""
        for app in self.v3.apps.values():
            if (
                presented
                and app.management_token
                and hmac.compare_digest(
                    presented.encode(), app.management_token.encode()
                )
            ):
                return app
        raise v3_error(
            "AUTHENTICATION", None, "The application management token is not valid."
        )

    async def _route(self, request: web.Request) -> tuple[dict[str, Any] | None, int]:
        self.v3.sim.catch_up()
        app = self._app(request)
        segments = tuple(part for part in request.match_info["tail"].split("/") if part)
        method = request.method
        if segments == ("subscriptions",):
            if method == "POST":
                await self._subscribe(request, app)
                return dict(SUBSCRIPTION_ACCEPTED), HTTP_ACCEPTED
            if method == "GET":
                return self._list(request, app), 200
        if len(segments) == 2 and segments[0] == "subscriptions":  # noqa: PLR2004
            subscription = self.v3.subscriptions.get(segments[1])
            if (
                subscription is None
                or subscription.application_id != app.application_id
            ):
                raise v3_error("RESOURCE_NOT_FOUND", None, "Unknown subscription.")
            if method == "GET":
                return {"data": subscription_resource(subscription)}, 200
            if method == "DELETE":
                self.v3.unsubscribe(subscription)
                return None, DELETE_SUBSCRIPTION_STATUS
        raise v3_error("RESOURCE_NOT_FOUND", "PATH")

    async def _subscribe(self, request: web.Request, app: V3App) -> None:
        fields = _attributes(await read_json(request))
        webhook_id = fields.get("webhookId")
        vehicle_id = fields.get("vehicleId")
        if not isinstance(webhook_id, str) or not isinstance(vehicle_id, str):
            msg = "webhookId and vehicleId are required."
            raise v3_error("VALIDATION", "PARAMETER", msg)
        webhook = app.webhooks.get(webhook_id)
        if webhook is None:
            raise v3_error("RESOURCE_NOT_FOUND", None, "Unknown webhook.")
        connection = next(
            (
                c
                for c in self.v3.connections.values()
                if c.application_id == app.application_id and c.vehicle_id == vehicle_id
            ),
            None,
        )
        if connection is None:
            raise v3_error(
                "RESOURCE_NOT_FOUND", None, "The vehicle is not connected to this app."
            )
        self.v3.subscribe(webhook, connection)

    def _list(self, request: web.Request, app: V3App) -> dict[str, Any]:
        query = request.query
        filters = {
            "user_id": query.get("filter[userId]"),
            "webhook_id": query.get("filter[webhookId]"),
            "vehicle_id": query.get("filter[vehicleId]"),
        }
        items = [
            s
            for s in self.v3.subscriptions.values()
            if s.application_id == app.application_id
            and all(
                wanted in (None, getattr(s, name)) for name, wanted in filters.items()
            )
        ]
        return {
            "data": [subscription_resource(s) for s in items],
            "meta": {"totalCount": len(items)},
        }
