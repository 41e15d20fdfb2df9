"""Fixtures: the client against the simulator over loopback."""

import pytest

from custom_components.ev_battery.api import SmartcarClient, StaticToken
from tests.simulator.conftest import sc_api, scenario, sim, smartcar_token

__all__ = ["sc_api", "scenario", "sim"]


@pytest.fixture
async def smartcar(sim):
    """A SmartcarClient with a token for every vehicle and permission."""
    token = await smartcar_token(sim)
    return SmartcarClient(
        StaticToken(token["access_token"]),
        session=sim.http,
        api_base=sim.url("/smartcar/api"),
    )
