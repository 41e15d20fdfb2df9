"""Smartcar Connect for v3 applications: the redirect back to Home Assistant.

Home Assistant's own OAuth callback forwards only ``code`` (or ``error``),
but a v3 redirect identifies the person by ``user_id`` and may carry no
``code`` at all. So EV Battery has its own callback: it hands the whole
redirect (``user_id``, ``code`` when present, or ``error``) to the waiting
config flow.
"""

from __future__ import annotations

import secrets
from http import HTTPStatus
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from homeassistant.core import callback
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.util.hass_dict import HassKey
from yarl import URL

from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

# The header in which the frontend says where the person reaches Home
# Assistant (Home Assistant's OAuth flows build their redirect from it).
HEADER_FRONTEND_BASE = "HA-Frontend-Base"
CONNECT_CALLBACK_PATH = f"/api/{DOMAIN}/smartcar/connect"
# Flows waiting for Connect's redirect, by the ``state`` they sent.
PENDING_CONNECT: HassKey[dict[str, str]] = HassKey(f"{DOMAIN}_connect")
VIEW_REGISTERED: HassKey[bool] = HassKey(f"{DOMAIN}_connect_view")
# What the callback forwards to the flow.
FORWARDED = ("user_id", "code", "error", "error_description")
CHECK_TIMEOUT = aiohttp.ClientTimeout(total=15)

UNKNOWN_STATE = (
    "This sign-in is unknown or already used: start again in Home Assistant."
)
CLOSE_PAGE = (
    "<!doctype html><title>EV Battery</title>"
    "<p>Smartcar Connect is done: you can close this window.</p>"
    "<script>window.close()</script>"
)


def connect_redirect_uri(hass: HomeAssistant) -> str:
    """The redirect URI to register for a v3 application.

    The address the person's browser uses for Home Assistant right now (the
    frontend sends it, as for Home Assistant's own OAuth callback): the
    browser follows the redirect. Else Home Assistant's configured URL.
    """
    # Read exactly as Home Assistant's own OAuth flows read it: through the
    # module they import as ``http`` (components.http on 2025.4, helpers.http
    # on 2026; neither declares the name, which strict mypy flags).
    request = config_entry_oauth2_flow.http.current_request.get()  # type: ignore[attr-defined,unused-ignore]
    base = request.headers.get(HEADER_FRONTEND_BASE) if request else None
    if not base:
        try:
            base = get_url(hass, require_current_request=True)
        except NoURLAvailableError:
            base = get_url(hass)
    return f"{base.rstrip('/')}{CONNECT_CALLBACK_PATH}"


@callback
def async_register_connect_view(hass: HomeAssistant) -> None:
    """Register the callback once (a flow may run before the entry's set-up)."""
    if hass.data.get(VIEW_REGISTERED):
        return
    hass.data[VIEW_REGISTERED] = True
    hass.http.register_view(SmartcarConnectView())


def connect_state(hass: HomeAssistant, flow_id: str) -> str:
    """A ``state`` that leads Connect's redirect back to ``flow_id``."""
    async_register_connect_view(hass)
    state = secrets.token_urlsafe(24)
    hass.data.setdefault(PENDING_CONNECT, {})[state] = flow_id
    return state


def forget_state(hass: HomeAssistant, flow_id: str) -> None:
    """The flow no longer waits."""
    pending = hass.data.get(PENDING_CONNECT, {})
    for state in [key for key, value in pending.items() if value == flow_id]:
        pending.pop(state)


def authorize_url(
    authorize: str,
    *,
    application_id: str,
    redirect_uri: str,
    scopes: tuple[str, ...],
    state: str,
) -> str:
    """Connect's authorize URL for a v3 application."""
    return str(
        URL(authorize).with_query(
            response_type="code",
            client_id=application_id,
            redirect_uri=redirect_uri,
            scope=" ".join(scopes),
            mode="live",
            state=state,
        )
    )


async def async_application_known(
    hass: HomeAssistant, authorize: str, application_id: str, redirect_uri: str
) -> bool | None:
    """Whether Connect knows the Application ID (None: could not tell).

    Connect answers an unknown ``client_id`` with 400 ("Invalid parameter
    client_id"), which is what a person sees otherwise only after leaving
    Home Assistant.
    """
    url = authorize_url(
        authorize,
        application_id=application_id,
        redirect_uri=redirect_uri,
        scopes=("read_vehicle_info",),
        state="ev-battery-check",
    )
    try:
        async with async_get_clientsession(hass).get(
            url, allow_redirects=False, timeout=CHECK_TIMEOUT
        ) as response:
            if response.status == HTTPStatus.BAD_REQUEST:
                return False
            return response.status < HTTPStatus.BAD_REQUEST
    except (aiohttp.ClientError, TimeoutError):
        return None


class SmartcarConnectView(HomeAssistantView):
    """Connect's redirect: resume the config flow that sent the person."""

    requires_auth = False
    url = CONNECT_CALLBACK_PATH
    name = f"api:{DOMAIN}:smartcar:connect"

    async def get(self, request: web.Request) -> web.Response:
        """Forward ``user_id``/``code``/``error`` to the waiting flow."""
        hass = request.app[KEY_HASS]
        state = request.query.get("state", "")
        flow_id = hass.data.get(PENDING_CONNECT, {}).pop(state, None)
        if flow_id is None:
            return web.Response(
                status=HTTPStatus.BAD_REQUEST,
                text=UNKNOWN_STATE,
            )
        user_input = {
            key: request.query[key] for key in FORWARDED if key in request.query
        }
        await hass.config_entries.flow.async_configure(
            flow_id=flow_id, user_input=user_input
        )
        return web.Response(content_type="text/html", text=CLOSE_PAGE)
