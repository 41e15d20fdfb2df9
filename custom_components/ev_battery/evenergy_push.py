"""ev.energy webhooks: Home Assistant's webhook for Svix's deliveries.

ev.energy sends ``charging_sub_session.created`` and ``.ended`` through Svix
to the endpoint the person adds in ev.energy's webhook portal; the endpoint's
signing secret (``whsec_…``) is copied into the entry. One Home Assistant
webhook per entry (a cloudhook when Home Assistant Cloud is connected), set
up with push.py's helpers. A delivery is taken when its Svix signature and
timestamp are right, once per ``svix-id`` (Svix retries a message with the
same id), and refreshes its vehicle at once: ev.energy's reads are not
billed per vehicle, and the account's one list call serves every vehicle.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING

import orjson
from aiohttp import web
from homeassistant.core import HomeAssistant, callback

from .api import EVApiError, EVInvalidResponseError, EVWebhookSignatureError
from .api.svix import (
    EVENT_SUB_SESSION_CREATED,
    EVENT_SUB_SESSION_ENDED,
    event_from,
    sign,
    verify,
)
from .const import (
    CONF_PROVIDER,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    DOMAIN,
    LOGGER,
    Provider,
)
from .push import (
    async_setup_push,
    async_unload_push,
    async_webhook_url,
    serving,
)
from .vehicle import EvEnergyVehicleApi

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

    from .api import EvEnergyClient
    from .coordinator import EvBatteryConfigEntry

# The events that say a vehicle started or stopped charging (or changed mode).
REFRESHING_EVENTS = frozenset({EVENT_SUB_SESSION_CREATED, EVENT_SUB_SESSION_ENDED})
UNREACHABLE_ISSUE = "evenergy_push_unreachable"


def webhook_configured(entry: ConfigEntry) -> bool:
    """Whether an ev.energy entry takes webhooks (it has the signing secret)."""
    return (
        entry.data.get(CONF_PROVIDER) == Provider.EVENERGY
        and bool(entry.data.get(CONF_WEBHOOK_SECRET))
        and bool(entry.data.get(CONF_WEBHOOK_ID))
    )


def valid_secret(secret: str) -> bool:
    """Whether ``secret`` is a Svix signing secret (``whsec_`` and base64)."""
    if not secret.startswith("whsec_"):
        return False
    try:
        sign(secret, "msg", 0, b"")
    except EVWebhookSignatureError:
        return False
    return True


async def async_portal_url(client: EvEnergyClient) -> str | None:
    """A link to ev.energy's webhook portal (None when it gives none)."""
    try:
        return await client.get_webhook_portal_url()
    except EVApiError as err:
        LOGGER.debug("ev.energy gave no webhook portal link: %s", type(err).__name__)
        return None


@dataclass(frozen=True, slots=True)
class WebhookDetails:
    """What the person needs to add the endpoint in ev.energy's portal."""

    url: str | None
    cloudhook: bool
    portal_url: str | None

    @property
    def placeholders(self) -> dict[str, str]:
        """The flow's description placeholders."""
        return {"webhook_url": self.url or "", "portal_url": self.portal_url or ""}

    @property
    def create_description(self) -> str:
        """The entry-created description that says what to do."""
        if self.url is None:
            return "evenergy_unreachable"
        if self.portal_url is None:
            return "evenergy_no_portal"
        return "evenergy_webhook"


async def async_webhook_details(
    hass: HomeAssistant, webhook_id: str, client: EvEnergyClient | None
) -> WebhookDetails:
    """The webhook's URL (a cloudhook when Cloud is connected) and the portal."""
    url, cloudhook = await async_webhook_url(hass, webhook_id)
    portal = await async_portal_url(client) if client is not None else None
    return WebhookDetails(url=url, cloudhook=cloudhook, portal_url=portal)


async def async_setup_webhook(hass: HomeAssistant, entry: EvBatteryConfigEntry) -> None:
    """Take ev.energy's deliveries for ``entry`` until it is unloaded."""
    await async_setup_push(
        hass,
        entry,
        name="ev.energy",
        handler=_async_handle,
        translation_key=UNREACHABLE_ISSUE,
    )
    entry.async_on_unload(lambda: async_unload_push(hass, entry))


def _vehicle_id(url: str | None) -> str | None:
    """A vehicle's id from its resource URL (``…/v2/vehicles/{id}/``)."""
    return url.rstrip("/").rsplit("/", 1)[-1] if url else None


async def _async_handle(
    hass: HomeAssistant, webhook_id: str, request: web.Request
) -> web.Response:
    """One delivery from ev.energy (through Svix)."""
    if (served := serving(hass, webhook_id)) is None:
        return web.Response(status=HTTPStatus.SERVICE_UNAVAILABLE)
    hub, (entry, *_) = served
    raw = await request.read()
    try:
        message_id = verify(str(entry.data[CONF_WEBHOOK_SECRET]), request.headers, raw)
    except EVWebhookSignatureError as err:
        if not hub.warn_once(
            "A delivery to the ev.energy webhook was refused (%s). If this "
            "repeats, check that the signing secret in EV Battery is the one of "
            "the endpoint in ev.energy's webhook portal",
            err,
        ):
            LOGGER.debug("An ev.energy webhook delivery was refused: %s", err)
        return web.Response(status=HTTPStatus.UNAUTHORIZED)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        LOGGER.debug("A signed ev.energy delivery was not a JSON object")
        return web.Response(status=HTTPStatus.BAD_REQUEST)
    if body.get("type") not in REFRESHING_EVENTS:
        # A kind of event this integration does not use: taken, ignored.
        return web.Response(status=HTTPStatus.OK)
    try:
        event = event_from(body, raw)
    except EVInvalidResponseError:
        LOGGER.debug("A signed ev.energy delivery had no charging sub-session")
        return web.Response(status=HTTPStatus.BAD_REQUEST)
    if hub.first_time(message_id):  # else Svix's retry of one taken
        _refresh(hass, entry, _vehicle_id(event.data.vehicle))
    return web.Response(status=HTTPStatus.OK)


@callback
def _refresh(
    hass: HomeAssistant, entry: EvBatteryConfigEntry, vehicle_id: str | None
) -> None:
    """Read the delivery's vehicle now (a vehicle of another account: none)."""
    coordinator = entry.runtime_data.coordinators.get(vehicle_id or "")
    if coordinator is None:
        LOGGER.debug("An ev.energy delivery for a vehicle of no entry was ignored")
        return
    if isinstance(coordinator.api, EvEnergyVehicleApi):
        # The shared list may be from just before the change: read it afresh.
        coordinator.api.account.expire()
    entry.async_create_background_task(
        hass,
        coordinator.async_request_refresh(),
        f"{DOMAIN} ev.energy webhook refresh",
    )
