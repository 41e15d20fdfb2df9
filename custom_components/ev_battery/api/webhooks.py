"""Smartcar webhooks: the verification challenge, signatures and payloads.

Deliveries are signed with the application management token: the
``SC-Signature`` header is hex HMAC-SHA256 of the raw body. The VERIFY event
(unsigned) is answered with :func:`challenge_response`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import orjson

from .exceptions import EVInvalidResponseError
from .smartcar_v3_models import (
    SignalError,
    SignalSet,
    V3Vehicle,
    as_dict,
    parse_time,
    signals_from_list,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

SIGNATURE_HEADER = "SC-Signature"


def _hmac_hex(key: str, message: bytes) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def challenge_response(management_token: str, challenge: str) -> dict[str, str]:
    """The JSON body that answers Smartcar's ``verify`` event."""
    return {"challenge": _hmac_hex(management_token, challenge.encode())}


def verify_signature(management_token: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` (the SC-Signature header) signs ``body``.

    The comparison is constant-time.
    """
    if not signature:
        return False
    expected = _hmac_hex(management_token, body)
    return hmac.compare_digest(expected, signature.strip().lower())


# ------------------------------------------------------------------ events
@dataclass(frozen=True, slots=True)
class VerifyEvent:
    """Smartcar checks the webhook URL: answer with the challenge's HMAC."""

    challenge: str
    # Smartcar's id of the webhook being verified (when the body says it).
    webhook_id: str | None = None


@dataclass(frozen=True, slots=True)
class VehicleStateEvent:
    """Signals pushed for one vehicle (``VEHICLE_STATE`` or ``FIRST_DELIVERY``).

    ``triggers`` are the codes of the signals whose change caused the
    delivery (none on a first delivery). Retries repeat ``event_id``.
    """

    event_id: str
    event_type: Literal["VEHICLE_STATE", "FIRST_DELIVERY"]
    delivery_id: str | None
    webhook_id: str | None
    test: bool
    delivered_at: datetime | None
    user_id: str | None
    vehicle_id: str
    make: str | None
    model: str | None
    year: int | None
    signals: SignalSet
    triggers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VehicleErrorEvent:
    """Smartcar could not read a vehicle (``VEHICLE_ERROR``)."""

    event_id: str
    delivery_id: str | None
    webhook_id: str | None
    test: bool
    user_id: str | None
    vehicle_id: str
    errors: tuple[SignalError, ...]


@dataclass(frozen=True, slots=True)
class UnknownEvent:
    """An event type this package does not know (or a legacy v2 event)."""

    event_id: str | None
    event_type: str | None


type WebhookEvent = VerifyEvent | VehicleStateEvent | VehicleErrorEvent | UnknownEvent


def _invalid(message: str, raw: Any = None) -> EVInvalidResponseError:
    return EVInvalidResponseError(f"Invalid webhook payload: {message}", raw=raw)


def _challenge(payload: Mapping[str, Any]) -> str:
    # UNCERTAIN (smartcar-v3.md): where VERIFY puts the challenge:
    # data.challenge (v3), challenge, or payload.challenge (v2).
    for place in (
        as_dict(payload.get("data")),
        payload,
        as_dict(payload.get("payload")),
    ):
        challenge = place.get("challenge")
        if isinstance(challenge, str) and challenge:
            return challenge
    msg = "VERIFY without a challenge"
    raise _invalid(msg, payload)


def parse_webhook(body: bytes) -> WebhookEvent:
    """The event of a webhook delivery's raw body.

    Malformed JSON, or an event without its id or vehicle, raises
    :class:`EVInvalidResponseError`. Check the signature first (except for
    VERIFY, which is unsigned).
    """
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        msg = "not JSON"
        raise _invalid(msg, body[:500].decode("utf-8", "replace")) from err
    if not isinstance(payload, dict):
        msg = "not a JSON object"
        raise _invalid(msg, payload)
    # v3 (payload 4.0) names the event in eventType, legacy v2 in eventName.
    event_type = payload.get("eventType") or payload.get("eventName")
    if not isinstance(event_type, str):
        msg = "no eventType"
        raise _invalid(msg, payload)
    if event_type.upper() == "VERIFY":
        return VerifyEvent(
            challenge=_challenge(payload),
            webhook_id=_text(as_dict(payload.get("meta")).get("webhookId"))
            or _text(payload.get("webhookId")),
        )
    event_id = payload.get("eventId")
    if event_type not in {"VEHICLE_STATE", "FIRST_DELIVERY", "VEHICLE_ERROR"}:
        return UnknownEvent(
            event_id=event_id if isinstance(event_id, str) else None,
            event_type=event_type,
        )
    if not isinstance(event_id, str) or not event_id:
        msg = f"{event_type} without an eventId"
        raise _invalid(msg, payload)
    data = as_dict(payload.get("data"))
    meta = as_dict(payload.get("meta"))
    vehicle = V3Vehicle.from_json(_vehicle_data(data, payload))
    user_id = as_dict(data.get("user")).get("id")
    delivery_id = _text(meta.get("deliveryId"))
    webhook_id = _text(meta.get("webhookId"))
    test = meta.get("mode") == "TEST"
    if event_type == "VEHICLE_ERROR":
        errors = data.get("errors")
        return VehicleErrorEvent(
            event_id=event_id,
            delivery_id=delivery_id,
            webhook_id=webhook_id,
            test=test,
            user_id=_text(user_id),
            vehicle_id=vehicle.id,
            errors=tuple(
                SignalError.from_json(error)
                for error in (errors if isinstance(errors, list) else ())
                if isinstance(error, dict)
            ),
        )
    signals = data.get("signals")
    triggers = payload.get("triggers")
    return VehicleStateEvent(
        event_id=event_id,
        delivery_id=delivery_id,
        webhook_id=webhook_id,
        test=test,
        user_id=_text(user_id),
        vehicle_id=vehicle.id,
        event_type="FIRST_DELIVERY"
        if event_type == "FIRST_DELIVERY"
        else "VEHICLE_STATE",
        delivered_at=parse_time(meta.get("deliveredAt")),
        make=vehicle.make,
        model=vehicle.model,
        year=vehicle.year,
        signals=SignalSet(
            signals_from_list(signals if isinstance(signals, list) else ()),
            vehicle=vehicle,
        ),
        triggers=tuple(
            code
            for code in map(
                _trigger_code, triggers if isinstance(triggers, list) else ()
            )
            if code is not None
        ),
    )


def _vehicle_data(data: Mapping[str, Any], payload: Any) -> Mapping[str, Any]:
    vehicle = data.get("vehicle")
    if not isinstance(vehicle, dict) or not vehicle.get("id"):
        msg = "no vehicle id"
        raise _invalid(msg, payload)
    return vehicle


def _trigger_code(trigger: Any) -> str | None:
    """``{"type":"SIGNAL_UPDATED","signal":{"code"}}`` (or a flat code)."""
    trigger = as_dict(trigger)
    code = as_dict(trigger.get("signal")).get("code") or trigger.get("code")
    return code if isinstance(code, str) and code else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
