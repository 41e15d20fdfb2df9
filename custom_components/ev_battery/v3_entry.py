"""Setting up a Smartcar Vehicle API v3 entry: client, vehicles, subscriptions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import (
    EVApiError,
    SmartcarM2MToken,
    SmartcarV3Client,
)
from .const import (
    API_V3,
    CONF_API_VERSION,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_USER_ID,
    LOGGER,
    Provider,
    provider_urls,
)
from .errors import describe_error
from .vehicle_v3 import SmartcarV3VehicleApi, v3_info

if TYPE_CHECKING:
    from collections.abc import Mapping

    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from .coordinator import EvBatteryCoordinator
    from .vehicle import VehicleApi


def is_v3(entry: ConfigEntry) -> bool:
    """Whether a config entry uses Smartcar's Vehicle API v3 (else v2.0)."""
    return bool(entry.data.get(CONF_API_VERSION) == API_V3)


def v3_token(
    hass: HomeAssistant, client_id: str, client_secret: str
) -> SmartcarM2MToken:
    """The M2M token of an application credential."""
    return SmartcarM2MToken(
        async_get_clientsession(hass),
        client_id,
        client_secret,
        token_url=provider_urls(Provider.SMARTCAR).iam_token or "",
    )


def v3_client(
    hass: HomeAssistant, token: SmartcarM2MToken, data: Mapping[str, Any]
) -> SmartcarV3Client:
    """A v3 client for an entry's (or a flow's) values."""
    urls = provider_urls(Provider.SMARTCAR)
    return SmartcarV3Client(
        async_get_clientsession(hass),
        token,
        user_id=data.get(CONF_USER_ID),
        base_url=urls.api_v3 or "",
        management_url=urls.management_v3 or "",
        management_token=data.get(CONF_MANAGEMENT_TOKEN) or None,
    )


async def async_v3_vehicles(client: SmartcarV3Client) -> list[VehicleApi]:
    """The user's vehicles, from their connections (not billed)."""
    connections = await client.get_connections(user_id=client.user_id)
    vehicles: dict[str, VehicleApi] = {}
    for connection in connections:
        vehicles.setdefault(
            connection.vehicle_id,
            SmartcarV3VehicleApi(
                client,
                v3_info(
                    connection.vehicle_id,
                    connection.make,
                    connection.model,
                    connection.year,
                ),
                frozenset(connection.permissions),
            ),
        )
    return list(vehicles.values())


async def async_subscribe_vehicles(
    client: SmartcarV3Client,
    data: Mapping[str, Any],
    coordinators: Mapping[str, EvBatteryCoordinator],
) -> None:
    """Subscribe every vehicle to Smartcar's webhook (if not yet subscribed).

    Vehicles the Dashboard's auto-enrollment subscribed are found in the
    subscription list and left as they are. A failure leaves polling on.
    """
    webhook_id = data.get(CONF_SMARTCAR_WEBHOOK_ID)
    if not webhook_id or not data.get(CONF_MANAGEMENT_TOKEN):
        return
    try:
        subscriptions = await client.get_subscriptions(
            user_id=client.user_id, webhook_id=webhook_id
        )
        subscribed = {item.vehicle_id for item in subscriptions}
        for vehicle_id, coordinator in coordinators.items():
            if vehicle_id not in subscribed:
                await client.subscribe(vehicle_id, webhook_id)
            coordinator.async_mark_subscribed()
    except EVApiError as err:
        LOGGER.warning(
            "The vehicles could not be subscribed to the Smartcar webhook "
            "(polling goes on): %s",
            describe_error(err),
        )


async def async_unsubscribe_vehicles(
    client: SmartcarV3Client, data: Mapping[str, Any]
) -> None:
    """Unsubscribe the user's vehicles from the webhook (entry removed)."""
    webhook_id = data.get(CONF_SMARTCAR_WEBHOOK_ID)
    if not webhook_id or not data.get(CONF_MANAGEMENT_TOKEN):
        return
    try:
        subscriptions = await client.get_subscriptions(
            user_id=client.user_id, webhook_id=webhook_id
        )
        for item in subscriptions:
            await client.unsubscribe(item.id)
    except EVApiError as err:
        LOGGER.warning(
            "The vehicles could not be unsubscribed from the Smartcar webhook: %s",
            describe_error(err),
        )
