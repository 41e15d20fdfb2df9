"""Shared constants and helpers of the ev.energy simulator tests (no tests here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yarl import URL

CLIENT_ID = "ee-demo-client-id"
CLIENT_SECRET = "ee-demo-client-secret"
REDIRECT = "http://localhost:8123/callback"
DRIVER = "user01HVMNMT00PKFFG8BWNPQ2DN6T"
OTHER = "user01HZ8HH500V4MRM46HP1SNGDYW"
KIA = "vhcl01JHKM51007XDJCD5HJG6PK4GW"
MG4 = "vhcl01JMGAEX002D41HZFCERTZ75KD"
ZOE = "vhcl01JN7G1C0051WY71JB0796782D"
KIA_KEY = "ee-kia-ev6"
TRIM_EV6 = "trim01GTD7FZ00FBW2PSMKAXRDJ0HG"
TRIM_MG4 = "trim01GTJC9D009AFJRKW24QV149G7"
MODEL_EV6 = "vmod01GR54BV00DDSQZ8T9CMPAFD55"
MAKE_KIA = "vmak01GPCFM1006WK8QC02003MD2XW"
PROBLEM = "application/problem+json"


@dataclass
class Answer:
    """A response, read."""

    status: int
    headers: dict[str, str]
    body: Any
    content_type: str


async def call(
    sim,
    method: str,
    path: str,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> Answer:
    """Call ``/evenergy{path}`` and read the JSON (or text) body."""
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    async with sim.http.request(
        method, sim.url(f"/evenergy{path}"), headers=sent, **kwargs
    ) as resp:
        text = await resp.text()
        body: Any = text
        if resp.content_type in ("application/json", PROBLEM):
            body = await resp.json(content_type=None)
        return Answer(resp.status, dict(resp.headers), body, resp.content_type)


async def get_code(sim, user: str = "driver@example.com", **params: str) -> str:
    """An authorization code through auto-approve."""
    sim.state.auto_approve = user
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        **params,
    }
    async with sim.http.get(
        sim.url("/evenergy/o/authorize/"), params=query, allow_redirects=False
    ) as resp:
        assert resp.status == 302, await resp.text()
        location = URL(resp.headers["Location"])
    sim.state.auto_approve = None
    return location.query["code"]


async def token_request(sim, data: dict[str, str], **kwargs: Any) -> Answer:
    """POST to the token endpoint."""
    async with sim.http.post(
        sim.url("/evenergy/o/token/"), data=data, **kwargs
    ) as resp:
        return Answer(
            resp.status,
            dict(resp.headers),
            await resp.json(content_type=None),
            resp.content_type,
        )


async def user_token(sim, user: str = "driver@example.com", **params: str) -> dict:
    """A token body for a user (authorization code grant)."""
    code = await get_code(sim, user, **params)
    answer = await token_request(
        sim,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    assert answer.status == 200, answer.body
    return answer.body


async def access(sim, user: str = "driver@example.com", **params: str) -> str:
    """An access token string for a user."""
    return (await user_token(sim, user, **params))["access_token"]


async def cc_access(sim, scope: str | None = None) -> str:
    """A client credentials access token."""
    data = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    if scope is not None:
        data["scope"] = scope
    answer = await token_request(sim, data)
    assert answer.status == 200, answer.body
    return answer.body["access_token"]


def links(header: str) -> dict[str, str]:
    """The ``Link`` header as {rel: url}."""
    found = {}
    for part in header.split(","):
        url, rel = part.split(";")
        found[rel.strip().removeprefix("rel=").strip('"')] = url.strip()[1:-1]
    return found
