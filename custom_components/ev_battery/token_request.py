"""Token requests to the providers' OAuth token endpoints.

Every request has a timeout, and its failure is classified once, here:

- the provider refused the grant or the client (``invalid_grant``,
  ``invalid_client``): the person must sign in again;
- anything else (429, 5xx, a timeout, a dropped connection, an HTML page, a
  truncated or non-JSON body, an answer without an access token): temporary,
  retried later.

Home Assistant 2026 expects its own token error types from a token request
(``OAuth2TokenRequestReauthError``, ``…TransientError``, ``…ConnectionError``:
its OAuth2 session starts re-authentication for the first one and its config
flow tells them apart); the releases before expect aiohttp's
``ClientResponseError``/``ClientError``. The errors raised here are the ones the
running Home Assistant knows, looked up in this one place.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import ClientError, ClientResponseError, RequestInfo
from homeassistant import exceptions as ha_exceptions
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import DOMAIN, LOGGER

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from multidict import CIMultiDictProxy

TOKEN_TIMEOUT = 30.0
REFUSED_ERRORS = frozenset({"invalid_grant", "invalid_client"})

# Home Assistant 2026's token error types, None before them.
_HA_REAUTH: type[ClientResponseError] | None = getattr(
    ha_exceptions, "OAuth2TokenRequestReauthError", None
)
_HA_TRANSIENT: type[ClientResponseError] | None = getattr(
    ha_exceptions, "OAuth2TokenRequestTransientError", None
)
_HA_NO_ANSWER: type[ClientError] | None = getattr(
    ha_exceptions, "OAuth2TokenRequestConnectionError", None
)


class TokenRefusedError(ClientResponseError):
    """The provider refused the grant or the client (before Home Assistant 2026)."""


class TokenTemporaryError(ClientResponseError):
    """A token request failed for now (before Home Assistant 2026)."""


class TokenNoAnswerError(ClientError):
    """No usable answer to a token request (before Home Assistant 2026)."""


# What a refused grant is raised as, on any supported Home Assistant.
REFUSED_TYPES: tuple[type[Exception], ...] = (TokenRefusedError,) + (
    (_HA_REAUTH,) if _HA_REAUTH is not None else ()
)


def is_refused(err: BaseException) -> bool:
    """Whether a token request error means: sign in again."""
    return isinstance(err, REFUSED_TYPES)


def _status_error(
    refused: bool,  # noqa: FBT001
    request_info: RequestInfo,
    status: int,
    headers: CIMultiDictProxy[str],
    message: str,
) -> ClientResponseError:
    ha_type = _HA_REAUTH if refused else _HA_TRANSIENT
    if ha_type is not None:
        return ha_type(  # type: ignore[call-arg]
            request_info=request_info,
            status=status,
            message=message,
            headers=headers,
            domain=DOMAIN,
        )
    own = TokenRefusedError if refused else TokenTemporaryError
    return own(request_info=request_info, history=(), status=status, message=message)


def _no_answer(reason: str) -> ClientError:
    LOGGER.debug("Token request got no usable answer: %s", reason)
    if _HA_NO_ANSWER is not None:
        return _HA_NO_ANSWER(domain=DOMAIN)  # type: ignore[call-arg]
    return TokenNoAnswerError(reason)


@dataclass(frozen=True, slots=True)
class _Answer:
    """A token endpoint's answer: status, decoded JSON body (or None)."""

    status: int
    body: Any
    request_info: RequestInfo
    headers: CIMultiDictProxy[str]

    @property
    def error(self) -> str | None:
        """The OAuth ``error`` code, if the body has one."""
        code = self.body.get("error") if isinstance(self.body, dict) else None
        return code if isinstance(code, str) else None


async def _post(
    hass: HomeAssistant,
    url: str,
    data: dict[str, Any],
    headers: dict[str, str] | None,
) -> _Answer:
    """POST a form to an OAuth endpoint, with the timeout every request has."""
    session = async_get_clientsession(hass)
    async with (
        asyncio.timeout(TOKEN_TIMEOUT),
        session.post(url, data=data, headers=headers) as resp,
    ):
        raw = await resp.read()
        answer = (resp.status, resp.request_info, resp.headers)
    try:
        body = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        body = None
    return _Answer(answer[0], body, answer[1], answer[2])


async def async_token_request(
    hass: HomeAssistant,
    url: str,
    data: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST a token request; the token on success, else a classified error."""
    try:
        answer = await _post(hass, url, data, headers)
    except TimeoutError as err:
        msg = f"no answer within {TOKEN_TIMEOUT:g} s"
        raise _no_answer(msg) from err
    except ClientError as err:
        raise _no_answer(type(err).__name__) from err
    status, body, code = answer.status, answer.body, answer.error
    if status >= 400:  # noqa: PLR2004
        LOGGER.debug(
            "Token request failed: HTTP %s, %s", status, code or "no OAuth error"
        )
        message = f"Token request failed: HTTP {status} ({code or 'no OAuth error'})"
        raise _status_error(
            code in REFUSED_ERRORS,
            answer.request_info,
            status,
            answer.headers,
            message,
        )
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        reason = f"HTTP {status} without an access token"
        raise _no_answer(reason)
    return body


async def async_revoke_token(
    hass: HomeAssistant,
    url: str,
    client: Any,
    token: str,
    *,
    hint: str,
) -> bool:
    """Revoke one token (RFC 7009); whether the provider took it."""
    data = {
        "token": token,
        "token_type_hint": hint,
        "client_id": client.client_id,
        "client_secret": client.client_secret,
    }
    try:
        answer = await _post(hass, url, data, None)
    except (TimeoutError, ClientError) as err:
        LOGGER.info("A token could not be revoked: %s", type(err).__name__)
        return False
    if answer.status >= 400:  # noqa: PLR2004
        LOGGER.info("A token could not be revoked: HTTP %s", answer.status)
        return False
    return True


async def async_client_known(
    hass: HomeAssistant,
    url: str,
    data: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
) -> bool | None:
    """Whether the token endpoint knows the client (None: cannot tell).

    A token request with a made-up code: an unknown client answers
    ``invalid_client``, a known one ``invalid_grant`` for the code.
    """
    try:
        answer = await _post(hass, url, data, headers)
    except (TimeoutError, ClientError):
        return None
    if answer.error == "invalid_client":
        return False
    return True if answer.error else None
