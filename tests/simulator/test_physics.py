"""The battery model: charging time, taper, limits, sessions, range."""

import math
from datetime import UTC, datetime, timedelta

import pytest

from simulator.car import Car, ChargeState, EndReason, LocationKind
from simulator.clock import SimClock

T0 = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)


def make_car(**kwargs):
    spec = {
        "key": "car",
        "make": "VOLKSWAGEN",
        "model": "ID.4",
        "year": 2022,
        "vin": "V",
        "capacity_kwh": 77.0,
        "last_update": T0,
        "soc": 0.4,
        "charger_power_kw": 11.0,
        "charge_efficiency": 0.9,
        "charge_limit": 0.8,
        "taper_start": 0.8,
    }
    spec.update(kwargs)
    return Car(**spec)


def test_40_to_80_percent_at_11kw_takes_what_arithmetic_says():
    car = make_car()
    car.plug_in(T0)
    assert car.state is ChargeState.CHARGING
    # 40 % of 77 kWh into the battery at 11 kW * 0.9 efficiency.
    expected = 0.4 * 77 / (11 * 0.9) * 3600
    assert car.seconds_to(0.8) == pytest.approx(expected)
    car.advance_to(T0 + timedelta(seconds=expected - 60))
    assert car.state is ChargeState.CHARGING
    assert car.soc == pytest.approx(0.8 - 60 * 11 * 0.9 / (77 * 3600))
    car.advance_to(T0 + timedelta(seconds=expected + 60))
    assert car.state is ChargeState.FULLY_CHARGED
    assert car.soc == 0.8
    session = car.sessions[-1]
    assert session.end_reason is EndReason.LIMIT
    assert session.ended_at == T0 + timedelta(seconds=expected)
    assert session.energy_added_kwh == pytest.approx(0.4 * 77)
    assert session.energy_delivered_kwh == pytest.approx(0.4 * 77 / 0.9)


def test_taper_makes_the_top_slower_than_linear():
    car = make_car(soc=0.8, charge_limit=1.0, taper_min_fraction=0.25)
    car.plug_in(T0)
    linear = 0.2 * 77 / (11 * 0.9) * 3600
    to_full = car.seconds_to(1.0)
    assert to_full > linear
    # Closed form: the power falls linearly from 100 % to 25 % over 80..100 %.
    k = 0.75 * (11 * 0.9 / (77 * 3600)) / 0.2
    assert to_full == pytest.approx(math.log(1 / 0.25) / k)
    assert car.power_kw() == 11.0
    car.advance_to(T0 + timedelta(seconds=to_full / 2))
    assert 0.8 < car.soc < 0.95
    assert car.power_kw() < 11.0
    car.advance_to(T0 + timedelta(seconds=to_full + 1))
    assert car.soc == 1.0
    assert car.state is ChargeState.FULLY_CHARGED
    assert car.power_kw() == 0.0


def test_no_taper_and_unreachable_targets():
    car = make_car(taper_start=1.0, soc=0.5, charge_limit=1.0)
    assert car.seconds_to(1.0) == pytest.approx(0.5 * 77 / (11 * 0.9) * 3600)
    assert car._soc_after(0.5, 10**9) == 1.0
    assert car.seconds_to(0.3) == 0.0
    assert make_car(charger_power_kw=0).seconds_to(0.9) == math.inf
    tapered = make_car(soc=0.85, charge_limit=1.0)
    assert tapered._soc_after(0.85, 60) > 0.85
    assert tapered._soc_after(0.7, 10**7) == pytest.approx(1.0)


def test_range_follows_soc_and_driving_uses_energy():
    car = make_car(soc=0.5, efficiency_km_per_kwh=6.0)
    assert car.range_km == pytest.approx(0.5 * 77 * 6)
    car.drive(T0, 77 * 6 * 0.1)
    assert car.soc == pytest.approx(0.4)
    assert car.odometer_km == pytest.approx(10000 + 46.2)
    car.drive(T0, 10_000)
    assert car.soc == 0.0


def test_stop_unplug_and_limit_changes():
    events = []
    car = make_car()
    car.listeners.append(lambda _car, event, _t: events.append(event))
    car.plug_in(T0)
    car.plug_in(T0)  # already plugged: nothing happens
    t1 = T0 + timedelta(hours=1)
    car.stop_charging(t1)
    assert car.state is ChargeState.NOT_CHARGING
    assert car.sessions[-1].end_reason is EndReason.STOPPED
    soc = car.soc
    car.advance_to(t1 + timedelta(hours=1))
    assert car.soc == soc
    car.start_charging(t1 + timedelta(hours=1))
    assert len(car.sessions) == 2
    car.set_charge_limit(t1 + timedelta(hours=1), 0.5)
    assert car.state is ChargeState.FULLY_CHARGED
    assert car.sessions[-1].end_reason is EndReason.LIMIT
    car.set_charge_limit(t1 + timedelta(hours=1), 0.9)
    assert car.state is ChargeState.CHARGING
    car.unplug(t1 + timedelta(hours=2))
    car.unplug(t1 + timedelta(hours=2))
    assert car.sessions[-1].end_reason is EndReason.UNPLUGGED
    assert car.state is ChargeState.NOT_CHARGING
    assert events == [
        "plugged_in",
        "charging_started",
        "charging_stopped",
        "charging_started",
        "charging_started",
        "charging_stopped",
        "unplugged",
    ]


def test_no_auto_start_and_faults():
    car = make_car(auto_start_on_plug=False, charge_enabled=False)
    car.plug_in(T0)
    assert car.state is ChargeState.NOT_CHARGING
    car.update(T0, charge_enabled=True)
    assert car.charging
    car.update(T0, charge_fault=True)
    assert not car.charging
    assert car.sessions[-1].end_reason is EndReason.FAULT
    car.update(T0, plugged_in=False)
    car.update(T0, plugged_in=True, charge_fault=False)
    assert car.charging


def test_sleep_freezes_observation():
    car = make_car()
    car.plug_in(T0)
    car.fall_asleep(T0)
    car.advance_to(T0 + timedelta(hours=1))
    seen = car.observe()
    assert seen.soc == 0.4
    assert seen.captured_at == T0
    car.wake(T0 + timedelta(hours=1))
    assert car.observe().soc > 0.4
    car.update(T0 + timedelta(hours=1), connectivity="asleep")
    assert car.frozen is not None
    car.update(T0 + timedelta(hours=1), connectivity="unreachable")
    assert car.frozen is None
    assert car.connectivity == "unreachable"


def test_checkpoints_fire_on_interval_boundaries():
    car = make_car(checkpoint_interval=300)
    seen = []
    car.checkpoint_listeners.append(lambda c, t: seen.append((t, round(c.soc, 6))))
    car.plug_in(T0)
    car.advance_to(T0 + timedelta(minutes=16))
    assert [t for t, _ in seen] == [T0 + timedelta(minutes=m) for m in (5, 10, 15)]
    assert seen[0][1] < seen[1][1] < seen[2][1]


def test_location_kind_is_recorded():
    car = make_car(location_kind=LocationKind.SUPERCHARGER)
    car.plug_in(T0)
    assert car.sessions[-1].location_kind is LocationKind.SUPERCHARGER
    assert car.label() == "2022 Volkswagen ID.4"


def test_clock_scales_and_advances():
    ticks = iter([0.0, 0.0, 10.0, 10.0, 10.0, 20.0])
    clock = SimClock(start=T0, time_scale=60, monotonic=lambda: next(ticks))
    assert clock.now() == T0
    assert clock.now() == T0 + timedelta(minutes=10)
    clock.time_scale = 0
    assert clock.advance(30) == T0 + timedelta(minutes=10, seconds=30)
    assert clock.protocol_seconds(7200) == 7200
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="time_scale"):
        clock.time_scale = -1
    with pytest.raises(ValueError, match="time_scale"):
        SimClock(time_scale=-1)
    assert SimClock(time_scale=60).protocol_seconds(10) == 600


async def test_charging_over_http(sim):
    await sim.control("PATCH", "/vehicles/vw-id4", json={"soc": 0.4})
    state = await sim.control("POST", "/vehicles/vw-id4/plug")
    assert state["state"] == "CHARGING"
    assert state["power_kw"] == 11.0
    expected = 0.4 * 77 / (11 * 0.9) * 3600
    await sim.control("POST", "/clock/advance", json={"seconds": expected - 60})
    state = await sim.control("GET", "/vehicles/vw-id4")
    assert state["state"] == "CHARGING"
    await sim.control("POST", "/clock/advance", json={"seconds": 120})
    state = await sim.control("GET", "/vehicles/vw-id4")
    assert state["state"] == "FULLY_CHARGED"
    assert state["soc"] == 0.8
    assert state["range_km"] == round(0.8 * 77 * 5.6, 2)
    sessions = await sim.control("GET", "/vehicles/vw-id4/sessions")
    assert sessions[-1]["end_reason"] == "limit"
    assert sessions[-1]["energy_delivered_kwh"] == round(0.4 * 77 / 0.9, 4)
    await sim.control("POST", "/vehicles/vw-id4/unplug")
    state = await sim.control("POST", "/vehicles/vw-id4/drive", json={"km": 100})
    assert state["soc"] == round(0.8 - 100 / (77 * 5.6), 6)
