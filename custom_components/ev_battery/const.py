"""Constants of the EV Battery integration."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Final

from .api.const import (
    EVENERGY_AUTHORIZE_PATH,
    EVENERGY_BASE,
    EVENERGY_REVOKE_PATH,
    EVENERGY_TOKEN_PATH,
    SMARTCAR_API_BASE,
    SMARTCAR_AUTH_BASE,
    SMARTCAR_AUTHORIZE_PATH,
    SMARTCAR_CONNECT_BASE,
    SMARTCAR_TOKEN_PATH,
)
from .api.smartcar_v3 import (
    IAM_TOKEN_URL,
    MANAGEMENT_API_V3_URL,
    VEHICLE_API_V3_URL,
)

DOMAIN: Final = "ev_battery"
LOGGER = logging.getLogger(__package__)

CONF_PROVIDER: Final = "provider"
CONF_READ_ODOMETER: Final = "read_odometer"
CONF_READ_LOCATION: Final = "read_location"
CONF_SCAN_INTERVAL_MINUTES: Final = "scan_interval_minutes"

# Smartcar Vehicle API v3 entries (a v2.0 entry has no api_version).
CONF_API_VERSION: Final = "api_version"
API_V3: Final = "v3"
CONF_APPLICATION_ID: Final = "application_id"
CONF_MANAGEMENT_TOKEN: Final = "management_token"  # noqa: S105 - a key
CONF_USER_ID: Final = "user_id"
# Home Assistant's webhook for Smartcar's deliveries, its Home Assistant
# Cloud URL (when Cloud made one), and the webhook's id at Smartcar.
CONF_WEBHOOK_ID: Final = "webhook_id"
CONF_CLOUDHOOK_URL: Final = "cloudhook_url"
CONF_SMARTCAR_WEBHOOK_ID: Final = "smartcar_webhook_id"
# ev.energy entries keep their Home Assistant webhook under CONF_WEBHOOK_ID
# (and CONF_CLOUDHOOK_URL) too, and the endpoint's Svix signing secret
# (``whsec_…``, copied from ev.energy's webhook portal) here.
CONF_WEBHOOK_SECRET: Final = "webhook_secret"  # noqa: S105 - a key

# Development and demo: point both providers at the local simulator.
SIMULATOR_ENV: Final = "EV_BATTERY_SIMULATOR_URL"


class Provider(StrEnum):
    """The cloud API an entry talks to."""

    SMARTCAR = "smartcar"
    EVENERGY = "evenergy"


PROVIDER_NAMES = {Provider.SMARTCAR: "Smartcar", Provider.EVENERGY: "ev.energy"}


@dataclass(frozen=True, slots=True)
class ProviderUrls:
    """Where a provider's OAuth and API live."""

    authorize: str
    token: str
    api: str
    # RFC 7009 token revocation, where the provider has it (ev.energy).
    revoke: str | None = None
    # Smartcar v3: the M2M token endpoint, Vehicle API v3, Management API v3.
    iam_token: str | None = None
    api_v3: str | None = None
    management_v3: str | None = None


def simulator_url() -> str:
    """The simulator's base URL when development points the providers at it."""
    return os.environ.get(SIMULATOR_ENV, "").rstrip("/")


def provider_urls(provider: Provider) -> ProviderUrls:
    """The provider's URLs (the simulator's when SIMULATOR_ENV is set)."""
    simulator = simulator_url()
    if provider is Provider.SMARTCAR:
        if simulator:
            base = f"{simulator}/smartcar"
            return ProviderUrls(
                authorize=f"{base}/connect{SMARTCAR_AUTHORIZE_PATH}",
                token=f"{base}/auth{SMARTCAR_TOKEN_PATH}",
                api=f"{base}/api",
                iam_token=f"{base}/iam/oauth2/token",
                api_v3=f"{base}/vehicle/v3",
                management_v3=f"{base}/management/v3",
            )
        return ProviderUrls(
            authorize=f"{SMARTCAR_CONNECT_BASE}{SMARTCAR_AUTHORIZE_PATH}",
            token=f"{SMARTCAR_AUTH_BASE}{SMARTCAR_TOKEN_PATH}",
            api=SMARTCAR_API_BASE,
            iam_token=IAM_TOKEN_URL,
            api_v3=VEHICLE_API_V3_URL,
            management_v3=MANAGEMENT_API_V3_URL,
        )
    base = f"{simulator}/evenergy" if simulator else EVENERGY_BASE
    return ProviderUrls(
        authorize=f"{base}{EVENERGY_AUTHORIZE_PATH}",
        token=f"{base}{EVENERGY_TOKEN_PATH}",
        api=base,
        revoke=f"{base}{EVENERGY_REVOKE_PATH}",
    )


# Smartcar permissions: always asked, and asked only when chosen.
SMARTCAR_SCOPES: Final = (
    "read_vehicle_info",
    "read_vin",
    "read_battery",
    "read_charge",
    "control_charge",
    "read_charge_records",
)
SMARTCAR_OPTIONAL_SCOPES: Final = ("read_odometer",)
EVENERGY_SCOPES: Final = (
    "vehicle:read",
    "vehicle:write",
    "user:read",
    "charging_session:read",
    "charging_session:write",  # boost (the 2026 API)
)

# Polling. Smartcar's free plan allows about 500 calls per vehicle per month:
# one batched call every 90 minutes is 480 calls in 30 days, leaving room for
# set-up and commands. ev.energy limits 1000 calls an hour per user and
# writes status logs every few minutes.
SMARTCAR_MONTHLY_CALLS: Final = 500
# An entry's monthly allowance of billed calls per vehicle (paid plans differ).
CONF_MONTHLY_CALLS: Final = "monthly_calls"
MIN_MONTHLY_CALLS: Final = 100
MAX_MONTHLY_CALLS: Final = 1_000_000
DEFAULT_SCAN_INTERVAL: Final = {
    Provider.SMARTCAR: timedelta(minutes=90),
    Provider.EVENERGY: timedelta(minutes=5),
}
MIN_SCAN_INTERVAL_MINUTES: Final = {Provider.SMARTCAR: 30, Provider.EVENERGY: 1}
MAX_SCAN_INTERVAL_MINUTES: Final = 24 * 60
