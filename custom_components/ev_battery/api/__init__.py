"""Async clients for the Smartcar Vehicle API v2.0 and the ev.energy v2 API.

This package has no Home Assistant imports: it could be published on its own.

    async with aiohttp.ClientSession() as session:
        client = SmartcarClient(StaticToken("..."), session=session)
        for vehicle_id in await client.get_vehicle_ids():
            snapshot = await client.batch(vehicle_id, [Signal.BATTERY, Signal.CHARGE])
"""

from ._http import RefreshableTokenProvider, StaticToken, TokenProvider
from .evenergy import EvEnergyClient
from .exceptions import (
    EVAccountError,
    EVApiError,
    EVAuthenticationError,
    EVConnectionError,
    EVInvalidResponseError,
    EVNotFoundError,
    EVNotSupportedError,
    EVPermissionError,
    EVQuotaExceededError,
    EVRateLimitError,
    EVServerError,
    EVTimeoutError,
    EVValidationError,
    EVVehicleStateError,
)
from .models import (
    Battery,
    BatteryCapacity,
    ChargeLimit,
    ChargeRecord,
    ChargeRecords,
    ChargeState,
    ChargeStatus,
    CommandResult,
    EvEnergyStatusLog,
    EvEnergySubSession,
    EvEnergyTrim,
    EvEnergyUser,
    EvEnergyVehicle,
    IntegrationState,
    Location,
    NominalCapacity,
    Odometer,
    Page,
    Permissions,
    ResponseMeta,
    Signal,
    VehicleAttributes,
    VehicleSnapshot,
    Vin,
)
from .smartcar import SmartcarClient

__all__ = [
    "Battery",
    "BatteryCapacity",
    "ChargeLimit",
    "ChargeRecord",
    "ChargeRecords",
    "ChargeState",
    "ChargeStatus",
    "CommandResult",
    "EVAccountError",
    "EVApiError",
    "EVAuthenticationError",
    "EVConnectionError",
    "EVInvalidResponseError",
    "EVNotFoundError",
    "EVNotSupportedError",
    "EVPermissionError",
    "EVQuotaExceededError",
    "EVRateLimitError",
    "EVServerError",
    "EVTimeoutError",
    "EVValidationError",
    "EVVehicleStateError",
    "EvEnergyClient",
    "EvEnergyStatusLog",
    "EvEnergySubSession",
    "EvEnergyTrim",
    "EvEnergyUser",
    "EvEnergyVehicle",
    "IntegrationState",
    "Location",
    "NominalCapacity",
    "Odometer",
    "Page",
    "Permissions",
    "RefreshableTokenProvider",
    "ResponseMeta",
    "Signal",
    "SmartcarClient",
    "StaticToken",
    "TokenProvider",
    "VehicleAttributes",
    "VehicleSnapshot",
    "Vin",
]
