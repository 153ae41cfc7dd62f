"""The streak: a pure function over history rows.

A day counts for the streak when at least one reminder that day was marked
taken. Today does not break a streak before the person has answered, so a
streak shown in the morning is not reset by a reminder still to come.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.reminders.store import HistoryRow, Status


def streak(rows: list[HistoryRow], today: date) -> int:
    """Consecutive days marked taken, up to today (or yesterday, if today is still open)."""
    taken = {r.day for r in rows if r.status is Status.TAKEN}
    day = today if today in taken else today - timedelta(days=1)
    count = 0
    while day in taken:
        count += 1
        day -= timedelta(days=1)
    return count
