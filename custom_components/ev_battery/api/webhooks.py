"""Helpers for Smartcar webhooks: the verification challenge and signatures."""

from __future__ import annotations

import hashlib
import hmac

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
