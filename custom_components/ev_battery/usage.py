"""Billed calls per vehicle this month and the last reading, kept across restarts."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from homeassistant.helpers.storage import Store

from .const import DOMAIN
from .poller import Usage, month_of

if TYPE_CHECKING:
    from datetime import datetime

    from homeassistant.core import HomeAssistant

STORAGE_VERSION = 1
SAVE_DELAY = 30  # seconds: a burst of reads is written once


class UsageStore:
    """The month's billed calls of an entry's vehicles."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Keep the figures in ``.storage/ev_battery.usage.<entry id>``."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.usage.{entry_id}"
        )
        self._data: dict[str, dict[str, Any]] = {}

    async def async_load(self) -> None:
        """Read what the last run wrote."""
        self._data = await self._store.async_load() or {}

    def get(self, vehicle_id: str, now: datetime) -> Usage:
        """A vehicle's usage as seen at ``now``."""
        stored = self._data.get(vehicle_id)
        if not isinstance(stored, dict):
            return Usage(month_of(now))
        try:
            usage = Usage(
                month=str(stored["month"]),
                calls=int(stored["calls"]),
                polled=int(stored["polled"]),
            )
        except (KeyError, TypeError, ValueError):
            return Usage(month_of(now))
        return usage.at(now)

    def set(self, vehicle_id: str, usage: Usage) -> None:
        """Remember a vehicle's usage (written a little later)."""
        self._data[vehicle_id] = {**self._data.get(vehicle_id, {}), **asdict(usage)}
        self._store.async_delay_save(lambda: self._data, SAVE_DELAY)

    def snapshot(self, vehicle_id: str) -> dict[str, Any] | None:
        """A vehicle's last stored reading (see the coordinator's restore)."""
        stored = self._data.get(vehicle_id, {}).get("snapshot")
        return stored if isinstance(stored, dict) else None

    def set_snapshot(self, vehicle_id: str, snapshot: dict[str, Any]) -> None:
        """Remember a vehicle's last reading (written a little later)."""
        self._data.setdefault(vehicle_id, {})["snapshot"] = snapshot
        self._store.async_delay_save(lambda: self._data, SAVE_DELAY)

    async def async_flush(self) -> None:
        """Write now (the entry unloads)."""
        await self._store.async_save(self._data)

    async def async_remove(self) -> None:
        """Forget everything (the entry is removed)."""
        await self._store.async_remove()
