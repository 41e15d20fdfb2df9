"""Actions: charge records, and unintegrated vehicles for ev.energy."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util

from .api import EVApiError, EvEnergyClient, EVNotSupportedError
from .const import DOMAIN
from .entity import translate_api_error
from .schema import vol
from .vehicle import Feature

if TYPE_CHECKING:
    from .coordinator import EvBatteryConfigEntry, EvBatteryCoordinator

SERVICE_GET_CHARGE_RECORDS = "get_charge_records"
SERVICE_CREATE_UNINTEGRATED_VEHICLE = "create_unintegrated_vehicle"
ATTR_START = "start"
ATTR_END = "end"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_TRIM = "trim"

CHARGE_RECORDS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Optional(ATTR_START): cv.date,
        vol.Optional(ATTR_END): cv.date,
    }
)
UNINTEGRATED_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_TRIM): cv.string,
    }
)


# ev.energy ids: a four-letter collection prefix and a 26-character ULID.
TRIM_ID = re.compile(r"trim[0-9A-Z]{26}")


def _trim_id(value: str) -> str:
    """A trim id as typed (or the URL of one), checked against its pattern."""
    text = value.strip()
    if "://" in text:
        text = text.rstrip("/").rsplit("/", 1)[-1]
    if not TRIM_ID.fullmatch(text):
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="invalid_trim"
        )
    return text


def _loaded_entry(hass: HomeAssistant, entry_id: str) -> EvBatteryConfigEntry:
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="entry_not_found"
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="entry_not_loaded"
        )
    loaded: EvBatteryConfigEntry = entry
    return loaded


def _coordinator(hass: HomeAssistant, device_id: str) -> EvBatteryCoordinator:
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="device_not_found"
        )
    for entry_id in device.config_entries:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            continue
        loaded = _loaded_entry(hass, entry_id)
        for domain, ident in device.identifiers:
            if domain == DOMAIN and ident in loaded.runtime_data.coordinators:
                return loaded.runtime_data.coordinators[ident]
    raise ServiceValidationError(
        translation_domain=DOMAIN, translation_key="device_not_found"
    )


async def _get_charge_records(call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(call.hass, call.data[ATTR_DEVICE_ID])
    start, end = call.data.get(ATTR_START), call.data.get(ATTR_END)
    if start and start > dt_util.now().date():
        # The same answer for both providers (no records can start later).
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="start_in_future"
        )
    if start and end and end < start:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="end_before_start"
        )
    not_supported = ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="charge_records_not_supported",
        translation_placeholders={"vehicle": coordinator.vehicle_name},
    )
    if not coordinator.api.supports(Feature.CHARGE_RECORDS):
        raise not_supported
    try:
        records = await coordinator.api.async_charge_records(start, end)
    except EVNotSupportedError as err:
        coordinator.api.unsupported.add(Feature.CHARGE_RECORDS)
        raise not_supported from err
    except EVApiError as err:
        raise translate_api_error(err) from err
    return {
        "records": [record.as_dict() for record in records],
        "total_kwh": round(sum(record.total_kwh for record in records), 3),
    }


async def _create_unintegrated_vehicle(call: ServiceCall) -> ServiceResponse:
    entry = _loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    client = entry.runtime_data.client
    if not isinstance(client, EvEnergyClient):
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="evenergy_only"
        )
    trim = _trim_id(call.data[ATTR_TRIM])
    try:
        found = await client.get_trim(trim)
        model = found.model
        model_url = model if isinstance(model, str) or model is None else model.url
        if model_url is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="invalid_trim"
            )
        user = await client.get_current_user()
        # The 2026 API takes the model (and the trim's battery size), the
        # seed era's took the trim: the client sends one body for both.
        vehicle = await client.create_unintegrated_vehicle(
            model_url=model_url,
            user_url=user.url,
            trim_url=found.url,
            battery_size_watt_hours=found.battery_size_watt_hours,
        )
    except EVApiError as err:
        raise translate_api_error(err) from err
    call.hass.config_entries.async_schedule_reload(entry.entry_id)
    return {"vehicle_id": vehicle.id, "battery_size_kwh": vehicle.battery_size_kwh}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_CHARGE_RECORDS,
        _get_charge_records,
        schema=CHARGE_RECORDS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_CREATE_UNINTEGRATED_VEHICLE,
        _create_unintegrated_vehicle,
        schema=UNINTEGRATED_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
