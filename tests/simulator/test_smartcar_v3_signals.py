"""Smartcar v3: signals, ingestion, commands, billing, faults, Management API."""

from __future__ import annotations

import re

import pytest

from .conftest import KIA, LEAF, SC_USER, TESLA, VW, Sim, smartcar_token
from .smartcar_v3 import WEBHOOK, V3Api, connect_v3, m2m_token

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
SOC = "tractionbattery-stateofcharge"


@pytest.fixture
async def v3(sim: Sim) -> V3Api:
    """The driver's vehicles connected to the v3 app, and an M2M token."""
    await connect_v3(sim)
    return V3Api(sim, await m2m_token(sim))


async def advance(sim: Sim, seconds: float, api: V3Api | None = None) -> dict:
    """Move the clock; a fresh M2M token for ``api`` (they last an hour)."""
    answer = await sim.control("POST", "/clock/advance", json={"seconds": seconds})
    if api is not None:
        api.token = await m2m_token(sim)
    return answer


def codes(body: dict) -> list[str]:
    return [item["id"] for item in body["data"]]


# ------------------------------------------------------------------ signals
async def test_unsubscribed_car_has_no_data_until_the_daily_refresh(sim, v3):
    status, body, _ = await v3.call("GET", f"/vehicles/{VW}/signals")
    assert (status, body["data"], body["meta"]) == (200, [], {"totalCount": 0})
    status, body, _ = await v3.call("GET", f"/vehicles/{VW}/signals/{SOC}")
    assert status == 404
    assert (body["type"], body["code"]) == ("RESOURCE_NOT_FOUND", "SIGNAL")
    await advance(sim, 20 * 3600 - 1, v3)  # 02:59:59 the next day
    assert (await v3.call("GET", f"/vehicles/{VW}/signals/{SOC}"))[0] == 404
    await advance(sim, 1)  # the 03:00 refresh
    await sim.control("PATCH", "/vehicles/vw-id4", json={"soc": 0.5})
    status, body, _ = await v3.call("GET", f"/vehicles/{VW}/signals/{SOC}")
    assert status == 200
    # The value of the refresh, not the car's value since.
    assert body["data"]["attributes"]["body"] == {"value": 63.0, "unit": "percent"}
    assert body["data"]["meta"]["ingestedAt"] == "2026-11-03T03:00:00.000Z"


async def test_empty_mode_answers_nothing_for_an_unsubscribed_car(sim, v3):
    await sim.control(
        "PUT", "/smartcar/v3/settings", json={"unsubscribed_signals": "empty"}
    )
    await advance(sim, 24 * 3600, v3)
    status, body, _ = await v3.call("GET", f"/vehicles/{VW}/signals")
    assert (status, body["data"]) == (200, [])
    assert (await v3.call("GET", f"/vehicles/{VW}/signals/{SOC}"))[0] == 404


async def test_signals_wire_format(sim, v3):
    await v3.subscribe(TESLA)
    status, body, _ = await v3.call("GET", f"/vehicles/{TESLA}/signals")
    assert status == 200
    assert set(body) == {"data", "included", "meta", "links"}
    assert body["included"]["vehicle"]["id"] == TESLA
    assert body["included"]["vehicle"]["attributes"]["make"] == "TESLA"
    assert body["meta"]["totalCount"] == len(body["data"]) == 22
    soc = next(item for item in body["data"] if item["id"] == SOC)
    assert soc["type"] == "signal"
    assert soc["attributes"] == {
        "code": SOC,
        "name": "StateOfCharge",
        "group": "TractionBattery",
        "status": {"value": "SUCCESS"},
        "body": {"value": 42.0, "unit": "percent"},
    }
    assert set(soc["meta"]) == {"ingestedAt", "retrievedAt", "oemUpdatedAt"}
    assert all(ISO.match(value) for value in soc["meta"].values())
    by_code = {item["id"]: item["attributes"]["body"] for item in body["data"]}
    assert by_code["charge-chargelimits"] == {
        "values": [{"type": "GLOBAL", "limit": 80}],
        "activeLimit": 80,
        "unit": "percent",
    }
    assert by_code["charge-detailedchargingstatus"] == {"value": "CHARGING"}
    assert by_code["charge-ischarging"] == {"value": True}
    assert by_code["tractionbattery-nominalcapacity"] == {"value": 75.0, "unit": "kWh"}
    assert by_code["vehicleidentification-vin"] == {"value": "5YJ3E7EB7PF000001"}
    assert by_code["closure-islocked"] == {"value": True}
    assert by_code["charge-wattage"] == {"value": 11.0, "unit": "kW"}
    status, one, _ = await v3.call("GET", f"/vehicles/{TESLA}/signals/{SOC}")
    assert (status, one) == (200, {"data": soc})


async def test_a_car_reports_only_the_signals_it_has(sim, v3):
    await v3.subscribe(LEAF)
    _, body, _ = await v3.call("GET", f"/vehicles/{LEAF}/signals")
    reported = codes(body)
    assert "charge-chargelimits" not in reported  # the Leaf has no charge limit
    assert "closure-islocked" not in reported  # nor remote locking
    assert SOC in reported
    status, _, _ = await v3.call("GET", f"/vehicles/{LEAF}/signals/charge-chargelimits")
    assert status == 404


async def test_signals_without_permission_are_errors(sim):
    await connect_v3(sim, scope="read_battery")
    api = V3Api(sim, await m2m_token(sim))
    await api.subscribe(VW)
    _, body, _ = await api.call("GET", f"/vehicles/{VW}/signals")
    by_code = {item["id"]: item["attributes"] for item in body["data"]}
    assert by_code[SOC]["status"] == {"value": "SUCCESS"}
    charging = by_code["charge-ischarging"]
    assert "body" not in charging
    assert charging["status"]["value"] == "ERROR"
    assert charging["status"]["error"]["type"] == "PERMISSION"
    assert charging["status"]["error"]["resolution"] == {"type": "REAUTHENTICATE"}


async def test_ingestion_cadence_by_make_and_charging(sim, v3):
    await sim.control("POST", "/vehicles/vw-id4/plug")
    await v3.subscribe(TESLA)
    await v3.subscribe(VW)
    await connect_v3(sim, user="other@example.com")
    await v3.subscribe(KIA)

    async def ingested(vehicle: str, user: str = SC_USER) -> str:
        _, body, _ = await v3.call(
            "GET", f"/vehicles/{vehicle}/signals/{SOC}", user=user
        )
        return str(body["data"]["meta"]["ingestedAt"])

    other = "9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
    await advance(sim, 60)
    assert await ingested(TESLA) == "2026-11-02T07:01:00.000Z"  # Tesla: 1 min
    assert await ingested(VW) == "2026-11-02T07:00:00.000Z"
    await advance(sim, 120)
    assert await ingested(TESLA) == "2026-11-02T07:03:00.000Z"
    assert await ingested(VW) == "2026-11-02T07:03:00.000Z"  # VW: 3 min
    assert await ingested(KIA, other) == "2026-11-02T07:00:00.000Z"
    await advance(sim, 720)  # not charging: 15 min
    assert await ingested(KIA, other) == "2026-11-02T07:15:00.000Z"
    # An event ingests at once.
    await advance(sim, 30)
    await sim.control("POST", "/vehicles/kia-ev6/plug")
    assert await ingested(KIA, other) == "2026-11-02T07:15:30.000Z"


# ----------------------------------------------------------------- commands
async def test_commands_answer_sync_with_the_execution(sim, v3):
    status, body, _ = await v3.call("POST", f"/vehicles/{TESLA}/commands/charge/stop")
    assert status == 200
    execution = body["data"]
    assert execution["id"].startswith("exec_")
    assert execution["type"] == "command-execution"
    assert execution["attributes"] == {
        "commandType": "charge-stop",
        "status": {"value": "SUCCESS"},
        "executionMode": "sync",
        "parameters": {},
    }
    assert execution["meta"] == {
        "executedAt": "2026-11-02T07:00:00.000Z",
        "completedAt": "2026-11-02T07:00:02.000Z",
        "durationInSeconds": 2,
    }
    car = await sim.control("GET", "/vehicles/tesla-model-3")
    assert car["charging"] is False
    status, body, _ = await v3.call("POST", f"/vehicles/{TESLA}/commands/charge/stop")
    assert (status, body["type"], body["code"]) == (
        409,
        "VEHICLE_STATE",
        "NOT_CHARGING",
    )
    status, body, _ = await v3.call("POST", f"/vehicles/{TESLA}/commands/charge/start")
    assert (status, body["data"]["attributes"]["commandType"]) == (200, "charge-start")
    assert (await sim.control("GET", "/vehicles/tesla-model-3"))["charging"] is True
    status, body, _ = await v3.call("POST", f"/vehicles/{VW}/commands/charge/start")
    assert (status, body["code"]) == (409, "CHARGE_PLUG_DISCONNECTED")


async def test_set_limit_validation_and_effect(sim, v3):
    path = f"/vehicles/{TESLA}/commands/charge/set-limit"
    for bad in (
        {"data": {"attributes": {"percent": 49}}},
        {"data": {"attributes": {"percent": 101}}},
        {"data": {"attributes": {"percent": 80.5}}},
        {"data": {"attributes": {"percent": "80"}}},
        {"data": {"attributes": {"percent": True}}},
        {"percent": 80},
    ):
        status, body, _ = await v3.call("POST", path, json=bad)
        assert (status, body["type"], body["code"]) == (400, "VALIDATION", "PARAMETER")
    status, body, _ = await v3.call(
        "POST", path, json={"data": {"attributes": {"percent": 90}}}
    )
    assert status == 200
    assert body["data"]["attributes"]["parameters"] == {"percent": 90}
    assert (await sim.control("GET", "/vehicles/tesla-model-3"))["charge_limit"] == 0.9


@pytest.mark.parametrize(
    ("vehicle", "command", "status"),
    [
        (LEAF, "charge/set-limit", 501),
        (VW, "charge-port/open", 501),
        (TESLA, "charge-port/open", 200),
        (TESLA, "charge-port/close", 200),
        (VW, "security/unlock", 200),
        (LEAF, "security/lock", 501),
    ],
)
async def test_commands_only_where_the_car_has_them(sim, v3, vehicle, command, status):
    body_json = {"data": {"attributes": {"percent": 80}}}
    answer, body, _ = await v3.call(
        "POST", f"/vehicles/{vehicle}/commands/{command}", json=body_json
    )
    assert answer == status
    if status == 501:
        assert (body["type"], body["code"]) == ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE")
    else:
        assert body["data"]["attributes"]["commandType"] == command.replace("/", "-")


async def test_lock_changes_the_signal_and_needs_its_permission(sim, v3):
    await v3.subscribe(VW)
    await v3.call("POST", f"/vehicles/{VW}/commands/security/unlock")
    _, body, _ = await v3.call("GET", f"/vehicles/{VW}/signals/closure-islocked")
    assert body["data"]["attributes"]["body"] == {"value": False}
    await connect_v3(sim, scope="read_battery control_charge")
    status, body, _ = await v3.call("POST", f"/vehicles/{VW}/commands/security/lock")
    assert (status, body["type"]) == (403, "PERMISSION")
    assert (await v3.call("POST", f"/vehicles/{VW}/commands/nothing/now"))[0] == 404


async def test_a_share_of_commands_answers_202(sim, v3):
    await sim.control("PUT", "/smartcar/v3/settings", json={"async_command_share": 1.0})
    status, body, _ = await v3.call("POST", f"/vehicles/{TESLA}/commands/charge/stop")
    assert status == 202
    attributes = body["data"]["attributes"]
    assert attributes["status"] == {"value": "IN_PROGRESS"}
    assert attributes["executionMode"] == "async"
    assert body["data"]["meta"]["completedAt"] is None
    assert body["data"]["meta"]["durationInSeconds"] is None


async def test_unreachable_car_fails_commands(sim, v3):
    await sim.control(
        "PATCH", "/vehicles/tesla-model-3", json={"connectivity": "unreachable"}
    )
    status, body, _ = await v3.call("POST", f"/vehicles/{TESLA}/commands/charge/stop")
    assert (status, body["type"], body["code"]) == (409, "VEHICLE_STATE", "UNREACHABLE")


# ---------------------------------------------------------- limits, faults
async def test_billing_is_shared_with_v2_and_ends_in_430(sim, v3):
    await sim.control("PUT", "/smartcar/settings", json={"monthly_request_limit": 3})
    await v3.subscribe(TESLA)
    for path in ("/connections", f"/vehicles/{TESLA}"):
        assert (await v3.call("GET", path))[0] == 200  # free
    assert (await v3.call("GET", f"/vehicles/{TESLA}/signals/nothing"))[0] == 404
    billing = await sim.control("GET", "/billing")
    assert billing["vehicles"]["tesla-model-3"]["this_month"] == 0
    assert (await v3.call("GET", f"/vehicles/{TESLA}/signals"))[0] == 200
    assert (await v3.call("GET", f"/vehicles/{TESLA}/signals/{SOC}"))[0] == 200
    assert (await v3.call("POST", f"/vehicles/{TESLA}/commands/charge/stop"))[0] == 200
    billing = await sim.control("GET", "/billing")
    assert billing["vehicles"]["tesla-model-3"]["this_month"] == 3
    status, body, _ = await v3.call("GET", f"/vehicles/{TESLA}/signals")
    assert status == 430
    assert (body["type"], body["code"], body["status"]) == (
        "BILLING",
        "VEHICLE_REQUEST_LIMIT",
        430,
    )
    assert body["resolution"] == {"type": "CONTACT_SUPPORT"}
    # The v2 surface shares the allowance.
    v2 = (await smartcar_token(sim))["access_token"]
    async with sim.http.get(
        sim.url(f"/smartcar/api/v2.0/vehicles/{TESLA}/battery"),
        headers={"Authorization": f"Bearer {v2}"},
    ) as resp:
        assert resp.status == 430
    # A new month starts a new allowance.
    await advance(sim, 30 * 24 * 3600, v3)
    assert (await v3.call("GET", f"/vehicles/{TESLA}/signals"))[0] == 200


async def test_rate_limit_429_with_retry_after(sim, v3):
    await sim.control(
        "PUT",
        "/smartcar/settings",
        json={"vehicle_rate_limit": {"requests": 2, "window_seconds": 60}},
    )
    for _ in range(2):
        assert (await v3.call("GET", f"/vehicles/{TESLA}/signals"))[0] == 200
    status, body, headers = await v3.call("GET", f"/vehicles/{TESLA}/signals")
    assert (status, body["type"], body["code"]) == (429, "RATE_LIMIT", "VEHICLE")
    assert int(headers["Retry-After"]) >= 1


async def test_faults_render_v3_and_oauth_bodies(sim, v3):
    await sim.control(
        "POST",
        "/faults",
        json={
            "path": "/smartcar/vehicle/v3/vehicles/.*/signals",
            "error": "UPSTREAM",
            "code": "NO_RESPONSE",
            "count": 1,
        },
    )
    status, body, _ = await v3.call("GET", f"/vehicles/{TESLA}/signals")
    assert (status, body["type"], body["code"]) == (502, "UPSTREAM", "NO_RESPONSE")
    assert body["links"] == {}
    assert body["title"] == "Upstream error"
    await sim.control(
        "POST",
        "/faults",
        json={"path": "/smartcar/management/v3", "status": 500, "count": 1},
    )
    status, body = await v3.manage("GET", "/subscriptions")
    assert (status, body["type"]) == (500, "SERVER")
    await sim.control(
        "POST",
        "/faults",
        json={
            "path": "/smartcar/iam/",
            "error": "server_error",
            "status": 503,
            "count": 1,
        },
    )
    async with sim.http.post(
        sim.url("/smartcar/iam/oauth2/token"), data={"grant_type": "client_credentials"}
    ) as resp:
        assert resp.status == 503
        assert (await resp.json())["error"] == "server_error"


# --------------------------------------------------------------- management
async def test_management_api_subscriptions(sim, v3):
    status, body = await v3.manage("GET", "/subscriptions", token="wrong")
    assert (status, body["type"]) == (401, "AUTHENTICATION")
    status, body = await v3.manage(
        "GET", "/subscriptions", token="sc-demo-management-token"
    )
    assert status == 401  # the v2 application's token is not this app's
    await v3.subscribe(TESLA)
    await v3.subscribe(TESLA)  # idempotent: 202 again
    status, _ = await v3.manage(
        "POST",
        "/subscriptions",
        json={"data": {"attributes": {"webhookId": WEBHOOK, "vehicleId": VW}}},
    )
    assert status == 202
    status, body = await v3.manage("GET", "/subscriptions")
    assert status == 200
    assert body["meta"] == {"totalCount": 2}
    first = body["data"][0]
    assert first["type"] == "subscription"
    assert first["id"].startswith("sub_")
    assert first["attributes"] == {
        "webhookId": WEBHOOK,
        "vehicleId": TESLA,
        "userId": SC_USER,
        "createdAt": "2026-11-02T07:00:00.000Z",
    }
    _, filtered = await v3.manage(
        "GET", "/subscriptions", params={"filter[vehicleId]": VW}
    )
    assert [item["attributes"]["vehicleId"] for item in filtered["data"]] == [VW]
    _, none = await v3.manage("GET", "/subscriptions", params={"filter[userId]": "x"})
    assert none["data"] == []
    assert (await v3.manage("GET", f"/subscriptions/{first['id']}")) == (
        200,
        {"data": first},
    )
    assert (await v3.manage("DELETE", f"/subscriptions/{first['id']}")) == (204, None)
    status, body = await v3.manage("DELETE", f"/subscriptions/{first['id']}")
    assert (status, body["type"]) == (404, "RESOURCE_NOT_FOUND")
    for bad, expected in (
        ({"webhookId": "nope", "vehicleId": VW}, 404),
        ({"webhookId": WEBHOOK, "vehicleId": KIA}, 404),  # not connected
        ({"webhookId": WEBHOOK}, 400),
    ):
        assert (await v3.manage("POST", "/subscriptions", json=bad))[0] == expected
    # Unsubscribed again: the next daily refresh, not the cadence.
    await advance(sim, 3600, v3)
    _, body, _ = await v3.call("GET", f"/vehicles/{TESLA}/signals/{SOC}")
    assert body["data"]["meta"]["ingestedAt"] == "2026-11-02T07:00:00.000Z"
