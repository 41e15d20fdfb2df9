"""The config flow: provider choice, OAuth2 via the simulator, reauth, reconfigure."""

import re
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.data_entry_flow import FlowResultType

from custom_components.ev_battery.const import DOMAIN
from tests.simulator.conftest import SC_USER

from .conftest import EE_USER, setup_entry

REDIRECT = "https://example.com/auth/external/callback"


async def authorize(sim, url: str, user: str = "driver@example.com") -> dict[str, str]:
    """Approve at the simulator's authorize page; the redirect's query."""
    await sim.control("PUT", "/config", json={"auto_approve": user})
    async with sim.http.get(url, allow_redirects=False) as resp:
        assert resp.status == 302, await resp.text()
        location = resp.headers["Location"]
    await sim.control("PUT", "/config", json={"auto_approve": None})
    assert location.startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def run_oauth(hass, sim, hass_client_no_auth, result, user="driver@example.com"):
    """From the external step to the flow's result."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    query = await authorize(sim, result["url"], user)
    client = await hass_client_no_auth()
    resp = await client.get(
        f"/auth/external/callback?code={query['code']}&state={query['state']}"
    )
    assert resp.status == 200
    with patch("custom_components.ev_battery.async_setup_entry", return_value=True):
        return await hass.config_entries.flow.async_configure(result["flow_id"])


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_smartcar_full_flow(hass, sim, hass_client_no_auth):
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": "smartcar", "read_odometer": True}
    )
    url = urlsplit(result["url"])
    query = parse_qs(url.query)
    assert url.path == "/smartcar/connect/oauth/authorize"
    assert query["client_id"] == ["sc-demo-client-id"]
    assert query["redirect_uri"] == [REDIRECT]
    assert query["approval_prompt"] == ["auto"]
    assert query["scope"][0].split() == [
        "read_vehicle_info",
        "read_vin",
        "read_battery",
        "read_charge",
        "control_charge",
        "read_charge_records",
        "read_odometer",
    ]
    assert "code_challenge" not in query
    result = await run_oauth(hass, sim, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Smartcar"
    entry = result["result"]
    assert entry.unique_id == f"smartcar_{SC_USER}"
    assert entry.data["provider"] == "smartcar"
    assert entry.data["read_odometer"] is True
    assert "read_odometer" in entry.data["scopes"]
    assert entry.data["token"]["access_token"].startswith("scat_")


@pytest.mark.usefixtures("current_request_with_host", "ee_credentials")
async def test_evenergy_full_flow_with_pkce(hass, sim, hass_client_no_auth):
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": "evenergy"}
    )
    query = parse_qs(urlsplit(result["url"]).query)
    assert urlsplit(result["url"]).path == "/evenergy/o/authorize/"
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"][0].split() == [
        "vehicle:read",
        "vehicle:write",
        "user:read",
        "charging_session:read",
        "charging_session:write",
    ]
    result = await run_oauth(hass, sim, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "ev.energy"
    assert result["result"].unique_id == f"evenergy_{EE_USER}"


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_same_account_twice_aborts(
    hass, sim, hass_client_no_auth, smartcar_entry
):
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": "smartcar"}
    )
    result = await run_oauth(hass, sim, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_account_lookup_failures_abort(hass, sim, hass_client_no_auth):
    for fault, reason in (
        ({"error": "AUTHENTICATION"}, "oauth_unauthorized"),
        ({"kind": "html_502"}, "cannot_connect"),
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"provider": "smartcar"}
        )
        await sim.control(
            "POST", "/faults", json={"path": "/v2.0/user$", "count": 1, **fault}
        )
        result = await run_oauth(hass, sim, hass_client_no_auth, result)
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == reason


@pytest.mark.usefixtures("current_request_with_host", "ee_credentials")
async def test_reauth_same_account(hass, sim, hass_client_no_auth, smartcar_entry):
    # Two credentials exist; reauth uses the entry's own without asking.
    old_token = smartcar_entry.data["token"]["access_token"]
    result = await smartcar_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert parse_qs(urlsplit(result["url"]).query)["approval_prompt"] == ["force"]
    result = await run_oauth(hass, sim, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert smartcar_entry.data["token"]["access_token"] != old_token


@pytest.mark.usefixtures("current_request_with_host")
async def test_reauth_other_account_aborts(
    hass, sim, hass_client_no_auth, smartcar_entry
):
    old_token = smartcar_entry.data["token"]["access_token"]
    result = await smartcar_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await run_oauth(
        hass, sim, hass_client_no_auth, result, user="other@example.com"
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert smartcar_entry.data["token"]["access_token"] == old_token


async def test_reconfigure_smartcar_allowance(hass, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    result = await smartcar_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure_smartcar"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"monthly_calls": 5000}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert smartcar_entry.data["monthly_calls"] == 5000
    coordinator = next(iter(smartcar_entry.runtime_data.coordinators.values()))
    assert coordinator.budget.monthly_calls == 5000


async def test_reconfigure_evenergy_interval(hass, evenergy_entry):
    await setup_entry(hass, evenergy_entry)
    result = await evenergy_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_evenergy"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"scan_interval_minutes": 15}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    coordinator = next(iter(evenergy_entry.runtime_data.coordinators.values()))
    assert coordinator.update_interval.total_seconds() == 900


async def consent_with_no_vehicle(sim, url: str) -> dict[str, str]:
    """Sign in on the simulator's page and allow without ticking a vehicle."""
    async with sim.http.get(url) as resp:
        page = await resp.text()
    request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)
    action = re.search(r'action="([^"]+)"', page).group(1)
    async with sim.http.post(
        sim.url(action),
        data={
            "request_id": request_id,
            "step": "login",
            "username": "driver@example.com",
            "password": "demo",
        },
    ) as resp:
        assert 'name="vehicle"' in await resp.text()
    async with sim.http.post(
        sim.url(action),
        data={"request_id": request_id, "step": "approve"},
        allow_redirects=False,
    ) as resp:
        location = resp.headers["Location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_consent_without_vehicles_aborts(hass, sim, hass_client_no_auth):
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": "smartcar"}
    )
    query = await consent_with_no_vehicle(sim, result["url"])
    client = await hass_client_no_auth()
    resp = await client.get(
        f"/auth/external/callback?code={query['code']}&state={query['state']}"
    )
    assert resp.status == 200
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_vehicles"
    assert hass.config_entries.async_entries(DOMAIN) == []


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_a_credential_of_the_other_provider_is_caught(hass, sim):
    # Only the Smartcar credential exists, and ev.energy is chosen.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": "evenergy"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_credential"
    assert result["description_placeholders"]["provider"] == "ev.energy"
    assert result["description_placeholders"]["credential"] == "Smartcar"


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_the_credential_check_never_blocks_when_it_cannot_tell(hass, sim):
    await sim.control(
        "POST", "/faults", json={"path": "/oauth/token", "kind": "html_502"}
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": "smartcar"}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
