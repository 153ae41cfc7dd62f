"""The durable inbox: kept before confirmed, handled once, nothing personal left behind."""

from __future__ import annotations

import logging
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage.db import forget_person, open_database
from bot.storage.inbox import PRUNE_EVERY_SECONDS, RETRY_AFTER_SECONDS, Inbox

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def update(update_id: int, user_id: int = 42, text: str = "is it safe") -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {"message_id": update_id, "from": {"id": user_id}, "text": text},
    }


@pytest.fixture
def db(tmp_path: Path) -> sqlite3.Connection:
    return open_database(tmp_path / "bot.sqlite3")


def test_new_updates_are_kept_and_redeliveries_left_out(db: sqlite3.Connection) -> None:
    inbox = Inbox(db, lambda: NOW)
    assert inbox.admit([update(1), update(2)]) == [update(1), update(2)]
    assert inbox.admit([update(2), update(3)]) == [update(3)]
    inbox.done([2])
    assert inbox.admit([update(2)]) == []  # handled: still recognised
    assert inbox.pending() == [update(1), update(3)]


def test_a_handled_update_keeps_only_its_id(db: sqlite3.Connection) -> None:
    inbox = Inbox(db, lambda: NOW)
    inbox.admit([update(1, text="my name is Ann")])
    inbox.done([1])
    assert db.execute("SELECT update_id, raw, done FROM inbox").fetchall() == [(1, "", 1)]


def test_handled_ids_are_forgotten_after_a_day(db: sqlite3.Connection) -> None:
    now = [NOW]
    inbox = Inbox(db, lambda: now[0])
    inbox.admit([update(1), update(2)])
    inbox.done([1])
    now[0] = NOW + timedelta(days=1, minutes=1)
    assert inbox.prune() == 1
    assert [u["update_id"] for u in inbox.pending()] == [2]  # pending ones stay


def test_a_long_running_bot_forgets_old_handled_ids_on_its_own(db: sqlite3.Connection) -> None:
    now, seconds = [NOW], [0.0]
    inbox = Inbox(db, lambda: now[0], monotonic=lambda: seconds[0])
    inbox.admit([update(1)])
    inbox.done([1])
    now[0] = NOW + timedelta(days=2)
    seconds[0] = PRUNE_EVERY_SECONDS
    inbox.admit([update(2)])
    inbox.done([2])
    assert db.execute("SELECT update_id FROM inbox").fetchall() == [(2,)]


def test_when_the_database_cannot_be_written_updates_still_go_through(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "bot.sqlite3"
    seconds = [0.0]
    inbox = Inbox(open_database(path), lambda: NOW, monotonic=lambda: seconds[0])
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    with caplog.at_level(logging.ERROR):
        started = time.monotonic()
        assert inbox.admit([update(1)]) == [update(1)]  # waits the busy timeout once
        assert inbox.admit([update(2)]) == [update(2)]  # then passes through at once
        inbox.done([1, 2])
        assert time.monotonic() - started < 1.0
    assert caplog.text.count("Inbox: cannot") == 1  # once per outage
    holder.execute("ROLLBACK")
    assert inbox.admit([update(3)]) == [update(3)]  # still resting: passed on, not kept
    seconds[0] += RETRY_AFTER_SECONDS
    assert inbox.admit([update(4)]) == [update(4)]
    inbox.done([])  # the marks that failed are written now
    assert db_rows(path) == [(4, 0)]


def db_rows(path: Path) -> list[tuple[int, int]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT update_id, done FROM inbox").fetchall()
    finally:
        conn.close()


def test_forget_removes_the_persons_pending_updates(db: sqlite3.Connection) -> None:
    inbox = Inbox(db, lambda: NOW)
    inbox.admit([update(1, user_id=42), update(2, user_id=7), update(3, user_id=42)])
    forget_person(db, 42)
    assert [u["update_id"] for u in inbox.pending()] == [2]
