"""A button per vehicle: read it now (within the month's allowance)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription

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

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class RefreshDescription(EvBatteryEntityDescription, ButtonEntityDescription):
    """The refresh button."""


REFRESH = RefreshDescription(
    key="refresh", translation_key="refresh", feature=Feature.BATTERY
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EvBatteryConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a refresh button to every vehicle."""
    async_add_vehicle_entities(
        entry,
        async_add_entities,
        lambda coordinator: [EvBatteryRefreshButton(coordinator, REFRESH)],
    )


class EvBatteryRefreshButton(EvBatteryEntity, ButtonEntity):
    """Reads the vehicle now; refused when that would eat the reserve."""

    entity_description: RefreshDescription

    async def async_press(self) -> None:
        """Read now."""
        await self.coordinator.async_refresh_now()
