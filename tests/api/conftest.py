"""Fixtures: the client against the simulator over loopback."""

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from custom_components.ev_battery.api import EvEnergyClient, SmartcarClient, StaticToken
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


EE_CLIENT_ID = "ee-demo-client-id"
EE_CLIENT_SECRET = "ee-demo-client-secret"
EE_REDIRECT = "https://example.com/auth/external/callback"


async def evenergy_token(sim, *, user="driver@example.com", scope=None):
    """An ev.energy token response, authorized at once as ``user``."""
    await sim.control("PUT", "/config", json={"auto_approve": user})
    params = {
        "response_type": "code",
        "client_id": EE_CLIENT_ID,
        "redirect_uri": EE_REDIRECT,
        "state": "st",
    }
    if scope:
        params["scope"] = scope
    async with sim.http.get(
        sim.url("/evenergy/o/authorize/"), params=params, allow_redirects=False
    ) as resp:
        assert resp.status == 302, await resp.text()
        location = resp.headers["Location"]
    await sim.control("PUT", "/config", json={"auto_approve": None})
    code = dict(p.split("=", 1) for p in location.split("?", 1)[1].split("&"))["code"]
    async with sim.http.post(
        sim.url("/evenergy/o/token/"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": EE_REDIRECT,
            "client_id": EE_CLIENT_ID,
            "client_secret": EE_CLIENT_SECRET,
        },
    ) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


@pytest.fixture
async def evenergy(sim):
    """An EvEnergyClient for driver@example.com."""
    token = await evenergy_token(sim)
    return EvEnergyClient(
        StaticToken(token["access_token"]),
        session=sim.http,
        base_url=sim.url("/evenergy"),
    )


@pytest.fixture
async def odd_api(socket_enabled):
    """A server that answers every path with a configurable odd body."""
    answers = {}

    async def handler(request):
        status, body, headers = answers.get(request.path, (200, {}, {}))
        return web.json_response(body, status=status, headers=headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        base = str(server.make_url(""))
        client = SmartcarClient(StaticToken("t"), session=session, api_base=base)
        client.evenergy = EvEnergyClient(
            StaticToken("t"), session=session, base_url=base
        )
        yield client, answers
    await server.close()
