"""A person's reminder history as a weekly grid, an adherence figure and a CSV file.

Pure functions over history rows, the local `today` a parameter. A day is one
cell: taken when every reminder that day was taken, skipped when each was
taken or skipped, missed when any was missed or left unmarked after its day,
and nothing while nothing was due (or the day's only reminder is still open).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from bot.reminders.store import HistoryRow, Status

MAX_WEEKS = 52  # a year of rows keeps the grid well inside one message


class Cell(Enum):
    TAKEN = "taken"
    SKIPPED = "skipped"
    MISSED = "missed"
    NONE = "none"


@dataclass(frozen=True)
class Week:
    monday: date
    cells: tuple[Cell, ...]  # Monday to Sunday


def _settled(row: HistoryRow, today: date) -> Status | None:
    """What a row counts as: a past day left unmarked is missed; today's open one, nothing yet."""
    if row.status is Status.SENT:
        return None if row.day >= today else Status.MISSED
    return row.status


def cell(rows: list[HistoryRow], today: date) -> Cell:
    """One day's cell from that day's rows."""
    settled = [s for s in (_settled(r, today) for r in rows) if s is not None]
    if not settled:
        return Cell.NONE
    if Status.MISSED in settled:
        return Cell.MISSED
    if Status.SKIPPED in settled:
        return Cell.SKIPPED
    return Cell.TAKEN


def weeks(rows: list[HistoryRow], today: date, max_weeks: int = MAX_WEEKS) -> list[Week]:
    """One row per week (Monday first) from the first row's week to today's, oldest first."""
    if not rows:
        return []
    by_day: dict[date, list[HistoryRow]] = {}
    for row in rows:
        by_day.setdefault(row.day, []).append(row)
    first = min(by_day)
    monday = first - timedelta(days=first.weekday())
    last = today - timedelta(days=today.weekday())
    out: list[Week] = []
    while monday <= last:
        days = [monday + timedelta(days=n) for n in range(7)]
        out.append(Week(monday, tuple(cell(by_day.get(d, []), today) for d in days)))
        monday += timedelta(days=7)
    return out[-max_weeks:]


def adherence(rows: list[HistoryRow], today: date) -> tuple[int, int]:
    """(doses taken, doses due) over the rows; today's open reminder is not due yet."""
    settled = [s for s in (_settled(r, today) for r in rows) if s is not None]
    return sum(s is Status.TAKEN for s in settled), len(settled)


def percent(taken: int, due: int) -> int:
    """Whole percent, halves rounded up (5 of 8 is 63 %, not banker's 62 %)."""
    return (200 * taken + due) // (2 * due) if due else 0


def to_csv(
    rows: list[HistoryRow], columns: list[str], status: Callable[[HistoryRow], str]
) -> bytes:
    """date, time, status per row, oldest first: a file a doctor can open (UTF-8, with BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in sorted(rows, key=lambda r: (r.day, r.at)):
        writer.writerow([row.day.isoformat(), row.at.strftime("%H:%M"), status(row)])
    return out.getvalue().encode("utf-8-sig")
