"""The dispatcher with a fake clock and a fake sender: never lost, never doubled."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.dispatcher import Dispatcher, SendResult
from bot.reminders import Reminder, ReminderStore
from bot.store import open_database

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)


class Outbox:
    def __init__(self) -> None:
        self.sent: list[tuple[int, date, bool]] = []
        self.result = SendResult.SENT

    async def __call__(self, reminder: Reminder, late: bool) -> SendResult:
        if self.result is SendResult.SENT:
            self.sent.append((reminder.user_id, reminder.day, late))
        return self.result


def setup(tmp_path: Path) -> tuple[ReminderStore, Outbox, Dispatcher]:
    store = ReminderStore(open_database(tmp_path / "db.sqlite3"))
    outbox = Outbox()
    return store, outbox, Dispatcher(store, outbox, timedelta(minutes=120))


async def test_one_per_day_across_ticks_and_restarts(tmp_path: Path) -> None:
    store, outbox, dispatcher = setup(tmp_path)
    store.add(1, time(21, 30), BERLIN, "", START)
    due = datetime(2026, 3, 27, 20, 30, tzinfo=UTC)
    await dispatcher.tick(due - timedelta(minutes=1))
    assert outbox.sent == []
    await dispatcher.tick(due)
    await dispatcher.tick(due + timedelta(seconds=30))
    # A "restart": a new store and dispatcher over the same file.
    store2, _, _ = setup(tmp_path)
    await Dispatcher(store2, outbox, timedelta(minutes=120)).tick(due + timedelta(minutes=1))
    assert outbox.sent == [(1, date(2026, 3, 27), False)]
    # Over the spring-forward night, the local time stays 21:30 (20:30 UTC, then 19:30 UTC).
    await dispatcher.tick(datetime(2026, 3, 28, 20, 30, tzinfo=UTC))
    await dispatcher.tick(datetime(2026, 3, 29, 19, 29, tzinfo=UTC))
    assert len(outbox.sent) == 2
    await dispatcher.tick(datetime(2026, 3, 29, 19, 30, tzinfo=UTC))
    assert [d for _, d, _ in outbox.sent] == [
        date(2026, 3, 27),
        date(2026, 3, 28),
        date(2026, 3, 29),
    ]


async def test_down_over_the_due_time(tmp_path: Path) -> None:
    store, outbox, dispatcher = setup(tmp_path)
    store.add(1, time(21, 30), BERLIN, "", START)
    store.add(2, time(18, 0), BERLIN, "", START)
    # Back 90 minutes after the 21:30 reminder and 5 h after the 18:00 one.
    back = datetime(2026, 3, 27, 22, 0, tzinfo=UTC)
    report = await dispatcher.tick(back)
    assert outbox.sent == [(1, date(2026, 3, 27), True)]
    assert (report.sent, report.late, report.missed) == (1, 1, 1)
    assert store.of_user(2)[0].day == date(2026, 3, 28)


async def test_blocked_person_is_paused_and_failure_is_retried(tmp_path: Path) -> None:
    store, outbox, dispatcher = setup(tmp_path)
    store.add(1, time(21, 30), BERLIN, "", START)
    due = datetime(2026, 3, 27, 20, 30, tzinfo=UTC)
    outbox.result = SendResult.FAILED
    assert (await dispatcher.tick(due)).failed == 1
    outbox.result = SendResult.SENT
    await dispatcher.tick(due + timedelta(minutes=1))
    assert len(outbox.sent) == 1
    outbox.result = SendResult.BLOCKED
    await dispatcher.tick(due + timedelta(days=1))
    assert store.of_user(1)[0].paused
    assert store.due(due + timedelta(days=5)) == []
