"""Application credentials: the user's own Smartcar or ev.energy client."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from homeassistant.components.application_credentials import (
    AuthImplementation,
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.helpers import config_entry_oauth2_flow

from .const import Provider, provider_urls
from .token_request import async_client_known, async_token_request

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

PKCE = config_entry_oauth2_flow.LocalOAuth2ImplementationWithPkce


class EvBatteryOAuth2Implementation(AuthImplementation):
    """One credential, used with the provider the user picked.

    A credential is created per integration, not per provider, so the
    provider is set by the config flow (and, after set-up, from the entry).
    PKCE is used with ev.energy, which documents it.
    """

    def __init__(
        self, hass: HomeAssistant, auth_domain: str, credential: ClientCredential
    ) -> None:
        """Create the implementation (Smartcar until told otherwise)."""
        urls = provider_urls(Provider.SMARTCAR)
        super().__init__(
            hass,
            auth_domain,
            credential,
            AuthorizationServer(authorize_url=urls.authorize, token_url=urls.token),
        )
        self.provider = Provider.SMARTCAR
        self._code_verifier = PKCE.generate_code_verifier()

    def set_provider(self, provider: Provider) -> None:
        """Talk to ``provider``'s authorize and token endpoints."""
        urls = provider_urls(provider)
        self.provider = provider
        self.authorize_url = urls.authorize
        self.token_url = urls.token

    async def _token_request(self, data: dict[str, Any]) -> dict[str, Any]:
        """A token request with a timeout and classified errors.

        Smartcar authenticates the client with HTTP Basic (as it documents),
        ev.energy with the client id and secret in the body.
        """
        headers = self._client_authentication(data)
        return await async_token_request(
            self.hass, self.token_url, data, headers=headers
        )

    def _client_authentication(self, data: dict[str, Any]) -> dict[str, str] | None:
        """Authenticate the client as the provider wants: the headers to send.

        Smartcar: HTTP Basic (as it documents); ev.energy: the client id and
        secret in the body (``data`` is changed in place).
        """
        if self.provider is Provider.SMARTCAR:
            data.pop("client_id", None)
            data.pop("client_secret", None)
            return {"Authorization": basic_auth(self.client_id, self.client_secret)}
        data["client_id"] = self.client_id
        data["client_secret"] = self.client_secret
        return None

    async def async_client_known(self) -> bool | None:
        """Whether the chosen provider knows this credential's client.

        Asked before a person is sent to sign in, so a credential of the
        other provider is caught here rather than on the provider's page.
        """
        data: dict[str, Any] = {
            "grant_type": "authorization_code",
            "code": "ev-battery-credential-check",
            "redirect_uri": "https://my.home-assistant.io/redirect/oauth",
        }
        headers = self._client_authentication(data)
        return await async_client_known(
            self.hass, self.token_url, data, headers=headers
        )

    @property
    def extra_authorize_data(self) -> dict[str, str]:
        """PKCE challenge for ev.energy."""
        if self.provider is not Provider.EVENERGY:
            return {}
        challenge = PKCE.compute_code_challenge(self._code_verifier)
        return {"code_challenge": challenge, "code_challenge_method": "S256"}

    @property
    def extra_token_resolve_data(self) -> dict[str, str]:
        """PKCE verifier for ev.energy."""
        if self.provider is not Provider.EVENERGY:
            return {}
        return {"code_verifier": self._code_verifier}


def basic_auth(client_id: str, client_secret: str) -> str:
    """An HTTP Basic ``Authorization`` value (RFC 7617, UTF-8)."""
    pair = f"{client_id}:{client_secret}".encode()
    return f"Basic {base64.b64encode(pair).decode('ascii')}"


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> config_entry_oauth2_flow.AbstractOAuth2Implementation:
    """Return the implementation for a credential."""
    return EvBatteryOAuth2Implementation(hass, auth_domain, credential)


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Placeholders for the credential dialog."""
    return {
        "smartcar_dashboard": "https://dashboard.smartcar.com",
        "redirect_uri": "https://my.home-assistant.io/redirect/oauth",
    }
