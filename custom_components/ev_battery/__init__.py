"""The EV Battery integration: Smartcar and ev.energy vehicles."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import ClientError
from homeassistant.const import Platform
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    OAuth2Session,
    async_get_config_entry_implementation,
)

from .api import (
    EVApiError,
    EVAuthenticationError,
    EVConnectionError,
    EvEnergyClient,
    SmartcarClient,
    SmartcarV3Client,
)
from .application_credentials import EvBatteryOAuth2Implementation
from .connect import async_register_connect_view
from .const import (
    CONF_PROVIDER,
    DOMAIN,
    LOGGER,
    PROVIDER_NAMES,
    Provider,
    provider_urls,
)
from .coordinator import (
    EvBatteryConfigEntry,
    EvBatteryCoordinator,
    EvBatteryData,
    account_identifier,
)
from .errors import describe_error
from .evenergy_push import async_setup_webhook, webhook_configured
from .push import (
    async_remove_cloudhook,
    async_setup_push,
    async_unload_push,
    push_configured,
)
from .scopes import granted_scopes
from .services import async_setup_services
from .token_request import async_revoke_token, is_refused
from .usage import UsageStore
from .v3_entry import (
    async_subscribe_vehicles,
    async_unsubscribe_vehicles,
    async_v3_vehicles,
    is_v3,
    v3_client,
    v3_token,
)
from .vehicle import (
    EVENERGY_EXPAND,
    EvEnergyAccount,
    EvEnergyVehicleApi,
    SmartcarVehicleApi,
    VehicleApi,
    VehicleInfo,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.DEVICE_TRACKER,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


class SessionTokenProvider:
    """Access tokens from Home Assistant's OAuth2 session (refreshed as needed)."""

    def __init__(self, session: OAuth2Session) -> None:
        """Wrap ``session``."""
        self._session = session

    async def async_get_access_token(self) -> str:
        """A valid access token; only a refused grant means re-authenticate."""
        try:
            await self._session.async_ensure_token_valid()
        except ClientError as err:
            if is_refused(err):
                msg = "The provider refused the sign-in; sign in again"
                raise EVAuthenticationError(msg) from err
            msg = "The provider's token endpoint failed; will retry"
            raise EVConnectionError(msg) from err
        return str(self._session.token["access_token"])

    async def async_refresh_access_token(self, rejected: str) -> str:
        """A new access token after the API refused ``rejected``.

        Refreshes only if ``rejected`` is still the current token (another
        caller may have refreshed it already).
        """
        token = self._session.token
        if token["access_token"] == rejected:
            entry = self._session.config_entry
            self._session.hass.config_entries.async_update_entry(
                entry, data={**entry.data, "token": {**token, "expires_at": 0}}
            )
        return await self.async_get_access_token()


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions and Smartcar Connect's v3 redirect."""
    async_setup_services(hass)
    async_register_connect_view(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: EvBatteryConfigEntry) -> bool:
    """Discover the account's vehicles and start one coordinator per vehicle."""
    provider = Provider(entry.data[CONF_PROVIDER])
    try:
        implementation = await async_get_config_entry_implementation(hass, entry)
    except ConfigEntryAuthFailed:
        # Home Assistant 2026: the credential is gone for good; sign in again.
        raise
    except (ValueError, ConfigEntryNotReady) as err:
        # The application credential is not available (yet): Home Assistant
        # 2026 raises ImplementationUnavailableError (a ConfigEntryNotReady),
        # older releases a ValueError. Retry with a message that says what.
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="credential_unavailable"
        ) from err
    if isinstance(implementation, EvBatteryOAuth2Implementation):
        implementation.set_provider(provider)
    session = async_get_clientsession(hass)
    api_url = provider_urls(provider).api
    client: SmartcarClient | SmartcarV3Client | EvEnergyClient
    try:
        if is_v3(entry):
            if not isinstance(implementation, EvBatteryOAuth2Implementation):
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="auth_failed"
                )
            token = v3_token(
                hass, implementation.client_id, implementation.client_secret
            )
            client = v3_client(hass, token, entry.data)
            vehicles = await async_v3_vehicles(client)
        elif provider is Provider.SMARTCAR:
            tokens = SessionTokenProvider(OAuth2Session(hass, entry, implementation))
            client = SmartcarClient(tokens, session=session, api_base=api_url)
            vehicles = await _smartcar_vehicles(client, entry)
        else:
            tokens = SessionTokenProvider(OAuth2Session(hass, entry, implementation))
            client = EvEnergyClient(tokens, session=session, base_url=api_url)
            vehicles = await _evenergy_vehicles(client)
    except EVAuthenticationError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="auth_failed"
        ) from err
    except EVApiError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="setup_failed",
            translation_placeholders={"error": describe_error(err)},
        ) from err

    account = _account_device(hass, entry, provider)
    usage = UsageStore(hass, entry.entry_id)
    await usage.async_load()
    coordinators = {
        api.info.vehicle_id: EvBatteryCoordinator(hass, entry, api, account.id, usage)
        for api in vehicles
    }
    # A vehicle whose stored reading is still current costs no call; every
    # other vehicle's first refresh runs at once, and one car failing (asleep,
    # a 502, its allowance used up) leaves its own entities waiting, not the
    # others'.
    restored = {vid for vid, c in coordinators.items() if c.async_restore()}
    await asyncio.gather(
        *(c.async_refresh() for vid, c in coordinators.items() if vid not in restored)
    )
    if any(
        isinstance(c.last_exception, ConfigEntryAuthFailed)
        for c in coordinators.values()
    ):
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="auth_failed"
        )
    _remove_stale_devices(hass, entry, set(coordinators))
    entry.runtime_data = EvBatteryData(
        provider=provider, client=client, coordinators=coordinators, usage=usage
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    if isinstance(client, SmartcarV3Client) and push_configured(entry):
        await _async_start_push(hass, entry, client)
    elif isinstance(client, EvEnergyClient) and webhook_configured(entry):
        await async_setup_webhook(hass, entry)
    return True


async def _async_start_push(
    hass: HomeAssistant, entry: EvBatteryConfigEntry, client: SmartcarV3Client
) -> None:
    """Take Smartcar's deliveries; subscribe the vehicles in the background."""
    data = entry.runtime_data
    for coordinator in data.coordinators.values():
        coordinator.push_enabled = True

    async def subscribe() -> None:
        await async_subscribe_vehicles(client, entry.data, data.coordinators)

    data.subscribe = subscribe
    await async_setup_push(hass, entry)
    entry.async_on_unload(lambda: async_unload_push(hass, entry))
    entry.async_create_background_task(
        hass, subscribe(), f"{DOMAIN} subscribe vehicles"
    )


async def _smartcar_vehicles(
    client: SmartcarClient, entry: EvBatteryConfigEntry
) -> list[VehicleApi]:
    scopes = granted_scopes(entry)
    return [
        SmartcarVehicleApi(
            client,
            VehicleInfo(
                vehicle_id=vehicle_id, provider=Provider.SMARTCAR, make=None, model=None
            ),
            scopes,
        )
        for vehicle_id in await client.get_vehicle_ids()
    ]


async def _evenergy_vehicles(client: EvEnergyClient) -> list[VehicleApi]:
    listed = await client.get_vehicles(expand=EVENERGY_EXPAND)
    account = EvEnergyAccount(client, listed)
    return [EvEnergyVehicleApi(account, vehicle) for vehicle in listed]


def _account_device(
    hass: HomeAssistant, entry: EvBatteryConfigEntry, provider: Provider
) -> dr.DeviceEntry:
    """The account at the provider: the vehicles' devices link to it."""
    return dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, account_identifier(entry))},
        manufacturer=PROVIDER_NAMES[provider],
        name=entry.title,
        entry_type=dr.DeviceEntryType.SERVICE,
    )


def _remove_stale_devices(
    hass: HomeAssistant, entry: EvBatteryConfigEntry, vehicle_ids: set[str]
) -> None:
    """Vehicles no longer on the account lose their device."""
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
        if not ids & (vehicle_ids | {account_identifier(entry)}):
            registry.async_update_device(
                device.id, remove_config_entry_id=entry.entry_id
            )


async def async_unload_entry(hass: HomeAssistant, entry: EvBatteryConfigEntry) -> bool:
    """Unload the platforms; write the month's call counts."""
    if entry.runtime_data.usage is not None:
        await entry.runtime_data.usage.async_flush()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: EvBatteryConfigEntry) -> None:
    """Forget the entry's call counts; give back ev.energy's tokens.

    ev.energy documents token revocation (RFC 7009); Smartcar has none for
    the application's tokens (the README says how to revoke its access).
    """
    await UsageStore(hass, entry.entry_id).async_remove()
    provider = Provider(entry.data[CONF_PROVIDER])
    if is_v3(entry):
        await _async_remove_v3(hass, entry)
        return
    await async_remove_cloudhook(hass, entry)
    revoke_url = provider_urls(provider).revoke
    if revoke_url is None:
        return
    try:
        implementation = await async_get_config_entry_implementation(hass, entry)
    except (ValueError, ConfigEntryNotReady, ConfigEntryAuthFailed):
        LOGGER.info("The tokens were not revoked: the credential is not available")
        return
    if not isinstance(implementation, EvBatteryOAuth2Implementation):
        return
    token = entry.data.get("token", {})
    for kind in ("refresh_token", "access_token"):
        if value := token.get(kind):
            await async_revoke_token(hass, revoke_url, implementation, value, hint=kind)


async def _async_remove_v3(hass: HomeAssistant, entry: EvBatteryConfigEntry) -> None:
    """Unsubscribe the user's vehicles from the webhook (push entries)."""
    if not push_configured(entry):
        return
    try:
        implementation = await async_get_config_entry_implementation(hass, entry)
    except (ValueError, ConfigEntryNotReady, ConfigEntryAuthFailed):
        LOGGER.info("The vehicles were not unsubscribed: the credential is gone")
        await async_remove_cloudhook(hass, entry)
        return
    if isinstance(implementation, EvBatteryOAuth2Implementation):
        token = v3_token(hass, implementation.client_id, implementation.client_secret)
        await async_unsubscribe_vehicles(v3_client(hass, token, entry.data), entry.data)
    await async_remove_cloudhook(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: EvBatteryConfigEntry, device: dr.DeviceEntry
) -> bool:
    """A device may be removed once its vehicle is gone from the account."""
    current = set(entry.runtime_data.coordinators) | {account_identifier(entry)}
    return not any(
        ident in current for domain, ident in device.identifiers if domain == DOMAIN
    )
