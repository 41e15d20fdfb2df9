"""What people type: ids, numbers and dates are checked before any call."""

from datetime import timedelta

import pytest
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util

from custom_components.ev_battery.const import DOMAIN
from tests.simulator.conftest import TESLA

from .conftest import setup_entry, vehicle_device


@pytest.mark.parametrize(
    "trim", ["../users", "", " ", "trim01", "https://example.com/v2/users/"]
)
async def test_trim_ids_are_checked(hass, sim, evenergy_entry, trim):
    await setup_entry(hass, evenergy_entry)
    await sim.control("DELETE", "/requests")
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "create_unintegrated_vehicle",
            {"config_entry_id": evenergy_entry.entry_id, "trim": trim},
            blocking=True,
        )
    assert err.value.translation_key == "invalid_trim"
    assert await sim.control("GET", "/requests") == []


async def test_trim_url_is_taken_as_its_id(hass, sim, evenergy_entry):
    await setup_entry(hass, evenergy_entry)
    response = await hass.services.async_call(
        DOMAIN,
        "create_unintegrated_vehicle",
        {
            "config_entry_id": evenergy_entry.entry_id,
            "trim": "https://api.ev.energy/v2/vehicle_trims/trim01GTQH2V00FWB34QG49HM19E2N/",
        },
        blocking=True,
        return_response=True,
    )
    assert response["vehicle_id"].startswith("vhcl")
    # The entry reloads with the new vehicle.
    await hass.async_block_till_done()
    assert evenergy_entry.state is ConfigEntryState.LOADED
    assert response["vehicle_id"] in evenergy_entry.runtime_data.coordinators


LIMITS = {
    "smartcar": "number.tesla_model_3_charge_limit",
    "evenergy": "number.kia_ev6_charge_limit",
}


@pytest.fixture(params=["smartcar", "evenergy"])
def entry(request):
    """One entry of each provider."""
    return request.getfixturevalue(f"{request.param}_entry")


@pytest.mark.parametrize(
    ("value", "key"),
    [
        (float("nan"), "not_a_number"),
        # Home Assistant's own range check answers infinities.
        (float("inf"), "out_of_range"),
        (float("-inf"), "out_of_range"),
    ],
)
async def test_charge_limit_must_be_a_number(hass, sim, entry, value, key):
    await setup_entry(hass, entry)
    entity = LIMITS[entry.data["provider"]]
    before = hass.states.get(entity).state
    await sim.control("DELETE", "/requests")
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "number",
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: entity, ATTR_VALUE: value},
            blocking=True,
        )
    assert err.value.translation_key == key
    assert hass.states.get(entity).state == before
    assert await sim.control("GET", "/requests") == []


async def test_records_from_a_future_start(hass, entry):
    await setup_entry(hass, entry)
    vehicle_id = (
        TESLA
        if entry.data["provider"] == "smartcar"
        else next(
            vid
            for vid, c in entry.runtime_data.coordinators.items()
            if c.api.info.model == "EV6"
        )
    )
    device = vehicle_device(hass, entry, vehicle_id)
    tomorrow = dt_util.now().date() + timedelta(days=1)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "get_charge_records",
            {"device_id": device.id, "start": tomorrow.isoformat()},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "start_in_future"
