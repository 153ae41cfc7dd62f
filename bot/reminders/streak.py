"""The last days of reminders and the streak: pure functions over history rows.

A day counts for the streak when at least one reminder that day was marked
taken. Today does not break a streak before the person has answered, so a
streak shown in the morning is not reset by a reminder still to come.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from bot.reminders.store import HistoryRow, Status

HISTORY_DAYS = 14


@dataclass(frozen=True)
class DayLine:
    day: date
    marks: tuple[tuple[time, Status], ...]  # one per reminder that day, by time


def last_days(rows: list[HistoryRow], today: date, days: int = HISTORY_DAYS) -> list[DayLine]:
    """The last `days` local days, newest first, with what happened to each reminder."""
    by_day: dict[date, list[tuple[time, Status]]] = {}
    for row in rows:
        by_day.setdefault(row.day, []).append((row.at, row.status))
    return [
        DayLine(day, tuple(sorted(by_day.get(day, []))))
        for day in (today - timedelta(days=n) for n in range(days))
    ]


def streak(rows: list[HistoryRow], today: date) -> int:
    """Consecutive days marked taken, up to today (or yesterday, if today is still open)."""
    taken = {r.day for r in rows if r.status is Status.TAKEN}
    day = today if today in taken else today - timedelta(days=1)
    count = 0
    while day in taken:
        count += 1
        day -= timedelta(days=1)
    return count
