"""The Smartcar v3 vehicle backend: signals to state, features, commands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.ev_battery.api import EVNotSupportedError, SignalSet, SignalValue
from custom_components.ev_battery.vehicle import ChargingState, Feature
from custom_components.ev_battery.vehicle_v3 import SmartcarV3VehicleApi, v3_info

AT = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)


def signal(code: str, body: dict[str, Any], at: datetime = AT) -> SignalValue:
    """A SUCCESS signal as a webhook carries it."""
    return SignalValue.from_json(
        {
            "code": code,
            "body": body,
            "status": {"value": "SUCCESS"},
            "meta": {"oemUpdatedAt": int(at.timestamp() * 1000)},
        }
    )


def signals(*values: SignalValue) -> SignalSet:
    """A set of signals."""
    return SignalSet({value.code: value for value in values})


def vehicle(permissions: frozenset[str] = frozenset({"control_charge"})) -> Any:
    """A backend with no client (these tests make no call)."""
    return SmartcarV3VehicleApi(
        None,  # type: ignore[arg-type]
        v3_info("v1", "TESLA", "Model 3", 2023),
        permissions,
    )


def test_before_anything_is_reported_battery_and_charge_are_assumed():
    api = vehicle()
    assert api.supports(Feature.BATTERY)
    assert api.supports(Feature.CHARGE)
    assert not api.supports(Feature.RANGE)
    assert not api.supports(Feature.CHARGE_CONTROL)
    assert not api.supports(Feature.CHARGE_RECORDS)


def test_a_car_that_reports_only_charging_gets_no_battery():
    api = vehicle()
    state = api.apply(signals(signal("charge-ischarging", {"value": True})))
    # No detailed status: charging comes from charge-ischarging alone.
    assert state.charging_state is ChargingState.CHARGING
    assert state.soc is None
    assert not api.supports(Feature.BATTERY)
    assert api.supports(Feature.CHARGE)
    assert api.supports(Feature.CHARGE_CONTROL)
    state = api.apply(
        signals(
            signal("charge-ischarging", {"value": False}, AT + timedelta(minutes=1))
        )
    )
    assert state.charging_state is ChargingState.NOT_CHARGING


def test_control_needs_the_permission():
    api = vehicle(frozenset())
    api.apply(signals(signal("charge-ischarging", {"value": True})))
    assert not api.supports(Feature.CHARGE_CONTROL)


def test_state_from_every_signal_with_its_own_time():
    api = vehicle()
    later = AT + timedelta(minutes=3)
    state = api.apply(
        signals(
            signal("tractionbattery-stateofcharge", {"value": 63, "unit": "percent"}),
            signal("charge-detailedchargingstatus", {"value": "CHARGING"}, later),
            signal("charge-timetocomplete", {"value": 90, "unit": "minutes"}, later),
            signal("charge-energyadded", {"value": 12.5, "unit": "kWh"}),
            signal("charge-wattage", {"value": 11, "unit": "kW"}),
            signal(
                "location-preciselocation",
                {"latitude": 52.1, "longitude": 4.9, "heading": 0},
            ),
            signal("connectivitystatus-isonline", {"value": True}),
            signal("connectivitystatus-isasleep", {"value": False}),
        )
    )
    assert state.soc == 63
    assert state.charging_state is ChargingState.CHARGING
    assert state.charge_finish_at == later + timedelta(minutes=90)
    assert state.energy_added_kwh == 12.5
    assert state.charge_rate_kw == 11
    assert (state.latitude, state.longitude) == (52.1, 4.9)
    assert (state.online, state.asleep) == (True, False)
    # The data age is the state of charge's; every value keeps its own time.
    assert state.data_age == AT
    assert state.measured_at["charging_state"] == later
    for feature in (
        Feature.ENERGY_ADDED,
        Feature.CHARGE_FINISH,
        Feature.LOCATION,
        Feature.CONNECTIVITY,
        Feature.CHARGE_RATE,
    ):
        assert api.supports(feature), feature


def test_no_finish_time_unless_charging():
    api = vehicle()
    state = api.apply(
        signals(
            signal("charge-detailedchargingstatus", {"value": "FULLY_CHARGED"}),
            signal("charge-timetocomplete", {"value": 0, "unit": "minutes"}),
        )
    )
    assert state.charging_state is ChargingState.FULLY_CHARGED
    assert state.charge_finish_at is None


def test_an_older_value_does_not_replace_a_newer_one():
    api = vehicle()
    api.apply(signals(signal("tractionbattery-stateofcharge", {"value": 70})))
    state = api.apply(
        signals(
            signal(
                "tractionbattery-stateofcharge",
                {"value": 60},
                AT - timedelta(minutes=5),
            )
        )
    )
    assert state.soc == 70


def test_make_model_and_year_are_learnt():
    api = vehicle()
    api.learn_vehicle("TESLA", "Model Y", 2025)
    assert (api.info.model, api.info.year) == ("Model Y", 2025)
    api.learn_vehicle(None, None, None)
    assert api.info.model == "Model Y"


async def test_no_charge_records():
    with pytest.raises(EVNotSupportedError):
        await vehicle().async_charge_records(None, None)
