"""The dispatcher with a fake clock and a fake sender: never lost, never doubled."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.delivery import Dispatcher, SendResult
from bot.reminders.store import Occurrence, ReminderStore, Status
from bot.storage.db import open_database
from tests.fake_clock import FakeClock

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)


class Outbox:
    """Records what was sent; `result` decides the outcome, `slow` users take a while."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, date, bool]] = []
        self.result = SendResult.SENT
        self.slow: set[int] = set()
        self.in_flight = asyncio.Event()  # set when a send has begun

    async def __call__(self, occ: Occurrence, late: bool) -> SendResult:
        self.in_flight.set()
        if occ.reminder.user_id in self.slow:
            await asyncio.sleep(0.5)  # a slow person: simulated behaviour, not a wait
        if self.result is SendResult.SENT:
            self.sent.append((occ.reminder.user_id, occ.day, late))
        return self.result


def setup(tmp_path: Path, clock: FakeClock) -> tuple[ReminderStore, Outbox, Dispatcher]:
    store = ReminderStore(open_database(tmp_path / "db.sqlite3"))
    outbox = Outbox()
    return store, outbox, Dispatcher(store, outbox, timedelta(minutes=120), clock)


async def test_one_per_day_across_ticks_and_restarts(tmp_path: Path) -> None:
    clock = FakeClock(START)
    store, outbox, dispatcher = setup(tmp_path, clock)
    store.add(1, time(21, 30), BERLIN, "", START)
    due = datetime(2026, 3, 27, 20, 30, tzinfo=UTC)
    clock.now = due - timedelta(minutes=1)
    await dispatcher.tick()
    assert outbox.sent == []
    clock.now = due
    await dispatcher.tick()
    clock.now = due + timedelta(seconds=30)
    await dispatcher.tick()
    # A "restart": a new store and dispatcher over the same file.
    store2, _, _ = setup(tmp_path, clock)
    clock.now = due + timedelta(minutes=1)
    await Dispatcher(store2, outbox, timedelta(minutes=120), clock).tick()
    assert outbox.sent == [(1, date(2026, 3, 27), False)]
    # Over the spring-forward night, the local time stays 21:30 (20:30 UTC, then 19:30 UTC).
    clock.now = datetime(2026, 3, 28, 20, 30, tzinfo=UTC)
    await dispatcher.tick()
    clock.now = datetime(2026, 3, 29, 19, 29, tzinfo=UTC)
    await dispatcher.tick()
    assert len(outbox.sent) == 2
    clock.now = datetime(2026, 3, 29, 19, 30, tzinfo=UTC)
    await dispatcher.tick()
    assert [d for _, d, _ in outbox.sent] == [
        date(2026, 3, 27),
        date(2026, 3, 28),
        date(2026, 3, 29),
    ]
    assert [h.status for h in store.history(1, date(2026, 3, 1))] == [Status.SENT] * 3


async def test_down_over_the_due_time(tmp_path: Path) -> None:
    clock = FakeClock(START)
    store, outbox, dispatcher = setup(tmp_path, clock)
    store.add(1, time(21, 30), BERLIN, "", START)
    store.add(2, time(18, 0), BERLIN, "", START)
    # Back 90 minutes after the 21:30 reminder and 5 h after the 18:00 one.
    clock.now = datetime(2026, 3, 27, 22, 0, tzinfo=UTC)
    report = await dispatcher.tick()
    assert outbox.sent == [(1, date(2026, 3, 27), True)]
    assert (report.sent, report.late, report.missed) == (1, 1, 1)
    assert store.of_user(2)[0].day == date(2026, 3, 28)
    assert [(h.day, h.status) for h in store.history(2, date(2026, 3, 1))] == [
        (date(2026, 3, 27), Status.MISSED)
    ]


async def test_blocked_person_is_paused_and_failure_is_retried(tmp_path: Path) -> None:
    clock = FakeClock(START)
    store, outbox, dispatcher = setup(tmp_path, clock)
    store.add(1, time(21, 30), BERLIN, "", START)
    due = datetime(2026, 3, 27, 20, 30, tzinfo=UTC)
    outbox.result = SendResult.FAILED
    clock.now = due
    assert (await dispatcher.tick()).failed == 1
    outbox.result = SendResult.SENT
    clock.now = due + timedelta(minutes=1)
    await dispatcher.tick()
    assert len(outbox.sent) == 1
    outbox.result = SendResult.BLOCKED
    clock.now = due + timedelta(days=1)
    await dispatcher.tick()
    assert store.of_user(1)[0].paused
    assert store.due(due + timedelta(days=5)) == []
    # They write again: reminders restart from the next occurrence, no backlog.
    back = due + timedelta(days=5, hours=2)
    store.resume(1, back)
    mine = store.of_user(1)[0]
    assert not mine.paused and mine.due_utc > back


async def test_snooze_comes_back_once_and_survives_reopening(tmp_path: Path) -> None:
    clock = FakeClock(START)
    store, outbox, dispatcher = setup(tmp_path, clock)
    r = store.add(1, time(21, 30), BERLIN, "", START)
    clock.now = datetime(2026, 3, 27, 20, 30, tzinfo=UTC)
    await dispatcher.tick()
    until = store.snooze(store.get(r.id), date(2026, 3, 27), clock.now)
    assert until == datetime(2026, 3, 27, 21, 0, tzinfo=UTC)
    store.conn.close()
    store, _, dispatcher = setup(tmp_path, clock)
    dispatcher.send = outbox
    clock.now = until - timedelta(seconds=1)
    await dispatcher.tick()
    clock.now = until
    report = await dispatcher.tick()
    await dispatcher.tick()
    assert report.sent == 1
    assert outbox.sent == [(1, date(2026, 3, 27), False), (1, date(2026, 3, 27), False)]
    assert store.get(r.id).snooze_utc is None
    # Taken on the repeated message settles the day.
    store.record(store.get(r.id), date(2026, 3, 27), Status.TAKEN, clock.now)
    assert [h.status for h in store.history(1, date(2026, 3, 27))] == [Status.TAKEN]


async def test_due_order_and_a_slow_person_delays_nobody(tmp_path: Path) -> None:
    clock = FakeClock(START)
    store, outbox, dispatcher = setup(tmp_path, clock)
    outbox.slow = {1}
    for user in range(1, 21):
        store.add(user, time(21, 0), BERLIN, "", START)
    store.add(99, time(20, 59), BERLIN, "", START)
    clock.now = datetime(2026, 3, 27, 20, 0, tzinfo=UTC)
    loop = asyncio.get_running_loop()
    began = loop.time()
    report = await dispatcher.tick(batch=8)
    assert report.sent == 21
    assert outbox.sent[0][0] == 99  # the earliest due goes first
    assert outbox.sent[-1][0] == 1  # the slow one finished last, the others did not wait
    assert loop.time() - began < 2.0


async def test_close_lets_sends_in_flight_finish(tmp_path: Path) -> None:
    clock = FakeClock(START)
    store, outbox, dispatcher = setup(tmp_path, clock)
    outbox.slow = {1}
    store.add(1, time(21, 0), BERLIN, "", START)
    clock.now = datetime(2026, 3, 27, 20, 0, tzinfo=UTC)
    dispatcher.kick()
    dispatcher.kick()  # a second trigger while draining does not start a second drain
    await asyncio.wait_for(outbox.in_flight.wait(), 5)  # the slow send has begun
    await dispatcher.close()
    assert outbox.sent == [(1, date(2026, 3, 27), False)]
    assert store.get(1).day == date(2026, 3, 28)  # recorded before close returned
    dispatcher.kick()  # closed: nothing more starts
    assert dispatcher.stopping


async def test_every_day_the_bot_was_down_counts_as_missed(tmp_path: Path) -> None:
    clock = FakeClock(START)
    store, outbox, dispatcher = setup(tmp_path, clock)
    store.add(1, time(21, 30), BERLIN, "", START)
    clock.now = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)  # back three days later, at noon
    assert (await dispatcher.tick()).missed == 1
    assert outbox.sent == []
    days = [(h.day.day, h.status) for h in store.history(1, date(2026, 3, 1))]
    assert days == [(27, Status.MISSED), (28, Status.MISSED), (29, Status.MISSED)]
    assert store.of_user(1)[0].day == date(2026, 3, 30)


async def test_a_locked_database_pauses_dispatch_with_a_line_not_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(START)
    store, _, dispatcher = setup(tmp_path, clock)

    def locked(*args: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(store, "prune_attempts", locked)
    with caplog.at_level(logging.WARNING):
        dispatcher.kick()
        assert dispatcher._task is not None
        await dispatcher._task
    assert "database is locked by another process" in caplog.text
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)
