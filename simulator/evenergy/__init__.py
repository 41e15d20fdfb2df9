"""The simulated ev.energy v2 API: OAuth (``/o/...``) and the API (``/v2/...``).

Mounted under a prefix (``/evenergy``): a client's base URL is
``http://HOST:PORT/evenergy``. The scenario's ``evenergy`` object describes
the applications, the catalogue, the users and their vehicles; integrated
vehicles carry a simulated :class:`~simulator.car.Car` whose physics feeds the
status logs and the charging sub-sessions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.consent import Account, error_page
from simulator.oauth import OAuthClient, OAuthError, OAuthServer

from . import ids
from .api import Api
from .authorization import SCOPE_TEXT, Authorization, oauth_error
from .choices import (
    ACCESS_LIFETIME,
    API_VERSION,
    CODE_LIFETIME,
    DEFAULT_APP_SCOPES,
    DEFAULT_ERA,
    DEFAULT_RATE_LIMIT,
    DEFAULT_STATUS_LOG_INTERVAL,
    ERAS,
    REFRESH_LIFETIME,
    REVOKE_ACCESS_ON_REFRESH,
)
from .model import (
    Catalogue,
    Integration,
    Model,
    Trim,
    User,
    Vehicle,
    user_from_config,
    vehicle_from_config,
)
from .problems import canonical, rate_limited
from .ratelimit import RateLimiter
from .sim_control import register_control
from .webhooks import SvixSender

if TYPE_CHECKING:
    from aiohttp import web

    from simulator.car import Car
    from simulator.faults import Fault
    from simulator.state import Simulator

    from .sessions import SubSession

FAULT_STATUS = {
    "RATE_LIMIT": 429,
    "SERVER": 500,
    "AUTHENTICATION": 401,
    "PERMISSION": 403,
    "NOT_FOUND": 404,
    "VALIDATION": 400,
}
DEFAULT_FAULT_RETRY_AFTER = 60  # SIM CHOICE: an injected 429 without retry_after


class EvEnergy:
    """ev.energy's state: applications, catalogue, users, vehicles, tokens."""

    brand = "ev.energy"

    def __init__(self, sim: Simulator, config: dict[str, Any]) -> None:
        """Load the ``evenergy`` part of a scenario."""
        self.sim = sim
        # The 2026 spec is the default; "seed" is the seed documents' era.
        self.era = str(config.get("era", DEFAULT_ERA))
        if self.era not in ERAS:
            msg = f"evenergy era must be one of {', '.join(ERAS)}"
            raise ValueError(msg)
        self.rate_limit = int(config.get("rate_limit_per_hour", DEFAULT_RATE_LIMIT))
        self.client_limits: dict[str, int] = {}
        self.limiter = RateLimiter(sim.clock)
        self.oauth = OAuthServer(
            sim.clock,
            token_prefix="ee",  # noqa: S106 - a prefix, not a secret
            access_lifetime=ACCESS_LIFETIME,
            refresh_lifetime=REFRESH_LIFETIME,
            code_lifetime=CODE_LIFETIME,
            revoke_access_on_refresh=REVOKE_ACCESS_ON_REFRESH,
        )
        for app_spec in config.get("applications", []):
            client = OAuthClient.from_spec(app_spec, DEFAULT_APP_SCOPES)
            self.oauth.clients[client.client_id] = client
            if "rate_limit_per_hour" in app_spec:
                self.client_limits[client.client_id] = int(
                    app_spec["rate_limit_per_hour"]
                )
        self.catalogue = Catalogue.from_config(config.get("catalogue", []))
        interval = float(
            config.get("status_log_interval_seconds", DEFAULT_STATUS_LOG_INTERVAL)
        )
        now = sim.now()
        self.users: dict[str, User] = {}
        self.vehicles: dict[str, Vehicle] = {}
        for user_spec in config.get("users", []):
            user = user_from_config(user_spec, now)
            self.users[user.id] = user
            for spec in user_spec.get("vehicles", []):
                vehicle = vehicle_from_config(
                    spec, user.id, now, interval, managed=self.modern
                )
                if vehicle.trim_id not in self.catalogue.trims:
                    msg = f"vehicle {vehicle.id!r} has an unknown trim"
                    raise ValueError(msg)
                self.add_vehicle(vehicle)
        self.authorization = Authorization(self, self.oauth)
        self.api = Api(self, "")
        self.webhooks = SvixSender(sim)

    @property
    def modern(self) -> bool:
        """Whether the 2026 spec is served (smart charging, boost, webhooks)."""
        return self.era != "seed"

    def set_era(self, era: str) -> None:
        """Serve another era from now on."""
        self.era = era
        for vehicle in self.vehicles.values():
            vehicle.managed = self.modern

    def add_vehicle(self, vehicle: Vehicle) -> None:
        """Keep a vehicle; its sub-session changes become webhooks."""
        vehicle.managed = self.modern

        def sub_session_event(sub: SubSession, change: str) -> None:
            self._sub_session_event(vehicle, sub, change)

        vehicle.book.listener = sub_session_event
        self.vehicles[vehicle.id] = vehicle

    def _sub_session_event(
        self, vehicle: Vehicle, sub: SubSession, change: str
    ) -> None:
        endpoint = self.webhooks.endpoint
        if not self.modern or endpoint is None:
            return
        if vehicle.integrated is not Integration.ACTIVE:
            return
        data = self.api.view_for(endpoint.api_base).sub_session(vehicle, sub)
        self.webhooks.send(f"charging_sub_session.{change}", data)

    # ------------------------------------------------------------- interface
    def cars(self) -> dict[str, Car]:
        """Cars of integrated vehicles, by car key."""
        return {
            vehicle.car.key: vehicle.car
            for vehicle in self.vehicles.values()
            if vehicle.car is not None
        }

    def advance(self) -> None:
        """Bring every car up to the simulated time (writes due status logs)."""
        now = self.sim.now()
        for car in self.cars().values():
            car.advance_to(now)

    def register(self, app: web.Application, prefix: str) -> None:
        """Add the routes under ``prefix`` (everything below it is ours)."""
        self.api.prefix = prefix
        self.authorization.flow.action_path = f"{prefix}/o/authorize/"
        app.router.add_route("*", prefix, self.handle)
        app.router.add_route("*", f"{prefix}/{{tail:.*}}", self.handle)
        register_control(app, self, f"/_sim{prefix}")
        self.sim.faults.register_renderer(prefix, self._render_api_fault)
        self.sim.faults.register_renderer(f"{prefix}/o/", self._render_oauth_fault)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Every request below the prefix: OAuth pages or the API."""
        path = request.match_info.get("tail", "").strip("/")
        if path == "o/authorize":
            return await self.authorization.authorize(request)
        if path == "o/token":
            return await self.authorization.token(request)
        if path == "o/revoke_token":
            return await self.authorization.revoke(request)
        return await self.api.handle(request, path)

    # --------------------------------------------------------- consent backend
    def _account(self, user: User) -> Account:
        return Account(
            user_id=user.id,
            username=user.email,
            password=user.password,
            vehicles=[
                (vehicle.id, self._label(vehicle))
                for vehicle in self.vehicles.values()
                if vehicle.user_id == user.id
            ],
        )

    def _label(self, vehicle: Vehicle) -> str:
        trim = self.catalogue.trims[vehicle.trim_id]
        model = self.catalogue.trim_model(trim)
        make = self.catalogue.model_make(model)
        return f"{make.name} {model.name} {trim.name}"

    def find_account(self, username: str, password: str) -> Account | None:
        """The account that signs in with this email and password."""
        for user in self.users.values():
            if (
                user.email.lower() == username.strip().lower()
                and user.password == password
            ):
                return self._account(user)
        return None

    def account_by_id(self, user_id: str) -> Account | None:
        """The account with this user ID or email."""
        for user in self.users.values():
            if user_id in (user.id, user.email):
                return self._account(user)
        return None

    @staticmethod
    def describe_scope(scope: str) -> str:
        """A person-readable permission."""
        return SCOPE_TEXT.get(scope, scope)

    # ---------------------------------------------------------------- helpers
    def client_rate_limit(self, client_id: str) -> int:
        """The hourly limit of an application."""
        return self.client_limits.get(client_id, self.rate_limit)

    def user_from_header(self, value: str) -> User | None:
        """The user an ``EvEnergy-User`` header names (an ID or a URL)."""
        return self.users.get(value.rstrip("/").rsplit("/", 1)[-1])

    def trim_for(self, model: Model, battery_wh: int | None) -> Trim:
        """A visible trim of ``model`` with that battery, or a new hidden one."""
        for trim in self.catalogue.trims.values():
            if (
                trim.model_id == model.id
                and not trim.hidden
                and (battery_wh is None or trim.battery_wh == battery_wh)
            ):
                return trim
        now = self.sim.now()
        trim = Trim(
            id=ids.derived_id(ids.TRIM, now, f"custom/{len(self.catalogue.trims)}"),
            name=f"Custom ({battery_wh} Wh)" if battery_wh else "Custom",
            model_id=model.id,
            battery_wh=battery_wh,
            integrable=False,
            hidden=True,
        )
        self.catalogue.trims[trim.id] = trim
        return trim

    def update_vehicle(self, vehicle: Vehicle, changes: dict[str, Any]) -> None:
        """Apply a validated PATCH; the charge limit reaches an ACTIVE car."""
        if vehicle.car is not None:
            vehicle.car.advance_to(self.sim.now())
        for name, value in changes.items():
            setattr(vehicle, name, value)
        if "smart_charging_enabled" in changes:
            vehicle.smart_charging_changed(self.sim.now())
        limit = changes.get("charge_limit_percent")
        car = vehicle.car
        if (
            limit is not None
            and car is not None
            and vehicle.integrated is Integration.ACTIVE
        ):
            car.set_charge_limit(self.sim.now(), limit / 100)

    # ------------------------------------------------------------ fault faces
    def _render_api_fault(self, fault: Fault, request: web.Request) -> web.Response:
        status = fault.status or FAULT_STATUS.get(fault.error or "", 500)
        if status == 429:  # noqa: PLR2004
            problem = rate_limited(fault.retry_after or DEFAULT_FAULT_RETRY_AFTER)
        else:
            problem = canonical(status, fault.description)
            if fault.retry_after is not None:
                problem.headers["Retry-After"] = str(fault.retry_after)
        response = problem.response()
        response.headers["EvEnergy-Version"] = API_VERSION
        response.headers.update(self.api.rate_headers(request))
        return response

    def _render_oauth_fault(self, fault: Fault, request: web.Request) -> web.Response:
        if request.path.rstrip("/").endswith("/o/authorize"):
            return error_page(
                self.brand, fault.description or "Injected fault.", fault.status or 500
            )
        err = OAuthError(
            fault.error or "server_error",
            fault.description or "Injected fault.",
            fault.status or 500,
        )
        return oauth_error(err)


__all__ = ["EvEnergy"]
