"""Settings: environment over .env, clear errors, and the token kept out of repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings

TOKEN = "123456789:AAHk-fake_token_for_tests_abcdefghijkl"


def test_env_file_is_read_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nWEBHOOK_PORT=9000\nADMIN_CHAT_IDS=1, 2\n")
    monkeypatch.setenv("WEBHOOK_PORT", "9100")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    settings = load_settings(dotenv=env_file)
    assert settings.token == TOKEN
    assert settings.webhook_port == 9100
    assert settings.admin_chat_ids == frozenset({1, 2})
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WEBHOOK_PORT": "eighty"}, "WEBHOOK_PORT must be a whole number"),
        ({"ADMIN_CHAT_IDS": "1,bob"}, "ADMIN_CHAT_IDS must be comma-separated"),
        ({"WEBHOOK_URL": "https://example.org/hook"}, "WEBHOOK_SECRET is required"),
        ({"RATE_LIMIT_PER_MINUTE": "0"}, "RATE_LIMIT_PER_MINUTE must be at least 1"),
        ({"REMINDER_TICK_SECONDS": "often"}, "REMINDER_TICK_SECONDS must be a number"),
        ({"REMINDER_TICK_SECONDS": "nan"}, "REMINDER_TICK_SECONDS must be at least 0.05"),
        ({"DEFAULT_TIMEZONE": "Mars/Phobos"}, "DEFAULT_TIMEZONE 'Mars/Phobos' is not an IANA"),
        ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRIT"),
    ],
)
def test_bad_settings_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env)


def test_reminder_settings() -> None:
    settings = load_settings({"REMINDER_TICK_SECONDS": "0.5", "DEFAULT_TIMEZONE": "Asia/Kolkata"})
    assert settings.reminder_tick_seconds == 0.5
    assert settings.default_timezone == "Asia/Kolkata"
    assert load_settings({}).reminder_tick_seconds == 10.0


def test_log_level_is_case_insensitive() -> None:
    assert load_settings({"LOG_LEVEL": "debug"}).log_level == "DEBUG"
    assert load_settings({}).log_level == "INFO"


@pytest.mark.parametrize(
    ("path", "created"),
    [
        ("data/magbot.sqlite3", True),  # the default: `make run` on a fresh clone
        ("./data/other.sqlite3", True),
        ("data/sub/magbot.sqlite3", False),
        ("magbot/magbot.sqlite3", False),
        ("/srv/magbot/magbot.sqlite3", False),
    ],
)
def test_only_the_data_folder_is_created_for_the_database(path: str, created: bool) -> None:
    assert load_settings({"DATABASE_PATH": path}).creates_database_folder is created
