"""ev.energy vehicles, status logs and charging sub-sessions: the seed era.

The 2026 era (the default) is in test_evenergy_catalogue.py and
test_evenergy_2026.py.
"""

from __future__ import annotations

import pytest
from yarl import URL

from .test_evenergy_support import (
    DRIVER,
    KIA,
    KIA_KEY,
    MAKE_KIA,
    MG4,
    MODEL_EV6,
    OTHER,
    PROBLEM,
    TRIM_EV6,
    TRIM_MG4,
    access,
    call,
    cc_access,
    links,
)


@pytest.fixture(autouse=True)
def seed_era(scenario):
    scenario["evenergy"]["era"] = "seed"


SEED_FIELDS = {
    "id",
    "url",
    "trim",
    "user",
    "latest_status_log",
    "charging_sub_sessions",
    "integrated",
    "maximum_charge_limit_percentage",
}
LOG_FIELDS = {
    "url",
    "logged_at",
    "sampled_at",
    "vehicle",
    "state_of_charge_percentage",
    "is_charging",
    "is_plugged_in",
    "charge_rate_watts",
}


def v2(sim, path):
    return sim.url(f"/evenergy/v2/{path}")


async def test_list_vehicles_seed_shape(sim):
    token = await access(sim)
    answer = await call(sim, "GET", "/v2/vehicles", token)
    assert answer.status == 200
    assert isinstance(answer.body, list)
    assert [v["id"] for v in answer.body] == [KIA, MG4]
    kia, mg4 = answer.body
    assert set(kia) == SEED_FIELDS
    assert kia["url"] == v2(sim, f"vehicles/{KIA}/")
    assert kia["trim"] == v2(sim, f"vehicle_trims/{TRIM_EV6}/")
    assert kia["user"] == v2(sim, f"users/{DRIVER}/")
    assert kia["integrated"] == "ACTIVE"
    assert kia["maximum_charge_limit_percentage"] == 80
    assert kia["charging_sub_sessions"] == (
        v2(sim, f"charging_sub_sessions/?vehicle_id={KIA}")
    )
    assert kia["latest_status_log"] == v2(
        sim, f"vehicles/{KIA}/status_logs/2026-11-02T06:59:55.994584Z/"
    )
    assert mg4["integrated"] == "UNINTEGRATED"
    assert mg4["latest_status_log"] is None
    assert answer.headers["Link"] == (
        '<about:blank>; rel="previous", <about:blank>; rel="next"'
    )


async def test_paging_follows_links(sim):
    token = await access(sim)
    first = await call(sim, "GET", "/v2/vehicles?page_size=1&expand=trim", token)
    assert [v["id"] for v in first.body] == [KIA]
    rels = links(first.headers["Link"])
    assert rels["previous"] == "about:blank"
    nxt = URL(rels["next"])
    assert nxt.query["page_after"] == KIA
    assert nxt.query["page_size"] == "1"
    assert nxt.query["expand"] == "trim"
    second = await call(sim, "GET", f"/v2/vehicles?{nxt.query_string}", token)
    assert [v["id"] for v in second.body] == [MG4]
    assert isinstance(second.body[0]["trim"], dict)
    rels = links(second.headers["Link"])
    assert rels["next"] == "about:blank"
    back = URL(rels["previous"])
    assert back.query["page_before"] == MG4
    again = await call(sim, "GET", f"/v2/vehicles?{back.query_string}", token)
    assert [v["id"] for v in again.body] == [KIA]
    assert links(again.headers["Link"])["previous"] == "about:blank"
    # Cursors that are not in the list still work by ID order.
    after = await call(
        sim, "GET", "/v2/vehicles?page_after=vhcl00000000000000000000000000", token
    )
    assert [v["id"] for v in after.body] == [KIA, MG4]
    before = await call(
        sim, "GET", "/v2/vehicles?page_before=vhclZZZZZZZZZZZZZZZZZZZZZZZZZZ", token
    )
    assert [v["id"] for v in before.body] == [KIA, MG4]
    past = await call(
        sim, "GET", "/v2/vehicles?page_after=vhclZZZZZZZZZZZZZZZZZZZZZZZZZZ", token
    )
    assert past.body == []
    assert past.headers["Link"] == (
        '<about:blank>; rel="previous", <about:blank>; rel="next"'
    )


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=ten", "page_size"),
        ("page_after=nope", "page_after"),
        ("page_before=vhcl123", "page_before"),
    ],
)
async def test_bad_pagination(sim, query, parameter):
    token = await access(sim)
    answer = await call(sim, "GET", f"/v2/vehicles?{query}", token)
    assert answer.status == 400
    assert answer.content_type == PROBLEM
    assert answer.body == {
        "type": "https://api.ev.energy/v2/problems/pagination-parameters/",
        "title": "Invalid pagination parameter",
        "status": 400,
        "detail": f"Invalid value for pagination parameter: {parameter}",
    }


async def test_expand(sim):
    token = await access(sim)
    query = "expand=user&expand=trim.model.make&expand=latest_status_log"
    answer = await call(sim, "GET", f"/v2/vehicles/{KIA}?{query}", token)
    assert answer.status == 200
    body = answer.body
    assert body["user"]["id"] == DRIVER
    assert body["user"]["email"] == "driver@example.com"
    assert body["user"]["vehicles"] == [
        v2(sim, f"vehicles/{KIA}/"),
        v2(sim, f"vehicles/{MG4}/"),
    ]
    assert body["trim"]["battery_size_watt_hours"] == 77400
    assert body["trim"]["model"]["id"] == MODEL_EV6
    assert body["trim"]["model"]["make"]["id"] == MAKE_KIA
    assert body["trim"]["model"]["make"]["name"] == "Kia"
    log = body["latest_status_log"]
    assert set(log) == LOG_FIELDS
    assert log["vehicle"] == v2(sim, f"vehicles/{KIA}/")
    assert log["state_of_charge_percentage"] == 35
    assert log["is_plugged_in"] is False
    assert log["is_charging"] is False
    assert log["charge_rate_watts"] == 0
    assert log["sampled_at"] < log["logged_at"]
    only_model = await call(sim, "GET", f"/v2/vehicles/{KIA}?expand=trim.model", token)
    assert only_model.body["trim"]["model"]["make"].startswith("http")
    for bad in ("nope", "trim,user", "trim.model.make.models"):
        answer = await call(sim, "GET", f"/v2/vehicles?expand={bad}", token)
        assert answer.status == 400
        assert answer.body["detail"] == f"Invalid value for expand: {bad}"


async def test_get_vehicle_accepts_trailing_slash_and_is_scoped_to_user(sim):
    token = await access(sim)
    for path in (f"/v2/vehicles/{KIA}", f"/v2/vehicles/{KIA}/"):
        answer = await call(sim, "GET", path, token)
        assert answer.status == 200
        assert answer.body["id"] == KIA
    other = await access(sim, "other@example.com")
    assert (await call(sim, "GET", f"/v2/vehicles/{KIA}", other)).status == 404


async def test_create_unintegrated_vehicle(sim):
    token = await access(sim)
    body = {
        "trim": v2(sim, f"vehicle_trims/{TRIM_MG4}/"),
        "user": v2(sim, f"users/{DRIVER}/"),
    }
    answer = await call(sim, "POST", "/v2/vehicles?expand=trim", token, json=body)
    assert answer.status == 201
    created = answer.body
    assert set(created) == SEED_FIELDS
    assert created["id"].startswith("vhcl")
    assert len(created["id"]) == 30
    assert created["integrated"] == "UNINTEGRATED"
    assert created["latest_status_log"] is None
    assert created["maximum_charge_limit_percentage"] == 100
    assert created["trim"]["battery_size_watt_hours"] == 64000
    listed = await call(sim, "GET", "/v2/vehicles", token)
    assert [v["id"] for v in listed.body] == [KIA, MG4, created["id"]]
    fetched = await call(sim, "GET", f"/v2/vehicles/{created['id']}", token)
    assert fetched.status == 200


async def test_create_vehicle_with_client_credentials(sim):
    token = await cc_access(sim)
    body = {
        "trim": f"https://api.ev.energy/v2/vehicle_trims/{TRIM_EV6}",
        "user": f"https://api.ev.energy/v2/users/{OTHER}",
    }
    answer = await call(
        sim, "POST", "/v2/vehicles", token, {"EvEnergy-User": OTHER}, json=body
    )
    assert answer.status == 201
    assert answer.body["user"] == v2(sim, f"users/{OTHER}/")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {},
            {"trim": ["This field is required."], "user": ["This field is required."]},
        ),
        (
            {
                "trim": "https://x/v2/vehicle_trims/trim00000000000000000000000000/",
                "user": f"https://x/v2/users/{OTHER}/",
            },
            {
                "trim": ["Invalid hyperlink - Object does not exist."],
                "user": ["Invalid hyperlink - Object does not exist."],
            },
        ),
        (
            {"trim": 12, "user": None},
            {
                "trim": ["Incorrect type. Expected URL string, received int."],
                "user": ["This field may not be null."],
            },
        ),
        (
            {
                "trim": "https://x/v2/trim/vehicle_trim01",
                "user": f"/v2/vehicles/{KIA}/",
            },
            {
                "trim": ["Invalid hyperlink - No URL match."],
                "user": ["Invalid hyperlink - Incorrect URL match."],
            },
        ),
    ],
)
async def test_create_vehicle_validation(sim, body, errors):
    token = await access(sim)
    answer = await call(sim, "POST", "/v2/vehicles", token, json=body)
    assert answer.status == 400
    assert answer.content_type == PROBLEM
    assert answer.body["type"] == (
        "https://api.ev.energy/v2/problems/validation-failed-create-vehicle/"
    )
    assert answer.body["title"] == "Request failed validation."
    assert answer.body["detail"] == "Error on fields: " + ", ".join(errors)
    assert answer.body["field_errors"] == errors


async def test_patch_charge_limit(sim):
    token = await access(sim)
    answer = await call(
        sim,
        "PATCH",
        f"/v2/vehicles/{KIA}/",
        token,
        json={"maximum_charge_limit_percentage": 90},
    )
    assert answer.status == 200
    assert answer.body["maximum_charge_limit_percentage"] == 90
    car = await sim.control("GET", f"/vehicles/{KIA_KEY}")
    assert car["charge_limit"] == 0.9
    cleared = await call(
        sim,
        "PATCH",
        f"/v2/vehicles/{KIA}",
        token,
        json={"maximum_charge_limit_percentage": None},
    )
    assert cleared.body["maximum_charge_limit_percentage"] is None
    assert (await sim.control("GET", f"/vehicles/{KIA_KEY}"))["charge_limit"] == 0.9
    unintegrated = await call(
        sim,
        "PATCH",
        f"/v2/vehicles/{MG4}",
        token,
        json={"maximum_charge_limit_percentage": 55, "ignored": 1},
    )
    assert unintegrated.body["maximum_charge_limit_percentage"] == 55
    empty = await call(sim, "PATCH", f"/v2/vehicles/{MG4}", token)
    assert empty.status == 200


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (49, "Ensure this value is greater than or equal to 50."),
        (101, "Ensure this value is less than or equal to 100."),
        ("80", "A valid integer is required."),
        (True, "A valid integer is required."),
    ],
)
async def test_patch_charge_limit_validation(sim, value, message):
    token = await access(sim)
    answer = await call(
        sim,
        "PATCH",
        f"/v2/vehicles/{KIA}",
        token,
        json={"maximum_charge_limit_percentage": value},
    )
    assert answer.status == 400
    assert answer.body["field_errors"] == {"maximum_charge_limit_percentage": [message]}
    assert answer.body["instance"] == v2(sim, f"vehicles/{KIA}/")
    vehicle = await call(sim, "GET", f"/v2/vehicles/{KIA}", token)
    assert vehicle.body["maximum_charge_limit_percentage"] == 80


async def test_status_logs_follow_the_physics(sim):
    token = await access(sim)
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    plugged = await call(
        sim, "GET", f"/v2/vehicles/{KIA}?expand=latest_status_log", token
    )
    first = plugged.body["latest_status_log"]
    assert first["is_plugged_in"] is True
    assert first["is_charging"] is True
    assert first["charge_rate_watts"] == 7400
    assert first["state_of_charge_percentage"] == 35
    sim.state.clock.advance(3600)
    later = await call(
        sim, "GET", f"/v2/vehicles/{KIA}?expand=latest_status_log", token
    )
    log = later.body["latest_status_log"]
    assert log["sampled_at"] == "2026-11-02T07:59:55.994584Z"
    assert log["logged_at"] == "2026-11-02T08:00:00.000000Z"
    assert log["state_of_charge_percentage"] > first["state_of_charge_percentage"]
    listed = await call(sim, "GET", f"/v2/vehicles/{KIA}/status_logs", token)
    stamps = [entry["sampled_at"] for entry in listed.body]
    assert stamps == sorted(stamps, reverse=True)
    # The plug-in log replaces the setup log (same moment), then one every 5 min.
    assert len(stamps) == 13
    fetched = await call(sim, "GET", log["url"].split("/evenergy")[1], token)
    assert fetched.status == 200
    assert fetched.body == log


async def test_status_log_paging_and_filters(sim):
    token = await access(sim)
    sim.state.clock.advance(1800)
    path = f"/v2/vehicles/{KIA}/status_logs"
    first = await call(sim, "GET", f"{path}?page_size=2", token)
    assert len(first.body) == 2
    rels = links(first.headers["Link"])
    assert rels["previous"] == "about:blank"
    nxt = URL(rels["next"])
    assert nxt.query["page_after"] == first.body[-1]["sampled_at"]
    second = await call(sim, "GET", f"{path}?{nxt.query_string}", token)
    assert second.body[0]["sampled_at"] < first.body[-1]["sampled_at"]
    back = URL(links(second.headers["Link"])["previous"])
    again = await call(sim, "GET", f"{path}?{back.query_string}", token)
    assert again.body == first.body
    window = await call(
        sim,
        "GET",
        f"{path}?sampled_at__gte=2026-11-02T07:09:00Z&sampled_at__lte=2026-11-02T07:20:00Z",
        token,
    )
    assert [log["logged_at"] for log in window.body] == [
        "2026-11-02T07:20:00.000000Z",
        "2026-11-02T07:15:00.000000Z",
        "2026-11-02T07:10:00.000000Z",
    ]
    bad = await call(sim, "GET", f"{path}?sampled_at__gte=yesterday", token)
    assert bad.status == 400
    assert bad.body["field_errors"] == {"sampled_at__gte": ["Enter a valid date/time."]}
    cursor = await call(sim, "GET", f"{path}?page_before=yesterday", token)
    assert cursor.status == 400
    expanded = await call(sim, "GET", f"{path}?page_size=1&expand=vehicle.trim", token)
    assert expanded.body[0]["vehicle"]["trim"]["id"] == TRIM_EV6


async def test_status_log_lookup_errors(sim):
    token = await access(sim)
    path = f"/v2/vehicles/{KIA}/status_logs"
    for key in ("2020-01-01T00:00:00.000000Z", "not-a-time"):
        answer = await call(sim, "GET", f"{path}/{key}/", token)
        assert answer.status == 404
    unintegrated = await call(sim, "GET", f"/v2/vehicles/{MG4}/status_logs", token)
    assert unintegrated.body == []


async def test_inactive_vehicle_stops_logging(sim):
    token = await access(sim)
    sim.state.clock.advance(600)
    await sim.control(
        "PATCH", f"/evenergy/vehicles/{KIA}", json={"integrated": "INACTIVE"}
    )
    sim.state.clock.advance(3600)
    answer = await call(sim, "GET", f"/v2/vehicles/{KIA}", token)
    assert answer.body["integrated"] == "INACTIVE"
    assert answer.body["latest_status_log"].endswith("07:09:55.994584Z/")
    # The charge limit no longer reaches the car.
    await call(
        sim,
        "PATCH",
        f"/v2/vehicles/{KIA}",
        token,
        json={"maximum_charge_limit_percentage": 100},
    )
    assert (await sim.control("GET", f"/vehicles/{KIA_KEY}"))["charge_limit"] == 0.8
    # Sessions after the disconnection are unknown to ev.energy.
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    sim.state.clock.advance(600)
    sessions = await call(
        sim, "GET", f"/v2/charging_sub_sessions?vehicle_id={KIA}", token
    )
    assert len(sessions.body) == 2
    reconnected = await sim.control(
        "PATCH", f"/evenergy/vehicles/{KIA}", json={"integrated": "ACTIVE"}
    )
    assert reconnected["latest_sampled_at"] == "2026-11-02T08:19:55.994584Z"


async def test_sleeping_car_writes_no_logs(sim):
    token = await access(sim)
    await sim.control("POST", f"/vehicles/{KIA_KEY}/sleep")
    sim.state.clock.advance(900)
    answer = await call(sim, "GET", f"/v2/vehicles/{KIA}/status_logs", token)
    assert len(answer.body) == 1


async def test_sub_sessions_after_a_charge(sim):
    token = await access(sim)
    history = await call(sim, "GET", "/v2/charging_sub_sessions", token)
    assert history.status == 200
    assert len(history.body) == 2
    home, away = sorted(history.body, key=lambda s: s["mode"])
    assert home["mode"] == "UNMANAGED_HOME"
    assert away["mode"] == "UNMANAGED_OTG"
    assert home["energy_delivered_watt_hours"] == 29600
    assert home["cost"] == round(29.6 * 24.5)
    assert home["currency"] == "GBP"
    assert home["duration_minutes"] == 240
    assert home["location"]["postal_code"] == "N1 9GU"
    assert away["location"]["name"] == "On the go"
    assert home["co2_intensity_classification"] == "moderate"
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    sim.state.clock.advance(1800)
    ongoing = await call(
        sim, "GET", "/v2/charging_sub_sessions?is_finished=false", token
    )
    assert len(ongoing.body) == 1
    current = ongoing.body[0]
    assert current["end"] is None
    assert current["start"] == "2026-11-02T07:00:00.000000Z"
    assert current["energy_delivered_watt_hours"] == 3700
    assert current["vehicle"] == v2(sim, f"vehicles/{KIA}/")
    await sim.control("POST", f"/vehicles/{KIA_KEY}/unplug")
    finished = await call(sim, "GET", current["url"].split("/evenergy")[1], token)
    assert finished.status == 200
    assert finished.body["id"] == current["id"]
    assert finished.body["end"] == "2026-11-02T07:30:00.000000Z"
    assert finished.body["duration_minutes"] == 30
    assert finished.body["percentage_added"] == 4
    listed = await call(sim, "GET", "/v2/charging_sub_sessions?page_size=1", token)
    assert listed.body[0]["id"] == current["id"]  # newest first
    nxt = URL(links(listed.headers["Link"])["next"])
    older = await call(
        sim, "GET", f"/v2/charging_sub_sessions?{nxt.query_string}", token
    )
    assert older.body[0]["start"] < current["start"]


async def test_sub_session_filters(sim):
    token = await access(sim)
    path = "/v2/charging_sub_sessions"
    assert len((await call(sim, "GET", f"{path}?is_finished=true", token)).body) == 2
    assert len((await call(sim, "GET", f"{path}?user_id=me", token)).body) == 2
    assert len((await call(sim, "GET", f"{path}?user_id={DRIVER}", token)).body) == 2
    assert (await call(sim, "GET", f"{path}?user_id={OTHER}", token)).body == []
    assert (await call(sim, "GET", f"{path}?vehicle_id={MG4}", token)).body == []
    bad = await call(sim, "GET", f"{path}?is_finished=maybe", token)
    assert bad.status == 400
    assert "is_finished" in bad.body["field_errors"]
    expanded = await call(sim, "GET", f"{path}?expand=vehicle.user", token)
    assert expanded.body[0]["vehicle"]["user"]["id"] == DRIVER
    missing = await call(sim, "GET", f"{path}/csub00000000000000000000000000", token)
    assert missing.status == 404
    other = await access(sim, "other@example.com")
    sub_id = expanded.body[0]["id"]
    assert (await call(sim, "GET", f"{path}/{sub_id}", other)).status == 404
