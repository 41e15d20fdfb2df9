"""SmartcarM2MToken caching and the v3 error mapping (no network).

The wire (form body, the simulator's answers) is tested over loopback in
test_smartcar_v3_client.py; here the HTTP call is replaced to count requests,
hold them open and drive the clock.
"""

import asyncio

import orjson
import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from custom_components.ev_battery.api import (
    EVApiError,
    EVAuthenticationError,
    EVConnectionError,
    EVInvalidClientError,
    EVInvalidResponseError,
    EVNotFoundError,
    EVNotSupportedError,
    EVPermissionError,
    EVQuotaExceededError,
    EVRateLimitError,
    EVServerError,
    EVValidationError,
    EVVehicleStateError,
    RefreshableTokenProvider,
    SmartcarM2MToken,
)
from custom_components.ev_battery.api._http import RawResponse
from custom_components.ev_battery.api.smartcar_v3 import smartcar_v3_error


def raw(status, body=None, headers=None, text=None):
    if text is None:
        text = orjson.dumps(body).decode() if body is not None else ""
    return RawResponse(
        status=status,
        headers=CIMultiDictProxy(CIMultiDict(headers or {})),
        body=body,
        text=text,
    )


class FakeIam:
    """Answers token requests; can hold them open until released."""

    def __init__(self):
        self.calls = []
        self.answers = []
        self.gate = None

    async def send_form(self, url, form, *, headers=None):
        del headers
        self.calls.append((url, dict(form)))
        if self.gate is not None:
            await self.gate.wait()
        await asyncio.sleep(0)
        answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, Exception):
            raise answer
        if answer is not None:
            return answer
        n = len(self.calls)
        return raw(
            200,
            {"access_token": f"tok-{n}", "token_type": "Bearer", "expires_in": 3600},
        )


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def iam():
    return FakeIam()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def token(iam, clock):
    provider = SmartcarM2MToken(
        None, "client_abc", "secret", token_url="http://iam/oauth2/token", clock=clock
    )
    provider._http = iam
    return provider


async def test_is_a_refreshable_provider(token):
    assert isinstance(token, RefreshableTokenProvider)


async def test_form_request(token, iam):
    assert await token.async_get_access_token() == "tok-1"
    assert iam.calls == [
        (
            "http://iam/oauth2/token",
            {
                "grant_type": "client_credentials",
                "client_id": "client_abc",
                "client_secret": "secret",
            },
        )
    ]


async def test_one_request_in_flight_for_20_callers(token, iam):
    iam.gate = asyncio.Event()
    callers = [asyncio.create_task(token.async_get_access_token()) for _ in range(20)]
    await asyncio.sleep(0.01)
    assert len(iam.calls) == 1
    iam.gate.set()
    assert set(await asyncio.gather(*callers)) == {"tok-1"}
    assert token.request_count == 1
    # Cached afterwards.
    assert await token.async_get_access_token() == "tok-1"
    assert len(iam.calls) == 1


async def test_a_failed_request_fails_every_waiting_caller_once(token, iam):
    iam.gate = asyncio.Event()
    iam.answers = [raw(401, {"error": "invalid_client"})]
    callers = [asyncio.create_task(token.async_get_access_token()) for _ in range(20)]
    await asyncio.sleep(0.01)
    iam.gate.set()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(result, EVInvalidClientError) for result in results)
    assert len(iam.calls) == 1
    # The next caller asks again.
    assert await token.async_get_access_token() == "tok-2"


async def test_a_cancelled_caller_does_not_cancel_the_others(token, iam):
    iam.gate = asyncio.Event()
    first = asyncio.create_task(token.async_get_access_token())
    second = asyncio.create_task(token.async_get_access_token())
    await asyncio.sleep(0.01)
    first.cancel()
    await asyncio.sleep(0)
    iam.gate.set()
    assert await second == "tok-1"
    assert first.cancelled()
    assert len(iam.calls) == 1


async def test_an_error_nobody_waits_for_is_retrieved(token, iam):
    iam.gate = asyncio.Event()
    iam.answers = [raw(500, None, text="boom")]
    caller = asyncio.create_task(token.async_get_access_token())
    await asyncio.sleep(0.01)
    caller.cancel()
    iam.gate.set()
    await asyncio.sleep(0.01)
    assert token._inflight is None  # finished; its error was retrieved


async def test_renewed_refresh_margin_before_expiry(token, iam, clock):
    assert await token.async_get_access_token() == "tok-1"
    clock.now += 3600 - 300 - 1
    assert await token.async_get_access_token() == "tok-1"
    clock.now += 1
    assert await token.async_get_access_token() == "tok-2"
    assert len(iam.calls) == 2


async def test_short_lived_token_renewed_at_half_life(token, iam, clock):
    iam.answers = [raw(200, {"access_token": "short", "expires_in": 120})]
    assert await token.async_get_access_token() == "short"
    clock.now += 59
    assert await token.async_get_access_token() == "short"
    clock.now += 1
    assert await token.async_get_access_token() == "tok-2"


async def test_missing_expires_in_is_an_hour(token, iam, clock):
    iam.answers = [raw(200, {"access_token": "a", "expires_in": "soon"})]
    assert await token.async_get_access_token() == "a"
    clock.now += 3299
    assert await token.async_get_access_token() == "a"
    clock.now += 1
    assert await token.async_get_access_token() == "tok-2"


async def test_refresh_after_401(token, iam):
    assert await token.async_get_access_token() == "tok-1"
    # Two callers had tok-1 refused: one new token.
    iam.gate = asyncio.Event()
    first = asyncio.create_task(token.async_refresh_access_token("tok-1"))
    second = asyncio.create_task(token.async_refresh_access_token("tok-1"))
    await asyncio.sleep(0.01)
    iam.gate.set()
    assert await first == await second == "tok-2"
    # A caller late with its 401 on tok-1 gets the replacement at once.
    assert await token.async_refresh_access_token("tok-1") == "tok-2"
    assert len(iam.calls) == 2
    # Before any token: a request.
    fresh = SmartcarM2MToken(None, "c", "s")
    fresh._http = iam
    assert await fresh.async_refresh_access_token("x") == "tok-3"


async def test_check_always_asks(token, iam):
    await token.async_get_access_token()
    await token.async_check()
    assert len(iam.calls) == 2
    assert await token.async_get_access_token() == "tok-2"
    iam.answers = [raw(401, {"error": "invalid_client", "error_description": "bad"})]
    with pytest.raises(EVInvalidClientError) as err:
        await token.async_check()
    assert isinstance(err.value, EVAuthenticationError)
    assert err.value.code == "invalid_client"
    assert "bad" in str(err.value)


@pytest.mark.parametrize(
    ("answer", "cls"),
    [
        (raw(401, {"error": "invalid_client"}), EVInvalidClientError),
        (raw(401, None, text="Unauthorized"), EVInvalidClientError),
        (raw(400, {"error": "invalid_client"}), EVInvalidClientError),
        (raw(400, {"error": "invalid_request"}), EVValidationError),
        (raw(400, {"error": "unsupported_grant_type"}), EVValidationError),
        (raw(429, {"message": "slow down"}, {"Retry-After": "7"}), EVRateLimitError),
        (raw(500, None, text="<html>500</html>"), EVServerError),
        (raw(503, {"error": "server_error"}), EVServerError),
        (raw(418, {"error": 5}), EVApiError),
        (raw(200, None, text="not json"), EVInvalidResponseError),
        (raw(200, {"token_type": "Bearer"}), EVInvalidResponseError),
        (raw(200, {"access_token": ""}), EVInvalidResponseError),
        (raw(200, ["tok"]), EVInvalidResponseError),
        (EVConnectionError("down"), EVConnectionError),
    ],
)
async def test_token_errors(token, iam, answer, cls):
    iam.answers = [answer]
    with pytest.raises(EVApiError) as err:
        await token.async_get_access_token()
    assert type(err.value) is cls
    if cls is EVRateLimitError:
        assert err.value.retry_after == 7


# ----------------------------------------------------------- error mapping
def v3_body(error_type, code, status, **extra):
    return {
        "type": error_type,
        "code": code,
        "title": "A title",
        "detail": "A detail",
        "status": status,
        "resolution": {"type": "RETRY_LATER"},
        "suggestedUserMessage": "Try later",
        "links": {},
        "meta": {"requestId": "req-1"},
        **extra,
    }


@pytest.mark.parametrize(
    ("error_type", "code", "status", "cls"),
    [
        ("BILLING", "VEHICLE_REQUEST_LIMIT", 430, EVQuotaExceededError),
        ("RATE_LIMIT", "VEHICLE", 429, EVRateLimitError),
        ("VEHICLE_STATE", "ASLEEP", 409, EVVehicleStateError),
        ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE", 501, EVNotSupportedError),
        ("AUTHENTICATION", None, 401, EVAuthenticationError),
        ("PERMISSION", None, 403, EVPermissionError),
        ("VALIDATION", "PARAMETER", 400, EVValidationError),
        ("RESOURCE_NOT_FOUND", "PATH", 404, EVNotFoundError),
        ("UPSTREAM", "NO_RESPONSE", 502, EVServerError),
        ("UPSTREAM", "TIMEOUT", 504, EVServerError),
        ("SERVER", "INTERNAL", 500, EVServerError),
        ("SOMETHING_NEW", "X", 418, EVApiError),
        ("SOMETHING_NEW", "X", 503, EVServerError),
        ("SOMETHING_NEW", "X", 409, EVVehicleStateError),
    ],
)
def test_v3_error_types(error_type, code, status, cls):
    err = smartcar_v3_error(
        raw(status, v3_body(error_type, code, status), {"Retry-After": "31"})
    )
    assert type(err) is cls
    assert (err.status, err.error_type, err.code) == (status, error_type, code)
    assert err.request_id == "req-1"
    assert "A detail" in str(err)
    assert "req-1" in str(err)
    assert err.raw["type"] == error_type
    if cls is EVRateLimitError:
        assert err.retry_after == 31


def test_v3_error_message_falls_back_and_header_request_id():
    body = {"type": "SERVER", "code": 7, "suggestedUserMessage": "Sorry"}
    err = smartcar_v3_error(raw(500, body, {"sc-request-id": "hdr"}))
    assert err.code is None
    assert err.request_id == "hdr"
    assert "Sorry" in err.message
    err = smartcar_v3_error(raw(500, {"type": "SERVER"}))
    assert "no description" in err.message


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, EVValidationError),
        (401, EVAuthenticationError),
        (403, EVPermissionError),
        (404, EVNotFoundError),
        (409, EVVehicleStateError),
        (429, EVRateLimitError),
        (430, EVQuotaExceededError),
        (501, EVNotSupportedError),
        (502, EVServerError),
        (504, EVServerError),
        (418, EVApiError),
    ],
)
def test_v3_error_without_a_smartcar_body(status, cls):
    html = "<html><title>502 Bad Gateway</title></html>"
    err = smartcar_v3_error(raw(status, None, {"Retry-After": "x"}, text=html))
    assert type(err) is cls
    assert err.raw == html
    assert err.error_type is None
    assert "without a Smartcar error body" in str(err)
    if cls is EVRateLimitError:
        assert err.retry_after is None
