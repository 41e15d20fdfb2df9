"""The charge limit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE
from homeassistant.exceptions import ServiceValidationError

from .const import DOMAIN
from .entity import (
    EvBatteryEntity,
    EvBatteryEntityDescription,
    async_add_vehicle_entities,
    handle_api_errors,
)
from .vehicle import Feature

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddEntitiesCallback

    from .coordinator import EvBatteryConfigEntry, EvBatteryCoordinator

PARALLEL_UPDATES = 1  # one command at a time per platform


@dataclass(frozen=True, kw_only=True)
class ChargeLimitDescription(EvBatteryEntityDescription, NumberEntityDescription):
    """The charge limit number."""


CHARGE_LIMIT = ChargeLimitDescription(
    key="charge_limit",
    translation_key="charge_limit",
    feature=Feature.CHARGE_LIMIT,
    device_class=NumberDeviceClass.BATTERY,
    native_unit_of_measurement=PERCENTAGE,
    native_step=1,
    mode=NumberMode.SLIDER,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EvBatteryConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the charge limit to vehicles that have one."""
    async_add_vehicle_entities(
        entry,
        async_add_entities,
        lambda coordinator: (
            [EvBatteryChargeLimit(coordinator)]
            if coordinator.api.supports(Feature.CHARGE_LIMIT)
            else []
        ),
    )


class EvBatteryChargeLimit(EvBatteryEntity, NumberEntity):
    """The state of charge at which charging stops."""

    entity_description: ChargeLimitDescription

    def __init__(self, coordinator: EvBatteryCoordinator) -> None:
        """Create the number with the provider's bounds."""
        super().__init__(coordinator, CHARGE_LIMIT)
        low, high = coordinator.api.charge_limit_range
        self._attr_native_min_value = low
        self._attr_native_max_value = high

    def _measured(self) -> float | None:
        return self.coordinator.data.charge_limit

    @property
    def native_value(self) -> float | None:
        """The commanded limit until a refresh confirms it."""
        if self._assumed is not None:
            return float(self._assumed)
        return self._measured()

    @handle_api_errors
    async def async_set_native_value(self, value: float) -> None:
        """Send the new limit."""
        if not math.isfinite(value):
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="not_a_number"
            )
        api = self.coordinator.api
        await self._async_command(value, lambda: api.async_set_charge_limit(value))
