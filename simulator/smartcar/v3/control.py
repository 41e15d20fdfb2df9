"""The v3 control API (``/_sim/smartcar/v3/...``): webhooks, deliveries, settings."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from aiohttp import web

from simulator.clock import isoformat_z
from simulator.control import control_error, json_body

from .engine import vehicle_error
from .model import Subscription, V3Webhook

if TYPE_CHECKING:
    from . import SmartcarV3
    from .model import V3App

EVENT_TYPES = ("VEHICLE_STATE", "VEHICLE_ERROR", "FIRST_DELIVERY")
EVENT_MODES = ("LIVE", "TEST")


class Control:
    """Handlers of the v3 control routes."""

    def __init__(self, v3: SmartcarV3) -> None:
        """Control the v3 state."""
        self.v3 = v3

    def _webhook_json(self, webhook: V3Webhook) -> dict[str, Any]:
        subscribed = [
            s.vehicle_id
            for s in self.v3.subscriptions.values()
            if s.webhook_id == webhook.id
        ]
        return webhook.to_json(sorted(subscribed))

    def _app(self, application_id: Any) -> V3App | None:
        if application_id is None:
            return next(iter(self.v3.apps.values()), None)
        return self.v3.apps.get(str(application_id))

    async def applications(self, _request: web.Request) -> web.Response:
        """The v3 applications with their credentials' ids and webhooks."""
        return web.json_response(
            [
                {
                    "application_id": app.application_id,
                    "client_id": app.client_id,
                    "name": app.name,
                    "connect_returns_code": app.connect_returns_code,
                    "redirect_uris": app.connect_client.redirect_uris,
                    "webhooks": [self._webhook_json(w) for w in app.webhooks.values()],
                }
                for app in self.v3.apps.values()
            ]
        )

    async def webhooks(self, _request: web.Request) -> web.Response:
        """Every v3 webhook."""
        await self.v3.sender.drain()
        return web.json_response(
            [
                self._webhook_json(webhook)
                for app in self.v3.apps.values()
                for webhook in app.webhooks.values()
            ]
        )

    async def put_webhook(self, request: web.Request) -> web.Response:
        """Create or update ``{"url", "application_id"?, "id"?, "auto_enroll"?}``.

        Sends VERIFY to the URL and answers the webhook with ``verified``.
        """
        body = await json_body(request)
        app = self._app(body.get("application_id"))
        url = body.get("url")
        if app is None or not isinstance(url, str):
            return control_error("url and a known application_id are required")
        webhook_id = str(body.get("id") or f"wh_{uuid.uuid4().hex[:12]}")
        webhook = app.webhooks.get(webhook_id)
        if webhook is None:
            webhook = V3Webhook(
                id=webhook_id,
                application_id=app.application_id,
                management_token=app.management_token,
            )
            app.webhooks[webhook_id] = webhook
        webhook.url = url
        if "auto_enroll" in body:
            webhook.auto_enroll = bool(body["auto_enroll"])
        await self.v3.sender.verify(webhook)
        return web.json_response(self._webhook_json(webhook))

    async def deliveries(self, request: web.Request) -> web.Response:
        """The delivery log, filtered: ``?webhook_id=&event_type=&vehicle_id=...``.

        ``{"count", "counts": {eventType: n}, "deliveries": [...]}`` (oldest
        first); ``ok=true|false`` keeps accepted or failed attempts only.
        """
        await self.v3.sender.drain()
        query = request.query
        keys = ("webhook_id", "event_type", "vehicle_id", "event_id", "mode")
        entries = [d.to_json() for d in self.v3.sender.log]
        for key in keys:
            if key in query:
                entries = [e for e in entries if e[key] == query[key]]
        if "ok" in query:
            wanted = query["ok"].lower() == "true"
            entries = [e for e in entries if e["ok"] is wanted]
        counts: dict[str, int] = {}
        for entry in entries:
            counts[entry["event_type"]] = counts.get(entry["event_type"], 0) + 1
        return web.json_response(
            {"count": len(entries), "counts": counts, "deliveries": entries}
        )

    async def clear_deliveries(self, _request: web.Request) -> web.Response:
        """Forget the delivery log (pending retries stay queued)."""
        await self.v3.sender.drain()
        self.v3.sender.log.clear()
        return web.json_response({"status": "cleared"})

    async def send_event(self, request: web.Request) -> web.Response:
        """Send an event now: ``{"event_type", "vehicle_id"?, "mode"?, "error"?}``.

        The vehicle (default: the application's first connected one) must be
        connected to the webhook's application. VEHICLE_STATE carries the
        ingested signals with a trigger for each; VEHICLE_ERROR carries
        ``error`` (``{"type", "code"}``, default VEHICLE_STATE/UNREACHABLE).
        Answers the first attempt (retries follow as the clock moves).
        """
        webhook = self.v3.webhook(request.match_info["webhook_id"])
        if webhook is None:
            return control_error("unknown webhook", 404)
        body = await json_body(request)
        event_type = str(body.get("event_type", "VEHICLE_STATE"))
        mode = str(body.get("mode", "LIVE")).upper()
        if event_type not in EVENT_TYPES or mode not in EVENT_MODES:
            return control_error(
                f"event_type must be one of {', '.join(EVENT_TYPES)}; mode LIVE or TEST"
            )
        subscription = self._subscription(webhook, body.get("vehicle_id"))
        if subscription is None:
            return control_error("no vehicle of this application is connected", 404)
        now = self.v3.sim.now()
        vehicle = self.v3.vehicles[subscription.vehicle_id]
        if not vehicle.store.signals:
            vehicle.vehicle.car.advance_to(now)
            vehicle.store.ingest(self.v3.engine.reading(vehicle), vehicle.codes, now)
        engine = self.v3.engine
        if event_type == "VEHICLE_ERROR":
            spec = body.get("error") or {}
            error = vehicle_error(
                str(spec.get("type", "VEHICLE_STATE")), spec.get("code", "UNREACHABLE")
            )
            event = engine.send_error(subscription, error, now, mode)
        else:
            event = engine.send_state(
                subscription,
                now,
                list(vehicle.store.signals) if event_type == "VEHICLE_STATE" else [],
                event_type=event_type,
                mode=mode,
            )
        await self.v3.sim.settle()
        if event is None:  # pragma: no cover - the webhook exists
            return control_error("nothing to send")
        attempts = [
            d.to_json() for d in self.v3.sender.log if d.event_id == event.event_id
        ]
        return web.json_response({"event_id": event.event_id, "deliveries": attempts})

    def _subscription(self, webhook: V3Webhook, vehicle_id: Any) -> Subscription | None:
        for subscription in self.v3.subscriptions.values():
            if subscription.webhook_id == webhook.id and vehicle_id in (
                None,
                subscription.vehicle_id,
            ):
                return subscription
        for connection in self.v3.connections.values():
            if connection.application_id == webhook.application_id and vehicle_id in (
                None,
                connection.vehicle_id,
            ):
                return Subscription(
                    id="",
                    webhook_id=webhook.id,
                    application_id=webhook.application_id,
                    vehicle_id=connection.vehicle_id,
                    user_id=connection.user_id,
                    created_at=self.v3.sim.now(),
                )
        return None

    async def connections(self, _request: web.Request) -> web.Response:
        """Every v3 connection of every application."""
        return web.json_response(
            [
                {
                    "id": c.id,
                    "application_id": c.application_id,
                    "user_id": c.user_id,
                    "vehicle_id": c.vehicle_id,
                    "permissions": list(c.permissions),
                    "mode": c.mode,
                    "created_at": isoformat_z(c.created_at),
                    "updated_at": isoformat_z(c.updated_at),
                    "subscriptions": [
                        s.id
                        for s in self.v3.subscriptions_of(c.vehicle_id)
                        if s.application_id == c.application_id
                    ],
                }
                for c in self.v3.connections.values()
            ]
        )

    async def signals(self, request: web.Request) -> web.Response:
        """What was ingested for a vehicle (with ingestion times)."""
        vehicle = self.v3.vehicles.get(request.match_info["vehicle_id"])
        if vehicle is None:
            return control_error("unknown vehicle", 404)
        self.v3.sim.catch_up()
        return web.json_response(
            {
                "subscribed": bool(self.v3.subscriptions_of(vehicle.vehicle.id)),
                "reports": list(vehicle.codes),
                "next_ingestion": (
                    isoformat_z(vehicle.next_tick) if vehicle.next_tick else None
                ),
                "signals": {
                    code: {
                        "body": stored.body,
                        "ingested_at": isoformat_z(stored.ingested_at),
                    }
                    for code, stored in vehicle.store.signals.items()
                },
            }
        )

    async def settings(self, request: web.Request) -> web.Response:
        """Change the ``smartcar.v3`` settings; ``connect_returns_code`` per app."""
        body = await json_body(request)
        if "connect_returns_code" in body:
            app = self._app(body.get("application_id"))
            if app is None:
                return control_error("unknown application_id")
            app.connect_returns_code = bool(body["connect_returns_code"])
        try:
            self.v3.settings.update(body)
        except (TypeError, ValueError) as err:
            return control_error(str(err))
        return web.json_response(self.v3.settings.to_json())


def register_control(app: web.Application, v3: SmartcarV3, prefix: str) -> None:
    """Add the v3 control routes under ``prefix`` (``/_sim/smartcar/v3``)."""
    control = Control(v3)
    app.router.add_get(f"{prefix}/applications", control.applications)
    app.router.add_get(f"{prefix}/webhooks", control.webhooks)
    app.router.add_post(f"{prefix}/webhooks", control.put_webhook)
    app.router.add_post(f"{prefix}/webhooks/{{webhook_id}}/events", control.send_event)
    app.router.add_get(f"{prefix}/deliveries", control.deliveries)
    app.router.add_delete(f"{prefix}/deliveries", control.clear_deliveries)
    app.router.add_get(f"{prefix}/connections", control.connections)
    app.router.add_get(f"{prefix}/vehicles/{{vehicle_id}}/signals", control.signals)
    app.router.add_put(f"{prefix}/settings", control.settings)
