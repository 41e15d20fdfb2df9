"""The battery model behind both simulated APIs.

A :class:`Car` advances lazily: every read or change first calls
:meth:`Car.advance_to` with the simulated time, which integrates the state of
charge in closed form (constant power below ``taper_start``, then a linear
power taper down to ``taper_min_fraction`` of the charger power at 100 %).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

EPSILON = 1e-9


class ChargeState(StrEnum):
    """Charging state as Smartcar reports it."""

    CHARGING = "CHARGING"
    FULLY_CHARGED = "FULLY_CHARGED"
    NOT_CHARGING = "NOT_CHARGING"


class Connectivity(StrEnum):
    """Whether the car answers."""

    ONLINE = "online"
    ASLEEP = "asleep"
    UNREACHABLE = "unreachable"


class SleepBehavior(StrEnum):
    """What a read of a sleeping car returns."""

    ERROR = "error"  # VEHICLE_STATE / ASLEEP
    STALE = "stale"  # the last data, with an old data age


class LocationKind(StrEnum):
    """Where the car charges; decides how charge records split energy."""

    HOME = "home"
    OTHER = "other"
    SUPERCHARGER = "supercharger"


class EndReason(StrEnum):
    """Why a charge session ended."""

    LIMIT = "limit"
    UNPLUGGED = "unplugged"
    STOPPED = "stopped"
    FAULT = "fault"


@dataclass
class ChargeSession:
    """One continuous period of energy flowing into the battery."""

    number: int
    started_at: datetime
    location_kind: LocationKind
    start_soc: float
    power_kw: float
    ended_at: datetime | None = None
    end_soc: float | None = None
    end_reason: EndReason | None = None
    energy_added_kwh: float = 0.0
    energy_delivered_kwh: float = 0.0


@dataclass(frozen=True)
class Observation:
    """What the car reports at one moment."""

    captured_at: datetime
    soc: float
    range_km: float
    plugged_in: bool
    state: ChargeState
    charge_limit: float
    odometer_km: float
    latitude: float
    longitude: float
    power_kw: float


type CarListener = Callable[["Car", str, datetime], None]
type CheckpointListener = Callable[["Car", datetime], None]


@dataclass
class Car:
    """A simulated electric car and its battery."""

    key: str
    make: str
    model: str
    year: int
    vin: str
    capacity_kwh: float
    last_update: datetime
    soc: float = 0.5
    efficiency_km_per_kwh: float = 6.0
    charge_efficiency: float = 0.9
    taper_start: float = 0.8
    taper_min_fraction: float = 0.25
    charger_power_kw: float = 11.0
    plugged_in: bool = False
    charge_enabled: bool = True
    auto_start_on_plug: bool = True
    charge_limit: float = 0.8
    charge_limit_min: float = 0.5
    charge_limit_max: float = 1.0
    location_kind: LocationKind = LocationKind.HOME
    latitude: float = 52.37
    longitude: float = 4.89
    odometer_km: float = 10000.0
    connectivity: Connectivity = Connectivity.ONLINE
    sleep_behavior: SleepBehavior = SleepBehavior.ERROR
    charge_fault: bool = False
    checkpoint_interval: float | None = None
    sessions: list[ChargeSession] = field(default_factory=list)
    frozen: Observation | None = None
    listeners: list[CarListener] = field(default_factory=list)
    checkpoint_listeners: list[CheckpointListener] = field(default_factory=list)

    # ------------------------------------------------------------------ state
    def label(self) -> str:
        """``2023 Tesla Model 3``: how a person names the car."""
        return f"{self.year} {self.make.title()} {self.model}"

    @property
    def charging(self) -> bool:
        """Whether energy is flowing into the battery right now."""
        return (
            self.plugged_in
            and self.charge_enabled
            and not self.charge_fault
            and self.charger_power_kw > 0
            and self.soc < self.charge_limit - EPSILON
        )

    @property
    def state(self) -> ChargeState:
        """The charging state as Smartcar reports it."""
        if not self.plugged_in:
            return ChargeState.NOT_CHARGING
        if self.soc >= self.charge_limit - EPSILON:
            return ChargeState.FULLY_CHARGED
        if self.charging:
            return ChargeState.CHARGING
        return ChargeState.NOT_CHARGING

    @property
    def range_km(self) -> float:
        """Estimated range, proportional to the energy in the battery."""
        return self.soc * self.capacity_kwh * self.efficiency_km_per_kwh

    @property
    def current_session(self) -> ChargeSession | None:
        """The session in progress, if any."""
        if self.sessions and self.sessions[-1].ended_at is None:
            return self.sessions[-1]
        return None

    def power_kw(self) -> float:
        """Power drawn from the charger now (0 when not charging)."""
        if not self.charging:
            return 0.0
        return self.charger_power_kw * self._taper_factor(self.soc)

    def observe(self) -> Observation:
        """The car's current report (or the frozen one while asleep and stale)."""
        if self.frozen is not None:
            return self.frozen
        return self._observation()

    def _observation(self) -> Observation:
        return Observation(
            captured_at=self.last_update,
            soc=self.soc,
            range_km=self.range_km,
            plugged_in=self.plugged_in,
            state=self.state,
            charge_limit=self.charge_limit,
            odometer_km=self.odometer_km,
            latitude=self.latitude,
            longitude=self.longitude,
            power_kw=self.power_kw(),
        )

    # ---------------------------------------------------------------- physics
    def _rate_per_second(self) -> float:
        """State-of-charge fraction gained per second at full charger power."""
        return (
            self.charger_power_kw * self.charge_efficiency / (self.capacity_kwh * 3600)
        )

    def _taper_factor(self, soc: float) -> float:
        if soc <= self.taper_start:
            return 1.0
        span = 1.0 - self.taper_start
        drop = 1.0 - self.taper_min_fraction
        return 1.0 - drop * (soc - self.taper_start) / span

    def _soc_after(self, soc: float, seconds: float) -> float:
        """State of charge after charging ``seconds`` from ``soc`` (no limit)."""
        rate = self._rate_per_second()
        if soc < self.taper_start:
            to_taper = (self.taper_start - soc) / rate
            if seconds <= to_taper:
                return soc + rate * seconds
            seconds -= to_taper
            soc = self.taper_start
        span = 1.0 - self.taper_start
        drop = 1.0 - self.taper_min_fraction
        if drop <= 0 or span <= 0:
            return min(1.0, soc + rate * seconds)
        k = drop * rate / span
        u0 = self._taper_factor(soc)
        u = u0 * math.exp(-k * seconds)
        return min(1.0, self.taper_start + (1.0 - u) * span / drop)

    def seconds_to(self, target: float) -> float:
        """Seconds of charging from the current SoC to ``target`` (inf if never)."""
        soc = self.soc
        if target <= soc:
            return 0.0
        rate = self._rate_per_second()
        if rate <= 0:
            return math.inf
        seconds = 0.0
        if soc < self.taper_start:
            step_to = min(target, self.taper_start)
            seconds += (step_to - soc) / rate
            soc = step_to
            if target <= self.taper_start:
                return seconds
        span = 1.0 - self.taper_start
        drop = 1.0 - self.taper_min_fraction
        if drop <= 0 or span <= 0:
            return seconds + (target - soc) / rate
        k = drop * rate / span
        u0 = self._taper_factor(soc)
        ut = self._taper_factor(target)
        return seconds + math.log(u0 / ut) / k

    def advance_to(self, moment: datetime) -> None:
        """Integrate the battery up to ``moment`` (simulated time)."""
        while self.last_update < moment:
            step_end = moment
            checkpoint = self._next_checkpoint()
            if checkpoint is not None and checkpoint < step_end:
                step_end = checkpoint
            reached_limit = False
            if self.charging:
                limit_at = self.last_update + timedelta(
                    seconds=self.seconds_to(self.charge_limit)
                )
                if limit_at <= step_end:
                    step_end = limit_at
                    reached_limit = True
                seconds = (step_end - self.last_update).total_seconds()
                new_soc = (
                    self.charge_limit
                    if reached_limit
                    else min(self.charge_limit, self._soc_after(self.soc, seconds))
                )
                self._add_energy(new_soc - self.soc)
                self.soc = new_soc
            self.last_update = step_end
            if reached_limit:
                self._end_session(EndReason.LIMIT)
                self._emit("fully_charged")
            if checkpoint is not None and step_end == checkpoint:
                for checkpoint_listener in list(self.checkpoint_listeners):
                    checkpoint_listener(self, step_end)

    def _next_checkpoint(self) -> datetime | None:
        if not self.checkpoint_interval:
            return None
        stamp = self.last_update.timestamp()
        interval = self.checkpoint_interval
        nxt = (math.floor(stamp / interval + EPSILON) + 1) * interval
        return self.last_update + timedelta(seconds=nxt - stamp)

    def _add_energy(self, soc_delta: float) -> None:
        session = self.current_session
        if session is None or soc_delta <= 0:
            return
        added = soc_delta * self.capacity_kwh
        session.energy_added_kwh += added
        session.energy_delivered_kwh += added / self.charge_efficiency

    # ------------------------------------------------------------ transitions
    def _emit(self, event: str) -> None:
        for listener in list(self.listeners):
            listener(self, event, self.last_update)

    def _start_session_if_charging(self) -> None:
        if self.charging and self.current_session is None:
            self.sessions.append(
                ChargeSession(
                    number=len(self.sessions) + 1,
                    started_at=self.last_update,
                    location_kind=self.location_kind,
                    start_soc=self.soc,
                    power_kw=self.charger_power_kw,
                )
            )
            self._emit("charging_started")

    def _end_session(self, reason: EndReason) -> None:
        session = self.current_session
        if session is None:
            return
        session.ended_at = self.last_update
        session.end_soc = self.soc
        session.end_reason = reason
        if reason is not EndReason.LIMIT:
            self._emit("charging_stopped")

    def _settle(self, reason: EndReason) -> None:
        """Open or close the session after a change of inputs."""
        if not self.charging:
            self._end_session(reason)
        self._start_session_if_charging()

    def plug_in(self, moment: datetime) -> None:
        """Connect the charger; most cars then start charging by themselves."""
        self.advance_to(moment)
        if self.plugged_in:
            return
        self.plugged_in = True
        if self.auto_start_on_plug:
            self.charge_enabled = True
        self._emit("plugged_in")
        self._settle(EndReason.STOPPED)

    def unplug(self, moment: datetime) -> None:
        """Disconnect the charger, ending any session."""
        self.advance_to(moment)
        if not self.plugged_in:
            return
        self.plugged_in = False
        self._end_session(EndReason.UNPLUGGED)
        self._emit("unplugged")

    def start_charging(self, moment: datetime) -> None:
        """The START command."""
        self.advance_to(moment)
        self.charge_enabled = True
        self._settle(EndReason.STOPPED)

    def stop_charging(self, moment: datetime) -> None:
        """The STOP command."""
        self.advance_to(moment)
        self.charge_enabled = False
        self._settle(EndReason.STOPPED)

    def set_charge_limit(self, moment: datetime, limit: float) -> None:
        """Change the charge limit (fraction); charging resumes if below it."""
        self.advance_to(moment)
        self.charge_limit = limit
        if self.soc > limit and self.current_session is not None:
            self._end_session(EndReason.LIMIT)
        self._settle(EndReason.LIMIT)

    def update(self, moment: datetime, **changes: object) -> None:
        """Set raw attributes (control API), then re-derive the session."""
        self.advance_to(moment)
        connectivity = changes.pop("connectivity", None)
        if connectivity is not None and connectivity != self.connectivity:
            if connectivity == Connectivity.ASLEEP:
                self.fall_asleep(moment)
            else:
                self.wake(moment)
                self.connectivity = Connectivity(str(connectivity))
        was_plugged = self.plugged_in
        for name, value in changes.items():
            setattr(self, name, value)
        if was_plugged and not self.plugged_in:
            self._end_session(EndReason.UNPLUGGED)
            self._emit("unplugged")
        elif self.plugged_in and not was_plugged:
            self._emit("plugged_in")
        reason = EndReason.FAULT if self.charge_fault else EndReason.STOPPED
        self._settle(reason)

    def drive(self, moment: datetime, km: float) -> None:
        """Drive ``km`` (unplugged): uses energy and adds to the odometer."""
        self.advance_to(moment)
        usable = self.soc * self.capacity_kwh * self.efficiency_km_per_kwh
        km = max(0.0, min(km, usable))
        self.soc -= km / (self.capacity_kwh * self.efficiency_km_per_kwh)
        self.soc = max(0.0, self.soc)
        self.odometer_km += km

    def fall_asleep(self, moment: datetime) -> None:
        """Stop answering: later reads fail or return this moment's data."""
        self.advance_to(moment)
        self.connectivity = Connectivity.ASLEEP
        self.frozen = self._observation()

    def wake(self, moment: datetime) -> None:
        """Answer again with fresh data."""
        self.advance_to(moment)
        self.connectivity = Connectivity.ONLINE
        self.frozen = None
