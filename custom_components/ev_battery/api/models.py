"""Typed, frozen models of both APIs' answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime  # noqa: TC003 - mashumaro needs it at runtime
from enum import StrEnum
from typing import Any

from mashumaro import field_options
from mashumaro.mixins.orjson import DataClassORJSONMixin


class _LenientEnum(StrEnum):
    """A string enum that maps values it does not know to ``UNKNOWN``."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        del value  # every unknown value maps to the same member
        return cls["UNKNOWN"]


class UnitSystem(StrEnum):
    """The unit system of distances in a Smartcar answer."""

    METRIC = "metric"
    IMPERIAL = "imperial"


@dataclass(frozen=True, slots=True)
class ResponseMeta:
    """What the response headers said about the data."""

    request_id: str | None = None
    data_age: datetime | None = None
    fetched_at: datetime | None = None
    unit_system: UnitSystem | None = None
    rate_limit: int | None = None
    rate_limit_remaining: int | None = None
    api_version: str | None = None


NO_META = ResponseMeta()


# ----------------------------------------------------------------- Smartcar
class ChargeState(_LenientEnum):
    """Smartcar's charging state; new values become ``UNKNOWN``."""

    CHARGING = "CHARGING"
    FULLY_CHARGED = "FULLY_CHARGED"
    NOT_CHARGING = "NOT_CHARGING"
    UNKNOWN = "UNKNOWN"


class Signal(StrEnum):
    """Smartcar read endpoints that a batch request can combine."""

    ATTRIBUTES = "/"
    VIN = "/vin"
    BATTERY = "/battery"
    BATTERY_CAPACITY = "/battery/capacity"
    NOMINAL_CAPACITY = "/battery/nominal_capacity"
    CHARGE = "/charge"
    CHARGE_LIMIT = "/charge/limit"
    ODOMETER = "/odometer"
    LOCATION = "/location"


@dataclass(frozen=True, slots=True)
class VehicleAttributes(DataClassORJSONMixin):
    """``GET /vehicles/{id}``."""

    id: str
    make: str
    model: str
    year: int
    meta: ResponseMeta = field(default=NO_META, compare=False)


@dataclass(frozen=True, slots=True)
class Vin(DataClassORJSONMixin):
    """``GET /vehicles/{id}/vin``."""

    vin: str
    meta: ResponseMeta = field(default=NO_META, compare=False)


@dataclass(frozen=True, slots=True)
class Battery(DataClassORJSONMixin):
    """``GET /vehicles/{id}/battery``: state of charge as a fraction 0..1."""

    percent_remaining: float = field(metadata=field_options(alias="percentRemaining"))
    range: float
    meta: ResponseMeta = field(default=NO_META, compare=False)

    @property
    def percentage(self) -> float:
        """State of charge in percent (0..100)."""
        return round(self.percent_remaining * 100, 2)


@dataclass(frozen=True, slots=True)
class BatteryCapacity(DataClassORJSONMixin):
    """``GET /vehicles/{id}/battery/capacity``, in kWh."""

    capacity: float
    meta: ResponseMeta = field(default=NO_META, compare=False)


@dataclass(frozen=True, slots=True)
class CapacityOption(DataClassORJSONMixin):
    """One capacity a vehicle may have."""

    capacity: float
    description: str | None = None


@dataclass(frozen=True, slots=True)
class NominalCapacityValue(DataClassORJSONMixin):
    """The capacity Smartcar settled on, and where it came from."""

    nominal: float | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class NominalCapacity(DataClassORJSONMixin):
    """``GET /vehicles/{id}/battery/nominal_capacity``."""

    available_capacities: list[CapacityOption] = field(
        default_factory=list, metadata=field_options(alias="availableCapacities")
    )
    capacity: NominalCapacityValue | None = None
    url: str | None = None
    meta: ResponseMeta = field(default=NO_META, compare=False)


@dataclass(frozen=True, slots=True)
class ChargeStatus(DataClassORJSONMixin):
    """``GET /vehicles/{id}/charge``."""

    is_plugged_in: bool = field(metadata=field_options(alias="isPluggedIn"))
    state: ChargeState
    meta: ResponseMeta = field(default=NO_META, compare=False)


@dataclass(frozen=True, slots=True)
class ChargeLimit(DataClassORJSONMixin):
    """``GET /vehicles/{id}/charge/limit``: a fraction 0..1."""

    limit: float
    meta: ResponseMeta = field(default=NO_META, compare=False)

    @property
    def percentage(self) -> float:
        """The limit in percent (0..100)."""
        return round(self.limit * 100, 2)


@dataclass(frozen=True, slots=True)
class Odometer(DataClassORJSONMixin):
    """``GET /vehicles/{id}/odometer``."""

    distance: float
    meta: ResponseMeta = field(default=NO_META, compare=False)


@dataclass(frozen=True, slots=True)
class Location(DataClassORJSONMixin):
    """``GET /vehicles/{id}/location``."""

    latitude: float
    longitude: float
    meta: ResponseMeta = field(default=NO_META, compare=False)


@dataclass(frozen=True, slots=True)
class ChargeRecord(DataClassORJSONMixin):
    """One charge record: energy in kWh by where the car charged."""

    date: datetime
    total: float
    home: float = 0.0
    other: float = 0.0
    super_charger: float = field(
        default=0.0, metadata=field_options(alias="superCharger")
    )


@dataclass(frozen=True, slots=True)
class ChargeRecords(DataClassORJSONMixin):
    """``GET /vehicles/{id}/{make}/charge/records``."""

    records: list[ChargeRecord]
    meta: ResponseMeta = field(default=NO_META, compare=False)


@dataclass(frozen=True, slots=True)
class Permissions(DataClassORJSONMixin):
    """``GET /vehicles/{id}/permissions`` (all pages)."""

    permissions: list[str]
    meta: ResponseMeta = field(default=NO_META, compare=False)


@dataclass(frozen=True, slots=True)
class CommandResult(DataClassORJSONMixin):
    """A command's answer, ``{"status": "success"}``."""

    status: str
    message: str | None = None
    meta: ResponseMeta = field(default=NO_META, compare=False)


@dataclass(frozen=True, slots=True)
class WebhookSubscription(DataClassORJSONMixin):
    """``POST /vehicles/{id}/webhooks/{webhook_id}``."""

    webhook_id: str = field(metadata=field_options(alias="webhookId"))
    vehicle_id: str = field(metadata=field_options(alias="vehicleId"))


@dataclass(frozen=True, slots=True)
class VehicleSnapshot:
    """The signals of one batch request.

    A signal that failed is absent from its attribute and present in
    ``errors`` with its own exception, while the others still succeeded.
    """

    vehicle_id: str
    attributes: VehicleAttributes | None = None
    vin: Vin | None = None
    battery: Battery | None = None
    capacity: BatteryCapacity | None = None
    nominal_capacity: NominalCapacity | None = None
    charge: ChargeStatus | None = None
    charge_limit: ChargeLimit | None = None
    odometer: Odometer | None = None
    location: Location | None = None
    errors: dict[Signal, Exception] = field(default_factory=dict)
    meta: ResponseMeta = NO_META

    @property
    def data_age(self) -> datetime | None:
        """The oldest capture time among the signals that carry one."""
        ages = [
            value.meta.data_age
            for value in (self.battery, self.charge, self.charge_limit, self.odometer)
            if value is not None and value.meta.data_age is not None
        ]
        return min(ages) if ages else None


# ---------------------------------------------------------------- ev.energy
class IntegrationState(_LenientEnum):
    """Whether ev.energy has a working integration with the car."""

    UNINTEGRATED = "UNINTEGRATED"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class EvEnergyUser(DataClassORJSONMixin):
    """An ev.energy user."""

    id: str
    url: str
    email: str | None = None
    full_name: str | None = None


@dataclass(frozen=True, slots=True)
class EvEnergyMake(DataClassORJSONMixin):
    """A vehicle make."""

    id: str
    url: str
    name: str


@dataclass(frozen=True, slots=True)
class EvEnergyModel(DataClassORJSONMixin):
    """A vehicle model; ``make`` is a URL unless expanded."""

    id: str
    url: str
    name: str
    make: EvEnergyMake | str | None = None


@dataclass(frozen=True, slots=True)
class EvEnergyTrim(DataClassORJSONMixin):
    """A vehicle trim, which carries the battery size."""

    id: str
    url: str
    name: str
    model: EvEnergyModel | str | None = None
    battery_size_watt_hours: int | None = None
    onboarding_url: str | None = None

    @property
    def battery_size_kwh(self) -> float | None:
        """Battery size in kWh."""
        if self.battery_size_watt_hours is None:
            return None
        return self.battery_size_watt_hours / 1000


@dataclass(frozen=True, slots=True)
class EvEnergyStatusLog(DataClassORJSONMixin):
    """A vehicle status log: the latest known state of the car."""

    url: str
    logged_at: datetime
    sampled_at: datetime
    vehicle: str | None = None
    state_of_charge_percentage: int | None = None
    is_charging: bool | None = None
    is_plugged_in: bool | None = None
    charge_rate_watts: int | None = None
    odometer_meters: int | None = None
    target_charge_level_percentage: int | None = None


@dataclass(frozen=True, slots=True)
class EvEnergyVehicle(DataClassORJSONMixin):
    """An ev.energy vehicle; references are URLs unless expanded."""

    id: str
    url: str
    integrated: IntegrationState
    trim: EvEnergyTrim | str | None = None
    user: EvEnergyUser | str | None = None
    latest_status_log: EvEnergyStatusLog | str | None = None
    charging_sub_sessions: str | None = None
    maximum_charge_limit_percentage: int | None = None
    # The 2026 spec's fields (absent in the seed era).
    battery_size_watt_hours: int | None = None
    effective_battery_size_watt_hours: int | None = None
    description: str | None = None
    disabled: bool | None = None
    smart_charging_enabled: bool | None = None
    vehicle_class: str | None = None

    @property
    def status(self) -> EvEnergyStatusLog | None:
        """The expanded latest status log, if it was expanded."""
        log = self.latest_status_log
        return log if isinstance(log, EvEnergyStatusLog) else None

    @property
    def trim_details(self) -> EvEnergyTrim | None:
        """The expanded trim, if it was expanded."""
        return self.trim if isinstance(self.trim, EvEnergyTrim) else None

    @property
    def battery_size_kwh(self) -> float | None:
        """Battery size in kWh (the vehicle's own, else its trim's)."""
        if self.battery_size_watt_hours is not None:
            return self.battery_size_watt_hours / 1000
        trim = self.trim_details
        return trim.battery_size_kwh if trim else None


@dataclass(frozen=True, slots=True)
class EvEnergySubSession(DataClassORJSONMixin):
    """A charging sub-session: energy in Wh, cost in minor currency units."""

    id: str
    url: str
    start: datetime
    end: datetime | None
    mode: str
    energy_delivered_watt_hours: int
    vehicle: str | None = None
    cost: int | None = None
    currency: str | None = None
    duration_minutes: int | None = None
    location: dict[str, Any] | None = None
    percentage_added: float | None = None
    # A decimal string in minor units per kWh (a number is accepted too).
    cost_per_kilowatt_hour: str | float | None = None

    @property
    def energy_kwh(self) -> float:
        """Energy delivered in kWh."""
        return self.energy_delivered_watt_hours / 1000

    @property
    def is_finished(self) -> bool:
        """Whether the sub-session (its mode) has ended."""
        return self.end is not None


class SubSessionMode(_LenientEnum):
    """``ChargingSubSession.mode``; an unknown mode reads as UNKNOWN."""

    SMART = "SMART"
    BOOST = "BOOST"
    UNMANAGED_HOME = "UNMANAGED_HOME"
    UNMANAGED_OTG = "UNMANAGED_OTG"
    MANAGED_OTG = "MANAGED_OTG"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class EvEnergyChargingSession(DataClassORJSONMixin):
    """A charging session (2026): one plug-in, its sub-sessions newest first.

    ``sub_sessions`` holds URLs unless expanded.
    """

    id: str
    url: str
    start: datetime
    end: datetime | None = None
    vehicle: str | None = None
    sub_sessions: list[EvEnergySubSession | str] = field(default_factory=list)

    @property
    def current(self) -> EvEnergySubSession | None:
        """The running sub-session (expanded), None once unplugged."""
        if self.end is not None or not self.sub_sessions:
            return None
        latest = self.sub_sessions[0]
        if isinstance(latest, EvEnergySubSession) and latest.end is None:
            return latest
        return None

    @property
    def boosting(self) -> bool:
        """Whether the running sub-session is a boost."""
        current = self.current
        return current is not None and current.mode == SubSessionMode.BOOST

    @property
    def boostable(self) -> bool:
        """Whether the running sub-session is smart (it can be boosted)."""
        current = self.current
        return current is not None and current.mode == SubSessionMode.SMART


@dataclass(frozen=True, slots=True)
class EvEnergyWebhookEvent(DataClassORJSONMixin):
    """A webhook body: ``{type, timestamp, data: <ChargingSubSession>}``."""

    type: str
    timestamp: datetime
    data: EvEnergySubSession


@dataclass(frozen=True, slots=True)
class Page[T]:
    """One page of an ev.energy list and the links to its neighbours."""

    items: list[T]
    next_url: str | None
    previous_url: str | None
    meta: ResponseMeta = NO_META
