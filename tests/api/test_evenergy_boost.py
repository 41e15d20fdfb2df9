"""EvEnergyClient's 2026 surface against the simulator: sessions, boost, webhooks."""

from __future__ import annotations

import base64
import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from custom_components.ev_battery.api import (
    EVInvalidResponseError,
    EVNotFoundError,
    EVVehicleStateError,
    EVWebhookSignatureError,
    SubSessionMode,
    svix,
)

KIA = "vhcl01JHKM51007XDJCD5HJG6PK4GW"
KIA_KEY = "ee-kia-ev6"
SECRET = "whsec_" + base64.b64encode(b"k" * 24).decode()


@pytest.fixture
def waiting(scenario):
    scenario["evenergy"]["users"][0]["vehicles"][0]["smart_schedule"] = "wait"


async def test_boost_round_trip(waiting, evenergy, sim):
    assert await evenergy.get_current_charging_session(KIA) is None
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    session = await evenergy.get_current_charging_session(KIA)
    assert session is not None
    assert session.boostable is True
    assert session.boosting is False
    assert session.current.mode == SubSessionMode.SMART
    assert (await evenergy.get_vehicle(KIA)).status.is_charging is False
    with pytest.raises(EVVehicleStateError) as err:
        await evenergy.boost_end(session.id)
    assert err.value.code == "NOT_BOOSTING"
    assert err.value.status == 409
    await sim.control("POST", "/clock/advance", json={"seconds": 600})
    boosted = await evenergy.boost_start(session.id)
    assert boosted.boosting is True
    assert [s.mode for s in boosted.sub_sessions] == ["BOOST", "SMART"]
    vehicle = await evenergy.get_vehicle(KIA)
    assert vehicle.status.is_charging is True
    assert vehicle.status.charge_rate_watts == 7400
    with pytest.raises(EVVehicleStateError) as err:
        await evenergy.boost_start(session.id)
    assert err.value.code == "NOT_BOOSTABLE"
    await sim.control("POST", "/clock/advance", json={"seconds": 1800})
    ended = await evenergy.boost_end(session.id)
    assert ended.boostable is True
    assert ended.sub_sessions[1].energy_delivered_watt_hours == 3700
    assert (await evenergy.get_vehicle(KIA)).status.is_charging is False
    # The sub-session list filters by start on the server (start__gt).
    since = ended.sub_sessions[1].start
    recent = await evenergy.get_charging_sub_sessions(KIA, since=since)
    assert [s.mode for s in recent] == ["SMART", "BOOST"]
    assert recent[1].cost_per_kilowatt_hour == "24.50"
    finished = await evenergy.get_charging_sessions(KIA, is_finished=True)
    assert len(finished) == 2  # the scenario's two past plug-ins


async def test_boost_refusals_have_codes(evenergy, sim):
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    session = await evenergy.get_current_charging_session(KIA)
    await evenergy._object(
        "PATCH",
        evenergy.url(f"/vehicles/{KIA}"),
        type(await evenergy.get_vehicle(KIA)),
        json={"smart_charging_enabled": False},
    )
    with pytest.raises(EVVehicleStateError) as err:
        await evenergy.boost_start(session.id)
    assert err.value.code == "SMART_CHARGING_DISABLED"
    assert (await evenergy.get_vehicle(KIA)).smart_charging_enabled is False
    await sim.control("POST", f"/vehicles/{KIA_KEY}/sleep")
    await evenergy._object(
        "PATCH",
        evenergy.url(f"/vehicles/{KIA}"),
        type(await evenergy.get_vehicle(KIA)),
        json={"smart_charging_enabled": True},
    )
    with pytest.raises(EVVehicleStateError) as err:
        await evenergy.boost_start(session.id)
    assert err.value.code == "COMMAND_NOT_DELIVERED"
    assert err.value.status == 503
    with pytest.raises(EVNotFoundError):
        await evenergy.boost_start("cses00000000000000000000000000")


async def test_seed_era_has_no_sessions(scenario, evenergy, sim):
    await sim.control("PUT", "/evenergy/settings", json={"era": "seed"})
    with pytest.raises(EVNotFoundError):
        await evenergy.get_charging_sessions(KIA)
    with pytest.raises(EVNotFoundError):
        await evenergy.get_webhook_portal_url()


async def test_webhook_portal(evenergy, sim):
    assert await evenergy.get_webhook_portal_url() == sim.url("/_sim/evenergy/webhook")


def test_signature_checks():
    body = b'{"type":"charging_sub_session.created"}'
    now = 1_800_000_000
    headers = {
        "svix-id": "msg_1",
        "svix-timestamp": str(now),
        "svix-signature": "v1,bm90IGl0 " + svix.sign(SECRET, "msg_1", now, body),
    }
    assert svix.verify(SECRET, headers, body, now=now + 299) == "msg_1"
    v2 = "v2," + svix.sign(SECRET, "msg_1", now, body).removeprefix("v1,")
    upper = {name.upper(): value for name, value in headers.items()}
    assert svix.verify(SECRET, upper, body, now=now) == "msg_1"
    forged = [
        (headers, body + b" ", now),  # the body changed
        ({**headers, "svix-id": "msg_2"}, body, now),  # another message's signature
        ({**headers, "svix-timestamp": str(now + 1)}, body, now),  # a new timestamp
        (headers, body, now + 301),  # too old
        (headers, body, now - 301),  # from the future
        (
            {**headers, "svix-signature": v2},  # an unknown version
            body,
            now,
        ),
        ({"svix-id": "msg_1", "svix-timestamp": str(now)}, body, now),
        ({**headers, "svix-timestamp": "soon"}, body, now),
    ]
    for sent, raw, at in forged:
        with pytest.raises(EVWebhookSignatureError):
            svix.verify(SECRET, sent, raw, now=at)
    other = "whsec_" + base64.b64encode(b"x" * 24).decode()
    with pytest.raises(EVWebhookSignatureError):
        svix.verify(other, headers, body, now=now)
    with pytest.raises(EVWebhookSignatureError):
        svix.verify("whsec_***", headers, body, now=now)


def test_parse_event_is_strict():
    with pytest.raises(EVInvalidResponseError):
        svix.parse_event(b"not json")
    with pytest.raises(EVInvalidResponseError):
        svix.parse_event(b'{"type": "x"}')


async def test_simulator_deliveries_verify(sim, socket_enabled):
    received: list[tuple[dict[str, str], bytes]] = []

    async def handle(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        await sim.control(
            "PUT",
            "/evenergy/webhook",
            json={"url": str(server.make_url("/hook")), "secret": SECRET},
        )
        await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
        await sim.control("POST", "/clock/advance", json={"seconds": 600})
        await sim.control("POST", f"/vehicles/{KIA_KEY}/unplug")
        await sim.state.evenergy.webhooks.drain()
    finally:
        await server.close()
    events = []
    for headers, raw in received:
        message_id = svix.verify(SECRET, headers, raw, now=time.time())
        assert message_id == headers["svix-id"]
        events.append(svix.parse_event(raw))
    assert [e.type for e in events] == [
        svix.EVENT_SUB_SESSION_CREATED,
        svix.EVENT_SUB_SESSION_ENDED,
    ]
    assert events[0].data.id == events[1].data.id
    assert events[1].data.vehicle.rstrip("/").endswith(KIA)
    assert events[1].data.energy_delivered_watt_hours == round(7400 / 6)
