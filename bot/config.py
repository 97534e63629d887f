"""Settings read once from the environment and ``.env`` (pydantic-settings)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.durations import parse_duration

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///eventbot.db"
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ConfigError(Exception):
    """A configuration value is missing or invalid; the message names the variable."""


class Settings(BaseSettings):
    """Everything EventBot can be configured with; see ``.env.example``."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    bot_token: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    telegram_api_url: str = "https://api.telegram.org"
    manager_invite_code: str | None = None
    timezone: str = "UTC"
    reminder_offsets: Annotated[tuple[timedelta, ...], NoDecode] = (
        timedelta(hours=24),
        timedelta(hours=1),
    )
    session_ttl: Annotated[timedelta, NoDecode] = timedelta(days=30)
    bcrypt_rounds: int = Field(default=12, ge=4, le=31)
    reminder_poll_seconds: float = Field(default=30.0, gt=0)
    send_rate_limit: float = Field(default=30.0, ge=0)
    concurrent_chats: int = Field(default=16, ge=1, le=256)
    telegram_timeout: float = Field(default=10.0, gt=0, le=300)
    database_busy_timeout: float = Field(default=5.0, ge=0, le=300)
    log_level: str = "INFO"
    # webhook mode (polling when unset): Telegram POSTs updates to WEBHOOK_URL, which a proxy
    # or load balancer forwards to WEBHOOK_LISTEN:WEBHOOK_PORT, path and all
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # several replicas (PostgreSQL): a replica renews its claims on the updates it handles
    # every third of this; one that dies holds them this long before another takes them over
    replica_claim_seconds: float = Field(default=10.0, ge=1, le=3600)
    # how often event posts are re-drawn, and the least time between two edits of one post
    post_refresh_seconds: float = Field(default=3.0, gt=0, le=3600)

    @field_validator(
        "bot_token", "manager_invite_code", "webhook_url", "webhook_secret", mode="before"
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is not None and (":" not in value or not value.split(":", 1)[0].isdigit()):
            raise ValueError("must look like 123456789:ABC... (the token @BotFather gave you)")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be the public https:// URL Telegram should call")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: str | None) -> str | None:
        if value is not None and not WEBHOOK_SECRET.fullmatch(value):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError(
                "WEBHOOK_SECRET is required with WEBHOOK_URL: without it anyone could post "
                "updates to the bot"
            )
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r} (try Europe/Berlin)") from exc
        return value

    @field_validator("reminder_offsets", mode="before")
    @classmethod
    def _parse_offsets(cls, value: object) -> object:
        if isinstance(value, str):
            items = [part for part in (p.strip() for p in value.split(",")) if part]
            offsets = sorted({parse_duration(part) for part in items}, reverse=True)
            return tuple(offsets)
        return value

    @field_validator("session_ttl", mode="before")
    @classmethod
    def _parse_ttl(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @property
    def tz(self) -> ZoneInfo:
        """The zone in which dates are shown and typed."""
        return ZoneInfo(self.timezone)


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation failures into one ConfigError line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {reason}") from None
