"""Claims before sends: a slow Bot API, a killed process or a second one never multiply a reminder.

A fake clock and a fake sender whose answers the test chooses: SENT, FAILED
(surely not delivered) or UNSURE (timed out, but the person may have it).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.reminders.delivery import REPEAT_AFTER, STALE_CLAIM, Dispatcher, SendResult
from bot.reminders.store import Claim, Occurrence, ReminderStore, Status
from bot.storage.db import open_database
from bot.storage.lease import Lease
from tests.fake_clock import FakeClock

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 27, 20, 30, tzinfo=UTC)  # 21:30 in Berlin
DAY = date(2026, 3, 27)
TICK = timedelta(seconds=10)


class Phone:
    """What reaches the person: every send 'arrives' unless the answer is FAILED."""

    def __init__(self, *answers: SendResult) -> None:
        self.answers = list(answers)
        self.shown: list[tuple[str, date, bool]] = []  # (kind, day, said "may be a duplicate")
        self.people: list[int] = []  # whose phone, for each of them

    async def __call__(self, occ: Occurrence, late: bool) -> SendResult:
        result = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if result is not SendResult.FAILED:
            self.shown.append((occ.kind, occ.day, occ.repeat))
            self.people.append(occ.reminder.user_id)
        return result


def setup(
    tmp_path: Path, clock: FakeClock, phone: Phone, nudge: timedelta | None = None
) -> tuple[ReminderStore, Dispatcher]:
    store = ReminderStore(open_database(tmp_path / "db.sqlite3"), nudge_after=nudge)
    return store, Dispatcher(store, phone, timedelta(minutes=120), clock)


def ticks(clock: FakeClock, until: datetime) -> Iterator[None]:
    while clock.now < until:
        yield
        clock.now += TICK


async def run(dispatcher: Dispatcher, clock: FakeClock, until: datetime) -> None:
    for _ in ticks(clock, until):
        await dispatcher.tick()


async def test_api_slower_than_the_timeout_shows_a_reminder_at_most_twice_a_day(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    phone = Phone(SendResult.UNSURE)  # every send times out, and every one arrives
    store, dispatcher = setup(tmp_path, clock, phone)
    store.add(1, time(21, 30), BERLIN, "", START)
    clock.now = DUE
    await run(dispatcher, clock, DUE + timedelta(hours=3))
    assert phone.shown == [("daily", DAY, False), ("daily", DAY, True)]
    assert [h.status for h in store.history(1, DAY)] == [Status.SENT]
    await run(dispatcher, clock, DUE + timedelta(days=1, hours=3))
    assert len(phone.shown) == 4  # the next day the same: two at most
    assert store.get(1).day == date(2026, 3, 29)


async def test_the_repeat_waits_and_says_it_may_be_a_duplicate(tmp_path: Path) -> None:
    clock = FakeClock(START)
    phone = Phone(SendResult.UNSURE, SendResult.SENT)
    store, dispatcher = setup(tmp_path, clock, phone)
    store.add(1, time(21, 30), BERLIN, "", START)
    clock.now = DUE
    await dispatcher.tick()
    clock.now = DUE + REPEAT_AFTER - timedelta(seconds=1)
    await dispatcher.tick()
    assert phone.shown == [("daily", DAY, False)]  # not yet: it may well have arrived
    clock.now = DUE + REPEAT_AFTER
    await dispatcher.tick()
    assert phone.shown == [("daily", DAY, False), ("daily", DAY, True)]
    await run(dispatcher, clock, DUE + timedelta(hours=3))
    assert len(phone.shown) == 2
    assert store.marked(1, DAY) is not None


async def test_sure_failures_are_retried_until_sent_without_the_duplicate_line(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    phone = Phone(*[SendResult.FAILED] * 5, SendResult.SENT)  # refused, 5xx, 429...
    store, dispatcher = setup(tmp_path, clock, phone)
    store.add(1, time(21, 30), BERLIN, "", START)
    clock.now = DUE
    await run(dispatcher, clock, DUE + timedelta(minutes=5))
    assert phone.shown == [("daily", DAY, False)]
    assert store.get(1).day == date(2026, 3, 28)


async def test_nudges_and_snoozes_follow_the_same_rule(tmp_path: Path) -> None:
    clock = FakeClock(START)
    phone = Phone(SendResult.UNSURE)
    store, dispatcher = setup(tmp_path, clock, phone, nudge=timedelta(minutes=60))
    reminder = store.add(1, time(21, 30), BERLIN, "", START)
    clock.now = DUE
    await run(dispatcher, clock, DUE + timedelta(minutes=10))
    store.snooze(reminder, DAY, clock.now)
    await run(dispatcher, clock, DUE + timedelta(hours=3))
    kinds = [kind for kind, _, _ in phone.shown]
    assert kinds == ["daily", "daily", "snooze", "snooze", "nudge", "nudge"]
    assert [repeat for _, _, repeat in phone.shown] == [False, True] * 3


async def test_a_claim_left_by_a_killed_process_is_sent_once_more_after_a_while(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    phone = Phone(SendResult.SENT)
    store, dispatcher = setup(tmp_path, clock, phone)
    store.add(1, time(21, 30), BERLIN, "", START)
    clock.now = DUE
    (occ,) = store.due(clock.now)
    # The old process claimed it and was killed during the send: no outcome recorded.
    assert store.claim(occ, clock.now, miss=False, stale=STALE_CLAIM) is Claim.SEND
    await run(dispatcher, clock, DUE + STALE_CLAIM)
    assert phone.shown == []  # it may still be in flight
    await run(dispatcher, clock, DUE + STALE_CLAIM + timedelta(minutes=1))
    assert phone.shown == [("daily", DAY, True)]  # never lost; it may be the second
    await run(dispatcher, clock, DUE + timedelta(hours=3))
    assert len(phone.shown) == 1


async def test_a_day_past_its_grace_after_an_unsure_send_counts_as_sent(tmp_path: Path) -> None:
    clock = FakeClock(START)
    phone = Phone(SendResult.UNSURE)
    store, dispatcher = setup(tmp_path, clock, phone)
    store.add(1, time(21, 30), BERLIN, "", START)
    clock.now = DUE
    await dispatcher.tick()
    clock.now = DUE + timedelta(hours=5)  # the bot was down until after the grace window
    await dispatcher.tick()
    assert phone.shown == [("daily", DAY, False)]
    assert store.history(1, DAY)[0].status is Status.SENT  # it may have arrived: not missed


async def test_two_dispatchers_with_the_lease_send_each_person_once(tmp_path: Path) -> None:
    clock = FakeClock(START)
    phone = Phone(SendResult.SENT)
    path = tmp_path / "db.sqlite3"
    stores = [ReminderStore(open_database(path)) for _ in range(2)]
    for user in range(1, 61):
        stores[0].add(user, time(21, 30), BERLIN, "", START)
    dispatchers = [
        Dispatcher(
            s,
            phone,
            timedelta(minutes=120),
            clock,
            lease=Lease(s.conn, "reminders", timedelta(seconds=30), clock),
        )
        for s in stores
    ]
    clock.now = DUE
    reports = [await d.tick() for d in dispatchers]
    assert [r.sent for r in reports] == [60, 0]
    await dispatchers[0].close()  # a clean stop gives the lease up: the other takes over
    clock.now = DUE + timedelta(days=1)
    assert (await dispatchers[1].tick()).sent == 60
    pairs = list(zip(phone.people, [day for _, day, _ in phone.shown], strict=True))
    assert len(pairs) == 120 and len(set(pairs)) == 120


async def test_a_second_process_without_the_lease_skips_what_is_in_flight(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    phone = Phone(SendResult.SENT)
    path = tmp_path / "db.sqlite3"
    first, second = ReminderStore(open_database(path)), ReminderStore(open_database(path))
    first.add(1, time(21, 30), BERLIN, "", START)
    clock.now = DUE
    (occ,) = first.due(clock.now)
    assert first.claim(occ, clock.now, miss=False, stale=STALE_CLAIM) is Claim.SEND
    await Dispatcher(second, phone, timedelta(minutes=120), clock).tick()
    assert phone.shown == []
    assert first.delivered(occ, clock.now)
    assert second.claim(occ, clock.now, miss=False, stale=STALE_CLAIM) is Claim.GONE


async def test_a_weekly_summary_that_times_out_is_not_repeated(tmp_path: Path) -> None:
    clock = FakeClock(START)
    store = ReminderStore(open_database(tmp_path / "db.sqlite3"))
    summaries: list[int] = []

    async def summary(item: object) -> SendResult:
        summaries.append(1)
        return SendResult.UNSURE

    dispatcher = Dispatcher(
        store, Phone(SendResult.SENT), timedelta(minutes=120), clock, send_summary=summary
    )
    store.add(1, time(21, 30), BERLIN, "", START)
    due = store.people.set_weekly(1, BERLIN, START)
    assert due is not None
    clock.now = due
    await run(dispatcher, clock, clock.now + timedelta(minutes=5))
    assert summaries == [1]
