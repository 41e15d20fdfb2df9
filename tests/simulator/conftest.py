"""Fixtures that run the simulator on a loopback port."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from simulator import SIM_KEY, Simulator, create_app, load_scenario

START = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)


@dataclass
class Sim:
    """A running simulator and a client session to talk to it."""

    server: TestServer
    state: Simulator
    http: aiohttp.ClientSession

    def url(self, path: str) -> str:
        """Absolute URL of a path on the simulator."""
        return str(self.server.make_url(path))

    async def control(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the control API and return its JSON."""
        async with self.http.request(
            method, self.url(f"/_sim{path}"), **kwargs
        ) as resp:
            assert resp.status < 300, await resp.text()
            return await resp.json()


@pytest.fixture
def scenario() -> dict[str, Any]:
    """The default scenario (tests may change it before the server starts)."""
    return load_scenario()


@pytest.fixture
async def sim(scenario: dict[str, Any], socket_enabled: None):
    """The simulator with a frozen clock, on 127.0.0.1."""
    app = create_app(scenario, start=START, time_scale=0)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        yield Sim(server=server, state=app[SIM_KEY], http=http)
    await server.close()


SC_CLIENT_ID = "sc-demo-client-id"
SC_CLIENT_SECRET = "sc-demo-client-secret"
SC_MANAGEMENT_TOKEN = "sc-demo-management-token"
SC_REDIRECT = "https://example.com/auth/external/callback"
SC_ALL_SCOPES = (
    "read_vehicle_info read_vin read_battery read_charge control_charge "
    "read_odometer read_location read_charge_records"
)
SC_USER = "5c2b1a3e-4f6d-4e8a-9b0c-1d2e3f4a5b6c"
TESLA = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
VW = "8a1f0c62-7d44-4c5e-9f36-2b8e6d1a4c90"
LEAF = "f3b9d2e1-0a7c-4b68-8e15-6c4d2a9f7b03"
KIA = "2e7d5c4b-3a19-4f08-b7e6-d5c4b3a29180"


async def smartcar_code(
    sim: Sim,
    *,
    scope: str = SC_ALL_SCOPES,
    user: str = "driver@example.com",
    extra: dict[str, str] | None = None,
) -> str:
    """An authorization code, approved at once as ``user`` (all vehicles)."""
    await sim.control("PUT", "/config", json={"auto_approve": user})
    params = {
        "response_type": "code",
        "client_id": SC_CLIENT_ID,
        "redirect_uri": SC_REDIRECT,
        "scope": scope,
        "state": "xyz",
        "mode": "live",
        **(extra or {}),
    }
    async with sim.http.get(
        sim.url("/smartcar/connect/oauth/authorize"),
        params=params,
        allow_redirects=False,
    ) as resp:
        assert resp.status == 302, await resp.text()
        location = resp.headers["Location"]
    await sim.control("PUT", "/config", json={"auto_approve": None})
    query = dict(part.split("=", 1) for part in location.split("?", 1)[1].split("&"))
    assert query["state"] == "xyz"
    return query["code"]


def basic_auth(client_id: str, client_secret: str) -> dict[str, str]:
    """An HTTP Basic ``Authorization`` header (aiohttp deprecates ``BasicAuth``)."""
    pair = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


async def smartcar_token(sim: Sim, **kwargs: Any) -> dict[str, Any]:
    """A token response for a code approved as in :func:`smartcar_code`."""
    code = await smartcar_code(sim, **kwargs)
    async with sim.http.post(
        sim.url("/smartcar/auth/oauth/token"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": SC_REDIRECT,
        },
        headers=basic_auth(SC_CLIENT_ID, SC_CLIENT_SECRET),
    ) as resp:
        assert resp.status == 200, await resp.text()
        return dict(await resp.json())


class SmartcarApi:
    """A tiny raw HTTP helper for Vehicle API calls in tests."""

    def __init__(self, sim: Sim, access_token: str) -> None:
        self.sim = sim
        self.access_token = access_token

    async def call(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> tuple[int, Any, Any]:
        """Status, JSON body and headers of a Vehicle API call."""
        all_headers = {
            "Authorization": f"Bearer {self.access_token}",
            **(headers or {}),
        }
        async with self.sim.http.request(
            method,
            self.sim.url(f"/smartcar/api/v2.0{path}"),
            headers=all_headers,
            **kwargs,
        ) as resp:
            return resp.status, await resp.json(), resp.headers


@pytest.fixture
async def sc_api(sim: Sim) -> SmartcarApi:
    """A Vehicle API helper with a token for every vehicle and permission."""
    token = await smartcar_token(sim)
    return SmartcarApi(sim, token["access_token"])
