"""Binary sensors: plugged in, charging, online, asleep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

# Home Assistant 2026 moved the device classes to binary_sensor.const and
# re-exports them implicitly, which strict mypy flags on that leg only.
from homeassistant.components.binary_sensor import (  # type: ignore[attr-defined,unused-ignore]
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory

from .entity import (
    EvBatteryEntity,
    EvBatteryEntityDescription,
    async_add_vehicle_entities,
)
from .vehicle import Feature, VehicleState

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddEntitiesCallback

    from .coordinator import EvBatteryConfigEntry

PARALLEL_UPDATES = 0  # the coordinator does the reading


@dataclass(frozen=True, kw_only=True)
class EvBatteryBinarySensorDescription(
    EvBatteryEntityDescription, BinarySensorEntityDescription
):
    """A binary sensor and how it reads the vehicle state."""

    value_fn: Callable[[VehicleState], bool | None]


BINARY_SENSORS: tuple[EvBatteryBinarySensorDescription, ...] = (
    EvBatteryBinarySensorDescription(
        key="plugged_in",
        translation_key="plugged_in",
        feature=Feature.CHARGE,
        device_class=BinarySensorDeviceClass.PLUG,
        value_fn=lambda state: state.plugged_in,
    ),
    EvBatteryBinarySensorDescription(
        key="charging",
        translation_key="charging",
        # Named after the vehicle, so that Assist answers "is the Tesla
        # Model 3 charging" (the switch is "… Charging", the plug "… Charging
        # cable": every entity of a vehicle has its own name).
        name=None,
        feature=Feature.CHARGE,
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        value_fn=lambda state: state.charging,
    ),
    EvBatteryBinarySensorDescription(
        key="online",
        translation_key="online",
        feature=Feature.CONNECTIVITY,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda state: state.online,
    ),
    EvBatteryBinarySensorDescription(
        key="asleep",
        translation_key="asleep",
        feature=Feature.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda state: state.asleep,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EvBatteryConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the binary sensors of every vehicle."""
    async_add_vehicle_entities(
        entry,
        async_add_entities,
        lambda coordinator: (
            EvBatteryBinarySensor(coordinator, description)
            for description in BINARY_SENSORS
            if coordinator.api.supports(description.feature)
        ),
    )


class EvBatteryBinarySensor(EvBatteryEntity, BinarySensorEntity):
    """A vehicle binary sensor."""

    entity_description: EvBatteryBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """The value from the latest (or last known) state."""
        return self.entity_description.value_fn(self.coordinator.data)
