"""What a person is told about a client error: no URLs, ids or raw codes."""

from __future__ import annotations

from .api import (
    EVAccountError,
    EVApiError,
    EVAuthenticationError,
    EVConnectionError,
    EVInvalidResponseError,
    EVNotFoundError,
    EVNotSupportedError,
    EVPermissionError,
    EVQuotaExceededError,
    EVRateLimitError,
    EVServerError,
    EVTimeoutError,
    EVValidationError,
    EVVehicleStateError,
)

# Most specific first (a timeout is also a connection error).
_PHRASES: tuple[tuple[type[EVApiError], str], ...] = (
    (EVTimeoutError, "the service did not answer in time"),
    (EVConnectionError, "the service could not be reached"),
    (EVInvalidResponseError, "the service sent an answer that could not be read"),
    (EVAuthenticationError, "the service no longer accepts the sign-in"),
    (EVPermissionError, "a permission this needs was not granted"),
    (EVNotSupportedError, "the vehicle does not support this"),
    (EVNotFoundError, "the service does not know this vehicle"),
    (EVRateLimitError, "the service asks to slow down"),
    (EVQuotaExceededError, "the vehicle's request allowance is used up"),
    (EVVehicleStateError, "the vehicle cannot answer now"),
    (EVValidationError, "the service refused the request as invalid"),
    (EVAccountError, "the car maker's account needs attention"),
    (EVServerError, "the service reported an error"),
)


def vehicle_reason(err: EVVehicleStateError) -> str:
    """The provider's reason in words (``CHARGE_PLUG_DISCONNECTED`` → ...)."""
    code = err.code if err.code and err.code.lower() != "none" else None
    return code.replace("_", " ").lower() if code else "unknown reason"


def describe_error(err: EVApiError) -> str:
    """A short sentence for a person, with the HTTP status and request id.

    Built from the error's class, status, reason and request id only, never
    from its message (which may name hosts, paths or vehicle ids).
    """
    phrase = next(
        (text for cls, text in _PHRASES if isinstance(err, cls)),
        "the service answered with an error",
    )
    if isinstance(err, EVVehicleStateError):
        phrase = f"{phrase}: {vehicle_reason(err)}"
    details = []
    if err.status:
        details.append(f"HTTP {err.status}")
    if err.request_id:
        details.append(f"request id {err.request_id}")
    return f"{phrase} ({', '.join(details)})" if details else phrase
