"""Sensors: state of charge, range, capacity, charging state, data age, odometer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

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

from .entity import (
    EvBatteryEntity,
    EvBatteryEntityDescription,
    async_add_vehicle_entities,
)
from .vehicle import ChargingState, Feature, VehicleState

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddEntitiesCallback

    from .coordinator import EvBatteryConfigEntry

PARALLEL_UPDATES = 0  # the coordinator does the reading


@dataclass(frozen=True, kw_only=True)
class EvBatterySensorDescription(EvBatteryEntityDescription, SensorEntityDescription):
    """A sensor and how it reads the vehicle state."""

    value_fn: Callable[[VehicleState], float | str | datetime | None]


SENSORS: tuple[EvBatterySensorDescription, ...] = (
    EvBatterySensorDescription(
        key="state_of_charge",
        translation_key="state_of_charge",
        feature=Feature.BATTERY,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=lambda state: state.soc,
    ),
    EvBatterySensorDescription(
        key="range",
        translation_key="range",
        feature=Feature.RANGE,
        device_class=SensorDeviceClass.DISTANCE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        suggested_display_precision=0,
        value_fn=lambda state: state.range_km,
    ),
    EvBatterySensorDescription(
        key="battery_capacity",
        translation_key="battery_capacity",
        feature=Feature.CAPACITY,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=1,
        value_fn=lambda state: state.capacity_kwh,
    ),
    EvBatterySensorDescription(
        key="charging_state",
        translation_key="charging_state",
        feature=Feature.CHARGE,
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in ChargingState],
        value_fn=lambda state: (
            state.charging_state.value if state.charging_state else None
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
        value_fn=lambda state: state.charge_rate_kw,
    ),
    EvBatterySensorDescription(
        key="last_data_update",
        translation_key="last_data_update",
        feature=Feature.BATTERY,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda state: state.data_age,
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
        value_fn=lambda state: state.odometer_km,
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
            EvBatterySensor(coordinator, description)
            for description in SENSORS
            if coordinator.api.supports(description.feature)
        ),
    )


class EvBatterySensor(EvBatteryEntity, SensorEntity):
    """A vehicle sensor."""

    entity_description: EvBatterySensorDescription

    @property
    def native_value(self) -> float | str | datetime | None:
        """The value from the latest (or last known) state."""
        return self.entity_description.value_fn(self.coordinator.data)
