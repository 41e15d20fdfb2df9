"""Charging sessions and boost (the 2026 spec), and the webhook portal link.

None of these exists in the seed era: there they are a 404 like any unknown
path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.car import Connectivity

from .choices import (
    BOOST_UNDELIVERED,
    MODE_BOOST,
    MODE_SMART,
    PROBLEM_NOT_BOOSTABLE,
    PROBLEM_NOT_BOOSTING,
    PROBLEM_SMART_OFF,
)
from .context import Ctx, Reply
from .model import Integration
from .paging import Page, id_cursor
from .problems import Problem, canonical, not_found, problem_type, validation
from .render import CHARGING_SESSION_EXPANDS
from .vehicles import BOOLEANS, LIST_SLUG

if TYPE_CHECKING:
    from .model import Vehicle
    from .sessions import ChargingSession

HTTP_CONFLICT = 409


def _modern(ctx: Ctx) -> None:
    if not ctx.view.modern:
        raise not_found()


def _conflict(problem: tuple[str, str, str], instance: str) -> Problem:
    slug, title, detail = problem
    return Problem(
        status=HTTP_CONFLICT,
        title=title,
        detail=detail,
        type=problem_type(slug),
        instance=instance,
    )


def _visible(vehicle: Vehicle) -> list[ChargingSession]:
    """The sessions ev.energy reports (as for sub-sessions), oldest first."""
    if vehicle.car is None or vehicle.integrated is Integration.UNINTEGRATED:
        return []
    cutoff = vehicle.inactive_since
    return [
        session
        for session in vehicle.book.sessions
        if cutoff is None or session.started_at < cutoff
    ]


def _find(ctx: Ctx) -> tuple[Vehicle, ChargingSession]:
    wanted = ctx.params["session_id"]
    for vehicle in ctx.user_vehicles():
        for session in _visible(vehicle):
            if session.id == wanted:
                return vehicle, session
    raise not_found()


async def list_charging_sessions(ctx: Ctx) -> Reply:
    """``GET /v2/charging_sessions``, newest first."""
    _modern(ctx)
    tree = ctx.expand(CHARGING_SESSION_EXPANDS)
    vehicle_id = ctx.query.get("vehicle_id")
    raw = ctx.query.get("is_finished")
    finished = None
    if raw is not None:
        finished = BOOLEANS.get(raw.lower())
        if finished is None:
            message = (
                f"Select a valid choice. {raw} is not one of the available choices."
            )
            raise validation(LIST_SLUG, {"is_finished": [message]})
    found = [
        (vehicle, session)
        for vehicle in ctx.user_vehicles()
        if vehicle_id in (None, vehicle.id)
        for session in _visible(vehicle)
        if finished is None or (session.ended_at is not None) == finished
    ]
    found.sort(key=lambda pair: pair[1].id, reverse=True)
    page = Page(found, lambda pair: pair[1].id, id_cursor, descending=True)
    chosen, link = page.render(ctx.request.url, ctx.query, str)
    return Reply(
        [ctx.view.charging_session(v, session, tree) for v, session in chosen],
        headers={"Link": link},
    )


async def get_charging_session(ctx: Ctx) -> Reply:
    """``GET /v2/charging_sessions/{id}``."""
    _modern(ctx)
    tree = ctx.expand(CHARGING_SESSION_EXPANDS)
    vehicle, session = _find(ctx)
    return Reply(ctx.view.charging_session(vehicle, session, tree))


def _boost_target(ctx: Ctx, wanted_mode: str) -> tuple[Vehicle, ChargingSession]:
    """The session to boost or unboost, after the documented 409 checks."""
    _modern(ctx)
    vehicle, session = _find(ctx)
    instance = ctx.view.urls.item("charging_sessions", session.id)
    if not vehicle.smart_charging_enabled:
        raise _conflict(PROBLEM_SMART_OFF, instance)
    current = session.current
    if current is None or current.mode != wanted_mode:
        problem = (
            PROBLEM_NOT_BOOSTABLE
            if wanted_mode == MODE_SMART
            else (PROBLEM_NOT_BOOSTING)
        )
        raise _conflict(problem, instance)
    car = vehicle.car
    if (
        car is None
        or vehicle.integrated is not Integration.ACTIVE
        or car.connectivity is not Connectivity.ONLINE
    ):
        raise canonical(503, BOOST_UNDELIVERED)
    return vehicle, session


async def boost_start(ctx: Ctx) -> Reply:
    """``POST /v2/charging_sessions/{id}/boost_start``: charge at full power now."""
    tree = ctx.expand(CHARGING_SESSION_EXPANDS)
    vehicle, session = _boost_target(ctx, MODE_SMART)
    if vehicle.car is not None:  # checked by _boost_target
        vehicle.switch_mode(vehicle.car, ctx.provider.sim.now(), MODE_BOOST)
    return Reply(ctx.view.charging_session(vehicle, session, tree))


async def boost_end(ctx: Ctx) -> Reply:
    """``POST /v2/charging_sessions/{id}/boost_end``: back to smart charging."""
    tree = ctx.expand(CHARGING_SESSION_EXPANDS)
    vehicle, session = _boost_target(ctx, MODE_BOOST)
    if vehicle.car is not None:  # checked by _boost_target
        vehicle.switch_mode(vehicle.car, ctx.provider.sim.now(), MODE_SMART)
    return Reply(ctx.view.charging_session(vehicle, session, tree))


async def webhook_portal(ctx: Ctx) -> Reply:
    """``GET /v2/webhook_portal``: a link to where the endpoint is set.

    SIM CHOICE: boost_start and boost_end accept ``expand`` like GET.

    SIM CHOICE: the link is the simulator's control route for the endpoint
    (``PUT`` a ``{"url": ...}`` there), not a Svix portal page.
    """
    _modern(ctx)
    origin = ctx.request.url.origin()
    prefix = ctx.provider.api.prefix
    return Reply({"url": f"{origin}/_sim{prefix}/webhook"})
