"""Diagnostics, with tokens, VINs, locations and account ids redacted."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import async_redact_data

from .scopes import granted_scopes

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .coordinator import EvBatteryConfigEntry

TO_REDACT = {
    "access_token",
    "refresh_token",
    "id_token",
    "vin",
    "vehicle_id",
    "latitude",
    "longitude",
    "unique_id",
    "user_id",
    "email",
    "management_token",
    "webhook_id",
    "cloudhook_url",
    "smartcar_webhook_id",
    "application_id",
    "webhook_secret",
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return sorted((_jsonable(item) for item in value), key=str)
    if isinstance(value, Exception):
        return f"{type(value).__name__}: {value}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: EvBatteryConfigEntry
) -> dict[str, Any]:
    """What support needs, without secrets or identities."""
    data = entry.runtime_data
    vehicles = []
    for number, coordinator in enumerate(data.coordinators.values(), start=1):
        state = coordinator.data
        vehicles.append(
            {
                "vehicle": number,
                "info": dataclasses.asdict(coordinator.api.info),
                "unsupported": sorted(coordinator.api.unsupported),
                "last_update_success": coordinator.last_update_success,
                "update_interval": str(coordinator.update_interval),
                "poller": {
                    "budgeted": coordinator.api.budgeted,
                    "monthly_allowance": coordinator.budget.monthly_calls,
                    "reserve": coordinator.budget.reserve,
                    "usage": dataclasses.asdict(coordinator.usage),
                    "reason": coordinator.plan.reason if coordinator.plan else None,
                    "next_features": sorted(coordinator.plan.features)
                    if coordinator.plan
                    else None,
                },
                "state": _jsonable(dataclasses.asdict(state)) if state else None,
            }
        )
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "scopes": sorted(granted_scopes(entry)),
            },
            "provider": data.provider.value,
            "vehicles": _jsonable(vehicles),
        },
        TO_REDACT,
    )
