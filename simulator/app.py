"""The simulator's aiohttp application: both providers plus the control API.

This module only assembles: it builds the providers from the scenario,
attaches them to the shared :class:`~simulator.state.Simulator`, adds the
middlewares and registers every route.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .control import register_control
from .evenergy import EvEnergy
from .faults import fault_middleware
from .smartcar import Smartcar
from .state import SIM_KEY, Simulator

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from datetime import datetime

SMARTCAR_PREFIX = "/smartcar"
EVENERGY_PREFIX = "/evenergy"

LOGGED_HEADERS = (
    "User-Agent",
    "Content-Type",
    "sc-unit-system",
    "sc-user-id",
    "EvEnergy-Version",
    "EvEnergy-User",
)


def build_providers(sim: Simulator, scenario: dict[str, Any]) -> None:
    """Build both providers from the scenario and attach them."""
    sim.smartcar = Smartcar(sim, scenario.get("smartcar", {}))
    sim.evenergy = EvEnergy(sim, scenario.get("evenergy", {}))
    sim.attach(SMARTCAR_PREFIX, sim.smartcar)
    sim.attach(EVENERGY_PREFIX, sim.evenergy)


def build_simulator(
    scenario: dict[str, Any] | None = None,
    *,
    time_scale: float = 0.0,
    start: datetime | None = None,
    seed: int = 0,
    auto_approve: str | None = None,
) -> Simulator:
    """The simulator state with both providers (no HTTP application)."""
    return Simulator(
        scenario,
        time_scale=time_scale,
        start=start,
        seed=seed,
        auto_approve=auto_approve,
        providers=build_providers,
    )


def request_log_middleware(sim: Simulator) -> Any:
    """Remember the last requests (without credentials) for the control API."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith("/_sim"):
            sim.requests.append(
                {
                    "method": request.method,
                    "path": request.path,
                    "query": request.query_string,
                    "headers": {
                        name: request.headers[name]
                        for name in LOGGED_HEADERS
                        if name in request.headers
                    },
                }
            )
        response: web.StreamResponse = await handler(request)
        return response

    return middleware


def create_app(
    scenario: dict[str, Any] | None = None,
    *,
    time_scale: float = 0.0,
    start: datetime | None = None,
    seed: int = 0,
    auto_approve: str | None = None,
) -> web.Application:
    """The simulator as an aiohttp application.

    ``time_scale`` 0 freezes the clock (tests advance it through the control
    API or ``app[SIM_KEY].clock.advance``).
    """
    sim = build_simulator(
        scenario,
        time_scale=time_scale,
        start=start,
        seed=seed,
        auto_approve=auto_approve,
    )
    app = web.Application(
        middlewares=[request_log_middleware(sim), fault_middleware(sim.faults)]
    )
    app[SIM_KEY] = sim
    for prefix, provider in sim.providers.items():
        provider.register(app, prefix)
    register_control(app)

    async def cleanup(_app: web.Application) -> AsyncIterator[None]:
        yield
        await sim.close()

    app.cleanup_ctx.append(cleanup)
    return app
