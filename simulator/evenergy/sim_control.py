"""Control routes for ev.energy (``/_sim/evenergy/...``); not part of the API."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from aiohttp import web

from simulator.clock import isoformat_z
from simulator.control import json_body

from .choices import ERAS, SMART_SCHEDULES
from .model import Integration
from .webhooks import Endpoint, new_secret

if TYPE_CHECKING:
    from . import EvEnergy
    from .model import Vehicle


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)


def vehicle_json(vehicle: Vehicle) -> dict[str, Any]:
    """A vehicle as the control API shows it."""
    latest = vehicle.latest_log()
    return {
        "id": vehicle.id,
        "user": vehicle.user_id,
        "key": vehicle.car.key if vehicle.car is not None else None,
        "integrated": str(vehicle.integrated),
        "maximum_charge_limit_percentage": vehicle.charge_limit_percent,
        "smart_charging_enabled": vehicle.smart_charging_enabled,
        "smart_schedule": vehicle.smart_schedule,
        "held": vehicle.held,
        "charging_sessions": len(vehicle.book.sessions),
        "status_logs": len(vehicle.logs),
        "latest_sampled_at": (
            isoformat_z(latest.sampled_at, timespec="microseconds") if latest else None
        ),
    }


class Control:
    """The handlers, bound to one provider."""

    def __init__(self, provider: EvEnergy) -> None:
        """Control ``provider``."""
        self.provider = provider

    def _vehicle(self, request: web.Request) -> Vehicle | None:
        wanted = request.match_info["vehicle"]
        for vehicle in self.provider.vehicles.values():
            if wanted == vehicle.id or (
                vehicle.car is not None and wanted == vehicle.car.key
            ):
                return vehicle
        return None

    async def vehicles(self, _request: web.Request) -> web.Response:
        """Every vehicle with its owner, car key and integration state."""
        self.provider.advance()
        return web.json_response(
            [vehicle_json(v) for v in self.provider.vehicles.values()]
        )

    async def patch_vehicle(self, request: web.Request) -> web.Response:
        """Set ``integrated`` (ACTIVE, INACTIVE, UNINTEGRATED) or ``smart_schedule``.

        ``smart_schedule``: ``charge`` (the smart schedule lets the car charge
        now) or ``wait`` (ev.energy holds it during a SMART sub-session).
        """
        vehicle = self._vehicle(request)
        if vehicle is None:
            return _error("unknown vehicle", 404)
        body = await json_body(request)
        if "smart_schedule" in body:
            schedule = body["smart_schedule"]
            if schedule not in SMART_SCHEDULES:
                return _error(f"smart_schedule must be one of {SMART_SCHEDULES}")
            vehicle.smart_schedule = schedule
            if vehicle.car is not None:
                now = self.provider.sim.now()
                vehicle.car.advance_to(now)
                vehicle.apply_schedule(vehicle.car, now)
                vehicle.record(vehicle.car, now)
            if "integrated" not in body:
                return web.json_response(vehicle_json(vehicle))
        try:
            state = Integration(str(body.get("integrated")))
        except ValueError:
            return _error("integrated must be UNINTEGRATED, ACTIVE or INACTIVE")
        if state is not Integration.UNINTEGRATED and vehicle.car is None:
            return _error("only a vehicle with a car can be integrated", 409)
        vehicle.set_integration(state, self.provider.sim.now())
        return web.json_response(vehicle_json(vehicle))

    async def delete_vehicle(self, request: web.Request) -> web.Response:
        """The owner removed the vehicle from their account (a control action).

        ev.energy's own vehicle delete is not simulated; this makes the
        vehicle disappear for the API (404, absent from lists).
        """
        vehicle = self._vehicle(request)
        if vehicle is None:
            return _error("unknown vehicle", 404)
        del self.provider.vehicles[vehicle.id]
        return web.json_response({"deleted": vehicle.id})

    async def revoke_user(self, request: web.Request) -> web.Response:
        """Revoke every token of a user (ID or email)."""
        account = self.provider.account_by_id(request.match_info["user"])
        if account is None:
            return _error("unknown user", 404)
        return web.json_response(
            {"revoked": self.provider.oauth.revoke_user(account.user_id)}
        )

    async def expire_tokens(self, _request: web.Request) -> web.Response:
        """Expire every access token now."""
        self.provider.oauth.expire_all()
        return web.json_response({"status": "expired"})

    async def settings(self, request: web.Request) -> web.Response:
        """Change ``era`` or ``rate_limit_per_hour`` (also resets the buckets)."""
        body = await json_body(request)
        provider = self.provider
        era = body.get("era", provider.era)
        limit = body.get("rate_limit_per_hour", provider.rate_limit)
        if era not in ERAS:
            return _error(f"era must be one of {', '.join(ERAS)}")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            return _error("rate_limit_per_hour must be a positive integer")
        provider.set_era(era)
        provider.rate_limit = limit
        provider.client_limits.clear()
        provider.limiter.reset()
        return web.json_response(
            {"era": provider.era, "rate_limit_per_hour": provider.rate_limit}
        )

    async def put_webhook(self, request: web.Request) -> web.Response:
        """Set the webhook endpoint (what the Svix portal does).

        ``{"url": ..., "secret": "whsec_..."?, "retry_delays_seconds": [...]?}``
        """
        body = await json_body(request)
        url = body.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return _error("url must be an http(s) URL")
        secret = body.get("secret") or new_secret()
        if not isinstance(secret, str) or not secret.startswith("whsec_"):
            return _error("secret must start with whsec_")
        try:
            base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except ValueError:
            return _error("the part after whsec_ must be base64")
        delays = body.get("retry_delays_seconds")
        endpoint = Endpoint(
            url=url,
            secret=secret,
            api_base=f"{request.url.origin()}{self.provider.api.prefix}",
        )
        if delays is not None:
            if not isinstance(delays, list) or not all(
                isinstance(d, int | float) and d >= 0 for d in delays
            ):
                return _error("retry_delays_seconds must be a list of seconds")
            endpoint.retry_delays = tuple(float(d) for d in delays)
        self.provider.webhooks.endpoint = endpoint
        return web.json_response(endpoint.to_json())

    async def get_webhook(self, _request: web.Request) -> web.Response:
        """The endpoint and its delivery attempts."""
        endpoint = self.provider.webhooks.endpoint
        if endpoint is None:
            return _error("no webhook endpoint", 404)
        return web.json_response(endpoint.to_json())

    async def delete_webhook(self, _request: web.Request) -> web.Response:
        """Remove the endpoint (pending retries are dropped)."""
        self.provider.webhooks.endpoint = None
        return web.json_response({"deleted": True})


def register_control(app: web.Application, provider: EvEnergy, base: str) -> None:
    """Add the control routes under ``base`` (``/_sim/evenergy``)."""
    control = Control(provider)
    app.router.add_get(f"{base}/vehicles", control.vehicles)
    app.router.add_patch(f"{base}/vehicles/{{vehicle}}", control.patch_vehicle)
    app.router.add_delete(f"{base}/vehicles/{{vehicle}}", control.delete_vehicle)
    app.router.add_post(f"{base}/users/{{user}}/revoke", control.revoke_user)
    app.router.add_post(f"{base}/tokens/expire", control.expire_tokens)
    app.router.add_put(f"{base}/settings", control.settings)
    app.router.add_put(f"{base}/webhook", control.put_webhook)
    app.router.add_get(f"{base}/webhook", control.get_webhook)
    app.router.add_delete(f"{base}/webhook", control.delete_webhook)
