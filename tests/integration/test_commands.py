"""Commands mean what they say: goals that hold, uncertain failures, no flicker."""

import asyncio

import pytest
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.exceptions import HomeAssistantError

from tests.simulator.conftest import TESLA

from .conftest import setup_entry

TESLA_SWITCH = "switch.tesla_model_3_charging"
VW_SWITCH = "switch.volkswagen_id_4_charging"
LIMIT = "number.tesla_model_3_charge_limit"


async def switch(hass, service, entity_id):
    await hass.services.async_call(
        "switch", service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    await hass.async_block_till_done()


async def set_limit(hass, value):
    await hass.services.async_call(
        "number",
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: LIMIT, ATTR_VALUE: value},
        blocking=True,
    )


async def test_stopping_a_car_that_is_not_charging_succeeds(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    assert hass.states.get(VW_SWITCH).state == "off"
    # Twice, as an automation's "stop below 1000 W" branch would.
    await switch(hass, SERVICE_TURN_OFF, VW_SWITCH)
    await switch(hass, SERVICE_TURN_OFF, VW_SWITCH)
    assert hass.states.get(VW_SWITCH).state == "off"


async def test_starting_a_full_car_succeeds_and_shows_it_is_not_charging(
    hass, sim, smartcar_entry
):
    await sim.control(
        "PATCH", "/vehicles/tesla-model-3", json={"soc": 0.8, "charge_limit": 0.8}
    )
    await setup_entry(hass, smartcar_entry)
    assert hass.states.get("sensor.tesla_model_3_charging_state").state == (
        "fully_charged"
    )
    await switch(hass, SERVICE_TURN_ON, TESLA_SWITCH)
    assert hass.states.get(TESLA_SWITCH).state == "off"


async def test_starting_a_charging_car_succeeds(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    assert hass.states.get(TESLA_SWITCH).state == "on"
    await switch(hass, SERVICE_TURN_ON, TESLA_SWITCH)
    assert hass.states.get(TESLA_SWITCH).state == "on"


async def test_a_garbled_answer_refreshes_instead_of_reverting(
    hass, sim, smartcar_entry
):
    await setup_entry(hass, smartcar_entry)
    assert hass.states.get(LIMIT).state == "80.0"
    # The car takes the new limit, but its answer is cut short.
    await sim.control(
        "POST",
        "/faults",
        json={"path": "/charge/limit$", "method": "POST", "kind": "truncated"},
    )
    with pytest.raises(HomeAssistantError):
        await set_limit(hass, 70)
    await hass.async_block_till_done()
    car = await sim.control("GET", "/vehicles/tesla-model-3")
    assert car["charge_limit"] == pytest.approx(0.7)
    assert hass.states.get(LIMIT).state == "70.0"


async def test_a_refused_command_shows_the_real_value(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    await sim.control(
        "POST",
        "/faults",
        json={"path": "/charge/limit$", "method": "POST", "error": "VEHICLE_STATE"},
    )
    with pytest.raises(HomeAssistantError):
        await set_limit(hass, 70)
    assert hass.states.get(LIMIT).state == "80.0"


async def test_a_refresh_during_a_command_does_not_flicker(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    await sim.control(
        "POST",
        "/faults",
        json={
            "path": "/charge/limit$",
            "method": "POST",
            "kind": "delay",
            "seconds": 0.5,
            "count": 1,
        },
    )
    seen = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            seen.append(event.data["new_state"].state)
            if event.data["entity_id"] == LIMIT
            else None
        ),
    )
    command = asyncio.create_task(set_limit(hass, 70))
    await asyncio.sleep(0.1)
    # A poll lands while the command is on its way: the car still says 80.
    await smartcar_entry.runtime_data.coordinators[TESLA].async_refresh()
    await command
    await hass.async_block_till_done()
    assert hass.states.get(LIMIT).state == "70.0"
    assert "80.0" not in seen
    assert seen[0] == "70.0"
