"""Constants of the simulated ev.energy v2 API.

Documented values come first. Every ``SIM CHOICE`` is a decision the public
material leaves open (UNCONFIRMED or SILENT in the reference); they are kept
here, in one place, so that the README and the code cannot drift apart.
"""

from __future__ import annotations

# ---------------------------------------------------------------- documented
API_VERSION = "2"
ACCEPTED_VERSIONS = frozenset({"2", "2.0"})
ACCESS_LIFETIME = 36000  # 10 hours
CODE_LIFETIME = 60  # "the code is valid for 1 minute"
DEFAULT_RATE_LIMIT = 1000  # requests per rolling hour per (application, user)
RATE_WINDOW_SECONDS = 3600
ANONYMOUS_RATE_LIMIT = 50  # anonymous vehicle_models / vehicle_makes, per IP
PAGE_SIZE_DEFAULT = 25
PAGE_SIZE_MIN = 1
PAGE_SIZE_MAX = 100
CHARGE_LIMIT_MIN = 50
CHARGE_LIMIT_MAX = 100
BATTERY_SIZE_MIN = 1000
BATTERY_SIZE_MAX = 300000
DESCRIPTION_MAX = 200
DEFAULT_MODEL_BATTERY_WH = 45000  # vehicle model fallback without trim data
PROBLEM_BASE = "https://api.ev.energy/v2/problems/"
ALL_SCOPES = (
    "vehicle:read",
    "vehicle:write",
    "user:read",
    "user:write",
    "charging_session:read",
    "charging_session:write",
    "evse:read",
    "evse:write",
    "debug:read",
    "carbon:read",
    "grid:read",
    "tariff:read",
    "tariff:prices:read",
    "vehicle_catalogue:write",
    "notification_preferences:read",
    "notification_preferences:write",
)
ROOT_COLLECTIONS = (
    "users",
    "carbon_feeds",
    "evses",
    "evse_models",
    "evse_makes",
    "vehicles",
    "vehicle_trims",
    "vehicle_models",
    "vehicle_makes",
    "suppliers",
    "tariffs",
    "support_tickets",
    "dispatch_coordinators",
    "grid_feeds",
)
ERAS = ("seed", "2026")
DEFAULT_ERA = "2026"  # the current published API (the issue makes it the default)

# ---------------------------------------------------------------- SIM CHOICE
# SIM CHOICE: an application without "scopes" in the scenario may use these,
# and they are what an authorization without a scope parameter grants.
DEFAULT_APP_SCOPES = (
    "vehicle:read",
    "vehicle:write",
    "user:read",
    "charging_session:read",
)
# SIM CHOICE: django-oauth-toolkit keeps refresh tokens until used; a year
# stands in for "no expiry".
REFRESH_LIFETIME = 365 * 24 * 3600
# SIM CHOICE: a refresh rotates the refresh token and revokes the old access
# token at once (django-oauth-toolkit's default, no grace period).
REVOKE_ACCESS_ON_REFRESH = True
# SIM CHOICE: the token endpoint answers like django-oauth-toolkit, with scope.
TOKEN_BODY_INCLUDES_SCOPE = True
# SIM CHOICE: an authorize request without code_challenge_method but with a
# code_challenge uses "plain" (django-oauth-toolkit); S256 and plain accepted.
PKCE_METHODS = ("S256", "plain")
# SIM CHOICE: every resource URL the simulator emits ends with a slash (the
# root listing and status-log URLs do in the documentation), and every path
# is accepted with or without it, including /o/revoke_token.
URL_TRAILING_SLASH = "/"
# SIM CHOICE: the version and rate-limit headers are on every /v2 answer
# (and on any other path below the prefix, e.g. a 404); the OAuth endpoints
# under /o/ are django-oauth-toolkit views and carry neither.
# SIM CHOICE: an invalid or expired token gets the same 401 body as a missing
# one (django-oauth-toolkit makes the request anonymous); only the
# WWW-Authenticate header tells them apart.
WWW_AUTHENTICATE_MISSING = 'Bearer realm="api"'
WWW_AUTHENTICATE_INVALID = (
    'Bearer realm="api",error="invalid_token",'
    'error_description="The access token is invalid or has expired."'
)
# SIM CHOICE: every authenticated request counts against the bucket, including
# ones refused for scope or a bad EvEnergy-User; unauthenticated requests to
# protected endpoints count nowhere and report the anonymous bucket.
COUNT_REFUSED_REQUESTS = True
# SIM CHOICE: EvEnergy-User is required (400 when absent) for client
# credentials tokens on vehicle and charging endpoints and on /users/me; the
# catalogue and the users collection work without it.
# SIM CHOICE: a client credentials application may act as any scenario user.
# SIM CHOICE: /v2/users/me is the acting user.
# SIM CHOICE: an EvEnergy-User naming no user is a 400 problem for client
# credentials tokens (and a 403 for a user token, like any other mismatch).
# SIM CHOICE: /v2/users with client credentials lists every scenario user.
# SIM CHOICE: an empty request body counts as {}; the Content-Type is not
# checked; a body that is not JSON is a 400 "Malformed request" problem.
# SIM CHOICE: unknown HTTP methods (also HEAD and OPTIONS) are a 405.
ME = "me"
# SIM CHOICE: expand values are only given by repeating the parameter;
# "a,b" is one (unknown) value, and an unknown value is a 400 problem.
EXPAND_SEPARATOR = "."
# SIM CHOICE: an empty page (cursor past the end) has about:blank both ways.
# SIM CHOICE: vehicles, users and catalogue lists are sorted by ID (creation
# order, since IDs are ULIDs); ordering=name|-name on the catalogue.
# SIM CHOICE: a status log is sampled this long before it is logged; the
# checkpoint time is the logged_at, and the data is the car's state then.
SAMPLE_LAG_SECONDS = 4.005416
DEFAULT_STATUS_LOG_INTERVAL = 300.0
STATUS_LOG_KEEP = 500
# SIM CHOICE: besides the periodic checkpoint, a log is written at every car
# event (plug, unplug, charging started/stopped, full); a later log with the
# same sampled_at replaces the earlier one. A sleeping or unreachable car
# writes no log.
# SIM CHOICE: sub-session modes (no smart charging is simulated).
MODE_HOME = "UNMANAGED_HOME"
MODE_AWAY = "UNMANAGED_OTG"
# SIM CHOICE: tariffs in minor units (pence) per kWh, and grid carbon intensity.
CURRENCY = "GBP"
HOME_PENCE_PER_KWH = 24.5
AWAY_PENCE_PER_KWH = 79.0
CO2_GRAMS_PER_KWH = 142
# Carbon Intensity API index bands (g/kWh upper bounds) used to classify.
CO2_BANDS = ((40, "very low"), (120, "low"), (200, "moderate"), (280, "high"))
CO2_HIGHEST = "very high"
# SIM CHOICE: sub-sessions of an INACTIVE vehicle that started after it
# became inactive are not reported (ev.energy lost the connection).
# SIM CHOICE: changing maximum_charge_limit_percentage reaches the car only
# while the vehicle is ACTIVE; null leaves the car's own limit alone.
# SIM CHOICE: battery degradation for effective_battery_size_watt_hours.
DEGRADATION_PER_100000_KM = 0.03
DATA_SOURCE = "simulator"
DEFAULT_VEHICLE_CLASS = "PASSENGER"
VEHICLE_CLASSES = ("PASSENGER", "COMMERCIAL")
DEFAULT_TIMEZONE = "Europe/London"

# ------------------------------------------------- charging sessions, boost
# Documented (2026 spec): sub-session modes, boost, the two webhook events.
MODE_SMART = "SMART"
MODE_BOOST = "BOOST"
WEBHOOK_EVENTS = ("charging_sub_session.created", "charging_sub_session.ended")
# Svix's documented retry schedule after a failed attempt (seconds): 5 s,
# 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
SVIX_RETRY_DELAYS = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
SVIX_TIMEOUT_SECONDS = 15.0
# SIM CHOICE: a sub-session is ev.energy's record of one mode within a
# plug-in episode (a charging session): it starts at plug-in or a mode change
# and ends at unplug or the next mode change, whether or not energy flowed.
# Past sessions of the scenario become one finished charging session with one
# sub-session each (the spec says sessions are recorded "from July 2026").
# SIM CHOICE: in the 2026 era a vehicle with smart charging enabled that
# plugs in at home gets a SMART sub-session; otherwise UNMANAGED_HOME, and
# away from home UNMANAGED_OTG. The seed era simulates no smart charging.
# SIM CHOICE: ev.energy's smart schedule is not computed from tariffs; each
# vehicle has a "smart_schedule": "charge" (default: the schedule lets the
# car charge at once) or "wait" (ev.energy holds the car, as before a cheap
# overnight slot). The control API switches it; a SMART sub-session follows.
SMART_SCHEDULES = ("charge", "wait")
DEFAULT_SMART_SCHEDULE = "charge"
# SIM CHOICE: boost_start ends the SMART sub-session, starts a BOOST one and
# has the car charge at its full power now (whatever the schedule); the boost
# lasts until boost_end or unplugging (the car still stops at its limit).
# boost_end ends it and starts a SMART one that follows the schedule again.
# SIM CHOICE: the 409 bodies (not documented) and a 503 when the car is not
# online (asleep or unreachable: ev.energy cannot deliver the command).
PROBLEM_SMART_OFF = (
    "smart-charging-disabled",
    "Smart charging is disabled",
    "Smart charging is disabled for this vehicle.",
)
PROBLEM_NOT_BOOSTABLE = (
    "charging-sub-session-not-boostable",
    "Not boostable",
    "The current charging sub-session is not boostable.",
)
PROBLEM_NOT_BOOSTING = (
    "charging-sub-session-not-boosting",
    "Not boosting",
    "The current charging sub-session is not boosting.",
)
BOOST_UNDELIVERED = "The command could not be delivered to the vehicle or charger."
# SIM CHOICE: switching smart charging off (PATCH) during a SMART or BOOST
# sub-session ends it and starts an UNMANAGED_HOME one (the car charges);
# switching it on during UNMANAGED_HOME starts a SMART one.
# SIM CHOICE: /charging_sessions filters: vehicle_id and is_finished (the
# spec documents none); both routes are 404 in the seed era.
# SIM CHOICE: cost_per_kilowatt_hour is a decimal string in minor units
# ("24.50"), like the energy-usage intervals' electricity_cost_sub_unit; the
# reference names the field but not its type.
COST_DECIMALS = 2
# SIM CHOICE: webhooks are sent only in the 2026 era, to one endpoint set
# through the control API (the real one is set in the Svix portal that
# GET /v2/webhook_portal links to; here that link is the control route).
# Without a secret in the registration one is made up (whsec_ + base64).
# Every attempt is signed afresh (new svix-timestamp, same svix-id); the
# retry delays are real seconds (a registration may shorten them for tests).
# SIM CHOICE: GET /v2/webhook_portal needs a valid token and no scope.
