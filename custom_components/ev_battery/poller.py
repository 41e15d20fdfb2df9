"""When to read a vehicle, and what: the one place that decides (pure logic).

Smartcar bills every signal of a batch, and a plan allows about 500 billed
calls per vehicle per month. The poller spends them where they matter:

- often while the car charges (more so near its charge limit), because that
  is when a solar-surplus automation needs a current state of charge;
- rarely while it is parked, and more rarely while it sleeps;
- never faster than what is left of the month's allowance can pay for, after
  a reserve for commands, set-ups and restarts;
- only the signals that can change: capacity and the charge limit at most
  once a day, the charge state (plug, charging) at every read, the battery
  when it matters.

No Home Assistant here; :mod:`.coordinator` feeds it and follows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from .vehicle import Feature

if TYPE_CHECKING:
    from collections.abc import Callable

# How often each situation wants a reading (before the budget has its say).
CHARGING_INTERVAL = timedelta(minutes=15)
NEAR_LIMIT_INTERVAL = timedelta(minutes=10)
PLUGGED_INTERVAL = timedelta(hours=2)
PARKED_INTERVAL = timedelta(hours=6)
ASLEEP_INTERVAL = timedelta(hours=12)
# Parked in an hour the car was recently plugged in (the person's routine).
ROUTINE_INTERVAL = timedelta(minutes=30)
# How many recent plug-in windows make the routine.
PLUG_WINDOWS_KEPT = 3
# A used-up allowance is tried again this long after the month turns.
RENEWAL_MARGIN = timedelta(minutes=5)
# Never closer than this, whatever the budget allows.
MIN_INTERVAL = timedelta(minutes=5)
# The state of charge counts as near the limit within this many points.
NEAR_LIMIT_POINTS = 5.0
# Signals that (almost) never change are read at most this often.
STATIC_EVERY = timedelta(days=1)
# A charging session whose end cannot be estimated is assumed to last this.
DEFAULT_SESSION = timedelta(hours=3)
# How many charges a day the rest of the month should be able to pay for
# (recomputed at every read, so a month of daily charging stretches its
# later reads rather than running dry).
BURSTS_PER_DAY = 0.5

# Push (Smartcar v3 webhooks): a charging car's state of charge is pushed as
# it changes (every one to five minutes, by make); a parked car pushes only
# when something happens. Silence longer than this means push has stopped,
# and polling takes over until the next delivery.
PUSH_SILENCE_CHARGING = timedelta(minutes=20)
PUSH_SILENCE = timedelta(days=1)

# Read at most once a day: they change only by a command or never.
STATIC_FEATURES = frozenset({Feature.CAPACITY, Feature.CHARGE_LIMIT, Feature.ODOMETER})
# Read whenever the battery matters (charging, plugged in, or every few hours).
BATTERY_FEATURES = frozenset({Feature.BATTERY, Feature.RANGE})


class Situation(StrEnum):
    """What the vehicle is doing, as far as the last reading knows."""

    CHARGING = "charging"
    PLUGGED = "plugged"
    PARKED = "parked"
    ASLEEP = "asleep"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Budget:
    """A vehicle's monthly allowance of billed calls and the part kept back."""

    monthly_calls: int = 500
    reserve: int = 40

    @property
    def for_polling(self) -> int:
        """Calls a month may spend before only the reserve is left."""
        return max(0, self.monthly_calls - self.reserve)


@dataclass(frozen=True, slots=True)
class Usage:
    """Billed calls of one vehicle in one month (persisted across restarts)."""

    month: str
    calls: int = 0
    polled: int = 0

    def add(self, now: datetime, calls: int, *, polling: bool) -> Usage:
        """The usage after ``calls`` more billed calls at ``now``."""
        current = self if self.month == month_of(now) else Usage(month_of(now))
        return replace(
            current,
            calls=current.calls + calls,
            polled=current.polled + (calls if polling else 0),
        )

    def at(self, now: datetime) -> Usage:
        """The usage as seen at ``now`` (a new month starts at zero)."""
        return self if self.month == month_of(now) else Usage(month_of(now))


@dataclass(frozen=True, slots=True)
class Reading:
    """What the last readings said, for planning the next one."""

    charging: bool | None = None
    plugged_in: bool | None = None
    asleep: bool = False
    soc: float | None = None
    charge_limit: float | None = None
    charge_rate_kw: float | None = None
    capacity_kwh: float | None = None
    # When each feature was last read successfully.
    read_at: dict[Feature, datetime] = field(default_factory=dict)
    # The person's routine: windows (day kind, first hour, last hour) in
    # which the car was recently found newly plugged in, newest last.
    plug_windows: tuple[tuple[str, int, int], ...] = ()

    @property
    def situation(self) -> Situation:
        """The vehicle's situation."""
        if self.charging:
            return Situation.CHARGING
        if self.asleep:
            return Situation.ASLEEP
        if self.plugged_in:
            return Situation.PLUGGED
        if self.plugged_in is False:
            return Situation.PARKED
        return Situation.UNKNOWN


@dataclass(frozen=True, slots=True)
class Plan:
    """The next reading: when, what, and why (for diagnostics)."""

    interval: timedelta
    features: frozenset[Feature]
    reason: str


def month_of(now: datetime) -> str:
    """The billing month of ``now`` (calendar month, UTC)."""
    return now.astimezone(UTC).strftime("%Y-%m")


def month_end(now: datetime) -> datetime:
    """When the month of ``now`` ends (and the allowance renews)."""
    utc = now.astimezone(UTC)
    year, month = (utc.year + 1, 1) if utc.month == 12 else (utc.year, utc.month + 1)  # noqa: PLR2004
    return datetime(year, month, 1, tzinfo=UTC)


def allowance_renews(now: datetime) -> datetime:
    """When a used-up monthly allowance is tried again (just after it renews).

    Smartcar bills "per vehicle per month" without saying when the month
    starts; the calendar month in UTC is assumed (one more call at a wrong
    guess is answered 430 again and waits for the next one).
    """
    return month_end(now) + RENEWAL_MARGIN


def features_to_read(
    now: datetime, wanted: set[Feature], reading: Reading
) -> frozenset[Feature]:
    """The features the next reading asks for (each costs a billed call)."""
    chosen: set[Feature] = set()
    for feature in wanted:
        last = reading.read_at.get(feature)
        if feature in STATIC_FEATURES:
            if last is None or now - last >= STATIC_EVERY:
                chosen.add(feature)
        elif feature in BATTERY_FEATURES:
            if (
                reading.situation in (Situation.CHARGING, Situation.PLUGGED)
                or last is None
                or now - last >= PARKED_INTERVAL
            ):
                chosen.add(feature)
        else:
            chosen.add(feature)
    # A range comes with the battery reading at no extra cost.
    if Feature.BATTERY in chosen and Feature.RANGE in wanted:
        chosen.add(Feature.RANGE)
    return frozenset(chosen)


def day_kind(moment: datetime) -> str:
    """Weekday or weekend (routines differ)."""
    return "weekend" if moment.weekday() >= 5 else "weekday"  # noqa: PLR2004


def in_plug_window(moment: datetime, reading: Reading) -> bool:
    """Whether ``moment`` falls in an hour the car was recently plugged in."""
    kind = day_kind(moment)
    return any(
        k == kind and first <= moment.hour <= last
        for k, first, last in reading.plug_windows
    )


def next_plug_window(now: datetime, reading: Reading) -> datetime | None:
    """The start of the next plug-in window within a day, if any."""
    for hours in range(1, 25):
        moment = (now + timedelta(hours=hours)).replace(
            minute=0, second=0, microsecond=0
        )
        if in_plug_window(moment, reading):
            return moment
    return None


def learn_plug_window(
    reading: Reading, previous_read: datetime, found_at: datetime
) -> tuple[tuple[str, int, int], ...]:
    """Remember when a plug-in happened: between the last two reads."""
    if found_at - previous_read > timedelta(hours=12):
        return reading.plug_windows
    if day_kind(previous_read) != day_kind(found_at) or (
        previous_read.date() != found_at.date()
    ):
        window = (day_kind(found_at), 0, found_at.hour)
    else:
        window = (day_kind(found_at), previous_read.hour, found_at.hour)
    return (*reading.plug_windows, window)[-PLUG_WINDOWS_KEPT:]


def desired_interval(reading: Reading, now: datetime) -> tuple[timedelta, str]:
    """How often the situation wants a reading, with the reason."""
    situation = reading.situation
    if situation is Situation.CHARGING:
        if (
            reading.soc is not None
            and reading.charge_limit is not None
            and reading.charge_limit - reading.soc <= NEAR_LIMIT_POINTS
        ):
            return NEAR_LIMIT_INTERVAL, "charging near the limit"
        return CHARGING_INTERVAL, "charging"
    if situation is Situation.PLUGGED:
        return PLUGGED_INTERVAL, "plugged in"
    if situation is Situation.ASLEEP:
        return ASLEEP_INTERVAL, "asleep"
    return parked_interval(reading, now)


def parked_interval(reading: Reading, now: datetime) -> tuple[timedelta, str]:
    """Parked: rarely, but often in the hours it is usually plugged in."""
    if in_plug_window(now, reading):
        return ROUTINE_INTERVAL, "parked, at a time it is usually plugged in"
    upcoming = next_plug_window(now, reading)
    if upcoming is not None and upcoming - now < PARKED_INTERVAL:
        wait = max(upcoming - now, MIN_INTERVAL)
        return wait, "parked, until it is usually plugged in"
    return PARKED_INTERVAL, "parked"


def session_left(reading: Reading) -> timedelta:
    """How long the current charge will likely go on."""
    if (
        reading.soc is None
        or reading.charge_limit is None
        or not reading.charge_rate_kw
        or not reading.capacity_kwh
    ):
        return DEFAULT_SESSION
    points = max(0.0, reading.charge_limit - reading.soc)
    hours = points / 100 * reading.capacity_kwh / reading.charge_rate_kw
    return max(timedelta(minutes=15), timedelta(hours=hours))


def burst_length(reading: Reading) -> timedelta | None:
    """How long a period worth reading often (a charge) lasts from now.

    Measured (benchmarks/month.py): letting the usual plug-in hours spend
    from the same share found plug-ins sooner (p50 6 min instead of 37) but
    left too little for the charges themselves (estimated SoC error p95
    6.9 pp instead of 4.8); those hours read at the month's even pace.
    """
    if reading.situation is Situation.CHARGING:
        return session_left(reading)
    return None


def plan(
    now: datetime,
    reading: Reading,
    usage: Usage,
    budget: Budget,
    *,
    wanted: set[Feature],
    cost_of: Callable[[frozenset[Feature]], int],
    push_healthy: bool = False,
) -> Plan:
    """When the next reading should be, and what it asks for.

    ``cost_of`` says how many billed calls a read of some features costs
    (Smartcar: one per signal; ev.energy: one per read).
    """
    usage = usage.at(now)
    features = features_to_read(now, wanted, reading)
    cost = max(1, cost_of(features))
    end = month_end(now)
    until_end = end - now
    if push_healthy:
        return Plan(until_end, features, "push is healthy")
    # Everything billed this month counts (set-ups, restarts and commands
    # too): what polling may still spend is what is left above the reserve.
    remaining = budget.for_polling - usage.calls
    if remaining < cost:
        return Plan(until_end, features, "allowance for polling used up")
    desired, reason = desired_interval(reading, now)
    hours_left = max(until_end.total_seconds() / 3600, 1.0)
    # The slowest pace the rest of the month needs: a parked reading of the
    # charge state every PARKED_INTERVAL; what is beyond that may be spent.
    parked_cost = max(1, cost_of(frozenset({Feature.CHARGE}) & frozenset(wanted)))
    floor_calls = hours_left / (PARKED_INTERVAL.total_seconds() / 3600) * parked_cost
    burst = burst_length(reading)
    if burst is not None:
        # A charge: spend from what is beyond the floor, shared by the
        # charges the month still holds.
        spendable = max(0.0, remaining - floor_calls)
        bursts = max(1.0, hours_left / 24 * BURSTS_PER_DAY)
        reads = spendable / bursts / cost
        affordable = burst / reads if reads >= 1 else burst
        interval = max(desired, affordable)
        if interval > desired:
            reason = f"{reason}, stretched by the budget"
    else:
        affordable = timedelta(hours=hours_left * cost / remaining)
        interval = max(desired, affordable)
        if interval > desired:
            reason = f"{reason}, stretched by the budget"
    interval = min(max(interval, MIN_INTERVAL), until_end)
    return Plan(interval, features, reason)


def learned_rate(history: list[tuple[datetime, float]]) -> float | None:
    """Percentage points per hour from the first and last reading of a charge.

    ``history`` holds (measured at, state of charge) of the current charging
    session, oldest first.
    """
    if len(history) < 2:  # noqa: PLR2004
        return None
    (start, first), (end, last) = history[0], history[-1]
    hours = (end - start).total_seconds() / 3600
    if hours <= 0 or last <= first:
        return None
    return (last - first) / hours


def estimate_soc(
    now: datetime,
    *,
    soc: float | None,
    measured_at: datetime | None,
    charging: bool | None,
    rate_per_hour: float | None,
    limit: float | None,
) -> float | None:
    """The state of charge now: the last measurement carried forward.

    While charging at a known rate it rises from the measurement, up to the
    charge limit; otherwise it is the measurement.
    """
    if soc is None or not charging or measured_at is None or not rate_per_hour:
        return soc
    hours = max(0.0, (now - measured_at).total_seconds() / 3600)
    ceiling = max(soc, limit if limit is not None else 100.0)
    return min(soc + rate_per_hour * hours, ceiling)


def push_deadline(
    last_delivery: datetime | None, *, charging: bool | None
) -> datetime | None:
    """Until when push covers a vehicle (None: it does not).

    The one place that decides when polling steps in for push: after a
    silence of PUSH_SILENCE_CHARGING while the car charges (its state of
    charge should be arriving), PUSH_SILENCE otherwise.
    """
    if last_delivery is None:
        return None
    return last_delivery + (PUSH_SILENCE_CHARGING if charging else PUSH_SILENCE)
