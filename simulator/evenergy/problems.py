"""RFC 9457 problem details, with ev.energy's canonical titles and texts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .choices import PROBLEM_BASE

PROBLEM_CONTENT_TYPE = "application/problem+json"

# status: (title, detail) from the documentation (and DRF's defaults).
CANONICAL = {
    400: ("Bad Request", "The request could not be processed."),
    401: ("Unauthorized", "Authentication credentials were not provided."),
    403: ("Forbidden", "You do not have permission to perform this action."),
    404: ("Not found", "Resource does not exist or cannot be accessed."),
    405: ("Method Not Allowed", "Could not satisfy this HTTP method."),
    406: ("Not Acceptable", "Could not satisfy the request Accept header."),
    # SIM CHOICE: no 5xx body is documented; these follow DRF's defaults.
    500: ("Internal Server Error", "A server error occurred."),
    502: ("Bad Gateway", "The upstream service did not answer correctly."),
    503: ("Service Unavailable", "The service is temporarily unavailable."),
}
VALIDATION_TITLE = "Request failed validation."


@dataclass
class Problem(Exception):  # noqa: N818 - named after the RFC's term
    """An error answered as ``application/problem+json``."""

    status: int
    title: str
    detail: str
    type: str | None = None
    field_errors: dict[str, list[str]] | None = None
    instance: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The JSON body."""
        data: dict[str, Any] = {}
        if self.type is not None:
            data["type"] = self.type
        data["title"] = self.title
        data["status"] = self.status
        data["detail"] = self.detail
        if self.instance is not None:
            data["instance"] = self.instance
        if self.field_errors is not None:
            data["field_errors"] = self.field_errors
        return data

    def response(self) -> web.Response:
        """The HTTP response."""
        response = web.Response(
            text=json.dumps(self.body()),
            status=self.status,
            content_type=PROBLEM_CONTENT_TYPE,
        )
        response.headers.update(self.headers)
        return response


def problem_type(slug: str) -> str:
    """The URI of a problem type."""
    return f"{PROBLEM_BASE}{slug}/"


def canonical(status: int, detail: str | None = None) -> Problem:
    """A problem with the documented title (and detail) for ``status``."""
    title, default = CANONICAL.get(status, CANONICAL[500])
    return Problem(status=status, title=title, detail=detail or default)


def not_found() -> Problem:
    """404 that does not tell whether the resource exists."""
    return canonical(404)


def forbidden() -> Problem:
    """403 for a missing scope or a user the token may not act as."""
    return canonical(403)


def unauthorized(www_authenticate: str) -> Problem:
    """401: no usable credentials."""
    problem = canonical(401)
    problem.headers["WWW-Authenticate"] = www_authenticate
    return problem


def method_not_allowed(allowed: list[str]) -> Problem:
    """405 with an ``Allow`` header."""
    problem = canonical(405)
    problem.headers["Allow"] = ", ".join(allowed)
    return problem


def validation(
    slug: str, errors: dict[str, list[str]], instance: str | None = None
) -> Problem:
    """400 with ``field_errors``."""
    return Problem(
        status=400,
        title=VALIDATION_TITLE,
        detail="Error on fields: " + ", ".join(errors),
        type=problem_type(slug),
        field_errors=errors,
        instance=instance,
    )


def pagination(parameter: str) -> Problem:
    """400 for a bad ``page_size`` or cursor."""
    return Problem(
        status=400,
        title="Invalid pagination parameter",
        detail=f"Invalid value for pagination parameter: {parameter}",
        type=problem_type("pagination-parameters"),
    )


def unsupported_version(value: str) -> Problem:
    """400 for an ``EvEnergy-Version`` other than 2."""
    return Problem(
        status=400,
        title="Unsupported version",
        detail=f"Unsupported version requested: {value}",
        # SIM CHOICE: the spec copies the pagination type here; we give the
        # version problem its own type.
        type=problem_type("unsupported-version"),
    )


def bad_expand(value: str) -> Problem:
    """400 for an expand value the operation does not offer (SIM CHOICE)."""
    return Problem(
        status=400,
        title="Invalid expand parameter",
        detail=f"Invalid value for expand: {value}",
        type=problem_type("invalid-expand"),
    )


def malformed(detail: str) -> Problem:
    """400 for a body that is not JSON (DRF's ParseError text)."""
    return Problem(
        status=400,
        title="Malformed request",
        detail=f"JSON parse error - {detail}",
        type=problem_type("malformed-request"),
    )


def user_required() -> Problem:
    """400: a client credentials token needs ``EvEnergy-User`` here."""
    return Problem(
        status=400,
        title="EvEnergy-User header required",
        detail=(
            "This endpoint requires the EvEnergy-User header when using "
            "a Client Credentials token."
        ),
        type=problem_type("evenergy-user-required"),
    )


def unknown_user_header() -> Problem:
    """400: ``EvEnergy-User`` names no user this client may act as (SIM CHOICE)."""
    return Problem(
        status=400,
        title="Invalid EvEnergy-User header",
        detail="No user matches the EvEnergy-User header.",
        type=problem_type("invalid-evenergy-user"),
    )


def rate_limited(retry_after: int) -> Problem:
    """429 with ``Retry-After``."""
    return Problem(
        status=429,
        title="Too many requests",
        detail=f"Request was rate limited. Try again in {retry_after} seconds",
        type=problem_type("rate-limit-exceeded"),
        headers={"Retry-After": str(retry_after)},
    )
