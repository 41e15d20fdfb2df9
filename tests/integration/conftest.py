"""Fixtures: real Home Assistant, the integration, and the simulator on loopback."""

import json
import logging
import time
from datetime import timedelta
from typing import Any

import pytest
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.ev_battery.const import DOMAIN, SIMULATOR_ENV
from tests.api.conftest import EE_CLIENT_ID, EE_CLIENT_SECRET, evenergy_token
from tests.simulator.conftest import (
    SC_CLIENT_ID,
    SC_CLIENT_SECRET,
    SC_USER,
    scenario,
    sim,
    smartcar_token,
)

__all__ = ["scenario", "sim"]

EE_USER = "user01HVMNMT00PKFFG8BWNPQ2DN6T"
SC_SCOPES = [
    "read_vehicle_info",
    "read_vin",
    "read_battery",
    "read_charge",
    "control_charge",
    "read_charge_records",
]


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots with Home Assistant's serializer."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/ev_battery."""


@pytest.fixture(autouse=True)
def no_deprecation_reports(caplog: pytest.LogCaptureFixture):
    """Fail when Home Assistant reports deprecated use by this integration."""
    yield
    bad = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING
        and (
            "deprecat" in record.getMessage().lower()
            or "will stop working" in record.getMessage()
        )
        and "ev_battery" in record.getMessage()
    ]
    assert not bad, bad


@pytest.fixture(autouse=True)
def simulator_urls(sim, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the integration at the simulator."""
    monkeypatch.setenv(SIMULATOR_ENV, sim.url("").rstrip("/"))


@pytest.fixture
async def credentials(hass: HomeAssistant) -> None:
    """One application credential per provider."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass,
        DOMAIN,
        ClientCredential(SC_CLIENT_ID, SC_CLIENT_SECRET, "Smartcar"),
        "sc_cred",
    )


@pytest.fixture
async def ee_credentials(hass: HomeAssistant) -> None:
    """The ev.energy credential (alone)."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass,
        DOMAIN,
        ClientCredential(EE_CLIENT_ID, EE_CLIENT_SECRET, "ev.energy"),
        "ee_cred",
    )


def token_data(
    token: dict[str, Any], *, expires_at: float | None = None
) -> dict[str, Any]:
    """Entry token data as Home Assistant stores it."""
    return {
        **token,
        "expires_at": expires_at
        if expires_at is not None
        else time.time() + token["expires_in"],
    }


@pytest.fixture
def smartcar_scopes() -> list[str]:
    """The permissions the Smartcar entry was granted."""
    return list(SC_SCOPES)


@pytest.fixture
async def smartcar_entry(hass, sim, credentials, smartcar_scopes) -> MockConfigEntry:
    """A Smartcar entry with a real token from the simulator."""
    token = await smartcar_token(sim, scope=" ".join(smartcar_scopes))
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Smartcar",
        unique_id=f"smartcar_{SC_USER}",
        data={
            "auth_implementation": "sc_cred",
            "token": token_data(token),
            "provider": "smartcar",
            "read_odometer": False,
            "scopes": smartcar_scopes,
        },
    )
    entry.add_to_hass(hass)
    return entry


async def add_evenergy_entry(
    hass: HomeAssistant, sim: Any, **data: Any
) -> MockConfigEntry:
    """An ev.energy entry with a real token from the simulator, ``data`` added."""
    token = await evenergy_token(sim)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="ev.energy",
        unique_id=f"evenergy_{EE_USER}",
        data={
            "auth_implementation": "ee_cred",
            "token": token_data(token),
            "provider": "evenergy",
            **data,
        },
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def evenergy_entry(hass, sim, ee_credentials) -> MockConfigEntry:
    """An ev.energy entry with a real token from the simulator."""
    return await add_evenergy_entry(hass, sim)


@pytest.fixture
async def ha_url(hass: HomeAssistant, hass_client_no_auth: Any) -> str:
    """Home Assistant's HTTP server on a loopback port (providers deliver there).

    The integration (and the webhook component) register their views first:
    a started server takes no new routes.
    """
    assert await async_setup_component(hass, DOMAIN, {})
    client = await hass_client_no_auth()
    url = str(client.make_url("")).rstrip("/")
    await hass.config.async_update(internal_url=url)
    return url


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the entry up and wait."""
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def poll(hass: HomeAssistant, freezer: Any) -> None:
    """Let the next scheduled poll (90 minutes for Smartcar) run."""
    freezer.tick(timedelta(minutes=91))
    async_fire_time_changed(hass, dt_util.utcnow())
    # Coordinator polls run as background tasks.
    await hass.async_block_till_done(wait_background_tasks=True)


def vehicle_device(
    hass: HomeAssistant, entry: MockConfigEntry, vehicle_id: str
) -> dr.DeviceEntry | None:
    """The entry's device of a vehicle (no deprecated registry look-up)."""
    registry = dr.async_get(hass)
    return next(
        (
            device
            for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
            if (DOMAIN, vehicle_id) in device.identifiers
        ),
        None,
    )


# What an entity's snapshot holds: the registry fields this integration sets,
# and its state. Home Assistant's own registry snapshot changes shape between
# releases (new fields, sets turned lists), so the snapshot is taken of these
# alone and stays one file for every tested version.
SNAPSHOT_REGISTRY_FIELDS = (
    "unique_id",
    "translation_key",
    "original_name",
    "original_device_class",
    "original_icon",
    "entity_category",
    "unit_of_measurement",
    "capabilities",
    "supported_features",
    "disabled_by",
    "hidden_by",
)


def entity_snapshots(hass: HomeAssistant, entry_id: str) -> dict[str, Any]:
    """Registry fields and state of each of an entry's entities, as plain JSON."""
    registry = er.async_get(hass)
    out: dict[str, Any] = {}
    for entity in sorted(
        er.async_entries_for_config_entry(registry, entry_id),
        key=lambda entity: entity.entity_id,
    ):
        state = hass.states.get(entity.entity_id)
        out[entity.entity_id] = {
            **{field: getattr(entity, field) for field in SNAPSHOT_REGISTRY_FIELDS},
            "state": state.state if state else None,
            "attributes": dict(state.attributes) if state else None,
        }
    # Enums become their values, mappings plain dicts.
    return json.loads(json.dumps(out, default=str))
