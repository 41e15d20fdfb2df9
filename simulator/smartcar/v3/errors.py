"""The v3 error body (same types, codes and statuses as v2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from simulator.smartcar.errors import (
    RESOLUTION,
    USER_MESSAGES,
    SmartcarError,
    new_request_id,
)

from .choices import ERROR_LINKS

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

TITLES = {
    "AUTHENTICATION": "Authentication error",
    "PERMISSION": "Permission error",
    "RESOURCE_NOT_FOUND": "Resource not found",
    "RATE_LIMIT": "Rate limit",
    "BILLING": "Billing error",
    "VEHICLE_STATE": "Vehicle state error",
    "COMPATIBILITY": "Compatibility error",
    "UPSTREAM": "Upstream error",
    "SERVER": "Server error",
    "VALIDATION": "Validation error",
}

EXTRA_DESCRIPTIONS: dict[tuple[str, str | None], str] = {
    ("RESOURCE_NOT_FOUND", "VEHICLE"): (
        "This user has no connection to the requested vehicle."
    ),
    ("RESOURCE_NOT_FOUND", "SIGNAL"): (
        "The vehicle has not reported this signal (yet)."
    ),
    ("UPSTREAM", "TIMEOUT"): "The vehicle did not complete the command in time.",
}


def v3_error(
    error_type: str,
    code: str | None = None,
    detail: str | None = None,
    *,
    status: int | None = None,
    retry_after: int | None = None,
) -> SmartcarError:
    """A SmartcarError with the v3-only texts filled in."""
    return SmartcarError(
        error_type,
        code,
        detail or EXTRA_DESCRIPTIONS.get((error_type, code)),
        status=status,
        retry_after=retry_after,
    )


def v3_body(err: SmartcarError, request_id: str) -> dict[str, Any]:
    """``{type, code, title, detail, status, resolution, ...}``."""
    return {
        "type": err.type,
        "code": err.code,
        "title": TITLES.get(err.type, "Error"),
        "detail": err.description,
        "status": err.status,
        "resolution": {"type": RESOLUTION.get(err.type)},
        "suggestedUserMessage": USER_MESSAGES.get(err.type, ""),
        "links": dict(ERROR_LINKS),
        "meta": {"requestId": request_id},
    }


def v3_error_response(
    err: SmartcarError, request_id: str | None = None
) -> web.Response:
    """The HTTP answer for a v3 error."""
    request_id = request_id or new_request_id()
    response = web.json_response(v3_body(err, request_id), status=err.status)
    response.headers["sc-request-id"] = request_id
    if err.retry_after is not None:
        response.headers["Retry-After"] = str(err.retry_after)
    return response


async def answer(
    route: Callable[[], Awaitable[tuple[Any, int]]], after: Callable[[], None]
) -> web.Response:
    """Run a v3 route: its JSON (or empty) answer, or its error in the v3 body.

    Every answer carries ``sc-request-id``; ``after`` runs once it is made
    (the webhook sender's kick).
    """
    request_id = new_request_id()
    try:
        body, status = await route()
    except SmartcarError as err:
        return v3_error_response(err, request_id)
    if body is None:
        response = web.Response(status=status)
    else:
        response = web.json_response(body, status=status)
    response.headers["sc-request-id"] = request_id
    after()
    return response
