"""Clocks: the real one, and a file-driven one that end-to-end tests can move.

The core never reads the time itself; whoever builds it passes one of these.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class ClockFileError(ValueError):
    """CLOCK_FILE is set but does not hold an ISO 8601 time with a UTC offset."""


def file_clock(path: str) -> Clock:
    """A clock reading 'now' from `path` on every call (tests rewrite the file)."""
    file = Path(path)

    def now() -> datetime:
        try:
            moment = datetime.fromisoformat(file.read_text().strip())
        except (OSError, ValueError) as exc:
            raise ClockFileError(f"CLOCK_FILE {path}: {exc}") from None
        if moment.tzinfo is None:
            raise ClockFileError(f"CLOCK_FILE {path}: the time needs a UTC offset")
        return moment.astimezone(UTC)

    now()  # fail at start-up, not at the first reminder
    return now
