"""The v3 surface's state: applications, connections, subscriptions, settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from simulator.oauth import OAuthClient

from .choices import (
    CONNECTION_ID_NAMESPACE,
    DEFAULT_CADENCE,
    DEFAULT_COSTS,
    DEFAULT_DAILY_REFRESH,
    DEFAULT_RETRY_DELAYS,
    DEFAULT_WEBHOOK_TIMEOUT,
    MAX_CLIENT_SECRETS,
    UNSUBSCRIBED_MODES,
)
from .signals import SignalStore

if TYPE_CHECKING:
    from simulator.smartcar.vehicle_api import ScVehicle


@dataclass
class V3Webhook:
    """A webhook defined in the Dashboard for a v3 application."""

    id: str
    application_id: str
    management_token: str
    url: str | None = None
    auto_enroll: bool = False
    verified: bool = False

    def to_json(self, subscribed: list[str]) -> dict[str, Any]:
        """The webhook as the control API shows it."""
        return {
            "id": self.id,
            "application_id": self.application_id,
            "url": self.url,
            "auto_enroll": self.auto_enroll,
            "verified": self.verified,
            "subscriptions": subscribed,
        }


@dataclass
class V3App:
    """A v3 application: Application ID, M2M credentials, management token."""

    application_id: str
    client_id: str
    client_secrets: list[str]
    management_token: str
    name: str
    connect_client: OAuthClient
    connect_returns_code: bool = False
    webhooks: dict[str, V3Webhook] = field(default_factory=dict)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> V3App:
        """An application from the scenario's ``smartcar.applications``."""
        secrets = spec.get("client_secrets")
        if secrets is None and "client_secret" in spec:
            secrets = [spec["client_secret"]]
        if not secrets or len(secrets) > MAX_CLIENT_SECRETS:
            msg = f"a v3 application needs 1 to {MAX_CLIENT_SECRETS} client_secrets"
            raise ValueError(msg)
        application_id = str(spec["application_id"])
        uuid.UUID(application_id)  # the Application ID is a UUID
        name = str(spec.get("name", "Application"))
        app = cls(
            application_id=application_id,
            client_id=str(spec["client_id"]),
            client_secrets=[str(secret) for secret in secrets],
            management_token=str(spec.get("management_token", "")),
            name=name,
            # Connect knows the application by its Application ID. The
            # secret is never used: Connect does not issue v2 tokens for it.
            connect_client=OAuthClient(
                client_id=application_id,
                client_secret=str(uuid.uuid4()),
                name=name,
                redirect_uris=list(spec.get("redirect_uris", [])),
                default_scopes=list(spec.get("scopes", [])),
                management_token=str(spec.get("management_token", "")),
            ),
            connect_returns_code=bool(spec.get("connect_returns_code", False)),
        )
        for hook in spec.get("webhooks", []):
            webhook = V3Webhook(
                id=str(hook["id"]),
                application_id=application_id,
                management_token=app.management_token,
                url=hook.get("url"),
                auto_enroll=bool(hook.get("auto_enroll", False)),
            )
            webhook.verified = webhook.url is not None
            app.webhooks[webhook.id] = webhook
        return app


def connection_id(application_id: str, user_id: str, vehicle_id: str) -> str:
    """The stable id of a connection."""
    namespace = uuid.UUID(CONNECTION_ID_NAMESPACE)
    return str(uuid.uuid5(namespace, f"{application_id}/{user_id}/{vehicle_id}"))


@dataclass
class Connection:
    """A user's vehicle connected to a v3 application."""

    id: str
    application_id: str
    user_id: str
    vehicle_id: str
    permissions: tuple[str, ...]
    mode: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Subscription:
    """A vehicle subscribed to a webhook."""

    id: str
    webhook_id: str
    application_id: str
    vehicle_id: str
    user_id: str
    created_at: datetime


@dataclass
class V3Vehicle:
    """The v3 side of a Smartcar vehicle: ingested signals and timers."""

    vehicle: ScVehicle
    codes: tuple[str, ...]
    commands: frozenset[str]
    store: SignalStore = field(default_factory=SignalStore)
    locked: bool = True
    next_tick: datetime | None = None
    next_daily: datetime | None = None
    reported_unreachable: bool = False


def _cadence(config: dict[str, Any]) -> dict[str, dict[str, float]]:
    cadence = {make: dict(value) for make, value in DEFAULT_CADENCE.items()}
    for make, value in (config or {}).items():
        merged = dict(cadence.get(make.upper(), cadence["default"]))
        merged.update({key: float(seconds) for key, seconds in value.items()})
        cadence[make.upper() if make != "default" else make] = merged
    return cadence


@dataclass
class Settings:
    """The scenario's ``smartcar.v3`` settings (changeable by the control API)."""

    costs: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_COSTS))
    cadence: dict[str, dict[str, float]] = field(default_factory=lambda: _cadence({}))
    unsubscribed_signals: str = "daily"
    daily_refresh: time = field(
        default_factory=lambda: time.fromisoformat(DEFAULT_DAILY_REFRESH)
    )
    async_command_share: float = 0.0
    webhook_timeout: float = DEFAULT_WEBHOOK_TIMEOUT
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS

    def update(self, config: dict[str, Any]) -> None:
        """Apply (validated) settings from the scenario or the control API."""
        if "costs" in config:
            costs = dict(self.costs)
            costs.update({key: int(value) for key, value in config["costs"].items()})
            self.costs = costs
        if "cadence_seconds" in config:
            self.cadence = _cadence(config["cadence_seconds"])
        mode = str(config.get("unsubscribed_signals", self.unsubscribed_signals))
        if mode not in UNSUBSCRIBED_MODES:
            msg = f"unsubscribed_signals must be one of {', '.join(UNSUBSCRIBED_MODES)}"
            raise ValueError(msg)
        self.unsubscribed_signals = mode
        if "daily_refresh_utc" in config:
            self.daily_refresh = time.fromisoformat(str(config["daily_refresh_utc"]))
        share = float(config.get("async_command_share", self.async_command_share))
        if not 0 <= share <= 1:
            msg = "async_command_share must be between 0 and 1"
            raise ValueError(msg)
        self.async_command_share = share
        timeout = float(config.get("webhook_timeout_seconds", self.webhook_timeout))
        if timeout <= 0:
            msg = "webhook_timeout_seconds must be positive"
            raise ValueError(msg)
        self.webhook_timeout = timeout
        if "retry_delays_seconds" in config:
            self.retry_delays = tuple(
                float(delay) for delay in config["retry_delays_seconds"]
            )

    def cadence_for(self, make: str, *, charging: bool) -> float:
        """Seconds between two ingestions of a subscribed car."""
        by_make = self.cadence.get(make.upper(), self.cadence["default"])
        return by_make["charging" if charging else "idle"]

    def to_json(self) -> dict[str, Any]:
        """The settings as the control API shows them."""
        return {
            "costs": dict(self.costs),
            "cadence_seconds": {make: dict(v) for make, v in self.cadence.items()},
            "unsubscribed_signals": self.unsubscribed_signals,
            "daily_refresh_utc": self.daily_refresh.isoformat(timespec="minutes"),
            "async_command_share": self.async_command_share,
            "webhook_timeout_seconds": self.webhook_timeout,
            "retry_delays_seconds": list(self.retry_delays),
        }
