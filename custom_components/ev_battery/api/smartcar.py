"""Async client of the Smartcar Vehicle API v2.0."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

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
    SMARTCAR_API_BASE,
    SMARTCAR_API_VERSION,
    SMARTCAR_CHARGE_LIMIT_MAX,
    SMARTCAR_CHARGE_LIMIT_MIN,
    SMARTCAR_VEHICLES_PAGE,
)
from .exceptions import (
    HTTP_SERVER_ERROR,
    EVAccountError,
    EVApiError,
    EVAuthenticationError,
    EVNotFoundError,
    EVNotSupportedError,
    EVPermissionError,
    EVQuotaExceededError,
    EVRateLimitError,
    EVServerError,
    EVValidationError,
    EVVehicleStateError,
    error_from,
)
from .models import (
    Battery,
    BatteryCapacity,
    ChargeLimit,
    ChargeRecords,
    ChargeStatus,
    CommandResult,
    Location,
    NominalCapacity,
    Odometer,
    Permissions,
    ResponseMeta,
    Signal,
    UnitSystem,
    VehicleAttributes,
    VehicleSnapshot,
    Vin,
    WebhookSubscription,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    import aiohttp

ERROR_CLASSES: Mapping[str, type[EVApiError]] = {
    "AUTHENTICATION": EVAuthenticationError,
    "PERMISSION": EVPermissionError,
    "RESOURCE_NOT_FOUND": EVNotFoundError,
    "RATE_LIMIT": EVRateLimitError,
    "BILLING": EVQuotaExceededError,
    "VEHICLE_STATE": EVVehicleStateError,
    "COMPATIBILITY": EVNotSupportedError,
    "UPSTREAM": EVServerError,
    "SERVER": EVServerError,
    "VALIDATION": EVValidationError,
    "CONNECTED_SERVICES_ACCOUNT": EVAccountError,
}

# The permission each read needs (carried by EVPermissionError).
SIGNAL_PERMISSIONS: Mapping[Signal, str] = {
    Signal.ATTRIBUTES: "read_vehicle_info",
    Signal.VIN: "read_vin",
    Signal.BATTERY: "read_battery",
    Signal.BATTERY_CAPACITY: "read_battery",
    Signal.NOMINAL_CAPACITY: "read_battery",
    Signal.CHARGE: "read_charge",
    Signal.CHARGE_LIMIT: "read_charge",
    Signal.ODOMETER: "read_odometer",
    Signal.LOCATION: "read_location",
}

SIGNAL_MODELS: Mapping[Signal, tuple[str, Any]] = {
    Signal.ATTRIBUTES: ("attributes", VehicleAttributes),
    Signal.VIN: ("vin", Vin),
    Signal.BATTERY: ("battery", Battery),
    Signal.BATTERY_CAPACITY: ("capacity", BatteryCapacity),
    Signal.NOMINAL_CAPACITY: ("nominal_capacity", NominalCapacity),
    Signal.CHARGE: ("charge", ChargeStatus),
    Signal.CHARGE_LIMIT: ("charge_limit", ChargeLimit),
    Signal.ODOMETER: ("odometer", Odometer),
    Signal.LOCATION: ("location", Location),
}

STATUS_FALLBACK: Mapping[int, type[EVApiError]] = {
    401: EVAuthenticationError,
    403: EVPermissionError,
    404: EVNotFoundError,
    409: EVVehicleStateError,
    429: EVRateLimitError,
    430: EVQuotaExceededError,  # Smartcar BILLING
    501: EVNotSupportedError,
}


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def retry_after_seconds(value: str | None) -> int | None:
    """``Retry-After`` in whole seconds (None if absent or not a number)."""
    if value is None:
        return None
    try:
        return max(0, int(float(value)))
    except ValueError:
        return None


def response_meta(headers: Mapping[str, str], request_id: str | None) -> ResponseMeta:
    """The Smartcar headers of a response (or of a batch sub-response)."""
    lowered = {key.lower(): value for key, value in headers.items()}
    unit = lowered.get("sc-unit-system")
    return ResponseMeta(
        request_id=lowered.get("sc-request-id", request_id),
        data_age=_parse_time(lowered.get("sc-data-age")),
        fetched_at=_parse_time(lowered.get("sc-fetched-at")),
        unit_system=UnitSystem(unit) if unit in ("metric", "imperial") else None,
    )


def smartcar_error(
    status: int,
    body: Any,
    *,
    text: str = "",
    request_id: str | None = None,
    retry_after: int | None = None,
    permission: str | None = None,
) -> EVApiError:
    """The exception for a Smartcar error answer."""
    if isinstance(body, dict) and isinstance(body.get("type"), str):
        error_type = body["type"]
        code = body.get("code")
        request_id = body.get("requestId") or request_id
        description = body.get("description") or "no description"
        message = f"{error_type}:{code} - {description}"
        cls = ERROR_CLASSES.get(error_type, EVApiError)
    else:
        error_type = code = None
        message = f"HTTP {status} without a Smartcar error body"
        server = status >= HTTP_SERVER_ERROR
        cls = STATUS_FALLBACK.get(status, EVServerError if server else EVApiError)
    return error_from(
        cls,
        message,
        retry_after=retry_after,
        permission=permission,
        status=status,
        error_type=error_type,
        code=code,
        request_id=request_id,
        raw=body if body is not None else text[:500],
    )


class SmartcarClient(ClientBase):
    """Talks to Smartcar's Vehicle API v2.0 for one user's access token.

    ``api_base`` defaults to Smartcar's host; point it at the simulator
    (``http://127.0.0.1:8765/smartcar/api``) to run offline.
    """

    def __init__(
        self,
        token_provider: TokenProvider,
        *,
        session: aiohttp.ClientSession | None = None,
        api_base: str = SMARTCAR_API_BASE,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Create the client; ``session`` is used as given and not closed."""
        super().__init__(
            token_provider, session=session, request_timeout=request_timeout
        )
        self.api_base = api_base.rstrip("/")

    # ------------------------------------------------------------------ core
    def _url(self, path: str) -> str:
        return f"{self.api_base}/{SMARTCAR_API_VERSION}{path}"

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        bearer: str | None = None,
        permission: str | None = None,
    ) -> tuple[dict[str, Any], ResponseMeta, RawResponse]:
        headers = {"sc-unit-system": "metric"} if method == "GET" else None
        response = await self._http.send(
            method,
            self._url(path),
            headers=headers,
            params=params,
            json=json,
            bearer=bearer,
            read_only=method == "GET" or path.endswith("/batch"),
        )
        request_id = response.headers.get("sc-request-id")
        if not response.ok:
            raise smartcar_error(
                response.status,
                response.body,
                text=response.text,
                request_id=request_id,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
                permission=permission,
            )
        body = expect_object(response, f"{method} {path}")
        return body, response_meta(response.headers, request_id), response

    async def _read[T](
        self,
        path: str,
        model: Any,
        *,
        permission: str | None,
        params: Mapping[str, Any] | None = None,
    ) -> T:
        body, meta, response = await self._request(
            "GET", path, params=params, permission=permission
        )
        parsed: Any = parse_model(model, body, path, response.text)
        result: T = dataclasses.replace(parsed, meta=meta)
        return result

    async def _signal[T](self, vehicle_id: str, signal: Signal) -> T:
        _, model = SIGNAL_MODELS[signal]
        path = f"/vehicles/{segment(vehicle_id)}" + (
            "" if signal is Signal.ATTRIBUTES else signal.value
        )
        result: T = await self._read(path, model, permission=SIGNAL_PERMISSIONS[signal])
        return result

    # ----------------------------------------------------------------- reads
    async def get_user_id(self) -> str:
        """The Smartcar user id of the token (``GET /user``)."""
        body, _, _ = await self._request("GET", "/user")
        user_id = body.get("id")
        if not isinstance(user_id, str):
            msg = "Invalid response for GET /user: no id"
            raise EVApiError(msg, raw=body)
        return user_id

    async def get_vehicle_ids(self) -> list[str]:
        """Every vehicle id the token can access (follows paging)."""
        ids: list[str] = []
        while True:
            body, _, _ = await self._request(
                "GET",
                "/vehicles",
                params={"limit": SMARTCAR_VEHICLES_PAGE, "offset": len(ids)},
            )
            page = body.get("vehicles")
            paging = body.get("paging") or {}
            if not isinstance(page, list) or not all(isinstance(v, str) for v in page):
                msg = "Invalid response for GET /vehicles"
                raise EVApiError(msg, raw=body)
            ids.extend(page)
            total = paging.get("count") if isinstance(paging, dict) else None
            if not page or not isinstance(total, int) or len(ids) >= total:
                return ids

    async def get_attributes(self, vehicle_id: str) -> VehicleAttributes:
        """Make, model and year."""
        return await self._signal(vehicle_id, Signal.ATTRIBUTES)

    async def get_vin(self, vehicle_id: str) -> Vin:
        """The VIN."""
        return await self._signal(vehicle_id, Signal.VIN)

    async def get_battery(self, vehicle_id: str) -> Battery:
        """State of charge and range (km)."""
        return await self._signal(vehicle_id, Signal.BATTERY)

    async def get_battery_capacity(self, vehicle_id: str) -> BatteryCapacity:
        """Usable battery capacity (kWh)."""
        return await self._signal(vehicle_id, Signal.BATTERY_CAPACITY)

    async def get_nominal_capacity(self, vehicle_id: str) -> NominalCapacity:
        """Nominal capacity and the capacities the model is sold with."""
        return await self._signal(vehicle_id, Signal.NOMINAL_CAPACITY)

    async def get_charge_status(self, vehicle_id: str) -> ChargeStatus:
        """Plugged in and charging state."""
        return await self._signal(vehicle_id, Signal.CHARGE)

    async def get_charge_limit(self, vehicle_id: str) -> ChargeLimit:
        """The charge limit (fraction)."""
        return await self._signal(vehicle_id, Signal.CHARGE_LIMIT)

    async def get_odometer(self, vehicle_id: str) -> Odometer:
        """Odometer (km)."""
        return await self._signal(vehicle_id, Signal.ODOMETER)

    async def get_location(self, vehicle_id: str) -> Location:
        """Latitude and longitude."""
        return await self._signal(vehicle_id, Signal.LOCATION)

    async def get_charge_records(
        self,
        vehicle_id: str,
        make: str,
        *,
        start: date | None = None,
        end: date | None = None,
    ) -> ChargeRecords:
        """Charge records from the make-specific endpoint (e.g. Tesla)."""
        params = {}
        if start is not None:
            params["startDate"] = start.isoformat()
        if end is not None:
            params["endDate"] = end.isoformat()
        return await self._read(
            f"/vehicles/{segment(vehicle_id)}/{segment(make.lower())}/charge/records",
            ChargeRecords,
            permission="read_charge_records",
            params=params,
        )

    async def get_permissions(self, vehicle_id: str) -> Permissions:
        """Every permission granted for the vehicle (follows paging)."""
        granted: list[str] = []
        meta = ResponseMeta()
        while True:
            body, meta, _ = await self._request(
                "GET",
                f"/vehicles/{segment(vehicle_id)}/permissions",
                params={"limit": SMARTCAR_VEHICLES_PAGE, "offset": len(granted)},
            )
            page = body.get("permissions")
            if not isinstance(page, list):
                msg = "Invalid response for permissions"
                raise EVApiError(msg, raw=body)
            granted.extend(str(item) for item in page)
            total = (body.get("paging") or {}).get("count")
            if not page or not isinstance(total, int) or len(granted) >= total:
                return Permissions(permissions=granted, meta=meta)

    # -------------------------------------------------------------- commands
    async def _command(self, path: str, payload: Any, permission: str) -> CommandResult:
        body, meta, response = await self._request(
            "POST", path, json=payload, permission=permission
        )
        parsed: CommandResult = parse_model(CommandResult, body, path, response.text)
        return dataclasses.replace(parsed, meta=meta)

    async def start_charge(self, vehicle_id: str) -> CommandResult:
        """Start charging."""
        return await self._command(
            f"/vehicles/{segment(vehicle_id)}/charge",
            {"action": "START"},
            "control_charge",
        )

    async def stop_charge(self, vehicle_id: str) -> CommandResult:
        """Stop charging."""
        return await self._command(
            f"/vehicles/{segment(vehicle_id)}/charge",
            {"action": "STOP"},
            "control_charge",
        )

    async def set_charge_limit(self, vehicle_id: str, limit: float) -> CommandResult:
        """Set the charge limit (a fraction, 0.5..1.0), validated before the call."""
        if not SMARTCAR_CHARGE_LIMIT_MIN <= limit <= SMARTCAR_CHARGE_LIMIT_MAX:
            msg = (
                f"Charge limit {limit} is outside {SMARTCAR_CHARGE_LIMIT_MIN}"
                f"..{SMARTCAR_CHARGE_LIMIT_MAX}"
            )
            raise EVValidationError(msg, code="PARAMETER")
        return await self._command(
            f"/vehicles/{segment(vehicle_id)}/charge/limit",
            {"limit": limit},
            "control_charge",
        )

    async def disconnect(self, vehicle_id: str) -> CommandResult:
        """Revoke this application's access to the vehicle."""
        body, meta, response = await self._request(
            "DELETE", f"/vehicles/{segment(vehicle_id)}/application"
        )
        parsed: CommandResult = parse_model(
            CommandResult, body, "disconnect", response.text
        )
        return dataclasses.replace(parsed, meta=meta)

    async def subscribe_webhook(
        self, vehicle_id: str, webhook_id: str
    ) -> WebhookSubscription:
        """Subscribe the vehicle to a webhook defined in the Smartcar dashboard."""
        body, _, response = await self._request(
            "POST", f"/vehicles/{segment(vehicle_id)}/webhooks/{segment(webhook_id)}"
        )
        return parse_model(
            WebhookSubscription, body, "webhook subscribe", response.text
        )

    async def unsubscribe_webhook(
        self, vehicle_id: str, webhook_id: str, management_token: str
    ) -> CommandResult:
        """Unsubscribe (authenticated with the application management token)."""
        body, meta, response = await self._request(
            "DELETE",
            f"/vehicles/{segment(vehicle_id)}/webhooks/{segment(webhook_id)}",
            bearer=management_token,
        )
        parsed: CommandResult = parse_model(
            CommandResult, body, "webhook unsubscribe", response.text
        )
        return dataclasses.replace(parsed, meta=meta)

    # ----------------------------------------------------------------- batch
    async def batch(
        self, vehicle_id: str, signals: Iterable[Signal]
    ) -> VehicleSnapshot:
        """Read several signals in one request; each may fail on its own."""
        wanted = list(dict.fromkeys(signals))
        if not wanted:
            msg = "batch needs at least one signal"
            raise EVValidationError(msg)
        body, meta, _ = await self._request(
            "POST",
            f"/vehicles/{segment(vehicle_id)}/batch",
            json={"requests": [{"path": signal.value} for signal in wanted]},
        )
        items = body.get("responses")
        if not isinstance(items, list):
            msg = "Invalid response for batch: no responses"
            raise EVApiError(msg, raw=body, request_id=meta.request_id)
        by_path = {item.get("path"): item for item in items if isinstance(item, dict)}
        values: dict[str, Any] = {}
        errors: dict[Signal, Exception] = {}
        for signal in wanted:
            try:
                attribute, value = self._batch_value(
                    signal, by_path.get(signal.value), meta
                )
            except EVApiError as err:
                errors[signal] = err
            else:
                values[attribute] = value
        return VehicleSnapshot(
            vehicle_id=vehicle_id, errors=errors, meta=meta, **values
        )

    @staticmethod
    def _batch_value(
        signal: Signal, item: dict[str, Any] | None, batch_meta: ResponseMeta
    ) -> tuple[str, Any]:
        attribute, model = SIGNAL_MODELS[signal]
        if item is None:
            msg = f"Batch response has no answer for {signal.value}"
            raise EVApiError(msg, request_id=batch_meta.request_id)
        code = item.get("code")
        body = item.get("body")
        headers = item.get("headers") if isinstance(item.get("headers"), dict) else {}
        if not isinstance(code, int) or not 200 <= code < 300:  # noqa: PLR2004
            # A per-path 429 carries its own Retry-After (any header case).
            wait = next(
                (
                    str(value)
                    for name, value in (headers or {}).items()
                    if str(name).lower() == "retry-after"
                ),
                None,
            )
            raise smartcar_error(
                code if isinstance(code, int) else 0,
                body,
                request_id=batch_meta.request_id,
                permission=SIGNAL_PERMISSIONS[signal],
                retry_after=retry_after_seconds(wait),
            )
        meta = response_meta(headers or {}, batch_meta.request_id)
        parsed = parse_model(model, body, f"batch {signal.value}")
        return attribute, dataclasses.replace(parsed, meta=meta)
