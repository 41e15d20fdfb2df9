"""Smartcar webhooks 4.0: VERIFY, signed deliveries, triggers, cadence, retries."""

from __future__ import annotations

import asyncio
import itertools
import socket
import uuid
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from simulator import SIM_KEY, create_app
from simulator.state import car_from_spec

from .conftest import KIA, SC_USER, START, TESLA, VW, Sim
from .smartcar_v3 import (
    AMT,
    APP_ID,
    M2M_ID,
    WEBHOOK,
    Target,
    V3Api,
    connect_v3,
    deliveries,
    hmac_hex,
    m2m_token,
    start_target,
    use_webhook,
)

SOC = "tractionbattery-stateofcharge"
OTHER_USER = "9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


@pytest.fixture
async def target(socket_enabled):
    """A loopback webhook target."""
    target = await start_target()
    yield target
    await target.server.close()


@pytest.fixture
async def v3(sim: Sim, target: Target) -> V3Api:
    """Both users connected, the demo webhook verified at the target."""
    await connect_v3(sim)
    await connect_v3(sim, user="other@example.com")
    webhook = await use_webhook(sim, target.url)
    assert webhook["verified"] is True
    return V3Api(sim, await m2m_token(sim))


async def advance(sim: Sim, seconds: float) -> dict:
    return await sim.control("POST", "/clock/advance", json={"seconds": seconds})


def soc_of(event: dict) -> float:
    return next(
        s["body"]["value"] for s in event["data"]["signals"] if s["code"] == SOC
    )


def trigger_codes(event: dict) -> list[str]:
    return [t["signal"]["code"] for t in event["triggers"]]


def at(event: dict) -> datetime:
    return datetime.fromtimestamp(event["meta"]["deliveredAt"] / 1000, UTC)


# -------------------------------------------------------------------- verify
async def test_verify_answered_right_and_wrong(sim, target):
    webhook = await use_webhook(sim, target.url, auto_enroll=False)
    assert webhook == {
        "id": WEBHOOK,
        "application_id": APP_ID,
        "url": target.url,
        "auto_enroll": False,
        "verified": True,
        "subscriptions": [],
    }
    verify = target.received[0]
    assert "SC-Signature" not in verify.headers  # VERIFY is unsigned
    assert verify.body["eventType"] == "VERIFY"
    assert len(verify.body["data"]["challenge"]) == 32
    assert verify.body["meta"]["version"] == "4.0"
    assert verify.body["meta"]["webhookId"] == WEBHOOK
    assert verify.body["meta"]["deliveredAt"] == int(START.timestamp() * 1000)
    target.behaviour = "wrong"
    webhook = await use_webhook(sim, target.url)
    assert webhook["verified"] is False
    log = await deliveries(sim, event_type="VERIFY")
    assert [entry["ok"] for entry in log["deliveries"]] == [True, False]
    # An unverified webhook is sent nothing.
    await connect_v3(sim)
    api = V3Api(sim, await m2m_token(sim))
    await api.subscribe(VW)
    assert len(target.received) == 2


# ------------------------------------------------------------------ delivery
async def test_first_delivery_signed_with_every_signal(sim, v3, target):
    await v3.subscribe(VW)
    [item] = [r for r in target.received if r.body["eventType"] != "VERIFY"]
    assert item.headers["SC-Signature"] == hmac_hex(item.raw)
    event = item.body
    assert event["eventType"] == "FIRST_DELIVERY"
    assert event["triggers"] == []
    assert event["data"]["user"] == {"id": SC_USER}
    assert event["data"]["vehicle"] == {
        "id": VW,
        "make": "VOLKSWAGEN",
        "model": "ID.4",
        "year": 2022,
        "mode": "LIVE",
    }
    meta = event["meta"]
    assert set(meta) == {
        "deliveryId",
        "deliveredAt",
        "version",
        "webhookId",
        "mode",
        "signalCount",
    }
    assert (meta["version"], meta["webhookId"], meta["mode"]) == (
        "4.0",
        WEBHOOK,
        "LIVE",
    )
    assert meta["signalCount"] == len(event["data"]["signals"]) == 22
    uuid.UUID(event["eventId"])
    uuid.UUID(meta["deliveryId"])
    assert meta["deliveredAt"] == int(START.timestamp() * 1000)
    signal = next(s for s in event["data"]["signals"] if s["code"] == SOC)
    assert signal == {
        "code": SOC,
        "name": "StateOfCharge",
        "group": "TractionBattery",
        "body": {"value": 63.0, "unit": "percent"},
        "meta": {
            "oemUpdatedAt": int(START.timestamp() * 1000),
            "retrievedAt": int(START.timestamp() * 1000),
        },
        "status": {"value": "SUCCESS"},
    }


async def test_plug_sends_vehicle_state_with_triggers(sim, v3, target):
    await v3.subscribe(VW)
    await v3.subscribe(TESLA)
    # A car that is not subscribed sends nothing.
    await sim.control("POST", "/vehicles/kia-ev6/plug")
    assert [e["data"]["vehicle"]["id"] for e in target.events("VEHICLE_STATE")] == []
    await advance(sim, 30)
    await sim.control("POST", "/vehicles/vw-id4/plug")
    [event] = target.events("VEHICLE_STATE")
    assert event["data"]["vehicle"]["id"] == VW
    assert {
        "charge-ischargingcableconnected",
        "charge-ischarging",
        "charge-detailedchargingstatus",
        "charge-voltage",
    } <= set(trigger_codes(event))
    assert all(t["type"] == "SIGNAL_UPDATED" for t in event["triggers"])
    assert event["meta"]["deliveredAt"] == int(
        (START + timedelta(seconds=30)).timestamp() * 1000
    )
    signals = {s["code"]: s["body"] for s in event["data"]["signals"]}
    assert signals["charge-ischargingcableconnected"] == {"value": True}
    assert signals["charge-detailedchargingstatus"] == {"value": "CHARGING"}
    for item in target.received[1:]:
        assert item.headers["SC-Signature"] == hmac_hex(item.raw)


async def test_soc_changes_while_charging_at_the_make_cadence(sim, v3, target):
    await sim.control("POST", "/vehicles/vw-id4/plug")
    await v3.subscribe(VW)
    answer = await advance(sim, 600)
    assert answer["deliveries"] == 3
    states = target.events("VEHICLE_STATE")
    assert [at(e) - START for e in states] == [
        timedelta(seconds=180),
        timedelta(seconds=360),
        timedelta(seconds=540),
    ]
    socs = [soc_of(e) for e in states]
    assert socs == sorted(socs)
    assert socs[0] > 63.0
    assert all(SOC in trigger_codes(e) for e in states)


async def test_charge_from_40_to_80_percent(sim, v3, target, scenario):
    await sim.control("PATCH", "/vehicles/tesla-model-3", json={"soc": 0.4})
    await v3.subscribe(TESLA)
    await advance(sim, 4 * 3600)
    states = target.events("VEHICLE_STATE")
    spec = next(
        v for v in scenario["smartcar"]["vehicles"] if v["key"] == "tesla-model-3"
    )
    twin = car_from_spec("twin", {**spec, "soc": 0.4}, START)
    assert len(states) > 150
    for event in states:
        twin.advance_to(at(event))
        assert soc_of(event) == round(twin.soc * 100, 2)
    gaps = {at(b) - at(a) for a, b in itertools.pairwise(states)}
    assert timedelta(seconds=60) in gaps
    assert max(gaps) == timedelta(seconds=60)  # Tesla: one a minute while charging
    last = states[-1]
    assert soc_of(last) == 80.0
    statuses = {s["code"]: s["body"] for s in last["data"]["signals"]}
    assert statuses["charge-detailedchargingstatus"] == {"value": "FULLY_CHARGED"}
    assert "charge-detailedchargingstatus" in trigger_codes(last)
    # Full: nothing changes any more, nothing is sent.
    count = len(target.received)
    await advance(sim, 3600)
    assert len(target.received) == count


async def test_unreachable_car_sends_vehicle_error(sim, v3, target):
    await v3.subscribe(KIA)
    await sim.control(
        "PATCH", "/vehicles/kia-ev6", json={"connectivity": "unreachable"}
    )
    [item] = [r for r in target.received if r.body["eventType"] == "VEHICLE_ERROR"]
    assert item.headers["SC-Signature"] == hmac_hex(item.raw)
    event = item.body
    assert event["data"]["user"] == {"id": OTHER_USER}
    assert event["data"]["errors"][0]["type"] == "VEHICLE_STATE"
    assert event["data"]["errors"][0]["code"] == "UNREACHABLE"
    assert event["data"]["errors"][0]["resolution"] == {"type": "RETRY_LATER"}
    assert "signals" not in event["data"]
    assert (event["triggers"], event["meta"]["signalCount"]) == ([], 0)


async def test_auto_enrollment_subscribes_newly_connected_vehicles(sim, target):
    await use_webhook(sim, target.url, auto_enroll=True)
    await connect_v3(sim)
    await deliveries(sim)
    firsts = target.events("FIRST_DELIVERY")
    assert sorted(e["data"]["vehicle"]["id"] for e in firsts) == sorted(
        [TESLA, VW, "f3b9d2e1-0a7c-4b68-8e15-6c4d2a9f7b03"]
    )
    hooks = await sim.control("GET", "/smartcar/v3/webhooks")
    assert len(hooks[0]["subscriptions"]) == 3


async def test_control_sends_an_event_on_demand(sim, v3, target):
    sent = await sim.control(
        "POST",
        f"/smartcar/v3/webhooks/{WEBHOOK}/events",
        json={"event_type": "VEHICLE_STATE", "vehicle_id": VW, "mode": "TEST"},
    )
    [attempt] = sent["deliveries"]
    assert (attempt["status"], attempt["ok"], attempt["mode"]) == (200, True, "TEST")
    event = target.events("VEHICLE_STATE")[0]
    assert event["eventId"] == sent["event_id"]
    assert event["meta"]["mode"] == "TEST"
    assert len(event["triggers"]) == event["meta"]["signalCount"] == 22


# ------------------------------------------------------------------- retries
async def _retried(sim: Sim, v3: V3Api) -> list[dict]:
    await v3.subscribe(KIA)  # unplugged: no ingestion within the next 15 min
    for step in (24, 1, 49, 1, 99, 1, 600):
        await advance(sim, step)
    log = await deliveries(sim, event_type="FIRST_DELIVERY")
    return log["deliveries"]


async def test_retries_after_25_50_100_seconds_on_500(sim, v3, target):
    target.behaviour = "500"
    attempts = await _retried(sim, v3)
    assert [a["attempt"] for a in attempts] == [1, 2, 3, 4]
    assert [a["status"] for a in attempts] == [500] * 4
    assert [a["at"] for a in attempts] == [
        "2026-11-02T07:00:00.000Z",
        "2026-11-02T07:00:25.000Z",
        "2026-11-02T07:01:15.000Z",
        "2026-11-02T07:02:55.000Z",
    ]
    assert len({a["event_id"] for a in attempts}) == 1
    assert len({a["delivery_id"] for a in attempts}) == 4
    bodies = target.events("FIRST_DELIVERY")
    assert len({b["eventId"] for b in bodies}) == 1
    assert [
        b["meta"]["deliveredAt"] - bodies[0]["meta"]["deliveredAt"] for b in bodies
    ] == [
        0,
        25000,
        75000,
        175000,
    ]
    for item in target.received[1:]:
        assert item.headers["SC-Signature"] == hmac_hex(item.raw)


async def test_a_retry_that_succeeds_ends_the_retries(sim, v3, target):
    target.behaviour = "500"
    await v3.subscribe(KIA)
    target.behaviour = "ok"
    await advance(sim, 600)
    log = await deliveries(sim, event_type="FIRST_DELIVERY")
    assert [(a["attempt"], a["status"]) for a in log["deliveries"]] == [
        (1, 500),
        (2, 200),
    ]


async def test_retries_when_the_target_is_down(sim, v3):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    # A target that was verified, then went down.
    sim.state.smartcar.v3.apps[APP_ID].webhooks[
        WEBHOOK
    ].url = f"http://127.0.0.1:{port}/hook"
    attempts = await _retried(sim, v3)
    assert [a["attempt"] for a in attempts] == [1, 2, 3, 4]
    assert all(a["status"] is None and a["error"] for a in attempts)
    assert all(a["ok"] is False for a in attempts)


async def test_a_slow_target_times_out(sim, v3, target):
    await sim.control(
        "PUT", "/smartcar/v3/settings", json={"webhook_timeout_seconds": 0.2}
    )
    target.behaviour = "slow"
    target.slow_seconds = 1.0
    await v3.subscribe(KIA)
    log = await deliveries(sim, event_type="FIRST_DELIVERY")
    [attempt] = log["deliveries"]
    assert attempt["status"] is None
    assert "Timeout" in attempt["error"]
    target.behaviour = "ok"
    await advance(sim, 25)
    log = await deliveries(sim, event_type="FIRST_DELIVERY")
    assert [(a["attempt"], a["ok"]) for a in log["deliveries"]] == [
        (1, False),
        (2, True),
    ]


async def test_delivery_log_filters_and_counts(sim, v3, target):
    await v3.subscribe(VW)
    await v3.subscribe(KIA)
    await sim.control("POST", "/vehicles/vw-id4/plug")
    log = await deliveries(sim)
    assert log["counts"] == {"VERIFY": 1, "FIRST_DELIVERY": 2, "VEHICLE_STATE": 1}
    assert log["count"] == 4 == len(target.received)
    only_vw = await deliveries(sim, vehicle_id=VW)
    assert only_vw["counts"] == {"FIRST_DELIVERY": 1, "VEHICLE_STATE": 1}
    failed = await deliveries(sim, ok="false")
    assert failed["count"] == 0
    await sim.control("DELETE", "/smartcar/v3/deliveries")
    assert (await deliveries(sim))["count"] == 0


async def test_a_running_clock_delivers_without_control_calls(scenario, target):
    """With time_scale > 0 (the demo) a background task ingests and delivers."""
    app = create_app(scenario, start=START, time_scale=120)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            running = Sim(server=server, state=app[SIM_KEY], http=http)
            await connect_v3(running)
            await use_webhook(running, target.url)
            api = V3Api(running, await m2m_token(running))
            await api.subscribe(TESLA)  # charging: one a minute, 2 s real
            for _ in range(40):
                if target.events("VEHICLE_STATE"):
                    break
                await asyncio.sleep(0.1)
            states = target.events("VEHICLE_STATE")
            assert states
            assert SOC in trigger_codes(states[0])
    finally:
        await server.close()


async def test_the_dashboard_page_sets_a_webhook_url(sim, target):
    async with sim.http.get(sim.url("/_sim/smartcar/dashboard")) as resp:
        assert resp.status == 200
        page = await resp.text()
    assert APP_ID in page
    assert M2M_ID in page
    assert AMT in page
    assert "not verified" in page
    form = {
        "application_id": APP_ID,
        "id": WEBHOOK,
        "url": target.url,
        "auto_enroll": "on",
    }
    async with sim.http.post(
        sim.url("/_sim/smartcar/dashboard"), data=form, allow_redirects=False
    ) as resp:
        assert resp.status == 303
    webhooks = await sim.control("GET", "/smartcar/v3/webhooks")
    hook = next(w for w in webhooks if w["id"] == WEBHOOK)
    assert hook["verified"] is True
    assert hook["auto_enroll"] is True
    assert hook["url"] == target.url
    bad = {"application_id": APP_ID, "id": WEBHOOK, "url": "ftp://x"}
    async with sim.http.post(sim.url("/_sim/smartcar/dashboard"), data=bad) as resp:
        assert resp.status == 400
