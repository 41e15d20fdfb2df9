"""The HTTP core both clients share: session, auth, timeout, decoding."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable
from urllib.parse import quote, urlencode

import aiohttp
import orjson
from mashumaro import DataClassDictMixin
from multidict import CIMultiDictProxy  # noqa: TC002 - used at runtime by dataclass
from yarl import URL

from .const import USER_AGENT
from .exceptions import (
    EVConnectionError,
    EVInvalidResponseError,
    EVTimeoutError,
    EVValidationError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_TIMEOUT = 10.0
HTTP_UNAUTHORIZED = 401


class TokenProvider(Protocol):
    """Supplies a valid access token; the client never sees refresh tokens."""

    async def async_get_access_token(self) -> str:
        """Return a valid (refreshed if needed) access token."""


@runtime_checkable
class RefreshableTokenProvider(TokenProvider, Protocol):
    """A token provider that can replace a token the API refused."""

    async def async_refresh_access_token(self, rejected: str) -> str:
        """Return a new access token in place of ``rejected``."""


class StaticToken:
    """A fixed access token, for scripts and tests."""

    def __init__(self, access_token: str) -> None:
        """Wrap ``access_token``."""
        self._access_token = access_token

    async def async_get_access_token(self) -> str:
        """Return the token."""
        return self._access_token


@dataclass(frozen=True, slots=True)
class RawResponse:
    """A decoded answer: status, headers and the JSON body (or text)."""

    status: int
    headers: CIMultiDictProxy[str]
    body: Any
    text: str

    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300  # noqa: PLR2004


class HttpCore:
    """Sends authenticated requests with a timeout and decodes the answers."""

    def __init__(
        self,
        token_provider: TokenProvider,
        *,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Use ``session`` if given (it is then not closed by :meth:`close`)."""
        self._token_provider = token_provider
        self._session = session
        self._close_session = False
        self.request_timeout = request_timeout

    @property
    def session(self) -> aiohttp.ClientSession:
        """The session in use (created on first use if none was injected)."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
            self._close_session = True
        return self._session

    async def close(self) -> None:
        """Close the session if this client created it."""
        if self._session is not None and self._close_session:
            await self._session.close()

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Any = None,
        json: Any = None,
        bearer: str | None = None,
        read_only: bool = False,
    ) -> RawResponse:
        """Send one request and decode its answer (never raises for a status).

        ``bearer`` replaces the provider's token (e.g. a management token).
        A connection reset before the request was written is retried once;
        so is a reused keep-alive connection the server had already closed,
        but only for ``read_only`` requests (a command is never sent twice).
        """
        token = bearer or await self._token_provider.async_get_access_token()
        all_headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **(headers or {}),
        }
        data = orjson.dumps(json) if json is not None else None
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        response = await self._send(method, url, all_headers, params, data, read_only)
        provider = self._token_provider
        if (
            response.status == HTTP_UNAUTHORIZED
            and bearer is None
            and isinstance(provider, RefreshableTokenProvider)
        ):
            # A token the provider considers valid was refused (early expiry,
            # clock skew): one forced refresh and one retry. A 401 means the
            # request was not acted on, so a command may be resent too.
            token = await provider.async_refresh_access_token(token)
            all_headers["Authorization"] = f"Bearer {token}"
            response = await self._send(
                method, url, all_headers, params, data, read_only
            )
        return response

    async def send_form(
        self,
        url: str,
        form: Mapping[str, str],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> RawResponse:
        """POST a form without the provider's token (a token request).

        Decoded like :meth:`send`; a stale keep-alive connection is retried
        once, as asking for a token twice does no harm.
        """
        all_headers = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "Content-Type": "application/x-www-form-urlencoded",
            **(headers or {}),
        }
        data = urlencode(form).encode()
        return await self._send("POST", url, all_headers, None, data, True)  # noqa: FBT003

    async def _send(  # noqa: PLR0917
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        params: Any,
        data: bytes | None,
        read_only: bool,  # noqa: FBT001
    ) -> RawResponse:
        for attempt in (1, 2):
            try:
                return await self._once(method, url, headers, params, data)
            except aiohttp.ClientConnectionResetError as err:
                if attempt == 2:  # noqa: PLR2004
                    msg = f"Connection reset talking to {_host(url)}"
                    raise EVConnectionError(msg) from err
            except aiohttp.ServerDisconnectedError as err:
                if attempt == 2 or not read_only:  # noqa: PLR2004
                    msg = f"Error talking to {_host(url)}: {type(err).__name__}"
                    raise EVConnectionError(msg) from err
        raise AssertionError  # pragma: no cover - the loop always returns or raises

    async def _once(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        params: Any,
        data: bytes | None,
    ) -> RawResponse:
        try:
            async with asyncio.timeout(self.request_timeout):
                async with self.session.request(
                    method, url, headers=headers, params=params, data=data
                ) as response:
                    raw = await response.read()
                    status, resp_headers = response.status, response.headers
        except TimeoutError as err:
            msg = f"Timed out after {self.request_timeout:g} s talking to {_host(url)}"
            raise EVTimeoutError(msg) from err
        except (aiohttp.ClientConnectionResetError, aiohttp.ServerDisconnectedError):
            raise
        except (aiohttp.ClientError, socket.gaierror) as err:
            msg = f"Error talking to {_host(url)}: {type(err).__name__}"
            raise EVConnectionError(msg) from err
        text = raw.decode("utf-8", errors="replace")
        body: Any = None
        if raw:
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError:
                body = None
        return RawResponse(status=status, headers=resp_headers, body=body, text=text)


class ClientBase:
    """Session ownership and the async context manager of both clients."""

    def __init__(
        self,
        token_provider: TokenProvider,
        *,
        session: aiohttp.ClientSession | None,
        request_timeout: float,
    ) -> None:
        """Create the HTTP core; an injected ``session`` is never closed."""
        self._http = HttpCore(
            token_provider, session=session, request_timeout=request_timeout
        )

    async def close(self) -> None:
        """Close the session if the client created it."""
        await self._http.close()

    async def __aenter__(self) -> Self:
        """Use as an async context manager."""
        return self

    async def __aexit__(self, *_exc: object) -> None:
        """Close on exit."""
        await self.close()


def segment(value: str) -> str:
    """An id as one URL path segment: escaped, never empty or a dot segment.

    Ids may come from people (an action's field), so ``../users`` must not
    reach another path.
    """
    if value in {"", ".", ".."}:
        msg = "An id must not be empty"
        raise EVValidationError(msg)
    return quote(value, safe="")


def _host(url: str) -> str:
    return URL(url).host or url


def expect_object(response: RawResponse, what: str) -> dict[str, Any]:
    """The JSON object body of a successful answer, or EVInvalidResponseError."""
    if not isinstance(response.body, dict):
        msg = f"Invalid response for {what}: expected a JSON object"
        raise EVInvalidResponseError(
            msg, status=response.status, raw=response.text[:500]
        )
    return response.body


def parse_model[T: DataClassDictMixin](
    factory: type[T], data: Any, what: str, raw: str = ""
) -> T:
    """Build a model from JSON, turning shape errors into EVInvalidResponseError."""
    try:
        return factory.from_dict(data)
    except Exception as err:  # mashumaro raises several error types
        msg = f"Invalid response for {what}: {type(err).__name__}"
        raise EVInvalidResponseError(msg, raw=raw[:500]) from err
