"""One exception hierarchy for both providers.

Every Smartcar error type and every ev.energy status maps to exactly one
class; anything unrecognised becomes :class:`EVApiError` with the raw body kept
for diagnostics.
"""

from __future__ import annotations

from typing import Any

HTTP_SERVER_ERROR = 500


class EVApiError(Exception):
    """Base error of the client. Unknown API errors are raised as this class."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_type: str | None = None,
        code: str | None = None,
        request_id: str | None = None,
        raw: Any = None,
    ) -> None:
        """Create the error; ``raw`` is the decoded (or textual) error body."""
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_type = error_type
        self.code = code
        self.request_id = request_id
        self.raw = raw

    def __str__(self) -> str:
        """The message, with the request id when there is one."""
        if self.request_id:
            return f"{self.message} (request id {self.request_id})"
        return self.message


class EVAuthenticationError(EVApiError):
    """The access token was rejected, expired or revoked."""


class EVInvalidClientError(EVAuthenticationError):
    """The application's client id or client secret was refused.

    Smartcar's token endpoint answers ``invalid_client`` (v3 M2M tokens).
    """


class EVPermissionError(EVApiError):
    """A permission (scope) the call needs was not granted."""

    def __init__(
        self, message: str, *, permission: str | None = None, **kwargs: Any
    ) -> None:
        """Create the error; ``permission`` names the missing scope if known."""
        super().__init__(message, **kwargs)
        self.permission = permission


class EVRateLimitError(EVApiError):
    """Too many requests; retry after ``retry_after`` seconds (if given)."""

    def __init__(
        self, message: str, *, retry_after: int | None = None, **kwargs: Any
    ) -> None:
        """Create the error."""
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class EVQuotaExceededError(EVApiError):
    """A billing quota (e.g. Smartcar's monthly calls per vehicle) is used up."""


class EVVehicleStateError(EVApiError):
    """The vehicle cannot do this now (asleep, unreachable, not plugged in...).

    ``code`` holds the provider's reason, e.g. ``ASLEEP``.
    """


class EVNotSupportedError(EVApiError):
    """The vehicle, make or platform does not support this endpoint."""


class EVNotFoundError(EVApiError):
    """The resource or path does not exist (or is not visible to this token)."""


class EVValidationError(EVApiError):
    """The request was rejected as invalid (a bad parameter or body)."""

    def __init__(
        self,
        message: str,
        *,
        field_errors: dict[str, list[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        """Create the error; ``field_errors`` maps field names to messages."""
        super().__init__(message, **kwargs)
        self.field_errors = field_errors or {}


class EVServerError(EVApiError):
    """The provider or the car maker's servers failed (5xx, UPSTREAM)."""


class EVAccountError(EVApiError):
    """The user must act on their car-brand account.

    Smartcar's ``CONNECTED_SERVICES_ACCOUNT`` errors.
    """


class EVInvalidResponseError(EVApiError):
    """The answer could not be understood (not JSON, truncated, wrong shape)."""


class EVWebhookSignatureError(EVApiError):
    """A webhook delivery is not signed by the sender, or is stale or replayed."""


class EVConnectionError(EVApiError):
    """The API could not be reached."""


class EVTimeoutError(EVConnectionError):
    """The API did not answer in time."""


def error_from(
    cls: type[EVApiError],
    message: str,
    *,
    retry_after: int | None = None,
    permission: str | None = None,
    field_errors: dict[str, list[str]] | None = None,
    **kwargs: Any,
) -> EVApiError:
    """An error of ``cls``, given the extra details only the class carries."""
    if issubclass(cls, EVRateLimitError):
        return cls(message, retry_after=retry_after, **kwargs)
    if issubclass(cls, EVPermissionError):
        return cls(message, permission=permission, **kwargs)
    if issubclass(cls, EVValidationError):
        return cls(message, field_errors=field_errors, **kwargs)
    return cls(message, **kwargs)
