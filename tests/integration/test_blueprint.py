"""The shipped solar-surplus blueprint, driving the simulated car."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from tests.simulator.conftest import TESLA

from .conftest import setup_entry

BLUEPRINT = Path(__file__).parents[2] / "blueprints" / "automation" / "ev_battery"
SURPLUS = "sensor.solar_surplus"
SWITCH = "switch.tesla_model_3_charging"


async def tick(hass, freezer, minutes):
    for _ in range(minutes):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass, dt_util.utcnow())
        await hass.async_block_till_done()


@pytest.fixture
def blueprint_installed(hass):
    """The shipped blueprint where Home Assistant looks for blueprints."""
    target = Path(hass.config.path("blueprints", "automation", "ev_battery"))
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(BLUEPRINT / "solar_surplus.yaml", target / "solar_surplus.yaml")


@pytest.mark.usefixtures("blueprint_installed")
async def test_solar_surplus_blueprint(hass, sim, smartcar_entry, freezer):
    await setup_entry(hass, smartcar_entry)
    hass.states.async_set(
        SURPLUS, "200", {"unit_of_measurement": "W", "device_class": "power"}
    )
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": "Charge on surplus",
                "use_blueprint": {
                    "path": "ev_battery/solar_surplus.yaml",
                    "input": {
                        "surplus": SURPLUS,
                        "start_above": 1400,
                        "stop_below": 500,
                        "min_on": {"minutes": 10},
                        "min_off": {"minutes": 5},
                        "plug": "binary_sensor.tesla_model_3_charging_cable",
                        "soc": "sensor.tesla_model_3_estimated_state_of_charge",
                        "limit": "number.tesla_model_3_charge_limit",
                        "charging": SWITCH,
                    },
                },
            }
        },
    )
    await hass.async_block_till_done()
    assert hass.states.get("automation.charge_on_surplus").state == "on"
    # Charging with too little surplus: stopped once it has charged for
    # the minimum time.
    assert hass.states.get(SWITCH).state == "on"
    await tick(hass, freezer, 11)
    assert (await sim.control("GET", "/vehicles/tesla-model-3"))["charging"] is False
    assert hass.states.get(SWITCH).state == "off"
    # Sun: started again after the minimum pause.
    hass.states.async_set(
        SURPLUS, "3000", {"unit_of_measurement": "W", "device_class": "power"}
    )
    await hass.async_block_till_done()
    assert (await sim.control("GET", "/vehicles/tesla-model-3"))["charging"] is False
    await tick(hass, freezer, 6)
    assert (await sim.control("GET", "/vehicles/tesla-model-3"))["charging"] is True
    # Unplugged: nothing is started, however much sun, and no error is raised.
    await sim.control("POST", "/vehicles/tesla-model-3/unplug")
    await smartcar_entry.runtime_data.coordinators[TESLA].async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.tesla_model_3_charging_cable").state == "off"
    await tick(hass, freezer, 12)
    assert (await sim.control("GET", "/vehicles/tesla-model-3"))["charging"] is False
    assert hass.states.get(SWITCH).state == "off"
    await hass.services.async_call(
        "automation",
        "turn_off",
        {"entity_id": "automation.charge_on_surplus"},
        blocking=True,
    )
