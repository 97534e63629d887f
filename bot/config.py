"""Settings read once from the environment and ``.env`` (pydantic-settings)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.durations import parse_duration

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///eventbot.db"


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
    # how often event posts are re-drawn, and the least time between two edits of one post
    post_refresh_seconds: float = Field(default=3.0, gt=0, le=3600)

    @field_validator("bot_token", "manager_invite_code", mode="before")
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
