"""The base entity and the command error translation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import (
    EVApiError,
    EVAuthenticationError,
    EVConnectionError,
    EVInvalidResponseError,
    EVNotSupportedError,
    EVPermissionError,
    EVQuotaExceededError,
    EVRateLimitError,
    EVServerError,
    EVValidationError,
    EVVehicleStateError,
)
from .const import DOMAIN
from .coordinator import EvBatteryConfigEntry, EvBatteryCoordinator
from .errors import describe_error, vehicle_reason

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Iterable

    from homeassistant.helpers.entity import Entity
    from homeassistant.helpers.entity_platform import AddEntitiesCallback

    from .vehicle import Feature


@dataclass(frozen=True, kw_only=True)
class EvBatteryEntityDescription(EntityDescription):
    """What every entity description names: the feature it needs."""

    feature: Feature


def async_add_vehicle_entities(
    entry: EvBatteryConfigEntry,
    async_add_entities: AddEntitiesCallback,
    build: Callable[[EvBatteryCoordinator], Iterable[Entity]],
) -> None:
    """Add each vehicle's entities once it has answered, and new ones later.

    What a vehicle supports (and so which entities it gets) and its device
    name are known from its first successful refresh; a vehicle whose first
    refresh failed gets its entities when a retry succeeds. A signal the car
    reports for the first time later (Smartcar v3 cars report only some, and
    not all at once) gets its entities when it arrives, without a reload.
    """
    for coordinator in entry.runtime_data.coordinators.values():
        entry.async_on_unload(_add_as_supported(coordinator, async_add_entities, build))


def _add_as_supported(
    coordinator: EvBatteryCoordinator,
    async_add_entities: AddEntitiesCallback,
    build: Callable[[EvBatteryCoordinator], Iterable[Entity]],
) -> Callable[[], None]:
    """Add the entities the vehicle supports now, then on every update.

    Returns the way to stop listening.
    """
    added: set[str | None] = set()

    @callback
    def add_new() -> None:
        if not coordinator.answered:
            return
        new = [entity for entity in build(coordinator) if entity.unique_id not in added]
        if new:
            added.update(entity.unique_id for entity in new)
            async_add_entities(new)

    add_new()
    return coordinator.async_add_listener(add_new)


# How long a command's value is shown without a refresh confirming it.
COMMAND_HOLD = timedelta(seconds=90)

# Failures after which the car may have acted all the same.
UNCERTAIN_ERRORS = (EVConnectionError, EVInvalidResponseError, EVServerError)


class EvBatteryEntity(CoordinatorEntity[EvBatteryCoordinator]):
    """An entity of one vehicle."""

    _attr_has_entity_name = True
    entity_description: EvBatteryEntityDescription

    def __init__(
        self,
        coordinator: EvBatteryCoordinator,
        description: EvBatteryEntityDescription,
    ) -> None:
        """Bind the entity to its vehicle and feature."""
        super().__init__(coordinator, context=description.feature)
        self.entity_description = description
        info = coordinator.api.info
        self._attr_unique_id = (
            f"{info.vehicle_id}_{description.feature}:{description.key}"
        )
        # The coordinator registers the device (and its link to the account).
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, info.vehicle_id)})

    # A command's value, shown from the moment it is sent until a refresh
    # confirms it (or COMMAND_HOLD passes): refreshes that land meanwhile
    # must not flicker the old value back.
    _assumed: Any = None
    _in_flight = False
    _cancel_hold: CALLBACK_TYPE | None = None

    def _measured(self) -> Any:
        """The value the car reports (entities with commands override this)."""
        return None

    @callback
    def _handle_coordinator_update(self) -> None:
        """A refresh that shows the commanded value ends the hold."""
        if (
            self._assumed is not None
            and not self._in_flight
            and self._measured() == self._assumed
        ):
            self._release()
        super()._handle_coordinator_update()

    @callback
    def _release(self) -> None:
        self._assumed = None
        if self._cancel_hold is not None:
            self._cancel_hold()
            self._cancel_hold = None

    @callback
    def _hold_expired(self, _now: datetime) -> None:
        self._cancel_hold = None
        self._assumed = None
        self.async_write_ha_state()

    async def async_update(self) -> None:
        """``homeassistant.update_entity``: a read within the budget."""
        await self.coordinator.async_refresh_now()

    async def async_will_remove_from_hass(self) -> None:
        """Stop a pending hold."""
        self._release()
        await super().async_will_remove_from_hass()

    async def _async_command(
        self, assumed: Any, command: Callable[[], Awaitable[bool]]
    ) -> None:
        """Show ``assumed`` at once, send the command, then confirm by a refresh.

        ``command`` returns False when its goal already held (nothing was
        done): the real state is shown. A refused command shows the real
        state again; one that may have reached the car (a timeout, a lost
        or garbled answer) refreshes first, so what is shown is the car's
        state rather than a guess. The error is raised either way.
        """
        self._release()
        self._assumed = assumed
        self._in_flight = True
        self.async_write_ha_state()
        try:
            acted = await command()
        except EVApiError as err:
            if not isinstance(err, EVValidationError):
                self.coordinator.count_command()
            self._release()
            self.async_write_ha_state()
            if isinstance(err, UNCERTAIN_ERRORS):
                self.coordinator.async_invalidate(self.entity_description.feature)
                await self.coordinator.async_request_refresh()
            raise
        finally:
            self._in_flight = False
        self.coordinator.count_command()
        self.coordinator.async_invalidate(self.entity_description.feature)
        if acted:
            self._cancel_hold = async_call_later(
                self.hass, COMMAND_HOLD, self._hold_expired
            )
        else:
            self._release()
        await self.coordinator.async_request_refresh()
        self.async_write_ha_state()

    @property
    def available(self) -> bool:
        """Unavailable while the provider fails, or once the feature is refused.

        A car that is asleep or out of reach keeps its last values: the
        coordinator's refresh succeeds with them (see the coordinator).
        """
        return super().available and self.coordinator.api.supports(
            self.entity_description.feature
        )


def translate_api_error(err: EVApiError) -> HomeAssistantError:
    """The translated error a failed command raises."""
    placeholders = {"error": describe_error(err)}
    if isinstance(err, EVValidationError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_value",
            translation_placeholders=placeholders,
        )
    keys: tuple[tuple[type[EVApiError], str], ...] = (
        (EVAuthenticationError, "auth_failed"),
        (EVPermissionError, "permission_missing"),
        (EVNotSupportedError, "not_supported"),
        (EVRateLimitError, "rate_limited_command"),
        (EVQuotaExceededError, "quota_exceeded"),
        (EVVehicleStateError, "vehicle_state"),
        (EVConnectionError, "cannot_connect"),
    )
    key = next((key for cls, key in keys if isinstance(err, cls)), "command_failed")
    if isinstance(err, EVVehicleStateError):
        placeholders["reason"] = vehicle_reason(err)
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def handle_api_errors[**P](
    func: Callable[P, Coroutine[Any, Any, None]],
) -> Callable[P, Coroutine[Any, Any, None]]:
    """Turn client errors of a command into translated Home Assistant errors."""

    @wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(*args, **kwargs)
        except EVApiError as err:
            raise translate_api_error(err) from err

    return wrapper
