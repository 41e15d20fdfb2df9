"""ev.energy's 2026 API (the default era): charging sessions, boost, webhooks.

Where the seed era differs (sub-session modes, the 2026-only routes, no
webhooks), the test runs both eras.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from .test_evenergy_support import KIA, KIA_KEY, PROBLEM, access, call, cc_access

SESSIONS = "/v2/charging_sessions"
SUBS = "/v2/charging_sub_sessions"
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


@pytest.fixture(params=["seed", "2026"])
def era(request, scenario):
    scenario["evenergy"]["era"] = request.param
    return request.param


@pytest.fixture
def waiting(scenario):
    """The EV6's smart schedule holds it (as before a cheap overnight slot)."""
    vehicle = scenario["evenergy"]["users"][0]["vehicles"][0]
    vehicle["smart_schedule"] = "wait"


async def status(sim, token):
    answer = await call(
        sim, "GET", f"/v2/vehicles/{KIA}?expand=latest_status_log", token
    )
    return answer.body["latest_status_log"]


async def open_session(sim, token):
    answer = await call(sim, "GET", f"{SESSIONS}?is_finished=false", token)
    assert answer.status == 200, answer.body
    assert len(answer.body) == 1
    return answer.body[0]


def path_of(url: str) -> str:
    return url.split("/evenergy", 1)[1].rstrip("/")


async def test_modes_by_era(era, sim):
    token = await access(sim)
    history = await call(sim, "GET", SUBS, token)
    modes = sorted(sub["mode"] for sub in history.body)
    home = "SMART" if era == "2026" else "UNMANAGED_HOME"
    assert modes == sorted([home, "UNMANAGED_OTG"])
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    sim.state.clock.advance(1800)
    current = await call(sim, "GET", f"{SUBS}?is_finished=false", token)
    assert [sub["mode"] for sub in current.body] == [home]
    # The default schedule lets the car charge at once, in both eras.
    assert current.body[0]["energy_delivered_watt_hours"] == 3700
    assert current.body[0]["cost_per_kilowatt_hour"] == "24.50"
    sessions = await call(sim, "GET", SESSIONS, token)
    boost = await call(
        sim, "POST", f"{SESSIONS}/cses00000000000000000000000000/boost_start", token
    )
    portal = await call(sim, "GET", "/v2/webhook_portal", token)
    if era == "seed":
        assert sessions.status == boost.status == portal.status == 404
    else:
        assert sessions.status == 200
        assert len(sessions.body) == 3  # two past plug-ins and this one
        assert boost.status == 404  # no such session
        assert portal.status == 200
        assert portal.body["url"] == sim.url("/_sim/evenergy/webhook")


async def test_charging_sessions(sim):
    token = await access(sim)
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    sim.state.clock.advance(600)
    session = await open_session(sim, token)
    assert session["start"] == "2026-11-02T07:00:00.000000Z"
    assert session["end"] is None
    assert session["vehicle"] == sim.url(f"/evenergy/v2/vehicles/{KIA}/")
    assert session["evse"] is None
    assert len(session["sub_sessions"]) == 1
    expanded = await call(
        sim, "GET", f"{path_of(session['url'])}?expand=sub_sessions", token
    )
    sub = expanded.body["sub_sessions"][0]
    assert sub["url"] == session["sub_sessions"][0]
    assert sub["mode"] == "SMART"
    assert sub["energy_delivered_watt_hours"] == round(7.4 * 1000 / 6)
    await sim.control("POST", f"/vehicles/{KIA_KEY}/unplug")
    done = await call(sim, "GET", path_of(session["url"]), token)
    assert done.body["end"] == "2026-11-02T07:10:00.000000Z"
    listed = await call(sim, "GET", f"{SESSIONS}?vehicle_id={KIA}&page_size=1", token)
    assert listed.body[0]["id"] == session["id"]  # newest first
    assert 'rel="next"' in listed.headers["Link"]
    bad = await call(sim, "GET", f"{SESSIONS}?is_finished=perhaps", token)
    assert bad.status == 400
    assert "is_finished" in bad.body["field_errors"]
    other = await access(sim, "other@example.com")
    assert (await call(sim, "GET", path_of(session["url"]), other)).status == 404


async def test_boost_charges_at_full_power_now(waiting, sim):
    token = await access(sim)
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    log = await status(sim, token)
    assert log["is_plugged_in"] is True
    assert log["is_charging"] is False  # ev.energy holds the car
    session = await open_session(sim, token)
    boost = f"{path_of(session['url'])}/boost_start"
    unboost = f"{path_of(session['url'])}/boost_end"
    not_boosting = await call(sim, "POST", unboost, token)
    assert not_boosting.status == 409
    assert not_boosting.content_type == PROBLEM
    assert not_boosting.body["detail"] == (
        "The current charging sub-session is not boosting."
    )
    sim.state.clock.advance(600)
    started = await call(sim, "POST", boost, token)
    assert started.status == 200, started.body
    assert started.body["id"] == session["id"]
    assert len(started.body["sub_sessions"]) == 2
    log = await status(sim, token)
    assert log["is_charging"] is True
    assert log["charge_rate_watts"] == 7400
    again = await call(sim, "POST", boost, token)
    assert again.status == 409
    assert again.body["detail"] == "The current charging sub-session is not boostable."
    sim.state.clock.advance(1800)
    subs = await call(sim, "GET", f"{SUBS}?vehicle_id={KIA}&is_finished=false", token)
    assert [s["mode"] for s in subs.body] == ["BOOST"]
    assert subs.body[0]["start"] == "2026-11-02T07:10:00.000000Z"
    assert subs.body[0]["energy_delivered_watt_hours"] == 3700
    assert subs.body[0]["duration_minutes"] == 30
    smart = await call(sim, "GET", f"{SUBS}?mode=SMART&is_finished=true", token)
    held = next(s for s in smart.body if s["start"] == "2026-11-02T07:00:00.000000Z")
    assert held["end"] == "2026-11-02T07:10:00.000000Z"
    assert held["energy_delivered_watt_hours"] == 0
    assert held["duration_minutes"] == 0
    ended = await call(sim, "POST", unboost, token)
    assert ended.status == 200
    assert len(ended.body["sub_sessions"]) == 3
    log = await status(sim, token)
    assert log["is_charging"] is False  # back to the schedule, which waits
    state = await sim.control("GET", f"/vehicles/{KIA_KEY}")
    assert state["soc"] == pytest.approx(0.35 + 3.7 * 0.9 / 77.4)


async def test_boost_refusals(sim):
    token = await access(sim)
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    session = await open_session(sim, token)
    boost = f"{path_of(session['url'])}/boost_start"
    # Smart charging off: 409, and the plug-in continues unmanaged.
    patched = await call(
        sim,
        "PATCH",
        f"/v2/vehicles/{KIA}",
        token,
        json={"smart_charging_enabled": False},
    )
    assert patched.status == 200
    refused = await call(sim, "POST", boost, token)
    assert refused.status == 409
    assert refused.body["type"] == (
        "https://api.ev.energy/v2/problems/smart-charging-disabled/"
    )
    assert refused.body["instance"] == session["url"]
    current = await call(sim, "GET", f"{SUBS}?is_finished=false", token)
    assert [s["mode"] for s in current.body] == ["UNMANAGED_HOME"]
    await call(
        sim,
        "PATCH",
        f"/v2/vehicles/{KIA}",
        token,
        json={"smart_charging_enabled": True},
    )
    current = await call(sim, "GET", f"{SUBS}?is_finished=false", token)
    assert [s["mode"] for s in current.body] == ["SMART"]
    # The car does not answer: 503.
    await sim.control("POST", f"/vehicles/{KIA_KEY}/sleep")
    undelivered = await call(sim, "POST", boost, token)
    assert undelivered.status == 503
    assert undelivered.body["detail"] == (
        "The command could not be delivered to the vehicle or charger."
    )
    await sim.control("POST", f"/vehicles/{KIA_KEY}/wake")
    # A token without charging_session:write: 403.
    reader = await cc_access(sim, scope="vehicle:read charging_session:read")
    forbidden = await call(
        sim,
        "POST",
        boost,
        reader,
        headers={"EvEnergy-User": "user01HVMNMT00PKFFG8BWNPQ2DN6T"},
    )
    assert forbidden.status == 403
    # Unplugged: the session is over, nothing to boost.
    await sim.control("POST", f"/vehicles/{KIA_KEY}/unplug")
    over = await call(sim, "POST", boost, token)
    assert over.status == 409
    assert over.body["title"] == "Not boostable"


async def test_schedule_switch_through_control(sim):
    token = await access(sim)
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    assert (await status(sim, token))["is_charging"] is True
    held = await sim.control(
        "PATCH", f"/evenergy/vehicles/{KIA_KEY}", json={"smart_schedule": "wait"}
    )
    assert held["held"] is True
    assert (await status(sim, token))["is_charging"] is False
    await sim.control(
        "PATCH", f"/evenergy/vehicles/{KIA_KEY}", json={"smart_schedule": "charge"}
    )
    assert (await status(sim, token))["is_charging"] is True
    async with sim.http.patch(
        sim.url(f"/_sim/evenergy/vehicles/{KIA_KEY}"), json={"smart_schedule": "soon"}
    ) as resp:
        assert resp.status == 400


async def test_sub_session_filters(era, sim):
    token = await access(sim)
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    sim.state.clock.advance(1800)

    async def ids(query: str) -> list[str]:
        answer = await call(sim, "GET", f"{SUBS}?{query}", token)
        assert answer.status == 200, answer.body
        return [sub["energy_delivered_watt_hours"] for sub in answer.body]

    assert await ids("") == [3700, 29600, 90000]
    assert await ids("start__gt=2026-10-31T00:00:00Z") == [3700, 29600]
    assert await ids("start__lt=2026-10-31T00:00:00Z") == [90000]
    assert await ids("end__gt=2026-10-31T00:00:00Z") == [29600]  # ongoing: no end
    assert await ids("end__lt=2026-10-31T00:00:00Z") == [90000]
    assert await ids("energy_delivered_watt_hours__gte=29600") == [29600, 90000]
    assert await ids("energy_delivered_watt_hours__lte=29600") == [3700, 29600]
    assert await ids("mode=UNMANAGED_OTG") == [90000]
    assert await ids("mode=BOOST") == []
    assert await ids("is_finished=false&energy_delivered_watt_hours__gte=1") == [3700]
    home = "SMART" if era == "2026" else "UNMANAGED_HOME"
    assert await ids(f"mode={home}") == [3700, 29600]
    bad = await call(
        sim,
        "GET",
        f"{SUBS}?start__gt=yesterday&energy_delivered_watt_hours__lte=lots&mode=FAST",
        token,
    )
    assert bad.status == 400
    assert set(bad.body["field_errors"]) == {
        "start__gt",
        "energy_delivered_watt_hours__lte",
        "mode",
    }


class Receiver:
    """A webhook endpoint that records deliveries and answers as told."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.event = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        self.event.set()
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status)


@pytest.fixture
async def receiver(socket_enabled):
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield found, str(server.make_url("/hook"))
    await server.close()


def expected_signature(headers: dict[str, str], body: bytes) -> str:
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{headers['svix-id']}.{headers['svix-timestamp']}.".encode() + body
    return (
        "v1,"
        + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    )


async def test_webhooks_are_signed_and_retried(sim, receiver):
    found, url = receiver
    token = await access(sim)
    registered = await sim.control(
        "PUT",
        "/evenergy/webhook",
        json={"url": url, "secret": SECRET, "retry_delays_seconds": [0.01, 0.01]},
    )
    assert registered["secret"] == SECRET
    found.statuses = [500]  # the first attempt fails, the retry succeeds
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    await sim.state.evenergy.webhooks.drain()
    assert len(found.received) == 2
    (first, raw1), (second, raw2) = found.received
    assert first["svix-id"] == second["svix-id"]  # the same message, retried
    assert raw1 == raw2
    for headers, raw in found.received:
        assert headers["svix-signature"] == expected_signature(headers, raw)
        assert abs(int(headers["svix-timestamp"]) - time.time()) < 60
        assert headers["svix-event-type"] == "charging_sub_session.created"
    body = json.loads(raw1)
    assert body["type"] == "charging_sub_session.created"
    assert body["timestamp"] == "2026-11-02T07:00:00.000000Z"
    assert body["data"]["mode"] == "SMART"
    assert body["data"]["end"] is None
    assert body["data"]["vehicle"] == sim.url(f"/evenergy/v2/vehicles/{KIA}/")
    got = await call(sim, "GET", path_of(body["data"]["url"]), token)
    assert got.body == body["data"]  # the sub-session exactly as GET returns it
    sim.state.clock.advance(1200)
    await sim.control("POST", f"/vehicles/{KIA_KEY}/unplug")
    await sim.state.evenergy.webhooks.drain()
    ended = json.loads(found.received[-1][1])
    assert ended["type"] == "charging_sub_session.ended"
    assert ended["data"]["id"] == body["data"]["id"]
    assert ended["data"]["end"] == "2026-11-02T07:20:00.000000Z"
    assert ended["data"]["energy_delivered_watt_hours"] == round(7400 / 3)
    shown = await sim.control("GET", "/evenergy/webhook")
    assert [a["status"] for a in shown["attempts"]] == [500, 200, 200]
    assert [a["attempt"] for a in shown["attempts"]] == [1, 2, 1]


async def test_boost_sends_ended_and_created(sim, receiver):
    found, url = receiver
    token = await access(sim)
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    await sim.control("PUT", "/evenergy/webhook", json={"url": url})
    session = await open_session(sim, token)
    await call(sim, "POST", f"{path_of(session['url'])}/boost_start", token)
    await sim.state.evenergy.webhooks.drain()
    events = [json.loads(raw) for _headers, raw in found.received]
    assert [(e["type"], e["data"]["mode"]) for e in events] == [
        ("charging_sub_session.ended", "SMART"),
        ("charging_sub_session.created", "BOOST"),
    ]
    shown = await sim.control("GET", "/evenergy/webhook")
    assert shown["secret"].startswith("whsec_")
    assert len(base64.b64decode(shown["secret"].removeprefix("whsec_"))) == 24
    await sim.control("DELETE", "/evenergy/webhook")
    await sim.control("POST", f"/vehicles/{KIA_KEY}/unplug")
    await sim.state.evenergy.webhooks.drain()
    assert len(found.received) == 2


async def test_no_webhooks_in_the_seed_era(scenario, receiver, sim):
    found, url = receiver
    await sim.control("PUT", "/evenergy/settings", json={"era": "seed"})
    await sim.control("PUT", "/evenergy/webhook", json={"url": url})
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    await sim.state.evenergy.webhooks.drain()
    assert found.received == []


async def test_webhook_registration_is_checked(sim):
    for body in (
        {"url": "ftp://example.com"},
        {"url": "http://example.com", "secret": "nope"},
        {"url": "http://example.com", "secret": "whsec_***"},
        {"url": "http://example.com", "retry_delays_seconds": [-1]},
    ):
        async with sim.http.put(sim.url("/_sim/evenergy/webhook"), json=body) as resp:
            assert resp.status == 400, body
    async with sim.http.get(sim.url("/_sim/evenergy/webhook")) as resp:
        assert resp.status == 404
