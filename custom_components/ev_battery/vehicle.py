"""One vehicle model for both providers, and the adapters that fill it."""

from __future__ import annotations

import asyncio
import dataclasses
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from time import monotonic
from typing import TYPE_CHECKING, Any

from .api import (
    ChargeState,
    EVNotFoundError,
    EVNotSupportedError,
    EVPermissionError,
    EVQuotaExceededError,
    EVRateLimitError,
    EVVehicleStateError,
    IntegrationState,
    Signal,
)
from .api.evenergy import NOT_BOOSTABLE, NOT_BOOSTING
from .const import Provider

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .api import (
        EvEnergyChargingSession,
        EvEnergyClient,
        EvEnergyVehicle,
        SignalSet,
        SmartcarClient,
        VehicleSnapshot,
    )


class ChargingState(StrEnum):
    """The charging state entities show (enum sensor options)."""

    CHARGING = "charging"
    FULLY_CHARGED = "fully_charged"
    NOT_CHARGING = "not_charging"
    UNKNOWN = "unknown"


class Feature(StrEnum):
    """What a vehicle can do; entities exist only for supported features."""

    BATTERY = "battery"
    RANGE = "range"
    CAPACITY = "capacity"
    CHARGE = "charge"
    CHARGE_LIMIT = "charge_limit"
    CHARGE_CONTROL = "charge_control"
    CHARGE_RECORDS = "charge_records"
    ODOMETER = "odometer"
    CHARGE_RATE = "charge_rate"
    ENERGY_ADDED = "energy_added"
    CHARGE_FINISH = "charge_finish"
    LOCATION = "location"
    CONNECTIVITY = "connectivity"


# The Smartcar signal that feeds each feature.
FEATURE_SIGNALS: dict[Feature, Signal] = {
    Feature.BATTERY: Signal.BATTERY,
    Feature.RANGE: Signal.BATTERY,
    Feature.CAPACITY: Signal.BATTERY_CAPACITY,
    Feature.CHARGE: Signal.CHARGE,
    Feature.CHARGE_LIMIT: Signal.CHARGE_LIMIT,
    Feature.ODOMETER: Signal.ODOMETER,
}

# The Smartcar permission each readable feature needs.
FEATURE_SCOPES: dict[Feature, str] = {
    Feature.BATTERY: "read_battery",
    Feature.RANGE: "read_battery",
    Feature.CAPACITY: "read_battery",
    Feature.CHARGE: "read_charge",
    Feature.CHARGE_LIMIT: "read_charge",
    Feature.ODOMETER: "read_odometer",
}

# Features only Smartcar's v3 signals report.
PUSH_ONLY_FEATURES = frozenset(
    {
        Feature.ENERGY_ADDED,
        Feature.CHARGE_FINISH,
        Feature.LOCATION,
        Feature.CONNECTIVITY,
    }
)
# What a Smartcar v2.0 vehicle never has here.
V2_UNSUPPORTED = PUSH_ONLY_FEATURES | {Feature.CHARGE_RATE}

# Refusals in a row after which a signal that answered before is given up.
REFUSALS_TO_GIVE_UP = 3

SMARTCAR_CHARGE_STATES = {
    ChargeState.CHARGING: ChargingState.CHARGING,
    ChargeState.FULLY_CHARGED: ChargingState.FULLY_CHARGED,
    ChargeState.NOT_CHARGING: ChargingState.NOT_CHARGING,
}
# VEHICLE_STATE codes that say a charge command's goal already holds.
GOAL_HOLDS_ON_START = frozenset({"FULLY_CHARGED"})
GOAL_HOLDS_ON_STOP = frozenset({"NOT_CHARGING"})
SMARTCAR_RECORD_MAKES = frozenset({"TESLA"})


async def charge_command(
    on: bool,  # noqa: FBT001
    start: Callable[[], Awaitable[object]],
    stop: Callable[[], Awaitable[object]],
) -> bool:
    """Start or stop charging; False (no error) when that already held.

    Stopping a car that is not charging, or starting one that is full,
    answers ``VEHICLE_STATE`` (``NOT_CHARGING``, ``FULLY_CHARGED``): what the
    person wanted is true, so it is no error.
    """
    try:
        await (start() if on else stop())
    except EVVehicleStateError as err:
        if err.code in (GOAL_HOLDS_ON_START if on else GOAL_HOLDS_ON_STOP):
            return False
        raise
    return True


@dataclass(frozen=True, slots=True)
class VehicleInfo:
    """Static facts about a vehicle (the device)."""

    vehicle_id: str
    provider: Provider
    make: str | None
    model: str | None
    year: int | None = None
    vin: str | None = None
    integrated: str | None = None


@dataclass(frozen=True, slots=True)
class VehicleState:
    """What a refresh knows about a vehicle; None means not reported."""

    soc: float | None = None
    range_km: float | None = None
    capacity_kwh: float | None = None
    plugged_in: bool | None = None
    charging_state: ChargingState | None = None
    charge_limit: float | None = None
    odometer_km: float | None = None
    charge_rate_kw: float | None = None
    energy_added_kwh: float | None = None
    charge_finish_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    online: bool | None = None
    asleep: bool | None = None
    data_age: datetime | None = None
    unsupported: frozenset[Feature] = frozenset()
    errors: dict[Feature, Exception] = field(default_factory=dict)
    # When the car measured each value (pushed providers report one per value).
    measured_at: dict[str, datetime] = field(default_factory=dict)

    @property
    def charging(self) -> bool | None:
        """Whether the car is charging."""
        if self.charging_state in (None, ChargingState.UNKNOWN):
            return None
        return self.charging_state is ChargingState.CHARGING

    def as_stored(self) -> dict[str, Any]:
        """JSON-ready form (errors are not kept)."""
        return {
            "soc": self.soc,
            "range_km": self.range_km,
            "capacity_kwh": self.capacity_kwh,
            "plugged_in": self.plugged_in,
            "charging_state": self.charging_state,
            "charge_limit": self.charge_limit,
            "odometer_km": self.odometer_km,
            "charge_rate_kw": self.charge_rate_kw,
            "energy_added_kwh": self.energy_added_kwh,
            "charge_finish_at": (
                self.charge_finish_at.isoformat() if self.charge_finish_at else None
            ),
            "latitude": self.latitude,
            "longitude": self.longitude,
            "online": self.online,
            "asleep": self.asleep,
            "data_age": self.data_age.isoformat() if self.data_age else None,
            "unsupported": sorted(self.unsupported),
            "measured_at": {
                name: moment.isoformat() for name, moment in self.measured_at.items()
            },
        }

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> VehicleState:
        """Back from :meth:`as_stored` (raises on a malformed record)."""
        charging_state = data.get("charging_state")
        data_age = data.get("data_age")
        finish = data.get("charge_finish_at")
        return cls(
            soc=_number(data.get("soc")),
            range_km=_number(data.get("range_km")),
            capacity_kwh=_number(data.get("capacity_kwh")),
            plugged_in=data.get("plugged_in"),
            charging_state=ChargingState(charging_state) if charging_state else None,
            charge_limit=_number(data.get("charge_limit")),
            odometer_km=_number(data.get("odometer_km")),
            charge_rate_kw=_number(data.get("charge_rate_kw")),
            energy_added_kwh=_number(data.get("energy_added_kwh")),
            charge_finish_at=datetime.fromisoformat(finish) if finish else None,
            latitude=_number(data.get("latitude")),
            longitude=_number(data.get("longitude")),
            online=data.get("online"),
            asleep=data.get("asleep"),
            data_age=datetime.fromisoformat(data_age) if data_age else None,
            unsupported=frozenset(Feature(f) for f in data.get("unsupported", [])),
            measured_at={
                str(name): datetime.fromisoformat(moment)
                for name, moment in data.get("measured_at", {}).items()
            },
        )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class ChargeRecordRow:
    """One charge record in the action's answer (energy in kWh)."""

    start: datetime
    end: datetime | None
    total_kwh: float
    home_kwh: float | None = None
    other_kwh: float | None = None
    supercharger_kwh: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "energy_kwh": round(self.total_kwh, 3),
            "home_kwh": self.home_kwh,
            "other_kwh": self.other_kwh,
            "supercharger_kwh": self.supercharger_kwh,
        }


class VehicleApi(ABC):
    """The per-vehicle calls the coordinator and entities make."""

    def __init__(self, info: VehicleInfo) -> None:
        """Remember the vehicle."""
        self.info = info
        self.unsupported: set[Feature] = set()
        # Features that answered at least once, and how often in a row a
        # feature was refused (PERMISSION or COMPATIBILITY).
        self.answered: set[Feature] = set()
        self.refusals: dict[Feature, int] = {}
        # Provider permissions a refusal showed to be missing.
        self.missing_permissions: set[str] = set()
        # Billed calls of the last read.
        self.last_cost = 0

    # Whether reads are billed against a monthly allowance (the poller then
    # decides when and what to read).
    budgeted = False

    def read_cost(self, features: frozenset[Feature]) -> int:
        """Billed calls a read of ``features`` costs."""
        del features
        return 1

    @abstractmethod
    async def async_fetch(self, features: set[Feature]) -> VehicleState:
        """Read the state (ideally in one call)."""

    @abstractmethod
    async def async_account_vehicle_ids(self) -> set[str]:
        """The ids of every vehicle the account has now."""

    @abstractmethod
    async def async_set_charging(self, on: bool) -> bool:  # noqa: FBT001
        """Start or stop charging; False when that already held."""

    @abstractmethod
    async def async_set_charge_limit(self, percentage: float) -> bool:
        """Set the charge limit in percent (True: the car was told)."""

    @abstractmethod
    async def async_charge_records(
        self, start: date | None, end: date | None
    ) -> list[ChargeRecordRow]:
        """Charge records (newest last)."""

    @property
    @abstractmethod
    def charge_limit_range(self) -> tuple[float, float]:
        """Minimum and maximum charge limit in percent."""

    def supports(self, feature: Feature) -> bool:
        """Whether the feature is (still) believed to work."""
        return feature not in self.unsupported

    def apply(self, signals: SignalSet) -> VehicleState | None:
        """Take pushed signals (None: this provider has no push)."""
        del signals
        return None

    def learn_vehicle(
        self, make: str | None, model: str | None, year: int | None
    ) -> None:
        """Make, model and year from a push (providers with push only)."""
        del make, model, year


class SmartcarVehicleApi(VehicleApi):
    """A vehicle behind Smartcar: one batch request per refresh."""

    budgeted = True

    def __init__(
        self, client: SmartcarClient, info: VehicleInfo, scopes: frozenset[str]
    ) -> None:
        """Know what the token may do."""
        super().__init__(info)
        self.client = client
        if "control_charge" not in scopes:
            self.unsupported.add(Feature.CHARGE_CONTROL)
        if "read_odometer" not in scopes:
            self.unsupported.add(Feature.ODOMETER)
        if "read_charge_records" not in scopes:
            self.unsupported.add(Feature.CHARGE_RECORDS)
        self.unsupported.update(V2_UNSUPPORTED)

    @property
    def charge_limit_range(self) -> tuple[float, float]:
        """Smartcar's documented range."""
        return 50.0, 100.0

    def read_cost(self, features: frozenset[Feature]) -> int:
        """Billed calls of a read: one per signal (and two more at first)."""
        signals = {
            FEATURE_SIGNALS[f]
            for f in features
            if f in FEATURE_SIGNALS and f not in self.unsupported
        }
        return len(signals) + (2 if self.info.make is None else 0)

    async def async_fetch(self, features: set[Feature]) -> VehicleState:
        """One batch request for the signals of the wanted features."""
        wanted = {
            feature: signal
            for feature, signal in FEATURE_SIGNALS.items()
            if feature in features and feature not in self.unsupported
        }
        # One path per signal (battery and range share /battery).
        signals = list(dict.fromkeys(wanted.values()))
        discovering = self.info.make is None
        if discovering:
            # The first refresh also learns make, model, year and VIN.
            signals += [Signal.ATTRIBUTES, Signal.VIN]
        self.last_cost = 0
        if not signals:
            return VehicleState(unsupported=frozenset(self.unsupported))
        snapshot = await self.client.batch(self.info.vehicle_id, signals)
        # Smartcar bills every sub-request of a batch (not those it refused
        # for the quota or the rate limit), and admits each on its own: a
        # used-up allowance or a rate limit on any of them is the vehicle's.
        refused = [
            error
            for error in snapshot.errors.values()
            if isinstance(error, EVQuotaExceededError | EVRateLimitError)
        ]
        self.last_cost = len(signals) - len(refused)
        for error in refused:
            if isinstance(error, EVQuotaExceededError):
                raise error
        if refused and len(refused) == len(signals):
            raise max(refused, key=lambda e: getattr(e, "retry_after", None) or 0)
        if discovering:
            self._learn(snapshot)
        return self._state(snapshot, wanted)

    def _learn(self, snapshot: VehicleSnapshot) -> None:
        attributes, vin = snapshot.attributes, snapshot.vin
        if attributes is not None:
            self.info = dataclasses.replace(
                self.info,
                make=attributes.make,
                model=attributes.model,
                year=attributes.year,
                vin=vin.vin if vin else None,
            )
            if attributes.make.upper() not in SMARTCAR_RECORD_MAKES:
                self.unsupported.add(Feature.CHARGE_RECORDS)

    def _state(
        self, snapshot: VehicleSnapshot, wanted: dict[Feature, Signal]
    ) -> VehicleState:
        errors: dict[Feature, Exception] = {}
        for feature, signal in wanted.items():
            error = snapshot.errors.get(signal)
            if error is None:
                self.answered.add(feature)
                self.refusals.pop(feature, None)
                continue
            if isinstance(error, EVNotSupportedError | EVPermissionError):
                self.refusals[feature] = self.refusals.get(feature, 0) + 1
                # A signal that never answered is not supported (or not
                # permitted); one that did answer is refused for good only
                # when the refusal repeats: a one-off keeps its entity.
                if (
                    feature not in self.answered
                    or self.refusals[feature] >= REFUSALS_TO_GIVE_UP
                ):
                    self.unsupported.add(feature)
                    if feature is Feature.CHARGE:
                        self.unsupported.add(Feature.CHARGE_CONTROL)
                    if isinstance(error, EVPermissionError):
                        self.missing_permissions.add(FEATURE_SCOPES[feature])
                    continue
            errors[feature] = error
        battery, charge = snapshot.battery, snapshot.charge
        return VehicleState(
            soc=battery.percentage if battery else None,
            range_km=battery.range if battery else None,
            capacity_kwh=snapshot.capacity.capacity if snapshot.capacity else None,
            plugged_in=charge.is_plugged_in if charge else None,
            charging_state=(
                SMARTCAR_CHARGE_STATES.get(charge.state, ChargingState.UNKNOWN)
                if charge
                else None
            ),
            charge_limit=(
                snapshot.charge_limit.percentage if snapshot.charge_limit else None
            ),
            odometer_km=snapshot.odometer.distance if snapshot.odometer else None,
            data_age=snapshot.data_age,
            unsupported=frozenset(self.unsupported),
            errors=errors,
        )

    def supports(self, feature: Feature) -> bool:
        """Energy added comes from the charge records (Tesla, once a day)."""
        if feature is Feature.ENERGY_ADDED:
            make = (self.info.make or "").upper()
            return make in SMARTCAR_RECORD_MAKES and self.supports(
                Feature.CHARGE_RECORDS
            )
        return super().supports(feature)

    async def async_account_vehicle_ids(self) -> set[str]:
        """``GET /vehicles`` (not billed)."""
        return set(await self.client.get_vehicle_ids())

    async def async_set_charging(self, on: bool) -> bool:  # noqa: FBT001
        """START or STOP; a goal that already holds is a success (False)."""
        vehicle_id = self.info.vehicle_id
        return await charge_command(
            on,
            lambda: self.client.start_charge(vehicle_id),
            lambda: self.client.stop_charge(vehicle_id),
        )

    async def async_set_charge_limit(self, percentage: float) -> bool:
        """Smartcar takes a fraction."""
        await self.client.set_charge_limit(
            self.info.vehicle_id, round(percentage / 100, 4)
        )
        return True

    async def async_charge_records(
        self, start: date | None, end: date | None
    ) -> list[ChargeRecordRow]:
        """The make-specific records endpoint."""
        records = await self.client.get_charge_records(
            self.info.vehicle_id, self.info.make or "", start=start, end=end
        )
        return [
            ChargeRecordRow(
                start=record.date,
                end=None,
                total_kwh=record.total,
                home_kwh=record.home,
                other_kwh=record.other,
                supercharger_kwh=record.super_charger,
            )
            for record in records.records
        ]


EVENERGY_EXPAND = ("latest_status_log", "trim.model.make")


def evenergy_info(vehicle: EvEnergyVehicle) -> VehicleInfo:
    """Device facts from an ev.energy vehicle (trim, model and make expanded)."""
    trim = vehicle.trim_details
    model = trim.model if trim is not None else None
    make = getattr(model, "make", None)
    return VehicleInfo(
        vehicle_id=vehicle.id,
        provider=Provider.EVENERGY,
        make=getattr(make, "name", None),
        model=getattr(model, "name", None),
        integrated=vehicle.integrated,
    )


# Reads of an account's vehicles within this many seconds share one list call
# (the vehicles' coordinators, set up together, refresh within about a second
# of each other).
EVENERGY_SHARE_SECONDS = 5.0


class EvEnergyAccount:
    """The account's vehicles, read with one list call for all of them.

    ev.energy's hourly limit (1000 requests per application and user) is
    shared by all of a user's vehicles: each refresh reads the vehicle list
    with the latest status logs expanded once, whatever the number of cars.
    """

    def __init__(self, client: EvEnergyClient, vehicles: list[EvEnergyVehicle]) -> None:
        """Start from the list read at set-up (each vehicle's first refresh)."""
        self.client = client
        self._lock = asyncio.Lock()
        self._vehicles = {vehicle.id: vehicle for vehicle in vehicles}
        self._read_at: float | None = None
        self.list_calls = 0

    async def vehicles(self) -> dict[str, EvEnergyVehicle]:
        """Every vehicle, as read by this refresh (one call, shared)."""
        async with self._lock:
            if (
                self._read_at is None
                or monotonic() - self._read_at > EVENERGY_SHARE_SECONDS
            ):
                self._read_at = None
                listed = await self.client.get_vehicles(expand=EVENERGY_EXPAND)
                self.list_calls += 1
                self._vehicles = {vehicle.id: vehicle for vehicle in listed}
                self._read_at = monotonic()
            return self._vehicles

    async def vehicle(self, vehicle_id: str) -> EvEnergyVehicle:
        """One vehicle from the shared list (not found when it is gone)."""
        vehicles = await self.vehicles()
        if vehicle_id not in vehicles:
            msg = "The vehicle is no longer on the account"
            raise EVNotFoundError(msg, status=404)
        return vehicles[vehicle_id]

    def expire(self) -> None:
        """Read the list afresh next time (after a command)."""
        self._read_at = None
        self._sessions_at = None

    # ---- boost (the 2026 API): the plug-ins in progress, one call for all
    _sessions: dict[str, EvEnergyChargingSession] | None = None
    _sessions_at: float | None = None
    sessions_supported = True

    async def open_sessions(self) -> dict[str, EvEnergyChargingSession]:
        """The charging sessions in progress, by vehicle (one call, shared).

        Read only for refreshes of plugged-in vehicles with smart charging;
        an API without charging sessions (the seed era) is asked once.
        """
        async with self._lock:
            if not self.sessions_supported:
                return {}
            if (
                self._sessions is None
                or self._sessions_at is None
                or monotonic() - self._sessions_at > EVENERGY_SHARE_SECONDS
            ):
                try:
                    found = await self.client.get_charging_sessions(is_finished=False)
                except EVNotFoundError:
                    self.sessions_supported = False
                    return {}
                self._sessions = {
                    (session.vehicle or "").rstrip("/").rsplit("/", 1)[-1]: session
                    for session in found
                }
                self._sessions_at = monotonic()
            return self._sessions


class EvEnergyVehicleApi(VehicleApi):
    """A vehicle behind ev.energy: its latest status log, read-only charging."""

    def __init__(self, account: EvEnergyAccount, vehicle: EvEnergyVehicle) -> None:
        """ev.energy has no range, odometer or charge command (see README).

        ``vehicle`` (from the list, status log expanded) answers the first
        refresh, so set-up costs no call per vehicle; later refreshes share
        the account's one list call.
        """
        super().__init__(evenergy_info(vehicle))
        self.account = account
        self.client = account.client
        self.capacity_kwh = vehicle.battery_size_kwh
        self._first: EvEnergyVehicle | None = vehicle
        info = self.info
        # Energy added comes from the charging sub-sessions (see energy.py).
        self.unsupported.update(
            {Feature.CHARGE_CONTROL, Feature.ODOMETER, Feature.RANGE}
            | (PUSH_ONLY_FEATURES - {Feature.ENERGY_ADDED})
        )
        if info.integrated == IntegrationState.UNINTEGRATED:
            self.unsupported.update(
                {Feature.BATTERY, Feature.CHARGE, Feature.CHARGE_RATE}
            )

    @property
    def charge_limit_range(self) -> tuple[float, float]:
        """ev.energy's documented range."""
        return 50.0, 100.0

    async def async_fetch(self, features: set[Feature]) -> VehicleState:
        """One call: the vehicle with its latest status log expanded."""
        del features  # one call answers everything
        vehicle, self._first = self._first, None
        if vehicle is None:
            vehicle = await self.account.vehicle(self.info.vehicle_id)
        state = self.state_from(vehicle)
        await self._read_boost(vehicle, state)
        return state

    # ---- boost (the 2026 API); read by the boost switch
    smart_charging: bool | None = None
    charging_session: EvEnergyChargingSession | None = None

    async def _read_boost(self, vehicle: EvEnergyVehicle, state: VehicleState) -> None:
        """Smart charging, and the plug-in in progress when it can be boosted."""
        self.smart_charging = vehicle.smart_charging_enabled
        if not self.smart_charging or not state.plugged_in:
            self.charging_session = None
            return
        sessions = await self.account.open_sessions()
        self.charging_session = sessions.get(self.info.vehicle_id)

    async def async_set_boost(self, on: bool) -> bool:  # noqa: FBT001
        """Start or end a boost of the plug-in in progress (charge now)."""
        session = self.charging_session
        if session is None:
            self.account.expire()
            session = (await self.account.open_sessions()).get(self.info.vehicle_id)
        if session is None:
            msg = "The vehicle is not plugged in"
            raise EVVehicleStateError(msg, code=NOT_BOOSTABLE if on else NOT_BOOSTING)
        if session.boosting == on:
            return False
        if on:
            self.charging_session = await self.client.boost_start(session.id)
        else:
            self.charging_session = await self.client.boost_end(session.id)
        self.account.expire()
        return True

    def state_from(self, vehicle: EvEnergyVehicle) -> VehicleState:
        """Map a vehicle (with its status log) to the state."""
        log = vehicle.status
        capacity = vehicle.battery_size_kwh or self.capacity_kwh
        charging_state = None
        if log is not None and log.is_charging is not None:
            if log.is_charging:
                charging_state = ChargingState.CHARGING
            elif (
                log.is_plugged_in
                and log.state_of_charge_percentage is not None
                and vehicle.maximum_charge_limit_percentage is not None
                and log.state_of_charge_percentage
                >= vehicle.maximum_charge_limit_percentage
            ):
                charging_state = ChargingState.FULLY_CHARGED
            else:
                charging_state = ChargingState.NOT_CHARGING
        return VehicleState(
            soc=log.state_of_charge_percentage if log else None,
            capacity_kwh=capacity,
            plugged_in=log.is_plugged_in if log else None,
            charging_state=charging_state,
            charge_limit=vehicle.maximum_charge_limit_percentage,
            charge_rate_kw=(
                log.charge_rate_watts / 1000
                if log and log.charge_rate_watts is not None
                else None
            ),
            data_age=log.sampled_at if log else None,
            unsupported=frozenset(self.unsupported),
        )

    async def async_account_vehicle_ids(self) -> set[str]:
        """The user's vehicles (the shared list)."""
        return set(await self.account.vehicles())

    async def async_set_charging(self, on: bool) -> bool:  # noqa: FBT001
        """ev.energy has no start/stop command for a vehicle."""
        msg = "ev.energy offers no charge command"
        raise EVNotSupportedError(msg)

    async def async_set_charge_limit(self, percentage: float) -> bool:
        """PATCH maximum_charge_limit_percentage."""
        await self.client.set_charge_limit(self.info.vehicle_id, round(percentage))
        self.account.expire()
        return True

    async def async_charge_records(
        self, start: date | None, end: date | None
    ) -> list[ChargeRecordRow]:
        """Charging sub-sessions, oldest first."""
        since = datetime.combine(start, time.min, UTC) if start else None
        until = datetime.combine(end, time.max, UTC) if end else None
        sessions = await self.client.get_charging_sub_sessions(
            self.info.vehicle_id, since=since, until=until
        )
        return [
            ChargeRecordRow(
                start=session.start, end=session.end, total_kwh=session.energy_kwh
            )
            for session in reversed(sessions)
        ]
