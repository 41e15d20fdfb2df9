"""ev.energy API: common headers, errors, rate limit, faults, control routes."""

from __future__ import annotations

import pytest

from simulator import build_simulator
from simulator.evenergy import api as api_module

from .test_evenergy_support import (
    DRIVER,
    KIA,
    KIA_KEY,
    MG4,
    OTHER,
    PROBLEM,
    ZOE,
    access,
    call,
    cc_access,
)


def assert_common(answer, limit="1000"):
    assert answer.headers["EvEnergy-Version"] == "2"
    assert answer.headers["X-RateLimit-Limit"] == limit
    assert "X-RateLimit-Remaining" in answer.headers


async def test_root_is_public_and_lists_collections(sim):
    answer = await call(sim, "GET", "/v2/")
    assert answer.status == 200
    assert answer.content_type == "application/json"
    assert answer.body["vehicles"] == sim.url("/evenergy/v2/vehicles/")
    assert len(answer.body) == 14
    assert answer.headers["EvEnergy-Version"] == "2"
    assert answer.headers["X-RateLimit-Limit"] == "50"  # anonymous bucket
    assert answer.headers["X-RateLimit-Remaining"] == "49"
    assert (await call(sim, "GET", "/v2")).status == 200


async def test_every_response_has_the_headers(sim):
    token = await access(sim)
    first = await call(sim, "GET", "/v2/vehicles", token)
    assert_common(first)
    assert first.headers["X-RateLimit-Remaining"] == "999"
    second = await call(sim, "GET", "/v2/vehicles/", token)
    assert second.headers["X-RateLimit-Remaining"] == "998"
    for answer in (
        await call(sim, "GET", "/v2/vehicles"),
        await call(sim, "GET", "/v2/nothing", token),
        await call(sim, "GET", "/nothing-at-all"),
        await call(sim, "GET", ""),
        await call(sim, "DELETE", f"/v2/vehicles/{KIA}", token),
    ):
        assert_common(answer)
        assert answer.content_type == PROBLEM


async def test_missing_and_invalid_token(sim):
    missing = await call(sim, "GET", "/v2/vehicles")
    assert missing.status == 401
    assert missing.body == {
        "title": "Unauthorized",
        "status": 401,
        "detail": "Authentication credentials were not provided.",
    }
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    invalid = await call(sim, "GET", "/v2/vehicles", "not-a-token")
    assert invalid.status == 401
    assert invalid.body["detail"] == "Authentication credentials were not provided."
    assert 'error="invalid_token"' in invalid.headers["WWW-Authenticate"]
    # A wrong method on a protected route still needs authentication first.
    assert (await call(sim, "DELETE", "/v2/vehicles")).status == 401


async def test_unsupported_version(sim):
    token = await access(sim)
    answer = await call(sim, "GET", "/v2/vehicles", token, {"EvEnergy-Version": "3.0"})
    assert answer.status == 400
    assert answer.content_type == PROBLEM
    assert answer.body["title"] == "Unsupported version"
    assert answer.body["detail"] == "Unsupported version requested: 3.0"
    assert_common(answer)
    for version in ("2", "2.0"):
        ok = await call(
            sim, "GET", "/v2/vehicles", token, {"EvEnergy-Version": version}
        )
        assert ok.status == 200


async def test_not_found_and_method_not_allowed(sim):
    token = await access(sim)
    unknown = await call(
        sim, "GET", "/v2/vehicles/vhcl00000000000000000000000000", token
    )
    assert unknown.status == 404
    assert unknown.body == {
        "title": "Not found",
        "status": 404,
        "detail": "Resource does not exist or cannot be accessed.",
    }
    # Another user's vehicle looks exactly the same.
    other = await call(sim, "GET", f"/v2/vehicles/{ZOE}", token)
    assert other.body == unknown.body
    path = await call(sim, "GET", "/v2/does/not/exist", token)
    assert path.status == 404
    assert "Traceback" not in str(path.body)
    wrong = await call(sim, "DELETE", f"/v2/vehicles/{KIA}", token)
    assert wrong.status == 405
    assert wrong.body["title"] == "Method Not Allowed"
    assert wrong.body["detail"] == "Could not satisfy this HTTP method."
    assert wrong.headers["Allow"] == "GET, PATCH"
    public = await call(sim, "POST", "/v2/vehicle_makes")
    assert public.status == 405


async def test_scope_is_checked(sim):
    token = await access(sim, scope="vehicle:read")
    assert (await call(sim, "GET", "/v2/vehicles", token)).status == 200
    answer = await call(sim, "GET", "/v2/users", token)
    assert answer.status == 403
    assert answer.body == {
        "title": "Forbidden",
        "status": 403,
        "detail": "You do not have permission to perform this action.",
    }
    patch = await call(
        sim,
        "PATCH",
        f"/v2/vehicles/{KIA}",
        token,
        json={"maximum_charge_limit_percentage": 90},
    )
    assert patch.status == 403


async def test_evenergy_user_header(sim):
    token = await access(sim)
    same = await call(sim, "GET", "/v2/vehicles", token, {"EvEnergy-User": DRIVER})
    assert same.status == 200
    url = sim.url(f"/evenergy/v2/users/{DRIVER}/")
    assert (
        await call(sim, "GET", "/v2/vehicles", token, {"EvEnergy-User": url})
    ).status == 200
    other = await call(sim, "GET", "/v2/vehicles", token, {"EvEnergy-User": OTHER})
    assert other.status == 403
    cc = await cc_access(sim)
    missing = await call(sim, "GET", "/v2/vehicles", cc)
    assert missing.status == 400
    assert missing.body["type"].endswith("/evenergy-user-required/")
    unknown = await call(
        sim,
        "GET",
        "/v2/vehicles",
        cc,
        {"EvEnergy-User": "user00000000000000000000000000"},
    )
    assert unknown.status == 400
    assert unknown.body["title"] == "Invalid EvEnergy-User header"
    as_other = await call(sim, "GET", "/v2/vehicles", cc, {"EvEnergy-User": OTHER})
    assert [v["id"] for v in as_other.body] == [ZOE]


@pytest.fixture
def tiny_limit(scenario):
    scenario["evenergy"]["rate_limit_per_hour"] = 3


async def test_rate_limit_exhaustion(tiny_limit, sim):
    token = await access(sim)
    remaining = []
    for _ in range(3):
        answer = await call(sim, "GET", "/v2/vehicles", token)
        assert answer.status == 200
        remaining.append(answer.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    refused = await call(sim, "GET", "/v2/vehicles", token)
    assert refused.status == 429
    assert refused.content_type == PROBLEM
    assert refused.headers["Retry-After"] == "3600"
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.body == {
        "type": "https://api.ev.energy/v2/problems/rate-limit-exceeded/",
        "title": "Too many requests",
        "status": 429,
        "detail": "Request was rate limited. Try again in 3600 seconds",
    }
    # Another user of the same application has a bucket of its own.
    other = await access(sim, "other@example.com")
    assert (await call(sim, "GET", "/v2/vehicles", other)).status == 200
    # The window rolls.
    sim.state.clock.advance(1800)
    later = await call(sim, "GET", "/v2/vehicles", token)
    assert later.headers["Retry-After"] == "1800"
    sim.state.clock.advance(1801)
    again = await call(sim, "GET", "/v2/vehicles", token)
    assert again.status == 200
    assert again.headers["X-RateLimit-Remaining"] == "2"


@pytest.fixture
def app_limit(scenario):
    scenario["evenergy"]["applications"][0]["rate_limit_per_hour"] = 7


async def test_per_application_limit(app_limit, sim):
    token = await access(sim)
    answer = await call(sim, "GET", "/v2/vehicles", token)
    assert answer.headers["X-RateLimit-Limit"] == "7"


async def test_injected_error_fault_is_a_problem(sim):
    token = await access(sim)
    await sim.control(
        "POST",
        "/faults",
        json={
            "path": "^/evenergy/v2/vehicles",
            "kind": "error",
            "status": 500,
            "count": 1,
        },
    )
    answer = await call(sim, "GET", "/v2/vehicles", token)
    assert answer.status == 500
    assert answer.content_type == PROBLEM
    assert answer.body["title"] == "Internal Server Error"
    assert_common(answer)
    assert (await call(sim, "GET", "/v2/vehicles", token)).status == 200


async def test_injected_faults_by_error_name(sim):
    token = await access(sim)
    await sim.control(
        "POST",
        "/faults",
        json={
            "path": "^/evenergy/v2/",
            "kind": "error",
            "error": "RATE_LIMIT",
            "count": 1,
        },
    )
    limited = await call(sim, "GET", "/v2/vehicles", token)
    assert limited.status == 429
    assert limited.headers["Retry-After"] == "60"
    assert limited.body["type"].endswith("/rate-limit-exceeded/")
    await sim.control(
        "POST",
        "/faults",
        json={
            "path": "^/evenergy/v2/",
            "kind": "error",
            "error": "SERVER",
            "status": 503,
            "retry_after": 5,
            "description": "Down for maintenance.",
            "count": 1,
        },
    )
    down = await call(sim, "GET", "/v2/")
    assert down.status == 503
    assert down.headers["Retry-After"] == "5"
    assert down.body["detail"] == "Down for maintenance."
    assert down.headers["X-RateLimit-Limit"] == "1000"


async def test_injected_oauth_faults(sim):
    await sim.control(
        "POST",
        "/faults",
        json={"path": "^/evenergy/o/token", "kind": "error", "status": 503, "count": 1},
    )
    async with sim.http.post(sim.url("/evenergy/o/token/"), data={}) as resp:
        assert resp.status == 503
        assert (await resp.json())["error"] == "server_error"
    await sim.control(
        "POST",
        "/faults",
        json={
            "path": "^/evenergy/o/authorize",
            "kind": "error",
            "status": 500,
            "count": 1,
        },
    )
    async with sim.http.get(sim.url("/evenergy/o/authorize/")) as resp:
        assert resp.status == 500
        assert resp.content_type == "text/html"


async def test_unexpected_error_is_a_problem_not_a_traceback(sim, monkeypatch):
    async def broken(_ctx):
        msg = "boom"
        raise RuntimeError(msg)

    ops, _ = api_module.match("v2")
    monkeypatch.setitem(ops, "GET", api_module.Op(broken, None))
    answer = await call(sim, "GET", "/v2/")
    assert answer.status == 500
    assert answer.content_type == PROBLEM
    assert answer.body["detail"] == "A server error occurred."
    assert "boom" not in str(answer.body)


async def test_malformed_json_body(sim):
    token = await access(sim)
    answer = await call(
        sim,
        "PATCH",
        f"/v2/vehicles/{KIA}",
        token,
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status == 400
    assert answer.content_type == PROBLEM
    assert answer.body["detail"].startswith("JSON parse error - ")
    listed = await call(sim, "POST", "/v2/vehicles", token, json=[1, 2])
    assert listed.status == 400
    assert listed.body["field_errors"] == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


async def test_control_vehicles_and_integration_state(sim):
    vehicles = await sim.control("GET", "/evenergy/vehicles")
    by_id = {v["id"]: v for v in vehicles}
    assert by_id[KIA]["key"] == KIA_KEY
    assert by_id[MG4]["integrated"] == "UNINTEGRATED"
    assert KIA_KEY in (await sim.control("GET", "/state"))["vehicles"]
    changed = await sim.control(
        "PATCH", f"/evenergy/vehicles/{KIA_KEY}", json={"integrated": "INACTIVE"}
    )
    assert changed["integrated"] == "INACTIVE"
    for body, status in (
        ({"integrated": "BROKEN"}, 400),
        ({"integrated": "ACTIVE"}, 409),
    ):
        async with sim.http.patch(
            sim.url(f"/_sim/evenergy/vehicles/{MG4}"), json=body
        ) as resp:
            assert resp.status == status
    async with sim.http.patch(
        sim.url("/_sim/evenergy/vehicles/nope"), json={"integrated": "ACTIVE"}
    ) as resp:
        assert resp.status == 404


async def test_control_settings(sim):
    token = await access(sim)
    changed = await sim.control(
        "PUT", "/evenergy/settings", json={"era": "2026", "rate_limit_per_hour": 5}
    )
    assert changed == {"era": "2026", "rate_limit_per_hour": 5}
    answer = await call(sim, "GET", f"/v2/vehicles/{KIA}", token)
    assert answer.headers["X-RateLimit-Limit"] == "5"
    assert "battery_size_watt_hours" in answer.body
    for body in (
        {"era": "1999"},
        {"rate_limit_per_hour": 0},
        {"rate_limit_per_hour": True},
    ):
        async with sim.http.put(sim.url("/_sim/evenergy/settings"), json=body) as resp:
            assert resp.status == 400


@pytest.mark.parametrize(
    "change",
    [
        {"era": "1999"},
        {
            "users": [
                {
                    "id": "user01HZ8HH500V4MRM46HP1SNGDYW",
                    "email": "x@example.com",
                    "password": "x",
                    "vehicles": [
                        {
                            "id": "vhcl01JN7G1C0051WY71JB0796782D",
                            "trim": "trim00000000000000000000000000",
                        }
                    ],
                }
            ]
        },
        {
            "users": [
                {
                    "id": "user01HZ8HH500V4MRM46HP1SNGDYW",
                    "email": "x@example.com",
                    "password": "x",
                    "vehicles": [
                        {
                            "id": "vhcl01JN7G1C0051WY71JB0796782D",
                            "trim": "trim01GTQH2V00FWB34QG49HM19E2N",
                            "integrated": "ACTIVE",
                        }
                    ],
                }
            ]
        },
    ],
)
def test_bad_scenarios_are_rejected(scenario, change):
    scenario["evenergy"].update(change)
    with pytest.raises(ValueError, match=r"era|trim|car"):
        build_simulator(scenario)
