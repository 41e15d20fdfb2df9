"""Smartcar webhooks: verification, subscription, signed deliveries."""

import hashlib
import hmac
import json
import re

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from simulator import SIM_KEY, create_app

from .conftest import SC_MANAGEMENT_TOKEN, TESLA, VW


def hmac_hex(message: bytes | str) -> str:
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(SC_MANAGEMENT_TOKEN.encode(), data, hashlib.sha256).hexdigest()


@pytest.fixture
async def receiver(socket_enabled):
    """A webhook endpoint that answers the challenge and records events."""
    received = []
    behaviour = {"answer": "right"}

    async def handler(request: web.Request) -> web.Response:
        raw = await request.read()
        received.append((dict(request.headers), raw))
        body = json.loads(raw)
        if body["eventName"] == "verify":
            challenge = body["payload"]["challenge"]
            answer = hmac_hex(challenge) if behaviour["answer"] == "right" else "nope"
            return web.json_response({"challenge": answer})
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server, received, behaviour
    await server.close()


ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


async def test_verify_subscribe_deliver_unsubscribe(sim, sc_api, receiver):
    server, received, _ = receiver
    webhook = await sim.control(
        "POST",
        "/smartcar/webhooks",
        json={"url": str(server.make_url("/hook")), "id": "wh1"},
    )
    assert webhook["verified"] is True
    headers, raw = received[0]
    assert json.loads(raw)["eventName"] == "verify"
    assert headers["SC-Signature"] == hmac_hex(raw)

    status, body, _ = await sc_api.call("POST", f"/vehicles/{VW}/webhooks/wh1")
    assert (status, body) == (200, {"webhookId": "wh1", "vehicleId": VW})

    await sim.control("POST", "/vehicles/vw-id4/plug")
    hooks = await sim.control("GET", "/smartcar/webhooks")
    events = [d["event"] for d in hooks[0]["deliveries"]]
    # Smartcar's legacy (v2) events: charging started, stopped, completed;
    # plugging in alone sends none.
    assert events == ["verify", "CHARGING_STARTED"]
    headers, raw = received[-1]
    assert headers["SC-Signature"] == hmac_hex(raw)
    event = json.loads(raw)
    assert event["eventName"] == "eventBased"
    assert event["webhookId"] == "wh1"
    assert event["version"] == "2.0"
    payload = event["payload"]
    assert payload["vehicleId"] == VW
    assert payload["eventType"] == "CHARGING_STARTED"
    assert ISO.match(payload["eventTime"])
    assert len(payload["eventId"]) == 36
    await sim.control("POST", "/vehicles/vw-id4/unplug")
    hooks = await sim.control("GET", "/smartcar/webhooks")
    assert [d["event"] for d in hooks[0]["deliveries"]][-1] == "CHARGING_STOPPED"

    # A vehicle that is not subscribed sends nothing.
    count = len(received)
    await sim.control("POST", "/vehicles/tesla-model-3/unplug")
    await sim.control("GET", "/smartcar/webhooks")
    assert len(received) == count

    delivered = await sim.control(
        "POST", "/smartcar/webhooks/wh1/deliver", json={"vehicle_id": VW}
    )
    assert delivered == {"status": 200}
    assert json.loads(received[-1][1])["payload"]["eventType"] == "CHARGING_STARTED"

    async with sim.http.delete(
        sim.url(f"/smartcar/api/v2.0/vehicles/{VW}/webhooks/wh1"),
        headers={"Authorization": f"Bearer {sc_api.access_token}"},
    ) as resp:
        assert resp.status == 401
        assert (await resp.json())["type"] == "AUTHENTICATION"
    mgmt = {"Authorization": f"Bearer {SC_MANAGEMENT_TOKEN}"}
    async with sim.http.delete(
        sim.url(f"/smartcar/api/v2.0/vehicles/{VW}/webhooks/wh1"), headers=mgmt
    ) as resp:
        assert (resp.status, await resp.json()) == (200, {"status": "success"})
    async with sim.http.delete(
        sim.url(f"/smartcar/api/v2.0/vehicles/{VW}/webhooks/wh1"), headers=mgmt
    ) as resp:
        assert resp.status == 404
    async with sim.http.delete(
        sim.url("/smartcar/api/v2.0/cars/x/webhooks/wh1"), headers=mgmt
    ) as resp:
        assert resp.status == 404


async def test_wrong_challenge_answer_leaves_it_unverified(sim, sc_api, receiver):
    server, received, behaviour = receiver
    behaviour["answer"] = "wrong"
    webhook = await sim.control(
        "POST", "/smartcar/webhooks", json={"url": str(server.make_url("/hook"))}
    )
    assert webhook["verified"] is False
    await sc_api.call("POST", f"/vehicles/{VW}/webhooks/{webhook['id']}")
    await sim.control("POST", "/vehicles/vw-id4/plug")
    await sim.control("GET", "/smartcar/webhooks")
    assert len(received) == 1  # only the challenge


async def test_unreachable_webhook_and_errors(sim, sc_api):
    webhook = await sim.control(
        "POST", "/smartcar/webhooks", json={"url": "http://127.0.0.1:9/none"}
    )
    assert webhook["verified"] is False
    assert webhook["deliveries"][0]["error"]
    status, body, _ = await sc_api.call("POST", f"/vehicles/{TESLA}/webhooks/unknown")
    assert (status, body["type"]) == (404, "RESOURCE_NOT_FOUND")
    async with sim.http.post(sim.url("/_sim/smartcar/webhooks"), json={}) as resp:
        assert resp.status == 400
    async with sim.http.post(
        sim.url("/_sim/smartcar/webhooks/nope/deliver"), json={"vehicle_id": VW}
    ) as resp:
        assert resp.status == 404


def test_scenario_webhooks(scenario):
    scenario["smartcar"]["applications"][0]["webhooks"] = [
        {"id": "preset", "url": "http://127.0.0.1:9/x"}
    ]
    webhooks = create_app(scenario)[SIM_KEY].smartcar.webhooks
    assert webhooks["preset"].verified is False
    assert webhooks["preset"].management_token == SC_MANAGEMENT_TOKEN


async def test_non_json_challenge_answer(sim):
    app = web.Application()

    async def text(_request):
        return web.Response(text="ok")

    app.router.add_post("/t", text)
    plain = TestServer(app, host="127.0.0.1")
    await plain.start_server()
    webhook = await sim.control(
        "POST", "/smartcar/webhooks", json={"url": str(plain.make_url("/t"))}
    )
    await plain.close()
    assert webhook["verified"] is False
    assert webhook["deliveries"][0]["status"] == 200


async def test_events_have_the_legacy_shape_and_nothing_else(sim, sc_api, receiver):
    server, received, _ = receiver
    await sim.control(
        "POST",
        "/smartcar/webhooks",
        json={"url": str(server.make_url("/hook")), "id": "wh2"},
    )
    await sc_api.call("POST", f"/vehicles/{VW}/webhooks/wh2")
    await sim.control("POST", "/vehicles/vw-id4/plug")
    # The ID.4 charges from 63 % to its 80 % limit: charging completes.
    await sim.control("POST", "/clock/advance", json={"seconds": 6 * 3600})
    hooks = await sim.control("GET", "/smartcar/webhooks")
    deliveries = next(h for h in hooks if h["id"] == "wh2")["deliveries"]
    assert [d["event"] for d in deliveries] == [
        "verify",
        "CHARGING_STARTED",
        "CHARGING_COMPLETED",
    ]
    events = [json.loads(raw) for _, raw in received[1:]]
    for (headers, raw), event in zip(received[1:], events, strict=True):
        assert headers["SC-Signature"] == hmac_hex(raw)
        assert set(event) == {"eventName", "version", "webhookId", "payload"}
        assert (event["eventName"], event["version"]) == ("eventBased", "2.0")
        assert set(event["payload"]) == {
            "eventId",
            "vehicleId",
            "eventType",
            "eventTime",
        }
    started, completed = (event["payload"] for event in events)
    assert started["eventTime"] == "2026-11-02T07:00:00.000Z"
    assert completed["eventType"] == "CHARGING_COMPLETED"
    assert completed["eventTime"] > started["eventTime"]
    assert started["eventId"] != completed["eventId"]


async def test_control_deliver_takes_only_legacy_event_types(sim, sc_api, receiver):
    server, received, _ = receiver
    await sim.control(
        "POST",
        "/smartcar/webhooks",
        json={"url": str(server.make_url("/hook")), "id": "wh3"},
    )
    for event_type in ("CHARGING_STOPPED", "CHARGING_COMPLETED"):
        delivered = await sim.control(
            "POST",
            "/smartcar/webhooks/wh3/deliver",
            json={"vehicle_id": TESLA, "event": event_type},
        )
        assert delivered == {"status": 200}
        assert json.loads(received[-1][1])["payload"]["eventType"] == event_type
    async with sim.http.post(
        sim.url("/_sim/smartcar/webhooks/wh3/deliver"),
        json={"vehicle_id": TESLA, "event": "PLUGGED_IN"},
    ) as resp:
        assert resp.status == 400
    assert len(received) == 3
