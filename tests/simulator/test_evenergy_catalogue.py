"""ev.energy catalogue (trims, models, makes), users, and the 2026 era."""

from __future__ import annotations

import pytest
from yarl import URL

from .test_evenergy_support import (
    DRIVER,
    KIA,
    MAKE_KIA,
    MG4,
    MODEL_EV6,
    OTHER,
    TRIM_EV6,
    access,
    call,
    cc_access,
    links,
)

MODEL_MG4 = "vmod01GR7PRJ006M8WW54F2PFB74N2"


def v2(sim, path):
    return sim.url(f"/evenergy/v2/{path}")


@pytest.fixture
def seed_era(scenario):
    scenario["evenergy"]["era"] = "seed"


async def test_trims(seed_era, sim):
    token = await access(sim)
    listed = await call(sim, "GET", "/v2/vehicle_trims", token)
    assert listed.status == 200
    assert len(listed.body) == 5
    assert (await call(sim, "GET", "/v2/vehicle_trims")).status == 401
    trim = await call(
        sim, "GET", f"/v2/vehicle_trims/{TRIM_EV6}/?expand=model.make", token
    )
    assert trim.body == {
        "id": TRIM_EV6,
        "url": v2(sim, f"vehicle_trims/{TRIM_EV6}/"),
        "name": "GT-Line Long Range (77.4 kWh)",
        "model": {
            "id": MODEL_EV6,
            "url": v2(sim, f"vehicle_models/{MODEL_EV6}/"),
            "name": "EV6",
            "make": {
                "id": MAKE_KIA,
                "url": v2(sim, f"vehicle_makes/{MAKE_KIA}/"),
                "name": "Kia",
                "icon": None,
                "onboarding_url": v2(sim, f"vehicle_onboarding?make_id={MAKE_KIA}"),
                "models": v2(sim, f"vehicle_models/?make_id={MAKE_KIA}"),
            },
            "onboarding_url": v2(sim, f"vehicle_onboarding?model_id={MODEL_EV6}"),
            "trims": v2(sim, f"vehicle_trims/?model_id={MODEL_EV6}"),
        },
        "battery_size_watt_hours": 77400,
        "onboarding_url": v2(sim, f"vehicle_onboarding?trim_id={TRIM_EV6}"),
    }
    filtered = await call(sim, "GET", f"/v2/vehicle_trims?model_id={MODEL_MG4}", token)
    assert [t["name"] for t in filtered.body] == ["Long Range (64 kWh)", "SE (51 kWh)"]
    assert all(t["onboarding_url"] is None for t in filtered.body)  # MG: not integrable
    ordered = await call(
        sim, "GET", f"/v2/vehicle_trims?model_id={MODEL_MG4}&ordering=name", token
    )
    assert [t["name"] for t in ordered.body] == ["Long Range (64 kWh)", "SE (51 kWh)"]
    reverse = await call(
        sim, "GET", f"/v2/vehicle_trims?model_id={MODEL_MG4}&ordering=-name", token
    )
    assert [t["name"] for t in reverse.body] == ["SE (51 kWh)", "Long Range (64 kWh)"]
    missing = await call(
        sim, "GET", "/v2/vehicle_trims/trim00000000000000000000000000", token
    )
    assert missing.status == 404


async def test_paging_by_name_follows_exact_cursors(sim):
    token = await access(sim)
    seen = []
    query = "ordering=-name&page_size=2"
    while True:
        answer = await call(sim, "GET", f"/v2/vehicle_trims?{query}", token)
        seen += [t["name"] for t in answer.body]
        nxt = links(answer.headers["Link"])["next"]
        if nxt == "about:blank":
            break
        query = URL(nxt).query_string
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == 5


async def test_models_and_makes_are_public(sim):
    models = await call(sim, "GET", "/v2/vehicle_models")
    assert models.status == 200
    assert [m["name"] for m in models.body] == ["EV6", "MG4", "Zoe"]
    assert models.headers["X-RateLimit-Limit"] == "50"
    by_make = await call(
        sim, "GET", f"/v2/vehicle_models?make_id={MAKE_KIA}&expand=make"
    )
    assert by_make.body[0]["make"]["name"] == "Kia"
    one = await call(sim, "GET", f"/v2/vehicle_models/{MODEL_EV6}")
    assert one.body["name"] == "EV6"
    makes = await call(sim, "GET", "/v2/vehicle_makes?ordering=-name")
    assert [m["name"] for m in makes.body] == ["Renault", "MG", "Kia"]
    make = await call(sim, "GET", f"/v2/vehicle_makes/{MAKE_KIA}/")
    assert make.body["name"] == "Kia"
    for path in (
        "/v2/vehicle_models/vmod00000000000000000000000000",
        "/v2/vehicle_makes/vmak00000000000000000000000000",
    ):
        assert (await call(sim, "GET", path)).status == 404
    # An invalid token on a public endpoint is anonymous (django-oauth-toolkit).
    assert (await call(sim, "GET", "/v2/vehicle_makes", "bad")).status == 200
    token = await access(sim)
    counted = await call(sim, "GET", "/v2/vehicle_makes", token)
    assert counted.headers["X-RateLimit-Limit"] == "1000"


async def test_users_for_an_auth_code_token(sim):
    token = await access(sim)
    listed = await call(sim, "GET", "/v2/users", token)
    assert [u["id"] for u in listed.body] == [DRIVER]
    user = listed.body[0]
    assert user["email"] == "driver@example.com"
    assert user["full_name"] == "Dana Driver"
    assert user["joined_at"] == "2024-04-17T09:39:45.000000Z"
    assert user["vehicles"] == [
        v2(sim, f"vehicles/{KIA}/"),
        v2(sim, f"vehicles/{MG4}/"),
    ]
    assert user["default_location"]["postal_code"] == "N1 9GU"
    assert "current_carbon_intensity_grams_per_kilowatt_hour" not in user
    me = await call(sim, "GET", "/v2/users/me", token)
    assert me.body["id"] == DRIVER
    assert me.body["current_carbon_intensity_grams_per_kilowatt_hour"] == 142
    assert (await call(sim, "GET", f"/v2/users/{DRIVER}/", token)).status == 200
    assert (await call(sim, "GET", f"/v2/users/{OTHER}", token)).status == 404
    expanded = await call(sim, "GET", "/v2/users?expand=default_location.tariff", token)
    assert expanded.body[0]["default_location"]["tariff"] is None


async def test_users_for_client_credentials(sim):
    token = await cc_access(sim)
    listed = await call(sim, "GET", "/v2/users", token)
    assert [u["id"] for u in listed.body] == [DRIVER, OTHER]
    by_email = await call(sim, "GET", "/v2/users?email=OTHER@example.com", token)
    assert [u["id"] for u in by_email.body] == [OTHER]
    assert (await call(sim, "GET", f"/v2/users/{OTHER}", token)).status == 200
    me = await call(sim, "GET", "/v2/users/me", token)
    assert me.status == 400
    as_other = await call(sim, "GET", "/v2/users/me", token, {"EvEnergy-User": OTHER})
    assert as_other.body["id"] == OTHER


@pytest.fixture
def era_2026(scenario):
    scenario["evenergy"]["era"] = "2026"


async def test_2026_vehicle_and_status_log_fields(era_2026, sim):
    token = await access(sim)
    answer = await call(
        sim, "GET", f"/v2/vehicles/{KIA}?expand=latest_status_log", token
    )
    body = answer.body
    assert body["battery_size_watt_hours"] == 77400
    assert body["effective_battery_size_watt_hours"] == round(
        77400 * (1 - 0.03 * 0.2184)
    )
    assert body["description"] == ""
    assert body["disabled"] is False
    assert body["smart_charging_enabled"] is True
    assert body["vehicle_class"] == "PASSENGER"
    log = body["latest_status_log"]
    assert log["charge_level_watt_hours"] == round(0.35 * 77400)
    assert log["target_charge_level_percentage"] == 80
    assert log["odometer_meters"] == 21840000
    assert log["state"] == "STATIONARY"
    assert log["is_complete"] is False
    assert log["minutes_to_full_charge"] is None
    assert log["current_type"] == "AC - Typically home chargers"
    await sim.control("POST", "/vehicles/ee-kia-ev6/plug")
    charging = await call(
        sim, "GET", f"/v2/vehicles/{KIA}?expand=latest_status_log", token
    )
    log = charging.body["latest_status_log"]
    assert log["state"] == "PLUGGED_IN_CHARGING"
    assert log["minutes_to_full_charge"] > 0
    mg4 = await call(sim, "GET", f"/v2/vehicles/{MG4}", token)
    assert mg4.body["battery_size_watt_hours"] == 64000
    model = await call(sim, "GET", f"/v2/vehicle_models/{MODEL_EV6}")
    assert model.body["vehicle_trims"].endswith(f"?model_id={MODEL_EV6}")
    assert model.body["default_battery_size_watt_hours"] == 77400
    make = await call(sim, "GET", f"/v2/vehicle_makes/{MAKE_KIA}")
    assert make.body["subscription_name"] is None


async def test_2026_states(era_2026, sim):
    token = await access(sim)
    await sim.control("PATCH", "/vehicles/ee-kia-ev6", json={"charge_enabled": False})
    await sim.control("POST", "/vehicles/ee-kia-ev6/plug")
    await sim.control("PATCH", "/vehicles/ee-kia-ev6", json={"charge_enabled": False})
    log = (
        await call(sim, "GET", f"/v2/vehicles/{KIA}?expand=latest_status_log", token)
    ).body["latest_status_log"]
    assert log["state"] == "PLUGGED_IN_NOT_CHARGING"
    await sim.control("PATCH", "/vehicles/ee-kia-ev6", json={"soc": 0.8})
    sim.state.clock.advance(300)  # a raw state change is seen at the next checkpoint
    log = (
        await call(sim, "GET", f"/v2/vehicles/{KIA}?expand=latest_status_log", token)
    ).body["latest_status_log"]
    assert log["state"] == "PLUGGED_IN_COMPLETE"
    assert log["is_complete"] is True


async def test_2026_create_and_patch(era_2026, sim):
    token = await access(sim)
    model_url = v2(sim, f"vehicle_models/{MODEL_MG4}/")
    known = await call(
        sim,
        "POST",
        "/v2/vehicles",
        token,
        json={"model": model_url, "battery_size_watt_hours": 51000},
    )
    assert known.status == 201
    assert known.body["trim"].endswith("trim01GTMYP400A9BBYCZGWZMQRK6W/")
    custom = await call(
        sim,
        "POST",
        "/v2/vehicles?expand=trim",
        token,
        json={
            "model": model_url,
            "battery_size_watt_hours": 70000,
            "description": "Work car",
            "vehicle_class": "COMMERCIAL",
        },
    )
    assert custom.status == 201
    assert custom.body["trim"]["battery_size_watt_hours"] == 70000
    assert custom.body["trim"]["onboarding_url"] is None
    assert custom.body["description"] == "Work car"
    assert custom.body["vehicle_class"] == "COMMERCIAL"
    hidden = await call(sim, "GET", f"/v2/vehicle_trims?model_id={MODEL_MG4}", token)
    assert len(hidden.body) == 2  # custom trims are hidden from the list
    default = await call(sim, "POST", "/v2/vehicles", token, json={"model": model_url})
    assert default.body["battery_size_watt_hours"] == 64000
    vehicle_path = f"/v2/vehicles/{custom.body['id']}"
    patched = await call(
        sim,
        "PATCH",
        vehicle_path,
        token,
        json={
            "battery_size_watt_hours": 70004,
            "smart_charging_enabled": False,
            "vehicle_class": None,
        },
    )
    assert patched.status == 200
    assert patched.body["battery_size_watt_hours"] == 70000
    assert patched.body["smart_charging_enabled"] is False
    assert patched.body["vehicle_class"] is None


async def test_2026_create_without_trim_data_makes_a_custom_trim(era_2026, sim):
    token = await access(sim)
    sim.state.evenergy.catalogue.trims.clear()
    model_url = v2(sim, f"vehicle_models/{MODEL_MG4}/")
    created = await call(
        sim, "POST", "/v2/vehicles?expand=trim", token, json={"model": model_url}
    )
    assert created.status == 201
    assert created.body["trim"]["name"] == "Custom"
    assert created.body["trim"]["battery_size_watt_hours"] is None
    assert created.body["maximum_charge_limit_percentage"] is None
    model = await call(sim, "GET", f"/v2/vehicle_models/{MODEL_MG4}")
    assert model.body["default_battery_size_watt_hours"] == 45000


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"model": ["This field is required."]}),
        (
            {
                "model": "https://x/v2/vehicle_models/vmod00000000000000000000000000/",
                "battery_size_watt_hours": 999,
                "description": 5,
                "vehicle_class": "BUS",
            },
            {
                "model": ["Invalid hyperlink - Object does not exist."],
                "battery_size_watt_hours": [
                    "Ensure this value is greater than or equal to 1000."
                ],
                "description": ["Not a valid string."],
                "vehicle_class": ['"BUS" is not a valid choice.'],
            },
        ),
        (
            {
                "model": f"https://x/v2/vehicle_models/{MODEL_MG4}/",
                "description": "x" * 201,
            },
            {"description": ["Ensure this field has no more than 200 characters."]},
        ),
        (
            {
                "model": f"https://x/v2/vehicle_models/{MODEL_MG4}/",
                "user": f"https://x/v2/users/{OTHER}/",
            },
            {"user": ["Invalid hyperlink - Object does not exist."]},
        ),
    ],
)
async def test_2026_create_validation(era_2026, sim, body, errors):
    token = await access(sim)
    answer = await call(sim, "POST", "/v2/vehicles", token, json=body)
    assert answer.status == 400
    assert answer.body["field_errors"] == errors


async def test_2026_create_with_client_credentials_needs_user(era_2026, sim):
    token = await cc_access(sim)
    model_url = v2(sim, f"vehicle_models/{MODEL_MG4}/")
    answer = await call(
        sim,
        "POST",
        "/v2/vehicles",
        token,
        {"EvEnergy-User": DRIVER},
        json={"model": model_url},
    )
    assert answer.body["field_errors"] == {"user": ["This field is required."]}
    answer = await call(
        sim,
        "POST",
        "/v2/vehicles",
        token,
        {"EvEnergy-User": DRIVER},
        json={"model": model_url, "user": v2(sim, f"users/{DRIVER}/")},
    )
    assert answer.status == 201


async def test_2026_patch_validation(era_2026, sim):
    token = await access(sim)
    limit_only = await call(
        sim,
        "PATCH",
        f"/v2/vehicles/{KIA}",
        token,
        json={"maximum_charge_limit_percentage": 70},
    )
    assert limit_only.body["maximum_charge_limit_percentage"] == 70
    answer = await call(
        sim,
        "PATCH",
        f"/v2/vehicles/{KIA}",
        token,
        json={
            "battery_size_watt_hours": 80000,
            "smart_charging_enabled": "yes",
            "vehicle_class": "BUS",
        },
    )
    assert answer.status == 400
    assert answer.body["field_errors"] == {
        "battery_size_watt_hours": [
            "The battery size can only be set for unintegrated vehicles."
        ],
        "smart_charging_enabled": ["Must be a valid boolean."],
        "vehicle_class": ['"BUS" is not a valid choice.'],
    }
    bad = await call(
        sim, "PATCH", f"/v2/vehicles/{MG4}", token, json={"battery_size_watt_hours": 1}
    )
    assert bad.body["field_errors"] == {
        "battery_size_watt_hours": [
            "Ensure this value is greater than or equal to 1000."
        ]
    }
