"""Per-person reminder rows: a /remind waiting for its zone, nudge and weekly choices, refills.

Kept apart from the reminder rows because each is one small row per person,
and every one of them is in PERSONAL_TABLES so /forget removes it. Like the
reminders, a weekly summary is a UTC instant in an indexed column: the
dispatcher asks what is due instead of holding a job per person.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.reminders.schedule import next_weekly
from bot.storage.db import transaction

WEEKLY_DAY = 6  # Sunday
WEEKLY_AT = time(19, 0)  # Sunday evening, the person's zone
MAX_DOSES = 1000  # a year's supply three times a day; more is a typo
LOW_DAYS = 7  # a reminder warns once when about this many days of doses remain


@dataclass(frozen=True)
class Pending:
    """A /remind kept while the person picks a zone (at None: only /timezone-by-typing)."""

    user_id: int
    at: time | None
    note: str
    typing: bool  # they pressed "type a city": their next short text is a place
    since: datetime  # when they last asked: the /remind, or pressing "type a city"


@dataclass(frozen=True)
class Summary:
    """A weekly summary that is due: for the week ending on its local day."""

    user_id: int
    zone: str
    due_at: datetime


@dataclass(frozen=True)
class Refill:
    doses: int
    warned: bool  # the low-supply warning for this refill has been shown


def days_left(doses: int, per_day: int) -> int:
    """Whole days of doses left at `per_day` a day (at least one a day)."""
    return doses // max(1, per_day)


def is_low(refill: Refill | None, per_day: int) -> bool:
    """Whether a reminder should say supplies are running low (once per refill)."""
    return refill is not None and not refill.warned and days_left(refill.doses, per_day) <= LOW_DAYS


class PersonStore:
    """One row per person in each table; every change commits on its own."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # -- a /remind waiting for the zone ---------------------------------------

    def hold(self, user_id: int, at: time | None, note: str, now: datetime) -> None:
        """Keep the requested time and note (replacing any earlier one) until a zone is chosen."""
        self.conn.execute(
            "INSERT INTO pending_reminders(user_id, at, note, typing, created) "
            "VALUES (?, ?, ?, 0, ?) ON CONFLICT(user_id) DO UPDATE SET at = excluded.at, "
            "note = excluded.note, typing = 0, created = excluded.created",
            (user_id, None if at is None else at.strftime("%H:%M"), note, _ts(now)),
        )

    def pending(self, user_id: int) -> Pending | None:
        row = self.conn.execute(
            "SELECT at, note, typing, created FROM pending_reminders WHERE user_id = ?",
            (user_id,),
        ).fetchone()
        if row is None:
            return None
        at, note, typing, since = row
        when = None if at is None else time.fromisoformat(str(at))
        return Pending(user_id, when, str(note), bool(typing), _utc(since))

    def await_typing(self, user_id: int, now: datetime) -> None:
        """The person will type a city: keep any pending time, note that a place is coming."""
        with transaction(self.conn):
            if self.pending(user_id) is None:
                self.hold(user_id, None, "", now)
            self.conn.execute(
                "UPDATE pending_reminders SET typing = 1, created = ? WHERE user_id = ?",
                (_ts(now), user_id),
            )

    def release(self, user_id: int) -> Pending | None:
        """The zone is chosen: hand back what was waiting, and forget it."""
        with transaction(self.conn):
            found = self.pending(user_id)
            self.conn.execute("DELETE FROM pending_reminders WHERE user_id = ?", (user_id,))
        return found

    # -- nudges -------------------------------------------------------------------

    def nudges_on(self, user_id: int) -> bool:
        row = self.conn.execute(
            "SELECT nudges FROM reminder_settings WHERE user_id = ?", (user_id,)
        ).fetchone()
        return row is None or bool(row[0])

    def set_nudges(self, user_id: int, on: bool) -> None:
        """On or off; turning them off also drops a nudge already on its way."""
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO reminder_settings(user_id, nudges) VALUES (?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET nudges = excluded.nudges",
                (user_id, int(on)),
            )
            if not on:
                self.conn.execute(
                    "UPDATE history SET nudge_utc = NULL "
                    "WHERE user_id = ? AND nudge_utc IS NOT NULL",
                    (user_id,),
                )

    # -- weekly summaries ---------------------------------------------------------

    def weekly_next(self, user_id: int) -> datetime | None:
        """When the next weekly summary comes; None when they are off."""
        row = self.conn.execute(
            "SELECT weekly_utc FROM reminder_settings WHERE user_id = ?", (user_id,)
        ).fetchone()
        return None if row is None or row[0] is None else _utc(row[0])

    def set_weekly(self, user_id: int, zone: ZoneInfo | None, now: datetime) -> datetime | None:
        """Weekly summaries on (in `zone`) or off (None); returns when the next one comes."""
        due = None if zone is None else next_weekly(WEEKLY_DAY, WEEKLY_AT, zone, now)
        self.conn.execute(
            "INSERT INTO reminder_settings(user_id, weekly_utc, weekly_zone) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET weekly_utc = excluded.weekly_utc, "
            "weekly_zone = excluded.weekly_zone",
            (user_id, None if due is None else _ts(due), None if zone is None else zone.key),
        )
        return due

    def move_weekly(self, user_id: int, zone: ZoneInfo, now: datetime) -> None:
        """A new zone: the summary keeps its local day and time there (in the caller's tx)."""
        self.conn.execute(
            "UPDATE reminder_settings SET weekly_utc = ?, weekly_zone = ? "
            "WHERE user_id = ? AND weekly_utc IS NOT NULL",
            (_ts(next_weekly(WEEKLY_DAY, WEEKLY_AT, zone, now)), zone.key, user_id),
        )

    def due_summaries(self, now: datetime, limit: int = 1000) -> list[Summary]:
        rows = self.conn.execute(
            "SELECT user_id, weekly_zone, weekly_utc FROM reminder_settings "
            "INDEXED BY reminder_settings_weekly WHERE weekly_utc IS NOT NULL "
            "AND weekly_utc <= ? ORDER BY weekly_utc, user_id LIMIT ?",
            (_ts(now), limit),
        )
        return [Summary(int(u), str(z), _utc(d)) for u, z, d in rows]

    def summary_done(self, summary: Summary, now: datetime) -> None:
        """Sent, refused or too late: the next one is next week (only if nobody moved it)."""
        zone = ZoneInfo(summary.zone)
        next_ts = _ts(next_weekly(WEEKLY_DAY, WEEKLY_AT, zone, max(now, summary.due_at)))
        self.conn.execute(
            "UPDATE reminder_settings SET weekly_utc = ? WHERE user_id = ? AND weekly_utc = ?",
            (next_ts, summary.user_id, _ts(summary.due_at)),
        )

    # -- refills ------------------------------------------------------------------

    def refill(self, user_id: int) -> Refill | None:
        row = self.conn.execute(
            "SELECT doses, warned FROM refills WHERE user_id = ?", (user_id,)
        ).fetchone()
        return None if row is None else Refill(int(row[0]), bool(row[1]))

    def set_refill(self, user_id: int, doses: int | None, now: datetime) -> None:
        """A new count (the warning may come again), or None: stop counting."""
        if doses is None:
            self.conn.execute("DELETE FROM refills WHERE user_id = ?", (user_id,))
            return
        self.conn.execute(
            "INSERT INTO refills(user_id, doses, warned, updated) VALUES (?, ?, 0, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET doses = excluded.doses, warned = 0, "
            "updated = excluded.updated",
            (user_id, doses, _ts(now)),
        )


def adjust_doses(conn: sqlite3.Connection, user_id: int, delta: int, now: datetime) -> None:
    """Taken counts one down, Undo gives it back; never below 0 nor above MAX_DOSES.

    Runs in the caller's transaction, so the count moves with the mark itself.
    """
    conn.execute(
        "UPDATE refills SET doses = MIN(?, MAX(0, doses + ?)), updated = ? WHERE user_id = ?",
        (MAX_DOSES, delta, _ts(now), user_id),
    )


def note_warned(conn: sqlite3.Connection, user_id: int) -> None:
    """The low-supply warning went out: not again until the next /refill."""
    conn.execute("UPDATE refills SET warned = 1 WHERE user_id = ?", (user_id,))


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _utc(text: object) -> datetime:
    return datetime.fromisoformat(str(text)).replace(tzinfo=UTC)
