"""The control API (``/_sim/...``) that tests, benchmarks and the demo use.

It is not part of either provider's protocol: it sets vehicle state, moves
the clock, injects faults and reads the billing counters.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .clock import isoformat_z
from .faults import CONTROL_PREFIX, FaultSpecError
from .state import SIM_KEY, Simulator, car_changes

if TYPE_CHECKING:
    from .car import Car, ChargeSession


def control_error(message: str, status: int = 400) -> web.Response:
    """A control API error."""
    return web.json_response({"error": message}, status=status)


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body ({} when empty)."""
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except json.JSONDecodeError as err:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"malformed JSON: {err}"}),
            content_type="application/json",
        ) from err
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "the body must be a JSON object"}),
            content_type="application/json",
        )
    return data


def session_json(session: ChargeSession) -> dict[str, Any]:
    """A charge session as the control API shows it."""
    return {
        "number": session.number,
        "started_at": isoformat_z(session.started_at),
        "ended_at": isoformat_z(session.ended_at) if session.ended_at else None,
        "location_kind": str(session.location_kind),
        "start_soc": round(session.start_soc, 6),
        "end_soc": round(session.end_soc, 6) if session.end_soc is not None else None,
        "end_reason": str(session.end_reason) if session.end_reason else None,
        "energy_added_kwh": round(session.energy_added_kwh, 4),
        "energy_delivered_kwh": round(session.energy_delivered_kwh, 4),
    }


def car_json(car: Car) -> dict[str, Any]:
    """A car's full simulated state."""
    return {
        "key": car.key,
        "make": car.make,
        "model": car.model,
        "year": car.year,
        "capacity_kwh": car.capacity_kwh,
        "soc": round(car.soc, 6),
        "range_km": round(car.range_km, 2),
        "plugged_in": car.plugged_in,
        "charge_enabled": car.charge_enabled,
        "charging": car.charging,
        "state": str(car.state),
        "power_kw": round(car.power_kw(), 3),
        "charger_power_kw": car.charger_power_kw,
        "charge_limit": car.charge_limit,
        "location_kind": str(car.location_kind),
        "connectivity": str(car.connectivity),
        "sleep_behavior": str(car.sleep_behavior),
        "charge_fault": car.charge_fault,
        "odometer_km": round(car.odometer_km, 2),
        "last_update": isoformat_z(car.last_update),
        "sessions": len(car.sessions),
    }


def _sim(request: web.Request) -> Simulator:
    return request.app[SIM_KEY]


def _car(request: web.Request) -> Car:
    sim = _sim(request)
    car = sim.cars().get(request.match_info["key"])
    if car is None:
        raise web.HTTPNotFound(
            text=json.dumps({"error": "unknown vehicle key"}),
            content_type="application/json",
        )
    sim.catch_up()
    car.advance_to(sim.now())
    return car


async def get_state(request: web.Request) -> web.Response:
    """Everything at a glance."""
    sim = _sim(request)
    sim.advance_all()
    return web.json_response(
        {
            "time": isoformat_z(sim.now()),
            "time_scale": sim.clock.time_scale,
            "month": sim.month(),
            "auto_approve": sim.auto_approve,
            "vehicles": {key: car_json(car) for key, car in sim.cars().items()},
            "faults": [fault.to_json() for fault in sim.faults.faults],
        }
    )


async def advance_clock(request: web.Request) -> web.Response:
    """Move simulated time forward: ``{"seconds": N}``.

    Everything due meanwhile happens in simulated-time order (ingestions,
    webhook deliveries and their retries) before the answer, which counts
    the delivery attempts made: ``{"time", "deliveries"}``.
    """
    body = await json_body(request)
    seconds = body.get("seconds")
    if not isinstance(seconds, int | float) or seconds < 0:
        return control_error("seconds must be a number >= 0")
    sim = _sim(request)
    sim.clock.advance(float(seconds))
    made = await sim.settle()
    sim.advance_all()
    return web.json_response({"time": isoformat_z(sim.now()), "deliveries": made})


async def set_clock(request: web.Request) -> web.Response:
    """Change the time scale: ``{"time_scale": 60}``."""
    body = await json_body(request)
    scale = body.get("time_scale")
    if not isinstance(scale, int | float) or scale < 0:
        return control_error("time_scale must be a number >= 0")
    sim = _sim(request)
    sim.clock.time_scale = float(scale)
    return web.json_response(
        {"time": isoformat_z(sim.now()), "time_scale": sim.clock.time_scale}
    )


async def get_vehicle(request: web.Request) -> web.Response:
    """One car's state."""
    return web.json_response(car_json(_car(request)))


async def patch_vehicle(request: web.Request) -> web.Response:
    """Set any car attribute, e.g. ``{"soc": 0.2, "plugged_in": true}``."""
    car = _car(request)
    body = await json_body(request)
    try:
        changes = car_changes(body)
    except (TypeError, ValueError) as err:
        return control_error(str(err))
    car.update(_sim(request).now(), **changes)
    await _sim(request).settle()
    return web.json_response(car_json(car))


async def vehicle_action(request: web.Request) -> web.Response:
    """plug, unplug, drive (``{"km": 30}``), sleep, wake."""
    car = _car(request)
    now = _sim(request).now()
    action = request.match_info["action"]
    if action == "plug":
        car.plug_in(now)
    elif action == "unplug":
        car.unplug(now)
    elif action == "sleep":
        car.fall_asleep(now)
    elif action == "wake":
        car.wake(now)
    elif action == "drive":
        body = await json_body(request)
        km = body.get("km")
        if not isinstance(km, int | float) or km < 0:
            return control_error("km must be a number >= 0")
        if car.plugged_in:
            return control_error("unplug the car before driving", 409)
        car.drive(now, float(km))
    else:
        return control_error(f"unknown action {action!r}", 404)
    await _sim(request).settle()
    return web.json_response(car_json(car))


async def vehicle_sessions(request: web.Request) -> web.Response:
    """Every charge session of a car, oldest first."""
    car = _car(request)
    return web.json_response([session_json(s) for s in car.sessions])


async def add_fault(request: web.Request) -> web.Response:
    """Inject a fault (see README for the fields)."""
    body = await json_body(request)
    try:
        fault = _sim(request).faults.add(body)
    except FaultSpecError as err:
        return control_error(str(err))
    return web.json_response(fault.to_json(), status=201)


async def list_faults(request: web.Request) -> web.Response:
    """The active faults."""
    return web.json_response([f.to_json() for f in _sim(request).faults.faults])


async def clear_faults(request: web.Request) -> web.Response:
    """Remove every fault."""
    _sim(request).faults.clear()
    return web.json_response({"status": "cleared"})


async def get_billing(request: web.Request) -> web.Response:
    """Billable calls per vehicle: this month, by month and in total."""
    sim = _sim(request)
    month = sim.month()
    billing = sim.billing
    return web.json_response(
        {
            "month": month,
            "vehicles": {
                key: {
                    "this_month": billing.in_month(key, month),
                    "total": billing.totals.get(key, 0),
                    "by_month": dict(billing.counts.get(key, {})),
                }
                for key in sim.cars()
            },
        }
    )


async def reset_billing(request: web.Request) -> web.Response:
    """Zero the counters."""
    _sim(request).billing.reset()
    return web.json_response({"status": "reset"})


async def set_config(request: web.Request) -> web.Response:
    """Simulator settings: ``{"auto_approve": "<username or user id>" | null}``."""
    body = await json_body(request)
    sim = _sim(request)
    if "auto_approve" in body:
        value = body["auto_approve"]
        if value is not None and not isinstance(value, str):
            return control_error("auto_approve must be a string or null")
        sim.auto_approve = value
    return web.json_response({"auto_approve": sim.auto_approve})


async def get_requests(request: web.Request) -> web.Response:
    """The last requests the providers received (no credentials)."""
    return web.json_response(list(_sim(request).requests))


async def clear_requests(request: web.Request) -> web.Response:
    """Forget the request log."""
    _sim(request).requests.clear()
    return web.json_response({"status": "cleared"})


def register_control(app: web.Application) -> None:
    """Add the control routes."""
    p = CONTROL_PREFIX
    app.router.add_get(f"{p}/state", get_state)
    app.router.add_post(f"{p}/clock/advance", advance_clock)
    app.router.add_put(f"{p}/clock", set_clock)
    app.router.add_put(f"{p}/config", set_config)
    app.router.add_get(f"{p}/vehicles/{{key}}", get_vehicle)
    app.router.add_patch(f"{p}/vehicles/{{key}}", patch_vehicle)
    app.router.add_get(f"{p}/vehicles/{{key}}/sessions", vehicle_sessions)
    app.router.add_post(f"{p}/vehicles/{{key}}/{{action}}", vehicle_action)
    app.router.add_post(f"{p}/faults", add_fault)
    app.router.add_get(f"{p}/faults", list_faults)
    app.router.add_delete(f"{p}/faults", clear_faults)
    app.router.add_get(f"{p}/requests", get_requests)
    app.router.add_delete(f"{p}/requests", clear_requests)
    app.router.add_get(f"{p}/billing", get_billing)
    app.router.add_delete(f"{p}/billing", reset_billing)
