"""One coordinator per vehicle."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    EVApiError,
    EVAuthenticationError,
    EVNotFoundError,
    EVPermissionError,
    EVQuotaExceededError,
    EVRateLimitError,
    EVVehicleStateError,
)
from .const import (
    CONF_MONTHLY_CALLS,
    CONF_PROVIDER,
    CONF_SCAN_INTERVAL_MINUTES,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    PROVIDER_NAMES,
    SMARTCAR_MONTHLY_CALLS,
    Provider,
)
from .energy import EnergyHistory
from .errors import describe_error
from .poller import (
    Budget,
    Plan,
    Reading,
    Usage,
    allowance_renews,
    estimate_soc,
    features_to_read,
    learn_plug_window,
    learned_rate,
    month_of,
    plan,
    push_deadline,
)
from .vehicle import Feature, VehicleApi, VehicleInfo, VehicleState

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from typing import Any

    from homeassistant.core import HomeAssistant

    from .api import (
        EvEnergyClient,
        SmartcarClient,
        SmartcarV3Client,
        VehicleErrorEvent,
        VehicleStateEvent,
    )
    from .usage import UsageStore


@dataclass
class EvBatteryData:
    """What a loaded entry holds."""

    provider: Provider
    client: SmartcarClient | SmartcarV3Client | EvEnergyClient
    coordinators: dict[str, EvBatteryCoordinator]
    usage: UsageStore | None = None
    # Smartcar v3 with push: subscribes the vehicles to the webhook.
    subscribe: Callable[[], Coroutine[Any, Any, None]] | None = None

    async def async_subscribe(self) -> None:
        """Subscribe the vehicles to Smartcar's webhook (push entries)."""
        if self.subscribe is not None:
            await self.subscribe()


type EvBatteryConfigEntry = ConfigEntry[EvBatteryData]


# A vehicle that never answered retries after 5, 10, 20... minutes (at most
# the polling interval) rather than waiting a whole interval.
FIRST_RETRY = timedelta(minutes=5)

# A subscribed vehicle with no delivery for this long gets a repair issue.
PUSH_SILENCE_WARNING = timedelta(days=1)

# A restored vehicle is read no sooner than this after a restart.
MIN_RESTORE_WAIT = timedelta(minutes=1)

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


# Makes spelled their own way; others are title-cased when the provider
# shouts (Smartcar sends TESLA) and kept as given otherwise.
MAKE_SPELLINGS = {
    name.upper(): name
    for name in ("BMW", "BYD", "DS", "GMC", "KGM", "MG", "MINI", "NIO", "SEAT", "XPENG")
}


def make_name(make: str | None) -> str:
    """A make as its maker writes it: "MG", "BMW", "Tesla", "Mercedes-Benz"."""
    if not make:
        return ""
    if make.upper() in MAKE_SPELLINGS:
        return MAKE_SPELLINGS[make.upper()]
    return make.title() if make.isupper() or make.islower() else make


class EvBatteryCoordinator(DataUpdateCoordinator[VehicleState]):
    """Polls one vehicle, asking only for what enabled entities show."""

    config_entry: EvBatteryConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EvBatteryConfigEntry,
        api: VehicleApi,
        account_device_id: str,
        usage_store: UsageStore | None = None,
    ) -> None:
        """Create the coordinator for ``api``'s vehicle, linked to its account."""
        self.api = api
        self.account_device_id = account_device_id
        self._registered: VehicleInfo | None = None
        self._failures = 0
        self.base_interval = scan_interval(entry)
        # The poller's inputs and its last decision (budgeted providers).
        self.usage_store = usage_store
        self.usage = (
            usage_store.get(api.info.vehicle_id, dt_util.utcnow())
            if usage_store
            else Usage(month_of(dt_util.utcnow()))
        )
        self.budget = Budget(
            monthly_calls=int(
                entry.data.get(CONF_MONTHLY_CALLS, SMARTCAR_MONTHLY_CALLS)
            )
        )
        self.reading = Reading()
        self.plan: Plan | None = None
        # When the next read is due (a sensor shows it).
        self.next_read_at: datetime | None = None
        # (measured at, state of charge) of the current charging session.
        self.charge_history: list[tuple[datetime, float]] = []
        # Push (Smartcar v3 webhooks): whether the entry takes deliveries,
        # since when the vehicle is subscribed, and its last delivery.
        self.push_enabled = False
        self.subscribed_at: datetime | None = None
        self.last_push_at: datetime | None = None
        # The charging history: the energy sensor and the imported statistic.
        self.energy = EnergyHistory(
            hass,
            api,
            count=lambda calls: self._count(calls, polling=True),
            calls_left=lambda: (
                self.budget.for_polling - self.usage.at(dt_util.utcnow()).calls
            ),
            name=lambda: self.vehicle_name,
        )
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} vehicle {api.info.vehicle_id[:8]}",
            update_interval=self.base_interval,
        )

    @property
    def answered(self) -> bool:
        """Whether the vehicle has answered a refresh yet (``data`` is set)."""
        data: VehicleState | None = self.data
        return data is not None

    def _wanted(self) -> set[Feature]:
        """Features the listening entities need (all of them at first)."""
        wanted = {context for context in self.async_contexts() if context}
        return wanted or set(Feature)

    def _features_now(self, wanted: set[Feature]) -> set[Feature]:
        """What this read asks for: the poller's choice, or all that is wanted."""
        if not self.api.budgeted or self.plan is None:
            return wanted
        return set(features_to_read(dt_util.utcnow(), wanted, self.reading)) or wanted

    @callback
    def async_invalidate(self, feature: Feature) -> None:
        """A command changed ``feature``: the next read asks for it."""
        read_at = dict(self.reading.read_at)
        read_at.pop(feature, None)
        self.reading = dataclasses.replace(self.reading, read_at=read_at)

    @callback
    def _count(self, calls: int, *, polling: bool) -> None:
        """Add billed calls to the month's usage (kept across restarts)."""
        if not self.api.budgeted or not calls:
            return
        self.usage = self.usage.add(dt_util.utcnow(), calls, polling=polling)
        if self.usage_store is not None:
            self.usage_store.set(self.api.info.vehicle_id, self.usage)

    async def async_refresh_now(self) -> None:
        """A read the person asked for (button, ``update_entity``).

        Honoured while the month's polling budget can pay for it; refused
        with a clear message when it would eat the reserve kept for
        commands and restarts.
        """
        if self.api.budgeted:
            now = dt_util.utcnow()
            cost = self.api.read_cost(frozenset(self._features_now(self._wanted())))
            left = self.budget.for_polling - self.usage.at(now).calls
            if left < cost:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="refresh_over_budget",
                    translation_placeholders={
                        "vehicle": self.vehicle_name,
                        "reserve": str(self.budget.reserve),
                    },
                )
        await self.async_request_refresh()

    @callback
    def count_command(self) -> None:
        """A command was sent (billed, but not from the polling budget)."""
        self._count(1, polling=False)

    def push_covers_until(self) -> datetime | None:
        """Until when pushed data makes reading unnecessary (None: it does not)."""
        if not self.push_enabled:
            return None
        charging = self.data.charging if self.answered else None
        return push_deadline(self.last_push_at, charging=charging)

    def _schedule(self, wanted: set[Feature]) -> None:
        """Let the poller set the next read (budgeted providers)."""
        now = dt_util.utcnow()
        if not self.api.budgeted:
            self.update_interval = self.base_interval
            self.next_read_at = now + self.base_interval
            return
        covered = self.push_covers_until()
        healthy = covered is not None and covered > now
        self.plan = plan(
            dt_util.utcnow(),
            self.reading,
            self.usage,
            self.budget,
            wanted=wanted,
            cost_of=self.api.read_cost,
            push_healthy=healthy,
        )
        interval = self.plan.interval
        if covered is not None and healthy:
            # Look again when push would have gone silent for too long.
            interval = min(interval, covered - now)
        self.update_interval = interval
        self.next_read_at = now + interval

    def estimated_soc(self) -> float | None:
        """The state of charge now, carried forward from the last measurement."""
        state = self.data
        rate = None
        if state.charge_rate_kw and state.capacity_kwh:
            rate = state.charge_rate_kw / state.capacity_kwh * 100
        else:
            rate = learned_rate(self.charge_history)
        return estimate_soc(
            dt_util.utcnow(),
            soc=state.soc,
            measured_at=state.data_age,
            charging=state.charging,
            rate_per_hour=rate,
            limit=state.charge_limit,
        )

    def _remember(self, state: VehicleState, read: set[Feature]) -> None:
        """What the poller (and the estimate) need from a successful read."""
        now = dt_util.utcnow()
        if state.charging and state.soc is not None:
            measured = state.data_age or now
            if not self.charge_history or self.charge_history[-1][0] < measured:
                self.charge_history.append((measured, state.soc))
        elif state.charging is False:
            self.charge_history.clear()
        read_at = dict(self.reading.read_at)
        read_at.update(dict.fromkeys(read - state.unsupported - set(state.errors), now))
        windows = self.reading.plug_windows
        previous = self.reading.read_at.get(Feature.CHARGE)
        if (
            Feature.CHARGE in read
            and state.plugged_in
            and self.reading.plugged_in is False
            and previous is not None
        ):
            windows = learn_plug_window(self.reading, previous, now)
        self.reading = Reading(
            charging=state.charging,
            plugged_in=state.plugged_in,
            asleep=False,
            soc=state.soc,
            charge_limit=state.charge_limit,
            charge_rate_kw=state.charge_rate_kw,
            capacity_kwh=state.capacity_kwh,
            read_at=read_at,
            plug_windows=windows,
        )

    async def _async_update_data(self) -> VehicleState:
        wanted = self._wanted()
        covered = self.push_covers_until()
        now = dt_util.utcnow()
        self._check_push_silence(now)
        if self.answered and covered is not None and covered > now:
            # Push keeps the data current: no call.
            self._schedule(wanted)
            return self.data
        read = self._features_now(wanted)
        try:
            state = await self.api.async_fetch(read)
        except EVAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except EVQuotaExceededError as err:
            return self._quota_used_up(err)
        except EVVehicleStateError as err:
            # The provider answered: the car is asleep or out of reach. Its
            # last values are still its last known state (with their age).
            if self.answered:
                self.reading = dataclasses.replace(self.reading, asleep=True)
                self._schedule(wanted)
                return self.data
            raise self._failed(err) from err
        except EVRateLimitError as err:
            wait = timedelta(seconds=err.retry_after or 0)
            self.update_interval = max(self.base_interval, wait)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"retry_after": str(err.retry_after or "?")},
            ) from err
        except (EVNotFoundError, EVPermissionError) as err:
            if await self._async_removed_at_provider():
                raise UpdateFailed(
                    translation_domain=DOMAIN, translation_key="vehicle_removed"
                ) from err
            raise self._failed(err) from err
        except EVApiError as err:
            raise self._failed(err) from err
        self._failures = 0
        self._count(self.api.last_cost, polling=True)
        info = self.api.info
        if info.make:
            self.name = f"{DOMAIN} {make_name(info.make)} {info.model}"
        self.async_register_device()
        ir.async_delete_issue(self.hass, DOMAIN, self.quota_issue_id)
        for permission in self.api.missing_permissions:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                f"permission_missing_{self.config_entry.entry_id}_{permission}",
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="permission_missing",
                translation_placeholders={
                    "title": self.config_entry.title,
                    "permission": permission,
                },
            )
        state = self._keep_last_values(state)
        now = dt_util.utcnow()
        if state.data_age is not None and state.data_age > now:
            # A provider (or car) clock ahead of ours: data cannot be newer than now.
            state = dataclasses.replace(state, data_age=now)
        self._remember(state, read)
        await self.energy.async_update(charging=state.charging)
        self._schedule(wanted)
        self._store_snapshot(state)
        return state

    @callback
    def async_push(self, event: VehicleStateEvent) -> None:
        """A delivery from Smartcar: take its signals at once (no call)."""
        api = self.api
        pushed_state = api.apply(event.signals)
        if pushed_state is None:
            return
        api.learn_vehicle(event.make, event.model, event.year)
        now = dt_util.utcnow()
        self.last_push_at = now
        if self.subscribed_at is None:
            self.subscribed_at = now
        ir.async_delete_issue(self.hass, DOMAIN, self.silence_issue_id)
        state = self._keep_last_values(pushed_state)
        pushed = {
            feature
            for feature in Feature
            if api.supports(feature) and feature in api.answered
        }
        self._remember(state, pushed)
        self._schedule(self._wanted())
        self.async_register_device()
        self._store_snapshot(state)
        self.async_set_updated_data(state)

    @callback
    def async_push_error(self, event: VehicleErrorEvent) -> None:
        """Smartcar could not read the car (a delivery all the same)."""
        self.last_push_at = dt_util.utcnow()
        ir.async_delete_issue(self.hass, DOMAIN, self.silence_issue_id)
        LOGGER.debug(
            "Smartcar reported %s for a vehicle",
            ", ".join(f"{error.type}:{error.code}" for error in event.errors)
            or "an error",
        )

    @callback
    def async_mark_subscribed(self) -> None:
        """The vehicle is subscribed to the webhook from now on."""
        if self.subscribed_at is None:
            self.subscribed_at = dt_util.utcnow()

    @property
    def silence_issue_id(self) -> str:
        """The repair issue of a subscribed vehicle push has left silent."""
        return f"push_silent_{self.config_entry.entry_id}_{self.api.info.vehicle_id}"

    def _check_push_silence(self, now: datetime) -> None:
        """Warn once a subscribed vehicle has had no delivery for a day."""
        if not self.push_enabled or self.subscribed_at is None:
            return
        last = self.last_push_at or self.subscribed_at
        if now - last < PUSH_SILENCE_WARNING:
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self.silence_issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="push_silent",
            translation_placeholders={
                "title": self.config_entry.title,
                "vehicle": self.vehicle_name,
            },
        )

    def _store_snapshot(self, state: VehicleState) -> None:
        """Keep the reading, so a restart need not spend calls on it."""
        if self.usage_store is None or not self.api.budgeted:
            return
        info = self.api.info
        self.usage_store.set_snapshot(
            info.vehicle_id,
            {
                "state": state.as_stored(),
                "info": {
                    "make": info.make,
                    "model": info.model,
                    "year": info.year,
                    "vin": info.vin,
                },
                "unsupported": sorted(self.api.unsupported),
                "answered": sorted(self.api.answered),
                "read_at": {
                    str(feature): at.isoformat()
                    for feature, at in self.reading.read_at.items()
                },
                "next_read_at": (
                    self.next_read_at.isoformat() if self.next_read_at else None
                ),
                "plug_windows": [list(w) for w in self.reading.plug_windows],
                # Push survives a restart: polling need not step in at once.
                "last_push_at": (
                    self.last_push_at.isoformat() if self.last_push_at else None
                ),
                "subscribed_at": (
                    self.subscribed_at.isoformat() if self.subscribed_at else None
                ),
            },
        )

    @callback
    def async_restore(self) -> bool:
        """Take the stored reading if its next read is not due yet.

        A restart then spends no call on this vehicle: its entities show the
        stored values (with their data age) and the poller's schedule goes on.
        """
        if self.usage_store is None or not self.api.budgeted:
            return False
        stored = self.usage_store.snapshot(self.api.info.vehicle_id)
        now = dt_util.utcnow()
        try:
            due = datetime.fromisoformat(stored["next_read_at"]) if stored else None
            if stored is None or due is None or due <= now:
                return False
            state = VehicleState.from_stored(stored["state"])
            info = stored["info"]
            read_at = {
                Feature(feature): datetime.fromisoformat(at)
                for feature, at in stored["read_at"].items()
            }
            self.api.info = dataclasses.replace(
                self.api.info,
                make=info["make"],
                model=info["model"],
                year=info["year"],
                vin=info["vin"],
            )
            self.api.unsupported.update(Feature(f) for f in stored["unsupported"])
            self.api.answered.update(Feature(f) for f in stored["answered"])
        except (KeyError, TypeError, ValueError):
            LOGGER.debug("A stored reading could not be used; reading afresh")
            return False
        windows = tuple(
            (str(kind), int(first), int(last))
            for kind, first, last in stored.get("plug_windows", [])
        )
        for name in ("last_push_at", "subscribed_at"):
            if moment := stored.get(name):
                setattr(self, name, datetime.fromisoformat(moment))
        self._remember(state, set())
        self.reading = dataclasses.replace(
            self.reading, read_at=read_at, plug_windows=windows
        )
        self.next_read_at = due
        self.update_interval = max(due - now, MIN_RESTORE_WAIT)
        self.async_register_device()
        self.async_set_updated_data(state)
        return True

    def _failed(self, err: EVApiError) -> UpdateFailed:
        """A failed refresh; a vehicle that never answered retries sooner."""
        self._failures += 1
        if not self.answered:
            backoff = FIRST_RETRY * 2 ** min(self._failures - 1, 6)
            self.update_interval = min(self.base_interval, backoff)
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="update_failed",
            translation_placeholders={"error": describe_error(err)},
        )

    def _quota_used_up(self, err: EVQuotaExceededError) -> VehicleState:
        """The allowance of this vehicle is used up: wait for the next period.

        One repair issue for this vehicle; no call until the period renews;
        the last known values stay (their age says how old they are).
        """
        now = dt_util.utcnow()
        self.update_interval = allowance_renews(now) - now
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self.quota_issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="quota_exceeded",
            translation_placeholders={
                "title": self.config_entry.title,
                "vehicle": self.vehicle_name,
            },
        )
        if self.answered:
            return self.data
        raise UpdateFailed(
            translation_domain=DOMAIN, translation_key="quota_exceeded"
        ) from err

    @property
    def quota_issue_id(self) -> str:
        """The repair issue of this vehicle's used-up allowance."""
        return f"quota_exceeded_{self.config_entry.entry_id}_{self.api.info.vehicle_id}"

    @property
    def vehicle_name(self) -> str:
        """The vehicle as its device is named."""
        device = self._device()
        if device is not None:
            return device.name_by_user or device.name or self.api.info.vehicle_id[:8]
        info = self.api.info
        return (
            " ".join(part for part in (info.make, info.model) if part)
            or (PROVIDER_NAMES[info.provider])
        )

    def _device(self) -> dr.DeviceEntry | None:
        registry = dr.async_get(self.hass)
        return next(
            (
                device
                for device in dr.async_entries_for_config_entry(
                    registry, self.config_entry.entry_id
                )
                if (DOMAIN, self.api.info.vehicle_id) in device.identifiers
            ),
            None,
        )

    async def _async_removed_at_provider(self) -> bool:
        """Whether the account no longer has this vehicle; if so, drop it.

        Asked only after the provider refused or did not find the vehicle;
        the account's vehicle list (free at Smartcar) decides. A vehicle
        that is gone loses its device (and entities) and is not polled again.
        """
        try:
            listed = await self.api.async_account_vehicle_ids()
        except EVApiError:
            return False
        vehicle_id = self.api.info.vehicle_id
        if vehicle_id in listed:
            return False
        LOGGER.info("A vehicle is no longer on the %s account", self.config_entry.title)
        self.update_interval = None
        if (device := self._device()) is not None:
            dr.async_get(self.hass).async_update_device(
                device.id, remove_config_entry_id=self.config_entry.entry_id
            )
        data: EvBatteryData | None = getattr(self.config_entry, "runtime_data", None)
        if data is not None:
            data.coordinators.pop(vehicle_id, None)
        ir.async_delete_issue(self.hass, DOMAIN, self.quota_issue_id)
        return True

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
        make = make_name(info.make)
        registry = dr.async_get(self.hass)
        device = registry.async_get_or_create(
            config_entry_id=self.config_entry.entry_id,
            identifiers={(DOMAIN, info.vehicle_id)},
            manufacturer=make or None,
            model=info.model,
            # The device registry has no model year; its hardware version is
            # the closest field a person reads next to the model.
            hw_version=str(info.year) if info.year else None,
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
