"""Async client of the ev.energy v2 API."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from mashumaro import DataClassDictMixin

from ._http import (
    DEFAULT_TIMEOUT,
    ClientBase,
    RawResponse,
    TokenProvider,
    expect_object,
    parse_model,
    segment,
)
from .const import (
    EVENERGY_API_VERSION,
    EVENERGY_BASE,
    EVENERGY_CHARGE_LIMIT_MAX,
    EVENERGY_CHARGE_LIMIT_MIN,
    EVENERGY_PAGE_SIZE,
)
from .exceptions import (
    HTTP_SERVER_ERROR,
    EVApiError,
    EVAuthenticationError,
    EVInvalidResponseError,
    EVNotFoundError,
    EVPermissionError,
    EVRateLimitError,
    EVServerError,
    EVValidationError,
    EVVehicleStateError,
    error_from,
)
from .models import (
    EvEnergyStatusLog,
    EvEnergySubSession,
    EvEnergyTrim,
    EvEnergyUser,
    EvEnergyVehicle,
    Page,
    ResponseMeta,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Mapping
    from datetime import datetime

    import aiohttp

LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([a-z]+)"?')

STATUS_CLASSES: Mapping[int, type[EVApiError]] = {
    400: EVValidationError,
    401: EVAuthenticationError,
    403: EVPermissionError,
    404: EVNotFoundError,
    405: EVValidationError,
    406: EVValidationError,
    409: EVVehicleStateError,
    422: EVValidationError,
    429: EVRateLimitError,
}

VEHICLE_EXPAND = ("latest_status_log", "trim")


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def evenergy_meta(headers: Mapping[str, str]) -> ResponseMeta:
    """The version and rate-limit headers of a response."""
    return ResponseMeta(
        api_version=headers.get("EvEnergy-Version"),
        rate_limit=_int_header(headers, "X-RateLimit-Limit"),
        rate_limit_remaining=_int_header(headers, "X-RateLimit-Remaining"),
    )


def links(header: str | None) -> dict[str, str | None]:
    """``{"previous": url, "next": url}`` from a ``Link`` header.

    ``about:blank`` (the end of the list) becomes None.
    """
    found: dict[str, str | None] = {"previous": None, "next": None}
    for url, rel in LINK.findall(header or ""):
        found[rel] = None if url == "about:blank" else url
    return found


def evenergy_error(response: RawResponse, permission: str | None = None) -> EVApiError:
    """The exception for an ev.energy error answer (RFC 9457 problem)."""
    body = response.body if isinstance(response.body, dict) else None
    status = response.status
    if body is not None:
        title = body.get("title") or f"HTTP {status}"
        detail = body.get("detail")
        message = f"{title}: {detail}" if detail else str(title)
        problem_type = body.get("type")
    else:
        message = f"HTTP {status} without a problem body"
        problem_type = None
    cls = STATUS_CLASSES.get(
        status, EVServerError if status >= HTTP_SERVER_ERROR else EVApiError
    )
    field_errors = body.get("field_errors") if body else None
    return error_from(
        cls,
        message,
        retry_after=_int_header(response.headers, "Retry-After"),
        permission=permission,
        field_errors=field_errors if isinstance(field_errors, dict) else None,
        status=status,
        error_type=problem_type,
        raw=body if body is not None else response.text[:500],
    )


class EvEnergyClient(ClientBase):
    """Talks to the ev.energy v2 API for one user's access token.

    ``base_url`` defaults to ``https://api.ev.energy``; point it at the
    simulator (``http://127.0.0.1:8765/evenergy``) to run offline. ``user``
    sets the ``EvEnergy-User`` header (needed with client-credentials tokens).
    """

    def __init__(
        self,
        token_provider: TokenProvider,
        *,
        session: aiohttp.ClientSession | None = None,
        base_url: str = EVENERGY_BASE,
        request_timeout: float = DEFAULT_TIMEOUT,
        user: str | None = None,
    ) -> None:
        """Create the client; ``session`` is used as given and not closed."""
        super().__init__(
            token_provider, session=session, request_timeout=request_timeout
        )
        self.base_url = base_url.rstrip("/")
        self.user = user
        self.last_meta = ResponseMeta()

    # ------------------------------------------------------------------ core
    def url(self, path: str) -> str:
        """Absolute URL of an API path such as ``/vehicles``."""
        return f"{self.base_url}/v2{path}"

    async def _request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        permission: str | None = None,
    ) -> RawResponse:
        headers = {"EvEnergy-Version": EVENERGY_API_VERSION}
        if self.user:
            headers["EvEnergy-User"] = self.user
        response = await self._http.send(
            method,
            url,
            headers=headers,
            params=params,
            json=json,
            read_only=method == "GET",
        )
        self.last_meta = evenergy_meta(response.headers)
        if not response.ok:
            raise evenergy_error(response, permission)
        return response

    async def _object[T: DataClassDictMixin](
        self,
        method: str,
        url: str,
        model: type[T],
        *,
        params: Any = None,
        json: Any = None,
        permission: str | None = None,
    ) -> T:
        response = await self._request(
            method, url, params=params, json=json, permission=permission
        )
        body = expect_object(response, f"{method} {url}")
        return parse_model(model, body, url, response.text)

    async def _page[T: DataClassDictMixin](
        self,
        url: str,
        model: type[T],
        *,
        params: Any = None,
        permission: str | None = None,
    ) -> Page[T]:
        response = await self._request("GET", url, params=params, permission=permission)
        if not isinstance(response.body, list):
            msg = f"Invalid response for GET {url}: expected a JSON array"
            raise EVInvalidResponseError(
                msg, status=response.status, raw=response.text[:500]
            )
        items = [parse_model(model, item, url, response.text) for item in response.body]
        found = links(response.headers.get("Link"))
        return Page(
            items=items,
            next_url=found["next"],
            previous_url=found["previous"],
            meta=self.last_meta,
        )

    async def _iterate[T: DataClassDictMixin](
        self,
        path: str,
        model: type[T],
        params: Any,
        permission: str,
    ) -> AsyncIterator[T]:
        """Every item across pages, following the ``next`` links."""
        page = await self._page(
            self.url(path), model, params=params, permission=permission
        )
        while True:
            for item in page.items:
                yield item
            if page.next_url is None:
                return
            page = await self._page(page.next_url, model, permission=permission)

    # -------------------------------------------------------------- vehicles
    async def iter_vehicles(
        self, *, expand: Iterable[str] = VEHICLE_EXPAND
    ) -> AsyncIterator[EvEnergyVehicle]:
        """Every vehicle of the user, across pages (expanded as asked)."""
        params = [("page_size", str(EVENERGY_PAGE_SIZE))]
        params += [("expand", field) for field in expand]
        async for vehicle in self._iterate(
            "/vehicles", EvEnergyVehicle, params, "vehicle:read"
        ):
            yield vehicle

    async def get_vehicles(
        self, *, expand: Iterable[str] = VEHICLE_EXPAND
    ) -> list[EvEnergyVehicle]:
        """Every vehicle of the user, as a list."""
        return [vehicle async for vehicle in self.iter_vehicles(expand=expand)]

    async def get_vehicle(
        self, vehicle_id: str, *, expand: Iterable[str] = VEHICLE_EXPAND
    ) -> EvEnergyVehicle:
        """One vehicle (with its latest status log and trim expanded)."""
        params = [("expand", field) for field in expand]
        return await self._object(
            "GET",
            self.url(f"/vehicles/{segment(vehicle_id)}"),
            EvEnergyVehicle,
            params=params,
            permission="vehicle:read",
        )

    async def get_latest_status_log(
        self, vehicle: EvEnergyVehicle
    ) -> EvEnergyStatusLog | None:
        """The vehicle's latest status log (None when there is none yet)."""
        log = vehicle.latest_status_log
        if log is None or isinstance(log, EvEnergyStatusLog):
            return log
        return await self._object(
            "GET", log, EvEnergyStatusLog, permission="vehicle:read"
        )

    async def set_charge_limit(
        self, vehicle_id: str, percentage: int | None
    ) -> EvEnergyVehicle:
        """Set ``maximum_charge_limit_percentage`` (50..100, or None to clear)."""
        if percentage is not None and not (
            EVENERGY_CHARGE_LIMIT_MIN <= percentage <= EVENERGY_CHARGE_LIMIT_MAX
        ):
            msg = (
                f"Charge limit {percentage} % is outside "
                f"{EVENERGY_CHARGE_LIMIT_MIN}..{EVENERGY_CHARGE_LIMIT_MAX}"
            )
            raise EVValidationError(
                msg, field_errors={"maximum_charge_limit_percentage": [msg]}
            )
        return await self._object(
            "PATCH",
            self.url(f"/vehicles/{segment(vehicle_id)}"),
            EvEnergyVehicle,
            params=[("expand", field) for field in VEHICLE_EXPAND],
            json={"maximum_charge_limit_percentage": percentage},
            permission="vehicle:write",
        )

    async def create_unintegrated_vehicle(
        self, trim_url: str, user_url: str
    ) -> EvEnergyVehicle:
        """Create a vehicle ev.energy cannot integrate (seed-era body)."""
        return await self._object(
            "POST",
            self.url("/vehicles"),
            EvEnergyVehicle,
            params=[("expand", "trim")],
            json={"trim": trim_url, "user": user_url},
            permission="vehicle:write",
        )

    # ------------------------------------------------------------ charging
    async def iter_charging_sub_sessions(
        self, vehicle_id: str, *, since: datetime | None = None
    ) -> AsyncIterator[EvEnergySubSession]:
        """The vehicle's charging sub-sessions, newest first.

        With ``since``, stops at the first sub-session that started before it
        (the list is sorted newest first), so older pages are not fetched.
        """
        params = [("vehicle_id", vehicle_id), ("page_size", str(EVENERGY_PAGE_SIZE))]
        async for session in self._iterate(
            "/charging_sub_sessions",
            EvEnergySubSession,
            params,
            "charging_session:read",
        ):
            if since is not None and session.start < since:
                return
            yield session

    async def get_charging_sub_sessions(
        self,
        vehicle_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[EvEnergySubSession]:
        """Sub-sessions that started in ``[since, until]``, newest first."""
        return [
            session
            async for session in self.iter_charging_sub_sessions(
                vehicle_id, since=since
            )
            if until is None or session.start <= until
        ]

    # ----------------------------------------------------------- catalogue
    async def get_trims(self) -> list[EvEnergyTrim]:
        """Every vehicle trim (with battery sizes)."""
        params = [("page_size", str(EVENERGY_PAGE_SIZE))]
        return [
            trim
            async for trim in self._iterate(
                "/vehicle_trims", EvEnergyTrim, params, "vehicle:read"
            )
        ]

    async def get_trim(self, trim_id: str) -> EvEnergyTrim:
        """One trim."""
        return await self._object(
            "GET", self.url(f"/vehicle_trims/{segment(trim_id)}"), EvEnergyTrim
        )

    async def get_users(self) -> list[EvEnergyUser]:
        """The users the token can see (one for an authorization-code token)."""
        return [
            user
            async for user in self._iterate("/users", EvEnergyUser, None, "user:read")
        ]

    async def get_current_user(self) -> EvEnergyUser:
        """The token's own user."""
        users = await self.get_users()
        if not users:
            msg = "The token gives access to no user"
            raise EVNotFoundError(msg)
        return users[0]
