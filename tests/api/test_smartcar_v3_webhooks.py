"""Smartcar v3 webhook payloads and signatures (no network)."""

import hashlib
import hmac
from datetime import UTC, datetime

import orjson
import pytest

from custom_components.ev_battery.api import (
    SIGNATURE_HEADER,
    EVInvalidResponseError,
    Reading,
    SignalCode,
    SignalError,
    UnknownEvent,
    V3Vehicle,
    VehicleErrorEvent,
    VehicleStateEvent,
    VerifyEvent,
    challenge_response,
    parse_webhook,
    verify_signature,
)

AMT = "sc-demo-management-token"
T0 = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)


def body(payload):
    return orjson.dumps(payload)


def vehicle_state(event_type="VEHICLE_STATE", **overrides):
    payload = {
        "eventId": "evt_1",
        "eventType": event_type,
        "data": {
            "user": {"id": "user-1"},
            "vehicle": {
                "id": "veh-1",
                "make": "TESLA",
                "model": "Model 3",
                "year": 2023,
                "mode": "LIVE",
            },
            "signals": [
                {
                    "code": "tractionbattery-stateofcharge",
                    "name": "StateOfCharge",
                    "group": "TractionBattery",
                    "body": {"value": 64, "unit": "percent"},
                    "meta": {"oemUpdatedAt": T0_MS, "retrievedAt": T0_MS},
                    "status": {"value": "SUCCESS"},
                },
                {
                    "code": "charge-ischarging",
                    "body": {"value": True},
                    "meta": {"oemUpdatedAt": "2026-11-02T07:00:00Z"},
                    "status": {"value": "SUCCESS"},
                },
                {"name": "no code"},
            ],
        },
        "triggers": [
            {
                "type": "SIGNAL_UPDATED",
                "signal": {"code": "tractionbattery-stateofcharge"},
            },
            {"code": "charge-ischarging"},
            {"type": "SIGNAL_UPDATED"},
            "junk",
        ],
        "meta": {
            "deliveryId": "del_1",
            "deliveredAt": T0_MS,
            "version": "4.0",
            "webhookId": "wh_1",
            "mode": "LIVE",
            "signalCount": 2,
        },
    }
    payload.update(overrides)
    return payload


def test_signature_and_challenge():
    expected = hmac.new(AMT.encode(), b"abc", hashlib.sha256).hexdigest()
    assert challenge_response(AMT, "abc") == {"challenge": expected}
    raw = body(vehicle_state())
    signature = hmac.new(AMT.encode(), raw, hashlib.sha256).hexdigest()
    assert SIGNATURE_HEADER == "SC-Signature"
    assert verify_signature(AMT, raw, signature)
    assert verify_signature(AMT, raw, f" {signature.upper()} ")
    assert not verify_signature(AMT, raw + b" ", signature)
    assert not verify_signature(AMT, raw, "")
    assert not verify_signature(AMT, raw, None)
    assert not verify_signature("other", raw, signature)


def test_signature_compare_is_constant_time(monkeypatch):
    calls = []
    original = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert not verify_signature(AMT, b"{}", "00")
    assert len(calls) == 1


@pytest.mark.parametrize(
    "payload",
    [
        {
            "eventId": "e",
            "eventType": "VERIFY",
            "data": {"challenge": "c0ffee"},
            "meta": {"webhookId": "wh", "version": "4.0", "deliveredAt": T0_MS},
        },
        {"eventType": "VERIFY", "challenge": "c0ffee"},
        {"eventType": "verify", "payload": {"challenge": "c0ffee"}},
        {"version": "2.0", "eventName": "verify", "payload": {"challenge": "c0ffee"}},
        {"eventType": "VERIFY", "data": {"challenge": ""}, "challenge": "c0ffee"},
    ],
)
def test_verify_challenge_anywhere(payload):
    event = parse_webhook(body(payload))
    # The webhook's id comes along where the body says it (meta.webhookId).
    webhook_id = payload.get("meta", {}).get("webhookId")
    assert event == VerifyEvent(challenge="c0ffee", webhook_id=webhook_id)


def test_verify_without_a_challenge():
    with pytest.raises(EVInvalidResponseError):
        parse_webhook(body({"eventType": "VERIFY", "data": {}}))


def test_vehicle_state():
    event = parse_webhook(body(vehicle_state()))
    assert isinstance(event, VehicleStateEvent)
    assert event.event_id == "evt_1"
    assert event.event_type == "VEHICLE_STATE"
    assert (event.delivery_id, event.webhook_id) == ("del_1", "wh_1")
    assert event.test is False
    assert event.delivered_at == T0
    assert (event.user_id, event.vehicle_id) == ("user-1", "veh-1")
    assert (event.make, event.model, event.year) == ("TESLA", "Model 3", 2023)
    assert event.signals.codes == {SignalCode.STATE_OF_CHARGE, SignalCode.IS_CHARGING}
    assert event.signals.state_of_charge == Reading(64.0, T0)
    assert event.signals.is_charging == Reading(value=True, updated_at=T0)
    assert event.signals.vehicle == V3Vehicle("veh-1", "TESLA", "Model 3", 2023, "LIVE")
    assert event.triggers == ("tractionbattery-stateofcharge", "charge-ischarging")


def test_first_delivery_and_test_mode():
    payload = vehicle_state("FIRST_DELIVERY", triggers=[])
    payload["meta"]["mode"] = "TEST"
    payload["meta"]["deliveredAt"] = "2026-11-02T07:00:00Z"
    event = parse_webhook(body(payload))
    assert event.event_type == "FIRST_DELIVERY"
    assert event.test is True
    assert event.triggers == ()
    assert event.delivered_at == T0


def test_vehicle_state_sparse():
    payload = {
        "eventId": "evt_2",
        "eventType": "VEHICLE_STATE",
        "data": {"vehicle": {"id": "veh-1"}, "signals": "none"},
        "triggers": None,
    }
    event = parse_webhook(body(payload))
    assert event.signals.codes == frozenset()
    assert event.triggers == ()
    assert event.user_id is None
    assert event.delivery_id is None
    assert event.delivered_at is None
    assert event.make is None


def test_vehicle_error():
    payload = vehicle_state("VEHICLE_ERROR")
    del payload["data"]["signals"]
    payload["data"]["errors"] = [
        {
            "type": "CONNECTED_SERVICES_ACCOUNT",
            "code": "SUBSCRIPTION",
            "title": "Subscription expired",
            "detail": "The owner's connected services subscription expired",
            "resolution": {"type": "CONTACT_SUPPORT"},
        },
        "junk",
    ]
    event = parse_webhook(body(payload))
    assert event == VehicleErrorEvent(
        event_id="evt_1",
        delivery_id="del_1",
        webhook_id="wh_1",
        test=False,
        user_id="user-1",
        vehicle_id="veh-1",
        errors=(
            SignalError(
                type="CONNECTED_SERVICES_ACCOUNT",
                code="SUBSCRIPTION",
                title="Subscription expired",
                detail="The owner's connected services subscription expired",
                resolution="CONTACT_SUPPORT",
            ),
        ),
    )
    payload["data"]["errors"] = None
    assert parse_webhook(body(payload)).errors == ()


def test_unknown_and_legacy_events():
    assert parse_webhook(body({"eventId": "e", "eventType": "NEW_THING"})) == (
        UnknownEvent(event_id="e", event_type="NEW_THING")
    )
    legacy = {
        "version": "2.0",
        "webhookId": "wh",
        "eventName": "eventBased",
        "payload": {"vehicles": []},
    }
    assert parse_webhook(body(legacy)) == UnknownEvent(None, "eventBased")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b'{"eventType": "VEHICLE_STATE", "data": ',
        b"[]",
        b'"VERIFY"',
        body({"data": {}}),
        body({"eventType": 4}),
        body(vehicle_state(eventId=None)),
        body(vehicle_state(eventId="")),
        body(vehicle_state(data={"vehicle": {"make": "TESLA"}, "signals": []})),
        body(vehicle_state(data={"signals": []})),
        body(vehicle_state("VEHICLE_ERROR", data={"errors": []})),
    ],
)
def test_malformed_payloads(raw):
    with pytest.raises(EVInvalidResponseError):
        parse_webhook(raw)
