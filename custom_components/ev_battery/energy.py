"""Energy added to a vehicle: the one place that decides what the Energy dashboard sees.

Two things come from here, both fed by the vehicle's charging history:

- the "Energy added" sensor's value (:class:`EnergyMeter`);
- the long-term statistic ``ev_battery:energy_added_<vehicle>`` with the past
  charges, hour by hour (:class:`EnergyHistory`), so the Energy dashboard shows
  the months before the car was added.

Semantics of the sensor: a **cumulative counter** (``total_increasing``) of
the energy added to the car since the sensor was created; it never starts
again from zero. A per-charge value that resets at each charge would do for
the Energy dashboard only when every charge is seen climbing from zero (the
recorder takes a drop for a meter reset): true of Smartcar v3's pushed
``charge-energyadded``, not of Smartcar's charge records (read at most once a
day, a new charge may be larger than the last, and the recorder would count
only the difference) nor of ev.energy's sub-sessions (one plug-in has several).
Counting every source into one total is right for all three:

- Smartcar v3: each change of the per-charge signal is added (a drop is a new
  charge, whose value is added whole);
- ev.energy: each charging sub-session, once, provisionally while it runs;
- Smartcar v2.0 (Tesla): each charge record, once, provisionally for a day
  (a record has no end; its charge may still be running).

The meter's state is kept with the entity (restore state), so a restart
neither loses nor doubles what was counted. The statistic is separate: it is
what a person picks in the Energy dashboard for the history, and it is
imported once at set-up then only for hours after its last one, so a restart
never adds a sum twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from homeassistant.const import UnitOfEnergy
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from .api import (
    EVApiError,
    EVNotSupportedError,
    EVPermissionError,
    EVQuotaExceededError,
    EVRateLimitError,
)
from .const import DOMAIN, LOGGER, Provider
from .vehicle import Feature

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from homeassistant.components.recorder.models import StatisticMetaData
    from homeassistant.core import HomeAssistant

    from .vehicle import ChargeRecordRow, VehicleApi

# How far back the first import reaches.
HISTORY = timedelta(days=365)
# Later reads start this long before the last imported hour (a charge that
# began before it may have ended after it).
OVERLAP = timedelta(days=2)
# Smartcar's charge records are billed calls: read at most once a day.
RECORDS_EVERY = timedelta(days=1)
# A charge record has no end: it is taken as final once this old.
RECORD_FINAL_AFTER = timedelta(days=1)
# ev.energy's sub-sessions are free but rate limited (1000 calls an hour per
# account): read hourly, and at each refresh while the car charges.
SESSIONS_EVERY = timedelta(hours=1)
# A failed read of ev.energy's (free) history is tried again after this long.
RETRY_AFTER = timedelta(hours=1)

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ChargeSession:
    """A charge (or a part of one) and the energy it added, in kWh."""

    start: datetime
    end: datetime | None
    energy_kwh: float
    # Whether its energy can no longer change.
    final: bool


def sessions_from(
    rows: Iterable[ChargeRecordRow], provider: Provider, now: datetime
) -> list[ChargeSession]:
    """Charge records (Smartcar) or sub-sessions (ev.energy), oldest first."""
    sessions = [
        ChargeSession(
            start=row.start,
            end=row.end,
            energy_kwh=row.total_kwh,
            final=(
                row.end is not None
                if provider is Provider.EVENERGY
                else row.start <= now - RECORD_FINAL_AFTER
            ),
        )
        for row in rows
    ]
    return sorted(sessions, key=lambda session: session.start)


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hourly(sessions: Iterable[ChargeSession]) -> dict[datetime, float]:
    """Energy by the hour (UTC) it was added, of the final sessions.

    A session with an end is spread evenly over its duration; one without
    (a Smartcar charge record) counts in the hour it started.
    """
    buckets: dict[datetime, float] = defaultdict(float)
    for session in sessions:
        if not session.final or session.energy_kwh <= 0:
            continue
        start, end = session.start, session.end
        if end is None or end <= start:
            buckets[_hour(start)] += session.energy_kwh
            continue
        seconds = (end - start).total_seconds()
        hour = _hour(start)
        while hour < end:
            overlap = min(end, hour + HOUR) - max(start, hour)
            buckets[hour] += session.energy_kwh * overlap.total_seconds() / seconds
            hour += HOUR
    return dict(buckets)


@dataclass
class EnergyMeter:
    """The sensor's cumulative count (see the module's docstring)."""

    total_kwh: float = 0.0
    # The start of the newest final session counted (None: nothing fed yet).
    counted_until: datetime | None = None
    # Sessions still running, counted for now (replaced at each feed).
    open_kwh: float = 0.0
    # The last per-charge signal (Smartcar v3).
    last_signal: float | None = None
    # Whether anything was fed (before that the value is unknown).
    started: bool = field(default=False)

    @property
    def value(self) -> float | None:
        """The energy added since the sensor was created, in kWh."""
        if not self.started:
            return None
        return round(self.total_kwh + self.open_kwh, 3)

    def feed_sessions(self, sessions: Iterable[ChargeSession]) -> None:
        """Count the sessions not counted yet.

        The first feed counts only what runs now: charges that ended before
        the sensor existed belong to the imported statistic, not to the meter.
        """
        ordered = sorted(sessions, key=lambda session: session.start)
        if self.counted_until is None:
            finished = [s.start for s in ordered if s.final]
            self.counted_until = (
                max(finished) if finished else datetime.min.replace(tzinfo=UTC)
            )
        for session in ordered:
            if session.final and session.start > self.counted_until:
                self.total_kwh += session.energy_kwh
                self.counted_until = session.start
        self.open_kwh = sum(
            session.energy_kwh
            for session in ordered
            if not session.final and session.start > self.counted_until
        )
        self.started = True

    def feed_signal(self, value: float | None) -> None:
        """Count the change of a per-charge energy signal (Smartcar v3).

        The first value seen is the baseline; a drop is a new charge, counted
        from zero.
        """
        if value is None:
            return
        if self.last_signal is not None:
            self.total_kwh += (
                value if value < self.last_signal else value - self.last_signal
            )
        self.last_signal = value
        self.started = True

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (kept with the entity's restore state)."""
        return {
            "total_kwh": self.total_kwh,
            "counted_until": (
                self.counted_until.isoformat() if self.counted_until else None
            ),
            "open_kwh": self.open_kwh,
            "last_signal": self.last_signal,
            "started": self.started,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EnergyMeter:
        """Back from :meth:`as_dict` (raises on a malformed record)."""
        until = data.get("counted_until")
        last = data.get("last_signal")
        return cls(
            total_kwh=float(data["total_kwh"]),
            counted_until=datetime.fromisoformat(until) if until else None,
            open_kwh=float(data.get("open_kwh") or 0.0),
            last_signal=None if last is None else float(last),
            started=bool(data.get("started", True)),
        )


def statistic_id(vehicle_id: str) -> str:
    """The vehicle's imported statistic (lower case, no dashes)."""
    object_id = "".join(c if c.isalnum() else "_" for c in vehicle_id.lower())
    return f"{DOMAIN}:energy_added_{object_id}"


def _metadata(statistic: str, name: str) -> StatisticMetaData:
    """The statistic's metadata as the running Home Assistant wants it.

    Home Assistant 2025.11 added ``unit_class`` (required from 2026.11); the
    floor release does not know it.
    """
    from homeassistant.components.recorder.models import (  # noqa: PLC0415
        StatisticMeanType,
        StatisticMetaData,
    )

    metadata: dict[str, Any] = {
        "mean_type": StatisticMeanType.NONE,
        "has_sum": True,
        "name": name,
        "source": DOMAIN,
        "statistic_id": statistic,
        "unit_of_measurement": UnitOfEnergy.KILO_WATT_HOUR,
    }
    if "unit_class" in StatisticMetaData.__annotations__:
        metadata["unit_class"] = "energy"
    return cast("StatisticMetaData", metadata)


class EnergyHistory:
    """A vehicle's charging history: read on a schedule, imported as statistics."""

    def __init__(
        self,
        hass: HomeAssistant,
        api: VehicleApi,
        *,
        count: Callable[[int], None],
        calls_left: Callable[[], int],
        name: Callable[[], str],
    ) -> None:
        """``count`` adds billed calls; ``calls_left`` is the polling budget."""
        self.hass = hass
        self.api = api
        self._count = count
        self._calls_left = calls_left
        self._name = name
        self.sessions: list[ChargeSession] = []
        self._next_read: datetime | None = None
        self._last_read: datetime | None = None
        # The last imported hour and the sum there (None: not asked yet).
        self._imported: tuple[datetime, float] | None = None
        self._asked_recorder = False
        self.reads = 0

    @property
    def supported(self) -> bool:
        """Whether the provider has a charging history for this vehicle."""
        # Smartcar v3 has no history (its energy comes from a signal).
        return self.api.supports(Feature.ENERGY_ADDED) and self.api.supports(
            Feature.CHARGE_RECORDS
        )

    @property
    def statistic_id(self) -> str:
        """The imported statistic."""
        return statistic_id(self.api.info.vehicle_id)

    def _due(self, now: datetime, *, charging: bool | None) -> bool:
        if self._next_read is None or now >= self._next_read:
            return True
        # ev.energy: follow a charge at every refresh (free calls).
        return self.api.info.provider is Provider.EVENERGY and bool(
            charging or any(not session.final for session in self.sessions)
        )

    async def async_update(self, *, charging: bool | None) -> bool:
        """Read the history when due and import what is new; True if read."""
        now = dt_util.utcnow()
        if not self.supported or not self._due(now, charging=charging):
            return False
        if self.api.budgeted and self._calls_left() < 1:
            return False
        await self._async_last_imported()
        # The first read reaches back a year (when there is a recorder to
        # import into); later ones overlap the last imported hour.
        if self._imported is not None:
            since = self._imported[0] - OVERLAP
        elif self._last_read is None and self._recorder_loaded():
            since = now - HISTORY
        else:
            since = (self._last_read or now) - OVERLAP
        try:
            rows = await self.api.async_charge_records(since.date(), None)
        except (EVNotSupportedError, EVPermissionError) as err:
            self._refused(err)
            return False
        except EVApiError as err:
            # Refused for the quota or the rate limit: not billed.
            if self.api.budgeted and not isinstance(
                err, EVQuotaExceededError | EVRateLimitError
            ):
                self._count(1)
            LOGGER.debug("The charging history was not read: %s", err)
            # Smartcar bills the attempt: tried again a day later.
            self._next_read = now + (
                RECORDS_EVERY if self.api.budgeted else RETRY_AFTER
            )
            return False
        if self.api.budgeted:
            self._count(1)
        self.reads += 1
        self._last_read = now
        self._next_read = now + (RECORDS_EVERY if self.api.budgeted else SESSIONS_EVERY)
        self.sessions = sessions_from(rows, self.api.info.provider, now)
        self._import(now)
        return True

    def _refused(self, err: EVApiError) -> None:
        LOGGER.debug("The provider refused the charging history: %s", err)
        # Smartcar's energy added follows from its records; ev.energy's does not.
        self.api.unsupported.add(Feature.CHARGE_RECORDS)
        if self.api.info.provider is Provider.EVENERGY:
            self.api.unsupported.add(Feature.ENERGY_ADDED)

    def _recorder_loaded(self) -> bool:
        return "recorder" in self.hass.config.components

    async def _async_last_imported(self) -> None:
        """The statistic's last hour and sum, from the database once a run."""
        if self._asked_recorder or not self._recorder_loaded():
            return
        from homeassistant.components.recorder.statistics import (  # noqa: PLC0415
            get_last_statistics,
        )

        statistic = self.statistic_id
        last = await get_instance(self.hass).async_add_executor_job(
            get_last_statistics,
            self.hass,
            1,
            statistic,
            True,  # noqa: FBT003
            {"sum"},
        )
        self._asked_recorder = True
        if rows := last.get(statistic):
            row = rows[0]
            self._imported = (
                datetime.fromtimestamp(row["start"], UTC),
                float(row.get("sum") or 0.0),
            )

    def _import(self, now: datetime) -> None:
        """Add the hours after the last imported one that can no longer change.

        An hour is imported once it is over and no running charge started in
        or before it, so a later charge never falls into an hour already
        imported.
        """
        if not self._recorder_loaded():
            return
        from homeassistant.components.recorder.models import (  # noqa: PLC0415
            StatisticData,
        )
        from homeassistant.components.recorder.statistics import (  # noqa: PLC0415
            async_add_external_statistics,
        )

        cutoff = _hour(now)
        for session in self.sessions:
            if not session.final:
                cutoff = min(cutoff, _hour(session.start))
        last_hour, total = self._imported or (None, 0.0)
        rows = []
        for hour, energy in sorted(hourly(self.sessions).items()):
            if hour >= cutoff or (last_hour is not None and hour <= last_hour):
                continue
            total += energy
            rows.append(StatisticData(start=hour, state=round(energy, 3), sum=total))
            last_hour = hour
        if not rows or last_hour is None:
            return
        self._imported = (last_hour, total)
        async_add_external_statistics(
            self.hass,
            _metadata(self.statistic_id, f"{self._name()} energy added"),
            rows,
        )
