"""The charging switch (start and stop) and ev.energy's boost switch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.exceptions import HomeAssistantError

from .api import EVApiError, EVVehicleStateError
from .api.evenergy import (
    COMMAND_NOT_DELIVERED,
    NOT_BOOSTABLE,
    NOT_BOOSTING,
    SMART_CHARGING_DISABLED,
)
from .const import DOMAIN
from .entity import (
    EvBatteryEntity,
    EvBatteryEntityDescription,
    async_add_vehicle_entities,
    handle_api_errors,
    translate_api_error,
)
from .vehicle import EvEnergyVehicleApi, Feature

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


# ev.energy's boost: charging now at full power instead of by the smart
# schedule. Its entity belongs to the charge feature (the status log).
BOOST = ChargingSwitchDescription(
    key="boost",
    translation_key="boost",
    feature=Feature.CHARGE,
)

# The boost refusals (EVVehicleStateError codes) and their translations.
BOOST_ERRORS = {
    SMART_CHARGING_DISABLED: "boost_smart_charging_off",
    NOT_BOOSTABLE: "boost_not_boostable",
    NOT_BOOSTING: "boost_not_boosting",
    COMMAND_NOT_DELIVERED: "boost_not_delivered",
}


def _entities(coordinator: EvBatteryCoordinator) -> list[SwitchEntity]:
    entities: list[SwitchEntity] = []
    api = coordinator.api
    if api.supports(Feature.CHARGE_CONTROL) and api.supports(Feature.CHARGE):
        entities.append(EvBatteryChargingSwitch(coordinator))
    if (
        isinstance(api, EvEnergyVehicleApi)
        and api.smart_charging
        and api.supports(Feature.CHARGE)  # integrated: it reports plug-ins
    ):
        entities.append(EvEnergyBoostSwitch(coordinator, api))
    return entities


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EvBatteryConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the charging and boost switches the vehicles support."""
    async_add_vehicle_entities(entry, async_add_entities, _entities)


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


class EvEnergyBoostSwitch(EvBatteryEntity, SwitchEntity):
    """On while ev.energy boosts the plug-in (charging now at full power).

    Off when there is nothing to boost (unplugged, or smart charging off).
    Turning it on ends the smart sub-session and starts a boost; turning it
    off hands the car back to the smart schedule.
    """

    entity_description: ChargingSwitchDescription

    def __init__(
        self, coordinator: EvBatteryCoordinator, api: EvEnergyVehicleApi
    ) -> None:
        """Create the switch."""
        super().__init__(coordinator, BOOST)
        self._api = api

    def _measured(self) -> bool:
        session = self._api.charging_session
        return session is not None and session.boosting

    @property
    def available(self) -> bool:
        """Unavailable once smart charging is switched off in ev.energy."""
        return super().available and bool(self._api.smart_charging)

    @property
    def is_on(self) -> bool:
        """The commanded state until a refresh confirms it."""
        if self._assumed is not None:
            return bool(self._assumed)
        return self._measured()

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Boost: charge now at full power."""
        await self._boost(on=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """End the boost: back to the smart schedule."""
        await self._boost(on=False)

    async def _boost(self, *, on: bool) -> None:
        try:
            await self._async_command(on, lambda: self._api.async_set_boost(on))
        except EVVehicleStateError as err:
            key = BOOST_ERRORS.get(err.code or "")
            if key is None:
                raise translate_api_error(err) from err
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=key,
                translation_placeholders={"vehicle": self._device_name()},
            ) from err
        except EVApiError as err:
            raise translate_api_error(err) from err

    def _device_name(self) -> str:
        entry = self.registry_entry
        device = self.device_entry
        if device is not None:
            return device.name_by_user or device.name or self._api.info.vehicle_id
        return entry.entity_id if entry is not None else self._api.info.vehicle_id
