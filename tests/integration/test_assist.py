"""Assist: Home Assistant's built-in sentences on exposed entities."""

import json

import pytest
from home_assistant_intents import get_intents
from homeassistant.components.homeassistant.exposed_entities import (
    async_expose_entity,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component

from .conftest import setup_entry


@pytest.fixture
async def assist(hass, smartcar_entry):
    """The default conversation agent, with EV Battery's entities exposed."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await setup_entry(hass, smartcar_entry)
    for entity in er.async_entries_for_config_entry(
        er.async_get(hass), smartcar_entry.entry_id
    ):
        async_expose_entity(hass, "conversation", entity.entity_id, True)  # noqa: FBT003

    async def ask(text):
        result = await hass.services.async_call(
            "conversation",
            "process",
            {"text": text, "language": "en"},
            blocking=True,
            return_response=True,
        )
        await hass.async_block_till_done()
        response = result["response"]
        return response["response_type"], response["speech"]["plain"]["speech"]

    return ask


async def test_state_of_charge(assist):
    kind, speech = await assist("what is the Tesla Model 3 state of charge")
    assert kind == "query_answer"
    assert "42" in speech


async def test_range(assist):
    kind, speech = await assist("what is the Volkswagen ID.4 range")
    assert kind == "query_answer"
    assert "km" in speech


def has_plug_sentence():
    """Whether this Home Assistant's sentences ask "is <name> plugged in"."""
    intents = get_intents("en")
    return "bs_plug_states" in json.dumps(intents)


async def test_is_it_plugged_in(assist):
    if has_plug_sentence():  # Home Assistant 2025.x
        yes = await assist("is the Tesla Model 3 charging cable plugged in")
        no = await assist("is the Volkswagen ID.4 charging cable plugged in")
    else:  # Home Assistant 2026.x has no plug phrase: the generic one
        yes = await assist("is the Tesla Model 3 charging cable on")
        no = await assist("is the Volkswagen ID.4 charging cable on")
    assert yes == ("query_answer", "Yes")
    assert no[0] == "query_answer"
    assert no[1].startswith("No")


async def test_is_it_charging(assist):
    kind, speech = await assist("is the Tesla Model 3 charging")
    assert kind == "query_answer"
    # 2025.x answers from the binary sensor named after the car, 2026.x from
    # the switch "Tesla Model 3 Charging": both say it is charging.
    assert speech in {"Yes", "Tesla model 3 charging is on"}
    kind, speech = await assist("is the Volkswagen ID.4 charging")
    assert kind == "query_answer"
    assert speech.startswith("No") or speech.endswith("is off")


async def test_stop_and_start_charging(assist, sim):
    kind, _ = await assist("turn off Tesla Model 3 charging")
    assert kind == "action_done"
    car = await sim.control("GET", "/vehicles/tesla-model-3")
    assert car["charging"] is False
    kind, _ = await assist("turn on Tesla Model 3 charging")
    assert kind == "action_done"
    car = await sim.control("GET", "/vehicles/tesla-model-3")
    assert car["charging"] is True
