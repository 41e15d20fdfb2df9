"""Config flow: pick the provider, sign in with OAuth2, reauth, reconfigure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components import webhook
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
)
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    async_get_config_entry_implementation,
)
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .api import (
    EVApiError,
    EVAuthenticationError,
    EvEnergyClient,
    SmartcarClient,
    StaticToken,
)
from .application_credentials import EvBatteryOAuth2Implementation
from .const import (
    CONF_CLOUDHOOK_URL,
    CONF_MANAGEMENT_TOKEN,
    CONF_MONTHLY_CALLS,
    CONF_PROVIDER,
    CONF_READ_LOCATION,
    CONF_READ_ODOMETER,
    CONF_SCAN_INTERVAL_MINUTES,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_MONTHLY_CALLS,
    MAX_SCAN_INTERVAL_MINUTES,
    MIN_MONTHLY_CALLS,
    MIN_SCAN_INTERVAL_MINUTES,
    PROVIDER_NAMES,
    SMARTCAR_MONTHLY_CALLS,
    Provider,
    provider_urls,
)
from .evenergy_push import WebhookDetails, async_webhook_details, valid_secret
from .schema import vol
from .scopes import CONF_SCOPES, requested_scopes
from .v3_entry import is_v3
from .v3_flow import SmartcarV3FlowMixin, is_v3_credential

if TYPE_CHECKING:
    import logging
    from collections.abc import Mapping


class EvBatteryFlowHandler(
    SmartcarV3FlowMixin,
    config_entry_oauth2_flow.AbstractOAuth2FlowHandler,
    domain=DOMAIN,
):
    """Add an account: the provider first, then its OAuth2 sign-in."""

    DOMAIN = DOMAIN
    VERSION = 1

    def __init__(self) -> None:
        """Start with no provider chosen."""
        super().__init__()
        self._provider = Provider.SMARTCAR
        self._read_odometer = False
        self._read_location = False
        # ev.energy: the Home Assistant webhook the flow shows (and stores).
        self._evenergy_webhook_id: str | None = None

    @property
    def logger(self) -> logging.Logger:
        """The flow's logger."""
        return LOGGER

    @property
    def extra_authorize_data(self) -> dict[str, Any]:
        """The permissions to ask for."""
        scopes = requested_scopes(self._provider, read_odometer=self._read_odometer)
        data: dict[str, Any] = {"scope": " ".join(scopes)}
        if self._provider is Provider.SMARTCAR:
            data["approval_prompt"] = (
                "force" if self.source == SOURCE_REAUTH else "auto"
            )
        return data

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose Smartcar or ev.energy."""
        if user_input is None:
            return self.async_show_form(
                step_id="user",
                data_schema=vol.Schema(
                    {
                        vol.Required(
                            CONF_PROVIDER, default=Provider.SMARTCAR.value
                        ): SelectSelector(
                            SelectSelectorConfig(
                                options=[provider.value for provider in Provider],
                                translation_key=CONF_PROVIDER,
                                mode=SelectSelectorMode.LIST,
                            )
                        ),
                        vol.Optional(CONF_READ_ODOMETER, default=False): bool,
                        vol.Optional(CONF_READ_LOCATION, default=False): bool,
                    }
                ),
            )
        self._provider = Provider(user_input[CONF_PROVIDER])
        self._read_odometer = bool(user_input.get(CONF_READ_ODOMETER))
        self._read_location = bool(user_input.get(CONF_READ_LOCATION))
        return await self.async_step_pick_implementation()

    async def async_step_auth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Point the credential at the chosen provider, check it, then authorize."""
        if (
            user_input is None
            and self._provider is Provider.SMARTCAR
            and isinstance(self.flow_impl, EvBatteryOAuth2Implementation)
            and is_v3_credential(self.flow_impl.client_id)
        ):
            # A Smartcar v3 application: its own set-up (Application ID,
            # management token, Connect with user_id).
            return await self.async_step_smartcar_v3()
        if isinstance(self.flow_impl, EvBatteryOAuth2Implementation):
            self.flow_impl.set_provider(self._provider)
            if (
                user_input is None
                and await self.flow_impl.async_client_known() is False
            ):
                return self.async_abort(
                    reason="wrong_credential",
                    description_placeholders={
                        "provider": PROVIDER_NAMES[self._provider],
                        "credential": self.flow_impl.name,
                    },
                )
        return await super().async_step_auth(user_input)

    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Identify the account, then create (or update) the entry."""
        try:
            user_id = await self._account_id(data["token"]["access_token"])
            if not await self._has_vehicles(data["token"]["access_token"]):
                # Smartcar Connect lets a person allow access to no vehicle.
                return self.async_abort(reason="no_vehicles")
        except EVAuthenticationError:
            return self.async_abort(reason="oauth_unauthorized")
        except EVApiError:
            return self.async_abort(reason="cannot_connect")
        await self.async_set_unique_id(f"{self._provider}_{user_id}")
        data = {
            **data,
            CONF_PROVIDER: self._provider.value,
            CONF_READ_ODOMETER: self._read_odometer,
            CONF_SCOPES: list(
                requested_scopes(self._provider, read_odometer=self._read_odometer)
            ),
        }
        if self.source == SOURCE_REAUTH:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            return self.async_update_reload_and_abort(
                self._get_reauth_entry(), data_updates=data
            )
        self._abort_if_unique_id_configured()
        if self._provider is Provider.EVENERGY:
            return await self._async_evenergy_entry(data)
        return self.async_create_entry(title=PROVIDER_NAMES[self._provider], data=data)

    async def _async_evenergy_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Create an ev.energy entry; say how to add its webhook endpoint."""
        webhook_id = webhook.async_generate_id()
        client = EvEnergyClient(
            StaticToken(data["token"]["access_token"]),
            session=async_get_clientsession(self.hass),
            base_url=provider_urls(Provider.EVENERGY).api,
        )
        details = await async_webhook_details(self.hass, webhook_id, client)
        data = {**data, **self._webhook_updates(webhook_id, details)}
        return self.async_create_entry(
            title=PROVIDER_NAMES[Provider.EVENERGY],
            data=data,
            description=details.create_description,
            description_placeholders=details.placeholders,
        )

    @staticmethod
    def _webhook_updates(webhook_id: str, details: WebhookDetails) -> dict[str, Any]:
        """Entry data of an ev.energy entry's webhook."""
        updates: dict[str, Any] = {CONF_WEBHOOK_ID: webhook_id}
        if details.cloudhook:
            updates[CONF_CLOUDHOOK_URL] = details.url
        return updates

    async def _async_evenergy_webhook(self, entry: ConfigEntry) -> WebhookDetails:
        """The entry's webhook URL and a fresh link to ev.energy's portal."""
        if self._evenergy_webhook_id is None:
            self._evenergy_webhook_id = (
                entry.data.get(CONF_WEBHOOK_ID) or webhook.async_generate_id()
            )
        client = None
        if entry.state is ConfigEntryState.LOADED and isinstance(
            entry.runtime_data.client, EvEnergyClient
        ):
            client = entry.runtime_data.client
        return await async_webhook_details(self.hass, self._evenergy_webhook_id, client)

    async def _has_vehicles(self, access_token: str) -> bool:
        """Whether the grant covers a vehicle (Smartcar; ev.energy always does).

        An ev.energy account without vehicles can still add an unintegrated
        one through the ``create_unintegrated_vehicle`` action.
        """
        if self._provider is not Provider.SMARTCAR:
            return True
        smartcar = SmartcarClient(
            StaticToken(access_token),
            session=async_get_clientsession(self.hass),
            api_base=provider_urls(self._provider).api,
        )
        return bool(await smartcar.get_vehicle_ids())

    async def _account_id(self, access_token: str) -> str:
        session = async_get_clientsession(self.hass)
        api = provider_urls(self._provider).api
        if self._provider is Provider.SMARTCAR:
            smartcar = SmartcarClient(
                StaticToken(access_token), session=session, api_base=api
            )
            return await smartcar.get_user_id()
        evenergy = EvEnergyClient(
            StaticToken(access_token), session=session, base_url=api
        )
        return (await evenergy.get_current_user()).id

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """The token was refused: sign in again to the same account."""
        self._provider = Provider(entry_data[CONF_PROVIDER])
        self._read_odometer = bool(entry_data.get(CONF_READ_ODOMETER))
        self._read_location = bool(entry_data.get(CONF_READ_LOCATION))
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before leaving for the provider's sign-in page."""
        if user_input is None:
            return self.async_show_form(
                step_id="reauth_confirm",
                description_placeholders={"provider": PROVIDER_NAMES[self._provider]},
            )
        if self._reauth_is_v3():
            # The credential was refused: pick it (or a new one) and check it;
            # the person's connection to Smartcar stays as it is.
            return await self.async_step_pick_implementation()
        # Sign in again with the credential the entry already uses.
        self.flow_impl = await async_get_config_entry_implementation(
            self.hass, self._get_reauth_entry()
        )
        return await self.async_step_auth()

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change how much may be read, without adding the account again.

        Smartcar: the monthly allowance of billed calls per vehicle (the
        poller spends it); ev.energy: the polling interval and the webhook's
        signing secret (with the URL and the steps to add the endpoint).
        """
        entry = self._get_reconfigure_entry()
        provider = Provider(entry.data[CONF_PROVIDER])
        if provider is Provider.SMARTCAR:
            key = CONF_MONTHLY_CALLS
            default = int(entry.data.get(CONF_MONTHLY_CALLS, SMARTCAR_MONTHLY_CALLS))
            selector = NumberSelectorConfig(
                min=MIN_MONTHLY_CALLS,
                max=MAX_MONTHLY_CALLS,
                step=1,
                mode=NumberSelectorMode.BOX,
            )
        else:
            key = CONF_SCAN_INTERVAL_MINUTES
            default = int(
                entry.data.get(
                    CONF_SCAN_INTERVAL_MINUTES,
                    DEFAULT_SCAN_INTERVAL[provider].total_seconds() // 60,
                )
            )
            selector = NumberSelectorConfig(
                min=MIN_SCAN_INTERVAL_MINUTES[provider],
                max=MAX_SCAN_INTERVAL_MINUTES,
                step=1,
                mode=NumberSelectorMode.BOX,
                unit_of_measurement="min",
            )
        fields: dict[Any, Any] = {
            vol.Required(key, default=default): NumberSelector(selector)
        }
        v3 = is_v3(entry)
        if v3:
            fields[
                vol.Optional(
                    CONF_MANAGEMENT_TOKEN,
                    description={
                        "suggested_value": entry.data.get(CONF_MANAGEMENT_TOKEN)
                    },
                )
            ] = self.secret_selector()
        placeholders = {"provider": PROVIDER_NAMES[provider]}
        details: WebhookDetails | None = None
        if provider is Provider.EVENERGY:
            fields[
                vol.Optional(
                    CONF_WEBHOOK_SECRET,
                    description={
                        "suggested_value": entry.data.get(CONF_WEBHOOK_SECRET)
                    },
                )
            ] = self.secret_selector()
            details = await self._async_evenergy_webhook(entry)
            placeholders |= details.placeholders
        errors: dict[str, str] = {}
        if user_input is not None:
            updates: dict[str, Any] = {key: int(user_input[key])}
            if v3:
                token = str(user_input.get(CONF_MANAGEMENT_TOKEN) or "").strip()
                errors = await self.async_check_management_token(entry, token)
                updates |= self.push_updates(entry, token)
            if details is not None and self._evenergy_webhook_id is not None:
                secret = str(user_input.get(CONF_WEBHOOK_SECRET) or "").strip()
                if secret and not valid_secret(secret):
                    errors = {CONF_WEBHOOK_SECRET: "webhook_secret_invalid"}
                updates |= {
                    CONF_WEBHOOK_SECRET: secret,
                    **self._webhook_updates(self._evenergy_webhook_id, details),
                }
            if not errors:
                return self.async_update_reload_and_abort(entry, data_updates=updates)
        elif details is not None and details.url is None:
            errors = {"base": "webhook_unreachable"}
        elif details is not None and details.portal_url is None:
            errors = {"base": "webhook_portal_unavailable"}
        return self.async_show_form(
            step_id=f"reconfigure_{provider}",
            data_schema=vol.Schema(fields),
            description_placeholders=placeholders,
            errors=errors,
        )

    async def async_step_reconfigure_smartcar(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The Smartcar form's answer."""
        return await self.async_step_reconfigure(user_input)

    async def async_step_reconfigure_evenergy(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The ev.energy form's answer."""
        return await self.async_step_reconfigure(user_input)
