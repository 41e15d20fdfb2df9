"""Sensors: state of charge, range, capacity, charging state, data age, odometer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfEnergy,
    UnitOfLength,
    UnitOfPower,
)
from homeassistant.core import callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.restore_state import (
    ExtraStoredData,
    RestoredExtraData,
    RestoreEntity,
)
from homeassistant.util import dt as dt_util

from .const import LOGGER
from .energy import EnergyMeter
from .entity import (
    EvBatteryEntity,
    EvBatteryEntityDescription,
    async_add_vehicle_entities,
)
from .vehicle import ChargingState, Feature

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddEntitiesCallback

    from .coordinator import EvBatteryConfigEntry, EvBatteryCoordinator

PARALLEL_UPDATES = 0  # the coordinator does the reading

# How often the estimated state of charge moves while the car charges.
ESTIMATE_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, kw_only=True)
class EvBatterySensorDescription(EvBatteryEntityDescription, SensorEntityDescription):
    """A sensor and how it reads the vehicle state."""

    value_fn: Callable[[EvBatteryCoordinator], float | str | datetime | None]
    # Whether the vehicle gets this sensor at all (beyond its feature).
    exists_fn: Callable[[EvBatteryCoordinator], bool] = lambda _: True


ESTIMATED_SOC = "estimated_state_of_charge"

SENSORS: tuple[EvBatterySensorDescription, ...] = (
    EvBatterySensorDescription(
        key=ESTIMATED_SOC,
        translation_key=ESTIMATED_SOC,
        feature=Feature.BATTERY,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=lambda c: c.estimated_soc(),
    ),
    EvBatterySensorDescription(
        key="api_calls_this_month",
        translation_key="api_calls_this_month",
        feature=Feature.BATTERY,
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda c: c.usage.at(dt_util.utcnow()).calls,
        exists_fn=lambda c: c.api.budgeted,
    ),
    EvBatterySensorDescription(
        key="api_calls_left",
        translation_key="api_calls_left",
        feature=Feature.BATTERY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c: max(
            0, c.budget.monthly_calls - c.usage.at(dt_util.utcnow()).calls
        ),
        exists_fn=lambda c: c.api.budgeted,
    ),
    EvBatterySensorDescription(
        key="next_reading",
        translation_key="next_reading",
        feature=Feature.BATTERY,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c: c.next_read_at,
    ),
    EvBatterySensorDescription(
        key="state_of_charge",
        translation_key="state_of_charge",
        feature=Feature.BATTERY,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=lambda c: c.data.soc,
    ),
    EvBatterySensorDescription(
        key="range",
        translation_key="range",
        feature=Feature.RANGE,
        device_class=SensorDeviceClass.DISTANCE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        suggested_display_precision=0,
        value_fn=lambda c: c.data.range_km,
    ),
    EvBatterySensorDescription(
        key="battery_capacity",
        translation_key="battery_capacity",
        feature=Feature.CAPACITY,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=1,
        value_fn=lambda c: c.data.capacity_kwh,
    ),
    EvBatterySensorDescription(
        key="charging_state",
        translation_key="charging_state",
        feature=Feature.CHARGE,
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in ChargingState],
        value_fn=lambda c: (
            c.data.charging_state.value if c.data.charging_state else None
        ),
    ),
    EvBatterySensorDescription(
        key="charge_rate",
        translation_key="charge_rate",
        feature=Feature.CHARGE_RATE,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=1,
        value_fn=lambda c: c.data.charge_rate_kw,
    ),
    EvBatterySensorDescription(
        key="energy_added",
        translation_key="energy_added",
        feature=Feature.ENERGY_ADDED,
        device_class=SensorDeviceClass.ENERGY,
        # A cumulative count of every charge since the sensor was created
        # (energy.py decides and says why), for the Energy dashboard.
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        value_fn=lambda c: c.data.energy_added_kwh,
    ),
    EvBatterySensorDescription(
        key="charge_finish",
        translation_key="charge_finish",
        feature=Feature.CHARGE_FINISH,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda c: c.data.charge_finish_at,
    ),
    EvBatterySensorDescription(
        key="last_data_update",
        translation_key="last_data_update",
        feature=Feature.BATTERY,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c: c.data.data_age,
    ),
    EvBatterySensorDescription(
        key="odometer",
        translation_key="odometer",
        feature=Feature.ODOMETER,
        device_class=SensorDeviceClass.DISTANCE,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        entity_registry_enabled_default=False,
        suggested_display_precision=0,
        value_fn=lambda c: c.data.odometer_km,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EvBatteryConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the sensors of every vehicle, for what it supports."""
    async_add_vehicle_entities(
        entry,
        async_add_entities,
        lambda coordinator: (
            SENSOR_CLASSES.get(description.key, EvBatterySensor)(
                coordinator, description
            )
            for description in SENSORS
            if coordinator.api.supports(description.feature)
            and description.exists_fn(coordinator)
        ),
    )


class EvBatterySensor(EvBatteryEntity, SensorEntity):
    """A vehicle sensor."""

    entity_description: EvBatterySensorDescription

    @property
    def native_value(self) -> float | str | datetime | None:
        """The value from the latest (or last known) state."""
        return self.entity_description.value_fn(self.coordinator)


class EvBatteryEstimatedSoc(EvBatterySensor):
    """The state of charge now, carried forward between measurements."""

    _unrecorded_attributes = frozenset({"measured_at", "measured_state_of_charge"})

    async def async_added_to_hass(self) -> None:
        """While the car charges, the estimate moves every minute."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_track_time_interval(self.hass, self._tick, ESTIMATE_EVERY)
        )

    @callback
    def _tick(self, _now: datetime) -> None:
        if self.coordinator.answered and self.coordinator.data.charging:
            self.async_write_ha_state()

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """When the last measurement was taken, and what it said."""
        state = self.coordinator.data
        return {
            "measured_state_of_charge": state.soc,
            "measured_at": state.data_age.isoformat() if state.data_age else None,
        }


class EvBatteryEnergyAdded(EvBatterySensor, RestoreEntity):
    """Energy added to the car, counted across charges and restarts."""

    def __init__(
        self,
        coordinator: EvBatteryCoordinator,
        description: EvBatterySensorDescription,
    ) -> None:
        """Start with an empty meter (a restored one replaces it)."""
        super().__init__(coordinator, description)
        self.meter = EnergyMeter()

    async def async_added_to_hass(self) -> None:
        """Take the meter back from before the restart, then count."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_extra_data()) is not None:
            try:
                self.meter = EnergyMeter.from_dict(last.as_dict())
            except (KeyError, TypeError, ValueError):
                LOGGER.debug("The stored energy count could not be used")
        self._feed()

    @property
    def extra_restore_state_data(self) -> ExtraStoredData:
        """The meter, kept across restarts."""
        return RestoredExtraData(self.meter.as_dict())

    @callback
    def _handle_coordinator_update(self) -> None:
        self._feed()
        super()._handle_coordinator_update()

    def _feed(self) -> None:
        coordinator = self.coordinator
        if coordinator.energy.supported:
            if coordinator.energy.reads:
                self.meter.feed_sessions(coordinator.energy.sessions)
        elif coordinator.answered:
            self.meter.feed_signal(coordinator.data.energy_added_kwh)

    @property
    def native_value(self) -> float | None:
        """The meter's count in kWh."""
        return self.meter.value


# Sensors with behaviour of their own.
SENSOR_CLASSES: dict[str, type[EvBatterySensor]] = {
    ESTIMATED_SOC: EvBatteryEstimatedSoc,
    "energy_added": EvBatteryEnergyAdded,
}
