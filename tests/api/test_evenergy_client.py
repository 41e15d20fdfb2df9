"""EvEnergyClient against the simulator over loopback HTTP."""

from datetime import UTC, datetime

import pytest

from custom_components.ev_battery.api import (
    EVApiError,
    EVAuthenticationError,
    EvEnergyClient,
    EvEnergyStatusLog,
    EVInvalidResponseError,
    EVNotFoundError,
    EVPermissionError,
    EVRateLimitError,
    EVServerError,
    EVTimeoutError,
    EVValidationError,
    EVVehicleStateError,
    IntegrationState,
    StaticToken,
)
from custom_components.ev_battery.api import evenergy as evenergy_module
from custom_components.ev_battery.api.evenergy import links

from .conftest import evenergy_token

KIA = "vhcl01JHKM51007XDJCD5HJG6PK4GW"
MG4 = "vhcl01JMGAEX002D41HZFCERTZ75KD"
MG4_TRIM = "trim01GTJC9D009AFJRKW24QV149G7"
USER = "user01HVMNMT00PKFFG8BWNPQ2DN6T"


async def test_vehicles_with_status_and_trim(evenergy):
    vehicles = await evenergy.get_vehicles()
    assert [v.id for v in vehicles] == [KIA, MG4]
    kia, mg4 = vehicles
    assert kia.integrated is IntegrationState.ACTIVE
    assert kia.maximum_charge_limit_percentage == 80
    assert kia.status.state_of_charge_percentage == 35
    assert kia.status.is_plugged_in is False
    assert kia.status.is_charging is False
    assert kia.battery_size_kwh == 77.4
    assert mg4.integrated is IntegrationState.UNINTEGRATED
    assert mg4.status is None
    assert mg4.trim_details.battery_size_kwh == 64.0
    assert evenergy.last_meta.rate_limit == 1000
    assert evenergy.last_meta.rate_limit_remaining < 1000
    assert evenergy.last_meta.api_version == "2"


async def test_paging_follows_links(evenergy, monkeypatch):
    monkeypatch.setattr(evenergy_module, "EVENERGY_PAGE_SIZE", 1)
    vehicles = await evenergy.get_vehicles(expand=())
    assert [v.id for v in vehicles] == [KIA, MG4]
    assert isinstance(vehicles[0].latest_status_log, str)
    assert vehicles[0].status is None
    trims = await evenergy.get_trims()
    assert len(trims) == 5
    assert {t.battery_size_watt_hours for t in trims} >= {77400, 64000}


async def test_latest_status_log_by_url_and_clock(evenergy, sim):
    vehicle = await evenergy.get_vehicle(KIA, expand=())
    log = await evenergy.get_latest_status_log(vehicle)
    assert isinstance(log, EvEnergyStatusLog)
    assert log.state_of_charge_percentage == 35
    assert log.sampled_at <= log.logged_at
    expanded = await evenergy.get_vehicle(KIA)
    assert await evenergy.get_latest_status_log(expanded) is expanded.status
    mg4 = await evenergy.get_vehicle(MG4)
    assert await evenergy.get_latest_status_log(mg4) is None

    await sim.control("POST", "/vehicles/ee-kia-ev6/plug")
    await sim.control("POST", "/clock/advance", json={"seconds": 3600})
    charging = (await evenergy.get_vehicle(KIA)).status
    assert charging.is_plugged_in is True
    assert charging.is_charging is True
    assert charging.state_of_charge_percentage > 35
    assert charging.charge_rate_watts == 7400


async def test_charge_limit(evenergy, sim):
    vehicle = await evenergy.set_charge_limit(KIA, 90)
    assert vehicle.maximum_charge_limit_percentage == 90
    state = await sim.control("GET", "/vehicles/ee-kia-ev6")
    assert state["charge_limit"] == 0.9
    cleared = await evenergy.set_charge_limit(KIA, None)
    assert cleared.maximum_charge_limit_percentage is None
    for bad in (49, 101):
        with pytest.raises(EVValidationError) as err:
            await evenergy.set_charge_limit(KIA, bad)
        assert "maximum_charge_limit_percentage" in err.value.field_errors


async def test_sub_sessions(evenergy, sim):
    sessions = await evenergy.get_charging_sub_sessions(KIA)
    assert len(sessions) == 2
    assert sessions[0].start > sessions[1].start
    assert sessions[0].energy_kwh == pytest.approx(29.6)
    assert sessions[0].end is not None
    recent = await evenergy.get_charging_sub_sessions(
        KIA, since=datetime(2026, 10, 30, tzinfo=UTC)
    )
    assert len(recent) == 1
    older = await evenergy.get_charging_sub_sessions(
        KIA, until=datetime(2026, 10, 30, tzinfo=UTC)
    )
    assert len(older) == 1
    assert await evenergy.get_charging_sub_sessions(MG4) == []


@pytest.fixture(params=["seed", "2026"])
def era(request, scenario):
    scenario["evenergy"]["era"] = request.param
    return request.param


async def test_create_unintegrated_vehicle_and_catalogue(era, evenergy):
    # One body (model, trim, user, battery size) that both eras accept.
    trim = await evenergy.get_trim(MG4_TRIM)
    user = await evenergy.get_current_user()
    assert user.id == USER
    assert user.email == "driver@example.com"
    assert isinstance(trim.model, str)
    vehicle = await evenergy.create_unintegrated_vehicle(
        model_url=trim.model,
        user_url=user.url,
        trim_url=trim.url,
        battery_size_watt_hours=trim.battery_size_watt_hours,
    )
    assert vehicle.integrated is IntegrationState.UNINTEGRATED
    assert vehicle.battery_size_kwh == 64.0
    assert vehicle.trim_details.id == MG4_TRIM  # the visible trim with that battery
    if era == "2026":
        assert vehicle.smart_charging_enabled is True
        assert vehicle.effective_battery_size_watt_hours == 64000
    else:
        assert vehicle.smart_charging_enabled is None
    assert len(await evenergy.get_vehicles()) == 3
    with pytest.raises(EVValidationError) as err:
        await evenergy.create_unintegrated_vehicle(
            model_url="https://nowhere/model",
            user_url=user.url,
            trim_url="https://nowhere/trim",
        )
    assert set(err.value.field_errors) == {"model" if era == "2026" else "trim"}


async def test_create_with_the_model_alone(evenergy):
    """The 2026 API: a model and a battery size the catalogue lacks."""
    trim = await evenergy.get_trim(MG4_TRIM)
    user = await evenergy.get_current_user()
    vehicle = await evenergy.create_unintegrated_vehicle(
        model_url=trim.model, user_url=user.url, battery_size_watt_hours=70000
    )
    assert vehicle.battery_size_kwh == 70.0
    assert vehicle.trim_details.battery_size_watt_hours == 70000
    assert vehicle.trim_details.id != MG4_TRIM  # a hidden trim made for it


async def test_errors(evenergy, sim):
    with pytest.raises(EVNotFoundError):
        await evenergy.get_vehicle("vhcl00000000000000000000000000")
    await sim.control(
        "POST", "/faults", json={"path": "/vehicles", "status": 500, "count": 1}
    )
    with pytest.raises(EVServerError):
        await evenergy.get_vehicles()
    await sim.control(
        "POST", "/faults", json={"path": "/vehicles", "status": 409, "count": 1}
    )
    with pytest.raises(EVVehicleStateError):
        await evenergy.get_vehicles()
    await sim.control(
        "POST", "/faults", json={"path": "/vehicles", "status": 418, "count": 1}
    )
    with pytest.raises(EVApiError) as err:
        await evenergy.get_vehicles()
    assert type(err.value) is EVApiError
    await sim.control(
        "POST", "/faults", json={"path": "/vehicles", "kind": "html_502", "count": 1}
    )
    with pytest.raises(EVServerError) as err:
        await evenergy.get_vehicles()
    assert "502" in err.value.raw
    await sim.control(
        "POST", "/faults", json={"path": "/vehicles", "kind": "truncated", "count": 1}
    )
    with pytest.raises(EVInvalidResponseError):
        await evenergy.get_vehicles()
    await sim.control(
        "POST",
        "/faults",
        json={"path": "/vehicles/vhcl", "kind": "non_json", "count": 1},
    )
    with pytest.raises(EVInvalidResponseError):
        await evenergy.get_vehicle(KIA)


async def test_rate_limit(sim):
    await sim.control("PUT", "/evenergy/settings", json={"rate_limit_per_hour": 3})
    token = await evenergy_token(sim)
    client = EvEnergyClient(
        StaticToken(token["access_token"]),
        session=sim.http,
        base_url=sim.url("/evenergy"),
    )
    for _ in range(3):
        await client.get_users()
    with pytest.raises(EVRateLimitError) as err:
        await client.get_users()
    assert err.value.retry_after > 0
    assert client.last_meta.rate_limit_remaining == 0


async def test_token_and_scope_rejection(sim):
    bad = EvEnergyClient(
        StaticToken("nope"), session=sim.http, base_url=sim.url("/evenergy")
    )
    with pytest.raises(EVAuthenticationError):
        await bad.get_vehicles()
    token = await evenergy_token(sim, scope="user:read")
    limited = EvEnergyClient(
        StaticToken(token["access_token"]),
        session=sim.http,
        base_url=sim.url("/evenergy"),
    )
    with pytest.raises(EVPermissionError) as err:
        await limited.get_vehicles()
    assert err.value.permission == "vehicle:read"


async def test_timeout_and_user_header(sim):
    token = await evenergy_token(sim)
    client = EvEnergyClient(
        StaticToken(token["access_token"]),
        session=sim.http,
        base_url=sim.url("/evenergy"),
        request_timeout=0.1,
        user=USER,
    )
    await sim.control("DELETE", "/requests")
    await client.get_users()
    log = await sim.control("GET", "/requests")
    assert log[0]["headers"]["EvEnergy-User"] == USER
    assert log[0]["headers"]["EvEnergy-Version"] == "2"
    await sim.control(
        "POST",
        "/faults",
        json={"path": "/users", "kind": "delay", "seconds": 0.5, "count": 1},
    )
    with pytest.raises(EVTimeoutError):
        await client.get_users()


async def test_context_manager_closes_own_session(socket_enabled):
    async with EvEnergyClient(
        StaticToken("x"), base_url="http://127.0.0.1:9"
    ) as client:
        pass
    assert client._http._session is None


def test_link_parsing():
    header = (
        '<about:blank>; rel="previous", '
        '<https://x/v2/vehicles?page_after=a>; rel="next"'
    )
    assert links(header) == {
        "previous": None,
        "next": "https://x/v2/vehicles?page_after=a",
    }
    assert links(None) == {"previous": None, "next": None}


async def test_odd_answers(odd_api):
    smartcar, answers = odd_api
    client = smartcar.evenergy
    answers["/v2/users"] = (200, [], {"X-RateLimit-Limit": "lots"})
    with pytest.raises(EVNotFoundError):
        await client.get_current_user()
    assert client.last_meta.rate_limit is None
    answers["/v2/vehicles"] = (200, {"results": []}, {})
    with pytest.raises(EVInvalidResponseError):
        await client.get_vehicles()
    answers["/v2/vehicles"] = (
        200,
        [{"id": "v", "url": "u", "integrated": "SOMETHING_NEW", "trim": "t"}],
        {},
    )
    vehicle = (await client.get_vehicles())[0]
    assert vehicle.integrated is IntegrationState.UNKNOWN
    assert vehicle.battery_size_kwh is None
    answers["/v2/vehicles/v"] = (400, {"title": "Bad", "field_errors": "x"}, {})
    with pytest.raises(EVValidationError) as err:
        await client.get_vehicle("v")
    assert err.value.field_errors == {}


async def test_ids_are_one_escaped_path_segment(evenergy, sim):
    await sim.control("DELETE", "/requests")
    with pytest.raises(EVNotFoundError):
        await evenergy.get_trim("../users")
    # One request, to the trims collection (the log shows the decoded path):
    # the escaped id did not climb to /v2/users.
    log = await sim.control("GET", "/requests")
    assert [entry["path"] for entry in log] == ["/evenergy/v2/vehicle_trims/../users"]
    for empty in ("", ".", ".."):
        with pytest.raises(EVValidationError):
            await evenergy.get_vehicle(empty)


async def test_charge_limit_must_be_finite(evenergy):
    for value in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(EVValidationError):
            await evenergy.set_charge_limit("vhcl01JHKM51007XDJCD5HJG6PK4GW", value)
