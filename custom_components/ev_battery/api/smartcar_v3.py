"""Async client of Smartcar's Vehicle API v3 and its M2M token.

v3 authenticates the application, not a user: an M2M token from
``client_credentials`` (no refresh token: a new one is asked for before
expiry, or once on a 401) and the user in the ``sc-user-id`` header. The
Management API (webhook subscriptions) takes the application management
token.

    async with aiohttp.ClientSession() as session:
        token = SmartcarM2MToken(session, "client_...", "secret")
        client = SmartcarV3Client(session, token, user_id="...")
        signals = await client.get_signals(vehicle_id)
        signals.state_of_charge  # Reading(value=63.0, updated_at=..., ok=True)
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from ._http import ClientBase, HttpCore, RawResponse, StaticToken, segment
from .exceptions import (
    HTTP_SERVER_ERROR,
    EVApiError,
    EVInvalidClientError,
    EVInvalidResponseError,
    EVPermissionError,
    EVServerError,
    EVValidationError,
    error_from,
)
from .smartcar import ERROR_CLASSES, STATUS_FALLBACK, retry_after_seconds
from .smartcar_v3_models import (
    CommandExecution,
    SignalSet,
    SignalValue,
    V3Connection,
    V3Subscription,
    V3Vehicle,
    as_dict,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import aiohttp

    from ._http import TokenProvider

IAM_TOKEN_URL = "https://iam.smartcar.com/oauth2/token"  # noqa: S105 - a URL
VEHICLE_API_V3_URL = "https://vehicle.api.smartcar.com/v3"
MANAGEMENT_API_V3_URL = "https://management.api.smartcar.com/v3"

DEFAULT_V3_TIMEOUT = 30.0
DEFAULT_TOKEN_LIFETIME = 3600.0
CONNECTIONS_PAGE_SIZE = 100  # the largest page Smartcar serves
MAX_PAGES = 1000  # a guard against a server that always has a next page
CHARGE_LIMIT_MIN = 50
CHARGE_LIMIT_MAX = 100
USER_HEADER = "sc-user-id"

# The status of an answer without a Smartcar error body.
# v2.0's, and a bare 400 is a validation error too.
STATUS_CLASSES: Mapping[int, type[EVApiError]] = {
    **STATUS_FALLBACK,
    400: EVValidationError,
}


def smartcar_v3_error(response: RawResponse) -> EVApiError:
    """The exception for a v3 error answer.

    The body ``{type, code, title, detail, status, resolution, meta}`` picks
    the class by ``type`` (as v2); without one (a proxy's HTML page, an
    unknown type) the HTTP status does.
    """
    body = response.body
    status = response.status
    request_id = response.headers.get("sc-request-id")
    error_type = code = None
    if isinstance(body, dict) and isinstance(body.get("type"), str):
        error_type = body["type"]
        code = body.get("code") if isinstance(body.get("code"), str) else None
        request_id = as_dict(body.get("meta")).get("requestId") or request_id
        detail = (
            body.get("detail")
            or body.get("title")
            or body.get("suggestedUserMessage")
            or "no description"
        )
        message = f"{error_type}:{code} - {detail}"
    else:
        message = f"HTTP {status} without a Smartcar error body"
    fallback = EVServerError if status >= HTTP_SERVER_ERROR else EVApiError
    cls = (error_type and ERROR_CLASSES.get(error_type)) or STATUS_CLASSES.get(
        status, fallback
    )
    return error_from(
        cls,
        message,
        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        status=status,
        error_type=error_type,
        code=code,
        request_id=request_id,
        raw=body if body is not None else response.text[:500],
    )


def _token_error(response: RawResponse) -> EVApiError:
    """The exception for a refused token request (RFC 6749 error body)."""
    body = as_dict(response.body)
    error = body.get("error") if isinstance(body.get("error"), str) else None
    description = body.get("error_description") or body.get("message")
    message = f"Token request refused: {error or f'HTTP {response.status}'}"
    if description:
        message = f"{message} - {description}"
    status = response.status
    cls: type[EVApiError]
    if error == "invalid_client" or status == 401:  # noqa: PLR2004
        cls = EVInvalidClientError
    elif status == 400:  # noqa: PLR2004
        cls = EVValidationError
    else:
        cls = STATUS_CLASSES.get(
            status, EVServerError if status >= HTTP_SERVER_ERROR else EVApiError
        )
    return error_from(
        cls,
        message,
        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        status=status,
        code=error,
        raw=response.body if response.body is not None else response.text[:500],
    )


class SmartcarM2MToken:
    """The application's M2M access token: cached, renewed before expiry.

    However many callers ask at once, at most one token request is in
    flight; they all get its answer (or its error).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        client_secret: str,
        *,
        token_url: str = IAM_TOKEN_URL,
        request_timeout: float = DEFAULT_V3_TIMEOUT,
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Ask ``token_url`` for tokens with the client id and secret."""
        self._http = HttpCore(
            StaticToken(""), session=session, request_timeout=request_timeout
        )
        self._client_id = client_id
        self._client_secret = client_secret
        self.token_url = token_url
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._inflight: asyncio.Task[str] | None = None
        self._requests = 0

    @property
    def request_count(self) -> int:
        """How many token requests were sent (for diagnostics)."""
        return self._requests

    async def async_get_access_token(self) -> str:
        """A valid token: the cached one, or a new one near its expiry."""
        if self._token is not None and self._clock() < self._renew_at:
            return self._token
        return await self._shared_request()

    async def async_refresh_access_token(self, rejected: str) -> str:
        """A new token in place of ``rejected`` (refused with a 401).

        If another caller has already replaced it, that token is returned.
        """
        if self._token is not None and self._token != rejected:
            return self._token
        return await self._shared_request()

    async def async_check(self) -> None:
        """Ask for a token now (checks the client id and secret)."""
        self._token = None
        await self._shared_request()

    async def _shared_request(self) -> str:
        task = self._inflight
        if task is None:
            task = asyncio.get_running_loop().create_task(self._request())
            task.add_done_callback(self._request_done)
            self._inflight = task
        # A caller that is cancelled does not cancel the others' request.
        return await asyncio.shield(task)

    def _request_done(self, task: asyncio.Task[str]) -> None:
        if self._inflight is task:
            self._inflight = None
        if not task.cancelled():
            task.exception()  # retrieved: every caller may have gone

    async def _request(self) -> str:
        self._requests += 1
        started = self._clock()
        response = await self._http.send_form(
            self.token_url,
            {
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
        )
        if not response.ok:
            raise _token_error(response)
        body = as_dict(response.body)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            msg = "Invalid response for the token request: no access_token"
            raise EVInvalidResponseError(
                msg, status=response.status, raw=response.text[:500]
            )
        lifetime = body.get("expires_in")
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | float):
            lifetime = DEFAULT_TOKEN_LIFETIME
        # A short-lived token is renewed at half its life at the latest.
        margin = min(self.refresh_margin, lifetime / 2)
        self._token = token
        self._renew_at = started + lifetime - margin
        return token


class SmartcarV3Client(ClientBase):
    """Talks to Smartcar's Vehicle API v3 (and Management API v3).

    ``user_id`` is sent as ``sc-user-id`` on vehicle, signal and command
    requests. Base URLs can point at the simulator
    (``{sim}/smartcar/vehicle/v3``, ``{sim}/smartcar/management/v3``).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token: TokenProvider,
        *,
        user_id: str | None = None,
        base_url: str = VEHICLE_API_V3_URL,
        management_url: str = MANAGEMENT_API_V3_URL,
        management_token: str | None = None,
        request_timeout: float = DEFAULT_V3_TIMEOUT,
    ) -> None:
        """Create the client; ``session`` is used as given and not closed."""
        super().__init__(token, session=session, request_timeout=request_timeout)
        self.user_id = user_id
        self.base_url = base_url.rstrip("/")
        self.management_url = management_url.rstrip("/")
        self.management_token = management_token

    # ------------------------------------------------------------------ core
    async def _request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        user: bool = False,
        management: bool = False,
    ) -> RawResponse:
        headers: dict[str, str] = {}
        if user:
            if not self.user_id:
                msg = "A Smartcar user id (sc-user-id) is needed for this request"
                raise EVValidationError(msg, code="NO_USER_ID")
            headers[USER_HEADER] = self.user_id
        bearer = None
        if management:
            if not self.management_token:
                msg = "No application management token: the Management API needs one"
                raise EVPermissionError(msg, code="NO_MANAGEMENT_TOKEN")
            bearer = self.management_token
        response = await self._http.send(
            method,
            url,
            headers=headers,
            params=params,
            json=json,
            bearer=bearer,
            read_only=method == "GET",
        )
        if not response.ok:
            raise smartcar_v3_error(response)
        return response

    @staticmethod
    def _document(response: RawResponse, what: str) -> dict[str, Any]:
        if not isinstance(response.body, dict):
            msg = f"Invalid response for {what}: expected a JSON object"
            raise EVInvalidResponseError(
                msg,
                status=response.status,
                request_id=response.headers.get("sc-request-id"),
                raw=response.text[:500],
            )
        return response.body

    def _vehicle_url(self, vehicle_id: str, tail: str = "") -> str:
        return f"{self.base_url}/vehicles/{segment(vehicle_id)}{tail}"

    async def _pages(
        self,
        url: str,
        filters: Mapping[str, str | None],
        *,
        management: bool = False,
        page_size: int | None = None,
    ) -> list[dict[str, Any]]:
        """Every item of a JSON:API list, page by page.

        Without ``page_size`` (subscriptions: no paging parameters are
        documented) the first request has none; a next page is still asked
        by ``page[number]`` if the answer links one.
        """
        params = {key: value for key, value in filters.items() if value is not None}
        if page_size is not None:
            params["page[size]"] = str(page_size)
        items: list[dict[str, Any]] = []
        for number in range(1, MAX_PAGES + 1):
            if number > 1 or page_size is not None:
                params["page[number]"] = str(number)
            response = await self._request(
                "GET", url, params=params, management=management
            )
            document = self._document(response, f"GET {url}")
            page = document.get("data")
            if not isinstance(page, list):
                msg = f"Invalid response for GET {url}: no list in data"
                raise EVInvalidResponseError(msg, raw=document)
            items.extend(item for item in page if isinstance(item, dict))
            total = as_dict(document.get("meta")).get("totalCount")
            # UNCERTAIN (smartcar-v3.md): links.next may be relative or
            # absolute (and relative to which prefix is unclear); only
            # whether it is there counts, the next page is asked by number.
            has_next = bool(as_dict(document.get("links")).get("next"))
            if not page or not has_next:
                break
            if isinstance(total, int) and len(items) >= total:
                break
        return items

    # ----------------------------------------------------------------- reads
    async def get_connections(
        self,
        *,
        user_id: str | None = None,
        vehicle_id: str | None = None,
        mode: str | None = None,
    ) -> list[V3Connection]:
        """The application's connections (every page), filtered as given."""
        items = await self._pages(
            f"{self.base_url}/connections",
            {
                "filter[userId]": user_id,
                "filter[vehicleId]": vehicle_id,
                "filter[vehicle.mode]": mode,
            },
            page_size=CONNECTIONS_PAGE_SIZE,
        )
        return [V3Connection.from_json(item) for item in items]

    async def get_vehicle(self, vehicle_id: str) -> V3Vehicle:
        """Make, model, year, mode and powertrain of a vehicle."""
        response = await self._request("GET", self._vehicle_url(vehicle_id), user=True)
        document = self._document(response, "GET /vehicles/{id}")
        return V3Vehicle.from_json(document, vehicle_id)

    async def get_signals(self, vehicle_id: str) -> SignalSet:
        """Every signal the vehicle has reported (one request)."""
        response = await self._request(
            "GET", self._vehicle_url(vehicle_id, "/signals"), user=True
        )
        document = self._document(response, "GET /vehicles/{id}/signals")
        return SignalSet.from_json(document, vehicle_id)

    async def get_signal(self, vehicle_id: str, code: str) -> SignalValue:
        """One signal; EVNotFoundError until the car has reported it."""
        response = await self._request(
            "GET",
            self._vehicle_url(vehicle_id, f"/signals/{segment(code)}"),
            user=True,
        )
        document = self._document(response, "GET /vehicles/{id}/signals/{code}")
        return SignalValue.from_json(document)

    # -------------------------------------------------------------- commands
    async def _command(
        self, vehicle_id: str, path: str, json: Any = None
    ) -> CommandExecution:
        response = await self._request(
            "POST",
            self._vehicle_url(vehicle_id, f"/commands/{path}"),
            json=json,
            user=True,
        )
        if response.body is None and response.status == 202:  # noqa: PLR2004
            return CommandExecution.from_json({}, http_status=202)
        document = self._document(response, f"POST commands/{path}")
        return CommandExecution.from_json(document, http_status=response.status)

    async def start_charge(self, vehicle_id: str) -> CommandExecution:
        """Start charging."""
        return await self._command(vehicle_id, "charge/start")

    async def stop_charge(self, vehicle_id: str) -> CommandExecution:
        """Stop charging."""
        return await self._command(vehicle_id, "charge/stop")

    async def set_charge_limit(self, vehicle_id: str, percent: int) -> CommandExecution:
        """Set the charge limit (a whole percent, 50-100, checked first)."""
        if (
            isinstance(percent, bool)
            or not isinstance(percent, int)
            or not CHARGE_LIMIT_MIN <= percent <= CHARGE_LIMIT_MAX
        ):
            msg = (
                f"Charge limit {percent!r} is not a whole percent in "
                f"{CHARGE_LIMIT_MIN}..{CHARGE_LIMIT_MAX}"
            )
            raise EVValidationError(msg, code="PARAMETER")
        return await self._command(
            vehicle_id,
            "charge/set-limit",
            {"data": {"attributes": {"percent": percent}}},
        )

    async def open_charge_port(self, vehicle_id: str) -> CommandExecution:
        """Open the charge port."""
        return await self._command(vehicle_id, "charge-port/open")

    async def close_charge_port(self, vehicle_id: str) -> CommandExecution:
        """Close the charge port."""
        return await self._command(vehicle_id, "charge-port/close")

    async def lock(self, vehicle_id: str) -> CommandExecution:
        """Lock the car."""
        return await self._command(vehicle_id, "security/lock")

    async def unlock(self, vehicle_id: str) -> CommandExecution:
        """Unlock the car."""
        return await self._command(vehicle_id, "security/unlock")

    # ------------------------------------------------------------ management
    # Each raises EVPermissionError (code NO_MANAGEMENT_TOKEN) without a
    # management token, before any request.
    async def subscribe(self, vehicle_id: str, webhook_id: str) -> None:
        """Subscribe a vehicle to a webhook (202: Smartcar creates it later)."""
        # UNCERTAIN (smartcar-v3.md): the subscription body's fields and its
        # path (/subscriptions, not /webhooks/{id}/subscriptions).
        await self._request(
            "POST",
            f"{self.management_url}/subscriptions",
            json={"webhookId": webhook_id, "vehicleId": vehicle_id},
            management=True,
        )

    async def get_subscriptions(
        self,
        *,
        user_id: str | None = None,
        vehicle_id: str | None = None,
        webhook_id: str | None = None,
    ) -> list[V3Subscription]:
        """The application's webhook subscriptions, filtered as given."""
        items = await self._pages(
            f"{self.management_url}/subscriptions",
            {
                "filter[userId]": user_id,
                "filter[vehicleId]": vehicle_id,
                "filter[webhookId]": webhook_id,
            },
            management=True,
        )
        return [V3Subscription.from_json(item) for item in items]

    async def unsubscribe(self, subscription_id: str) -> None:
        """Delete a subscription."""
        await self._request(
            "DELETE",
            f"{self.management_url}/subscriptions/{segment(subscription_id)}",
            management=True,
        )
