"""The charging switch: start and stop charging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription

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
class ChargingSwitchDescription(EvBatteryEntityDescription, SwitchEntityDescription):
    """The charging switch."""


CHARGING = ChargingSwitchDescription(
    key="charging",
    translation_key="charging",
    feature=Feature.CHARGE_CONTROL,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EvBatteryConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a charging switch to vehicles whose charging can be controlled."""
    async_add_vehicle_entities(
        entry,
        async_add_entities,
        lambda coordinator: (
            [EvBatteryChargingSwitch(coordinator)]
            if coordinator.api.supports(Feature.CHARGE_CONTROL)
            and coordinator.api.supports(Feature.CHARGE)
            else []
        ),
    )


class EvBatteryChargingSwitch(EvBatteryEntity, SwitchEntity):
    """On while charging; turning it on or off sends START or STOP."""

    entity_description: ChargingSwitchDescription

    def __init__(self, coordinator: EvBatteryCoordinator) -> None:
        """Create the switch."""
        super().__init__(coordinator, CHARGING)

    def _measured(self) -> bool | None:
        return self.coordinator.data.charging

    @property
    def is_on(self) -> bool | None:
        """The commanded state until a refresh confirms it."""
        if self._assumed is not None:
            return bool(self._assumed)
        return self._measured()

    @handle_api_errors
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Start charging."""
        await self._command(on=True)

    @handle_api_errors
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop charging."""
        await self._command(on=False)

    async def _command(self, *, on: bool) -> None:
        api = self.coordinator.api
        await self._async_command(on, lambda: api.async_set_charging(on))
