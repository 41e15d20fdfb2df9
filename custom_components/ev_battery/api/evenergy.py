"""Async client of the ev.energy v2 API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
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
    EvEnergyChargingSession,
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

# EVVehicleStateError codes of the boost commands' refusals.
SMART_CHARGING_DISABLED = "SMART_CHARGING_DISABLED"
NOT_BOOSTABLE = "NOT_BOOSTABLE"
NOT_BOOSTING = "NOT_BOOSTING"
COMMAND_NOT_DELIVERED = "COMMAND_NOT_DELIVERED"
HTTP_CONFLICT = 409
HTTP_UNAVAILABLE = 503
# start__gt is strict: ask from a little earlier, then filter exactly.
SINCE_SLACK = timedelta(milliseconds=1)


def _last_segment(url: str | None) -> str | None:
    return url.rstrip("/").rsplit("/", 1)[-1] if url else None


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _boost_error(err: EVApiError, conflict_code: str) -> EVApiError:
    """The refusal of a boost command, with its reason as ``code``.

    The spec documents the two 409 cases but not their bodies: a problem
    that mentions smart charging is the first, any other 409 the second.
    """
    if err.status == HTTP_CONFLICT:
        raw = err.raw if isinstance(err.raw, dict) else {}
        text = " ".join(
            str(raw.get(name) or "") for name in ("type", "title", "detail")
        ).lower()
        smart = "smart-charging" in text or "smart charging" in text
        code = SMART_CHARGING_DISABLED if smart else conflict_code
    elif err.status == HTTP_UNAVAILABLE:
        code = COMMAND_NOT_DELIVERED
    else:
        return err
    return EVVehicleStateError(
        err.message,
        status=err.status,
        code=code,
        error_type=err.error_type,
        raw=err.raw,
    )


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
        self,
        *,
        model_url: str,
        user_url: str,
        trim_url: str | None = None,
        battery_size_watt_hours: int | None = None,
        description: str | None = None,
    ) -> EvEnergyVehicle:
        """Create a vehicle ev.energy cannot integrate.

        The 2026 API takes the vehicle **model** (and an optional battery
        size), the seed era's took the **trim**. One body serves both: it
        names the model, the trim (when known) and the user, and the API
        ignores the field its era does not know (Django REST Framework drops
        unknown fields). With the trim's battery size as
        ``battery_size_watt_hours``, the 2026 API keeps the trim's capacity.
        """
        body: dict[str, Any] = {"model": model_url, "user": user_url}
        if trim_url is not None:
            body["trim"] = trim_url
        if battery_size_watt_hours is not None:
            body["battery_size_watt_hours"] = battery_size_watt_hours
        if description is not None:
            body["description"] = description
        return await self._object(
            "POST",
            self.url("/vehicles"),
            EvEnergyVehicle,
            params=[("expand", "trim")],
            json=body,
            permission="vehicle:write",
        )

    # ------------------------------------------------------- boost, 2026 only
    async def get_charging_sessions(
        self, vehicle_id: str | None = None, *, is_finished: bool | None = None
    ) -> list[EvEnergyChargingSession]:
        """Charging sessions (plug-ins), newest first, sub-sessions expanded.

        A filter on ``is_finished`` or ``vehicle_id`` is sent to the API and
        applied here as well (the spec lists no filter for this collection).
        """
        params: list[tuple[str, str]] = [
            ("page_size", str(EVENERGY_PAGE_SIZE)),
            ("expand", "sub_sessions"),
        ]
        if vehicle_id is not None:
            params.append(("vehicle_id", vehicle_id))
        if is_finished is not None:
            params.append(("is_finished", "true" if is_finished else "false"))
        sessions: list[EvEnergyChargingSession] = []
        async for session in self._iterate(
            "/charging_sessions",
            EvEnergyChargingSession,
            params,
            "charging_session:read",
        ):
            if vehicle_id is not None and _last_segment(session.vehicle) != vehicle_id:
                continue
            if is_finished is not None and (session.end is not None) != is_finished:
                continue
            sessions.append(session)
            if is_finished is False:
                break  # a vehicle has at most one plug-in at a time
        return sessions

    async def get_current_charging_session(
        self, vehicle_id: str
    ) -> EvEnergyChargingSession | None:
        """The vehicle's charging session while it is plugged in, if any."""
        sessions = await self.get_charging_sessions(vehicle_id, is_finished=False)
        return sessions[0] if sessions else None

    async def boost_start(self, session_id: str) -> EvEnergyChargingSession:
        """Charge now at full power (ends the SMART sub-session).

        409 (smart charging off, or not boostable) and 503 (the command did
        not reach the car) raise :class:`EVVehicleStateError` with ``code``
        ``SMART_CHARGING_DISABLED``, ``NOT_BOOSTABLE`` or
        ``COMMAND_NOT_DELIVERED``.
        """
        return await self._boost(session_id, "boost_start", NOT_BOOSTABLE)

    async def boost_end(self, session_id: str) -> EvEnergyChargingSession:
        """End the boost (back to smart charging); 409 code ``NOT_BOOSTING``."""
        return await self._boost(session_id, "boost_end", NOT_BOOSTING)

    async def _boost(
        self, session_id: str, action: str, conflict_code: str
    ) -> EvEnergyChargingSession:
        url = self.url(f"/charging_sessions/{segment(session_id)}/{action}")
        try:
            session = await self._object(
                "POST",
                url,
                EvEnergyChargingSession,
                params=[("expand", "sub_sessions")],
                permission="charging_session:write",
            )
        except (EVVehicleStateError, EVServerError) as err:
            raise _boost_error(err, conflict_code) from err
        if all(isinstance(sub, str) for sub in session.sub_sessions):
            # The answer's sub-sessions are links (expand not honoured on a
            # POST): read the session once more with them expanded.
            session = await self.get_charging_session(session.id)
        return session

    async def get_charging_session(self, session_id: str) -> EvEnergyChargingSession:
        """One charging session, sub-sessions expanded."""
        return await self._object(
            "GET",
            self.url(f"/charging_sessions/{segment(session_id)}"),
            EvEnergyChargingSession,
            params=[("expand", "sub_sessions")],
            permission="charging_session:read",
        )

    async def get_webhook_portal_url(self) -> str:
        """A one-time link to the Svix portal where webhook endpoints are set."""
        response = await self._request("GET", self.url("/webhook_portal"))
        body = expect_object(response, "GET /webhook_portal")
        url = body.get("url")
        if not isinstance(url, str):
            msg = "Invalid response for GET /webhook_portal: no url"
            raise EVInvalidResponseError(msg, raw=response.text[:500])
        return url

    # ------------------------------------------------------------ charging
    async def iter_charging_sub_sessions(
        self, vehicle_id: str, *, since: datetime | None = None
    ) -> AsyncIterator[EvEnergySubSession]:
        """The vehicle's charging sub-sessions, newest first.

        With ``since``, stops at the first sub-session that started before it
        (the list is sorted newest first), so older pages are not fetched.
        """
        params = [("vehicle_id", vehicle_id), ("page_size", str(EVENERGY_PAGE_SIZE))]
        if since is not None:
            # The documented filter (strictly after); checked here as well.
            params.append(("start__gt", _stamp(since - SINCE_SLACK)))
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

    async def get_trim(
        self, trim_id: str, *, expand: Iterable[str] = ()
    ) -> EvEnergyTrim:
        """One trim (``expand=("model",)`` nests its model)."""
        return await self._object(
            "GET",
            self.url(f"/vehicle_trims/{segment(trim_id)}"),
            EvEnergyTrim,
            params=[("expand", field) for field in expand] or None,
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
