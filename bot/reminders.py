"""Reminder bookkeeping in SQLite, and the pure decision of what a due one needs.

One row per reminder carries its next due instant in UTC (indexed), so a
periodic dispatcher asks "what is due now?" instead of holding one
scheduler job per reminder in memory.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from bot.schedule import Due, following, next_due

MAX_REMINDERS_PER_PERSON = 3
ON_TIME_SLACK = timedelta(minutes=2)  # within this, a reminder is not "late"


class Action(Enum):
    SEND = "send"
    SEND_LATE = "send_late"  # the bot was down at the due time, back within the grace window
    MISS = "miss"  # back too late: record the day as missed, go to the next day


def decide(due_at: datetime, now: datetime, grace: timedelta) -> Action:
    """What to do with an occurrence that is due (due_at <= now)."""
    late_by = now - due_at
    if late_by <= ON_TIME_SLACK:
        return Action.SEND
    if late_by <= grace:
        return Action.SEND_LATE
    return Action.MISS


@dataclass(frozen=True)
class Reminder:
    id: int
    user_id: int
    at: time
    zone: str
    note: str
    day: date  # the local day of the next occurrence
    due_utc: datetime
    paused: bool

    def following(self) -> Due:
        return following(Due(self.day, self.due_utc), self.at, ZoneInfo(self.zone))


class TooManyReminders(Exception):
    """A fourth reminder for one person."""


class ReminderStore:
    """Reminder rows; every change is one committed transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def add(self, user_id: int, at: time, zone: ZoneInfo, note: str, now: datetime) -> Reminder:
        first = next_due(at, zone, now)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            count = self.conn.execute(
                "SELECT COUNT(*) FROM reminders WHERE user_id = ?", (user_id,)
            ).fetchone()[0]
            if count >= MAX_REMINDERS_PER_PERSON:
                raise TooManyReminders
            cur = self.conn.execute(
                "INSERT INTO reminders(user_id, at, zone, note, day, due_utc, paused) "
                "VALUES (?, ?, ?, ?, ?, ?, 0)",
                (
                    user_id,
                    at.strftime("%H:%M"),
                    zone.key,
                    note,
                    first.day.isoformat(),
                    _ts(first.at_utc),
                ),
            )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return self.get(int(cur.lastrowid or 0))

    def get(self, reminder_id: int) -> Reminder:
        row = self.conn.execute(_SELECT + " WHERE id = ?", (reminder_id,)).fetchone()
        if row is None:
            raise KeyError(reminder_id)
        return _row(row)

    def of_user(self, user_id: int) -> list[Reminder]:
        rows = self.conn.execute(_SELECT + " WHERE user_id = ? ORDER BY at", (user_id,))
        return [_row(r) for r in rows]

    def due(self, now: datetime, limit: int = 1000) -> list[Reminder]:
        """Active reminders due at or before `now`, earliest first (uses the index)."""
        rows = self.conn.execute(
            _SELECT + " WHERE paused = 0 AND due_utc <= ? ORDER BY due_utc, id LIMIT ?",
            (_ts(now), limit),
        )
        return [_row(r) for r in rows]

    def advance(self, reminder: Reminder, to: Due) -> None:
        """Move to the next occurrence, only if nobody else already did (no doubles)."""
        self.conn.execute(
            "UPDATE reminders SET day = ?, due_utc = ? WHERE id = ? AND day = ?",
            (to.day.isoformat(), _ts(to.at_utc), reminder.id, reminder.day.isoformat()),
        )

    def remove(self, user_id: int, reminder_id: int | None = None) -> int:
        """Remove one reminder (or all, with None); returns how many went."""
        if reminder_id is None:
            cur = self.conn.execute("DELETE FROM reminders WHERE user_id = ?", (user_id,))
        else:
            cur = self.conn.execute(
                "DELETE FROM reminders WHERE user_id = ? AND id = ?", (user_id, reminder_id)
            )
        return cur.rowcount

    def set_paused(self, user_id: int, paused: bool) -> None:
        self.conn.execute(
            "UPDATE reminders SET paused = ? WHERE user_id = ?", (int(paused), user_id)
        )


_SELECT = "SELECT id, user_id, at, zone, note, day, due_utc, paused FROM reminders"


def _ts(moment: datetime) -> str:
    """UTC instants as sortable ISO text, so the index orders them correctly."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _row(row: tuple[object, ...]) -> Reminder:
    rid, user_id, at, zone, note, day, due_utc, paused = row
    return Reminder(
        id=int(str(rid)),
        user_id=int(str(user_id)),
        at=time.fromisoformat(str(at)),
        zone=str(zone),
        note=str(note),
        day=date.fromisoformat(str(day)),
        due_utc=datetime.fromisoformat(str(due_utc)).replace(tzinfo=UTC),
        paused=bool(paused),
    )
