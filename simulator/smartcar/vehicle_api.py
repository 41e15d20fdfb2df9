"""The Smartcar Vehicle API v2.0: routing, checks and the endpoint bodies."""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import web

from simulator.car import (
    ChargeState,
    Connectivity,
    LocationKind,
    Observation,
    SleepBehavior,
)
from simulator.clock import isoformat_z

from .errors import SmartcarError

if TYPE_CHECKING:
    from simulator.car import Car
    from simulator.oauth import Token
    from simulator.state import Simulator

    from . import Smartcar

KM_PER_MILE = 1.609344
API_VERSION = "v2.0"
VEHICLES_PAGE_DEFAULT = 10
VEHICLES_PAGE_MAX = 50
PERMISSIONS_PAGE_DEFAULT = 25
RECORDS_DEFAULT_DAYS = 30

# Makes for which the make-specific charge records endpoint exists (seed page).
CHARGE_RECORD_MAKES = frozenset({"TESLA"})


@dataclass
class ScVehicle:
    """A vehicle connected through Smartcar."""

    id: str
    owner: str
    car: Car
    unsupported: frozenset[str] = frozenset()
    nominal_capacities: list[dict[str, Any]] = field(default_factory=list)
    recent: deque[datetime] = field(default_factory=deque)


@dataclass
class Ctx:
    """One request (or one batch sub-request) to a vehicle endpoint."""

    provider: Smartcar
    request_id: str
    token: Token
    vehicle: ScVehicle
    imperial: bool
    query: Mapping[str, str]
    body: Any
    params: dict[str, str]

    @property
    def sim(self) -> Simulator:
        """The simulator."""
        return self.provider.sim

    @property
    def car(self) -> Car:
        """The car behind the vehicle."""
        return self.vehicle.car


@dataclass
class Reply:
    """A successful endpoint answer."""

    body: dict[str, Any]
    data_age: datetime | None = None


type EndpointHandler = Callable[[Ctx], Reply]
type RequestCheck = Callable[[Ctx], None]


@dataclass(frozen=True)
class Endpoint:
    """A vehicle endpoint: path pattern, permission and capability."""

    method: str
    pattern: tuple[str, ...]
    handler: EndpointHandler
    scope: str | None
    capability: str | None = None
    # Permissions and disconnect are free; data reads and commands are
    # billed (Smartcar's billing article, in the corrected reference).
    billed: bool = True
    # What Smartcar checks in the request itself (body, query) before it
    # asks the car: a VALIDATION error here is not billed.
    check: RequestCheck | None = None

    def match(self, method: str, segments: tuple[str, ...]) -> dict[str, str] | None:
        """Path parameters when ``segments`` fit this endpoint."""
        if method != self.method or len(segments) != len(self.pattern):
            return None
        params: dict[str, str] = {}
        for part, segment in zip(self.pattern, segments, strict=True):
            if part.startswith("{"):
                params[part.strip("{}")] = segment
            elif part != segment:
                return None
        return params


# ---------------------------------------------------------------- observation
def observe(ctx: Ctx) -> Observation:
    """The car's data, or the VEHICLE_STATE error a sleeping car gives."""
    car = ctx.car
    if car.connectivity is Connectivity.UNREACHABLE:
        raise SmartcarError("VEHICLE_STATE", "UNREACHABLE")
    if car.connectivity is Connectivity.ASLEEP:
        if car.sleep_behavior is SleepBehavior.ERROR or car.frozen is None:
            raise SmartcarError("VEHICLE_STATE", "ASLEEP")
        return car.frozen
    return car.observe()


def distance(ctx: Ctx, km: float) -> float:
    """A distance in the unit system the request asked for."""
    value = km / KM_PER_MILE if ctx.imperial else km
    return round(value, 2)


def reachable_for_command(ctx: Ctx) -> None:
    """Commands wake a sleeping car; an unreachable one fails."""
    car = ctx.car
    if car.connectivity is Connectivity.UNREACHABLE:
        raise SmartcarError("VEHICLE_STATE", "UNREACHABLE")
    if car.connectivity is Connectivity.ASLEEP:
        car.wake(ctx.sim.now())


def validation(description: str) -> SmartcarError:
    """A VALIDATION:PARAMETER error."""
    return SmartcarError("VALIDATION", "PARAMETER", description)


# ------------------------------------------------------------------ endpoints
def get_attributes(ctx: Ctx) -> Reply:
    """``GET /vehicles/{id}``."""
    car = ctx.car
    return Reply(
        {"id": ctx.vehicle.id, "make": car.make, "model": car.model, "year": car.year}
    )


def get_vin(ctx: Ctx) -> Reply:
    """``GET /vehicles/{id}/vin``."""
    return Reply({"vin": ctx.car.vin}, ctx.sim.now())


def get_battery(ctx: Ctx) -> Reply:
    """``GET /vehicles/{id}/battery``."""
    seen = observe(ctx)
    return Reply(
        {
            "percentRemaining": round(seen.soc, 4),
            "range": distance(ctx, seen.range_km),
        },
        seen.captured_at,
    )


def get_capacity(ctx: Ctx) -> Reply:
    """``GET /vehicles/{id}/battery/capacity``."""
    return Reply({"capacity": ctx.car.capacity_kwh}, ctx.sim.now())


def get_nominal_capacity(ctx: Ctx) -> Reply:
    """``GET /vehicles/{id}/battery/nominal_capacity``."""
    available = ctx.vehicle.nominal_capacities or [
        {"capacity": ctx.car.capacity_kwh, "description": None}
    ]
    return Reply(
        {
            "availableCapacities": available,
            "capacity": {"nominal": ctx.car.capacity_kwh, "source": "SMARTCAR"},
            "url": None,
        },
        ctx.sim.now(),
    )


def get_charge(ctx: Ctx) -> Reply:
    """``GET /vehicles/{id}/charge``."""
    seen = observe(ctx)
    return Reply(
        {"isPluggedIn": seen.plugged_in, "state": str(seen.state)}, seen.captured_at
    )


def check_charge_action(ctx: Ctx) -> None:
    """The body of ``POST /charge``: ``{"action": "START"|"STOP"}``."""
    body = ctx.body
    action = body.get("action") if isinstance(body, dict) else None
    if action not in ("START", "STOP"):
        msg = "action must be one of START or STOP."
        raise validation(msg)


def post_charge(ctx: Ctx) -> Reply:
    """``POST /vehicles/{id}/charge`` with ``{"action": "START"|"STOP"}``."""
    reachable_for_command(ctx)
    car = ctx.car
    now = ctx.sim.now()
    if ctx.body["action"] == "START":
        if car.charge_fault:
            raise SmartcarError("VEHICLE_STATE", "CHARGE_FAULT")
        if not car.plugged_in:
            raise SmartcarError("VEHICLE_STATE", "CHARGE_PLUG_DISCONNECTED")
        if car.state is ChargeState.FULLY_CHARGED:
            raise SmartcarError("VEHICLE_STATE", "FULLY_CHARGED")
        car.start_charging(now)
    else:
        if not car.charging:
            raise SmartcarError("VEHICLE_STATE", "NOT_CHARGING")
        car.stop_charging(now)
    return Reply(
        {"status": "success", "message": "Successfully sent request to vehicle"}
    )


def get_charge_limit(ctx: Ctx) -> Reply:
    """``GET /vehicles/{id}/charge/limit``."""
    seen = observe(ctx)
    return Reply({"limit": round(seen.charge_limit, 4)}, seen.captured_at)


def check_charge_limit(ctx: Ctx) -> None:
    """The body of ``POST /charge/limit``: a number in the car's range."""
    body = ctx.body
    limit = body.get("limit") if isinstance(body, dict) else None
    car = ctx.car
    if (
        not isinstance(limit, int | float)
        or isinstance(limit, bool)
        or not math.isfinite(limit)
    ):
        msg = "limit must be a number between 0 and 1."
        raise validation(msg)
    if not car.charge_limit_min <= limit <= car.charge_limit_max:
        msg = (
            f"limit must be between {car.charge_limit_min} and "
            f"{car.charge_limit_max} for this vehicle."
        )
        raise validation(msg)


def post_charge_limit(ctx: Ctx) -> Reply:
    """``POST /vehicles/{id}/charge/limit`` with ``{"limit": 0.8}``."""
    reachable_for_command(ctx)
    ctx.car.set_charge_limit(ctx.sim.now(), float(ctx.body["limit"]))
    return Reply(
        {"status": "success", "message": "Successfully sent request to vehicle"}
    )


def _query_date(ctx: Ctx, name: str, default: date) -> date:
    raw = ctx.query.get(name)
    if raw is None:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        msg = f"{name} must be a date in YYYY-MM-DD format."
        raise validation(msg) from None


def _records_period(ctx: Ctx) -> tuple[date, date]:
    today = ctx.sim.now().date()
    start = _query_date(ctx, "startDate", today - timedelta(days=RECORDS_DEFAULT_DAYS))
    end = _query_date(ctx, "endDate", today)
    if end < start:
        msg = "endDate must not be before startDate."
        raise validation(msg)
    return start, end


def check_records_period(ctx: Ctx) -> None:
    """``startDate`` and ``endDate`` of the charge records."""
    _records_period(ctx)


def get_charge_records(ctx: Ctx) -> Reply:
    """``GET /vehicles/{id}/{make}/charge/records``.

    SIM CHOICE: one record per charge session (dated at its start), energy in
    kWh drawn from the charger, split by where the car charged.
    """
    car = ctx.car
    if car.make not in CHARGE_RECORD_MAKES:
        raise SmartcarError("COMPATIBILITY", "MAKE_NOT_COMPATIBLE")
    start, end = _records_period(ctx)
    low = datetime.combine(start, time.min, tzinfo=ctx.sim.now().tzinfo)
    high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=low.tzinfo)
    records = []
    for session in car.sessions:
        if not low <= session.started_at < high or session.energy_delivered_kwh <= 0:
            continue
        energy = round(session.energy_delivered_kwh, 3)
        split = {
            "home": energy if session.location_kind is LocationKind.HOME else 0,
            "other": energy if session.location_kind is LocationKind.OTHER else 0,
            "superCharger": (
                energy if session.location_kind is LocationKind.SUPERCHARGER else 0
            ),
        }
        records.append(
            {"date": isoformat_z(session.started_at), **split, "total": energy}
        )
    return Reply({"records": records}, ctx.sim.now())


def get_odometer(ctx: Ctx) -> Reply:
    """``GET /vehicles/{id}/odometer``."""
    seen = observe(ctx)
    return Reply({"distance": distance(ctx, seen.odometer_km)}, seen.captured_at)


def get_location(ctx: Ctx) -> Reply:
    """``GET /vehicles/{id}/location``."""
    seen = observe(ctx)
    return Reply(
        {"latitude": seen.latitude, "longitude": seen.longitude}, seen.captured_at
    )


def paging(query: Mapping[str, str], default: int, maximum: int) -> tuple[int, int]:
    """``limit`` and ``offset`` from a query, validated."""
    try:
        limit = int(query.get("limit", default))
        offset = int(query.get("offset", 0))
    except ValueError:
        msg = "limit and offset must be integers."
        raise validation(msg) from None
    if not 1 <= limit <= maximum or offset < 0:
        msg = f"limit must be between 1 and {maximum}; offset must be >= 0."
        raise validation(msg)
    return limit, offset


def get_permissions(ctx: Ctx) -> Reply:
    """``GET /vehicles/{id}/permissions``."""
    limit, offset = paging(ctx.query, PERMISSIONS_PAGE_DEFAULT, VEHICLES_PAGE_MAX)
    scopes = list(ctx.token.scopes)
    return Reply(
        {
            "permissions": scopes[offset : offset + limit],
            "paging": {"count": len(scopes), "offset": offset},
        }
    )


def delete_application(ctx: Ctx) -> Reply:
    """``DELETE /vehicles/{id}/application``: disconnect the vehicle."""
    token = ctx.token
    ctx.provider.oauth.drop_vehicle(
        token.user_id or "", token.client_id, ctx.vehicle.id
    )
    return Reply({"status": "success"})


def subscribe_webhook(ctx: Ctx) -> Reply:
    """``POST /vehicles/{id}/webhooks/{webhook_id}``."""
    webhook = ctx.provider.webhooks.get(ctx.params["webhook_id"])
    if webhook is None or webhook.client_id != ctx.token.client_id:
        raise SmartcarError("RESOURCE_NOT_FOUND", "PATH", "Unknown webhook id.")
    webhook.subscriptions.add(ctx.vehicle.id)
    return Reply({"webhookId": webhook.id, "vehicleId": ctx.vehicle.id})


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", (), get_attributes, "read_vehicle_info"),
    Endpoint("GET", ("vin",), get_vin, "read_vin", "vin"),
    Endpoint("GET", ("battery",), get_battery, "read_battery", "battery"),
    Endpoint("GET", ("battery", "capacity"), get_capacity, "read_battery", "capacity"),
    Endpoint(
        "GET",
        ("battery", "nominal_capacity"),
        get_nominal_capacity,
        "read_battery",
        "nominal_capacity",
    ),
    Endpoint("GET", ("charge",), get_charge, "read_charge", "charge"),
    Endpoint(
        "POST",
        ("charge",),
        post_charge,
        "control_charge",
        "charge_control",
        check=check_charge_action,
    ),
    Endpoint(
        "GET", ("charge", "limit"), get_charge_limit, "read_charge", "charge_limit"
    ),
    Endpoint(
        "POST",
        ("charge", "limit"),
        post_charge_limit,
        "control_charge",
        "charge_limit",
        check=check_charge_limit,
    ),
    Endpoint(
        "GET",
        ("{make}", "charge", "records"),
        get_charge_records,
        "read_charge_records",
        "charge_records",
        check=check_records_period,
    ),
    Endpoint("GET", ("odometer",), get_odometer, "read_odometer", "odometer"),
    Endpoint("GET", ("location",), get_location, "read_location", "location"),
    Endpoint("GET", ("permissions",), get_permissions, None, billed=False),
    Endpoint("DELETE", ("application",), delete_application, None, billed=False),
    # SIM CHOICE: subscribing a vehicle to a webhook is billed, like a command
    # (Smartcar names only /vehicles, /user, /permissions and disconnect free).
    Endpoint("POST", ("webhooks", "{webhook_id}"), subscribe_webhook, None, "webhooks"),
)


def find_endpoint(
    method: str, segments: tuple[str, ...]
) -> tuple[Endpoint, dict[str, str]] | None:
    """The endpoint for a vehicle sub-path."""
    for endpoint in ENDPOINTS:
        params = endpoint.match(method, segments)
        if params is not None:
            return endpoint, params
    return None


def serves(params: Mapping[str, str], car: Car) -> bool:
    """Whether a matched path exists for this car (a ``{make}`` path: its make).

    SIM CHOICE: a make-specific path of another make is an unknown path (404
    ``RESOURCE_NOT_FOUND:PATH``; in a batch, the whole batch's 400).
    """
    return "make" not in params or params["make"].upper() == car.make


def before_the_car(ctx: Ctx, endpoint: Endpoint) -> None:
    """What Smartcar answers itself, before it asks the car (not billed).

    The permission, then the request's own parameters. These rejections are
    not billed (the SIM CHOICE at ``Smartcar.admit``).
    """
    if endpoint.scope is not None and endpoint.scope not in ctx.token.scopes:
        msg = (
            f"Your application has insufficient permissions to access the requested "
            f"resource: the '{endpoint.scope}' permission was not granted."
        )
        raise SmartcarError("PERMISSION", None, msg)
    if endpoint.check is not None:
        endpoint.check(ctx)


def run_endpoint(ctx: Ctx, endpoint: Endpoint) -> Reply:
    """The request at the car: its capability, then the endpoint itself.

    Call ``before_the_car`` first, and bill in between. SIM CHOICE: a
    request (or batch sub-request) that gets this far is billed even when
    the car answers an error (COMPATIBILITY, VEHICLE_STATE).
    """
    if endpoint.capability in ctx.vehicle.unsupported:
        code = (
            "MAKE_NOT_COMPATIBLE"
            if endpoint.capability == "charge_records"
            else "VEHICLE_NOT_CAPABLE"
        )
        raise SmartcarError("COMPATIBILITY", code)
    ctx.car.advance_to(ctx.sim.now())
    return endpoint.handler(ctx)


def data_headers(ctx: Ctx, reply: Reply) -> dict[str, str]:
    """``sc-data-age``, ``sc-unit-system`` and ``sc-fetched-at`` for data replies."""
    if reply.data_age is None:
        return {}
    return {
        "sc-data-age": isoformat_z(reply.data_age),
        "sc-unit-system": "imperial" if ctx.imperial else "metric",
        "sc-fetched-at": isoformat_z(ctx.sim.now()),
    }


def batch_endpoints(
    paths: list[str], car: Car
) -> list[tuple[Endpoint, dict[str, str]]]:
    """Each sub-path's endpoint; an unknown path fails the whole batch.

    Smartcar answers a batch naming a path it does not know with one 400
    VALIDATION for the request (the corrected reference), not per path; a
    make-specific path of another make counts as unknown (``serves``).
    """
    found: list[tuple[Endpoint, dict[str, str]]] = []
    for path in paths:
        segments = tuple(
            part for part in path.split("?", maxsplit=1)[0].split("/") if part
        )
        match = find_endpoint("GET", segments)
        if match is None or not serves(match[1], car):
            msg = f"'{path}' is not a valid path for a batch request."
            raise validation(msg)
        found.append(match)
    return found


def batch_item(
    ctx: Ctx,
    path: str,
    endpoint: Endpoint,
    params: dict[str, str],
    admit: Callable[[int], None],
) -> dict[str, Any]:
    """One sub-response of a batch request, checked and billed on its own.

    A successful sub-response carries ``headers`` (``sc-request-id`` always;
    data age and unit system where they apply); a failed one the error body
    and, for a rate limit, its own ``Retry-After``.

    SIM CHOICE: every sub-response carries the batch's own request id (in its
    ``sc-request-id`` header and error ``requestId``; the official SDK puts
    the batch's id on each sub-response anyway), and a sub-response's header
    names are lower case (``retry-after``), like the ``sc-`` ones.
    """
    query = dict(parse_qsl(path.partition("?")[2], keep_blank_values=True))
    item_ctx = replace(ctx, params=params, query=query)
    try:
        before_the_car(item_ctx, endpoint)
        if endpoint.billed:
            admit(1)
        reply = run_endpoint(item_ctx, endpoint)
    except SmartcarError as err:
        item: dict[str, Any] = {
            "path": path,
            "code": err.status,
            "body": err.body(ctx.request_id),
        }
        if err.retry_after is not None:
            item["headers"] = {"retry-after": str(err.retry_after)}
        return item
    return {
        "path": path,
        "code": 200,
        "body": reply.body,
        "headers": {
            "sc-request-id": ctx.request_id,
            **data_headers(item_ctx, reply),
        },
    }


def parse_batch(body: Any) -> list[str]:
    """The sub-paths of a batch body."""
    requests = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not requests:
        msg = "requests must be a non-empty array of {path} objects."
        raise validation(msg)
    paths: list[str] = []
    for item in requests:
        path = item.get("path") if isinstance(item, dict) else None
        if not isinstance(path, str) or not path.startswith("/"):
            msg = "each request needs a path starting with '/'."
            raise validation(msg)
        paths.append(path)
    return paths


async def read_json(request: web.Request) -> Any:
    """The JSON body of a command, or a VALIDATION error."""
    if not request.can_read_body:
        return None
    raw = await request.read()
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        msg = "The request body is not valid JSON."
        raise validation(msg) from None


def respond(
    reply_body: dict[str, Any], request_id: str, headers: dict[str, str]
) -> web.Response:
    """A success response with the Smartcar headers."""
    response = web.json_response(reply_body)
    response.headers["sc-request-id"] = request_id
    response.headers.update(headers)
    return response
