"""The Smartcar Vehicle API v2.0 wire format, over loopback HTTP."""

import re

import pytest

from simulator import SIM_KEY, create_app

from .conftest import KIA, LEAF, TESLA, VW, SmartcarApi, smartcar_token

ERROR_KEYS = {
    "type",
    "code",
    "description",
    "docURL",
    "statusCode",
    "requestId",
    "resolution",
    "suggestedUserMessage",
}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def assert_error(status, body, headers, expected_status, error_type, code):  # noqa: PLR0917
    assert status == expected_status
    assert set(body) >= ERROR_KEYS
    assert body["type"] == error_type
    assert body["code"] == code
    assert body["statusCode"] == expected_status
    assert body["requestId"] == headers["sc-request-id"]
    assert body["docURL"].startswith("https://smartcar.com/docs/errors/")
    assert set(body["resolution"]) == {"type", "url"}
    assert body["description"]


async def test_vehicles_paging(sc_api):
    status, body, headers = await sc_api.call("GET", "/vehicles", params={"limit": 2})
    assert status == 200
    assert body == {"vehicles": [TESLA, VW], "paging": {"count": 3, "offset": 0}}
    assert headers["sc-request-id"]
    _, body, _ = await sc_api.call("GET", "/vehicles", params={"limit": 2, "offset": 2})
    assert body == {"vehicles": [LEAF], "paging": {"count": 3, "offset": 2}}
    for bad in ({"limit": 0}, {"limit": "x"}, {"offset": -1}, {"limit": 51}):
        status, body, headers = await sc_api.call("GET", "/vehicles", params=bad)
        assert_error(status, body, headers, 400, "VALIDATION", "PARAMETER")


async def test_seed_shapes(sc_api):
    v = f"/vehicles/{TESLA}"
    assert (await sc_api.call("GET", v))[1] == {
        "id": TESLA,
        "make": "TESLA",
        "model": "Model 3",
        "year": 2023,
    }
    assert (await sc_api.call("GET", f"{v}/vin"))[1] == {"vin": "5YJ3E7EB7PF000001"}
    status, battery, headers = await sc_api.call("GET", f"{v}/battery")
    assert status == 200
    assert set(battery) == {"percentRemaining", "range"}
    assert battery["percentRemaining"] == 0.42
    assert battery["range"] == round(0.42 * 75 * 6.7, 2)
    assert ISO.match(headers["sc-data-age"])
    assert ISO.match(headers["sc-fetched-at"])
    assert headers["sc-unit-system"] == "metric"
    assert (await sc_api.call("GET", f"{v}/battery/capacity"))[1] == {"capacity": 75.0}
    nominal = (await sc_api.call("GET", f"{v}/battery/nominal_capacity"))[1]
    assert nominal["availableCapacities"] == [
        {"capacity": 75.0, "description": "Long Range"}
    ]
    assert nominal["capacity"] == {"nominal": 75.0, "source": "SMARTCAR"}
    assert (await sc_api.call("GET", f"{v}/charge"))[1] == {
        "isPluggedIn": True,
        "state": "CHARGING",
    }
    assert (await sc_api.call("GET", f"{v}/charge/limit"))[1] == {"limit": 0.8}
    assert (await sc_api.call("GET", f"{v}/odometer"))[1] == {"distance": 18234.5}
    assert (await sc_api.call("GET", f"{v}/location"))[1] == {
        "latitude": 52.3731,
        "longitude": 4.8922,
    }
    leaf_nominal = (
        await sc_api.call("GET", f"/vehicles/{LEAF}/battery/nominal_capacity")
    )[1]
    assert leaf_nominal["availableCapacities"] == [
        {"capacity": 40.0, "description": None}
    ]


async def test_imperial_units(sc_api):
    headers = {"sc-unit-system": "imperial"}
    status, body, resp_headers = await sc_api.call(
        "GET", f"/vehicles/{TESLA}/odometer", headers=headers
    )
    assert status == 200
    assert body == {"distance": round(18234.5 / 1.609344, 2)}
    assert resp_headers["sc-unit-system"] == "imperial"
    _, battery, _ = await sc_api.call(
        "GET", f"/vehicles/{TESLA}/battery", headers=headers
    )
    assert battery["range"] == round(0.42 * 75 * 6.7 / 1.609344, 2)


async def test_permissions_paging(sc_api):
    _, body, _ = await sc_api.call(
        "GET", f"/vehicles/{TESLA}/permissions", params={"limit": 3, "offset": 1}
    )
    assert body["permissions"] == ["read_vin", "read_battery", "read_charge"]
    assert body["paging"] == {"count": 8, "offset": 1}


async def test_start_and_stop_charge(sc_api):
    v = f"/vehicles/{TESLA}/charge"
    status, body, _ = await sc_api.call("POST", v, json={"action": "STOP"})
    assert status == 200
    assert body["status"] == "success"
    assert (await sc_api.call("GET", v))[1]["state"] == "NOT_CHARGING"
    status, body, headers = await sc_api.call("POST", v, json={"action": "STOP"})
    assert_error(status, body, headers, 409, "VEHICLE_STATE", "NOT_CHARGING")
    assert body["resolution"]["type"] == "RETRY_LATER"
    status, body, _ = await sc_api.call("POST", v, json={"action": "START"})
    assert (status, body["status"]) == (200, "success")
    assert (await sc_api.call("GET", v))[1]["state"] == "CHARGING"
    # Starting again is harmless.
    assert (await sc_api.call("POST", v, json={"action": "START"}))[0] == 200


async def test_charge_command_errors(sc_api, sim):
    status, body, headers = await sc_api.call(
        "POST", f"/vehicles/{VW}/charge", json={"action": "START"}
    )
    assert_error(
        status, body, headers, 409, "VEHICLE_STATE", "CHARGE_PLUG_DISCONNECTED"
    )
    for bad in ({"action": "GO"}, {}, ["START"]):
        status, body, headers = await sc_api.call(
            "POST", f"/vehicles/{VW}/charge", json=bad
        )
        assert_error(status, body, headers, 400, "VALIDATION", "PARAMETER")
    status, body, headers = await sc_api.call(
        "POST",
        f"/vehicles/{VW}/charge",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert_error(status, body, headers, 400, "VALIDATION", "PARAMETER")
    await sim.control(
        "PATCH", "/vehicles/vw-id4", json={"plugged_in": True, "soc": 0.8}
    )
    status, body, headers = await sc_api.call(
        "POST", f"/vehicles/{VW}/charge", json={"action": "START"}
    )
    assert_error(status, body, headers, 409, "VEHICLE_STATE", "FULLY_CHARGED")
    await sim.control("PATCH", "/vehicles/vw-id4", json={"charge_fault": True})
    status, body, headers = await sc_api.call(
        "POST", f"/vehicles/{VW}/charge", json={"action": "START"}
    )
    assert_error(status, body, headers, 409, "VEHICLE_STATE", "CHARGE_FAULT")


async def test_charge_limit(sc_api):
    v = f"/vehicles/{TESLA}/charge/limit"
    status, body, _ = await sc_api.call("POST", v, json={"limit": 0.9})
    assert (status, body["status"]) == (200, "success")
    assert (await sc_api.call("GET", v))[1] == {"limit": 0.9}
    for bad in (1.5, 0.2, "0.8", True, None):
        status, body, headers = await sc_api.call("POST", v, json={"limit": bad})
        assert_error(status, body, headers, 400, "VALIDATION", "PARAMETER")
    status, body, headers = await sc_api.call(
        "POST", v, data=b"NaN", headers={"Content-Type": "application/json"}
    )
    assert_error(status, body, headers, 400, "VALIDATION", "PARAMETER")


async def test_compatibility(sc_api):
    for method, path, body in (
        ("GET", "/charge/limit", None),
        ("POST", "/charge/limit", {"limit": 0.8}),
    ):
        status, err, headers = await sc_api.call(
            method, f"/vehicles/{LEAF}{path}", json=body
        )
        assert_error(status, err, headers, 501, "COMPATIBILITY", "VEHICLE_NOT_CAPABLE")
    status, err, headers = await sc_api.call(
        "GET", f"/vehicles/{LEAF}/nissan/charge/records"
    )
    assert_error(status, err, headers, 501, "COMPATIBILITY", "MAKE_NOT_COMPATIBLE")
    status, err, headers = await sc_api.call(
        "GET", f"/vehicles/{VW}/volkswagen/charge/records"
    )
    assert_error(status, err, headers, 501, "COMPATIBILITY", "MAKE_NOT_COMPATIBLE")


async def test_charge_records(sc_api):
    v = f"/vehicles/{TESLA}/tesla/charge/records"
    status, body, _ = await sc_api.call("GET", v)
    assert status == 200
    records = body["records"]
    assert [set(r) for r in records] == [
        {"date", "home", "other", "superCharger", "total"}
    ] * len(records)
    assert len(records) == 3  # the session in progress has no energy yet
    by_kind = {
        "superCharger": records[1],
        "other": records[0],
        "home": records[2],
    }
    assert by_kind["other"] == {
        "date": "2026-10-17T07:00:00.000Z",
        "home": 0,
        "other": 33.0,
        "superCharger": 0,
        "total": 33.0,
    }
    assert by_kind["superCharger"]["superCharger"] == 60.0
    assert by_kind["home"]["home"] == 27.5
    # An hour later the session in progress shows up with 11 kWh drawn.
    sc_api.sim.state.clock.advance(3600)
    _, body, _ = await sc_api.call("GET", v)
    assert body["records"][-1] == {
        "date": "2026-11-02T07:00:00.000Z",
        "home": 11.0,
        "other": 0,
        "superCharger": 0,
        "total": 11.0,
    }
    _, body, _ = await sc_api.call(
        "GET", v, params={"startDate": "2026-10-25", "endDate": "2026-10-30"}
    )
    assert [r["total"] for r in body["records"]] == [27.5]
    for bad in (
        {"startDate": "20-10-2026"},
        {"startDate": "2026-10-20", "endDate": "2026-10-01"},
    ):
        status, err, headers = await sc_api.call("GET", v, params=bad)
        assert_error(status, err, headers, 400, "VALIDATION", "PARAMETER")
    status, err, headers = await sc_api.call(
        "GET", f"/vehicles/{TESLA}/bmw/charge/records"
    )
    assert_error(status, err, headers, 404, "RESOURCE_NOT_FOUND", "PATH")


async def test_not_found_and_version(sc_api):
    status, body, headers = await sc_api.call("GET", f"/vehicles/{TESLA}/tires")
    assert_error(status, body, headers, 404, "RESOURCE_NOT_FOUND", "PATH")
    status, body, headers = await sc_api.call("PUT", f"/vehicles/{TESLA}/battery")
    assert_error(status, body, headers, 404, "RESOURCE_NOT_FOUND", "PATH")
    status, body, headers = await sc_api.call("GET", "/nothing")
    assert_error(status, body, headers, 404, "RESOURCE_NOT_FOUND", "PATH")
    async with sc_api.sim.http.get(
        sc_api.sim.url(f"/smartcar/api/v1.0/vehicles/{TESLA}/battery")
    ) as resp:
        body = await resp.json()
        assert_error(
            resp.status, body, resp.headers, 404, "RESOURCE_NOT_FOUND", "VERSION"
        )
    async with sc_api.sim.http.get(sc_api.sim.url("/smartcar/api/")) as resp:
        assert resp.status == 404


async def test_authentication_errors(sim):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        async with sim.http.get(
            sim.url(f"/smartcar/api/v2.0/vehicles/{TESLA}/battery"), headers=headers
        ) as resp:
            body = await resp.json()
            assert_error(resp.status, body, resp.headers, 401, "AUTHENTICATION", None)
            assert body["resolution"]["type"] == "REAUTHENTICATE"


async def test_permission_errors(sim):
    token = await smartcar_token(sim, scope="read_battery")
    api = SmartcarApi(sim, token["access_token"])
    assert (await api.call("GET", f"/vehicles/{TESLA}/battery"))[0] == 200
    status, body, headers = await api.call("GET", f"/vehicles/{TESLA}/charge")
    assert_error(status, body, headers, 403, "PERMISSION", None)
    assert "read_charge" in body["description"]
    status, body, headers = await api.call("GET", f"/vehicles/{KIA}/battery")
    assert_error(status, body, headers, 403, "PERMISSION", None)
    status, body, headers = await api.call("GET", "/vehicles/unknown/battery")
    assert_error(status, body, headers, 403, "PERMISSION", None)


async def test_asleep_and_unreachable(sc_api, sim):
    await sim.control("PATCH", "/vehicles/vw-id4", json={"connectivity": "asleep"})
    status, body, headers = await sc_api.call("GET", f"/vehicles/{VW}/battery")
    assert_error(status, body, headers, 409, "VEHICLE_STATE", "ASLEEP")
    # Static data still answers.
    assert (await sc_api.call("GET", f"/vehicles/{VW}/battery/capacity"))[0] == 200
    # The Tesla sleeps with stale data: the old value and an old data age.
    await sim.control("POST", "/vehicles/tesla-model-3/sleep")
    sim.state.clock.advance(3600)
    status, body, headers = await sc_api.call("GET", f"/vehicles/{TESLA}/battery")
    assert status == 200
    assert body["percentRemaining"] == 0.42
    assert headers["sc-data-age"] == "2026-11-02T07:00:00.000Z"
    assert headers["sc-fetched-at"] == "2026-11-02T08:00:00.000Z"
    # A command wakes it; then data is fresh (it kept charging meanwhile).
    status, _, _ = await sc_api.call(
        "POST", f"/vehicles/{TESLA}/charge", json={"action": "START"}
    )
    assert status == 200
    _, body, headers = await sc_api.call("GET", f"/vehicles/{TESLA}/battery")
    assert body["percentRemaining"] > 0.5
    assert headers["sc-data-age"] == "2026-11-02T08:00:00.000Z"

    await sim.control("PATCH", "/vehicles/vw-id4", json={"connectivity": "unreachable"})
    status, body, headers = await sc_api.call("GET", f"/vehicles/{VW}/charge")
    assert_error(status, body, headers, 409, "VEHICLE_STATE", "UNREACHABLE")
    status, body, headers = await sc_api.call(
        "POST", f"/vehicles/{VW}/charge", json={"action": "START"}
    )
    assert_error(status, body, headers, 409, "VEHICLE_STATE", "UNREACHABLE")
    await sim.control("PATCH", "/vehicles/vw-id4", json={"connectivity": "online"})
    assert (await sc_api.call("GET", f"/vehicles/{VW}/charge"))[0] == 200


async def test_vehicle_rate_limit(sc_api, sim):
    await sim.control(
        "PUT",
        "/smartcar/settings",
        json={"vehicle_rate_limit": {"requests": 2, "window_seconds": 60}},
    )
    for _ in range(2):
        assert (await sc_api.call("GET", f"/vehicles/{VW}/battery"))[0] == 200
    status, body, headers = await sc_api.call("GET", f"/vehicles/{VW}/battery")
    assert_error(status, body, headers, 429, "RATE_LIMIT", "VEHICLE")
    assert headers["Retry-After"] == "61"
    # Another vehicle has its own window.
    assert (await sc_api.call("GET", f"/vehicles/{TESLA}/battery"))[0] == 200
    sim.state.clock.advance(60)
    assert (await sc_api.call("GET", f"/vehicles/{VW}/battery"))[0] == 200


async def test_monthly_billing_limit(sc_api, sim):
    await sim.control("PUT", "/smartcar/settings", json={"monthly_request_limit": 3})
    for _ in range(3):
        assert (await sc_api.call("GET", f"/vehicles/{VW}/battery"))[0] == 200
    status, body, headers = await sc_api.call("GET", f"/vehicles/{VW}/battery")
    assert_error(status, body, headers, 430, "BILLING", "VEHICLE_REQUEST_LIMIT")
    assert body["type"] != "RATE_LIMIT"
    billing = await sim.control("GET", "/billing")
    assert billing["vehicles"]["vw-id4"]["this_month"] == 3
    # The quota resets in the next month.
    sim.state.clock.advance(31 * 24 * 3600)
    api = SmartcarApi(sim, (await smartcar_token(sim))["access_token"])
    assert (await api.call("GET", f"/vehicles/{VW}/battery"))[0] == 200
    billing = await sim.control("GET", "/billing")
    assert billing["month"] == "2026-12"
    assert billing["vehicles"]["vw-id4"] == {
        "this_month": 1,
        "total": 4,
        "by_month": {"2026-11": 3, "2026-12": 1},
    }


async def billed(sim, key):
    return (await sim.control("GET", "/billing"))["vehicles"][key]["total"]


async def test_not_billed_without_reaching_the_vehicle(sc_api, sim):
    await sc_api.call("GET", f"/vehicles/{VW}/tires")
    await sc_api.call("GET", "/vehicles")
    assert await billed(sim, "vw-id4") == 0


async def test_free_calls_and_billed_commands(sc_api, sim):
    for method, path in (
        ("GET", "/user"),
        ("GET", "/vehicles"),
        ("GET", f"/vehicles/{TESLA}/permissions"),
    ):
        assert (await sc_api.call(method, path))[0] == 200
    assert await billed(sim, "tesla-model-3") == 0
    # Commands are billed, like reads.
    stop = {"action": "STOP"}
    assert (await sc_api.call("POST", f"/vehicles/{TESLA}/charge", json=stop))[0] == 200
    limit = {"limit": 0.9}
    path = f"/vehicles/{TESLA}/charge/limit"
    assert (await sc_api.call("POST", path, json=limit))[0] == 200
    assert (await sc_api.call("GET", f"/vehicles/{TESLA}/battery"))[0] == 200
    assert await billed(sim, "tesla-model-3") == 3
    # Disconnecting is free too.
    assert (await sc_api.call("DELETE", f"/vehicles/{TESLA}/application"))[0] == 200
    assert await billed(sim, "tesla-model-3") == 3


async def test_rejections_before_the_car_are_not_billed(sc_api, sim):
    tesla = f"/vehicles/{TESLA}"
    # Authentication.
    async with sim.http.get(
        sim.url(f"/smartcar/api/v2.0{tesla}/battery"),
        headers={"Authorization": "Bearer nope"},
    ) as resp:
        assert resp.status == 401
    # Unknown paths, also a make-specific path of another make.
    assert (await sc_api.call("GET", f"{tesla}/tires"))[0] == 404
    status, body, headers = await sc_api.call("GET", f"{tesla}/nissan/charge/records")
    assert_error(status, body, headers, 404, "RESOURCE_NOT_FOUND", "PATH")
    # Request validation (a command's body, a query parameter).
    bad = {"action": "FLY"}
    assert (await sc_api.call("POST", f"{tesla}/charge", json=bad))[0] == 400
    assert (await sc_api.call("POST", f"{tesla}/charge/limit", json={}))[0] == 400
    status, _, _ = await sc_api.call(
        "GET", f"{tesla}/tesla/charge/records", params={"startDate": "May"}
    )
    assert status == 400
    # A permission that was not granted.
    token = await smartcar_token(sim, scope="read_battery")
    limited = SmartcarApi(sim, token["access_token"])
    assert (await limited.call("GET", f"{tesla}/charge"))[0] == 403
    assert (await limited.call("POST", f"{tesla}/charge", json={"action": "STOP"}))[
        0
    ] == 403
    assert await billed(sim, "tesla-model-3") == 0
    # The vehicle rate limit: the refused call is neither billed nor counted.
    await sim.control(
        "PUT",
        "/smartcar/settings",
        json={"vehicle_rate_limit": {"requests": 1, "window_seconds": 60}},
    )
    assert (await sc_api.call("GET", f"{tesla}/battery"))[0] == 200
    assert (await sc_api.call("GET", f"{tesla}/battery"))[0] == 429
    assert await billed(sim, "tesla-model-3") == 1


async def test_batch_mixed_results(sc_api, sim):
    requests = [
        {"path": "/battery"},
        {"path": "/charge"},
        {"path": "/charge/limit"},
        {"path": "/odometer"},
        {"path": "/"},
        {"path": "/permissions"},
    ]
    status, body, headers = await sc_api.call(
        "POST", f"/vehicles/{LEAF}/batch", json={"requests": requests}
    )
    assert status == 200
    responses = {r["path"]: r for r in body["responses"]}
    assert [r["path"] for r in body["responses"]] == [r["path"] for r in requests]
    assert responses["/battery"]["code"] == 200
    assert responses["/battery"]["body"] == {
        "percentRemaining": 0.55,
        "range": round(0.55 * 40 * 6.2, 2),
    }
    assert responses["/battery"]["headers"]["sc-unit-system"] == "metric"
    assert ISO.match(responses["/battery"]["headers"]["sc-data-age"])
    assert responses["/charge"]["body"] == {
        "isPluggedIn": False,
        "state": "NOT_CHARGING",
    }
    # Every successful sub-response has headers, attributes and permissions too.
    for path in ("/battery", "/charge", "/odometer", "/", "/permissions"):
        assert responses[path]["headers"]["sc-request-id"] == headers["sc-request-id"]
    limit = responses["/charge/limit"]
    assert limit["code"] == 501
    assert limit["body"]["type"] == "COMPATIBILITY"
    assert limit["body"]["requestId"] == headers["sc-request-id"]
    assert "headers" not in limit
    # Every sub-request that reaches the car is billed; permissions are free.
    billing = await sim.control("GET", "/billing")
    assert billing["vehicles"]["nissan-leaf"]["total"] == 5

    # The old behaviour stays a setting: a batch billed once.
    await sim.control("PUT", "/smartcar/settings", json={"batch_cost": "request"})
    await sc_api.call("POST", f"/vehicles/{LEAF}/batch", json={"requests": requests})
    billing = await sim.control("GET", "/billing")
    assert billing["vehicles"]["nissan-leaf"]["total"] == 6


async def test_batch_cost_is_per_sub_request_by_default(scenario, sim):
    settings = await sim.control("PUT", "/smartcar/settings", json={})
    assert settings["batch_cost"] == "path"
    # Also for a scenario that does not say.
    del scenario["smartcar"]["batch_cost"]
    assert create_app(scenario)[SIM_KEY].smartcar.batch_cost == "path"


async def test_batch_sub_response_headers(sc_api):
    requests = [{"path": "/"}, {"path": "/permissions"}, {"path": "/vin"}]
    _, body, headers = await sc_api.call(
        "POST",
        f"/vehicles/{TESLA}/batch",
        json={"requests": [*requests, {"path": "/battery"}]},
        headers={"sc-unit-system": "imperial"},
    )
    responses = {r["path"]: r for r in body["responses"]}
    # Attributes and permissions carry only the request id; data the rest.
    for path in ("/", "/permissions"):
        assert responses[path]["headers"] == {"sc-request-id": headers["sc-request-id"]}
    battery = responses["/battery"]["headers"]
    assert battery["sc-request-id"] == headers["sc-request-id"]
    assert battery["sc-unit-system"] == "imperial"
    assert ISO.match(battery["sc-data-age"])
    assert ISO.match(responses["/vin"]["headers"]["sc-data-age"])


@pytest.mark.parametrize(
    "unknown",
    ["/tires", "/fly", "/battery/level", "/application", "/nissan/charge/records"],
)
async def test_batch_with_an_unknown_path_fails_whole(sc_api, sim, unknown):
    requests = [{"path": "/battery"}, {"path": unknown}]
    status, body, headers = await sc_api.call(
        "POST", f"/vehicles/{TESLA}/batch", json={"requests": requests}
    )
    assert_error(status, body, headers, 400, "VALIDATION", "PARAMETER")
    assert unknown in body["description"]
    assert "responses" not in body
    assert await billed(sim, "tesla-model-3") == 0


async def test_batch_sub_path_query(sc_api, sim):
    path = "/tesla/charge/records?startDate=2026-10-25&endDate=2026-10-31"
    _, body, _ = await sc_api.call(
        "POST",
        f"/vehicles/{TESLA}/batch",
        json={"requests": [{"path": path}, {"path": "/tesla/charge/records"}]},
    )
    narrow, wide = (r["body"]["records"] for r in body["responses"])
    # Of the three past sessions only the one three days ago is in that week.
    assert len(narrow) == 1
    assert len(wide) == 3
    # A bad query fails that sub-request alone, before the car: not billed.
    _, body, _ = await sc_api.call(
        "POST",
        f"/vehicles/{TESLA}/batch",
        json={"requests": [{"path": "/tesla/charge/records?endDate=x"}]},
    )
    assert body["responses"][0]["code"] == 400
    assert body["responses"][0]["body"]["type"] == "VALIDATION"
    assert await billed(sim, "tesla-model-3") == 2


async def test_batch_sub_requests_meet_the_quota_and_rate_limit_one_by_one(sc_api, sim):
    await sim.control("PUT", "/smartcar/settings", json={"monthly_request_limit": 1})
    requests = [{"path": "/battery"}, {"path": "/charge"}, {"path": "/permissions"}]
    status, body, headers = await sc_api.call(
        "POST", f"/vehicles/{VW}/batch", json={"requests": requests}
    )
    # The batch answers 200; the first signal is billed, the second is over
    # the quota and answers 430 BILLING on its own; permissions are free.
    assert status == 200
    codes = [r["code"] for r in body["responses"]]
    assert codes == [200, 430, 200]
    over = body["responses"][1]
    assert_error(430, over["body"], headers, 430, "BILLING", "VEHICLE_REQUEST_LIMIT")
    assert "headers" not in over
    assert await billed(sim, "vw-id4") == 1
    # Once used up, every billed sub-request answers 430, the free one 200.
    _, body, _ = await sc_api.call(
        "POST", f"/vehicles/{VW}/batch", json={"requests": requests}
    )
    assert [r["code"] for r in body["responses"]] == [430, 430, 200]
    assert await billed(sim, "vw-id4") == 1
    # Billed once per batch (the old setting), a batch over the quota is
    # one 430 for the whole request.
    await sim.control("PUT", "/smartcar/settings", json={"batch_cost": "request"})
    status, body, headers = await sc_api.call(
        "POST", f"/vehicles/{VW}/batch", json={"requests": requests}
    )
    assert_error(status, body, headers, 430, "BILLING", "VEHICLE_REQUEST_LIMIT")
    await sim.control("PUT", "/smartcar/settings", json={"batch_cost": "path"})
    await sim.control(
        "PUT",
        "/smartcar/settings",
        json={
            "monthly_request_limit": None,
            "vehicle_rate_limit": {"requests": 1, "window_seconds": 60},
        },
    )
    status, body, _ = await sc_api.call(
        "POST", f"/vehicles/{TESLA}/batch", json={"requests": requests}
    )
    assert [r["code"] for r in body["responses"]] == [200, 429, 200]
    limited = body["responses"][1]
    assert limited["body"]["type"] == "RATE_LIMIT"
    assert limited["body"]["code"] == "VEHICLE"
    assert limited["body"]["statusCode"] == 429
    # Its own Retry-After, and no other header.
    assert limited["headers"] == {"retry-after": "61"}
    assert await billed(sim, "tesla-model-3") == 1


async def test_batch_with_limited_permissions_and_sleep(sim):
    token = await smartcar_token(sim, scope="read_battery")
    api = SmartcarApi(sim, token["access_token"])
    await sim.control("PATCH", "/vehicles/vw-id4", json={"connectivity": "asleep"})
    _, body, _ = await api.call(
        "POST",
        f"/vehicles/{VW}/batch",
        json={
            "requests": [
                {"path": "/battery/capacity"},
                {"path": "/charge"},
                {"path": "/battery"},
            ]
        },
    )
    codes = [(r["code"], r["body"].get("type")) for r in body["responses"]]
    assert codes == [(200, None), (403, "PERMISSION"), (409, "VEHICLE_STATE")]
    denied = body["responses"][1]
    assert denied["body"]["code"] is None
    assert denied["body"]["statusCode"] == 403
    assert "read_charge" in denied["body"]["description"]
    assert "headers" not in denied
    assert "headers" not in body["responses"][2]
    # The permission is refused before the car: not billed. The sleeping car
    # was asked: billed (SIM CHOICE).
    assert await billed(sim, "vw-id4") == 2


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"requests": []},
        {"requests": [{"path": "battery"}]},
        {"requests": ["/x"]},
        [],
    ],
)
async def test_batch_validation(sc_api, body):
    status, err, headers = await sc_api.call(
        "POST", f"/vehicles/{TESLA}/batch", json=body
    )
    assert_error(status, err, headers, 400, "VALIDATION", "PARAMETER")


async def test_batch_settings_validation(sim):
    async with sim.http.put(
        sim.url("/_sim/smartcar/settings"), json={"batch_cost": "free"}
    ) as resp:
        assert resp.status == 400
    settings = await sim.control(
        "PUT", "/smartcar/settings", json={"vehicle_rate_limit": None}
    )
    assert settings["vehicle_rate_limit"]["requests"] is None


async def test_disconnect(sc_api):
    status, body, _ = await sc_api.call("DELETE", f"/vehicles/{VW}/application")
    assert (status, body) == (200, {"status": "success"})
    _, body, _ = await sc_api.call("GET", "/vehicles")
    assert body["vehicles"] == [TESLA, LEAF]
    status, body, headers = await sc_api.call("GET", f"/vehicles/{VW}/battery")
    assert_error(status, body, headers, 403, "PERMISSION", None)


async def test_control_lists_vehicles(sim):
    vehicles = await sim.control("GET", "/smartcar/vehicles")
    assert {
        "id": TESLA,
        "key": "tesla-model-3",
        "owner": "5c2b1a3e-4f6d-4e8a-9b0c-1d2e3f4a5b6c",
    } in vehicles
