"""One coordinator per vehicle."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    EVApiError,
    EVAuthenticationError,
    EVQuotaExceededError,
    EVRateLimitError,
)
from .const import (
    CONF_PROVIDER,
    CONF_SCAN_INTERVAL_MINUTES,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    PROVIDER_NAMES,
    Provider,
)
from .vehicle import Feature, VehicleApi, VehicleInfo, VehicleState

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .api import EvEnergyClient, SmartcarClient


@dataclass
class EvBatteryData:
    """What a loaded entry holds."""

    provider: Provider
    client: SmartcarClient | EvEnergyClient
    coordinators: dict[str, EvBatteryCoordinator]


type EvBatteryConfigEntry = ConfigEntry[EvBatteryData]


# The measured values of a state (not its bookkeeping of features and errors).
STATE_VALUES = tuple(
    field.name
    for field in dataclasses.fields(VehicleState)
    if field.name not in ("unsupported", "errors")
)


def scan_interval(entry: ConfigEntry) -> timedelta:
    """The polling interval of an entry: the one place that decides it."""
    minutes = entry.data.get(CONF_SCAN_INTERVAL_MINUTES)
    if minutes:
        return timedelta(minutes=int(minutes))
    return DEFAULT_SCAN_INTERVAL[Provider(entry.data[CONF_PROVIDER])]


def account_identifier(entry: ConfigEntry) -> str:
    """The device identifier of the account (its unique id)."""
    return f"account_{entry.unique_id or entry.entry_id}"


def quota_issue_id(entry: ConfigEntry) -> str:
    """The repair issue raised when the provider's quota is used up."""
    return f"quota_exceeded_{entry.entry_id}"


class EvBatteryCoordinator(DataUpdateCoordinator[VehicleState]):
    """Polls one vehicle, asking only for what enabled entities show."""

    config_entry: EvBatteryConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EvBatteryConfigEntry,
        api: VehicleApi,
        account_device_id: str,
    ) -> None:
        """Create the coordinator for ``api``'s vehicle, linked to its account."""
        self.api = api
        self.account_device_id = account_device_id
        self._registered: VehicleInfo | None = None
        self.base_interval = scan_interval(entry)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} vehicle {api.info.vehicle_id[:8]}",
            update_interval=self.base_interval,
        )

    def _wanted(self) -> set[Feature]:
        """Features the listening entities need (all of them at first)."""
        wanted = {context for context in self.async_contexts() if context}
        return wanted or set(Feature)

    async def _async_update_data(self) -> VehicleState:
        try:
            state = await self.api.async_fetch(self._wanted())
        except EVAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except EVRateLimitError as err:
            if err.retry_after:
                wait = timedelta(seconds=err.retry_after)
                self.update_interval = max(self.base_interval, wait)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"retry_after": str(err.retry_after or "?")},
            ) from err
        except EVQuotaExceededError as err:
            self._raise_quota_issue()
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="quota_exceeded"
            ) from err
        except EVApiError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.update_interval = self.base_interval
        info = self.api.info
        if info.make:
            self.name = f"{DOMAIN} {info.make.title()} {info.model}"
        self.async_register_device()
        ir.async_delete_issue(self.hass, DOMAIN, quota_issue_id(self.config_entry))
        state = self._keep_last_values(state)
        now = dt_util.utcnow()
        if state.data_age is not None and state.data_age > now:
            # A provider (or car) clock ahead of ours: data cannot be newer than now.
            state = dataclasses.replace(state, data_age=now)
        self._remove_unsupported_entities(state.unsupported)
        return state

    @callback
    def async_register_device(self) -> None:
        """Create or update the vehicle's device, linked to the account's.

        Done here rather than through the entities' ``DeviceInfo``: Home
        Assistant 2026 deprecates ``via_device`` there for ``via_device_id``,
        which older releases do not know; the registry's update takes the
        link on every supported version.
        """
        info = self.api.info
        if info == self._registered:
            return
        make = (info.make or "").title()
        model = " ".join(str(part) for part in (info.model, info.year) if part)
        registry = dr.async_get(self.hass)
        device = registry.async_get_or_create(
            config_entry_id=self.config_entry.entry_id,
            identifiers={(DOMAIN, info.vehicle_id)},
            manufacturer=make or None,
            model=model or None,
            name=" ".join(part for part in (make, info.model) if part)
            or PROVIDER_NAMES[info.provider],
            serial_number=info.vin,
        )
        if device.via_device_id != self.account_device_id:
            registry.async_update_device(
                device.id, via_device_id=self.account_device_id
            )
        self._registered = info

    def _keep_last_values(self, state: VehicleState) -> VehicleState:
        """A signal that failed this time keeps its last known value."""
        previous: VehicleState | None = self.data
        if previous is None:
            return state
        kept = {
            name: getattr(previous, name)
            for name in STATE_VALUES
            if getattr(state, name) is None and getattr(previous, name) is not None
        }
        return dataclasses.replace(state, **kept) if kept else state

    def _raise_quota_issue(self) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            quota_issue_id(self.config_entry),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="quota_exceeded",
            translation_placeholders={"title": self.config_entry.title},
        )

    def _remove_unsupported_entities(self, unsupported: frozenset[Feature]) -> None:
        """An entity whose feature the car lacks (or may not read) goes away."""
        registry = er.async_get(self.hass)
        prefix = f"{self.api.info.vehicle_id}_"
        for entry in er.async_entries_for_config_entry(
            registry, self.config_entry.entry_id
        ):
            if not entry.unique_id.startswith(prefix):
                continue
            feature = entry.unique_id.removeprefix(prefix).split(":", 1)[0]
            if feature in unsupported:
                LOGGER.debug("Removing %s: not supported", entry.entity_id)
                registry.async_remove(entry.entity_id)
