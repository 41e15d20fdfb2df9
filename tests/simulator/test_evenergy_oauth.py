"""ev.energy OAuth: authorize pages, codes, tokens, refresh, revoke."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from yarl import URL

from .conftest import basic_auth
from .test_evenergy_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    DRIVER,
    KIA,
    REDIRECT,
    call,
    cc_access,
    get_code,
    token_request,
    user_token,
)

AUTHORIZE = "/evenergy/o/authorize/"


def form_value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


async def start(sim, **params):
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        **params,
    }
    async with sim.http.get(
        sim.url(AUTHORIZE), params=query, allow_redirects=False
    ) as resp:
        return resp.status, resp.content_type, await resp.text(), resp.headers


async def post_form(sim, data):
    async with sim.http.post(
        sim.url(AUTHORIZE), data=data, allow_redirects=False
    ) as resp:
        return resp.status, await resp.text(), resp.headers


def exchange(code, **extra):
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        **extra,
    }


async def test_login_and_consent_redirect_with_code_and_state(sim):
    status, content_type, page, _ = await start(sim, state="xyz")
    assert status == 200
    assert content_type == "text/html"
    assert "Sign in to ev.energy" in page
    request_id = form_value(page, "request_id")
    status, page, _ = await post_form(
        sim,
        {
            "request_id": request_id,
            "step": "login",
            "username": "driver@example.com",
            "password": "wrong",
        },
    )
    assert "Wrong username or password." in page
    status, page, _ = await post_form(
        sim,
        {
            "request_id": request_id,
            "step": "login",
            "username": "Driver@Example.com",
            "password": "demo",
        },
    )
    assert status == 200
    assert "See your vehicles and their charging status" in page
    assert "Kia EV6 GT-Line Long Range (77.4 kWh)</li>" in page
    assert "checkbox" not in page  # ev.energy shares every vehicle
    status, _, headers = await post_form(
        sim, {"request_id": request_id, "step": "approve"}
    )
    assert status == 302
    location = URL(headers["Location"])
    assert str(location.with_query(None)) == REDIRECT
    assert location.query["state"] == "xyz"
    answer = await token_request(sim, exchange(location.query["code"]))
    assert answer.status == 200
    body = answer.body
    assert set(body) == {
        "access_token",
        "expires_in",
        "token_type",
        "scope",
        "refresh_token",
    }
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 36000
    assert body["scope"] == (
        "vehicle:read vehicle:write user:read charging_session:read "
        "charging_session:write"
    )
    assert answer.headers["Cache-Control"] == "no-store"


async def test_deny_redirects_with_access_denied(sim):
    _, _, page, _ = await start(sim, state="s1")
    request_id = form_value(page, "request_id")
    await post_form(
        sim,
        {
            "request_id": request_id,
            "step": "login",
            "username": "driver@example.com",
            "password": "demo",
        },
    )
    status, _, headers = await post_form(
        sim, {"request_id": request_id, "step": "deny"}
    )
    assert status == 302
    assert URL(headers["Location"]).query["error"] == "access_denied"


async def test_authorize_errors(sim):
    status, content_type, page, _ = await start(sim, client_id="nope")
    assert status == 400
    assert content_type == "text/html"
    assert "Invalid client_id" in page
    status, _, page, _ = await start(sim, redirect_uri="")
    assert status == 400
    assert "redirect_uri" in page
    status, _, _, headers = await start(sim, response_type="token", state="a")
    assert status == 302
    query = URL(headers["Location"]).query
    assert query["error"] == "unsupported_response_type"
    assert query["state"] == "a"
    status, _, _, headers = await start(sim, scope="evse:read")
    assert URL(headers["Location"]).query["error"] == "invalid_scope"
    status, _, _, headers = await start(
        sim, code_challenge="abc", code_challenge_method="S512"
    )
    assert URL(headers["Location"]).query["error"] == "invalid_request"
    async with sim.http.put(sim.url(AUTHORIZE)) as resp:
        assert resp.status == 405


@pytest.fixture
def registered_redirect(scenario):
    scenario["evenergy"]["applications"][0]["redirect_uris"] = [REDIRECT]


async def test_registered_redirect_uri_is_the_default(registered_redirect, sim):
    status, _, page, _ = await start(sim, redirect_uri="")
    assert status == 200
    assert "Sign in" in page
    status, _, page, _ = await start(sim, redirect_uri="http://evil.example/")
    assert status == 400


async def test_auto_approve_by_user_id_with_scope(sim):
    code = await get_code(sim, DRIVER, scope="vehicle:read")
    answer = await token_request(sim, exchange(code))
    assert answer.body["scope"] == "vehicle:read"


async def test_code_reuse_and_expiry(sim):
    code = await get_code(sim)
    assert (await token_request(sim, exchange(code))).status == 200
    again = await token_request(sim, exchange(code))
    assert again.status == 400
    assert again.body["error"] == "invalid_grant"
    code = await get_code(sim)
    sim.state.clock.advance(61)
    late = await token_request(sim, exchange(code))
    assert late.status == 400
    assert late.body == {
        "error": "invalid_grant",
        "error_description": "Authorization code has expired.",
    }


async def test_pkce_s256(sim):
    verifier = "a" * 64
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    code = await get_code(sim, code_challenge=challenge, code_challenge_method="S256")
    missing = await token_request(sim, exchange(code))
    assert missing.status == 400
    assert missing.body["error"] == "invalid_request"
    wrong = await token_request(sim, exchange(code, code_verifier="b" * 64))
    assert wrong.body["error"] == "invalid_grant"
    code = await get_code(sim, code_challenge=challenge, code_challenge_method="S256")
    right = await token_request(sim, exchange(code, code_verifier=verifier))
    assert right.status == 200


async def test_refresh_rotates_and_revokes_the_old_tokens(sim):
    first = await user_token(sim)
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
    }
    auth = basic_auth(CLIENT_ID, CLIENT_SECRET)
    answer = await token_request(sim, refresh, headers=auth)
    assert answer.status == 200
    second = answer.body
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == first["scope"]
    reused = await token_request(sim, refresh, headers=auth)
    assert reused.status == 400
    assert reused.body["error"] == "invalid_grant"
    old = await call(sim, "GET", f"/v2/vehicles/{KIA}", first["access_token"])
    assert old.status == 401
    new = await call(sim, "GET", f"/v2/vehicles/{KIA}", second["access_token"])
    assert new.status == 200


async def test_token_endpoint_errors(sim):
    no_client = await token_request(sim, {"grant_type": "client_credentials"})
    assert no_client.status == 401
    assert no_client.body["error"] == "invalid_client"
    bad_secret = await token_request(
        sim,
        {"grant_type": "client_credentials"},
        headers=basic_auth(CLIENT_ID, "wrong"),
    )
    assert bad_secret.status == 401
    assert bad_secret.body["error"] == "invalid_client"
    creds = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    grant = await token_request(sim, {"grant_type": "password", **creds})
    assert grant.status == 400
    assert grant.body["error"] == "unsupported_grant_type"
    no_code = await token_request(sim, {"grant_type": "authorization_code", **creds})
    assert no_code.body["error"] == "invalid_request"
    no_refresh = await token_request(sim, {"grant_type": "refresh_token", **creds})
    assert no_refresh.body["error"] == "invalid_request"
    scope = await token_request(
        sim, {"grant_type": "client_credentials", "scope": "debug:read", **creds}
    )
    assert scope.body["error"] == "invalid_scope"
    async with sim.http.get(sim.url("/evenergy/o/token/")) as resp:
        assert resp.status == 405
        assert (await resp.json())["error"] == "invalid_request"


async def test_client_credentials_token(sim):
    answer = await token_request(
        sim,
        {"grant_type": "client_credentials", "scope": "vehicle:read"},
        headers=basic_auth(CLIENT_ID, CLIENT_SECRET),
    )
    assert answer.status == 200
    assert "refresh_token" not in answer.body
    assert answer.body["scope"] == "vehicle:read"
    token = answer.body["access_token"]
    listed = await call(sim, "GET", "/v2/vehicles", token, {"EvEnergy-User": DRIVER})
    assert listed.status == 200


async def test_revoke_token(sim):
    body = await user_token(sim)
    auth = basic_auth(CLIENT_ID, CLIENT_SECRET)
    # The trailing slash is optional; unknown tokens are fine (RFC 7009).
    async with sim.http.post(
        sim.url("/evenergy/o/revoke_token"), data={"token": "nope"}, headers=auth
    ) as resp:
        assert resp.status == 200
    async with sim.http.post(
        sim.url("/evenergy/o/revoke_token/"),
        data={"token": body["refresh_token"]},
        headers=auth,
    ) as resp:
        assert resp.status == 200
    answer = await call(sim, "GET", "/v2/vehicles", body["access_token"])
    assert answer.status == 401
    async with sim.http.post(
        sim.url("/evenergy/o/revoke_token/"), data={"token": "x"}
    ) as resp:
        assert resp.status == 401
        assert (await resp.json())["error"] == "invalid_client"


async def test_control_revoke_user_and_expire_tokens(sim):
    token = (await user_token(sim))["access_token"]
    revoked = await sim.control("POST", "/evenergy/users/driver@example.com/revoke")
    assert revoked == {"revoked": 1}
    assert (await call(sim, "GET", "/v2/vehicles", token)).status == 401
    token = (await user_token(sim))["access_token"]
    await sim.control("POST", "/evenergy/tokens/expire")
    answer = await call(sim, "GET", "/v2/vehicles", token)
    assert answer.status == 401
    assert "invalid_token" in answer.headers["WWW-Authenticate"]
    async with sim.http.post(sim.url("/_sim/evenergy/users/nobody/revoke")) as resp:
        assert resp.status == 404


async def test_cc_token_is_independent_of_users(sim):
    token = await cc_access(sim)
    await sim.control("POST", f"/evenergy/users/{DRIVER}/revoke")
    answer = await call(sim, "GET", "/v2/users", token)
    assert answer.status == 200
