"""Smartcar v3: M2M tokens, Connect, connections, vehicle, signals, commands, limits."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import (
    KIA,
    LEAF,
    SC_REDIRECT,
    SC_USER,
    TESLA,
    VW,
    Sim,
    basic_auth,
    smartcar_token,
)
from .smartcar_v3 import (
    APP_ID,
    M2M_ID,
    M2M_SECRET,
    TOKEN_URL,
    V3Api,
    connect_v3,
    m2m_token,
)

OTHER_USER = "9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ERROR_KEYS = {
    "type",
    "code",
    "title",
    "detail",
    "status",
    "resolution",
    "suggestedUserMessage",
    "links",
    "meta",
}


@pytest.fixture
async def v3(sim: Sim) -> V3Api:
    """The driver's vehicles connected to the v3 app, and an M2M token."""
    await connect_v3(sim)
    return V3Api(sim, await m2m_token(sim))


def assert_error(body: dict[str, Any], status: int, error_type: str, code: Any) -> None:
    assert set(body) == ERROR_KEYS
    assert (body["status"], body["type"], body["code"]) == (status, error_type, code)
    assert isinstance(body["title"], str)
    assert body["detail"]
    assert body["links"] == {}
    assert len(body["meta"]["requestId"]) == 36


def by_vehicle(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Connections by vehicle id."""
    return {c["relationships"]["vehicle"]["data"]["id"]: c for c in body["data"]}


# ------------------------------------------------------------------- tokens
async def _token(sim: Sim, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    async with sim.http.post(sim.url(TOKEN_URL), **kwargs) as resp:
        return resp.status, await resp.json()


@pytest.mark.parametrize(
    "kwargs",
    [
        {
            "data": {
                "grant_type": "client_credentials",
                "client_id": M2M_ID,
                "client_secret": M2M_SECRET,
            }
        },
        {
            "json": {
                "grant_type": "client_credentials",
                "client_id": M2M_ID,
                "client_secret": M2M_SECRET,
            }
        },
        {
            "data": {"grant_type": "client_credentials"},
            "headers": basic_auth(M2M_ID, M2M_SECRET),
        },
    ],
    ids=["form", "json", "basic"],
)
async def test_token_by_form_json_or_basic(sim, kwargs):
    status, body = await _token(sim, **kwargs)
    assert status == 200
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)


async def test_any_of_up_to_three_secrets_works(sim):
    sim.state.smartcar.v3.apps[APP_ID].client_secrets = ["one", "two", "three"]
    for secret, status in (("three", 200), ("one", 200), (M2M_SECRET, 401)):
        form = {
            "grant_type": "client_credentials",
            "client_id": M2M_ID,
            "client_secret": secret,
        }
        assert (await _token(sim, data=form))[0] == status


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_id": M2M_ID, "client_secret": M2M_SECRET}, 400, "invalid_request"),
        (
            {
                "grant_type": "authorization_code",
                "client_id": M2M_ID,
                "client_secret": M2M_SECRET,
            },
            400,
            "invalid_request",
        ),
        ({"grant_type": "client_credentials"}, 400, "invalid_request"),
        (
            {
                "grant_type": "client_credentials",
                "client_id": "client_unknown",
                "client_secret": M2M_SECRET,
            },
            401,
            "invalid_client",
        ),
        (
            {
                "grant_type": "client_credentials",
                "client_id": M2M_ID,
                "client_secret": "wrong",
            },
            401,
            "invalid_client",
        ),
        (
            # The Application ID is not an M2M client id.
            {
                "grant_type": "client_credentials",
                "client_id": APP_ID,
                "client_secret": M2M_SECRET,
            },
            401,
            "invalid_client",
        ),
    ],
)
async def test_token_errors(sim, form, status, error):
    answer_status, body = await _token(sim, data=form)
    assert answer_status == status
    assert body["error"] == error
    assert body["error_description"]


async def test_token_expires_after_an_hour_of_simulated_time(sim, v3):
    status, _, _ = await v3.call("GET", "/connections", user=None)
    assert status == 200
    await sim.control("POST", "/clock/advance", json={"seconds": 3599})
    status, _, _ = await v3.call("GET", "/connections", user=None)
    assert status == 200
    await sim.control("POST", "/clock/advance", json={"seconds": 1})
    status, body, _ = await v3.call("GET", f"/vehicles/{TESLA}")
    assert status == 401
    assert_error(body, 401, "AUTHENTICATION", None)
    fresh = V3Api(sim, await m2m_token(sim))
    assert (await fresh.call("GET", f"/vehicles/{TESLA}"))[0] == 200


async def test_no_or_a_v2_token_is_401(sim, v3):
    v2_token = (await smartcar_token(sim))["access_token"]
    for token in ("", v2_token):
        api = V3Api(sim, token)
        status, body, _ = await api.call("GET", f"/vehicles/{TESLA}")
        assert status == 401
        assert body["type"] == "AUTHENTICATION"


# ------------------------------------------------------------------ connect
async def test_connect_redirect_carries_user_id_and_state_only(sim):
    query = await connect_v3(sim)
    assert query == {"user_id": SC_USER, "state": "s3"}


async def test_connect_returns_code_when_the_scenario_says_so(sim):
    settings = await sim.control(
        "PUT", "/smartcar/v3/settings", json={"connect_returns_code": True}
    )
    assert settings["unsubscribed_signals"] == "daily"
    query = await connect_v3(sim)
    assert set(query) == {"user_id", "state", "code"}
    assert query["user_id"] == SC_USER
    assert len(query["code"]) >= 20


async def test_connect_creates_then_updates_connections(sim):
    await connect_v3(sim, scope="read_battery read_charge")
    api = V3Api(sim, await m2m_token(sim))
    _, body, _ = await api.call("GET", "/connections", user=None)
    first = {
        item["relationships"]["vehicle"]["data"]["id"]: item for item in body["data"]
    }
    assert set(first) == {TESLA, VW, LEAF}
    tesla = first[TESLA]
    assert tesla["attributes"]["permissions"] == ["read_battery", "read_charge"]
    assert tesla["meta"]["createdAt"] == "2026-11-02T07:00:00.000Z"
    await sim.control("POST", "/clock/advance", json={"seconds": 600})
    await connect_v3(sim, scope="read_battery read_charge control_charge")
    _, body, _ = await api.call("GET", "/connections", user=None)
    again = {
        item["relationships"]["vehicle"]["data"]["id"]: item for item in body["data"]
    }
    assert again[TESLA]["id"] == tesla["id"]
    assert again[TESLA]["meta"] == {
        "createdAt": "2026-11-02T07:00:00.000Z",
        "updatedAt": "2026-11-02T07:10:00.000Z",
    }
    assert again[TESLA]["attributes"]["permissions"][-1] == "control_charge"
    assert body["meta"]["totalCount"] == 3


def _authorize_params(client_id: str, redirect: str = SC_REDIRECT) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "scope": "read_battery",
        "state": "x",
    }


@pytest.mark.parametrize(
    ("client_id", "status"),
    [
        (APP_ID, 200),
        ("00000000-0000-4000-8000-000000000000", 400),
        (M2M_ID, 400),
    ],
)
async def test_checking_an_application_id_with_the_authorize_url(
    sim, client_id, status
):
    async with sim.http.get(
        sim.url("/smartcar/connect/oauth/authorize"),
        params=_authorize_params(client_id),
        allow_redirects=False,
    ) as resp:
        assert resp.status == status
        text = await resp.text()
    if status == 400:
        assert "Invalid parameter client_id" in text
    else:
        assert "EV Battery v3 (demo)" in text


async def test_v3_redirect_uris_are_enforced_when_registered(sim):
    sim.state.smartcar.v3.apps[APP_ID].connect_client.redirect_uris = ["https://ok/cb"]
    for redirect, status in (("https://ok/cb", 200), (SC_REDIRECT, 400)):
        async with sim.http.get(
            sim.url("/smartcar/connect/oauth/authorize"),
            params=_authorize_params(APP_ID, redirect),
        ) as resp:
            assert resp.status == status


# -------------------------------------------------------------- connections
async def test_connections_paging_and_filters(sim):
    await connect_v3(sim)
    await sim.control("POST", "/clock/advance", json={"seconds": 60})
    await connect_v3(sim, user="other@example.com")
    api = V3Api(sim, await m2m_token(sim))
    status, page1, _ = await api.call(
        "GET", "/connections", user=None, params={"page[size]": "3"}
    )
    assert status == 200
    assert page1["meta"] == {
        "pageNumber": 1,
        "pageSize": 3,
        "totalCount": 4,
        "orderBy": "createdAt",
        "orderDirection": "asc",
    }
    assert len(page1["data"]) == 3
    assert page1["links"]["prev"] is None
    async with sim.http.get(
        page1["links"]["next"], headers={"Authorization": f"Bearer {api.token}"}
    ) as resp:
        page2 = await resp.json()
    assert [item["attributes"]["user"]["id"] for item in page2["data"]] == [OTHER_USER]
    assert page2["links"]["next"] is None
    assert page2["links"]["prev"] is not None
    item = page2["data"][0]
    assert item["type"] == "connection"
    assert item["attributes"]["vehicle"] == {
        "make": "KIA",
        "model": "EV6",
        "year": 2024,
        "mode": "LIVE",
        "powertrainType": "BEV",
    }
    assert item["relationships"] == {
        "vehicle": {"data": {"id": KIA, "type": "vehicle"}},
        "user": {"data": {"id": OTHER_USER, "type": "user"}},
    }
    for query, count in (
        ({"filter[userId]": SC_USER}, 3),
        ({"filter[vehicleId]": KIA}, 1),
        ({"filter[vehicle.mode]": "live"}, 4),
        ({"filter[vehicle.mode]": "simulated"}, 0),
    ):
        _, body, _ = await api.call("GET", "/connections", user=None, params=query)
        assert body["meta"]["totalCount"] == count
        assert len(body["data"]) == count
    for bad in ({"page[size]": "101"}, {"page[number]": "0"}, {"page[size]": "x"}):
        status, body, _ = await api.call("GET", "/connections", user=None, params=bad)
        assert status == 400
        assert_error(body, 400, "VALIDATION", "PARAMETER")


async def test_disconnect_removes_the_connection(sim, v3):
    status, body, _ = await v3.call("DELETE", "/connections", user=None)
    assert status == 400
    status, body, _ = await v3.call(
        "DELETE", "/connections", user=None, params={"filter[vehicleId]": VW}
    )
    assert (status, body) == (200, {"meta": {"deletedCount": 1}})
    status, body, _ = await v3.call("GET", f"/vehicles/{VW}")
    assert status == 404
    assert_error(body, 404, "RESOURCE_NOT_FOUND", "VEHICLE")


# ------------------------------------------------------------------ vehicle
async def test_vehicle_and_the_same_ids_in_v2_and_v3(sim, v3):
    status, body, headers = await v3.call("GET", f"/vehicles/{TESLA}")
    assert status == 200
    assert len(headers["sc-request-id"]) == 36
    assert body == {
        "data": {
            "id": TESLA,
            "type": "vehicle",
            "attributes": {
                "make": "TESLA",
                "model": "Model 3",
                "year": 2023,
                "powertrainType": "BEV",
                "mode": "LIVE",
            },
        }
    }
    v2_token = (await smartcar_token(sim))["access_token"]
    v2 = {"Authorization": f"Bearer {v2_token}"}
    async with sim.http.get(sim.url("/smartcar/api/v2.0/user"), headers=v2) as resp:
        v2_user = (await resp.json())["id"]
    async with sim.http.get(sim.url("/smartcar/api/v2.0/vehicles"), headers=v2) as resp:
        v2_vehicles = (await resp.json())["vehicles"]
    _, connections, _ = await v3.call("GET", "/connections", user=None)
    assert {c["attributes"]["user"]["id"] for c in connections["data"]} == {v2_user}
    assert sorted(
        c["relationships"]["vehicle"]["data"]["id"] for c in connections["data"]
    ) == sorted(v2_vehicles)


async def test_sc_user_id_is_required_and_must_own_a_connection(sim, v3):
    status, body, _ = await v3.call("GET", f"/vehicles/{TESLA}", user=None)
    assert status == 400
    assert_error(body, 400, "VALIDATION", "PARAMETER")
    assert "sc-user-id" in body["detail"]
    status, body, _ = await v3.call("GET", f"/vehicles/{TESLA}", user=OTHER_USER)
    assert status == 404
    assert_error(body, 404, "RESOURCE_NOT_FOUND", "VEHICLE")
    status, body, _ = await v3.call("GET", f"/vehicles/{KIA}/signals")
    assert status == 404
    status, body, _ = await v3.call("GET", f"/vehicles/{TESLA}/nothing")
    assert status == 404
    assert_error(body, 404, "RESOURCE_NOT_FOUND", "PATH")
