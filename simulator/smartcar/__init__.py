"""The simulated Smartcar: Connect OAuth, token endpoint, Vehicle API v2.0, webhooks.

Mounted under a prefix (``/smartcar``) with one sub-path per Smartcar host:
``{prefix}/connect`` (Connect), ``{prefix}/auth`` (token endpoint) and
``{prefix}/api`` (Vehicle API, ``/v2.0/...``); the v3 hosts (``iam``,
``vehicle/v3``, ``management/v3``) are served by :mod:`.v3` on the same cars.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from simulator.clock import isoformat_z
from simulator.consent import (
    Account,
    ConsentFlow,
    PendingAuthorization,
    approval_query,
    error_page,
    issue_code,
    redirect_back,
)
from simulator.control import json_body
from simulator.oauth import OAuthClient, OAuthError, OAuthServer, Token, bearer_token
from simulator.state import car_from_spec

from .errors import SmartcarError, error_response, new_request_id
from .v3 import SmartcarV3
from .vehicle_api import (
    API_VERSION,
    VEHICLES_PAGE_DEFAULT,
    VEHICLES_PAGE_MAX,
    Ctx,
    ScVehicle,
    batch_endpoints,
    batch_item,
    before_the_car,
    data_headers,
    find_endpoint,
    paging,
    parse_batch,
    read_json,
    respond,
    run_endpoint,
    serves,
)
from .webhooks import Webhook, WebhookSender

if TYPE_CHECKING:
    from collections.abc import Mapping

    from simulator.car import Car
    from simulator.faults import Fault
    from simulator.state import Simulator

ACCESS_LIFETIME = 7200  # 2 hours
REFRESH_LIFETIME = 60 * 24 * 3600  # 60 days
CODE_LIFETIME = 600  # SIM CHOICE: Smartcar does not publish the code lifetime

PERMISSIONS = {
    "read_vehicle_info": "Know make, model, and year",
    "read_vin": "Read VIN",
    "read_battery": "Read EV battery's capacity and state of charge",
    "read_charge": "Know whether vehicle is charging",
    "control_charge": "Start or stop your vehicle's charging",
    "read_odometer": "Retrieve total distance traveled",
    "read_location": "Access the vehicle's location",
    "read_charge_records": "Read charging history",
    "read_charge_locations": "Read charging locations",
    "read_security": "Know whether the vehicle is locked",
    "control_security": "Lock or unlock your vehicle",
}
MODES = ("live", "test", "simulated")

# SIM CHOICE: an authorize URL without ``scope`` takes the permissions set
# for the application in the Smartcar Dashboard: the scenario application's
# ``scopes``, else reading the vehicle's make and model.
DASHBOARD_DEFAULT_SCOPES = ("read_vehicle_info",)


def connect_scopes(
    scope: str, dashboard: list[str]
) -> tuple[tuple[str, ...], frozenset[str]]:
    """The permissions an authorize URL asks for, and the required ones.

    ``required:read_battery`` asks for ``read_battery`` as a required
    permission, shown as such on the consent page. No ``scope`` at all means
    the Dashboard's settings. SIM CHOICE: the person cannot untick optional
    permissions either: every permission is granted as asked.
    """
    asked: dict[str, None] = {}
    required: set[str] = set()
    for part in scope.replace("+", " ").split():
        name = part.removeprefix("required:")
        asked.setdefault(name)
        if name != part:
            required.add(name)
    if not asked:
        return tuple(dashboard) or DASHBOARD_DEFAULT_SCOPES, frozenset()
    return tuple(asked), frozenset(required)


# Car events and the legacy (v2) webhook event types they send. SIM CHOICE:
# plugging in and unplugging send nothing (the legacy types have none).
EVENT_TYPES = {
    "charging_started": "CHARGING_STARTED",
    "charging_stopped": "CHARGING_STOPPED",
    "fully_charged": "CHARGING_COMPLETED",
}


class Smartcar:
    """Smartcar's state: applications, users, vehicles, tokens, webhooks."""

    brand = "Smartcar"

    def __init__(self, sim: Simulator, config: dict[str, Any]) -> None:
        """Load the ``smartcar`` part of a scenario."""
        self.sim = sim
        # Smartcar bills every sub-request of a batch ("path"); "request"
        # (a batch billed once) is kept as a setting for comparison.
        self.batch_cost = str(config.get("batch_cost", "path"))
        limit = config.get("monthly_request_limit")
        self.monthly_request_limit: int | None = int(limit) if limit else None
        rate = config.get("vehicle_rate_limit") or {}
        self.rate_requests: int | None = rate.get("requests")
        self.rate_window = float(rate.get("window_seconds", 60))
        self.oauth = OAuthServer(
            sim.clock,
            token_prefix="sc",  # noqa: S106 - a prefix, not a secret
            access_lifetime=ACCESS_LIFETIME,
            refresh_lifetime=REFRESH_LIFETIME,
            code_lifetime=CODE_LIFETIME,
            # SIM CHOICE: the old access token keeps working after a refresh.
            revoke_access_on_refresh=False,
        )
        self.webhooks: dict[str, Webhook] = {}
        self.sender = WebhookSender(sim)
        for app_spec in config.get("applications", []):
            if app_spec.get("api") == "v3":
                continue  # the v3 surface loads its applications itself
            client = OAuthClient.from_spec(app_spec)
            self.oauth.clients[client.client_id] = client
            for hook in app_spec.get("webhooks", []):
                self.add_webhook(client, hook["url"], hook.get("id"))
        now = sim.now()
        self.vehicles: dict[str, ScVehicle] = {}
        self.by_key: dict[str, ScVehicle] = {}
        owners = {
            key: user["id"]
            for user in config.get("users", [])
            for key in user.get("vehicles", [])
        }
        for spec in config.get("vehicles", []):
            car = car_from_spec(spec["key"], spec, now)
            vehicle = ScVehicle(
                id=spec["id"],
                owner=owners.get(spec["key"], ""),
                car=car,
                unsupported=frozenset(spec.get("unsupported", [])),
                nominal_capacities=list(spec.get("nominal_capacities", [])),
            )
            car.listeners.append(self._on_car_event)
            self.vehicles[vehicle.id] = vehicle
            self.by_key[car.key] = vehicle
        self.accounts: dict[str, Account] = {}
        for user in config.get("users", []):
            self.accounts[user["id"]] = Account(
                user_id=user["id"],
                username=user["username"],
                password=user["password"],
                vehicles=[
                    (self.by_key[key].id, self.by_key[key].car.label())
                    for key in user.get("vehicles", [])
                ],
            )
        self.flow = ConsentFlow(self, "")
        self.v3 = SmartcarV3(self, config)

    # ------------------------------------------------------------ interface
    def cars(self) -> dict[str, Car]:
        """Cars by key."""
        return {key: vehicle.car for key, vehicle in self.by_key.items()}

    def find_account(self, username: str, password: str) -> Account | None:
        """The account with these credentials."""
        for account in self.accounts.values():
            if account.username == username and account.password == password:
                return account
        return None

    def account_by_id(self, user_id: str) -> Account | None:
        """The account with this id or username."""
        for account in self.accounts.values():
            if user_id in (account.user_id, account.username):
                return account
        return None

    def describe_scope(self, scope: str) -> str:
        """A person-readable permission."""
        return PERMISSIONS.get(scope, scope)

    def register(self, app: web.Application, prefix: str) -> None:
        """Add the routes under ``prefix``."""
        authorize = f"{prefix}/connect/oauth/authorize"
        self.flow.action_path = authorize
        app.router.add_get(authorize, self.authorize)
        app.router.add_post(authorize, self.authorize_decision)
        app.router.add_route("*", f"{prefix}/auth/oauth/token", self.token)
        app.router.add_route("*", f"{prefix}/api/{{tail:.*}}", self.api)
        control = f"/_sim{prefix}"
        app.router.add_get(f"{control}/vehicles", self.control_vehicles)
        app.router.add_post(f"{control}/users/{{user}}/revoke", self.control_revoke)
        app.router.add_post(f"{control}/tokens/expire", self.control_expire)
        app.router.add_get(f"{control}/webhooks", self.control_webhooks)
        app.router.add_post(f"{control}/webhooks", self.control_add_webhook)
        app.router.add_post(
            f"{control}/webhooks/{{webhook_id}}/deliver", self.control_deliver
        )
        app.router.add_put(f"{control}/settings", self.control_settings)
        self.sim.faults.register_renderer(f"{prefix}/api", self._render_api_fault)
        self.sim.faults.register_renderer(f"{prefix}/auth", self._render_oauth_fault)
        self.sim.faults.register_renderer(
            f"{prefix}/connect", self._render_connect_fault
        )
        self.v3.register(app, prefix)

    # ---------------------------------------------------------- fault faces
    @staticmethod
    def _render_api_fault(fault: Fault, _request: web.Request) -> web.Response:
        err = SmartcarError(
            fault.error or "SERVER",
            fault.code,
            fault.description,
            retry_after=fault.retry_after,
            status=fault.status,
        )
        return error_response(err, new_request_id())

    @staticmethod
    def _render_oauth_fault(fault: Fault, _request: web.Request) -> web.Response:
        err = OAuthError(
            fault.error or "server_error",
            fault.description or "Injected fault.",
            fault.status or 400,
        )
        return web.json_response(err.body(), status=err.status)

    @staticmethod
    def _render_connect_fault(fault: Fault, _request: web.Request) -> web.Response:
        return error_page(
            "Smartcar", fault.description or "Injected fault.", fault.status or 500
        )

    # ------------------------------------------------------------- connect
    async def authorize(self, request: web.Request) -> web.StreamResponse:
        """``GET /oauth/authorize``: validate, then sign-in page (or auto-approve)."""
        query = request.query
        client_id = query.get("client_id", "")
        v3_app = self.v3.apps.get(client_id)
        client = v3_app.connect_client if v3_app else self.oauth.clients.get(client_id)
        if client is None:
            # A v3 application's M2M client id is not a Connect client_id
            # either: Connect knows it by its Application ID.
            return error_page(self.brand, "Invalid parameter client_id.")
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri or not client.redirect_allowed(redirect_uri):
            return error_page(
                self.brand, "The redirect_uri is not registered for this application."
            )
        scopes, required = connect_scopes(query.get("scope", ""), client.default_scopes)
        pending = PendingAuthorization(
            request_id="",
            client=client,
            redirect_uri=redirect_uri,
            scopes=scopes,
            state=query.get("state"),
            code_challenge=query.get("code_challenge"),
            code_challenge_method=query.get("code_challenge_method"),
            single_select=query.get("single_select", "").lower() == "true",
            required=required,
            mode=query.get("mode", "live"),
        )
        problem = self._authorize_problem(query, scopes)
        if problem is not None:
            raise redirect_back(pending, error=problem[0], error_description=problem[1])
        account = (
            self.account_by_id(self.sim.auto_approve) if self.sim.auto_approve else None
        )
        if account is not None:
            grant = frozenset(key for key, _ in account.vehicles)
            approved = self._approve(pending, account, grant)
            raise redirect_back(pending, **approval_query(approved))
        started = self.flow.start(pending)
        return self.flow.login_page(started)

    @staticmethod
    def _authorize_problem(
        query: Any, scopes: tuple[str, ...]
    ) -> tuple[str, str] | None:
        unknown = [scope for scope in scopes if scope not in PERMISSIONS]
        checks = (
            (
                query.get("response_type") != "code",
                "unsupported_response_type",
                "response_type must be 'code'.",
            ),
            (
                bool(unknown),
                "invalid_scope",
                f"Unknown permission(s): {', '.join(unknown)}.",
            ),
            (
                query.get("mode", "live") not in MODES,
                "invalid_request",
                "mode must be live, test or simulated.",
            ),
            (
                query.get("approval_prompt", "auto") not in ("auto", "force"),
                "invalid_request",
                "approval_prompt must be auto or force.",
            ),
            (
                query.get("code_challenge_method", "S256") not in ("S256", "plain"),
                "invalid_request",
                "code_challenge_method must be S256 or plain.",
            ),
        )
        for failed, error_code, description in checks:
            if failed:
                return error_code, description
        return None

    async def authorize_decision(self, request: web.Request) -> web.StreamResponse:
        """``POST /oauth/authorize``: the sign-in and consent forms."""
        return await self.flow.handle_post(request, self._approve)

    def _approve(
        self, pending: PendingAuthorization, account: Account, vehicles: frozenset[str]
    ) -> str | Mapping[str, str]:
        if pending.client.client_id in self.v3.apps:
            return self.v3.connect_redirect(pending, account, vehicles, pending.mode)
        return issue_code(self.oauth, pending, account, vehicles)

    # --------------------------------------------------------------- token
    async def token(self, request: web.Request) -> web.Response:
        """``POST /oauth/token``: authorization_code and refresh_token grants."""
        try:
            token = await self._grant(request)
        except OAuthError as err:
            return web.json_response(err.body(), status=err.status)
        response = web.json_response(self.oauth.token_body(token, include_scope=False))
        response.headers["Cache-Control"] = "no-store"
        return response

    async def _grant(self, request: web.Request) -> Token:
        if request.method != "POST":
            msg = "The token endpoint only accepts POST."
            raise OAuthError("invalid_request", msg, 405)
        form = {key: str(value) for key, value in (await request.post()).items()}
        # Smartcar documents HTTP Basic client authentication only.
        client = self.oauth.authenticate_client(
            request.headers.get("Authorization"), form, allow_post=False
        )
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self.oauth.exchange_code(
                client,
                form.get("code", ""),
                form.get("redirect_uri", ""),
                form.get("code_verifier"),
            )
        if grant_type == "refresh_token":
            return self.oauth.refresh(client, form.get("refresh_token", ""))
        msg = "grant_type must be authorization_code or refresh_token."
        raise OAuthError("unsupported_grant_type", msg)

    # ------------------------------------------------------------ vehicles
    async def api(self, request: web.Request) -> web.Response:
        """Every Vehicle API request: route, authenticate, count, answer."""
        request_id = new_request_id()
        self.sim.catch_up()
        try:
            reply_body, headers = await self._api(request, request_id)
        except SmartcarError as err:
            return error_response(err, request_id)
        return respond(reply_body, request_id, headers)

    async def _api(
        self, request: web.Request, request_id: str
    ) -> tuple[dict[str, Any], dict[str, str]]:
        segments = tuple(part for part in request.match_info["tail"].split("/") if part)
        if not segments or segments[0] != API_VERSION:
            raise SmartcarError("RESOURCE_NOT_FOUND", "VERSION")
        segments = segments[1:]
        if request.method == "DELETE" and segments[2:3] == ("webhooks",):
            return self._unsubscribe(request, segments), {}
        token = self.oauth.authenticate(
            bearer_token(request.headers.get("Authorization"))
        )
        if token is None:
            raise SmartcarError("AUTHENTICATION")
        if request.method == "GET" and segments in (("user",), ("vehicles",)):
            if segments == ("user",):
                return {"id": token.user_id}, {}
            return self._list_vehicles(request, token), {}
        if len(segments) < 2 or segments[0] != "vehicles":  # noqa: PLR2004
            raise SmartcarError("RESOURCE_NOT_FOUND", "PATH")
        return await self._vehicle_request(request, request_id, token, segments)

    async def _vehicle_request(
        self,
        request: web.Request,
        request_id: str,
        token: Token,
        segments: tuple[str, ...],
    ) -> tuple[dict[str, Any], dict[str, str]]:
        sub = segments[2:]
        is_batch = sub == ("batch",) and request.method == "POST"
        found = None if is_batch else find_endpoint(request.method, sub)
        if found is None and not is_batch:
            raise SmartcarError("RESOURCE_NOT_FOUND", "PATH")
        vehicle = self._vehicle_for(token, segments[1])
        body = await read_json(request)
        ctx = Ctx(
            provider=self,
            request_id=request_id,
            token=token,
            vehicle=vehicle,
            imperial=request.headers.get("sc-unit-system", "").lower() == "imperial",
            query=request.query,
            body=body,
            params={},
        )
        if found is None:
            return self._batch(ctx, parse_batch(body)), {}
        endpoint, ctx.params = found
        if not serves(ctx.params, vehicle.car):
            raise SmartcarError("RESOURCE_NOT_FOUND", "PATH")
        before_the_car(ctx, endpoint)
        if endpoint.billed:
            self.admit(vehicle, 1)
        reply = run_endpoint(ctx, endpoint)
        return reply.body, data_headers(ctx, reply)

    def _batch(self, ctx: Ctx, paths: list[str]) -> dict[str, Any]:
        """``POST /vehicles/{id}/batch``: one sub-response per path.

        Smartcar bills every sub-request of a batch (``batch_cost: path``).
        SIM CHOICE: each sub-request is then also admitted on its own, in
        order: one that would go over the monthly quota answers 430
        ``BILLING`` inside the batch (the batch itself answers 200, and the
        sub-requests before it are served and billed), one over the vehicle
        rate limit 429 with its own ``Retry-After``. With ``batch_cost:
        request`` (the old behaviour) the batch is admitted and billed once,
        before its sub-requests, and a batch over the quota is one 430.
        """
        vehicle = ctx.vehicle
        endpoints = batch_endpoints(paths, vehicle.car)
        if self.batch_cost == "path":

            def admit(cost: int) -> None:
                self.admit(vehicle, cost)
        else:
            self.admit(vehicle, 1)

            def admit(cost: int) -> None:
                del cost

        return {
            "responses": [
                batch_item(ctx, path, endpoint, params, admit)
                for path, (endpoint, params) in zip(paths, endpoints, strict=True)
            ]
        }

    def _vehicle_for(self, token: Token, vehicle_id: str) -> ScVehicle:
        vehicle = self.vehicles.get(vehicle_id)
        if vehicle is None or vehicle_id not in token.grant:
            # SIM CHOICE: a vehicle the token was not granted (or that does not
            # exist) is a PERMISSION error, revealing nothing about it.
            msg = "This access token does not grant access to the requested vehicle."
            raise SmartcarError("PERMISSION", None, msg)
        return vehicle

    def _list_vehicles(self, request: web.Request, token: Token) -> dict[str, Any]:
        limit, offset = paging(request.query, VEHICLES_PAGE_DEFAULT, VEHICLES_PAGE_MAX)
        account = self.accounts.get(token.user_id or "")
        owned = [key for key, _ in account.vehicles] if account else []
        granted = [vehicle_id for vehicle_id in owned if vehicle_id in token.grant]
        return {
            "vehicles": granted[offset : offset + limit],
            "paging": {"count": len(granted), "offset": offset},
        }

    def admit(self, vehicle: ScVehicle, cost: int) -> None:
        """Vehicle rate limit, monthly quota, then count the billable call.

        SIM CHOICE: requests rejected before they reach the vehicle
        (authentication, unknown path, permission, request validation, rate
        limit, quota) are not billed, and free requests (``/vehicles``,
        ``/user``, ``/permissions``, disconnect) do not count against the
        vehicle rate limit either.
        """
        now = self.sim.now()
        if self.rate_requests:
            window = timedelta(
                seconds=self.sim.clock.protocol_seconds(self.rate_window)
            )
            recent = vehicle.recent
            while recent and recent[0] <= now - window:
                recent.popleft()
            if len(recent) >= self.rate_requests:
                wait = (recent[0] + window - now).total_seconds()
                retry_after = max(
                    1, int(wait / max(1.0, self.sim.clock.time_scale)) + 1
                )
                raise SmartcarError("RATE_LIMIT", "VEHICLE", retry_after=retry_after)
            recent.append(now)
        month = self.sim.month()
        key = vehicle.car.key
        if (
            self.monthly_request_limit is not None
            and self.sim.billing.in_month(key, month) + cost
            > self.monthly_request_limit
        ):
            raise SmartcarError("BILLING", "VEHICLE_REQUEST_LIMIT")
        self.sim.billing.add(key, month, cost)

    def _unsubscribe(
        self, request: web.Request, segments: tuple[str, ...]
    ) -> dict[str, Any]:
        """``DELETE /vehicles/{id}/webhooks/{webhook_id}`` (management token)."""
        if len(segments) != 4 or segments[0] != "vehicles":  # noqa: PLR2004
            raise SmartcarError("RESOURCE_NOT_FOUND", "PATH")
        vehicle_id, webhook_id = segments[1], segments[3]
        presented = bearer_token(request.headers.get("Authorization")) or ""
        webhook = self.webhooks.get(webhook_id)
        if webhook is None or not presented or presented != webhook.management_token:
            raise SmartcarError("AUTHENTICATION")
        if vehicle_id not in webhook.subscriptions:
            raise SmartcarError(
                "RESOURCE_NOT_FOUND", "PATH", "The vehicle is not subscribed."
            )
        webhook.subscriptions.discard(vehicle_id)
        return {"status": "success"}

    # ------------------------------------------------------------ webhooks
    def add_webhook(
        self, client: OAuthClient, url: str, webhook_id: str | None = None
    ) -> Webhook:
        """Define a webhook for an application."""
        webhook = Webhook(
            id=webhook_id or new_request_id(),
            client_id=client.client_id,
            url=url,
            management_token=client.management_token,
        )
        self.webhooks[webhook.id] = webhook
        return webhook

    def _on_car_event(self, car: Car, event: str, moment: datetime) -> None:
        vehicle = self.by_key.get(car.key)
        event_type = EVENT_TYPES.get(event)
        if vehicle is None or event_type is None:
            return
        for webhook in self.webhooks.values():
            if webhook.verified and vehicle.id in webhook.subscriptions:
                self.sender.schedule(
                    webhook, event_type, vehicle.id, isoformat_z(moment)
                )

    # ------------------------------------------------------------- control
    async def control_vehicles(self, _request: web.Request) -> web.Response:
        """Vehicle ids, keys and owners."""
        return web.json_response(
            [
                {"id": v.id, "key": v.car.key, "owner": v.owner}
                for v in self.vehicles.values()
            ]
        )

    async def control_revoke(self, request: web.Request) -> web.Response:
        """Revoke every token of a user (as if access was removed at Smartcar)."""
        account = self.account_by_id(request.match_info["user"])
        if account is None:
            return web.json_response({"error": "unknown user"}, status=404)
        return web.json_response({"revoked": self.oauth.revoke_user(account.user_id)})

    async def control_expire(self, _request: web.Request) -> web.Response:
        """Expire every access token now."""
        self.oauth.expire_all()
        return web.json_response({"status": "expired"})

    async def control_webhooks(self, _request: web.Request) -> web.Response:
        """Webhooks with their subscriptions and deliveries."""
        await self.sender.drain()
        return web.json_response([w.to_json() for w in self.webhooks.values()])

    async def control_add_webhook(self, request: web.Request) -> web.Response:
        """Define a webhook ``{"url", "client_id"?, "id"?}`` and verify it."""
        body = await json_body(request)
        url = body.get("url")
        client = self.oauth.clients.get(
            body.get("client_id") or next(iter(self.oauth.clients), "")
        )
        if not isinstance(url, str) or client is None:
            return web.json_response(
                {"error": "url and a known client_id are required"}, status=400
            )
        webhook = self.add_webhook(client, url, body.get("id"))
        await self.sender.verify(webhook)
        return web.json_response(webhook.to_json(), status=201)

    async def control_deliver(self, request: web.Request) -> web.Response:
        """Send an event now: ``{"vehicle_id", "event"?}`` (an ``eventType``)."""
        webhook = self.webhooks.get(request.match_info["webhook_id"])
        body = await json_body(request)
        vehicle = self.vehicles.get(str(body.get("vehicle_id", "")))
        if webhook is None or vehicle is None:
            return web.json_response(
                {"error": "unknown webhook or vehicle"}, status=404
            )
        event_type = str(body.get("event", "CHARGING_STARTED"))
        if event_type not in EVENT_TYPES.values():
            return web.json_response(
                {"error": f"event must be one of {', '.join(EVENT_TYPES.values())}"},
                status=400,
            )
        vehicle.car.advance_to(self.sim.now())
        status = await self.sender.deliver(
            webhook,
            event_type,
            vehicle.id,
            isoformat_z(self.sim.now()),
        )
        return web.json_response({"status": status})

    async def control_settings(self, request: web.Request) -> web.Response:
        """Change ``batch_cost``, ``monthly_request_limit`` or the rate limit."""
        body = await json_body(request)
        if body.get("batch_cost", self.batch_cost) not in ("request", "path"):
            return web.json_response(
                {"error": "batch_cost must be request or path"}, status=400
            )
        self.batch_cost = body.get("batch_cost", self.batch_cost)
        if "monthly_request_limit" in body:
            self.monthly_request_limit = body["monthly_request_limit"]
        if "vehicle_rate_limit" in body:
            rate = body["vehicle_rate_limit"] or {}
            self.rate_requests = rate.get("requests")
            self.rate_window = float(rate.get("window_seconds", 60))
        return web.json_response(
            {
                "batch_cost": self.batch_cost,
                "monthly_request_limit": self.monthly_request_limit,
                "vehicle_rate_limit": {
                    "requests": self.rate_requests,
                    "window_seconds": self.rate_window,
                },
            }
        )


__all__ = ["Smartcar"]
