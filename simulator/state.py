"""The simulator's shared state: clock, faults, billing, scenario loading.

Provider packages (``simulator.smartcar``, ``simulator.evenergy``) import
this module; it imports none of them. ``simulator.app`` builds the providers,
attaches them to the :class:`Simulator` and assembles the aiohttp application.
"""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp
from aiohttp import web

from .car import (
    Car,
    ChargeSession,
    Connectivity,
    EndReason,
    LocationKind,
    SleepBehavior,
)
from .clock import SimClock
from .faults import FaultRegistry

if TYPE_CHECKING:
    # Types only: the providers attach themselves (``simulator.app``).
    from .evenergy import EvEnergy
    from .smartcar import Smartcar


class Provider(Protocol):
    """A simulated service: its cars, and its routes under a prefix."""

    def cars(self) -> dict[str, Car]:
        """The provider's cars, by key."""

    def register(self, app: web.Application, prefix: str) -> None:
        """Add the provider's routes (and fault renderers) under ``prefix``."""


class Timer(Protocol):
    """Something that happens as simulated time passes (ingestion, retries)."""

    def catch_up(self, moment: datetime) -> None:
        """Run what is due up to ``moment`` that needs no network."""

    async def flush(self, moment: datetime) -> int:
        """Send what is due up to ``moment``; the number of attempts made."""


type ProviderFactory = Callable[["Simulator", dict[str, Any]], None]

DEFAULT_SCENARIO = Path(__file__).parent / "scenarios" / "default.json"


def load_scenario(path: str | Path | None = None) -> dict[str, Any]:
    """Read a scenario file (default: the bundled default scenario)."""
    with Path(path or DEFAULT_SCENARIO).open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def parse_time(value: str) -> datetime:
    """Parse an ISO-8601 time; a trailing Z means UTC."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


CAR_FIELDS = {
    "make": str,
    "model": str,
    "year": int,
    "vin": str,
    "capacity_kwh": float,
    "soc": float,
    "efficiency_km_per_kwh": float,
    "charge_efficiency": float,
    "taper_start": float,
    "taper_min_fraction": float,
    "charger_power_kw": float,
    "plugged_in": bool,
    "charge_enabled": bool,
    "auto_start_on_plug": bool,
    "charge_limit": float,
    "charge_limit_min": float,
    "charge_limit_max": float,
    "location_kind": LocationKind,
    "latitude": float,
    "longitude": float,
    "odometer_km": float,
    "sleep_behavior": SleepBehavior,
    "charge_fault": bool,
}


def car_changes(spec: dict[str, Any]) -> dict[str, Any]:
    """Typed car attributes from JSON (scenario or control API)."""
    changes: dict[str, Any] = {}
    for name, value in spec.items():
        if name == "connectivity":
            changes[name] = Connectivity(value)
            continue
        kind = CAR_FIELDS.get(name)
        if kind is None:
            continue
        if kind is bool and not isinstance(value, bool):
            msg = f"{name} must be true or false"
            raise TypeError(msg)
        changes[name] = kind(value)
    for name in ("soc", "charge_limit", "charge_efficiency", "taper_start"):
        if name in changes and not 0 <= changes[name] <= 1:
            msg = f"{name} must be a fraction between 0 and 1"
            raise ValueError(msg)
    if "capacity_kwh" in changes and changes["capacity_kwh"] <= 0:
        msg = "capacity_kwh must be positive"
        raise ValueError(msg)
    return changes


def past_session(
    car: Car, number: int, spec: dict[str, Any], now: datetime
) -> ChargeSession:
    """A finished session from the scenario's history."""
    hours = float(spec.get("hours", 1.0))
    power = float(spec.get("power_kw", car.charger_power_kw))
    started = now - timedelta(days=float(spec.get("days_ago", 1)))
    delivered = hours * power
    added = delivered * car.charge_efficiency
    start_soc = float(spec.get("start_soc", 0.2))
    return ChargeSession(
        number=number,
        started_at=started,
        location_kind=LocationKind(spec.get("location_kind", "home")),
        start_soc=start_soc,
        power_kw=power,
        ended_at=started + timedelta(hours=hours),
        end_soc=min(1.0, start_soc + added / car.capacity_kwh),
        end_reason=EndReason.STOPPED,
        energy_added_kwh=added,
        energy_delivered_kwh=delivered,
    )


def car_from_spec(key: str, spec: dict[str, Any], now: datetime) -> Car:
    """Build a car from its scenario description."""
    changes = car_changes(spec)
    connectivity = changes.pop("connectivity", Connectivity.ONLINE)
    for required in ("make", "model", "year", "vin", "capacity_kwh"):
        if required not in changes:
            msg = f"vehicle {key!r} needs {required!r}"
            raise ValueError(msg)
    car = Car(key=key, last_update=now, **changes)
    for past in spec.get("past_sessions", []):
        car.sessions.append(past_session(car, len(car.sessions) + 1, past, now))
    car.sessions.sort(key=lambda session: session.started_at)
    for number, session in enumerate(car.sessions, start=1):
        session.number = number
    car.update(now)  # opens a session if it starts plugged in and charging
    if connectivity is Connectivity.ASLEEP:
        car.fall_asleep(now)
    else:
        car.connectivity = connectivity
    return car


@dataclass
class Billing:
    """Per-vehicle counters of billable calls, by simulated month."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)

    def add(self, vehicle: str, month: str, amount: int = 1) -> None:
        """Count ``amount`` billable calls."""
        per_month = self.counts.setdefault(vehicle, {})
        per_month[month] = per_month.get(month, 0) + amount
        self.totals[vehicle] = self.totals.get(vehicle, 0) + amount

    def in_month(self, vehicle: str, month: str) -> int:
        """Calls billed for a vehicle in a month."""
        return self.counts.get(vehicle, {}).get(month, 0)

    def reset(self) -> None:
        """Forget every count."""
        self.counts.clear()
        self.totals.clear()


class Simulator:
    """Everything the simulator knows: clock, cars, providers, faults."""

    # Set by the provider factory (``simulator.app.build_providers``).
    smartcar: Smartcar
    evenergy: EvEnergy

    def __init__(
        self,
        scenario: dict[str, Any] | None = None,
        *,
        time_scale: float = 0.0,
        start: datetime | None = None,
        seed: int = 0,
        auto_approve: str | None = None,
        providers: ProviderFactory | None = None,
    ) -> None:
        """Create the state from a scenario (default: the bundled one).

        ``providers`` builds the simulated services from the scenario and
        attaches them (``simulator.app.build_providers``); without it the
        simulator has a clock, faults and billing but no provider.
        """
        scenario = load_scenario() if scenario is None else scenario
        if start is None and "start" in scenario:
            start = parse_time(str(scenario["start"]))
        self.clock = SimClock(start=start, time_scale=time_scale)
        self.rng = random.Random(seed)  # noqa: S311 - reproducible faults, not crypto
        self.faults = FaultRegistry(self.rng)
        self.billing = Billing()
        self.auto_approve = auto_approve
        self.http: aiohttp.ClientSession | None = None
        self.requests: deque[dict[str, Any]] = deque(maxlen=500)
        self.providers: dict[str, Provider] = {}
        self.timers: list[Timer] = []
        if providers is not None:
            providers(self, scenario)

    def now(self) -> datetime:
        """The simulated time."""
        return self.clock.now()

    def month(self) -> str:
        """The simulated billing month, ``YYYY-MM``."""
        return self.now().strftime("%Y-%m")

    def attach(self, prefix: str, provider: Provider) -> None:
        """Add a provider, served under ``prefix`` once the app registers it."""
        self.providers[prefix] = provider

    def cars(self) -> dict[str, Car]:
        """Every car of every provider, by key."""
        cars: dict[str, Car] = {}
        for provider in self.providers.values():
            cars.update(provider.cars())
        return cars

    def catch_up(self) -> None:
        """Run every timer's work due up to now, in simulated-time order."""
        now = self.now()
        for timer in self.timers:
            timer.catch_up(now)

    async def settle(self) -> int:
        """Catch up, then make every delivery due up to now (and wait for it).

        The number of delivery attempts made.
        """
        self.catch_up()
        now = self.now()
        made = 0
        for timer in self.timers:
            made += await timer.flush(now)
        return made

    def advance_all(self) -> None:
        """Bring every car up to the current simulated time (timers first)."""
        self.catch_up()
        now = self.now()
        for car in self.cars().values():
            car.advance_to(now)

    async def http_session(self) -> aiohttp.ClientSession:
        """The session used to deliver webhooks."""
        if self.http is None or self.http.closed:
            self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self.http

    async def close(self) -> None:
        """Close outgoing connections."""
        if self.http is not None:
            await self.http.close()


SIM_KEY = web.AppKey("simulator", Simulator)
