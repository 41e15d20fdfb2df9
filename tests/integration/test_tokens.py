"""Token endpoint faults: only a refused grant or client means signing in again."""

import time

import pytest
from homeassistant import exceptions as ha_exceptions
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import SERVICE_TURN_OFF

from custom_components.ev_battery import token_request
from tests.simulator.conftest import TESLA

from .conftest import setup_entry, token_data

TOKEN_PATHS = {
    "smartcar": "/smartcar/auth/oauth/token",
    "evenergy": "/evenergy/o/token",
}

# Temporary token endpoint answers: each must mean "retry later".
TEMPORARY = [
    pytest.param({"error": "rate_limited", "status": 429}, id="429"),
    pytest.param({"error": "server_error", "status": 503}, id="503"),
    pytest.param({"error": "invalid_request", "status": 400}, id="400-other"),
    pytest.param({"kind": "html_502"}, id="html"),
    pytest.param({"kind": "non_json"}, id="non-json"),
    pytest.param({"kind": "truncated"}, id="truncated"),
    pytest.param({"kind": "disconnect"}, id="disconnect"),
    pytest.param({"kind": "delay", "seconds": 2}, id="timeout"),
]


@pytest.fixture(params=["smartcar", "evenergy"])
def entry(request):
    """One entry of each provider."""
    return request.getfixturevalue(f"{request.param}_entry")


@pytest.fixture(autouse=True)
def short_token_timeout(monkeypatch):
    """A stalled token endpoint gives up after half a second here."""
    monkeypatch.setattr(token_request, "TOKEN_TIMEOUT", 0.5)


def expire_in_home_assistant(hass, entry):
    """Make Home Assistant think the access token has expired."""
    hass.config_entries.async_update_entry(
        entry,
        data={
            **entry.data,
            "token": token_data(entry.data["token"], expires_at=time.time() - 10),
        },
    )


async def token_fault(sim, entry, fault, **extra):
    await sim.control(
        "POST",
        "/faults",
        json={"path": TOKEN_PATHS[entry.data["provider"]], **fault, **extra},
    )


def reauth_flows(hass):
    return [
        flow
        for flow in hass.config_entries.flow.async_progress()
        if flow["context"]["source"] == "reauth"
    ]


@pytest.mark.parametrize("fault", TEMPORARY)
async def test_temporary_token_failure_at_setup_retries(hass, sim, entry, fault):
    expire_in_home_assistant(hass, entry)
    await token_fault(sim, entry, fault)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert reauth_flows(hass) == []


@pytest.mark.parametrize("fault", TEMPORARY)
async def test_temporary_token_failure_at_poll_keeps_polling(hass, sim, entry, fault):
    await setup_entry(hass, entry)
    coordinator = next(iter(entry.runtime_data.coordinators.values()))
    before = coordinator.data.soc
    expire_in_home_assistant(hass, entry)
    await token_fault(sim, entry, fault, count=1)
    await coordinator.async_refresh()
    assert coordinator.last_update_success is False
    assert reauth_flows(hass) == []
    assert entry.state is ConfigEntryState.LOADED
    if fault.get("kind") == "truncated":
        # The provider did rotate the refresh token, but its answer was lost:
        # nothing can recover that token, so signing in again is the honest end.
        return
    await coordinator.async_refresh()
    assert coordinator.last_update_success is True
    assert coordinator.data.soc == before
    assert entry.data["token"]["expires_at"] > time.time()


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"error": "invalid_grant", "status": 400}, id="invalid_grant"),
        pytest.param({"error": "invalid_client", "status": 401}, id="invalid_client"),
    ],
)
async def test_refused_grant_or_client_starts_reauth(hass, sim, entry, fault):
    expire_in_home_assistant(hass, entry)
    await token_fault(sim, entry, fault)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass)) == 1


async def test_api_refusing_a_valid_token_refreshes_once(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    old = smartcar_entry.data["token"]["access_token"]
    # The provider expires its tokens early: Home Assistant still thinks
    # the token is good for two hours.
    await sim.control("POST", "/smartcar/tokens/expire")
    coordinator = smartcar_entry.runtime_data.coordinators[TESLA]
    await coordinator.async_refresh()
    assert coordinator.last_update_success is True
    assert smartcar_entry.data["token"]["access_token"] != old
    assert reauth_flows(hass) == []
    log = await sim.control("GET", "/requests")
    paths = [entry["path"] for entry in log[-3:]]
    assert paths[0].endswith("/batch")
    assert paths[1].endswith("/oauth/token")
    assert paths[2].endswith("/batch")


async def test_command_after_early_expiry_succeeds(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    await sim.control("POST", "/smartcar/tokens/expire")
    await hass.services.async_call(
        "switch",
        SERVICE_TURN_OFF,
        {"entity_id": "switch.tesla_model_3_charging"},
        blocking=True,
    )
    state = await sim.control("GET", "/vehicles/tesla-model-3")
    assert state["charging"] is False
    assert reauth_flows(hass) == []


async def test_second_refusal_starts_reauth(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    await sim.control(
        "POST",
        "/faults",
        json={"path": "/batch$", "error": "AUTHENTICATION", "count": 2},
    )
    coordinator = smartcar_entry.runtime_data.coordinators[TESLA]
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert coordinator.last_update_success is False
    assert len(reauth_flows(hass)) == 1


async def test_unavailable_credential_retries(hass, sim, smartcar_entry, monkeypatch):
    # What each Home Assistant raises when the entry's credential cannot be
    # had right now: 2026 its ImplementationUnavailableError, before a ValueError.
    unavailable = getattr(
        ha_exceptions,
        "ImplementationUnavailableError",
        ValueError("Implementation not available"),
    )

    async def no_implementation(*_args):
        raise unavailable

    monkeypatch.setattr(
        "custom_components.ev_battery.async_get_config_entry_implementation",
        no_implementation,
    )
    await setup_entry(hass, smartcar_entry)
    assert smartcar_entry.state is ConfigEntryState.SETUP_RETRY
    assert "credential" in smartcar_entry.reason
    assert reauth_flows(hass) == []


async def test_removing_an_evenergy_entry_revokes_its_tokens(hass, sim, evenergy_entry):
    await setup_entry(hass, evenergy_entry)
    token = evenergy_entry.data["token"]
    await hass.config_entries.async_remove(evenergy_entry.entry_id)
    await hass.async_block_till_done()
    async with sim.http.get(
        sim.url("/evenergy/v2/vehicles"),
        headers={"Authorization": f"Bearer {token['access_token']}"},
    ) as resp:
        assert resp.status == 401
    async with sim.http.post(
        sim.url("/evenergy/o/token/"),
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": "ee-demo-client-id",
            "client_secret": "ee-demo-client-secret",
        },
    ) as resp:
        assert (await resp.json())["error"] == "invalid_grant"


async def test_a_failed_revocation_does_not_stop_the_removal(hass, sim, evenergy_entry):
    await setup_entry(hass, evenergy_entry)
    await sim.control(
        "POST", "/faults", json={"path": "/o/revoke_token", "kind": "html_502"}
    )
    await hass.config_entries.async_remove(evenergy_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.config_entries.async_get_entry(evenergy_entry.entry_id) is None
