"""The energy meter and the hourly split (pure logic)."""

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.ev_battery.energy import (
    ChargeSession,
    EnergyMeter,
    hourly,
    statistic_id,
)

T0 = datetime(2026, 11, 2, 7, 30, tzinfo=UTC)


def session(hours_ago: float, kwh: float, *, final: bool = True, length: float = 1):
    start = T0 - timedelta(hours=hours_ago)
    end = start + timedelta(hours=length) if final else None
    return ChargeSession(start=start, end=end, energy_kwh=kwh, final=final)


def test_a_per_charge_signal_becomes_a_cumulative_count():
    meter = EnergyMeter()
    assert meter.value is None
    for value in (5.0, 7.5, 10.0, 2.0, 4.0):  # a drop is the next charge
        meter.feed_signal(value)
    # The first value is the baseline: 2.5 + 2.5, then 2 + 2.
    assert meter.value == 9.0
    restored = EnergyMeter.from_dict(meter.as_dict())
    restored.feed_signal(4.0)  # the same value again adds nothing
    assert restored.value == 9.0


def test_sessions_are_counted_once_and_provisionally_while_running():
    meter = EnergyMeter()
    past = [session(48, 30.0), session(24, 20.0)]
    meter.feed_sessions(past)
    assert meter.value == 0.0  # history before the sensor belongs to statistics
    running = session(1, 3.0, final=False)
    meter.feed_sessions([*past, running])
    assert meter.value == 3.0
    done = ChargeSession(running.start, T0, 8.0, final=True)
    meter.feed_sessions([*past, done])
    meter.feed_sessions([*past, done])  # fed again: not counted twice
    assert meter.value == 8.0
    again = EnergyMeter.from_dict(meter.as_dict())
    again.feed_sessions([*past, done, session(0.5, 1.0)])
    assert again.value == 9.0


def test_hourly_spreads_sessions_with_an_end():
    start = datetime(2026, 11, 1, 22, 30, tzinfo=UTC)
    spread = hourly(
        [
            ChargeSession(start, start + timedelta(hours=2), 10.0, final=True),
            ChargeSession(start, None, 4.0, final=True),  # a record: its start
            ChargeSession(start, None, 9.0, final=False),  # not final: left out
        ]
    )
    assert spread == {
        datetime(2026, 11, 1, 22, tzinfo=UTC): pytest.approx(2.5 + 4.0),
        datetime(2026, 11, 1, 23, tzinfo=UTC): pytest.approx(5.0),
        datetime(2026, 11, 2, 0, tzinfo=UTC): pytest.approx(2.5),
    }
    assert sum(spread.values()) == pytest.approx(14.0)


def test_statistic_ids_are_valid():
    assert (
        statistic_id("36ab27d0-fd9d-4455-823a-ce30af709ffc")
        == "ev_battery:energy_added_36ab27d0_fd9d_4455_823a_ce30af709ffc"
    )
    assert statistic_id("vhcl01JHKM") == "ev_battery:energy_added_vhcl01jhkm"
