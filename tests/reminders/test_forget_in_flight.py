"""/forget while a reminder is being sent: the send's bookkeeping must not bring the id back."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.reminders.delivery import Dispatcher, SendResult
from bot.reminders.store import Occurrence, ReminderStore
from bot.storage.db import open_database

FORGOTTEN = 987654321
OTHER = 555
START = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 27, 20, 0, tzinfo=UTC)  # 20:00 UTC


def rows_with(conn: sqlite3.Connection, value: int) -> list[str]:
    """Every table.column (found via sqlite_master) that holds `value` somewhere."""
    tables = [str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    found = []
    for table in tables:
        for column in [str(c[1]) for c in conn.execute(f"PRAGMA table_info({table})")]:
            hit = conn.execute(f"SELECT 1 FROM {table} WHERE {column} = ?", (value,)).fetchone()
            if hit is not None:
                found.append(f"{table}.{column}")
    return found


async def test_forget_during_a_send_leaves_no_row_with_the_id(tmp_path: Path) -> None:
    store = ReminderStore(open_database(tmp_path / "bot.sqlite3"), timedelta(minutes=60))
    for user in (FORGOTTEN, OTHER):
        store.add(user, time(20, 0), ZoneInfo("UTC"), "with dinner", START)
        store.people.set_refill(user, 5, START)  # a low-supply warning rides on the reminder
        store.people.set_weekly(user, ZoneInfo("UTC"), START)
    sent: list[int] = []

    async def send(occ: Occurrence, late: bool) -> SendResult:
        if occ.reminder.user_id == FORGOTTEN:
            store.forget(FORGOTTEN)  # the person confirms /forget while Telegram is answering
        sent.append(occ.reminder.user_id)
        return SendResult.SENT

    await Dispatcher(store, send, timedelta(minutes=120), lambda: DUE).tick()
    assert sorted(sent) == [OTHER, FORGOTTEN]
    assert rows_with(store.conn, FORGOTTEN) == []
    assert "history.user_id" in rows_with(store.conn, OTHER)  # the other send was recorded
    assert store.marked(store.of_user(OTHER)[0].id, DUE.date()) is not None
