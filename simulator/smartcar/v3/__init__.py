"""The simulated Smartcar Vehicle API v3, Management API v3 and webhooks 4.0.

Mounted by the Smartcar provider under its prefix, one sub-path per host:
``{prefix}/iam/oauth2/token`` (M2M tokens), ``{prefix}/vehicle/v3/...``
(Vehicle API) and ``{prefix}/management/v3/...`` (subscriptions). Connect is
the provider's own (``{prefix}/connect``): a v3 application's Connect
``client_id`` is its Application ID. The cars, accounts, billing and rate
limit are the provider's: one car has the same vehicle id and user id in v2
and v3, and both count against the same monthly allowance.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from aiohttp import web

from simulator.oauth import OAuthClient, OAuthError, OAuthServer

from .api import VehicleApi
from .choices import M2M_TOKEN_LIFETIME, MODES
from .control import register_control
from .dashboard import register_dashboard
from .engine import Engine
from .errors import v3_error, v3_error_response
from .iam import Iam
from .management import Management
from .model import (
    Connection,
    Settings,
    Subscription,
    V3App,
    V3Vehicle,
    V3Webhook,
    connection_id,
)
from .signals import reported_codes
from .webhooks import Sender

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from datetime import datetime

    from simulator.consent import Account, PendingAuthorization
    from simulator.faults import Fault
    from simulator.smartcar import Smartcar

TICK_SECONDS = 1.0  # real seconds between background catch-ups (time_scale > 0)


class SmartcarV3:
    """The v3 state: applications, connections, subscriptions, ingested data."""

    def __init__(self, provider: Smartcar, config: dict[str, Any]) -> None:
        """Load the v3 parts of the scenario's ``smartcar`` object."""
        self.provider = provider
        self.sim = provider.sim
        self.settings = Settings()
        self.settings.update(config.get("v3", {}))
        self.iam = OAuthServer(
            self.sim.clock,
            token_prefix="sc3",  # noqa: S106 - a prefix, not a secret
            access_lifetime=M2M_TOKEN_LIFETIME,
            refresh_lifetime=0,
            code_lifetime=0,
            revoke_access_on_refresh=False,
        )
        self.apps: dict[str, V3App] = {}
        self.by_client: dict[str, V3App] = {}
        for spec in config.get("applications", []):
            if spec.get("api") == "v3":
                self._add_app(V3App.from_spec(spec))
        self.vehicles: dict[str, V3Vehicle] = {}
        for spec in config.get("vehicles", []):
            vehicle = provider.vehicles[spec["id"]]
            commands = frozenset(spec.get("commands", []))
            self.vehicles[vehicle.id] = V3Vehicle(
                vehicle=vehicle,
                codes=reported_codes(
                    vehicle.unsupported, commands, spec.get("signals")
                ),
                commands=commands,
                locked=bool(spec.get("locked", True)),
            )
        self.connections: dict[str, Connection] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.sender = Sender(self.sim, self.settings)
        self.engine = Engine(self)
        for vehicle in provider.vehicles.values():
            vehicle.car.listeners.append(self.engine.on_car_event)
        for spec in config.get("applications", []):
            for item in spec.get("connections", []) if spec.get("api") == "v3" else []:
                self._scenario_connection(self.apps[spec["application_id"]], item)
        self.sim.timers.append(self)
        self.vehicle_api = VehicleApi(self)
        self.management = Management(self)

    def _add_app(self, app: V3App) -> None:
        self.apps[app.application_id] = app
        self.by_client[app.client_id] = app
        self.iam.clients[app.client_id] = OAuthClient(
            client_id=app.client_id, client_secret=app.client_secrets[0], name=app.name
        )

    def _scenario_connection(self, app: V3App, item: dict[str, Any]) -> None:
        account = self.provider.account_by_id(str(item["user"]))
        if account is None:
            msg = f"v3 connection for unknown user {item['user']!r}"
            raise ValueError(msg)
        owned = {key for key, _ in account.vehicles}
        wanted = item.get("vehicles") or sorted(owned)
        ids = [
            self.provider.by_key[v].id if v in self.provider.by_key else v
            for v in wanted
        ]
        scopes = tuple(item.get("permissions", app.connect_client.default_scopes))
        self.connect(app, account.user_id, ids, scopes, str(item.get("mode", "live")))

    # -------------------------------------------------------------- lookups
    def vehicle_by_key(self, key: str) -> V3Vehicle | None:
        """The v3 state of the car with this key."""
        vehicle = self.provider.by_key.get(key)
        return self.vehicles.get(vehicle.id) if vehicle else None

    def connection(
        self, application_id: str, user_id: str, vehicle_id: str
    ) -> Connection | None:
        """The connection of a user's vehicle to an application."""
        return self.connections.get(connection_id(application_id, user_id, vehicle_id))

    def connected(self, vehicle_id: str) -> bool:
        """Whether any v3 application has the vehicle connected."""
        return any(c.vehicle_id == vehicle_id for c in self.connections.values())

    def webhook(self, webhook_id: str) -> V3Webhook | None:
        """A webhook of any v3 application."""
        for app in self.apps.values():
            if webhook_id in app.webhooks:
                return app.webhooks[webhook_id]
        return None

    def subscriptions_of(self, vehicle_id: str) -> list[Subscription]:
        """The vehicle's subscriptions, oldest first."""
        return [s for s in self.subscriptions.values() if s.vehicle_id == vehicle_id]

    def permissions(self, subscription: Subscription) -> frozenset[str]:
        """The permissions of the connection behind a subscription."""
        connection = self.connection(
            subscription.application_id, subscription.user_id, subscription.vehicle_id
        )
        return frozenset(connection.permissions) if connection else frozenset()

    # --------------------------------------------------------- state changes
    def connect(
        self,
        app: V3App,
        user_id: str,
        vehicle_ids: list[str],
        scopes: tuple[str, ...],
        mode: str,
    ) -> list[Connection]:
        """Create or update connections; auto-enroll the new ones."""
        now = self.sim.now()
        created: list[Connection] = []
        for vehicle_id in vehicle_ids:
            key = connection_id(app.application_id, user_id, vehicle_id)
            existing = self.connections.get(key)
            if existing is not None:
                existing.permissions = scopes
                existing.updated_at = now
                continue
            if not self.connected(vehicle_id):
                self.vehicles[vehicle_id].next_daily = self.engine.next_daily(now)
            connection = Connection(
                id=key,
                application_id=app.application_id,
                user_id=user_id,
                vehicle_id=vehicle_id,
                permissions=scopes,
                mode=MODES.get(mode, MODES["live"]),
                created_at=now,
                updated_at=now,
            )
            self.connections[key] = connection
            created.append(connection)
        for connection in created:
            for webhook in app.webhooks.values():
                if webhook.auto_enroll:
                    self.subscribe(webhook, connection)
        return created

    def connect_redirect(
        self,
        pending: PendingAuthorization,
        account: Account,
        vehicles: frozenset[str],
        mode: str,
    ) -> dict[str, str]:
        """Approve a Connect request of a v3 application: the redirect's query."""
        app = self.apps[pending.client.client_id]
        owned = [key for key, _ in account.vehicles if key in vehicles]
        self.connect(app, account.user_id, owned, pending.scopes, mode)
        self.sender.kick()
        params = {"user_id": account.user_id}
        if app.connect_returns_code:
            params["code"] = secrets.token_urlsafe(24)
        return params

    def subscribe(self, webhook: V3Webhook, connection: Connection) -> Subscription:
        """Subscribe a connected vehicle to a webhook (idempotent)."""
        for subscription in self.subscriptions_of(connection.vehicle_id):
            if subscription.webhook_id == webhook.id:
                return subscription
        now = self.sim.now()
        vehicle = self.vehicles[connection.vehicle_id]
        self.engine.before_subscribe(vehicle, now)
        subscription = Subscription(
            id=f"sub_{uuid.uuid4().hex}",
            webhook_id=webhook.id,
            application_id=webhook.application_id,
            vehicle_id=connection.vehicle_id,
            user_id=connection.user_id,
            created_at=now,
        )
        self.subscriptions[subscription.id] = subscription
        self.engine.first_delivery(subscription, now)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Remove a subscription; an unsubscribed car falls back to daily."""
        self.subscriptions.pop(subscription.id, None)
        vehicle = self.vehicles[subscription.vehicle_id]
        if not self.subscriptions_of(vehicle.vehicle.id):
            vehicle.next_tick = None
            vehicle.reported_unreachable = False
            vehicle.next_daily = self.engine.next_daily(self.sim.now())

    def disconnect(self, connection: Connection) -> None:
        """Remove a connection and the subscriptions that came with it."""
        self.connections.pop(connection.id, None)
        for subscription in list(self.subscriptions.values()):
            if (
                subscription.application_id == connection.application_id
                and subscription.user_id == connection.user_id
                and subscription.vehicle_id == connection.vehicle_id
            ):
                self.unsubscribe(subscription)

    # ----------------------------------------------------------------- timers
    def catch_up(self, moment: datetime) -> None:
        """Ingestions due up to ``moment`` (the simulator's timer hook)."""
        self.engine.catch_up(moment)

    async def flush(self, moment: datetime) -> int:
        """Webhook attempts due up to ``moment`` (the simulator's timer hook)."""
        await self.sender.drain()
        return await self.sender.flush(moment)

    async def _ticker(self, _app: web.Application) -> AsyncIterator[None]:
        """With a running clock, catch up and deliver about once a second."""

        async def run() -> None:
            while True:
                await asyncio.sleep(TICK_SECONDS)
                if self.sim.clock.time_scale > 0:
                    await self.sim.settle()

        task = asyncio.get_running_loop().create_task(run())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    # --------------------------------------------------------------- routing
    def register(self, app: web.Application, prefix: str) -> None:
        """Add the v3 routes, fault renderers and control API under ``prefix``."""
        iam = Iam(self)
        app.router.add_route("*", f"{prefix}/iam/oauth2/token", iam.token)
        app.router.add_route(
            "*", f"{prefix}/vehicle/v3/{{tail:.*}}", self.vehicle_api.handle
        )
        app.router.add_route(
            "*", f"{prefix}/management/v3/{{tail:.*}}", self.management.handle
        )
        register_control(app, self, f"/_sim{prefix}/v3")
        register_dashboard(app, self, f"/_sim{prefix}/dashboard")
        faults = self.sim.faults
        faults.register_renderer(f"{prefix}/vehicle/v3", self._render_fault)
        faults.register_renderer(f"{prefix}/management/v3", self._render_fault)
        faults.register_renderer(f"{prefix}/iam", self._render_iam_fault)
        app.cleanup_ctx.append(self._ticker)

    @staticmethod
    def _render_fault(fault: Fault, _request: web.Request) -> web.Response:
        err = v3_error(
            fault.error or "SERVER",
            fault.code,
            fault.description,
            status=fault.status,
            retry_after=fault.retry_after,
        )
        return v3_error_response(err)

    @staticmethod
    def _render_iam_fault(fault: Fault, _request: web.Request) -> web.Response:
        err = OAuthError(
            fault.error or "server_error",
            fault.description or "Injected fault.",
            fault.status or 500,
        )
        return web.json_response(err.body(), status=err.status)


__all__ = ["SmartcarV3"]
