"""Reminders when things go wrong, end to end: a Bot API slower than the timeout, two bot
processes on one database, and the sending one killed outright.

The fake server's delayed sendMessage still delivers the message (it is recorded with
its result): "slow but accepted", the case that used to repeat a reminder every tick.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fake_telegram import Call, FakeTelegram
from tests.harness import BotProcess, ClockFile, User, new_user

START = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # 13:00 in Berlin
DUE = datetime(2026, 3, 27, 20, 30, tzinfo=UTC)  # 21:30 in Berlin
REPEAT_AFTER = timedelta(minutes=2)  # bot.reminders.delivery.REPEAT_AFTER
PEOPLE = 60
LEASE_SECONDS = 2


@pytest.fixture
def clock(tmp_path: Path) -> ClockFile:
    file = ClockFile(tmp_path / "now.txt")
    file.set(START)
    return file


def text(call: Call) -> str:
    return str(call.params["text"])


def ask(user: User, line: str) -> str:
    user.send(line)
    return text(user.reply())


def test_a_slow_api_shows_a_reminder_at_most_twice_the_second_marked(
    tg: FakeTelegram, tmp_path: Path, clock: ClockFile
) -> None:
    env = {
        "CLOCK_FILE": str(clock.path),
        "REMINDER_TICK_SECONDS": "0.2",
        "HTTP_TIMEOUT_SECONDS": "1",
    }
    bot = BotProcess(tg, tmp_path, env).start()
    try:
        ann = new_user(tg)
        assert "Europe/Berlin" in ask(ann, "/timezone berlin")
        assert "Daily reminder set" in ask(ann, "/remind 21:30")
        tg.fail("sendMessage", 200, "", delay=1.5, times=100)  # slower than the 1 s timeout
        clock.set(DUE)
        first = ann.reply()
        bot.wait_for_log("timed out; one repeat")
        assert ann.nothing_more(1.0)  # no retry on every tick any more
        clock.advance(REPEAT_AFTER)
        second = ann.reply()
        bot.wait_for_log("recorded as sent (unsure")
        clock.advance(timedelta(minutes=30))
        assert ann.nothing_more(1.5)
        for call in (first, second):  # both were accepted: the person has two
            assert tg.result_of(call)["chat"]["id"] == ann.chat_id
        assert "duplicate" not in text(first)
        assert "Time for your magnesium glycinate (21:30)" in text(second)
        assert "if you already got it, this is a duplicate" in text(second)
        assert bot.query("SELECT status FROM history") == [("sent",)]
    finally:
        bot.stop()


def add_reminders(database: Path, count: int) -> list[int]:
    """`count` people with a reminder at 21:30 Berlin today, written as the bot would."""
    users = list(range(30_001, 30_001 + count))
    conn = sqlite3.connect(database, timeout=5)
    with conn:
        conn.executemany(
            "INSERT INTO reminders(user_id, at, zone, note, day, due_utc, paused) "
            "VALUES (?, '21:30', 'Europe/Berlin', '', '2026-03-27', ?, 0)",
            [(user, DUE.strftime("%Y-%m-%dT%H:%M:%S")) for user in users],
        )
    conn.close()
    return users


@pytest.fixture
def pair(tg: FakeTelegram, tmp_path: Path, clock: ClockFile) -> Iterator[list[BotProcess]]:
    """Two bot processes on one database file, each with its own folder and log."""
    env = {
        "CLOCK_FILE": str(clock.path),
        "REMINDER_TICK_SECONDS": "0.2",
        "REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
        "SEND_RATE_LIMIT": "off",
        "DATABASE_PATH": str(tmp_path / "shared.sqlite3"),
    }
    bots = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        bots.append(BotProcess(tg, tmp_path / name, dict(env)).start())
    yield bots
    for bot in bots:
        if bot.proc is not None and bot.proc.poll() is None:
            bot.stop()


def per_person(tg: FakeTelegram, users: list[int]) -> dict[int, int]:
    counts = dict.fromkeys(users, 0)
    for call in tg.calls_of("sendMessage"):
        chat = int(call.params["chat_id"])
        if chat in counts:
            counts[chat] += 1
    return counts


def sent_days(bot: BotProcess) -> int:
    """Sends recorded by this process (its log; see the report about reading the file)."""
    return bot.log().count("recorded as sent")


def wait_until(check: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s")
        time.sleep(0.05)


def test_two_processes_on_one_database_send_each_person_once(
    tg: FakeTelegram, tmp_path: Path, clock: ClockFile, pair: list[BotProcess]
) -> None:
    users = add_reminders(tmp_path / "shared.sqlite3", PEOPLE)
    clock.set(DUE)
    tg.wait_for("sendMessage", PEOPLE, timeout=15)
    wait_until(lambda: sum(map(sent_days, pair)) == PEOPLE, 10)
    time.sleep(1.0)  # a doubled send would come within a tick or two
    assert set(per_person(tg, users).values()) == {1}
    senders = [bot for bot in pair if "recorded as sent" in bot.log()]
    assert len(senders) == 1  # the lease holder sent them all


def test_the_other_process_takes_over_within_the_lease_after_kill_9(
    tg: FakeTelegram, tmp_path: Path, clock: ClockFile, pair: list[BotProcess]
) -> None:
    users = add_reminders(tmp_path / "shared.sqlite3", PEOPLE)
    clock.set(DUE)
    wait_until(lambda: sum(map(sent_days, pair)) == PEOPLE, 15)
    (holder,) = pair[0].query("SELECT holder FROM leases WHERE name = 'reminders'")
    pid = int(str(holder[0]).split(":")[1])
    (killed,) = [bot for bot in pair if bot.proc is not None and bot.proc.pid == pid]
    (other,) = [bot for bot in pair if bot is not killed]
    killed.stop(signal.SIGKILL)
    killed_at = time.monotonic()
    clock.set(DUE + timedelta(days=1))
    tg.wait_for("sendMessage", 2 * PEOPLE, timeout=15)
    takeover = tg.calls_of("sendMessage")[PEOPLE].at - killed_at
    assert takeover < LEASE_SECONDS + 1.5, takeover
    wait_until(lambda: sent_days(other) >= PEOPLE, 10)
    time.sleep(1.0)
    assert set(per_person(tg, users).values()) == {2}  # one a day, none lost, none doubled
    print(f"takeover after kill -9: {takeover:.2f}s")
