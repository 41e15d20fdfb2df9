"""The poller's decisions, apart from Home Assistant."""

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.ev_battery.poller import (
    Budget,
    Reading,
    Usage,
    estimate_soc,
    features_to_read,
    learn_plug_window,
    learned_rate,
    month_end,
    plan,
)
from custom_components.ev_battery.vehicle import FEATURE_SIGNALS, Feature

START = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
WANTED = {
    Feature.BATTERY,
    Feature.RANGE,
    Feature.CAPACITY,
    Feature.CHARGE,
    Feature.CHARGE_LIMIT,
}
BUDGET = Budget(monthly_calls=500, reserve=40)
# A paid plan: the budget never stretches the situation's own interval.
PAID = Budget(monthly_calls=50_000, reserve=40)


def smartcar_cost(features):
    """One billed call per distinct signal (Smartcar's batch billing)."""
    return len({FEATURE_SIGNALS[f] for f in features if f in FEATURE_SIGNALS})


def fresh(now):
    """Everything read just now."""
    return dict.fromkeys(WANTED, now)


def decide(now, reading, usage=None, budget=BUDGET):
    return plan(
        now,
        reading,
        usage or Usage("2026-11"),
        budget,
        wanted=WANTED,
        cost_of=smartcar_cost,
    )


def test_charging_is_read_often():
    now = START + timedelta(hours=18)
    reading = Reading(
        charging=True, plugged_in=True, soc=40, charge_limit=80, read_at=fresh(now)
    )
    assert decide(now, reading, budget=PAID).interval == timedelta(minutes=15)
    # On Smartcar's 500 calls a month a charging read (two billed signals)
    # is affordable about every half hour early in the month.
    free = decide(now, reading).interval
    assert timedelta(minutes=15) < free < timedelta(minutes=45)


def test_near_the_limit_even_more_often():
    now = START + timedelta(hours=18)
    reading = Reading(
        charging=True, plugged_in=True, soc=77, charge_limit=80, read_at=fresh(now)
    )
    result = decide(now, reading, budget=PAID)
    assert result.interval == timedelta(minutes=10)
    assert result.reason == "charging near the limit"


@pytest.mark.parametrize(
    ("reading", "hours"),
    [
        (Reading(charging=False, plugged_in=True), 2),
        (Reading(charging=False, plugged_in=False), 6),
        (Reading(charging=False, plugged_in=False, asleep=True), 12),
        (Reading(), 6),
    ],
)
def test_parked_rarely(reading, hours):
    result = decide(START + timedelta(days=2), reading, budget=PAID)
    assert result.interval == timedelta(hours=hours)


def test_a_spent_budget_stretches_charging_reads():
    now = START + timedelta(days=20)
    reading = Reading(charging=True, plugged_in=True, soc=40, charge_limit=80)
    spent = Usage("2026-11", calls=400, polled=400)
    result = decide(now, reading, spent)
    assert result.interval > timedelta(minutes=15)
    assert "stretched by the budget" in result.reason


def test_a_spent_budget_stretches_parked_reads():
    now = START + timedelta(days=10)
    spent = Usage("2026-11", calls=450, polled=450)
    result = decide(now, Reading(plugged_in=False), spent)
    # 10 calls for 20 days of parked reads: one read every two days at most.
    assert result.interval >= timedelta(days=2)


def test_nothing_left_waits_for_the_next_month():
    now = START + timedelta(days=25)
    spent = Usage("2026-11", calls=460, polled=460)
    result = decide(now, Reading(charging=True), spent)
    assert now + result.interval == month_end(now)
    assert result.reason == "allowance for polling used up"


def test_a_new_month_starts_afresh():
    now = datetime(2026, 12, 1, 8, tzinfo=UTC)
    last_month = Usage("2026-11", calls=500, polled=460)
    reading = Reading(charging=True, plugged_in=True, soc=40, charge_limit=80)
    assert decide(now, reading, last_month, PAID).interval == timedelta(minutes=15)
    assert "used up" not in decide(now, reading, last_month).reason
    assert last_month.add(now, 3, polling=True) == Usage("2026-12", 3, 3)
    assert month_end(datetime(2026, 12, 31, 23, tzinfo=UTC)) == datetime(
        2027, 1, 1, tzinfo=UTC
    )


def test_push_means_no_polling():
    now = START + timedelta(days=3)
    result = plan(
        now,
        Reading(charging=True),
        Usage("2026-11"),
        BUDGET,
        wanted=WANTED,
        cost_of=smartcar_cost,
        push_healthy=True,
    )
    assert now + result.interval == month_end(now)


def test_static_signals_once_a_day_and_the_battery_when_it_matters():
    now = START + timedelta(days=3)
    parked = Reading(plugged_in=False, read_at=fresh(now - timedelta(hours=1)))
    assert features_to_read(now, WANTED, parked) == {Feature.CHARGE}
    later = Reading(plugged_in=False, read_at=fresh(now - timedelta(hours=7)))
    assert features_to_read(now, WANTED, later) == {
        Feature.CHARGE,
        Feature.BATTERY,
        Feature.RANGE,
    }
    charging = Reading(
        charging=True, plugged_in=True, read_at=fresh(now - timedelta(minutes=15))
    )
    assert features_to_read(now, WANTED, charging) == {
        Feature.CHARGE,
        Feature.BATTERY,
        Feature.RANGE,
    }
    next_day = Reading(charging=True, read_at=fresh(now - timedelta(days=1)))
    assert features_to_read(now, WANTED, next_day) == WANTED
    assert features_to_read(now, WANTED, Reading()) == WANTED


def test_a_month_of_commuting_stays_within_the_allowance():
    """Weekday evening charges of 3 h, parked otherwise: all within budget."""
    now, usage, read_at = START, Usage("2026-11"), {}
    charging_reads = 0
    while now < month_end(START):
        evening = now.weekday() < 5 and 18 <= now.hour < 21
        reading = Reading(
            charging=evening,
            plugged_in=evening or now.hour >= 21,
            soc=60,
            charge_limit=80,
            read_at=dict(read_at),
        )
        decision = decide(now, reading, usage)
        usage = usage.add(now, smartcar_cost(decision.features), polling=True)
        read_at.update(dict.fromkeys(decision.features, now))
        charging_reads += evening
        now += decision.interval
    assert usage.polled <= BUDGET.for_polling
    # And the budget is spent where it matters: most reads while charging.
    assert charging_reads >= 60


def test_learned_rate_and_estimate():
    t0 = START
    assert learned_rate([]) is None
    assert learned_rate([(t0, 40.0)]) is None
    assert learned_rate([(t0, 40.0), (t0, 41.0)]) is None
    assert learned_rate([(t0, 40.0), (t0 + timedelta(hours=1), 40.0)]) is None
    rate = learned_rate([(t0, 40.0), (t0 + timedelta(minutes=30), 46.0)])
    assert rate == pytest.approx(12.0)
    later = t0 + timedelta(hours=1)
    kwargs = {"soc": 40.0, "measured_at": t0, "rate_per_hour": 12.0, "limit": 80.0}
    assert estimate_soc(later, charging=True, **kwargs) == pytest.approx(52.0)
    assert estimate_soc(later, charging=False, **kwargs) == 40.0
    assert estimate_soc(t0 + timedelta(hours=9), charging=True, **kwargs) == 80.0
    no_limit = {**kwargs, "limit": None}
    assert estimate_soc(t0 + timedelta(hours=9), charging=True, **no_limit) == 100.0
    assert estimate_soc(later, charging=True, **{**kwargs, "soc": None}) is None


def test_the_routine_is_learned_from_plug_ins():
    monday_evening = datetime(2026, 11, 2, 22, 5, tzinfo=UTC)
    before = Reading(plugged_in=False)
    windows = learn_plug_window(
        before, monday_evening - timedelta(hours=6), monday_evening
    )
    assert windows == (("weekday", 16, 22),)
    routine = Reading(plugged_in=False, plug_windows=windows, read_at=fresh(START))
    tuesday = datetime(2026, 11, 3, 17, 0, tzinfo=UTC)
    assert decide(tuesday, routine, budget=PAID).interval == timedelta(minutes=30)
    # Before the usual hours: wait for them, not six hours.
    afternoon = datetime(2026, 11, 3, 13, 30, tzinfo=UTC)
    result = decide(afternoon, routine, budget=PAID)
    assert result.interval == timedelta(hours=2, minutes=30)
    assert result.reason == "parked, until it is usually plugged in"
    # Weekends have routines of their own; a plug-in found after a long gap
    # teaches nothing; only the last three windows are kept.
    saturday = datetime(2026, 11, 7, 17, 0, tzinfo=UTC)
    assert decide(saturday, routine, budget=PAID).interval == timedelta(hours=6)
    assert learn_plug_window(routine, START, START + timedelta(hours=13)) == windows
    for _ in range(3):
        windows = learn_plug_window(
            Reading(plug_windows=windows),
            monday_evening - timedelta(minutes=30),
            monday_evening,
        )
    assert windows == (("weekday", 21, 22),) * 3
