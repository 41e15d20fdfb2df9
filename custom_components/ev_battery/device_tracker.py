"""Where the vehicle is (Smartcar v3, when the location permission was granted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

# The package re-exports these without declaring it on Home Assistant 2025.4
# (they live in config_entry there, in entity on 2026), which strict mypy
# flags on one leg only.
from homeassistant.components.device_tracker import (  # type: ignore[attr-defined,unused-ignore]
    TrackerEntity,
    TrackerEntityDescription,
)
from homeassistant.components.device_tracker.const import SourceType

from .entity import (
    EvBatteryEntity,
    EvBatteryEntityDescription,
    async_add_vehicle_entities,
)
from .vehicle import Feature

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddEntitiesCallback

    from .coordinator import EvBatteryConfigEntry

PARALLEL_UPDATES = 0  # the coordinator does the reading


@dataclass(frozen=True, kw_only=True)
class EvBatteryTrackerDescription(EvBatteryEntityDescription, TrackerEntityDescription):
    """The vehicle's tracker."""


LOCATION = EvBatteryTrackerDescription(
    key="location", translation_key="location", feature=Feature.LOCATION
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EvBatteryConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """A tracker for every vehicle that reports its location."""
    async_add_vehicle_entities(
        entry,
        async_add_entities,
        lambda coordinator: (
            [EvBatteryTracker(coordinator, LOCATION)]
            if coordinator.api.supports(Feature.LOCATION)
            else []
        ),
    )


class EvBatteryTracker(EvBatteryEntity, TrackerEntity):
    """The vehicle's position (zones such as Home come from Home Assistant)."""

    entity_description: EvBatteryTrackerDescription

    @property
    def source_type(self) -> SourceType:
        """The car's own GPS."""
        return SourceType.GPS

    @property
    def latitude(self) -> float | None:
        """Latitude of the last known position."""
        return self.coordinator.data.latitude

    @property
    def longitude(self) -> float | None:
        """Longitude of the last known position."""
        return self.coordinator.data.longitude
