"""Every choice the v3 reference marks uncertain, and the simulator's defaults.

Each ``SIM CHOICE (uncertain)`` below is made once, here, and follows the
lead's wire contract (``docs/smartcar-v3-wire.md``) where it decides one; the
rest of the package imports these names instead of repeating the choice.
"""

from __future__ import annotations

from typing import Any

API_VERSION = "v3"
WEBHOOK_VERSION = "4.0"
M2M_TOKEN_LIFETIME = 3600  # one hour, no refresh token (firm in the reference)
MAX_CLIENT_SECRETS = 3
CONNECTIONS_PAGE_DEFAULT = 25
CONNECTIONS_PAGE_MAX = 100
SET_LIMIT_MIN = 50
SET_LIMIT_MAX = 100
SIGNATURE_HEADER = "SC-Signature"

# Defaults of the scenario's ``smartcar.v3`` settings (all can be changed).
DEFAULT_COSTS: dict[str, int] = {
    # SIM CHOICE (uncertain): a GET /signals counts as one request and
    # webhook deliveries count nothing (the reference reports both).
    "signals": 1,
    "signal": 1,
    "command": 1,
    "webhook": 0,
    "vehicle": 0,
    "connections": 0,
}
DEFAULT_CADENCE: dict[str, dict[str, float]] = {
    # Seconds between ingestions of a subscribed vehicle, by make, while
    # charging and otherwise (the reference: Tesla 1 s - 5 min, VW 1-3 min,
    # Hyundai/Kia 5 min).
    "TESLA": {"charging": 60, "idle": 900},
    "VOLKSWAGEN": {"charging": 180, "idle": 900},
    "KIA": {"charging": 300, "idle": 900},
    "HYUNDAI": {"charging": 300, "idle": 900},
    "default": {"charging": 300, "idle": 900},
}
DEFAULT_WEBHOOK_TIMEOUT = 15.0  # real seconds
DEFAULT_RETRY_DELAYS = (25.0, 50.0, 100.0)  # simulated seconds after a failure
DEFAULT_DAILY_REFRESH = "03:00"  # UTC, the once-a-day refresh of unsubscribed cars
UNSUBSCRIBED_MODES = ("daily", "empty")
DELIVERY_LOG_KEEP = 2000

# SIM CHOICE (uncertain): a ``code`` in the v3 Connect redirect is opaque: no
# endpoint exchanges it (v3 authenticates with the M2M token and sc-user-id).
CONNECT_CODE_EXCHANGEABLE = False

# SIM CHOICE (uncertain, contract): a user without a connection to the
# vehicle (or a vehicle that does not exist) is 404 RESOURCE_NOT_FOUND/VEHICLE.
NO_CONNECTION = ("RESOURCE_NOT_FOUND", "VEHICLE")
# SIM CHOICE (uncertain): a signal not (yet) ingested, or one the car never
# reports, is 404 RESOURCE_NOT_FOUND with code SIGNAL.
NO_SIGNAL = ("RESOURCE_NOT_FOUND", "SIGNAL")
# SIM CHOICE (uncertain, contract): a command the car did not finish in time
# is 504 UPSTREAM/TIMEOUT (the simulator answers it only as an injected fault:
# ``{"path": ..., "error": "UPSTREAM", "code": "TIMEOUT", "status": 504}``).
# SIM CHOICE (uncertain): a missing sc-user-id is 400 VALIDATION/PARAMETER.
MISSING_USER = ("VALIDATION", "PARAMETER")

# SIM CHOICE (uncertain): the vehicle ``mode`` is upper case in the API and
# in webhooks (LIVE, SIMULATED, TEST); ``filter[vehicle.mode]`` ignores case.
MODES = {"live": "LIVE", "simulated": "SIMULATED", "test": "TEST"}
POWERTRAIN = "BEV"

# SIM CHOICE (uncertain): the GET /vehicles/{id} answer is wrapped in
# ``data`` (contract); so is one signal.
WRAP_VEHICLE = True

# SIM CHOICE (uncertain): a connection's id is a UUID derived from the
# application, user and vehicle (stable across reconnects).
CONNECTION_ID_NAMESPACE = "3f0c1c9e-7b5e-4f44-9d61-0a1b2c3d4e5f"

# SIM CHOICE (uncertain): the v3 error body's ``links`` is an empty object.
ERROR_LINKS: dict[str, Any] = {}

# SIM CHOICE (uncertain): command timing. A sync command reports a duration
# of this many seconds (executedAt + duration = completedAt); an async (202)
# one takes effect at once too, only its answer says IN_PROGRESS.
COMMAND_SECONDS = 2

# SIM CHOICE (uncertain, contract): the subscription body. Both
# ``{"webhookId", "vehicleId"}`` and ``{"data": {"attributes": {...}}}`` are
# accepted; the path is /subscriptions (not /webhooks/{id}/subscriptions).
SUBSCRIPTION_ACCEPTED = {"meta": {"message": "subscription creation in progress"}}

# SIM CHOICE (uncertain): the 202 subscription takes effect at once (the
# vehicle is ingested and FIRST_DELIVERY sent before the next request).
# Deleting a subscription answers 204.
DELETE_SUBSCRIPTION_STATUS = 204

# SIM CHOICE (uncertain): DELETE /connections needs filter[userId] and/or
# filter[vehicleId] (400 VALIDATION otherwise), removes the matching
# connections of the application and their subscriptions, and answers 200
# ``{"meta": {"deletedCount": n}}``.
DELETE_CONNECTIONS_NEEDS_FILTER = True

# SIM CHOICE (uncertain): the VERIFY challenge is only sent when the webhook
# is created or its URL changes (control API), never retried; webhooks given
# a URL in the scenario count as verified (the Dashboard verified them).
SCENARIO_WEBHOOKS_VERIFIED = True

# SIM CHOICE (uncertain): VEHICLE_ERROR carries ``data.errors`` and no
# ``data.signals``, ``triggers`` is empty and ``meta.signalCount`` is 0.

# SIM CHOICE (uncertain): with auto-enrollment, Connect subscribes the newly
# connected vehicles only (not those connected before it was switched on).
