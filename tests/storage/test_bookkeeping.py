"""The bookkeeping writer: queued, bounded, and quiet about failures (once per outage)."""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage.bookkeeping import Bookkeeper, Job, describe
from bot.storage.db import open_database
from bot.storage.peek import has_paused_reminders, may_be_typing_a_place, open_reader
from bot.storage.stats import StatsStore

NOW = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def path(tmp_path: Path) -> str:
    file = tmp_path / "bot.sqlite3"
    open_database(file).close()
    return str(file)


def count(path: str, name: str) -> int:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT n FROM counters WHERE name = ?", (name,)).fetchone()
        return 0 if row is None else int(row[0])
    finally:
        conn.close()


def bump(name: str) -> Job:
    return lambda conn: conn.execute(
        "INSERT INTO counters(name, n) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET n = n + 1",
        (name,),
    )


def test_writes_are_done_in_order_on_their_own_connection(path: str) -> None:
    books = Bookkeeper(path)
    threads: set[str] = set()
    for _ in range(50):
        assert books.submit(bump("answer"))
    books.submit(lambda conn: threads.add(threading.current_thread().name))
    assert books.flush(5)
    assert count(path, "answer") == 50
    assert threads == {"bookkeeping"} and books.done == 51
    books.close()


def test_a_full_queue_drops_writes_and_counts_them(path: str) -> None:
    release = threading.Event()
    books = Bookkeeper(path, capacity=2)
    books.submit(lambda conn: release.wait(5))  # the worker is busy with this one
    accepted = [books.submit(bump("answer")) for _ in range(10)]
    assert accepted.count(False) >= 7 and books.dropped == accepted.count(False)
    release.set()
    assert books.flush(5)
    assert count(path, "answer") == accepted.count(True)
    books.close()


def test_a_failing_write_is_logged_and_reported_once_per_outage(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    reports: list[str] = []
    books = Bookkeeper(path, notify=reports.append)
    full = sqlite3.OperationalError("database or disk is full")

    def fail(conn: sqlite3.Connection) -> None:
        raise full

    with caplog.at_level(logging.WARNING, logger="bot.storage.bookkeeping"):
        for _ in range(20):
            books.submit(fail)
        books.submit(bump("answer"))  # writes work again
        books.submit(fail)  # a new outage: told again
        assert books.flush(5)
    assert reports == ["statistics are not being saved: the disk is full"] * 2
    messages = [r.getMessage() for r in caplog.records]
    assert sum("not being saved" in m for m in messages) == 2
    assert any("work again (20 lost meanwhile)" in m for m in messages)
    assert books.failed == 21 and books.done == 1
    books.close()


def test_a_failed_commit_does_not_leave_a_transaction_open(path: str) -> None:
    books = Bookkeeper(path)

    def half(conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO counters(name, n) VALUES ('half', 1)")
        raise sqlite3.OperationalError("database or disk is full")  # as a failed COMMIT

    books.submit(half)
    books.submit(bump("answer"))  # would fail "within a transaction" without the rollback
    assert books.flush(5)
    assert count(path, "answer") == 1 and count(path, "half") == 0
    books.close()


def test_a_bug_in_one_write_does_not_stop_the_others(path: str) -> None:
    books = Bookkeeper(path)
    books.submit(lambda conn: 1 / 0)
    books.submit(bump("answer"))
    assert books.flush(5)
    assert count(path, "answer") == 1
    books.close()


def test_a_locked_file_costs_the_writes_not_the_caller(path: str) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    books = Bookkeeper(path, connector=lambda p: _short_timeout(p))
    books.submit(bump("answer"))  # returns at once, lock or not
    assert books.flush(5)
    assert books.failed == 1
    other.execute("ROLLBACK")
    other.close()
    books.submit(bump("answer"))
    assert books.flush(5)
    assert count(path, "answer") == 1
    books.close()


def _short_timeout(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=50")
    return conn


def test_close_finishes_the_queued_writes(path: str) -> None:
    books = Bookkeeper(path)
    for _ in range(20):
        books.submit(bump("answer"))
    books.close()
    assert count(path, "answer") == 20
    assert not books.submit(bump("answer")) and books.dropped == 1


def test_flush_before_any_write_returns_at_once(path: str) -> None:
    assert Bookkeeper(path).flush(0.01)


def test_one_reply_is_recorded_in_one_transaction(path: str) -> None:
    conn = open_database(path)
    store = StatsStore(conn, clock=lambda: NOW)
    store.on(conn, NOW).record_reply(7, "fallback", "zinc?", unanswered=True, unsure="")
    store.on(conn, NOW).record_reply(None, "answer", "dose", unanswered=False, unsure="x")
    assert store.stats().users == 1
    assert store.top_unanswered() == [("zinc?", 1)]
    assert store.top_unsure() == [("dose", "x", 1)]
    conn.close()


def test_a_report_reads_even_when_old_questions_cannot_be_deleted(path: str) -> None:
    conn = open_database(path)
    store = StatsStore(conn, clock=lambda: NOW)
    store.record_unanswered("zinc?")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    conn.execute("PRAGMA busy_timeout=10")
    assert store.top_unanswered() == [("zinc?", 1)]  # the expiry could not write: still read
    other.execute("ROLLBACK")
    other.close()
    conn.close()


def test_the_cheap_reads_do_not_wait_for_a_writer(path: str) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute(
        "INSERT INTO reminders(user_id, at, zone, day, due_utc, paused) "
        "VALUES (7, '21:30', 'UTC', '2026-03-27', '2026-03-27T21:30:00+00:00', 1)"
    )
    reader = open_reader(path)
    assert not has_paused_reminders(reader, 7)  # not committed yet, and no waiting
    other.execute("COMMIT")
    assert has_paused_reminders(reader, 7) and not may_be_typing_a_place(reader, 7)
    with pytest.raises(sqlite3.OperationalError):
        reader.execute("DELETE FROM reminders")  # it only reads
    reader.close()
    other.close()


@pytest.mark.parametrize(
    ("error", "said"),
    [
        ("database is locked", "locked by another process"),
        ("attempt to write a readonly database", "read-only"),
        ("database or disk is full", "disk is full"),
        ("disk I/O error", "OperationalError: disk I/O error"),
    ],
)
def test_failures_are_described_for_an_admin(error: str, said: str) -> None:
    assert said in describe(sqlite3.OperationalError(error))
