"""Reminder schedule maths: pure, time zone aware, the clock is a parameter.

A daily reminder is a local wall-clock time in an IANA zone. Each local day
has at most one due instant: on a spring-forward day a time inside the gap
is due at the first valid moment after it (the end of the gap); on a
fall-back day a repeated time is due at its first occurrence only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process

TIME_EXAMPLES = "21:30, 9:30pm, 21.30 or 0930"
_TIME_RE = re.compile(
    r"^\s*(?P<h>\d{1,2})(?:\s*[:.h]\s*(?P<m>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?\s*$",
    re.IGNORECASE,
)
_COMPACT_RE = re.compile(r"^\s*(?P<h>\d{2})(?P<m>\d{2})\s*$")
MIN_FUZZY_CHARS = 4


class ScheduleError(ValueError):
    """Input a person typed that is not a time or zone; the message says why, with an example."""


def parse_time(text: str) -> time:
    """'21:30', '9:30pm', '21.30', '0930', '9pm' -> time; ScheduleError otherwise."""
    match = _COMPACT_RE.match(text) or _TIME_RE.match(text)
    if not match:
        raise ScheduleError(
            f"I could not read '{text.strip()[:40]}' as a time. Try {TIME_EXAMPLES}."
        )
    hour = int(match["h"])
    minute = int(match["m"] or 0)
    ampm = (match.groupdict().get("ampm") or "").lower().replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            raise ScheduleError(f"With am/pm the hour must be 1-12. Try {TIME_EXAMPLES}.")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(
            f"'{text.strip()[:40]}' is not a time of day (hours 0-23, minutes 0-59). "
            f"Try {TIME_EXAMPLES}."
        )
    return time(hour, minute)


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


@lru_cache(maxsize=1)
def _city_index() -> dict[str, str]:
    """'berlin' -> 'Europe/Berlin', 'new york' -> 'America/New_York'."""
    index: dict[str, str] = {}
    for name in _zone_names():
        city = name.rsplit("/", 1)[-1].replace("_", " ").lower()
        index.setdefault(city, name)
        index.setdefault(name.lower(), name)
    return index


def find_zone(text: str) -> ZoneInfo:
    """An exact IANA name, or the closest city/zone name (fuzzy); ScheduleError when none fits."""
    query = " ".join(text.replace("_", " ").split()).lower()
    if not query:
        raise ScheduleError("Tell me a city or time zone, for example /timezone Berlin.")
    exact = text.strip()
    if exact in _zone_names():
        return ZoneInfo(exact)
    index = _city_index()
    if query in index:
        return ZoneInfo(index[query])
    # Fuzzy only from 4 letters: "ok" is no typo of "Atikokan".
    hit = None
    if len(query) >= MIN_FUZZY_CHARS:
        hit = process.extractOne(query, list(index), scorer=fuzz.WRatio, score_cutoff=86)
    if hit is None:
        raise ScheduleError(
            f"I do not know the time zone '{text.strip()[:40]}'. Try a big city near you, "
            "for example /timezone Berlin or /timezone America/New_York."
        )
    try:
        return ZoneInfo(index[hit[0]])
    except ZoneInfoNotFoundError:  # pragma: no cover - list and database come together
        raise ScheduleError(f"Time zone '{hit[0]}' is not available here.") from None


def due_on(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant the reminder for local `day` is due (gap: end of gap; repeat: first)."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first  # exists (on a repeated time, fold=0 is its first occurrence)
    # In a gap: the first instant whose local wall time is at or after `wall`.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first
    while high - low > timedelta(seconds=1):
        mid = low + (high - low) / 2
        if mid.astimezone(zone).replace(tzinfo=None) >= wall:
            high = mid
        else:
            low = mid
    return high.replace(microsecond=0)


@dataclass(frozen=True)
class Due:
    """One occurrence: the local day it belongs to and its UTC instant."""

    day: date
    at_utc: datetime


def next_due(at: time, zone: ZoneInfo, after: datetime) -> Due:
    """The first occurrence strictly after `after` (an aware datetime)."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    day = after.astimezone(zone).date() - timedelta(days=1)
    for _ in range(4):
        instant = due_on(day, at, zone)
        if instant > after:
            return Due(day, instant)
        day += timedelta(days=1)
    raise AssertionError("unreachable: a daily time occurs within 3 days")  # pragma: no cover


def following(due: Due, at: time, zone: ZoneInfo) -> Due:
    """The occurrence for the next local day after `due` (never the same day twice)."""
    day = due.day + timedelta(days=1)
    return Due(day, due_on(day, at, zone))


def next_weekly(weekday: int, at: time, zone: ZoneInfo, after: datetime) -> datetime:
    """The first `weekday` (0 = Monday) at local time `at` strictly after `after`, in UTC."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    day = after.astimezone(zone).date() - timedelta(days=1)
    for _ in range(9):
        if day.weekday() == weekday:
            instant = due_on(day, at, zone)
            if instant > after:
                return instant
        day += timedelta(days=1)
    raise AssertionError("unreachable: a weekday occurs within 8 days")  # pragma: no cover


def is_zone_name(text: str) -> bool:
    """Whether `text` is exactly one of the IANA zone names offered here."""
    return text in _zone_set()


@lru_cache(maxsize=1)
def _zone_set() -> frozenset[str]:
    return frozenset(_zone_names())


def city_of(zone: str) -> str:
    """'America/Argentina/Buenos_Aires' -> 'Buenos Aires': the name a person knows."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")
