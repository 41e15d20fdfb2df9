"""The poller decides when and what the coordinators read (Smartcar)."""

from datetime import timedelta

import pytest
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.ev_battery.poller import Usage, month_of
from tests.simulator.conftest import TESLA, VW

from .conftest import setup_entry


async def test_charging_often_parked_rarely(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    coordinators = smartcar_entry.runtime_data.coordinators
    tesla, vw = coordinators[TESLA], coordinators[VW]
    assert tesla.plan.reason.startswith("charging")
    assert tesla.update_interval <= timedelta(minutes=45)
    assert vw.plan.reason.startswith("parked")
    assert vw.update_interval >= timedelta(hours=6)


async def test_a_parked_car_is_asked_only_what_can_change(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    vw = smartcar_entry.runtime_data.coordinators[VW]
    # Everything at set-up (plus make, model and VIN)...
    assert vw.usage.polled == 6
    await vw.async_refresh()
    # ...then only the charge state (plug, charging): one billed call.
    assert vw.api.last_cost == 1
    assert vw.usage.polled == 7
    assert hass.states.get("sensor.volkswagen_id_4_state_of_charge").state == "63.0"


async def test_commands_count_and_the_changed_signal_is_read_again(
    hass, sim, smartcar_entry
):
    await setup_entry(hass, smartcar_entry)
    tesla = smartcar_entry.runtime_data.coordinators[TESLA]
    before = tesla.usage
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.tesla_model_3_charge_limit", "value": 70},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert tesla.usage.calls - before.calls - (tesla.usage.polled - before.polled) == 1
    assert hass.states.get("number.tesla_model_3_charge_limit").state == "70.0"
    assert tesla.data.charge_limit == 70


async def test_a_restart_with_recent_data_spends_no_call(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    tesla = smartcar_entry.runtime_data.coordinators[TESLA]
    used = tesla.usage
    await sim.control("DELETE", "/requests")
    await hass.config_entries.async_reload(smartcar_entry.entry_id)
    await hass.async_block_till_done()
    log = await sim.control("GET", "/requests")
    assert not [r for r in log if r["path"].endswith("/batch")]
    again = smartcar_entry.runtime_data.coordinators[TESLA]
    assert again.usage == used
    assert again.api.info.make == "TESLA"
    assert hass.states.get("sensor.tesla_model_3_state_of_charge").state == "42.0"
    assert hass.states.get("number.tesla_model_3_charge_limit").state == "80.0"
    # The schedule goes on where it was.
    assert again.next_read_at == tesla.next_read_at


async def test_a_restart_after_the_next_read_was_due_reads(
    hass, sim, smartcar_entry, freezer
):
    await setup_entry(hass, smartcar_entry)
    await hass.config_entries.async_unload(smartcar_entry.entry_id)
    await hass.async_block_till_done()
    freezer.tick(timedelta(hours=7))
    await sim.control("DELETE", "/requests")
    await hass.config_entries.async_setup(smartcar_entry.entry_id)
    await hass.async_block_till_done()
    log = await sim.control("GET", "/requests")
    assert len([r for r in log if r["path"].endswith("/batch")]) == 3
    # The month's count went on from where it was.
    tesla = smartcar_entry.runtime_data.coordinators[TESLA]
    assert tesla.usage.calls > 6


async def test_a_used_up_polling_budget_waits_for_the_month(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    tesla = smartcar_entry.runtime_data.coordinators[TESLA]
    tesla.usage = Usage(month_of(dt_util.utcnow()), calls=470, polled=460)
    await tesla.async_refresh()
    assert tesla.plan.reason == "allowance for polling used up"
    assert tesla.update_interval > timedelta(hours=1)


async def test_estimated_soc_follows_the_charge_between_readings(
    hass, sim, smartcar_entry, freezer
):
    freezer.move_to(sim.state.now())
    await setup_entry(hass, smartcar_entry)
    tesla = smartcar_entry.runtime_data.coordinators[TESLA]
    for _ in range(2):
        sim.state.clock.advance(1800)
        freezer.tick(timedelta(seconds=1800))
        await tesla.async_refresh()
    measured = float(hass.states.get("sensor.tesla_model_3_state_of_charge").state)
    # Ten minutes later, without a reading: the estimate moves on, the
    # measured sensor does not.
    sim.state.clock.advance(600)
    freezer.tick(timedelta(seconds=600))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done()
    estimated = hass.states.get("sensor.tesla_model_3_estimated_state_of_charge")
    car = await sim.control("GET", "/vehicles/tesla-model-3")
    assert float(estimated.state) > measured
    assert float(estimated.state) == pytest.approx(car["soc"] * 100, abs=1.0)
    assert hass.states.get("sensor.tesla_model_3_state_of_charge").state == str(
        measured
    )
    assert estimated.attributes["measured_state_of_charge"] == measured
    # Never beyond the charge limit.
    freezer.tick(timedelta(hours=10))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done()
    capped = hass.states.get("sensor.tesla_model_3_estimated_state_of_charge")
    assert float(capped.state) == 80.0


async def test_budget_sensors(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    assert hass.states.get("sensor.tesla_model_3_api_calls_this_month").state == "7"
    assert (
        hass.states.get("sensor.tesla_model_3_api_calls_left_this_month").state == "493"
    )
    next_reading = hass.states.get("sensor.tesla_model_3_next_reading").state
    assert dt_util.parse_datetime(next_reading) > dt_util.utcnow()


async def test_evenergy_has_no_budget_sensors(hass, sim, evenergy_entry):
    await setup_entry(hass, evenergy_entry)
    assert hass.states.get("sensor.kia_ev6_api_calls_this_month") is None
    assert hass.states.get("sensor.kia_ev6_next_reading") is not None


async def test_evenergy_reads_all_vehicles_with_one_call(
    hass, sim, evenergy_entry, freezer
):
    await setup_entry(hass, evenergy_entry)
    coordinators = evenergy_entry.runtime_data.coordinators
    assert len(coordinators) == 2
    await sim.control("DELETE", "/requests")
    # The vehicles' scheduled refreshes (every 5 minutes) come due together.
    freezer.tick(timedelta(minutes=5, seconds=1))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done(wait_background_tasks=True)
    log = await sim.control("GET", "/requests")
    paths = [r["path"].rstrip("/") for r in log if r["path"].startswith("/evenergy")]
    assert paths == ["/evenergy/v2/vehicles"]
    assert all(c.last_update_success for c in coordinators.values())


async def test_refresh_button_within_and_over_the_budget(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    vw = smartcar_entry.runtime_data.coordinators[VW]
    before = vw.usage.polled
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.volkswagen_id_4_refresh"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert vw.usage.polled == before + 1
    # The polling budget is spent: what is left is the reserve.
    vw.usage = Usage(vw.usage.month, calls=470, polled=460)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "button",
            "press",
            {"entity_id": "button.volkswagen_id_4_refresh"},
            blocking=True,
        )
    assert err.value.translation_key == "refresh_over_budget"
    assert err.value.translation_placeholders["vehicle"] == "Volkswagen ID.4"
    # homeassistant.update_entity is held to the same budget (Home Assistant
    # logs the refusal rather than raising it).
    assert await async_setup_component(hass, "homeassistant", {})
    await sim.control("DELETE", "/requests")
    await hass.services.async_call(
        "homeassistant",
        "update_entity",
        {"entity_id": "sensor.volkswagen_id_4_state_of_charge"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert await sim.control("GET", "/requests") == []
    assert vw.usage.polled == 460
