"""Fault injection and the control API."""

import asyncio
import json

import aiohttp
import pytest

from simulator.faults import Fault, FaultSpecError
from simulator.state import car_changes, car_from_spec, load_scenario

from .conftest import START, TESLA, VW

BATTERY = f"/vehicles/{VW}/battery"


async def add_fault(sim, **spec):
    return await sim.control("POST", "/faults", json=spec)


async def test_error_fault_speaks_smartcar(sc_api, sim):
    await add_fault(
        sim,
        path="/battery$",
        kind="error",
        error="RATE_LIMIT",
        code="SMARTCAR_API",
        retry_after=30,
        count=2,
    )
    for _ in range(2):
        status, body, headers = await sc_api.call("GET", BATTERY)
        assert status == 429
        assert body["type"] == "RATE_LIMIT"
        assert body["code"] == "SMARTCAR_API"
        assert headers["Retry-After"] == "30"
    assert (await sc_api.call("GET", BATTERY))[0] == 200
    assert await sim.control("GET", "/faults") == []


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        ("UPSTREAM", "NO_RESPONSE", 502),
        ("SERVER", "INTERNAL", 500),
        ("BILLING", "ACCOUNT_SUSPENDED", 430),
        ("CONNECTED_SERVICES_ACCOUNT", "ACCOUNT_ISSUE", 400),
        ("PERMISSION", None, 403),
        ("AUTHENTICATION", None, 401),
    ],
)
async def test_every_error_type_can_be_injected(sc_api, sim, error, code, status):
    await add_fault(sim, path="/battery$", error=error, code=code, count=1)
    got, body, headers = await sc_api.call("GET", BATTERY)
    assert got == status
    assert (body["type"], body["code"], body["statusCode"]) == (error, code, status)
    assert body["requestId"] == headers["sc-request-id"]


async def test_injected_faults_are_not_billed(sc_api, sim):
    await add_fault(sim, path="/battery$", error="SERVER", code="INTERNAL", count=1)
    await sc_api.call("GET", BATTERY)
    await add_fault(sim, path="/battery$", error="BILLING", count=1)
    await sc_api.call("GET", BATTERY)
    await add_fault(sim, path="/battery$", kind="non_json", count=1)
    await raw(sim, sc_api)
    await add_fault(sim, path="/battery$", kind="html_502", count=1)
    await raw(sim, sc_api)
    await add_fault(sim, path="/batch$", error="UPSTREAM", code="NO_RESPONSE", count=1)
    status, _, _ = await sc_api.call(
        "POST",
        f"/vehicles/{VW}/batch",
        json={"requests": [{"path": "/battery"}, {"path": "/charge"}]},
    )
    assert status == 502
    billing = await sim.control("GET", "/billing")
    assert billing["vehicles"]["vw-id4"]["total"] == 0


async def test_delayed_and_truncated_answers_were_served_and_billed(sc_api, sim):
    # SIM CHOICE: these happen on the way back; Smartcar served the request.
    await add_fault(sim, path="/battery$", kind="truncated", count=1)
    await raw(sim, sc_api)
    await add_fault(sim, path="/battery$", kind="delay", seconds=0.01, count=1)
    assert (await sc_api.call("GET", BATTERY))[0] == 200
    billing = await sim.control("GET", "/billing")
    assert billing["vehicles"]["vw-id4"]["total"] == 2


async def test_method_filter(sc_api, sim):
    await add_fault(sim, path="/charge$", method="post", error="SERVER", count=1)
    assert (await sc_api.call("GET", f"/vehicles/{TESLA}/charge"))[0] == 200
    status, _, _ = await sc_api.call(
        "POST", f"/vehicles/{TESLA}/charge", json={"action": "STOP"}
    )
    assert status == 500


async def test_delay_beyond_client_timeout(sc_api, sim):
    await add_fault(sim, path="/battery$", kind="delay", seconds=0.5, count=1)
    with pytest.raises(TimeoutError):
        async with sim.http.get(
            sim.url(f"/smartcar/api/v2.0{BATTERY}"),
            headers={"Authorization": f"Bearer {sc_api.access_token}"},
            timeout=aiohttp.ClientTimeout(total=0.1),
        ) as resp:
            await resp.read()
    await asyncio.sleep(0.5)
    await add_fault(sim, path="/battery$", kind="delay", seconds=0.01, count=1)
    assert (await sc_api.call("GET", BATTERY))[0] == 200


async def raw(sim, sc_api, path=BATTERY):
    async with sim.http.get(
        sim.url(f"/smartcar/api/v2.0{path}"),
        headers={"Authorization": f"Bearer {sc_api.access_token}"},
    ) as resp:
        return resp.status, resp.content_type, await resp.read()


async def test_truncated_non_json_and_html(sc_api, sim):
    await add_fault(sim, path="/battery$", kind="truncated", count=1)
    status, content_type, body = await raw(sim, sc_api)
    assert (status, content_type) == (200, "application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    await add_fault(sim, path="/battery$", kind="non_json", count=1)
    status, content_type, body = await raw(sim, sc_api)
    assert (status, content_type) == (200, "text/plain")
    await add_fault(sim, path="/battery$", kind="html_502", count=1)
    status, content_type, body = await raw(sim, sc_api)
    assert (status, content_type) == (502, "text/html")
    assert b"502 Bad Gateway" in body


async def test_truncating_a_streamed_answer_passes_it_through(sim):
    # The control API is exempt; a redirect (no body) passes through unchanged.
    await sim.control("PUT", "/config", json={"auto_approve": "driver@example.com"})
    await add_fault(sim, path="/oauth/authorize", kind="truncated", count=1)
    async with sim.http.get(
        sim.url("/smartcar/connect/oauth/authorize"),
        params={
            "client_id": "sc-demo-client-id",
            "redirect_uri": "https://x/cb",
            "scope": "read_battery",
            "response_type": "code",
        },
        allow_redirects=False,
    ) as resp:
        assert resp.status == 302


async def test_disconnect(sc_api, sim):
    # aiohttp retries a GET once when a reused connection drops, so drop twice.
    await add_fault(sim, path="/battery$", kind="disconnect", count=2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await raw(sim, sc_api)


async def test_fraction_is_reproducible(sc_api, sim):
    await add_fault(sim, path="/battery$", error="SERVER", fraction=0.5)
    statuses = [(await sc_api.call("GET", BATTERY))[0] for _ in range(20)]
    assert 0 < statuses.count(500) < 20
    faults = await sim.control("GET", "/faults")
    assert faults[0]["hits"] == statuses.count(500)
    await sim.control("DELETE", "/faults")
    assert await sim.control("GET", "/faults") == []


async def test_oauth_and_connect_faults(sim):
    await add_fault(sim, path="/oauth/token", error="server_error", status=503, count=1)
    async with sim.http.post(sim.url("/smartcar/auth/oauth/token"), data={}) as resp:
        assert resp.status == 503
        assert (await resp.json())["error"] == "server_error"
    await add_fault(sim, path="/connect/", status=500, count=1)
    async with sim.http.get(sim.url("/smartcar/connect/oauth/authorize")) as resp:
        assert resp.status == 500
        assert resp.content_type == "text/html"


def test_fault_for_an_unknown_prefix_uses_a_plain_body():
    spec = Fault.from_spec(1, {"status": 500})
    assert spec.to_json()["status"] == 500


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "meteor"},
        {"path": "(", "status": 500},
        {"count": 0, "status": 500},
        {"fraction": 2, "status": 500},
        {"kind": "error"},
    ],
)
async def test_bad_fault_specs(sim, spec):
    with pytest.raises(FaultSpecError):
        Fault.from_spec(1, spec)
    async with sim.http.post(sim.url("/_sim/faults"), json=spec) as resp:
        assert resp.status == 400
        assert "error" in await resp.json()


async def test_control_state_clock_and_config(sim):
    state = await sim.control("GET", "/state")
    assert state["time"] == "2026-11-02T07:00:00.000Z"
    assert set(state["vehicles"]) >= {
        "tesla-model-3",
        "vw-id4",
        "nissan-leaf",
        "kia-ev6",
    }
    assert state["vehicles"]["tesla-model-3"]["state"] == "CHARGING"
    moved = await sim.control("POST", "/clock/advance", json={"seconds": 90})
    assert moved["time"] == "2026-11-02T07:01:30.000Z"
    scaled = await sim.control("PUT", "/clock", json={"time_scale": 0})
    assert scaled["time_scale"] == 0
    config = await sim.control("PUT", "/config", json={"auto_approve": "x"})
    assert config == {"auto_approve": "x"}
    for method, path, body in (
        ("POST", "/clock/advance", {"seconds": -1}),
        ("POST", "/clock/advance", {}),
        ("PUT", "/clock", {"time_scale": "fast"}),
        ("PUT", "/config", {"auto_approve": 5}),
        ("PATCH", "/vehicles/vw-id4", {"soc": 2}),
        ("PATCH", "/vehicles/vw-id4", {"plugged_in": "yes"}),
        ("PATCH", "/vehicles/vw-id4", {"capacity_kwh": 0}),
        ("POST", "/vehicles/vw-id4/drive", {"km": -5}),
    ):
        async with sim.http.request(method, sim.url(f"/_sim{path}"), json=body) as resp:
            assert resp.status == 400, (path, body)
    for payload in (b"{", b"[1]"):
        async with sim.http.post(
            sim.url("/_sim/clock/advance"),
            data=payload,
            headers={"Content-Type": "application/json"},
        ) as resp:
            assert resp.status == 400


async def test_control_vehicle_actions(sim):
    async with sim.http.get(sim.url("/_sim/vehicles/nope")) as resp:
        assert resp.status == 404
    async with sim.http.post(sim.url("/_sim/vehicles/vw-id4/fly")) as resp:
        assert resp.status == 404
    await sim.control("POST", "/vehicles/vw-id4/plug")
    async with sim.http.post(
        sim.url("/_sim/vehicles/vw-id4/drive"), json={"km": 5}
    ) as resp:
        assert resp.status == 409
    state = await sim.control("POST", "/vehicles/vw-id4/sleep")
    assert state["connectivity"] == "asleep"
    state = await sim.control("POST", "/vehicles/vw-id4/wake")
    assert state["connectivity"] == "online"
    state = await sim.control(
        "PATCH",
        "/vehicles/vw-id4",
        json={"location_kind": "supercharger", "charger_power_kw": 150, "ignored": 1},
    )
    assert state["location_kind"] == "supercharger"
    assert state["power_kw"] == 150


async def test_billing_reset(sc_api, sim):
    await sc_api.call("GET", BATTERY)
    assert (await sim.control("GET", "/billing"))["vehicles"]["vw-id4"]["total"] == 1
    await sim.control("DELETE", "/billing")
    assert (await sim.control("GET", "/billing"))["vehicles"]["vw-id4"]["total"] == 0


def test_scenario_validation():
    with pytest.raises(ValueError, match="needs 'vin'"):
        car_from_spec(
            "x", {"make": "A", "model": "B", "year": 1, "capacity_kwh": 1}, START
        )
    with pytest.raises(ValueError, match="fraction"):
        car_changes({"charge_limit": 1.5})
    asleep = car_from_spec(
        "x",
        {
            "make": "A",
            "model": "B",
            "year": 1,
            "vin": "V",
            "capacity_kwh": 50,
            "connectivity": "asleep",
        },
        START,
    )
    assert asleep.frozen is not None
    assert load_scenario()["smartcar"]["vehicles"][0]["make"] == "TESLA"
