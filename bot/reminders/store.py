"""The reminder store: reminder, zone and history rows in SQLite.

One row per reminder carries its next due instant in UTC (indexed), so a
periodic dispatcher asks "what is due now?" instead of holding one
scheduler job per reminder in memory. A snooze is a second, one-off due
instant on the same row, and a nudge (one follow-up when a day stays
unmarked) a due instant on that day's history row, so both survive a
restart like everything else.

Before a send the occurrence is claimed (`claim`) in a reminder_attempts
row, and the send's outcome is recorded on it (`delivered`, `unsure`,
`failed`, `blocked`): see `bot.reminders.delivery` for the protocol.
"""

from __future__ import annotations

import heapq
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum, StrEnum
from zoneinfo import ZoneInfo

from bot.reminders.people import PersonStore, adjust_doses, is_low, note_warned
from bot.reminders.schedule import Due, due_on, following, next_due
from bot.storage.db import forget_person, transaction

MAX_REMINDERS_PER_PERSON = 3
SNOOZE = timedelta(minutes=30)
MISSED_DAYS_RECORDED = timedelta(days=31)
MAX_UNSURE = 2  # sends that may have arrived: after this many the day counts as sent
ATTEMPTS_KEPT = timedelta(days=3)  # rows of occurrences nobody settled (removed, rescheduled)


class Status(StrEnum):
    """What happened to one reminder on one local day."""

    SENT = "sent"  # delivered, no button pressed (yet)
    TAKEN = "taken"
    SKIPPED = "skipped"
    MISSED = "missed"  # the bot could not send it in time


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
    snooze_utc: datetime | None = None
    snooze_day: date | None = None

    def following(self) -> Due:
        return following(Due(self.day, self.due_utc), self.at, ZoneInfo(self.zone))


@dataclass(frozen=True)
class Occurrence:
    """One thing to send: a reminder's daily occurrence, its snooze, or its nudge."""

    reminder: Reminder
    day: date
    due_at: datetime
    snoozed: bool = False
    nudge: bool = False  # the one follow-up for a day left unmarked
    repeat: bool = False  # an earlier send timed out and may have arrived: say so

    @property
    def kind(self) -> str:
        return "nudge" if self.nudge else "snooze" if self.snoozed else "daily"


class Claim(Enum):
    """What the dispatcher may do with an occurrence it found due (see `ReminderStore.claim`)."""

    SEND = "send"  # claimed: send it (the first send, or again after a sure failure)
    REPEAT = "repeat"  # claimed: send it saying it may be a duplicate (the one repeat)
    WAIT = "wait"  # a send is in flight, or the repeat's time has not come: not now
    SETTLED = "settled"  # recorded as sent without sending (it may have arrived already)
    MISSED = "missed"  # too late: recorded as missed
    GONE = "gone"  # removed, rescheduled or already handled meanwhile: nothing to do


@dataclass(frozen=True)
class HistoryRow:
    reminder_id: int
    day: date
    at: time
    status: Status


class TooManyReminders(Exception):
    """A fourth reminder for one person."""


class DuplicateReminder(Exception):
    """The person already has a reminder at that time."""


class ReminderStore:
    """Reminder, zone and history rows; every change is one committed transaction.

    `nudge_after`: how long a sent day may stay unmarked before its one nudge
    (None: no nudges, REMINDER_NUDGE_MINUTES=0).
    """

    def __init__(self, conn: sqlite3.Connection, nudge_after: timedelta | None = None) -> None:
        self.conn = conn
        self.nudge_after = nudge_after or None
        self.people = PersonStore(conn)

    # -- reminders ------------------------------------------------------------

    def add(self, user_id: int, at: time, zone: ZoneInfo, note: str, now: datetime) -> Reminder:
        first = next_due(at, zone, now)
        with transaction(self.conn):
            times = [
                str(row[0])
                for row in self.conn.execute(
                    "SELECT at FROM reminders WHERE user_id = ?", (user_id,)
                )
            ]
            if _hhmm(at) in times:
                raise DuplicateReminder
            if len(times) >= MAX_REMINDERS_PER_PERSON:
                raise TooManyReminders
            cur = self.conn.execute(
                "INSERT INTO reminders(user_id, at, zone, note, day, due_utc, paused) "
                "VALUES (?, ?, ?, ?, ?, ?, 0)",
                (user_id, _hhmm(at), zone.key, note, first.day.isoformat(), _ts(first.at_utc)),
            )
        return self.get(int(cur.lastrowid or 0))

    def get(self, reminder_id: int) -> Reminder:
        row = self.conn.execute(_SELECT + " WHERE id = ?", (reminder_id,)).fetchone()
        if row is None:
            raise KeyError(reminder_id)
        return _row(row)

    def find(self, user_id: int, reminder_id: int) -> Reminder | None:
        """The person's reminder with that id, or None (gone, or someone else's)."""
        row = self.conn.execute(
            _SELECT + " WHERE id = ? AND user_id = ?", (reminder_id, user_id)
        ).fetchone()
        return None if row is None else _row(row)

    def of_user(self, user_id: int) -> list[Reminder]:
        rows = self.conn.execute(_SELECT + " WHERE user_id = ? ORDER BY at", (user_id,))
        return [_row(r) for r in rows]

    def due(self, now: datetime, limit: int = 1000) -> list[Occurrence]:
        """Daily occurrences and snoozes due at or before `now`, earliest first (indexed)."""
        daily = [
            Occurrence(r, r.day, r.due_utc)
            for r in map(
                _row,
                self.conn.execute(
                    _SELECT + " WHERE paused = 0 AND due_utc <= ? ORDER BY due_utc, id LIMIT ?",
                    (_ts(now), limit),
                ),
            )
        ]
        snoozes = [
            Occurrence(r, r.snooze_day or r.day, r.snooze_utc or now, snoozed=True)
            for r in map(
                _row,
                self.conn.execute(
                    # Without the hint SQLite picks reminders_due and scans every row.
                    _SELECT + " INDEXED BY reminders_snooze WHERE snooze_utc IS NOT NULL "
                    "AND snooze_utc <= ? AND paused = 0 ORDER BY snooze_utc, id LIMIT ?",
                    (_ts(now), limit),
                ),
            )
        ]
        nudges = [
            Occurrence(_row(row[:-2]), date.fromisoformat(str(row[-2])), _at(row[-1]), nudge=True)
            for row in self.conn.execute(
                "SELECT r.id, r.user_id, r.at, r.zone, r.note, r.day, r.due_utc, r.paused, "
                "r.snooze_utc, r.snooze_day, h.day, h.nudge_utc "
                "FROM history AS h INDEXED BY history_nudge JOIN reminders AS r "
                "ON r.id = h.reminder_id WHERE h.nudge_utc IS NOT NULL AND h.nudge_utc <= ? "
                "AND r.paused = 0 ORDER BY h.nudge_utc, r.id LIMIT ?",
                (_ts(now), limit),
            )
        ]
        merged = heapq.merge(daily, snoozes, nudges, key=lambda o: (o.due_at, o.reminder.id))
        return list(merged)[:limit]

    def mark_sent(self, occ: Occurrence, now: datetime) -> bool:
        """After a delivery: move on (only if nobody already did) and note the day as sent.

        A reminder arms the day's nudge (unless it already had one); a nudge
        is noted as given; a low-supply warning in the message is noted shown.
        False, writing nothing, when the reminder is gone meanwhile (/forget or
        /unremind during the send): a history row then would outlive /forget.
        """
        with transaction(self.conn):
            return self._mark_sent(occ, now)

    def _mark_sent(self, occ: Occurrence, now: datetime) -> bool:
        """`mark_sent` in the caller's transaction; the occurrence's claim row goes too."""
        r = occ.reminder
        if not self._exists(r):
            return False
        self._drop_attempt(occ)
        if occ.nudge:
            self.conn.execute(
                "UPDATE history SET nudge_utc = NULL, nudged = 1 "
                "WHERE reminder_id = ? AND day = ? AND nudge_utc = ?",
                (r.id, occ.day.isoformat(), _ts(occ.due_at)),
            )
            return True
        if is_low(self.people.refill(r.user_id), self.per_day(r.user_id)):
            note_warned(self.conn, r.user_id)
        if occ.snoozed:
            self.conn.execute(
                "UPDATE reminders SET snooze_utc = NULL, snooze_day = NULL "
                "WHERE id = ? AND snooze_utc = ?",
                (r.id, _ts(occ.due_at)),
            )
        else:
            self._advance(r, r.following())
        self.conn.execute(
            "INSERT OR IGNORE INTO history(reminder_id, user_id, day, at, status, updated) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (r.id, r.user_id, occ.day.isoformat(), _hhmm(r.at), Status.SENT, _ts(now)),
        )
        if self.nudge_after is not None and self.people.nudges_on(r.user_id):
            self.conn.execute(
                "UPDATE history SET nudge_utc = ? WHERE reminder_id = ? AND day = ? "
                "AND status = ? AND nudged = 0",
                (_ts(now + self.nudge_after), r.id, occ.day.isoformat(), Status.SENT),
            )
        return True

    # -- claims: one send at a time per occurrence, at most two that may arrive ------

    def claim(self, occ: Occurrence, now: datetime, *, miss: bool, stale: timedelta) -> Claim:
        """Before a send: record that it begins (SEND/REPEAT), or say why not.

        A claim older than `stale` with no outcome was left by a process
        that died mid-send: it counts as a send that may have arrived. After
        MAX_UNSURE of those (or a too-late occurrence after one) the day is
        recorded as sent without sending again. `miss`: the occurrence is
        past its grace window.
        """
        with transaction(self.conn):
            if not self._exists(occ.reminder) or not self._still_due(occ):
                return Claim.GONE
            row = self.conn.execute(
                "SELECT unsure, claimed, next_utc FROM reminder_attempts "
                "WHERE reminder_id = ? AND kind = ? AND due_utc = ?",
                _attempt_key(occ),
            ).fetchone()
            unsure, claimed, next_at = row if row is not None else (0, None, None)
            unsure = int(unsure)
            if claimed is not None:
                if now - _at(claimed) < stale:
                    return Claim.WAIT  # in flight (here or in another process)
                unsure += 1  # abandoned mid-send: it may have arrived
                next_at = None
            if unsure >= MAX_UNSURE or (miss and unsure):
                self._mark_sent(occ, now)
                return Claim.SETTLED
            if miss:
                self._mark_missed(occ, now)
                return Claim.MISSED
            if next_at is not None and _at(next_at) > now:
                return Claim.WAIT
            r = occ.reminder
            self.conn.execute(
                "INSERT INTO reminder_attempts(reminder_id, kind, due_utc, user_id, day, tries, "
                "unsure, claimed, next_utc, updated) VALUES (?, ?, ?, ?, ?, 1, ?, ?, NULL, ?) "
                "ON CONFLICT(reminder_id, kind, due_utc) DO UPDATE SET tries = tries + 1, "
                "unsure = excluded.unsure, claimed = excluded.claimed, next_utc = NULL, "
                "updated = excluded.updated",
                (*_attempt_key(occ), r.user_id, occ.day.isoformat(), unsure, _ts(now), _ts(now)),
            )
        return Claim.REPEAT if unsure else Claim.SEND

    def delivered(self, occ: Occurrence, now: datetime) -> bool:
        """Telegram accepted it: the day is sent (see `mark_sent`)."""
        return self.mark_sent(occ, now)

    def unsure(self, occ: Occurrence, claimed: datetime, now: datetime, retry_at: datetime) -> bool:
        """The send timed out: it may have arrived. True when that settles the day as sent
        (the repeat timed out too); otherwise it may be repeated once, from `retry_at`."""
        with transaction(self.conn):
            row = self.conn.execute(
                "SELECT unsure FROM reminder_attempts WHERE reminder_id = ? AND kind = ? "
                "AND due_utc = ? AND claimed = ?",
                (*_attempt_key(occ), _ts(claimed)),
            ).fetchone()
            if row is None:  # not our claim any more: whoever took it over decides
                return False
            if int(row[0]) + 1 >= MAX_UNSURE:
                self._mark_sent(occ, now)
                return True
            self.conn.execute(
                "UPDATE reminder_attempts SET unsure = unsure + 1, claimed = NULL, "
                "next_utc = ?, updated = ? WHERE reminder_id = ? AND kind = ? AND due_utc = ?",
                (_ts(retry_at), _ts(now), *_attempt_key(occ)),
            )
        return False

    def failed(self, occ: Occurrence, claimed: datetime, now: datetime) -> None:
        """It surely did not reach Telegram (refused, 5xx, 429): free to try again."""
        self.conn.execute(
            "UPDATE reminder_attempts SET claimed = NULL, updated = ? "
            "WHERE reminder_id = ? AND kind = ? AND due_utc = ? AND claimed = ?",
            (_ts(now), *_attempt_key(occ), _ts(claimed)),
        )

    def blocked(self, occ: Occurrence) -> None:
        """The person blocked the bot (or the chat is gone): pause their reminders."""
        with transaction(self.conn):
            self._drop_attempt(occ)
            self.set_paused(occ.reminder.user_id, True)

    def prune_attempts(self, now: datetime) -> int:
        """Forget claims of occurrences nobody will settle (rescheduled, paused long ago)."""
        cur = self.conn.execute(
            "DELETE FROM reminder_attempts WHERE updated < ?", (_ts(now - ATTEMPTS_KEPT),)
        )
        return cur.rowcount

    def _still_due(self, occ: Occurrence) -> bool:
        """Whether the occurrence is still waiting to be sent (in the caller's transaction)."""
        r = occ.reminder
        if occ.nudge:
            sql = "SELECT 1 FROM history WHERE reminder_id = ? AND day = ? AND nudge_utc = ?"
            args: tuple[object, ...] = (r.id, occ.day.isoformat(), _ts(occ.due_at))
        elif occ.snoozed:
            sql = "SELECT 1 FROM reminders WHERE id = ? AND paused = 0 AND snooze_utc = ?"
            args = (r.id, _ts(occ.due_at))
        else:
            sql = "SELECT 1 FROM reminders WHERE id = ? AND paused = 0 AND day = ? AND due_utc = ?"
            args = (r.id, occ.day.isoformat(), _ts(occ.due_at))
        return self.conn.execute(sql, args).fetchone() is not None

    def _drop_attempt(self, occ: Occurrence) -> None:
        self.conn.execute(
            "DELETE FROM reminder_attempts WHERE reminder_id = ? AND kind = ? AND due_utc = ?",
            _attempt_key(occ),
        )

    def _exists(self, r: Reminder) -> bool:
        """Whether the reminder row is still there (in the caller's transaction)."""
        row = self.conn.execute(
            "SELECT 1 FROM reminders WHERE id = ? AND user_id = ?", (r.id, r.user_id)
        ).fetchone()
        return row is not None

    def mark_missed(self, occ: Occurrence, now: datetime) -> None:
        """Too late to send: skip to the next occurrence after `now`; the day counts as missed."""
        with transaction(self.conn):
            self._mark_missed(occ, now)

    def _mark_missed(self, occ: Occurrence, now: datetime) -> None:
        r = occ.reminder
        if not self._exists(r):
            return  # forgotten or removed meanwhile: nothing to record
        self._drop_attempt(occ)
        if occ.nudge:  # too late to ask again: the day stays as it is
            self.conn.execute(
                "UPDATE history SET nudge_utc = NULL, nudged = 1 "
                "WHERE reminder_id = ? AND day = ? AND nudge_utc = ?",
                (r.id, occ.day.isoformat(), _ts(occ.due_at)),
            )
            return
        if occ.snoozed:
            self._clear_snooze(r.id)
            return  # the day itself was delivered; only the repeat is dropped
        nxt = next_due(r.at, ZoneInfo(r.zone), now)
        self._advance(r, nxt)
        # Every day it was down for counts as missed (as far back as anyone looks).
        first = max(occ.day, nxt.day - MISSED_DAYS_RECORDED)
        for n in range((nxt.day - first).days):
            self._set_status(r, first + timedelta(days=n), Status.MISSED, now)

    def _advance(self, reminder: Reminder, to: Due) -> None:
        self.conn.execute(
            "UPDATE reminders SET day = ?, due_utc = ? WHERE id = ? AND day = ?",
            (to.day.isoformat(), _ts(to.at_utc), reminder.id, reminder.day.isoformat()),
        )

    def snooze(self, reminder: Reminder, day: date, now: datetime) -> datetime:
        """Ask again SNOOZE from now for `day`; returns when. A nudge waits for the repeat."""
        until = (now + SNOOZE).astimezone(UTC).replace(microsecond=0)
        with transaction(self.conn):
            self.conn.execute(
                "UPDATE reminders SET snooze_utc = ?, snooze_day = ? WHERE id = ?",
                (_ts(until), day.isoformat(), reminder.id),
            )
            self.conn.execute(
                "UPDATE history SET nudge_utc = NULL WHERE reminder_id = ? AND day = ?",
                (reminder.id, day.isoformat()),
            )
        return until

    def record(self, reminder: Reminder, day: date, status: Status, now: datetime) -> None:
        """The person pressed Taken or Skip: that settles the day (and any snooze for it).

        A refill count moves with it: one dose less when the day becomes taken,
        one back when a taken day becomes skipped.
        """
        with transaction(self.conn):
            before = self._status(reminder.id, day)
            self._set_status(reminder, day, status, now)
            self.conn.execute(
                "UPDATE reminders SET snooze_utc = NULL, snooze_day = NULL "
                "WHERE id = ? AND snooze_day = ?",
                (reminder.id, day.isoformat()),
            )
            delta = int(before is Status.TAKEN) - int(status is Status.TAKEN)
            if delta:
                adjust_doses(self.conn, reminder.user_id, delta, now)

    def marked(self, reminder_id: int, day: date) -> tuple[Status, datetime] | None:
        """A day's status and when it last changed, or None when nothing was recorded."""
        row = self.conn.execute(
            "SELECT status, updated FROM history WHERE reminder_id = ? AND day = ?",
            (reminder_id, day.isoformat()),
        ).fetchone()
        return None if row is None else (Status(row[0]), _at(row[1]))

    def unmark(self, reminder: Reminder, day: date, now: datetime) -> bool:
        """Undo Taken or Skip: the day is sent-but-unmarked again, a taken dose given back.

        False when the day was not taken or skipped (nothing to undo).
        """
        with transaction(self.conn):
            before = self._status(reminder.id, day)
            if before not in (Status.TAKEN, Status.SKIPPED):
                return False
            self._set_status(reminder, day, Status.SENT, now)
            if before is Status.TAKEN:
                adjust_doses(self.conn, reminder.user_id, 1, now)
        return True

    def _status(self, reminder_id: int, day: date) -> Status | None:
        found = self.marked(reminder_id, day)
        return None if found is None else found[0]

    def _set_status(self, r: Reminder, day: date, status: Status, now: datetime) -> None:
        """Record a day's status; a settled day needs no nudge."""
        self.conn.execute(
            "INSERT INTO history(reminder_id, user_id, day, at, status, updated) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(reminder_id, day) DO UPDATE SET "
            "status = excluded.status, updated = excluded.updated, "
            "nudge_utc = CASE WHEN excluded.status = 'sent' THEN nudge_utc END",
            (r.id, r.user_id, day.isoformat(), _hhmm(r.at), status, _ts(now)),
        )

    def _clear_snooze(self, reminder_id: int) -> None:
        self.conn.execute(
            "UPDATE reminders SET snooze_utc = NULL, snooze_day = NULL WHERE id = ?",
            (reminder_id,),
        )

    def remove(self, user_id: int, reminder_id: int | None = None) -> int:
        """Remove one reminder (or all, with None) and its pending nudges; returns how many went."""
        ids = [r.id for r in self.of_user(user_id) if reminder_id in (None, r.id)]
        with transaction(self.conn):
            for rid in ids:
                self.conn.execute("DELETE FROM reminders WHERE id = ?", (rid,))
                self.conn.execute("DELETE FROM reminder_attempts WHERE reminder_id = ?", (rid,))
                self.conn.execute(
                    "UPDATE history SET nudge_utc = NULL "
                    "WHERE reminder_id = ? AND nudge_utc IS NOT NULL",
                    (rid,),
                )
        return len(ids)

    def per_day(self, user_id: int) -> int:
        """Doses a day: one per reminder."""
        row = self.conn.execute(
            "SELECT COUNT(*) FROM reminders WHERE user_id = ?", (user_id,)
        ).fetchone()
        return int(row[0])

    def set_paused(self, user_id: int, paused: bool) -> None:
        self.conn.execute(
            "UPDATE reminders SET paused = ? WHERE user_id = ?", (int(paused), user_id)
        )

    def resume(self, user_id: int, now: datetime) -> int:
        """The person is back after blocking the bot: restart from the next occurrence."""
        paused = [
            _row(r)
            for r in self.conn.execute(_SELECT + " WHERE user_id = ? AND paused = 1", (user_id,))
        ]
        if not paused:
            return 0
        with transaction(self.conn):
            for r in paused:
                nxt = _not_before(next_due(r.at, ZoneInfo(r.zone), now), r, ZoneInfo(r.zone))
                self.conn.execute(
                    "UPDATE reminders SET paused = 0, day = ?, due_utc = ?, snooze_utc = NULL, "
                    "snooze_day = NULL WHERE id = ?",
                    (nxt.day.isoformat(), _ts(nxt.at_utc), r.id),
                )
        return len(paused)

    # -- time zones -------------------------------------------------------------

    def zone_of(self, user_id: int) -> str | None:
        row = self.conn.execute(
            "SELECT zone FROM profiles WHERE user_id = ?", (user_id,)
        ).fetchone()
        return None if row is None else str(row[0])

    def set_zone(self, user_id: int, zone: ZoneInfo, now: datetime) -> int:
        """Store the zone and move every reminder to it, keeping its local time.

        A day already handled in the old zone is never repeated in the new one.
        """
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO profiles(user_id, zone) VALUES (?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET zone = excluded.zone",
                (user_id, zone.key),
            )
            mine = self.of_user(user_id)
            for r in mine:
                nxt = _not_before(next_due(r.at, zone, now), r, zone)
                self.conn.execute(
                    "UPDATE reminders SET zone = ?, day = ?, due_utc = ? WHERE id = ?",
                    (zone.key, nxt.day.isoformat(), _ts(nxt.at_utc), r.id),
                )
            self.people.move_weekly(user_id, zone, now)
        return len(mine)

    # -- history and forgetting -------------------------------------------------

    def history(self, user_id: int, since: date) -> list[HistoryRow]:
        rows = self.conn.execute(
            "SELECT reminder_id, day, at, status FROM history "
            "WHERE user_id = ? AND day >= ? ORDER BY day, at",
            (user_id, since.isoformat()),
        )
        return [
            HistoryRow(int(rid), date.fromisoformat(d), time.fromisoformat(a), Status(s))
            for rid, d, a, s in rows
        ]

    def forget(self, user_id: int) -> None:
        forget_person(self.conn, user_id)


_SELECT = (
    "SELECT id, user_id, at, zone, note, day, due_utc, paused, snooze_utc, snooze_day "
    "FROM reminders"
)


def _attempt_key(occ: Occurrence) -> tuple[int, str, str]:
    """The claim row of one occurrence: its reminder, kind and due instant."""
    return (occ.reminder.id, occ.kind, _ts(occ.due_at))


def _not_before(candidate: Due, r: Reminder, zone: ZoneInfo) -> Due:
    """Never go back to a local day the reminder has already moved past."""
    if candidate.day >= r.day:
        return candidate
    return Due(r.day, due_on(r.day, r.at, zone))


def _hhmm(at: time) -> str:
    return at.strftime("%H:%M")


def _ts(moment: datetime) -> str:
    """UTC instants as sortable ISO text, so the index orders them correctly."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _utc(text: object) -> datetime | None:
    return None if text is None else _at(text)


def _at(text: object) -> datetime:
    return datetime.fromisoformat(str(text)).replace(tzinfo=UTC)


def _row(row: tuple[object, ...]) -> Reminder:
    rid, user_id, at, zone, note, day, due_utc, paused, snooze_utc, snooze_day = row
    return Reminder(
        id=int(str(rid)),
        user_id=int(str(user_id)),
        at=time.fromisoformat(str(at)),
        zone=str(zone),
        note=str(note),
        day=date.fromisoformat(str(day)),
        due_utc=datetime.fromisoformat(str(due_utc)).replace(tzinfo=UTC),
        paused=bool(paused),
        snooze_utc=_utc(snooze_utc),
        snooze_day=None if snooze_day is None else date.fromisoformat(str(snooze_day)),
    )
