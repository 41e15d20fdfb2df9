"""Typed, frozen models of Smartcar's Vehicle API v3 and its tolerant parsers.

v3 answers are JSON:API documents whose details the public documentation
leaves open in places (see ``smartcar-v3.md``); every such choice is made in
one place below, marked ``UNCERTAIN``, and parsing accepts each variant.
Values a car reports in an unexpected shape become ``None`` (never a crash);
only a missing required field (an id) raises :class:`EVInvalidResponseError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .exceptions import EVInvalidResponseError

if TYPE_CHECKING:
    from collections.abc import Callable

EMPTY: Mapping[str, Any] = MappingProxyType({})

# UNCERTAIN (smartcar-v3.md): REST answers carry ISO-8601 times and webhooks
# epoch milliseconds; both are accepted everywhere. A number below this bound
# is taken as epoch seconds (no 2026 time in milliseconds is that small).
EPOCH_MS_FROM = 100_000_000_000


class SignalCode(StrEnum):
    """The v3 signal codes (``group-name``) this package reads."""

    STATE_OF_CHARGE = "tractionbattery-stateofcharge"
    RANGE = "tractionbattery-range"
    NOMINAL_CAPACITY = "tractionbattery-nominalcapacity"
    IS_CHARGING = "charge-ischarging"
    IS_CHARGING_CABLE_CONNECTED = "charge-ischargingcableconnected"
    DETAILED_CHARGING_STATUS = "charge-detailedchargingstatus"
    CHARGE_LIMITS = "charge-chargelimits"
    CHARGE_RATE = "charge-chargerate"
    WATTAGE = "charge-wattage"
    AMPERAGE = "charge-amperage"
    VOLTAGE = "charge-voltage"
    ENERGY_ADDED = "charge-energyadded"
    TIME_TO_COMPLETE = "charge-timetocomplete"
    IS_FAST_CHARGER_PRESENT = "charge-isfastchargerpresent"
    TRAVELED_DISTANCE = "odometer-traveleddistance"
    PRECISE_LOCATION = "location-preciselocation"
    IS_AT_HOME = "location-isathome"
    VIN = "vehicleidentification-vin"
    IS_ONLINE = "connectivitystatus-isonline"
    IS_ASLEEP = "connectivitystatus-isasleep"
    IS_LOCKED = "closure-islocked"
    LOW_VOLTAGE_STATE_OF_CHARGE = "lowvoltagebattery-stateofcharge"


class ChargingStatus(StrEnum):
    """``charge-detailedchargingstatus``; values it does not know are UNKNOWN."""

    CHARGING = "CHARGING"
    NOT_CHARGING = "NOT_CHARGING"
    FULLY_CHARGED = "FULLY_CHARGED"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def _missing_(cls, value: object) -> ChargingStatus:
        del value  # every unknown value maps to the same member
        return cls.UNKNOWN


# UNCERTAIN (smartcar-v3.md): unit strings. Each table maps the spellings
# accepted (lower case, without spaces, "_" or "-") to the factor into the
# unit the accessor returns; a missing unit is the first (metric) entry, an
# unknown unit makes the value None rather than a wrong number.
PERCENT_UNITS: Mapping[str, float] = {"percent": 1, "%": 1, "pct": 1}
DISTANCE_UNITS: Mapping[str, float] = {
    "kilometers": 1,
    "km": 1,
    "kilometres": 1,
    "kilometer": 1,
    "kilometre": 1,
    "mi": 1.609344,
    "miles": 1.609344,
    "mile": 1.609344,
    "m": 0.001,
    "meters": 0.001,
    "metres": 0.001,
}
ENERGY_UNITS: Mapping[str, float] = {
    "kwh": 1,
    "kilowatthours": 1,
    "kilowatthour": 1,
    "wh": 0.001,
    "watthours": 0.001,
    "watthour": 0.001,
}
POWER_UNITS: Mapping[str, float] = {
    "kw": 1,
    "kilowatts": 1,
    "kilowatt": 1,
    "w": 0.001,
    "watts": 0.001,
    "watt": 0.001,
}
CURRENT_UNITS: Mapping[str, float] = {
    "a": 1,
    "amps": 1,
    "amperes": 1,
    "ampere": 1,
    "ma": 0.001,
}
VOLTAGE_UNITS: Mapping[str, float] = {"v": 1, "volts": 1, "volt": 1}
DURATION_MIN_UNITS: Mapping[str, float] = {
    "minutes": 1,
    "min": 1,
    "mins": 1,
    "minute": 1,
    "h": 60,
    "hours": 60,
    "hour": 60,
    "s": 1 / 60,
    "seconds": 1 / 60,
    "second": 1 / 60,
}

# UNCERTAIN (smartcar-v3.md): command execution statuses. Only SUCCESS and
# IN_PROGRESS are documented; these are taken as still running (as is any
# 202), every other status string is kept as text and taken as final.
PENDING_STATUSES = frozenset({"IN_PROGRESS", "PENDING", "QUEUED", "RUNNING"})


# ------------------------------------------------------------------ helpers
def parse_time(value: Any) -> datetime | None:
    """An aware datetime from an ISO string or epoch ms/s; None if neither."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text)
        except ValueError:
            return _iso_time(text)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value):
        return None
    seconds = value / 1000 if abs(value) >= EPOCH_MS_FROM else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _iso_time(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def as_dict(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty mapping."""
    return value if isinstance(value, dict) else EMPTY


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _required(value: Any, what: str, raw: Any = None) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        msg = f"Invalid response: {what} is missing"
        raise EVInvalidResponseError(msg, raw=raw)
    return value


def unwrap(document: Any) -> Mapping[str, Any]:
    """The resource of a JSON:API document, wrapped in ``data`` or not."""
    # UNCERTAIN (smartcar-v3.md): whether single resources (a vehicle, a
    # signal, a command execution) come wrapped in "data"; both are accepted.
    body = as_dict(document)
    data = body.get("data")
    return data if isinstance(data, dict) else body


def _attributes(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    """A resource's ``attributes``, or the resource itself when flat."""
    attributes = resource.get("attributes")
    return attributes if isinstance(attributes, dict) else resource


def _relationship_id(resource: Mapping[str, Any], name: str) -> str | None:
    related = as_dict(as_dict(resource.get("relationships")).get(name))
    return _str(as_dict(related.get("data")).get("id"))


def _quantity(
    body: Mapping[str, Any], units: Mapping[str, float], key: str = "value"
) -> float | None:
    value = _number(body.get(key))
    if value is None:
        return None
    unit = body.get("unit")
    if unit is None:
        return value
    if not isinstance(unit, str):
        return None
    factor = units.get(unit.lower().replace(" ", "").replace("_", "").replace("-", ""))
    if factor is None:
        return None
    return value if factor == 1 else round(value * factor, 4)


# ------------------------------------------------------------------- models
@dataclass(frozen=True, slots=True)
class Reading[T]:
    """A signal's value in the accessor's unit.

    ``ok`` is False when the signal is in error and this is its last value.
    """

    value: T
    updated_at: datetime | None
    ok: bool = True


@dataclass(frozen=True, slots=True)
class V3Location:
    """``location-preciselocation``: degrees, heading in degrees if known."""

    latitude: float
    longitude: float
    heading: float | None = None
    location_type: str | None = None


@dataclass(frozen=True, slots=True)
class SignalError:
    """Why a signal (or a webhook delivery) is in error."""

    type: str | None
    code: str | None
    title: str | None = None
    detail: str | None = None
    resolution: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> SignalError:
        """Parse ``{type, code, title, detail, resolution: {type}}``."""
        error = as_dict(data)
        resolution = error.get("resolution")
        return cls(
            type=_str(error.get("type")),
            code=_str(error.get("code")),
            title=_str(error.get("title")),
            detail=_str(error.get("detail")),
            resolution=_str(as_dict(resolution).get("type")) or _str(resolution),
        )


@dataclass(frozen=True, slots=True)
class SignalValue:
    """One signal as read (``GET /signals``) or pushed (a webhook)."""

    code: str
    name: str | None
    group: str | None
    ok: bool
    body: Mapping[str, Any]
    error: SignalError | None = None
    ingested_at: datetime | None = None
    retrieved_at: datetime | None = None
    oem_updated_at: datetime | None = None

    @property
    def updated_at(self) -> datetime | None:
        """When the value was measured, as best known."""
        return self.oem_updated_at or self.retrieved_at or self.ingested_at

    @classmethod
    def from_json(cls, data: Any) -> SignalValue:
        """Parse a JSON:API signal resource, or a webhook's flat signal."""
        resource = unwrap(data)
        attributes = _attributes(resource)
        code = _required(attributes.get("code") or resource.get("id"), "signal code")
        status = attributes.get("status")
        # A bare status string is accepted as well as {"value": ...}.
        status_value = (
            status if isinstance(status, str) else as_dict(status).get("value")
        )
        error = as_dict(status).get("error") or attributes.get("error")
        ok = (status_value is None or status_value == "SUCCESS") and not error
        meta = as_dict(resource.get("meta")) or as_dict(attributes.get("meta"))
        body = attributes.get("body")
        return cls(
            code=code,
            name=_str(attributes.get("name")),
            group=_str(attributes.get("group")),
            ok=ok,
            body=MappingProxyType(dict(body)) if isinstance(body, dict) else EMPTY,
            error=SignalError.from_json(error) if isinstance(error, dict) else None,
            ingested_at=parse_time(meta.get("ingestedAt")),
            retrieved_at=parse_time(meta.get("retrievedAt")),
            oem_updated_at=parse_time(meta.get("oemUpdatedAt")),
        )


@dataclass(frozen=True, slots=True)
class V3Vehicle:
    """``GET /vehicles/{id}`` (or a connection's, a signal set's, a delivery's)."""

    id: str
    make: str | None = None
    model: str | None = None
    year: int | None = None
    mode: str | None = None
    powertrain_type: str | None = None

    @classmethod
    def from_json(cls, data: Any, vehicle_id: str | None = None) -> V3Vehicle:
        """Parse a vehicle resource (wrapped or not, attributes or flat)."""
        resource = unwrap(data)
        attributes = _attributes(resource)
        return cls(
            id=_required(resource.get("id") or vehicle_id, "vehicle id", data),
            make=_str(attributes.get("make")),
            model=_str(attributes.get("model")),
            year=_int(attributes.get("year")),
            mode=_str(attributes.get("mode")),
            powertrain_type=_str(attributes.get("powertrainType")),
        )


@dataclass(frozen=True, slots=True)
class V3Connection:
    """One connection of ``GET /connections``: a user's vehicle."""

    id: str
    user_id: str | None
    vehicle_id: str
    make: str | None
    model: str | None
    year: int | None
    mode: str | None
    powertrain_type: str | None
    permissions: tuple[str, ...]
    created_at: datetime | None

    @property
    def vehicle(self) -> V3Vehicle:
        """The connected vehicle."""
        return V3Vehicle(
            id=self.vehicle_id,
            make=self.make,
            model=self.model,
            year=self.year,
            mode=self.mode,
            powertrain_type=self.powertrain_type,
        )

    @classmethod
    def from_json(cls, data: Any) -> V3Connection:
        """Parse a connection resource."""
        resource = as_dict(data)
        attributes = _attributes(resource)
        vehicle = as_dict(attributes.get("vehicle"))
        permissions = attributes.get("permissions")
        meta = as_dict(resource.get("meta"))
        vehicle_id = _relationship_id(resource, "vehicle") or vehicle.get("id")
        return cls(
            id=_required(resource.get("id"), "connection id", data),
            user_id=_str(as_dict(attributes.get("user")).get("id"))
            or _relationship_id(resource, "user"),
            vehicle_id=_required(vehicle_id, "connection vehicle id", data),
            make=_str(vehicle.get("make")),
            model=_str(vehicle.get("model")),
            year=_int(vehicle.get("year")),
            mode=_str(vehicle.get("mode")),
            powertrain_type=_str(vehicle.get("powertrainType")),
            permissions=tuple(
                p
                for p in (permissions if isinstance(permissions, list) else ())
                if isinstance(p, str)
            ),
            created_at=parse_time(meta.get("createdAt") or attributes.get("createdAt")),
        )


@dataclass(frozen=True, slots=True)
class V3Subscription:
    """A vehicle's subscription to a webhook (Management API)."""

    id: str
    webhook_id: str | None
    vehicle_id: str | None
    user_id: str | None
    created_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> V3Subscription:
        """Parse a subscription resource."""
        resource = as_dict(data)
        attributes = _attributes(resource)
        return cls(
            id=_required(resource.get("id"), "subscription id", data),
            webhook_id=_str(attributes.get("webhookId"))
            or _relationship_id(resource, "webhook"),
            vehicle_id=_str(attributes.get("vehicleId"))
            or _relationship_id(resource, "vehicle"),
            user_id=_str(attributes.get("userId"))
            or _relationship_id(resource, "user"),
            created_at=parse_time(attributes.get("createdAt")),
        )


@dataclass(frozen=True, slots=True)
class CommandExecution:
    """A command's execution; ``pending`` while the car is still acting (202).

    A command never returns the new vehicle state: a signal or a webhook
    delivery confirms it.
    """

    id: str | None
    command_type: str | None
    status: str | None
    execution_mode: str | None
    pending: bool
    executed_at: datetime | None = None
    completed_at: datetime | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the execution finished with SUCCESS."""
        return self.status == "SUCCESS"

    @classmethod
    def from_json(cls, data: Any, *, http_status: int = 200) -> CommandExecution:
        """Parse an execution document (a 202 may carry an empty body)."""
        resource = unwrap(data)
        attributes = _attributes(resource)
        status = attributes.get("status")
        status_value = _str(
            status if isinstance(status, str) else as_dict(status).get("value")
        )
        meta = as_dict(resource.get("meta"))
        return cls(
            id=_str(resource.get("id")),
            command_type=_str(attributes.get("commandType")),
            status=status_value,
            execution_mode=_str(attributes.get("executionMode")),
            pending=http_status == 202  # noqa: PLR2004
            or (status_value or "").upper() in PENDING_STATUSES,
            executed_at=parse_time(meta.get("executedAt")),
            completed_at=parse_time(meta.get("completedAt")),
        )


# --------------------------------------------------------------- signal set
def _newer(old: SignalValue, new: SignalValue) -> SignalValue:
    """The signal ``merge`` keeps: the newer one (``new`` on a tie or unknown).

    A newer error without a body keeps the older value, marked not ok.
    """
    if (
        old.updated_at is not None
        and new.updated_at is not None
        and new.updated_at < old.updated_at
    ):
        return old
    if not new.ok and not new.body and old.body:
        return replace(old, ok=False, error=new.error)
    return new


class SignalSet(Mapping[str, SignalValue]):
    """The signals of one vehicle: an immutable mapping code → signal.

    The typed accessors return a :class:`Reading` in a fixed unit, or None
    when the car does not report the signal (or reports it in a shape or
    unit that cannot be read). A signal in error that still carries its
    last body gives that value with ``ok=False``.
    """

    __slots__ = ("_signals", "_vehicle")

    def __init__(
        self,
        signals: Mapping[str, SignalValue] | Iterable[SignalValue] = (),
        *,
        vehicle: V3Vehicle | None = None,
    ) -> None:
        """Hold ``signals`` (a mapping by code or signals); the last one wins."""
        values = signals.values() if isinstance(signals, Mapping) else signals
        self._signals: Mapping[str, SignalValue] = MappingProxyType(
            {str(signal.code): signal for signal in values}
        )
        self._vehicle = vehicle

    @property
    def vehicle(self) -> V3Vehicle | None:
        """The vehicle, when the answer or the delivery described it."""
        return self._vehicle

    def __getitem__(self, code: str) -> SignalValue:
        """The signal with ``code``."""
        return self._signals[code]

    def __iter__(self) -> Iterator[str]:
        """The codes."""
        return iter(self._signals)

    def __len__(self) -> int:
        """How many signals."""
        return len(self._signals)

    def __repr__(self) -> str:
        """The codes, for logs."""
        return f"SignalSet({sorted(self._signals)!r})"

    @property
    def codes(self) -> frozenset[str]:
        """The codes the car reported."""
        return frozenset(self._signals)

    def merge(self, other: SignalSet) -> SignalSet:
        """These signals updated by ``other`` (the newer value of each wins)."""
        merged = dict(self._signals)
        for code, signal in other.items():
            old = merged.get(code)
            merged[code] = signal if old is None else _newer(old, signal)
        return SignalSet(merged, vehicle=other.vehicle or self.vehicle)

    @classmethod
    def from_json(cls, document: Any, vehicle_id: str | None = None) -> SignalSet:
        """Parse ``GET /signals`` (a list in ``data``, or a bare list)."""
        items = document.get("data") if isinstance(document, dict) else document
        if not isinstance(items, list):
            msg = "Invalid response for signals: no list of signals"
            raise EVInvalidResponseError(msg, raw=document)
        included = as_dict(document).get("included")
        # UNCERTAIN (smartcar-v3.md): the reference shows "included" as
        # {"vehicle": {...}}, JSON:API as a list of resources: both accepted.
        vehicle_data: Any = None
        if isinstance(included, dict):
            vehicle_data = included.get("vehicle")
        elif isinstance(included, list):
            vehicle_data = next(
                (
                    item
                    for item in included
                    if isinstance(item, dict) and item.get("type") == "vehicle"
                ),
                None,
            )
        vehicle = None
        if isinstance(vehicle_data, dict) and (vehicle_data.get("id") or vehicle_id):
            vehicle = V3Vehicle.from_json(vehicle_data, vehicle_id)
        return cls(signals_from_list(items), vehicle=vehicle)

    # ----------------------------------------------------------- accessors
    def _reading[T](
        self, code: SignalCode, extract: Callable[[Mapping[str, Any]], T | None]
    ) -> Reading[T] | None:
        signal = self._signals.get(code)
        if signal is None or not signal.body:
            return None
        value = extract(signal.body)
        if value is None:
            return None
        return Reading(value=value, updated_at=signal.updated_at, ok=signal.ok)

    def _value_bool(self, code: SignalCode) -> Reading[bool] | None:
        return self._reading(code, lambda body: _bool(body.get("value")))

    @property
    def state_of_charge(self) -> Reading[float] | None:
        """Traction battery state of charge, percent (0-100)."""
        return self._reading(
            SignalCode.STATE_OF_CHARGE, lambda b: _quantity(b, PERCENT_UNITS)
        )

    @property
    def range_km(self) -> Reading[float] | None:
        """Estimated range, km."""
        return self._reading(SignalCode.RANGE, lambda b: _quantity(b, DISTANCE_UNITS))

    @property
    def nominal_capacity_kwh(self) -> Reading[float] | None:
        """Nominal battery capacity, kWh."""
        return self._reading(SignalCode.NOMINAL_CAPACITY, _capacity)

    @property
    def is_charging(self) -> Reading[bool] | None:
        """Whether the car is charging."""
        return self._value_bool(SignalCode.IS_CHARGING)

    @property
    def is_plugged_in(self) -> Reading[bool] | None:
        """Whether a charging cable is connected."""
        return self._value_bool(SignalCode.IS_CHARGING_CABLE_CONNECTED)

    @property
    def charging_status(self) -> Reading[ChargingStatus] | None:
        """The detailed charging status (unknown values are UNKNOWN)."""
        return self._reading(
            SignalCode.DETAILED_CHARGING_STATUS,
            lambda b: ChargingStatus(b["value"]) if _str(b.get("value")) else None,
        )

    @property
    def charge_limit(self) -> Reading[float] | None:
        """The charge limit in percent: the active one, else the global one."""
        return self._reading(SignalCode.CHARGE_LIMITS, _charge_limit)

    @property
    def charging_power_kw(self) -> Reading[float] | None:
        """Charging power, kW."""
        return self._reading(SignalCode.WATTAGE, lambda b: _quantity(b, POWER_UNITS))

    @property
    def energy_added_kwh(self) -> Reading[float] | None:
        """Energy added in the current (or last) session, kWh."""
        return self._reading(
            SignalCode.ENERGY_ADDED, lambda b: _quantity(b, ENERGY_UNITS)
        )

    @property
    def time_to_complete_min(self) -> Reading[float] | None:
        """Minutes until charging completes."""
        return self._reading(
            SignalCode.TIME_TO_COMPLETE, lambda b: _quantity(b, DURATION_MIN_UNITS)
        )

    @property
    def odometer_km(self) -> Reading[float] | None:
        """Odometer, km."""
        return self._reading(
            SignalCode.TRAVELED_DISTANCE, lambda b: _quantity(b, DISTANCE_UNITS)
        )

    @property
    def location(self) -> Reading[V3Location] | None:
        """Precise location."""
        return self._reading(SignalCode.PRECISE_LOCATION, _location)

    @property
    def is_at_home(self) -> Reading[bool] | None:
        """Whether the car is at its home location."""
        return self._value_bool(SignalCode.IS_AT_HOME)

    @property
    def vin(self) -> Reading[str] | None:
        """The VIN."""
        return self._reading(SignalCode.VIN, lambda b: _str(b.get("value")))

    @property
    def is_online(self) -> Reading[bool] | None:
        """Whether the car is reachable."""
        return self._value_bool(SignalCode.IS_ONLINE)

    @property
    def is_asleep(self) -> Reading[bool] | None:
        """Whether the car is asleep."""
        return self._value_bool(SignalCode.IS_ASLEEP)

    @property
    def is_locked(self) -> Reading[bool] | None:
        """Whether the car is locked."""
        return self._value_bool(SignalCode.IS_LOCKED)

    @property
    def low_voltage_soc(self) -> Reading[float] | None:
        """12 V battery state of charge, percent."""
        return self._reading(
            SignalCode.LOW_VOLTAGE_STATE_OF_CHARGE,
            lambda b: _quantity(b, PERCENT_UNITS),
        )

    @property
    def fast_charger_present(self) -> Reading[bool] | None:
        """Whether a DC fast charger is connected."""
        return self._value_bool(SignalCode.IS_FAST_CHARGER_PRESENT)

    @property
    def charging_current_a(self) -> Reading[float] | None:
        """Charging current, A."""
        return self._reading(SignalCode.AMPERAGE, lambda b: _quantity(b, CURRENT_UNITS))

    @property
    def charging_voltage_v(self) -> Reading[float] | None:
        """Charging voltage, V."""
        return self._reading(SignalCode.VOLTAGE, lambda b: _quantity(b, VOLTAGE_UNITS))


def signals_from_list(items: Iterable[Any]) -> list[SignalValue]:
    """The signals of a list; an item without a code is skipped."""
    signals = []
    for item in items:
        try:
            signals.append(SignalValue.from_json(item))
        except EVInvalidResponseError:
            continue
    return signals


def _capacity(body: Mapping[str, Any]) -> float | None:
    # UNCERTAIN (smartcar-v3.md): the nominal capacity's number may be in
    # "value" or in "capacity" (a number, or v2's {"nominal": ...}).
    if "value" in body:
        return _quantity(body, ENERGY_UNITS)
    capacity = body.get("capacity")
    if isinstance(capacity, dict):
        return _quantity(
            {"value": capacity.get("nominal"), "unit": body.get("unit")}, ENERGY_UNITS
        )
    return _quantity(body, ENERGY_UNITS, key="capacity")


def _charge_limit(body: Mapping[str, Any]) -> float | None:
    active = _quantity(body, PERCENT_UNITS, key="activeLimit")
    if active is not None:
        return active
    values = body.get("values")
    for item in values if isinstance(values, list) else ():
        if isinstance(item, dict) and item.get("type") == "GLOBAL":
            return _quantity(
                {"value": item.get("limit"), "unit": body.get("unit")}, PERCENT_UNITS
            )
    return None


def _location(body: Mapping[str, Any]) -> V3Location | None:
    latitude = _number(body.get("latitude"))
    longitude = _number(body.get("longitude"))
    if latitude is None or longitude is None:
        return None
    return V3Location(
        latitude=latitude,
        longitude=longitude,
        heading=_number(body.get("heading")),
        location_type=_str(body.get("locationType")),
    )
