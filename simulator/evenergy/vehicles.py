"""Vehicle endpoints: vehicles, status logs and charging sub-sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simulator.state import parse_time

from . import ids
from .choices import (
    BATTERY_SIZE_MAX,
    BATTERY_SIZE_MIN,
    CHARGE_LIMIT_MAX,
    CHARGE_LIMIT_MIN,
    DESCRIPTION_MAX,
    VEHICLE_CLASSES,
)
from .context import Ctx, Reply, hyperlink_id
from .model import Integration, Trim, Vehicle
from .paging import Page, id_cursor, time_cursor
from .problems import not_found, validation
from .render import (
    STATUS_LOG_EXPANDS,
    SUB_SESSION_EXPANDS,
    SUB_SESSION_MODES,
    VEHICLE_EXPANDS,
    stamp,
)

if TYPE_CHECKING:
    from datetime import datetime

    from .model import StatusLog
    from .sessions import SubSession

type Filter = Callable[[Vehicle, SubSession], bool]

ENERGY_FILTERS = (
    "energy_delivered_watt_hours__gte",
    "energy_delivered_watt_hours__lte",
)

REQUIRED = "This field is required."
NO_OBJECT = "Invalid hyperlink - Object does not exist."
NOT_INTEGER = "A valid integer is required."
NOT_BOOLEAN = "Must be a valid boolean."
CREATE_SLUG = "validation-failed-create-vehicle"
# SIM CHOICE: the problem type of a failed PATCH (not documented).
UPDATE_SLUG = "validation-failed-update-vehicle"
LIST_SLUG = "validation-failed-list"
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def _int_range(value: object, low: int, high: int) -> str | None:
    """DRF's IntegerField message for ``value``, or None when it is valid."""
    if isinstance(value, bool) or not isinstance(value, int):
        return NOT_INTEGER
    if value < low:
        return f"Ensure this value is greater than or equal to {low}."
    if value > high:
        return f"Ensure this value is less than or equal to {high}."
    return None


# ------------------------------------------------------------------- vehicles
async def list_vehicles(ctx: Ctx) -> Reply:
    """``GET /v2/vehicles``."""
    tree = ctx.expand(VEHICLE_EXPANDS)
    page = Page(ctx.user_vehicles(), lambda v: v.id, id_cursor)
    chosen, link = page.render(ctx.request.url, ctx.query, str)
    return Reply([ctx.view.vehicle(v, tree) for v in chosen], headers={"Link": link})


async def get_vehicle(ctx: Ctx) -> Reply:
    """``GET /v2/vehicles/{id}``."""
    tree = ctx.expand(VEHICLE_EXPANDS)
    return Reply(ctx.view.vehicle(ctx.vehicle(ctx.params["vehicle_id"]), tree))


async def create_vehicle(ctx: Ctx) -> Reply:
    """``POST /v2/vehicles``: an unintegrated vehicle."""
    tree = ctx.expand(VEHICLE_EXPANDS)
    body = await ctx.json_object(CREATE_SLUG)
    errors: dict[str, list[str]] = {}
    if ctx.view.modern:
        trim, extra = _create_2026(ctx, body, errors)
    else:
        trim, extra = _create_seed(ctx, body, errors)
    if errors or trim is None:
        raise validation(CREATE_SLUG, errors)
    provider = ctx.provider
    now = provider.sim.now()
    vehicle_id = ids.derived_id(ids.VEHICLE, now, f"created/{len(provider.vehicles)}")
    vehicle = Vehicle(
        id=vehicle_id,
        user_id=ctx.acting_user().id,
        trim_id=trim.id,
        integrated=Integration.UNINTEGRATED,
        charge_limit_percent=CHARGE_LIMIT_MAX if trim.battery_wh else None,
        **extra,
    )
    provider.add_vehicle(vehicle)
    return Reply(ctx.view.vehicle(vehicle, tree), status=201)


def _user_field(
    ctx: Ctx, body: dict[str, Any], errors: dict[str, list[str]], *, required: bool
) -> None:
    """Check the ``user`` hyperlink: it must be the acting user."""
    if "user" not in body:
        if required:
            errors["user"] = [REQUIRED]
        return
    user_id, message = hyperlink_id(body["user"], ids.USER)
    if message is None and user_id != ctx.acting_user().id:
        # SIM CHOICE: another user's URL reads as "does not exist".
        message = NO_OBJECT
    if message is not None:
        errors["user"] = [message]


def _create_seed(
    ctx: Ctx, body: dict[str, Any], errors: dict[str, list[str]]
) -> tuple[Trim | None, dict[str, Any]]:
    """Seed era: ``{"trim": <trim URL>, "user": <user URL>}``."""
    trim = None
    if "trim" not in body:
        errors["trim"] = [REQUIRED]
    else:
        trim_id, message = hyperlink_id(body["trim"], ids.TRIM)
        trim = ctx.provider.catalogue.trims.get(trim_id or "")
        if message is None and trim is None:
            message = NO_OBJECT
        if message is not None:
            errors["trim"] = [message]
    # SIM CHOICE: in the seed era "user" is required, whatever the token.
    _user_field(ctx, body, errors, required=True)
    return trim, {}


def _create_2026(
    ctx: Ctx, body: dict[str, Any], errors: dict[str, list[str]]
) -> tuple[Trim | None, dict[str, Any]]:
    """2026: ``model`` URL plus optional battery size, description, class."""
    catalogue = ctx.provider.catalogue
    model = None
    if "model" not in body:
        errors["model"] = [REQUIRED]
    else:
        model_id, message = hyperlink_id(body["model"], ids.MODEL)
        model = catalogue.models.get(model_id or "")
        if message is None and model is None:
            message = NO_OBJECT
        if message is not None:
            errors["model"] = [message]
    _user_field(
        ctx, body, errors, required=ctx.token is not None and ctx.token.user_id is None
    )
    battery = body.get("battery_size_watt_hours")
    if battery is not None:
        message = _int_range(battery, BATTERY_SIZE_MIN, BATTERY_SIZE_MAX)
        if message is not None:
            errors["battery_size_watt_hours"] = [message]
    extra = _write_extras(body, errors)
    if errors or model is None:
        return None, {}
    return ctx.provider.trim_for(model, battery), extra


def _write_extras(body: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """``description`` and ``vehicle_class`` of a 2026 create."""
    extra: dict[str, Any] = {}
    if "description" in body:
        description = body["description"]
        if not isinstance(description, str):
            errors["description"] = ["Not a valid string."]
        elif len(description) > DESCRIPTION_MAX:
            errors["description"] = [
                f"Ensure this field has no more than {DESCRIPTION_MAX} characters."
            ]
        else:
            extra["description"] = description
    if "vehicle_class" in body:
        value = body["vehicle_class"]
        if value is not None and value not in VEHICLE_CLASSES:
            errors["vehicle_class"] = [f'"{value}" is not a valid choice.']
        else:
            extra["vehicle_class"] = value
    return extra


async def patch_vehicle(ctx: Ctx) -> Reply:
    """``PATCH /v2/vehicles/{id}``."""
    tree = ctx.expand(VEHICLE_EXPANDS)
    vehicle = ctx.vehicle(ctx.params["vehicle_id"])
    body = await ctx.json_object(UPDATE_SLUG)
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    if "maximum_charge_limit_percentage" in body:
        limit = body["maximum_charge_limit_percentage"]
        message = (
            None
            if limit is None
            else _int_range(limit, CHARGE_LIMIT_MIN, CHARGE_LIMIT_MAX)
        )
        if message is not None:
            errors["maximum_charge_limit_percentage"] = [message]
        changes["charge_limit_percent"] = limit
    if ctx.view.modern:
        changes.update(_patch_2026(vehicle, body, errors))
    if errors:
        raise validation(
            UPDATE_SLUG, errors, instance=ctx.view.urls.item("vehicles", vehicle.id)
        )
    ctx.provider.update_vehicle(vehicle, changes)
    return Reply(ctx.view.vehicle(vehicle, tree))


def _patch_2026(
    vehicle: Vehicle, body: dict[str, Any], errors: dict[str, list[str]]
) -> dict[str, Any]:
    """The fields a 2026 PATCH adds."""
    changes: dict[str, Any] = {}
    if "battery_size_watt_hours" in body:
        battery = body["battery_size_watt_hours"]
        message = _int_range(battery, BATTERY_SIZE_MIN, BATTERY_SIZE_MAX)
        if message is None and vehicle.integrated is not Integration.UNINTEGRATED:
            # SIM CHOICE: the wording of this rejection is not documented.
            message = "The battery size can only be set for unintegrated vehicles."
        if message is not None:
            errors["battery_size_watt_hours"] = [message]
        else:
            changes["battery_wh"] = round(battery / 10) * 10  # stored to 10 Wh
    if "smart_charging_enabled" in body:
        value = body["smart_charging_enabled"]
        if not isinstance(value, bool):
            errors["smart_charging_enabled"] = [NOT_BOOLEAN]
        changes["smart_charging_enabled"] = value
    if "vehicle_class" in body:
        value = body["vehicle_class"]
        if value is not None and value not in VEHICLE_CLASSES:
            errors["vehicle_class"] = [f'"{value}" is not a valid choice.']
        changes["vehicle_class"] = value
    return changes


# ---------------------------------------------------------------- status logs
def _time_filters(ctx: Ctx) -> tuple[Any, Any]:
    """``sampled_at__gte`` and ``sampled_at__lte``."""
    errors: dict[str, list[str]] = {}
    bounds: list[Any] = []
    for name in ("sampled_at__gte", "sampled_at__lte"):
        raw = ctx.query.get(name)
        value = None
        if raw is not None:
            try:
                value = parse_time(raw)
            except ValueError:
                errors[name] = ["Enter a valid date/time."]
        bounds.append(value)
    if errors:
        raise validation(LIST_SLUG, errors)
    return bounds[0], bounds[1]


async def list_status_logs(ctx: Ctx) -> Reply:
    """``GET /v2/vehicles/{id}/status_logs``, newest first."""
    tree = ctx.expand(STATUS_LOG_EXPANDS)
    vehicle = ctx.vehicle(ctx.params["vehicle_id"])
    low, high = _time_filters(ctx)
    logs = [
        log
        for log in reversed(vehicle.logs)
        if (low is None or log.sampled_at >= low)
        and (high is None or log.sampled_at <= high)
    ]
    page: Page[StatusLog, Any] = Page(
        logs, lambda log: log.sampled_at, time_cursor, descending=True
    )
    chosen, link = page.render(ctx.request.url, ctx.query, stamp)
    return Reply(
        [ctx.view.status_log(vehicle, log, tree) for log in chosen],
        headers={"Link": link},
    )


async def get_status_log(ctx: Ctx) -> Reply:
    """``GET /v2/vehicles/{id}/status_logs/{sampled_at}``."""
    tree = ctx.expand(STATUS_LOG_EXPANDS)
    vehicle = ctx.vehicle(ctx.params["vehicle_id"])
    try:
        sampled_at = parse_time(ctx.params["sampled_at"])
    except ValueError:
        raise not_found() from None
    log = vehicle.find_log(sampled_at)
    if log is None:
        raise not_found()
    return Reply(ctx.view.status_log(vehicle, log, tree))


# ------------------------------------------------------------- sub-sessions
def _boolean(ctx: Ctx, name: str) -> bool | None:
    """A boolean filter (``true``/``false``/``1``/``0``) or a 400 problem."""
    raw = ctx.query.get(name)
    if raw is None:
        return None
    value = BOOLEANS.get(raw.lower())
    if value is None:
        message = f"Select a valid choice. {raw} is not one of the available choices."
        raise validation(LIST_SLUG, {name: [message]})
    return value


def _sub_session_filters(ctx: Ctx) -> list[Filter]:
    """The documented sub-session filters, each a test (400 on a bad value)."""
    errors: dict[str, list[str]] = {}
    tests: list[Filter] = []
    for name in ("start__gt", "start__lt", "end__gt", "end__lt"):
        raw = ctx.query.get(name)
        if raw is None:
            continue
        try:
            bound = parse_time(raw)
        except ValueError:
            errors[name] = ["Enter a valid date/time."]
            continue
        tests.append(_time_test(name, bound))
    for name in ENERGY_FILTERS:
        raw = ctx.query.get(name)
        if raw is None:
            continue
        try:
            number = float(raw)
        except ValueError:
            errors[name] = ["Enter a number."]
            continue
        tests.append(_energy_test(name, number))
    mode = ctx.query.get("mode")
    if mode is not None:
        if mode not in SUB_SESSION_MODES:
            errors["mode"] = [
                f"Select a valid choice. {mode} is not one of the available choices."
            ]
        tests.append(lambda _vehicle, sub: sub.mode == mode)
    if errors:
        raise validation(LIST_SLUG, errors)
    finished = _boolean(ctx, "is_finished")
    if finished is not None:
        tests.append(lambda _vehicle, sub: (sub.ended_at is not None) == finished)
    return tests


def _time_test(name: str, bound: datetime) -> Filter:
    field_name, op = name.split("__")

    def test(_vehicle: Vehicle, sub: SubSession) -> bool:
        value = sub.started_at if field_name == "start" else sub.ended_at
        if value is None:  # SIM CHOICE: an ongoing sub-session has no end to match
            return False
        return value > bound if op == "gt" else value < bound

    return test


def _energy_test(name: str, bound: float) -> Filter:
    def test(vehicle: Vehicle, sub: SubSession) -> bool:
        car = vehicle.car
        value = round(sub.energy_kwh(car) * 1000) if car is not None else 0
        return value >= bound if name.endswith("gte") else value <= bound

    return test


def _sessions(ctx: Ctx) -> list[tuple[Vehicle, SubSession]]:
    """The acting user's sub-sessions, newest first, after the filters."""
    vehicles = ctx.user_vehicles()
    vehicle_id = ctx.query.get("vehicle_id")
    user_id = ctx.query.get("user_id")
    tests = _sub_session_filters(ctx)
    if user_id is not None and user_id not in ("me", ctx.acting_user().id):
        vehicles = []  # SIM CHOICE: other users' filters match nothing (no 404)
    found = [
        (vehicle, sub)
        for vehicle in vehicles
        if vehicle_id in (None, vehicle.id)
        for sub in vehicle.visible_sub_sessions()
        if all(test(vehicle, sub) for test in tests)
    ]
    found.sort(key=lambda pair: pair[1].id, reverse=True)
    return found


async def list_sub_sessions(ctx: Ctx) -> Reply:
    """``GET /v2/charging_sub_sessions``, newest first."""
    tree = ctx.expand(SUB_SESSION_EXPANDS)
    page = Page(_sessions(ctx), lambda pair: pair[1].id, id_cursor, descending=True)
    chosen, link = page.render(ctx.request.url, ctx.query, str)
    return Reply(
        [ctx.view.sub_session(vehicle, sub, tree) for vehicle, sub in chosen],
        headers={"Link": link},
    )


async def get_sub_session(ctx: Ctx) -> Reply:
    """``GET /v2/charging_sub_sessions/{id}``."""
    tree = ctx.expand(SUB_SESSION_EXPANDS)
    wanted = ctx.params["sub_session_id"]
    for vehicle in ctx.user_vehicles():
        for sub in vehicle.visible_sub_sessions():
            if sub.id == wanted:
                return Reply(ctx.view.sub_session(vehicle, sub, tree))
    raise not_found()
