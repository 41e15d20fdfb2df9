"""The config flow's Smartcar v3 steps: check the values, Connect, the user.

A v3 application has an Application ID (a UUID; Connect's ``client_id``),
an M2M client id (``client_…``) and secret (the application credential),
and a management token (for push). Mixing them up is the commonest failure
people report, so each is checked before the person leaves for Connect, and
the message says which one is wrong.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.components import webhook
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry, ConfigFlowResult
from homeassistant.core import callback
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.util import dt as dt_util

from .api import EVApiError, EVAuthenticationError
from .application_credentials import EvBatteryOAuth2Implementation
from .connect import (
    async_application_known,
    authorize_url,
    connect_redirect_uri,
    connect_state,
    forget_state,
)
from .const import (
    API_V3,
    CONF_API_VERSION,
    CONF_APPLICATION_ID,
    CONF_CLOUDHOOK_URL,
    CONF_MANAGEMENT_TOKEN,
    CONF_PROVIDER,
    CONF_READ_LOCATION,
    CONF_READ_ODOMETER,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_USER_ID,
    CONF_WEBHOOK_ID,
    DOMAIN,
    PROVIDER_NAMES,
    Provider,
    provider_urls,
)
from .push import async_webhook_url, shared_webhook_id
from .schema import vol
from .scopes import CONF_SCOPES, v3_scopes
from .v3_entry import is_v3, v3_client, v3_token

if TYPE_CHECKING:
    from .api import SmartcarM2MToken, SmartcarV3Client

# An M2M client id of a v3 application (the Application ID is a UUID).
V3_CLIENT_PREFIX = "client_"
# Connections made this long before Connect was opened still count as the
# person's, when the redirect does not say who they are.
CONNECTION_CLOCK_SKEW = timedelta(minutes=2)


def is_v3_credential(client_id: str) -> bool:
    """Whether an application credential is a v3 application's M2M client."""
    return client_id.strip().startswith(V3_CLIENT_PREFIX)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class SmartcarV3FlowMixin(config_entry_oauth2_flow.AbstractOAuth2FlowHandler):
    """Steps of a Smartcar v3 application (mixed into the config flow)."""

    _provider: Provider
    _read_odometer: bool
    _read_location: bool
    _v3_data: dict[str, Any]
    _connect_started: Any
    _connect_answer: dict[str, Any]

    @staticmethod
    def secret_selector() -> TextSelector:
        """A field for a secret (not shown as typed)."""
        return TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))

    def _reauth_is_v3(self) -> bool:
        return is_v3(self._get_reauth_entry())

    def _v3_credential(self) -> EvBatteryOAuth2Implementation:
        impl = self.flow_impl
        # Only an EV Battery credential leads here (is_v3_credential is
        # asked of one); anything else is a programming error.
        if not isinstance(impl, EvBatteryOAuth2Implementation):  # pragma: no cover
            msg = "a v3 application needs an application credential"
            raise TypeError(msg)
        return impl

    def _token(self) -> SmartcarM2MToken:
        credential = self._v3_credential()
        return v3_token(self.hass, credential.client_id, credential.client_secret)

    def _client(
        self, data: dict[str, Any], token: SmartcarM2MToken | None = None
    ) -> SmartcarV3Client:
        return v3_client(self.hass, token or self._token(), data)

    async def async_step_smartcar_v3(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Application ID and management token, each checked."""
        credential = self._v3_credential()
        redirect_uri = connect_redirect_uri(self.hass)
        errors: dict[str, str] = {}
        previous: dict[str, Any] = {}
        if self.source == SOURCE_REAUTH:
            previous = dict(self._get_reauth_entry().data)
        if user_input is not None:
            previous = user_input
            application_id = str(user_input[CONF_APPLICATION_ID]).strip()
            token = str(user_input.get(CONF_MANAGEMENT_TOKEN) or "").strip()
            errors = await self._async_check_v3(application_id, token, redirect_uri)
            if not errors:
                self._v3_data = {
                    CONF_APPLICATION_ID: application_id,
                    CONF_MANAGEMENT_TOKEN: token,
                }
                if self.source == SOURCE_REAUTH:
                    return await self._async_v3_reauth_done()
                return await self.async_step_smartcar_connect()
        return self.async_show_form(
            step_id="smartcar_v3",
            data_schema=vol.Schema(
                {
                    vol.Required(
                        CONF_APPLICATION_ID,
                        description={
                            "suggested_value": previous.get(CONF_APPLICATION_ID)
                        },
                    ): str,
                    vol.Optional(
                        CONF_MANAGEMENT_TOKEN,
                        description={
                            "suggested_value": previous.get(CONF_MANAGEMENT_TOKEN)
                        },
                    ): self.secret_selector(),
                }
            ),
            description_placeholders={
                "credential": credential.name,
                "client_id": credential.client_id,
                "redirect_uri": redirect_uri,
                "dashboard": "https://dashboard.smartcar.com",
            },
            errors=errors,
        )

    async def _async_check_v3(
        self, application_id: str, token: str, redirect_uri: str
    ) -> dict[str, str]:
        """Which value is wrong (field → error), in the order a person fixes them."""
        if errors := self._application_id_shape(application_id):
            return errors
        m2m = self._token()
        client = self._client({CONF_MANAGEMENT_TOKEN: token}, m2m)
        try:
            await m2m.async_check()
        except EVAuthenticationError:
            return {"base": "invalid_client"}
        except EVApiError:
            return {"base": "cannot_connect"}
        known = await async_application_known(
            self.hass,
            provider_urls(Provider.SMARTCAR).authorize,
            application_id,
            redirect_uri,
        )
        if known is False:
            return {CONF_APPLICATION_ID: "application_id_unknown"}
        if token:
            return await self._async_check_token(client)
        return {}

    def _application_id_shape(self, application_id: str) -> dict[str, str]:
        """An Application ID that cannot be one (the client id, not a UUID)."""
        credential = self._v3_credential()
        if is_v3_credential(application_id) or application_id == credential.client_id:
            return {CONF_APPLICATION_ID: "application_id_is_client_id"}
        if not _is_uuid(application_id):
            return {CONF_APPLICATION_ID: "application_id_not_uuid"}
        return {}

    @staticmethod
    async def _async_check_token(client: SmartcarV3Client) -> dict[str, str]:
        """Whether the Management API takes the management token."""
        try:
            await client.get_subscriptions(vehicle_id=str(uuid.UUID(int=0)))
        except EVAuthenticationError:
            return {CONF_MANAGEMENT_TOKEN: "management_token_invalid"}
        except EVApiError:
            return {"base": "cannot_connect"}
        return {}

    async def async_check_management_token(
        self, entry: ConfigEntry, token: str
    ) -> dict[str, str]:
        """Check a management token entered when reconfiguring."""
        if not token:
            return {}
        self.flow_impl = (
            await config_entry_oauth2_flow.async_get_config_entry_implementation(
                self.hass, entry
            )
        )
        return await self._async_check_token(
            self._client({CONF_MANAGEMENT_TOKEN: token})
        )

    def push_updates(self, entry: ConfigEntry, token: str) -> dict[str, Any]:
        """Entry data for a (new, changed or removed) management token."""
        updates: dict[str, Any] = {CONF_MANAGEMENT_TOKEN: token}
        if token and not entry.data.get(CONF_WEBHOOK_ID):
            updates[CONF_WEBHOOK_ID] = webhook.async_generate_id()
        return updates

    @callback
    def async_remove(self) -> None:
        """A flow that ends (or is dismissed) no longer waits for Connect."""
        forget_state(self.hass, self.flow_id)
        super().async_remove()

    async def async_step_smartcar_connect(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Send the person to Smartcar Connect; its redirect comes back here."""
        if user_input is not None:
            self._connect_answer = user_input
            if "error" in user_input:
                self.external_data = user_input
                return self.async_external_step_done(next_step_id="authorize_rejected")
            return self.async_external_step_done(next_step_id="smartcar_user")
        self._connect_started = dt_util.utcnow()
        url = authorize_url(
            provider_urls(Provider.SMARTCAR).authorize,
            application_id=self._v3_data[CONF_APPLICATION_ID],
            redirect_uri=connect_redirect_uri(self.hass),
            scopes=v3_scopes(
                read_odometer=self._read_odometer, read_location=self._read_location
            ),
            state=connect_state(self.hass, self.flow_id),
        )
        return self.async_external_step(step_id="smartcar_connect", url=url)

    async def async_step_smartcar_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Who connected: ``user_id`` from the redirect, else the connections."""
        del user_input
        client = self._client(self._v3_data)
        try:
            user_id = self._connect_answer.get("user_id") or await self._find_user(
                client
            )
            if user_id is None:
                return self.async_abort(reason="user_unknown")
            client.user_id = user_id
            connections = await client.get_connections(user_id=user_id)
        except EVAuthenticationError:
            return self.async_abort(reason="invalid_client")
        except EVApiError:
            return self.async_abort(reason="cannot_connect")
        if not connections:
            return self.async_abort(reason="no_vehicles")
        return await self._async_v3_entry(
            user_id, {connection.vehicle_id for connection in connections}
        )

    async def _find_user(self, client: SmartcarV3Client) -> str | None:
        """The user whose connections were made since Connect was opened."""
        since = self._connect_started - CONNECTION_CLOCK_SKEW
        users = {
            connection.user_id
            for connection in await client.get_connections()
            if connection.created_at is not None and connection.created_at >= since
        }
        return users.pop() if len(users) == 1 else None

    def _v2_entry_of(self, vehicle_ids: set[str]) -> ConfigEntry | None:
        """A Smartcar v2.0 entry that has one of these vehicles.

        Smartcar keeps vehicle ids across API versions; whether a user id
        stays the same when the person connects a new application is not
        documented, so a v2 entry is also recognised by its vehicles.
        """
        registry = dr.async_get(self.hass)
        for entry in self.hass.config_entries.async_entries(DOMAIN):
            if entry.data.get(CONF_PROVIDER) != Provider.SMARTCAR or is_v3(entry):
                continue
            for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
                if any(
                    domain == DOMAIN and identifier in vehicle_ids
                    for domain, identifier in device.identifiers
                ):
                    return entry
        return None

    async def _async_v3_entry(
        self, user_id: str, vehicle_ids: set[str]
    ) -> ConfigFlowResult:
        """Create the entry (or move a v2 entry of the same user to v3)."""
        await self.async_set_unique_id(f"{Provider.SMARTCAR}_{user_id}")
        token = self._v3_data[CONF_MANAGEMENT_TOKEN]
        application_id = self._v3_data[CONF_APPLICATION_ID]
        data: dict[str, Any] = {
            "auth_implementation": self._v3_credential().domain,
            CONF_PROVIDER: Provider.SMARTCAR.value,
            CONF_API_VERSION: API_V3,
            CONF_APPLICATION_ID: application_id,
            CONF_MANAGEMENT_TOKEN: token,
            CONF_USER_ID: user_id,
            CONF_READ_ODOMETER: self._read_odometer,
            CONF_READ_LOCATION: self._read_location,
            CONF_SCOPES: list(
                v3_scopes(
                    read_odometer=self._read_odometer,
                    read_location=self._read_location,
                )
            ),
        }
        existing = self.hass.config_entries.async_entry_for_domain_unique_id(
            self.handler, self.unique_id or ""
        ) or self._v2_entry_of(vehicle_ids)
        if existing is None or is_v3(existing):
            self._abort_if_unique_id_configured()
        placeholders: dict[str, str] = {}
        description = "no_push"
        if token:
            webhook_id = data[CONF_WEBHOOK_ID] = self._webhook_id(application_id)
            url, cloudhook = await async_webhook_url(self.hass, webhook_id)
            if cloudhook:
                data[CONF_CLOUDHOOK_URL] = url
            description = "push" if url else "push_unreachable"
            placeholders["webhook_url"] = url or ""
        if existing is not None:
            # The same Smartcar user moves from a v2.0 app to a v3 app: the
            # vehicle ids stay, so entities, names and history stay too.
            return self.async_update_reload_and_abort(
                existing, unique_id=self.unique_id, data=data, reason="moved_to_v3"
            )
        return self.async_create_entry(
            title=PROVIDER_NAMES[Provider.SMARTCAR],
            data=data,
            description=description,
            description_placeholders=placeholders,
        )

    def _webhook_id(self, application_id: str) -> str:
        """One Home Assistant webhook per Smartcar application."""
        return (
            shared_webhook_id(self.hass, application_id) or webhook.async_generate_id()
        )

    async def _async_v3_reauth_done(self) -> ConfigFlowResult:
        """The credential works again: keep the user, take the new values."""
        entry = self._get_reauth_entry()
        token = self._v3_data[CONF_MANAGEMENT_TOKEN]
        updates: dict[str, Any] = {
            "auth_implementation": self._v3_credential().domain,
            CONF_APPLICATION_ID: self._v3_data[CONF_APPLICATION_ID],
            **self.push_updates(entry, token),
        }
        if entry.data.get(CONF_APPLICATION_ID) != updates[CONF_APPLICATION_ID]:
            updates[CONF_SMARTCAR_WEBHOOK_ID] = None
        return self.async_update_reload_and_abort(entry, data_updates=updates)
