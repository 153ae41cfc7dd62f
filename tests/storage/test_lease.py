"""The reminder lease: one holder at a time, taken over once it expires, given back on stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage.db import open_database
from bot.storage.lease import Lease

START = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
LENGTH = timedelta(seconds=30)


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def two_processes(tmp_path: Path, clock: FakeClock) -> tuple[Lease, Lease]:
    """Two processes' leases on one database file, each with its own connection."""
    path = tmp_path / "db.sqlite3"
    return (
        Lease(open_database(path), "reminders", LENGTH, clock, holder="a"),
        Lease(open_database(path), "reminders", LENGTH, clock, holder="b"),
    )


def test_one_holder_at_a_time_and_renewal_keeps_it(tmp_path: Path) -> None:
    clock = FakeClock()
    a, b = two_processes(tmp_path, clock)
    assert a.acquire()
    assert not b.acquire()
    for _ in range(10):  # a renews every 20 s for minutes: b never gets in
        clock.now += timedelta(seconds=20)
        assert a.acquire()
        assert not b.acquire()
    assert a.held() and not b.held()
    assert a.current() == ("a", clock.now + LENGTH)


def test_a_dead_holder_is_taken_over_once_its_lease_expires(tmp_path: Path) -> None:
    clock = FakeClock()
    a, b = two_processes(tmp_path, clock)
    assert a.acquire()
    clock.now += LENGTH - timedelta(seconds=1)  # a was killed: it renews no more
    assert not b.acquire()
    clock.now += timedelta(seconds=1)
    assert b.acquire()
    assert not a.held() and not a.acquire()  # a, back from a freeze, waits its turn


def test_release_on_a_clean_stop_lets_the_other_in_at_once(tmp_path: Path) -> None:
    clock = FakeClock()
    a, b = two_processes(tmp_path, clock)
    assert a.acquire()
    a.release()
    assert b.acquire()
    a.release()  # no longer ours: releasing again takes nothing from b
    assert not a.acquire()
    assert b.current() == ("b", START + LENGTH)


def test_holders_are_unique_per_process_start(tmp_path: Path) -> None:
    conn = open_database(tmp_path / "db.sqlite3")
    first = Lease(conn, "reminders", LENGTH, FakeClock())
    second = Lease(conn, "reminders", LENGTH, FakeClock())
    assert first.holder != second.holder
    assert first.acquire() and not second.acquire()
