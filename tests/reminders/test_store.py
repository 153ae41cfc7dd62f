"""Reminder rows and the due/late/missed decision, with an injected clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.delivery import Action, decide
from bot.reminders.store import ReminderStore, TooManyReminders
from bot.storage.db import open_database

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
GRACE = timedelta(minutes=120)


def reminders(tmp_path: Path) -> ReminderStore:
    return ReminderStore(open_database(tmp_path / "db.sqlite3"))


def test_on_time_late_and_missed() -> None:
    due = NOW
    assert decide(due, NOW + timedelta(seconds=30), GRACE) is Action.SEND
    assert decide(due, NOW + timedelta(minutes=90), GRACE) is Action.SEND_LATE
    assert decide(due, NOW + timedelta(minutes=121), GRACE) is Action.MISS


def test_reminders_survive_reopening_and_come_due_in_order(tmp_path: Path) -> None:
    store = reminders(tmp_path)
    late = store.add(1, time(21, 30), BERLIN, "with dinner", NOW)
    early = store.add(2, time(14, 0), BERLIN, "", NOW)
    store.conn.close()
    again = reminders(tmp_path)
    assert [o.reminder.id for o in again.due(NOW + timedelta(days=1))] == [early.id, late.id]
    assert again.due(NOW) == []
    got = again.get(late.id)
    assert (got.at, got.zone, got.note, got.day) == (
        time(21, 30),
        "Europe/Berlin",
        "with dinner",
        date(2026, 3, 27),
    )


def test_advance_happens_once_even_if_asked_twice(tmp_path: Path) -> None:
    store = reminders(tmp_path)
    r = store.add(1, time(2, 30), BERLIN, "", NOW)  # tomorrow is the spring-forward day
    (occ,) = store.due(r.due_utc)
    store.mark_sent(occ, r.due_utc)
    store.mark_sent(occ, r.due_utc)  # the same occurrence again: a no-op
    got = store.get(r.id)
    assert got.day == date(2026, 3, 29)
    assert got.due_utc == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_at_most_three_per_person_and_removal(tmp_path: Path) -> None:
    store = reminders(tmp_path)
    for hour in (8, 13, 21):
        store.add(5, time(hour), BERLIN, "", NOW)
    with pytest.raises(TooManyReminders):
        store.add(5, time(22), BERLIN, "", NOW)
    assert len(store.of_user(5)) == 3
    assert store.remove(5, 999) == 0
    first = store.of_user(5)[0]
    assert store.remove(5, first.id) == 1
    store.set_paused(5, True)
    assert store.due(NOW + timedelta(days=2)) == []
    assert store.remove(5) == 2
