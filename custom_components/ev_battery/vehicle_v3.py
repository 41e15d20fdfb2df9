"""A vehicle behind Smartcar's Vehicle API v3: signals read or pushed."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .api import (
    ChargingStatus,
    EVNotSupportedError,
    SignalCode,
    SignalSet,
)
from .const import Provider
from .vehicle import (
    ChargeRecordRow,
    ChargingState,
    Feature,
    VehicleApi,
    VehicleInfo,
    VehicleState,
    charge_command,
)

if TYPE_CHECKING:
    from datetime import date, datetime

    from .api import Reading, SmartcarV3Client

# The signals that tell that a vehicle has a feature: a feature's entities
# exist once the car has reported one of them (v3 cars report only some).
FEATURE_SIGNAL_CODES: dict[Feature, tuple[SignalCode, ...]] = {
    Feature.BATTERY: (SignalCode.STATE_OF_CHARGE,),
    Feature.RANGE: (SignalCode.RANGE,),
    Feature.CAPACITY: (SignalCode.NOMINAL_CAPACITY,),
    Feature.CHARGE: (
        SignalCode.IS_CHARGING,
        SignalCode.DETAILED_CHARGING_STATUS,
        SignalCode.IS_CHARGING_CABLE_CONNECTED,
    ),
    Feature.CHARGE_LIMIT: (SignalCode.CHARGE_LIMITS,),
    Feature.ODOMETER: (SignalCode.TRAVELED_DISTANCE,),
    Feature.CHARGE_RATE: (SignalCode.WATTAGE,),
    Feature.ENERGY_ADDED: (SignalCode.ENERGY_ADDED,),
    Feature.CHARGE_FINISH: (SignalCode.TIME_TO_COMPLETE,),
    Feature.LOCATION: (SignalCode.PRECISE_LOCATION,),
    Feature.CONNECTIVITY: (SignalCode.IS_ONLINE, SignalCode.IS_ASLEEP),
}

V3_CHARGE_STATES = {
    ChargingStatus.CHARGING: ChargingState.CHARGING,
    ChargingStatus.FULLY_CHARGED: ChargingState.FULLY_CHARGED,
    ChargingStatus.NOT_CHARGING: ChargingState.NOT_CHARGING,
}

# The permission Smartcar's commands need (a connection lists what the
# person granted); without it the switch and the number are not offered.
CONTROL_PERMISSION = "control_charge"


def _value[T](reading: Reading[T] | None) -> T | None:
    return None if reading is None else reading.value


class SmartcarV3VehicleApi(VehicleApi):
    """A Smartcar v3 vehicle: ``GET /signals`` (one billed call) or a push."""

    budgeted = True

    def __init__(
        self,
        client: SmartcarV3Client,
        info: VehicleInfo,
        permissions: frozenset[str],
    ) -> None:
        """Start knowing nothing: features appear as their signals arrive."""
        super().__init__(info)
        self.client = client
        self.permissions = permissions
        self.signals = SignalSet({})
        self.unsupported.update(set(Feature) - {Feature.BATTERY, Feature.CHARGE})
        # Until the car has reported anything, battery and charge are assumed
        # (the entities most people want wait for their first value). What
        # it reported is ``answered`` (kept across restarts with the reading).
        self.unsupported.add(Feature.CHARGE_RECORDS)  # no v3 records endpoint

    @property
    def charge_limit_range(self) -> tuple[float, float]:
        """Smartcar's documented range for ``charge/set-limit``."""
        return 50.0, 100.0

    def read_cost(self, features: frozenset[Feature]) -> int:
        """One billed call reads every signal."""
        del features
        return 1

    async def async_fetch(self, features: set[Feature]) -> VehicleState:
        """``GET /vehicles/{id}/signals`` (every signal the car reported)."""
        del features
        self.last_cost = 0
        signals = await self.client.get_signals(self.info.vehicle_id)
        self.last_cost = 1
        return self.apply(signals)

    def apply(self, signals: SignalSet) -> VehicleState:
        """Take signals (read or pushed; the newer value of each wins)."""
        self.signals = self.signals.merge(signals)
        self._learn_features()
        return self.state()

    def _learn_features(self) -> None:
        for feature, codes in FEATURE_SIGNAL_CODES.items():
            if any(code in self.signals for code in codes):
                self.answered.add(feature)
            if feature in self.answered:
                self.unsupported.discard(feature)
        if self.answered:
            # Once the car has reported, what it did not report is not there.
            for feature in (Feature.BATTERY, Feature.CHARGE):
                if feature not in self.answered:
                    self.unsupported.add(feature)
        commandable = (
            Feature.CHARGE in self.answered and CONTROL_PERMISSION in self.permissions
        )
        if commandable:
            self.unsupported.discard(Feature.CHARGE_CONTROL)
        else:
            self.unsupported.add(Feature.CHARGE_CONTROL)

    def state(self) -> VehicleState:
        """The vehicle state the signals describe."""
        signals = self.signals
        soc = signals.state_of_charge
        status = _value(signals.charging_status)
        is_charging = _value(signals.is_charging)
        if status is not None:
            charging_state = V3_CHARGE_STATES.get(status, ChargingState.UNKNOWN)
        elif is_charging is not None:
            charging_state = (
                ChargingState.CHARGING if is_charging else ChargingState.NOT_CHARGING
            )
        else:
            charging_state = None
        location = _value(signals.location)
        to_complete = signals.time_to_complete_min
        finish: datetime | None = None
        if (
            to_complete is not None
            and to_complete.updated_at is not None
            and charging_state is ChargingState.CHARGING
        ):
            finish = to_complete.updated_at + timedelta(minutes=to_complete.value)
        measured: dict[str, datetime] = {}
        readings: dict[str, Reading[Any] | None] = {
            "soc": soc,
            "range_km": signals.range_km,
            "capacity_kwh": signals.nominal_capacity_kwh,
            "plugged_in": signals.is_plugged_in,
            "charging_state": signals.charging_status or signals.is_charging,
            "charge_limit": signals.charge_limit,
            "odometer_km": signals.odometer_km,
            "charge_rate_kw": signals.charging_power_kw,
            "energy_added_kwh": signals.energy_added_kwh,
            "charge_finish_at": to_complete,
            "latitude": signals.location,
            "longitude": signals.location,
            "online": signals.is_online,
            "asleep": signals.is_asleep,
        }
        for name, reading in readings.items():
            if reading is not None and reading.updated_at is not None:
                measured[name] = reading.updated_at
        return VehicleState(
            soc=_value(soc),
            range_km=_value(signals.range_km),
            capacity_kwh=_value(signals.nominal_capacity_kwh),
            plugged_in=_value(signals.is_plugged_in),
            charging_state=charging_state,
            charge_limit=_value(signals.charge_limit),
            odometer_km=_value(signals.odometer_km),
            charge_rate_kw=_value(signals.charging_power_kw),
            energy_added_kwh=_value(signals.energy_added_kwh),
            charge_finish_at=finish,
            latitude=location.latitude if location else None,
            longitude=location.longitude if location else None,
            online=_value(signals.is_online),
            asleep=_value(signals.is_asleep),
            data_age=measured.get("soc") or max(measured.values(), default=None),
            unsupported=frozenset(self.unsupported),
            measured_at=measured,
        )

    def learn_vehicle(
        self, make: str | None, model: str | None, year: int | None
    ) -> None:
        """Make, model and year (from the connection or a delivery)."""
        if make and (make, model, year) != (
            self.info.make,
            self.info.model,
            self.info.year,
        ):
            self.info = dataclasses.replace(
                self.info, make=make, model=model, year=year
            )

    async def async_account_vehicle_ids(self) -> set[str]:
        """The user's connections (not billed)."""
        connections = await self.client.get_connections(user_id=self.client.user_id)
        return {connection.vehicle_id for connection in connections}

    async def async_set_charging(self, on: bool) -> bool:  # noqa: FBT001
        """``charge/start`` or ``charge/stop``; a goal that holds is no error.

        A 202 (the car is still acting) is a success: the next signal or
        delivery confirms it.
        """
        vehicle_id = self.info.vehicle_id
        return await charge_command(
            on,
            lambda: self.client.start_charge(vehicle_id),
            lambda: self.client.stop_charge(vehicle_id),
        )

    async def async_set_charge_limit(self, percentage: float) -> bool:
        """``charge/set-limit`` takes a whole percent."""
        await self.client.set_charge_limit(self.info.vehicle_id, round(percentage))
        return True

    async def async_charge_records(
        self, start: date | None, end: date | None
    ) -> list[ChargeRecordRow]:
        """v3 has no charge records (the v2 make endpoints go with v2.0)."""
        del start, end
        msg = "Smartcar's Vehicle API v3 has no charge records"
        raise EVNotSupportedError(msg, status=501)


def v3_info(
    vehicle_id: str, make: str | None, model: str | None, year: int | None
) -> VehicleInfo:
    """A v3 vehicle's device facts."""
    return VehicleInfo(
        vehicle_id=vehicle_id,
        provider=Provider.SMARTCAR,
        make=make,
        model=model,
        year=year,
    )
