"""Smartcar Connect and the token endpoint, over loopback HTTP."""

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from .conftest import (
    SC_ALL_SCOPES,
    SC_CLIENT_ID,
    SC_CLIENT_SECRET,
    SC_REDIRECT,
    SC_USER,
    TESLA,
    VW,
    SmartcarApi,
    basic_auth,
    smartcar_code,
    smartcar_token,
)

AUTHORIZE = "/smartcar/connect/oauth/authorize"
TOKEN = "/smartcar/auth/oauth/token"


def authorize_params(**overrides):
    params = {
        "response_type": "code",
        "client_id": SC_CLIENT_ID,
        "redirect_uri": SC_REDIRECT,
        "scope": SC_ALL_SCOPES,
        "state": "s1",
        "mode": "live",
        "approval_prompt": "force",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


async def token_request(sim, data, *, basic=True):
    headers = basic_auth(SC_CLIENT_ID, SC_CLIENT_SECRET) if basic else None
    async with sim.http.post(sim.url(TOKEN), data=data, headers=headers) as resp:
        return resp.status, await resp.json()


def query_of(location):
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def test_person_signs_in_picks_vehicles_and_approves(sim):
    async with sim.http.get(sim.url(AUTHORIZE), params=authorize_params()) as resp:
        assert resp.status == 200
        assert resp.content_type == "text/html"
        page = await resp.text()
    assert "Sign in to Smartcar" in page
    request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)

    form = {"request_id": request_id, "step": "login"}
    bad = {**form, "username": "driver@example.com", "password": "nope"}
    async with sim.http.post(sim.url(AUTHORIZE), data=bad) as resp:
        assert "Wrong username or password" in await resp.text()
    good = {**form, "username": "driver@example.com", "password": "demo"}
    async with sim.http.post(sim.url(AUTHORIZE), data=good) as resp:
        page = await resp.text()
    assert "2023 Tesla Model 3" in page
    assert "Read EV battery" in page

    approve = aiohttp.FormData()
    approve.add_field("request_id", request_id)
    approve.add_field("step", "approve")
    approve.add_field("vehicle", TESLA)
    approve.add_field("vehicle", VW)
    approve.add_field("vehicle", "not-my-car")
    async with sim.http.post(
        sim.url(AUTHORIZE), data=approve, allow_redirects=False
    ) as resp:
        assert resp.status == 302
        query = query_of(resp.headers["Location"])
    assert resp.headers["Location"].startswith(SC_REDIRECT)
    assert query["state"] == "s1"

    status, body = await token_request(
        sim,
        {
            "grant_type": "authorization_code",
            "code": query["code"],
            "redirect_uri": SC_REDIRECT,
        },
    )
    assert status == 200
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 7200
    api = SmartcarApi(sim, body["access_token"])
    status, vehicles, _ = await api.call("GET", "/vehicles")
    assert status == 200
    assert vehicles == {"vehicles": [TESLA, VW], "paging": {"count": 2, "offset": 0}}
    status, user, _ = await api.call("GET", "/user")
    assert user == {"id": SC_USER}


async def test_single_select_and_deny(sim):
    params = authorize_params(single_select="true")
    async with sim.http.get(sim.url(AUTHORIZE), params=params) as resp:
        page = await resp.text()
    request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)
    login = {
        "request_id": request_id,
        "step": "login",
        "username": "driver@example.com",
        "password": "demo",
    }
    async with sim.http.post(sim.url(AUTHORIZE), data=login) as resp:
        page = await resp.text()
    assert 'type="radio"' in page
    deny = {"request_id": request_id, "step": "deny"}
    async with sim.http.post(
        sim.url(AUTHORIZE), data=deny, allow_redirects=False
    ) as resp:
        assert resp.status == 302
        query = query_of(resp.headers["Location"])
    assert query["error"] == "access_denied"
    assert query["state"] == "s1"
    # The request is used up.
    async with sim.http.post(sim.url(AUTHORIZE), data=deny) as resp:
        assert resp.status == 400
        assert "expired or is unknown" in await resp.text()


async def test_approve_before_sign_in_asks_to_sign_in(sim):
    async with sim.http.get(sim.url(AUTHORIZE), params=authorize_params()) as resp:
        page = await resp.text()
    request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)
    data = {"request_id": request_id, "step": "approve"}
    async with sim.http.post(sim.url(AUTHORIZE), data=data) as resp:
        assert "Please sign in first" in await resp.text()


@pytest.mark.parametrize(
    ("overrides", "text"),
    [
        ({"client_id": "unknown"}, "Invalid parameter client_id"),
        ({"client_id": None}, "Invalid parameter client_id"),
        ({"redirect_uri": None}, "redirect_uri is not registered"),
    ],
)
async def test_authorize_errors_that_cannot_redirect(sim, overrides, text):
    async with sim.http.get(
        sim.url(AUTHORIZE), params=authorize_params(**overrides)
    ) as resp:
        assert resp.status == 400
        assert resp.content_type == "text/html"
        assert text in await resp.text()


async def test_registered_redirect_uris_are_enforced(scenario, sim):
    sim.state.smartcar.oauth.clients[SC_CLIENT_ID].redirect_uris = ["https://ok/cb"]
    async with sim.http.get(sim.url(AUTHORIZE), params=authorize_params()) as resp:
        assert resp.status == 400


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "read_battery fly_car"}, "invalid_scope"),
        ({"mode": "moon"}, "invalid_request"),
        ({"approval_prompt": "never"}, "invalid_request"),
        ({"code_challenge_method": "MD5", "code_challenge": "x"}, "invalid_request"),
    ],
)
async def test_authorize_errors_redirect_back(sim, overrides, error):
    async with sim.http.get(
        sim.url(AUTHORIZE), params=authorize_params(**overrides), allow_redirects=False
    ) as resp:
        assert resp.status == 302
        query = query_of(resp.headers["Location"])
    assert query["error"] == error
    assert query["error_description"]
    assert query["state"] == "s1"


async def test_code_is_single_use_and_expires(sim):
    code = await smartcar_code(sim)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": SC_REDIRECT,
    }
    status, _ = await token_request(sim, data)
    assert status == 200
    status, body = await token_request(sim, data)
    assert (status, body["error"]) == (400, "invalid_grant")

    late = await smartcar_code(sim)
    sim.state.clock.advance(601)
    status, body = await token_request(sim, {**data, "code": late})
    assert (status, body["error"]) == (400, "invalid_grant")
    assert "expired" in body["error_description"]


async def test_code_checks_redirect_uri_and_client(sim):
    code = await smartcar_code(sim)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "https://x",
    }
    status, body = await token_request(sim, data)
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = await token_request(sim, {**data, "code": "forged"})
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_client_authentication(sim):
    code = await smartcar_code(sim)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": SC_REDIRECT,
    }
    status, body = await token_request(sim, data, basic=False)
    assert (status, body["error"]) == (401, "invalid_client")
    async with sim.http.post(
        sim.url(TOKEN), data=data, headers=basic_auth(SC_CLIENT_ID, "wrong")
    ) as resp:
        assert resp.status == 401
        assert (await resp.json())["error"] == "invalid_client"
    async with sim.http.post(
        sim.url(TOKEN), data=data, headers={"Authorization": "Basic !!!"}
    ) as resp:
        assert resp.status == 401
    # Smartcar takes HTTP Basic only: credentials in the body are refused.
    body_auth = {**data, "client_id": SC_CLIENT_ID, "client_secret": SC_CLIENT_SECRET}
    status, body = await token_request(sim, body_auth, basic=False)
    assert (status, body["error"]) == (401, "invalid_client")


async def test_token_endpoint_rejects_other_grants_and_methods(sim):
    status, body = await token_request(sim, {"grant_type": "password"})
    assert (status, body["error"]) == (400, "unsupported_grant_type")
    async with sim.http.get(sim.url(TOKEN)) as resp:
        assert resp.status == 405
        assert (await resp.json())["error"] == "invalid_request"


async def test_pkce(sim):
    verifier = "v" * 50
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        .rstrip(b"=")
        .decode()
    )
    extra = {"code_challenge": challenge, "code_challenge_method": "S256"}
    base = {"grant_type": "authorization_code", "redirect_uri": SC_REDIRECT}
    code = await smartcar_code(sim, extra=extra)
    status, body = await token_request(sim, {**base, "code": code})
    assert (status, body["error"]) == (400, "invalid_request")
    code = await smartcar_code(sim, extra=extra)
    status, body = await token_request(
        sim, {**base, "code": code, "code_verifier": "w" * 50}
    )
    assert (status, body["error"]) == (400, "invalid_grant")
    code = await smartcar_code(sim, extra=extra)
    status, body = await token_request(
        sim, {**base, "code": code, "code_verifier": verifier}
    )
    assert status == 200
    plain = {"code_challenge": verifier, "code_challenge_method": "plain"}
    code = await smartcar_code(sim, extra=plain)
    status, _ = await token_request(
        sim, {**base, "code": code, "code_verifier": verifier}
    )
    assert status == 200


async def test_access_token_expires_and_refresh_rotates(sim):
    token = await smartcar_token(sim)
    api = SmartcarApi(sim, token["access_token"])
    assert (await api.call("GET", "/user"))[0] == 200
    sim.state.clock.advance(7200)
    status, body, headers = await api.call("GET", "/user")
    assert status == 401
    assert body["type"] == "AUTHENTICATION"
    assert body["requestId"] == headers["sc-request-id"]

    refresh = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    status, new = await token_request(sim, refresh)
    assert status == 200
    assert new["refresh_token"] != token["refresh_token"]
    assert (await SmartcarApi(sim, new["access_token"]).call("GET", "/user"))[0] == 200
    # The old refresh token is spent.
    status, body = await token_request(sim, refresh)
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = await token_request(
        sim, {"grant_type": "refresh_token", "refresh_token": "nope"}
    )
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_refresh_token_expires_after_60_days(sim):
    token = await smartcar_token(sim)
    sim.state.clock.advance(60 * 24 * 3600)
    refresh = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    status, body = await token_request(sim, refresh)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_revoked_and_expired_tokens(sim):
    token = await smartcar_token(sim)
    api = SmartcarApi(sim, token["access_token"])
    await sim.control("POST", "/smartcar/tokens/expire")
    assert (await api.call("GET", "/user"))[0] == 401

    token = await smartcar_token(sim)
    api = SmartcarApi(sim, token["access_token"])
    revoked = await sim.control("POST", "/smartcar/users/driver@example.com/revoke")
    assert revoked["revoked"] >= 1
    assert (await api.call("GET", "/user"))[0] == 401
    refresh = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    status, body = await token_request(sim, refresh)
    assert (status, body["error"]) == (400, "invalid_grant")
    async with sim.http.post(sim.url("/_sim/smartcar/users/nobody/revoke")) as resp:
        assert resp.status == 404


async def test_tokens_are_tied_to_the_user(sim):
    token = await smartcar_token(sim, user="other@example.com")
    api = SmartcarApi(sim, token["access_token"])
    status, body, _ = await api.call("GET", "/vehicles")
    assert body["vehicles"] == ["2e7d5c4b-3a19-4f08-b7e6-d5c4b3a29180"]
    status, body, _ = await api.call("GET", f"/vehicles/{TESLA}/battery")
    assert status == 403
    assert body["type"] == "PERMISSION"


async def granted_permissions(sim, params):
    """Authorize (auto-approved), take the code to the token endpoint: the grant."""
    await sim.control("PUT", "/config", json={"auto_approve": "driver@example.com"})
    async with sim.http.get(
        sim.url(AUTHORIZE), params=params, allow_redirects=False
    ) as resp:
        location = resp.headers["Location"]
    return await permissions_of(sim, location)


async def permissions_of(sim, location):
    """The permissions of the token a redirect's code is exchanged for."""
    code = query_of(location)["code"]
    status, body = await token_request(
        sim,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": SC_REDIRECT},
    )
    assert status == 200
    api = SmartcarApi(sim, body["access_token"])
    _, permissions, _ = await api.call("GET", f"/vehicles/{TESLA}/permissions")
    return permissions["permissions"]


async def test_required_scopes_and_no_scope(sim):
    granted = await granted_permissions(
        sim, authorize_params(scope="required:read_battery read_charge")
    )
    assert set(granted) == {"read_battery", "read_charge"}
    # Without scope, the application's Dashboard settings apply.
    params = authorize_params()
    del params["scope"]
    assert await granted_permissions(sim, params) == ["read_vehicle_info"]


async def test_required_scopes_are_shown_as_required(sim):
    params = authorize_params(
        scope="required:read_battery read_charge required:read_battery"
    )
    async with sim.http.get(sim.url(AUTHORIZE), params=params) as resp:
        page = await resp.text()
    request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)
    login = {
        "request_id": request_id,
        "step": "login",
        "username": "driver@example.com",
        "password": "demo",
    }
    async with sim.http.post(sim.url(AUTHORIZE), data=login) as resp:
        page = await resp.text()
    asked = re.findall(r"<li>(.*?)</li>", page)
    # Asked once each, in order; the required one says so.
    assert asked == [
        "Read EV battery&#x27;s capacity and state of charge <b>(required)</b>",
        "Know whether vehicle is charging",
    ]
    approve = {"request_id": request_id, "step": "approve", "vehicle": TESLA}
    async with sim.http.post(
        sim.url(AUTHORIZE), data=approve, allow_redirects=False
    ) as resp:
        location = resp.headers["Location"]
    assert await permissions_of(sim, location) == ["read_battery", "read_charge"]


@pytest.mark.parametrize(
    ("scope", "error"),
    [("required:fly_car", "invalid_scope"), ("required:", "invalid_scope")],
)
async def test_unknown_required_scope(sim, scope, error):
    async with sim.http.get(
        sim.url(AUTHORIZE), params=authorize_params(scope=scope), allow_redirects=False
    ) as resp:
        assert resp.status == 302
        assert query_of(resp.headers["Location"])["error"] == error


@pytest.fixture
def dashboard_scopes(scenario):
    scenario["smartcar"]["applications"][0]["scopes"] = [
        "read_vehicle_info",
        "read_battery",
    ]


async def test_no_scope_takes_the_applications_dashboard_permissions(
    dashboard_scopes, sim
):
    params = authorize_params()
    del params["scope"]
    granted = await granted_permissions(sim, params)
    assert granted == ["read_vehicle_info", "read_battery"]
