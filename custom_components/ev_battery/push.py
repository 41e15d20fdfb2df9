"""Smartcar v3 push: Home Assistant's webhook for Smartcar's deliveries.

One Home Assistant webhook per Smartcar application (the Dashboard gives an
application one webhook URL for all its users): every entry of that
application shares it, and a delivery goes to the coordinator of its vehicle.
VERIFY is answered with the management token's HMAC; every other delivery
must carry Smartcar's signature, is taken once (Smartcar retries, so an
``eventId`` may come again) and updates the vehicle at once, without a call.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.util.hass_dict import HassKey

from .api import (
    SIGNATURE_HEADER,
    EVInvalidResponseError,
    VehicleErrorEvent,
    VehicleStateEvent,
    VerifyEvent,
    challenge_response,
    parse_webhook,
    verify_signature,
)
from .const import (
    CONF_APPLICATION_ID,
    CONF_CLOUDHOOK_URL,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_WEBHOOK_ID,
    DOMAIN,
    LOGGER,
    simulator_url,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from types import ModuleType

    from homeassistant.config_entries import ConfigEntry

    from .coordinator import EvBatteryConfigEntry

type WebhookHandler = Callable[
    [HomeAssistant, str, web.Request], Awaitable[web.Response | None]
]

# Event ids remembered per webhook to drop Smartcar's retries of a delivery
# that was taken (it retries after 25, 50 and 100 s).
SEEN_EVENTS = 1000


@dataclass
class PushHub:
    """One registered Home Assistant webhook and the entries it serves."""

    webhook_id: str
    entry_ids: set[str] = field(default_factory=set)
    seen: OrderedDict[str, None] = field(default_factory=OrderedDict)
    warned: bool = False

    def first_time(self, event_id: str) -> bool:
        """Whether ``event_id`` is new (and remember it)."""
        if event_id in self.seen:
            return False
        self.seen[event_id] = None
        while len(self.seen) > SEEN_EVENTS:
            self.seen.popitem(last=False)
        return True

    def warn_once(self, message: str, *args: object) -> bool:
        """Log a refused delivery as a warning, the first time only.

        ``message`` says what was wrong and what to check, never a secret.
        Returns whether it logged.
        """
        if self.warned:
            return False
        self.warned = True
        LOGGER.warning(message, *args)
        return True


PUSH_HUBS: HassKey[dict[str, PushHub]] = HassKey(f"{DOMAIN}_push")


def push_configured(entry: ConfigEntry) -> bool:
    """Whether an entry takes pushed data (it has a management token)."""
    return bool(
        entry.data.get(CONF_MANAGEMENT_TOKEN) and entry.data.get(CONF_WEBHOOK_ID)
    )


def shared_webhook_id(hass: HomeAssistant, application_id: str) -> str | None:
    """The webhook another entry of the same Smartcar application uses."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.data.get(CONF_APPLICATION_ID) == application_id and (
            webhook_id := entry.data.get(CONF_WEBHOOK_ID)
        ):
            return str(webhook_id)
    return None


def _cloud(hass: HomeAssistant) -> ModuleType | None:
    """Home Assistant Cloud's component, when it is loaded (else None).

    Imported only then: importing it loads Alexa, Google Assistant and the
    camera component, whose requirements an installation without Cloud may
    not have.
    """
    if "cloud" not in hass.config.components:
        return None
    from homeassistant.components import cloud  # noqa: PLC0415

    return cloud


async def async_webhook_url(
    hass: HomeAssistant, webhook_id: str
) -> tuple[str | None, bool]:
    """The URL Smartcar should deliver to, and whether it is a cloudhook.

    None when Smartcar cannot reach us. Home Assistant Cloud's cloudhook
    when Cloud is connected; else Home Assistant's external URL. An internal
    address is no use to Smartcar, except for the local simulator.
    """
    cloud = _cloud(hass)
    if cloud is not None and cloud.async_active_subscription(hass):
        try:
            return await cloud.async_create_cloudhook(hass, webhook_id), True
        except cloud.CloudNotAvailable:
            LOGGER.debug("Home Assistant Cloud is not available for the webhook")
    local = bool(simulator_url())
    try:
        url = webhook.async_generate_url(
            hass,
            webhook_id,
            allow_internal=local,
            allow_ip=True if local else None,
        )
    except NoURLAvailableError:
        return None, False
    return url, False


def unreachable_issue_id(entry: ConfigEntry) -> str:
    """The repair issue of an entry Smartcar cannot deliver to."""
    return f"push_unreachable_{entry.entry_id}"


@callback
def async_check_reachable(
    hass: HomeAssistant,
    entry: ConfigEntry,
    url: str | None,
    *,
    translation_key: str = "push_unreachable",
) -> None:
    """Raise (or clear) the repair issue that says push cannot arrive."""
    if url is not None:
        ir.async_delete_issue(hass, DOMAIN, unreachable_issue_id(entry))
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        unreachable_issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=translation_key,
        translation_placeholders={"title": entry.title},
        learn_more_url="https://www.home-assistant.io/docs/configuration/remote/",
    )


async def async_setup_push(
    hass: HomeAssistant,
    entry: EvBatteryConfigEntry,
    *,
    name: str = "Smartcar",
    handler: WebhookHandler | None = None,
    translation_key: str = "push_unreachable",
) -> None:
    """Take deliveries for ``entry`` (register the webhook once per application).

    Smartcar's handler unless ``handler`` is given (ev.energy's webhook).
    """
    webhook_id = str(entry.data[CONF_WEBHOOK_ID])
    hubs = hass.data.setdefault(PUSH_HUBS, {})
    hub = hubs.get(webhook_id)
    if hub is None:
        hub = hubs[webhook_id] = PushHub(webhook_id)
        webhook.async_register(
            hass,
            DOMAIN,
            name,
            webhook_id,
            handler or _async_handle,
            allowed_methods=["POST"],
        )
    hub.entry_ids.add(entry.entry_id)
    url = (
        entry.data.get(CONF_CLOUDHOOK_URL)
        or (await async_webhook_url(hass, webhook_id))[0]
    )
    async_check_reachable(hass, entry, url, translation_key=translation_key)


@callback
def async_unload_push(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Stop taking deliveries for ``entry`` (unregister with the last one)."""
    webhook_id = entry.data.get(CONF_WEBHOOK_ID)
    hubs = hass.data.get(PUSH_HUBS, {})
    hub = hubs.get(str(webhook_id))
    if hub is None:
        return
    hub.entry_ids.discard(entry.entry_id)
    if not hub.entry_ids:
        webhook.async_unregister(hass, hub.webhook_id)
        hubs.pop(hub.webhook_id)


async def async_remove_cloudhook(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete the entry's cloudhook unless another entry still uses it."""
    if not entry.data.get(CONF_CLOUDHOOK_URL):
        return
    webhook_id = entry.data.get(CONF_WEBHOOK_ID)
    if any(
        other.data.get(CONF_WEBHOOK_ID) == webhook_id
        for other in hass.config_entries.async_entries(DOMAIN)
        if other.entry_id != entry.entry_id
    ):
        return
    cloud = _cloud(hass)
    if cloud is None:
        return
    try:
        await cloud.async_delete_cloudhook(hass, str(webhook_id))
    except cloud.CloudNotAvailable:
        LOGGER.debug("The cloudhook could not be deleted: Cloud is not available")


def loaded_entries(hass: HomeAssistant, hub: PushHub) -> list[EvBatteryConfigEntry]:
    """The hub's entries that are loaded (they have coordinators)."""
    entries: list[EvBatteryConfigEntry] = []
    for entry_id in hub.entry_ids:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is not None and entry.state is ConfigEntryState.LOADED:
            entries.append(entry)
    return entries


def serving(
    hass: HomeAssistant, webhook_id: str
) -> tuple[PushHub, list[EvBatteryConfigEntry]] | None:
    """The webhook's hub and its loaded entries (None: nobody takes it now)."""
    hub = hass.data.get(PUSH_HUBS, {}).get(webhook_id)
    entries = loaded_entries(hass, hub) if hub is not None else []
    if hub is None or not entries:
        return None
    return hub, entries


async def _async_handle(
    hass: HomeAssistant, webhook_id: str, request: web.Request
) -> web.Response:
    """One delivery from Smartcar."""
    if (served := serving(hass, webhook_id)) is None:
        return web.Response(status=HTTPStatus.SERVICE_UNAVAILABLE)
    hub, entries = served
    token = str(entries[0].data[CONF_MANAGEMENT_TOKEN])
    raw = await request.read()
    try:
        event = parse_webhook(raw)
    except EVInvalidResponseError:
        LOGGER.debug("A webhook delivery that is not Smartcar's was ignored")
        return web.Response(status=HTTPStatus.BAD_REQUEST)
    if isinstance(event, VerifyEvent):
        # Smartcar checks the URL when the webhook is created (unsigned).
        _learn_webhook(hass, entries, event.webhook_id)
        return web.json_response(challenge_response(token, event.challenge))
    if not verify_signature(token, raw, request.headers.get(SIGNATURE_HEADER)):
        hub.warn_once(
            "A delivery to the Smartcar webhook was rejected: its signature "
            "is wrong. If this repeats, check that the application management "
            "token in EV Battery is the one of the Smartcar application"
        )
        return web.Response(status=HTTPStatus.UNAUTHORIZED)
    # Any 2xx is taken as delivered; the body is ignored.
    if (
        isinstance(event, VehicleStateEvent | VehicleErrorEvent)
        and hub.first_time(event.event_id)  # else a retry of one taken
    ):
        _learn_webhook(hass, entries, event.webhook_id)
        _dispatch(entries, event)
    return web.Response(status=HTTPStatus.OK)


@callback
def _dispatch(
    entries: list[EvBatteryConfigEntry], event: VehicleStateEvent | VehicleErrorEvent
) -> None:
    """Hand a delivery to its vehicle's coordinator (test deliveries to none)."""
    if event.test:
        LOGGER.debug("A Smartcar test delivery arrived")
        return
    for entry in entries:
        coordinator = entry.runtime_data.coordinators.get(event.vehicle_id)
        if coordinator is None:
            continue
        if isinstance(event, VehicleStateEvent):
            coordinator.async_push(event)
        else:
            coordinator.async_push_error(event)


@callback
def _learn_webhook(
    hass: HomeAssistant, entries: list[EvBatteryConfigEntry], smartcar_id: str | None
) -> None:
    """Remember Smartcar's id of the webhook, then subscribe the vehicles."""
    if not smartcar_id:
        return
    for entry in entries:
        if entry.data.get(CONF_SMARTCAR_WEBHOOK_ID) == smartcar_id:
            continue
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_SMARTCAR_WEBHOOK_ID: smartcar_id}
        )
        entry.async_create_background_task(
            hass,
            entry.runtime_data.async_subscribe(),
            f"{DOMAIN} subscribe vehicles",
        )
