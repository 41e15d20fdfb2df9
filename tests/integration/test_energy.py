"""Energy added: the sensor and the imported charging history (long-term statistics).

The recorder runs (``recorder_mock``); the statistics are read back as the
Energy dashboard reads them.
"""

from datetime import UTC, datetime, timedelta

import pytest
from homeassistant.components.recorder.statistics import (
    list_statistic_ids,
    statistics_during_period,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.ev_battery.energy import statistic_id
from tests.simulator.conftest import TESLA

from .conftest import setup_entry

TESLA_ENERGY = "sensor.tesla_model_3_energy_added"
KIA_ENERGY = "sensor.kia_ev6_energy_added"
KIA = "vhcl01JHKM51007XDJCD5HJG6PK4GW"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_db_url: str, enable_custom_integrations: None
) -> None:
    """The recorder's database before Home Assistant (``recorder_mock`` wants it)."""


async def read_statistics(hass, statistic):
    """Hourly rows (start, state, sum) of ``statistic``, oldest first."""
    await async_wait_recording_done(hass)
    found = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime(2025, 1, 1, tzinfo=UTC),
        None,
        {statistic},
        "hour",
        None,
        {"state", "sum"},
    )
    return [
        (datetime.fromtimestamp(row["start"], UTC), row["state"], row["sum"])
        for row in found.get(statistic, [])
    ]


async def records_calls(sim):
    requests = await sim.control("GET", "/requests")
    return sum(1 for r in requests if r["path"].endswith("/charge/records"))


async def test_tesla_history_imported_once_and_then_daily(
    recorder_mock, hass, sim, smartcar_entry, freezer
):
    freezer.move_to(sim.state.now())
    await setup_entry(hass, smartcar_entry)
    statistic = statistic_id(TESLA)
    rows = await read_statistics(hass, statistic)
    # The three past charges (records dated at their start), a running sum.
    assert rows == [
        (datetime(2026, 10, 17, 7, tzinfo=UTC), 33.0, 33.0),
        (datetime(2026, 10, 24, 7, tzinfo=UTC), 60.0, 93.0),
        (datetime(2026, 10, 30, 7, tzinfo=UTC), 27.5, 120.5),
    ]
    meta = await get_instance(hass).async_add_executor_job(
        list_statistic_ids, hass, {statistic}
    )
    assert meta[0]["source"] == "ev_battery"
    assert meta[0]["name"] == "Tesla Model 3 energy added"
    assert meta[0]["statistics_unit_of_measurement"] == UnitOfEnergy.KILO_WATT_HOUR
    assert meta[0]["has_sum"] is True
    # One billed records call, counted in the month's usage like every read.
    tesla = smartcar_entry.runtime_data.coordinators[TESLA]
    assert await records_calls(sim) == 1
    billing = await sim.control("GET", "/billing")
    assert tesla.usage.calls == billing["vehicles"]["tesla-model-3"]["this_month"]
    # The sensor counts from its creation: nothing yet (the car charges now).
    state = hass.states.get(TESLA_ENERGY)
    assert state.state == "0.0"
    assert state.attributes["state_class"] == "total_increasing"
    assert state.attributes["device_class"] == "energy"
    assert state.attributes["unit_of_measurement"] == UnitOfEnergy.KILO_WATT_HOUR

    # Refreshes within the day read no records (they are billed).
    for _ in range(3):
        sim.state.clock.advance(3600)
        freezer.tick(timedelta(hours=1))
        await tesla.async_refresh()
    assert await records_calls(sim) == 1

    # A restart imports nothing twice and keeps the sensor's count.
    await hass.config_entries.async_reload(smartcar_entry.entry_id)
    await hass.async_block_till_done()
    assert await read_statistics(hass, statistic) == rows
    assert hass.states.get(TESLA_ENERGY).state == "0.0"

    # A day later the charge running at set-up is a record: imported, counted.
    sim.state.clock.advance(22 * 3600)
    freezer.tick(timedelta(hours=22))
    tesla = smartcar_entry.runtime_data.coordinators[TESLA]
    await tesla.async_refresh()
    await hass.async_block_till_done()
    sessions = await sim.control("GET", "/vehicles/tesla-model-3/sessions")
    latest = sessions[-1]
    assert latest["started_at"].startswith("2026-11-02T07:00:00")
    assert latest["ended_at"] is not None
    energy = round(latest["energy_delivered_kwh"], 3)
    assert energy > 10
    after = await read_statistics(hass, statistic)
    assert after[:3] == rows
    assert after[3][0] == datetime(2026, 11, 2, 7, tzinfo=UTC)
    assert after[3][1] == pytest.approx(energy, abs=0.001)
    assert after[3][2] == pytest.approx(120.5 + energy, abs=0.001)
    assert len(after) == 4
    assert float(hass.states.get(TESLA_ENERGY).state) == pytest.approx(
        energy, abs=0.001
    )
    assert await records_calls(sim) <= 3  # at set-up, after the reload, a day on


async def test_tesla_without_recorder_still_counts(hass, sim, smartcar_entry, freezer):
    """No recorder: no import, and the sensor works all the same."""
    freezer.move_to(sim.state.now())
    await setup_entry(hass, smartcar_entry)
    assert hass.states.get(TESLA_ENERGY).state == "0.0"
    assert await records_calls(sim) == 1


async def test_evenergy_history_spread_by_hour_and_a_charge_followed(
    recorder_mock, hass, sim, evenergy_entry, freezer
):
    freezer.move_to(sim.state.now())
    await setup_entry(hass, evenergy_entry)
    statistic = statistic_id(KIA)
    rows = await read_statistics(hass, statistic)
    past = await sim.control("GET", "/vehicles/ee-kia-ev6/sessions")
    delivered = [s["energy_delivered_kwh"] for s in past]
    assert delivered == pytest.approx([90.0, 29.6])
    # The 4-hour home charge at 7.4 kW is spread over its four hours, the
    # 36-minute rapid charge is in its hour.
    assert [row[1] for row in rows] == pytest.approx([90.0, 7.4, 7.4, 7.4, 7.4])
    assert rows[-1][2] == pytest.approx(119.6)
    assert rows[0][0] == datetime.fromisoformat(past[0]["started_at"])
    assert hass.states.get(KIA_ENERGY).state == "0.0"

    # Plugged in: the sensor follows the charge at every refresh.
    await sim.control("POST", "/vehicles/ee-kia-ev6/plug")
    kia = evenergy_entry.runtime_data.coordinators[KIA]
    shown = []
    for _ in range(16):
        sim.state.clock.advance(900)
        freezer.tick(timedelta(minutes=15))
        await kia.async_refresh()
        await hass.async_block_till_done()
        shown.append(float(hass.states.get(KIA_ENERGY).state))
    assert shown == sorted(shown)
    assert shown[-1] > shown[0] > 0
    # Unplugged: the charge is final, counted whole, then imported.
    await sim.control("POST", "/vehicles/ee-kia-ev6/unplug")
    sim.state.clock.advance(3600)
    freezer.tick(timedelta(hours=1))
    await kia.async_refresh()
    await hass.async_block_till_done()
    sessions = await sim.control("GET", "/vehicles/ee-kia-ev6/sessions")
    charged = sum(s["energy_delivered_kwh"] for s in sessions[2:])
    assert charged > 20
    assert float(hass.states.get(KIA_ENERGY).state) == pytest.approx(charged, abs=0.01)
    after = await read_statistics(hass, statistic)
    assert after[: len(rows)] == rows
    assert after[-1][2] == pytest.approx(119.6 + charged, abs=0.01)


async def test_energy_sensor_only_where_a_source_exists(
    hass, sim, smartcar_entry, freezer
):
    freezer.move_to(sim.state.now())
    await setup_entry(hass, smartcar_entry)
    registry = er.async_get(hass)
    assert registry.async_get(TESLA_ENERGY) is not None
    # No records for Volkswagen or the Leaf on Smartcar v2.0.
    assert registry.async_get("sensor.volkswagen_id_4_energy_added") is None
    assert registry.async_get("sensor.nissan_leaf_energy_added") is None
