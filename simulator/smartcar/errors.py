"""Smartcar's v2.0 error body, for every error type."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

# BILLING answers 430, as Smartcar's API-limits and billing-error pages say
# (the corrected reference; an earlier version of it said 429).
BILLING_STATUS = 430

STATUS = {
    "AUTHENTICATION": 401,
    "PERMISSION": 403,
    "RESOURCE_NOT_FOUND": 404,
    "RATE_LIMIT": 429,
    "BILLING": BILLING_STATUS,
    "VEHICLE_STATE": 409,
    "COMPATIBILITY": 501,
    "UPSTREAM": 502,
    "SERVER": 500,
    "VALIDATION": 400,
    "CONNECTED_SERVICES_ACCOUNT": 400,
}

RESOLUTION = {
    "AUTHENTICATION": "REAUTHENTICATE",
    "PERMISSION": "REAUTHENTICATE",
    "RATE_LIMIT": "RETRY_LATER",
    "BILLING": "CONTACT_SUPPORT",
    "VEHICLE_STATE": "RETRY_LATER",
    "UPSTREAM": "RETRY_LATER",
    "SERVER": "RETRY_LATER",
    "CONNECTED_SERVICES_ACCOUNT": "CONTACT_SUPPORT",
}

DESCRIPTIONS: dict[tuple[str, str | None], str] = {
    ("AUTHENTICATION", None): (
        "The provided access token is invalid, expired or has been revoked."
    ),
    ("PERMISSION", None): (
        "Your application has insufficient permissions to access the requested "
        "resource. Please prompt the user to re-authenticate using Smartcar Connect."
    ),
    ("RESOURCE_NOT_FOUND", "PATH"): (
        "The requested resource does not exist. Please check the URL and try again."
    ),
    ("RESOURCE_NOT_FOUND", "VERSION"): (
        "The requested API version does not exist. Please check the URL."
    ),
    ("RATE_LIMIT", "SMARTCAR_API"): (
        "You have reached the throttling rate limit for this application."
    ),
    ("RATE_LIMIT", "VEHICLE"): (
        "You have reached the throttling rate limit for this vehicle. "
        "Please see the retry-after header for when to retry the request."
    ),
    ("BILLING", "VEHICLE_REQUEST_LIMIT"): (
        "You have reached the monthly request limit for this vehicle."
    ),
    ("BILLING", "VEHICLE_LIMIT"): (
        "You have reached the number of vehicles allowed by your plan."
    ),
    ("BILLING", "INVALID_PLAN"): "Your plan does not include this feature.",
    ("BILLING", "ACCOUNT_SUSPENDED"): "Your Smartcar account has been suspended.",
    ("VEHICLE_STATE", "ASLEEP"): (
        "The vehicle is in a sleep state and temporarily unable to perform "
        "your request."
    ),
    ("VEHICLE_STATE", "UNREACHABLE"): (
        "The vehicle was unable to perform your request because it is currently "
        "unreachable."
    ),
    ("VEHICLE_STATE", "CHARGE_FAULT"): (
        "The vehicle was unable to start charging because of a charging fault."
    ),
    ("VEHICLE_STATE", "NOT_CHARGING"): "The vehicle is not currently charging.",
    ("VEHICLE_STATE", "FULLY_CHARGED"): (
        "The vehicle is already charged to its charge limit."
    ),
    ("VEHICLE_STATE", "CHARGE_PLUG_DISCONNECTED"): (
        "The charging cable is not connected to the vehicle."
    ),
    ("VEHICLE_STATE", "REMOTE_ACCESS_DISABLED"): (
        "Remote access is disabled in the vehicle's settings."
    ),
    ("COMPATIBILITY", "MAKE_NOT_COMPATIBLE"): (
        "This make does not support the requested feature."
    ),
    ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE"): (
        "The vehicle is not capable of performing the request."
    ),
    ("COMPATIBILITY", "SMARTCAR_NOT_CAPABLE"): (
        "Smartcar does not yet support this feature for this vehicle."
    ),
    ("COMPATIBILITY", "PLATFORM_NOT_CAPABLE"): (
        "The vehicle's connected platform cannot perform this request."
    ),
    ("UPSTREAM", "NO_RESPONSE"): (
        "The vehicle manufacturer's servers did not respond in time."
    ),
    ("UPSTREAM", "INVALID_DATA"): (
        "The vehicle manufacturer returned data Smartcar could not process."
    ),
    ("UPSTREAM", "KNOWN_ISSUE"): "The manufacturer has a known issue.",
    ("UPSTREAM", "UNKNOWN_ISSUE"): "The manufacturer returned an unknown error.",
    ("UPSTREAM", "RATE_LIMIT"): "The manufacturer rate-limited the request.",
    ("SERVER", "INTERNAL"): "Smartcar experienced an unexpected server error.",
    ("VALIDATION", "PARAMETER"): "A request parameter is missing or invalid.",
}

USER_MESSAGES = {
    "AUTHENTICATION": "Please sign in to your connected car account again.",
    "PERMISSION": "Please reconnect your vehicle to grant the needed permissions.",
    "RATE_LIMIT": "Too many requests. Please wait a moment and try again.",
    "BILLING": "The monthly request limit for this vehicle has been reached.",
    "VEHICLE_STATE": "Your vehicle could not complete the request right now.",
    "COMPATIBILITY": "Your vehicle does not support this feature.",
    "UPSTREAM": "Your car's manufacturer is not responding. Please try again later.",
    "SERVER": "Something went wrong. Please try again later.",
    "VALIDATION": "The request was not valid.",
    "CONNECTED_SERVICES_ACCOUNT": (
        "Please check your connected services account with your car's brand."
    ),
}


class SmartcarError(Exception):
    """An error answered with Smartcar's v2.0 error body."""

    def __init__(
        self,
        error_type: str,
        code: str | None = None,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        status: int | None = None,
        detail: list[dict[str, Any]] | None = None,
    ) -> None:
        """Create an error of ``error_type`` with its default status and text."""
        self.type = error_type
        self.code = code
        self.description = (
            description
            or DESCRIPTIONS.get((error_type, code))
            or DESCRIPTIONS.get((error_type, None))
            or "An error occurred."
        )
        self.status = status or STATUS.get(error_type, 500)
        self.retry_after = retry_after
        self.detail = detail
        super().__init__(f"{error_type}:{code} - {self.description}")

    def body(self, request_id: str) -> dict[str, Any]:
        """The JSON error body."""
        anchor = (self.code or "null").lower().replace("_", "-")
        body: dict[str, Any] = {
            "type": self.type,
            "code": self.code,
            "description": self.description,
            "docURL": (
                "https://smartcar.com/docs/errors/api-errors/"
                f"{self.type.lower().replace('_', '-')}-errors#{anchor}"
            ),
            "statusCode": self.status,
            "requestId": request_id,
            "resolution": {"type": RESOLUTION.get(self.type), "url": None},
            "suggestedUserMessage": USER_MESSAGES.get(self.type, ""),
        }
        if self.detail is not None:
            body["detail"] = self.detail
        return body


def new_request_id() -> str:
    """A fresh ``sc-request-id``."""
    return str(uuid.uuid4())


def error_response(err: SmartcarError, request_id: str | None = None) -> web.Response:
    """The HTTP answer for an error."""
    request_id = request_id or new_request_id()
    response = web.json_response(err.body(request_id), status=err.status)
    response.headers["sc-request-id"] = request_id
    if err.retry_after is not None:
        response.headers["Retry-After"] = str(err.retry_after)
    return response
