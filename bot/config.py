"""Settings from the environment and an optional `.env` file.

Real environment variables win over `.env`, so a deployment can override a
developer's file. The token is kept out of `repr()` so it cannot leak into a
log line or a traceback that prints the settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_NUDGE_MINUTES = 720  # a nudge later than that would meet the next day's reminder
# The one folder the bot creates by itself: `data/` in the working directory,
# where the default DATABASE_PATH points, so `make run` works on a fresh clone.
# Any other missing folder is an error: a typo must not create folders.
DATA_FOLDER = Path("data")


class SettingsError(ValueError):
    """A setting has a value the bot cannot use; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    token: str | None = field(default=None, repr=False)
    faq_path: str | None = None
    database_path: str = "data/magbot.sqlite3"
    api_base_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    admin_chat_ids: frozenset[int] = frozenset()
    default_timezone: str = "UTC"
    reminder_grace_minutes: int = 120
    reminder_nudge_minutes: int = 60  # one follow-up when a reminder stays unmarked; 0: never
    reminder_tick_seconds: float = 10.0
    reminder_lease_seconds: int = 30  # one sender at a time; a dead one's turn passes after this
    clock_file: str | None = None
    rate_limit_per_minute: int = 20
    unanswered_retention_days: int = 90  # unanswered/unsure questions are deleted after this
    send_rate_limit: bool = True
    semantic: bool = True
    vectors_path: str | None = "data/faq-vectors.npz"
    http_timeout_seconds: int = 10
    log_level: str = "INFO"

    @property
    def creates_database_folder(self) -> bool:
        """Whether a missing folder of DATABASE_PATH may be created: only DATA_FOLDER."""
        folder = os.path.dirname(os.path.abspath(self.database_path))
        return folder == os.path.abspath(DATA_FOLDER)


def _int(env: Mapping[str, str], key: str, default: int, minimum: int = 0) -> int:
    return _number(env, key, default, minimum, int, "a whole number")


def _float(env: Mapping[str, str], key: str, default: float, minimum: float) -> float:
    return _number(env, key, default, minimum, float, "a number")


N = TypeVar("N", int, float)


def _number(
    env: Mapping[str, str], key: str, default: N, minimum: N, kind: type[N], what: str
) -> N:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{key} must be {what}, got {raw!r}") from None
    if not value >= minimum:  # also refuses nan
        raise SettingsError(f"{key} must be at least {minimum}, got {raw}")
    return value


def _flag(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = env.get(key, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{key} must be on or off, got {raw!r}")


def _ids(env: Mapping[str, str], key: str) -> frozenset[int]:
    out = set()
    for part in env.get(key, "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.add(int(part))
        except ValueError:
            raise SettingsError(f"{key} must be comma-separated chat ids, got {part!r}") from None
    return frozenset(out)


def load_settings(env: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
    """Read settings; `env` defaults to os.environ merged over `.env`."""
    if env is None:
        path = dotenv or Path(".env")
        merged: dict[str, str] = {}
        if path.is_file():
            merged.update({k: v for k, v in dotenv_values(path).items() if v is not None})
        merged.update(os.environ)
        env = merged

    def text(key: str) -> str | None:
        value = env.get(key, "").strip()
        return value or None

    settings = Settings(
        token=text("TELEGRAM_BOT_TOKEN"),
        faq_path=text("FAQ_PATH"),
        database_path=text("DATABASE_PATH") or Settings.database_path,
        api_base_url=text("TELEGRAM_API_BASE_URL"),
        webhook_url=text("WEBHOOK_URL"),
        webhook_secret=text("WEBHOOK_SECRET"),
        webhook_listen=text("WEBHOOK_LISTEN") or Settings.webhook_listen,
        webhook_port=_int(env, "WEBHOOK_PORT", Settings.webhook_port, 1),
        admin_chat_ids=_ids(env, "ADMIN_CHAT_IDS"),
        default_timezone=text("DEFAULT_TIMEZONE") or Settings.default_timezone,
        reminder_grace_minutes=_int(env, "REMINDER_GRACE_MINUTES", 120),
        reminder_nudge_minutes=_int(env, "REMINDER_NUDGE_MINUTES", 60),
        reminder_tick_seconds=_float(env, "REMINDER_TICK_SECONDS", 10.0, 0.05),
        reminder_lease_seconds=_int(env, "REMINDER_LEASE_SECONDS", 30, 1),
        clock_file=text("CLOCK_FILE"),
        rate_limit_per_minute=_int(env, "RATE_LIMIT_PER_MINUTE", 20, 1),
        unanswered_retention_days=_int(env, "UNANSWERED_RETENTION_DAYS", 90, 1),
        send_rate_limit=_flag(env, "SEND_RATE_LIMIT", True),
        semantic=_flag(env, "SEMANTIC", True),
        vectors_path=(
            Settings.vectors_path if "VECTORS_CACHE" not in env else text("VECTORS_CACHE")
        ),
        http_timeout_seconds=_int(env, "HTTP_TIMEOUT_SECONDS", 10, 1),
        log_level=(text("LOG_LEVEL") or "INFO").upper(),
    )
    if settings.reminder_nudge_minutes > MAX_NUDGE_MINUTES:
        raise SettingsError(
            f"REMINDER_NUDGE_MINUTES must be at most {MAX_NUDGE_MINUTES}, "
            f"got {settings.reminder_nudge_minutes}"
        )
    if settings.log_level not in LOG_LEVELS:
        raise SettingsError(
            f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {text('LOG_LEVEL')!r}"
        )
    try:
        ZoneInfo(settings.default_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"DEFAULT_TIMEZONE {settings.default_timezone!r} is not an IANA time zone "
            "(for example UTC or Europe/Berlin)"
        ) from None
    if settings.webhook_url and not settings.webhook_secret:
        raise SettingsError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
    return settings
