"""ev.energy's webhooks: Svix signatures, checked by Svix's documented algorithm.

ev.energy sends its webhooks through Svix. A delivery carries ``svix-id``
(the message, the same on every retry), ``svix-timestamp`` (Unix seconds of
the attempt) and ``svix-signature`` (space-separated ``v1,<base64>``
entries): the HMAC-SHA256 of ``{svix-id}.{svix-timestamp}.{raw body}``
keyed with the base64-decoded part of the ``whsec_`` secret. A timestamp
more than five minutes from now is refused (Svix's tolerance).

Why not the ``svix`` package from PyPI: it installs cleanly on Python 3.13
and 3.14 and its pins agree with Home Assistant's, but it is Svix's whole
management-API client (3.2 MB, about 300 modules) and brings attrs,
deprecated, httpx, pydantic, python-dateutil and standardwebhooks into a
client library that needs only this check, which its ``Webhook.verify``
does by the same algorithm (through ``standardwebhooks``). The algorithm is
a few lines of the standard library, so this package keeps its one runtime
dependency set (aiohttp, mashumaro, orjson).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from typing import TYPE_CHECKING, Any

import orjson

from ._http import parse_model
from .exceptions import EVInvalidResponseError, EVWebhookSignatureError
from .models import EvEnergyWebhookEvent

if TYPE_CHECKING:
    from collections.abc import Mapping

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SIGNATURE_VERSION = "v1"
TOLERANCE_SECONDS = 5 * 60
HEADER_ID = "svix-id"
HEADER_TIMESTAMP = "svix-timestamp"
HEADER_SIGNATURE = "svix-signature"
HEADER_EVENT_TYPE = "svix-event-type"
EVENT_SUB_SESSION_CREATED = "charging_sub_session.created"
EVENT_SUB_SESSION_ENDED = "charging_sub_session.ended"


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError) as err:
        msg = "The webhook secret is not a whsec_ secret"
        raise EVWebhookSignatureError(msg) from err


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``svix-signature`` entry for a message (``v1,<base64>``)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: float = TOLERANCE_SECONDS,
) -> str:
    """Check a delivery's signature and timestamp; its ``svix-id``.

    Raises :class:`EVWebhookSignatureError` when a header is missing, the
    timestamp is outside ``tolerance`` of ``now`` (default: the clock), or
    no ``v1`` entry of ``svix-signature`` signs ``body``. The comparison is
    constant-time.
    """
    lower = {name.lower(): value for name, value in headers.items()}
    message_id = lower.get(HEADER_ID, "").strip()
    stamp = lower.get(HEADER_TIMESTAMP, "").strip()
    signatures = lower.get(HEADER_SIGNATURE, "").strip()
    if not message_id or not stamp or not signatures:
        msg = "The delivery lacks the svix-id, svix-timestamp or svix-signature"
        raise EVWebhookSignatureError(msg)
    try:
        timestamp = int(stamp)
    except ValueError as err:
        msg = "The svix-timestamp is not a number of seconds"
        raise EVWebhookSignatureError(msg) from err
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        msg = "The svix-timestamp is too far from now"
        raise EVWebhookSignatureError(msg)
    expected = sign(secret, message_id, timestamp, body).encode()
    for entry in signatures.split():
        version, _, _value = entry.partition(",")
        if version == SIGNATURE_VERSION and hmac.compare_digest(
            entry.encode(), expected
        ):
            return message_id
    msg = "No signature of the delivery matches the webhook secret"
    raise EVWebhookSignatureError(msg)


def parse_event(body: bytes) -> EvEnergyWebhookEvent:
    """The event of a (verified) delivery body."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        msg = "Invalid ev.energy webhook body: not JSON"
        raise EVInvalidResponseError(msg, raw=_excerpt(body)) from err
    return event_from(data, body)


def event_from(data: Any, body: bytes) -> EvEnergyWebhookEvent:
    """The event of a delivery whose ``body`` is already decoded as ``data``."""
    return parse_model(
        EvEnergyWebhookEvent, data, "an ev.energy webhook", _excerpt(body)
    )


def _excerpt(body: bytes) -> str:
    return body[:500].decode(errors="replace")
