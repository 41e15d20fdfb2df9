"""Charging sessions (plug-in episodes) and their sub-sessions (one mode each).

ev.energy's own records, kept from the car's events: a plug-in opens a
charging session and its first sub-session; a mode change (boost, smart
charging switched) ends the running sub-session and opens the next; unplugging
ends both. The energy of a sub-session is what the car drew meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simulator.car import LocationKind

from . import ids
from .choices import MODE_AWAY, MODE_BOOST, MODE_HOME, MODE_SMART

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from simulator.car import Car, ChargeSession

CHARGING_SESSION = "cses"

type SubSessionListener = Callable[["SubSession", str], None]


def delivered_kwh(car: Car) -> float:
    """Energy the car has drawn from chargers, over all its sessions."""
    return sum(session.energy_delivered_kwh for session in car.sessions)


def _overlap(session: ChargeSession, start: datetime, end: datetime) -> float:
    stop = session.ended_at or end
    return max(0.0, (min(stop, end) - max(session.started_at, start)).total_seconds())


@dataclass
class SubSession:
    """The part of a charging session during which one mode was active."""

    id: str
    mode: str
    started_at: datetime
    location_kind: LocationKind
    start_soc: float
    start_kwh: float  # the car's delivered-energy counter at the start
    ended_at: datetime | None = None
    end_soc: float | None = None
    end_kwh: float | None = None

    def energy_kwh(self, car: Car) -> float:
        """Energy delivered during the sub-session (so far)."""
        end = self.end_kwh if self.end_kwh is not None else delivered_kwh(car)
        return max(0.0, end - self.start_kwh)

    def charging_seconds(self, car: Car, now: datetime) -> float:
        """Time energy flowed during the sub-session (so far)."""
        end = self.ended_at or now
        return sum(_overlap(s, self.started_at, end) for s in car.sessions)


@dataclass
class ChargingSession:
    """A plug-in episode: from plugging in to unplugging."""

    id: str
    started_at: datetime
    sub_sessions: list[SubSession] = field(default_factory=list)
    ended_at: datetime | None = None

    @property
    def current(self) -> SubSession | None:
        """The running sub-session (None once the session ended)."""
        if self.ended_at is not None or not self.sub_sessions:
            return None
        latest = self.sub_sessions[-1]
        return latest if latest.ended_at is None else None


@dataclass
class SessionBook:
    """A vehicle's charging sessions, oldest first."""

    vehicle_id: str
    sessions: list[ChargingSession] = field(default_factory=list)
    listener: SubSessionListener | None = None
    _count: int = 0

    # ----------------------------------------------------------------- reads
    @property
    def open(self) -> ChargingSession | None:
        """The session of the current plug-in, if any."""
        if self.sessions and self.sessions[-1].ended_at is None:
            return self.sessions[-1]
        return None

    def sub_sessions(self) -> list[SubSession]:
        """Every sub-session, oldest first."""
        return [sub for session in self.sessions for sub in session.sub_sessions]

    def find(self, session_id: str) -> ChargingSession | None:
        """A charging session by ID."""
        return next((s for s in self.sessions if s.id == session_id), None)

    # ---------------------------------------------------------------- writes
    def _next_seed(self, kind: str) -> str:
        self._count += 1
        return f"{self.vehicle_id}/{kind}/{self._count}"

    def add_past(self, car: Car, past: ChargeSession, mode: str) -> None:
        """A finished charge of the scenario's history (one sub-session)."""
        ended = past.ended_at or past.started_at
        before = sum(
            s.energy_delivered_kwh for s in car.sessions if s.number < past.number
        )
        session = ChargingSession(
            id=ids.derived_id(CHARGING_SESSION, past.started_at, self._next_seed("c")),
            started_at=past.started_at,
            ended_at=ended,
        )
        session.sub_sessions.append(
            SubSession(
                id=ids.derived_id(
                    ids.SUB_SESSION, past.started_at, self._next_seed("s")
                ),
                mode=mode,
                started_at=past.started_at,
                location_kind=past.location_kind,
                start_soc=past.start_soc,
                start_kwh=before,
                ended_at=ended,
                end_soc=past.end_soc,
                end_kwh=before + past.energy_delivered_kwh,
            )
        )
        self.sessions.append(session)
        self.sessions.sort(key=lambda s: s.started_at)

    def plug_in(self, car: Car, moment: datetime, mode: str) -> SubSession:
        """Open a charging session and its first sub-session."""
        self.unplug(car, moment)
        session = ChargingSession(
            id=ids.derived_id(CHARGING_SESSION, moment, self._next_seed("c")),
            started_at=moment,
        )
        self.sessions.append(session)
        return self._open_sub(session, car, moment, mode)

    def unplug(self, car: Car, moment: datetime) -> None:
        """End the open session (and its sub-session), if any."""
        session = self.open
        if session is None:
            return
        self._close_sub(session, car, moment)
        session.ended_at = moment

    def switch(self, car: Car, moment: datetime, mode: str) -> SubSession | None:
        """End the running sub-session and open one in ``mode``."""
        session = self.open
        if session is None:
            return None
        self._close_sub(session, car, moment)
        return self._open_sub(session, car, moment, mode)

    def _open_sub(
        self, session: ChargingSession, car: Car, moment: datetime, mode: str
    ) -> SubSession:
        sub = SubSession(
            id=ids.derived_id(ids.SUB_SESSION, moment, self._next_seed("s")),
            mode=mode,
            started_at=moment,
            location_kind=car.location_kind,
            start_soc=car.soc,
            start_kwh=delivered_kwh(car),
        )
        session.sub_sessions.append(sub)
        if self.listener is not None:
            self.listener(sub, "created")
        return sub

    def _close_sub(self, session: ChargingSession, car: Car, moment: datetime) -> None:
        sub = session.current
        if sub is None:
            return
        sub.ended_at = moment
        sub.end_soc = car.soc
        sub.end_kwh = delivered_kwh(car)
        if self.listener is not None:
            self.listener(sub, "ended")


def plain_mode(location: LocationKind) -> str:
    """The mode of an unmanaged sub-session at ``location``."""
    return MODE_HOME if location is LocationKind.HOME else MODE_AWAY


def is_managed(mode: str) -> bool:
    """Whether ev.energy manages the charge (smart or boost)."""
    return mode in (MODE_SMART, MODE_BOOST)
