"""ev.energy's boost switch against the simulator (the 2026 API)."""

from __future__ import annotations

import pytest
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.exceptions import HomeAssistantError

from .conftest import setup_entry

BOOST = "switch.kia_ev6_boost_charging"
KIA = "vhcl01JHKM51007XDJCD5HJG6PK4GW"


@pytest.fixture
async def waiting(sim):
    """ev.energy's smart schedule holds the EV6 when it is plugged in."""
    await sim.control(
        "PATCH", "/evenergy/vehicles/ee-kia-ev6", json={"smart_schedule": "wait"}
    )


async def refresh(hass, entry) -> None:
    """Refresh every vehicle now (past the account's shared-read window)."""
    for coordinator in entry.runtime_data.coordinators.values():
        coordinator.api.account.expire()
        await coordinator.async_refresh()
    await hass.async_block_till_done()


async def switch(hass, service: str) -> None:
    await hass.services.async_call(
        "switch", service, {ATTR_ENTITY_ID: BOOST}, blocking=True
    )
    await hass.async_block_till_done()


async def test_boost_switch(waiting, hass, sim, evenergy_entry, entity_registry):
    await setup_entry(hass, evenergy_entry)
    assert entity_registry.async_get(BOOST).translation_key == "boost"
    assert hass.states.get(BOOST).state == "off"
    assert hass.states.get(BOOST).attributes["friendly_name"] == (
        "Kia EV6 Boost charging"
    )
    # The unintegrated MG4 reports no plug-ins: nothing to boost.
    assert hass.states.get("switch.mg_mg4_boost_charging") is None
    # Unplugged: nothing to boost.
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, SERVICE_TURN_ON)
    assert err.value.translation_key == "boost_not_boostable"
    assert err.value.translation_placeholders == {"vehicle": "Kia EV6"}
    await sim.control("POST", "/vehicles/ee-kia-ev6/plug")
    await refresh(hass, evenergy_entry)
    assert hass.states.get("sensor.kia_ev6_charging_state").state == "not_charging"
    await switch(hass, SERVICE_TURN_ON)
    assert hass.states.get(BOOST).state == "on"
    assert hass.states.get("sensor.kia_ev6_charging_state").state == "charging"
    assert hass.states.get("sensor.kia_ev6_charging_power").state == "7.4"
    car = await sim.control("GET", "/vehicles/ee-kia-ev6")
    assert car["charging"] is True
    await switch(hass, SERVICE_TURN_OFF)
    assert hass.states.get(BOOST).state == "off"
    await refresh(hass, evenergy_entry)  # past the refresh debouncer's cooldown
    assert hass.states.get(BOOST).state == "off"
    assert hass.states.get("sensor.kia_ev6_charging_state").state == "not_charging"
    car = await sim.control("GET", "/vehicles/ee-kia-ev6")
    assert car["charging"] is False


async def test_boost_refused_when_smart_charging_is_off(hass, sim, evenergy_entry):
    await setup_entry(hass, evenergy_entry)
    await sim.control("POST", "/vehicles/ee-kia-ev6/plug")
    await refresh(hass, evenergy_entry)
    api = next(iter(evenergy_entry.runtime_data.coordinators.values())).api
    # Smart charging switched off in the ev.energy app after the last refresh.
    await api.client._object(
        "PATCH",
        api.client.url(f"/vehicles/{KIA}"),
        type(await api.client.get_vehicle(KIA)),
        json={"smart_charging_enabled": False},
    )
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, SERVICE_TURN_ON)
    assert err.value.translation_key == "boost_smart_charging_off"
    await refresh(hass, evenergy_entry)
    assert hass.states.get(BOOST).state == "unavailable"


async def test_not_delivered(hass, sim, evenergy_entry):
    await setup_entry(hass, evenergy_entry)
    await sim.control("POST", "/vehicles/ee-kia-ev6/plug")
    await refresh(hass, evenergy_entry)
    await sim.control("POST", "/vehicles/ee-kia-ev6/sleep")
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, SERVICE_TURN_ON)
    assert err.value.translation_key == "boost_not_delivered"


async def test_no_boost_in_the_seed_era(hass, sim, evenergy_entry):
    await sim.control("PUT", "/evenergy/settings", json={"era": "seed"})
    await setup_entry(hass, evenergy_entry)
    assert hass.states.get("sensor.kia_ev6_state_of_charge").state == "35"
    assert hass.states.get(BOOST) is None
