"""Daily reminders end to end: the real bot, the fake Bot API, and a clock the test moves.

The bot reads 'now' from CLOCK_FILE, so a test sets a reminder, moves the
clock past its time and sees the message arrive; restarts (clean and
kill -9) happen between steps, exactly as they would in production.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fake_telegram import Call, FakeTelegram
from tests.harness import BotProcess, ClockFile, User, group_user, labels, new_user

START = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # 13:00 in Berlin
DUE = datetime(2026, 3, 27, 20, 30, tzinfo=UTC)  # 21:30 in Berlin
SENT = "recorded as sent"


@pytest.fixture
def clock(tmp_path: Path) -> ClockFile:
    file = ClockFile(tmp_path / "now.txt")
    file.set(START)
    return file


@pytest.fixture
def bot(tg: FakeTelegram, tmp_path: Path, clock: ClockFile) -> Iterator[BotProcess]:
    env = {"CLOCK_FILE": str(clock.path), "REMINDER_TICK_SECONDS": "0.2"}
    process = BotProcess(tg, tmp_path, env).start()
    yield process
    if process.proc is not None and process.proc.poll() is None:
        process.stop()


def text(call: Call) -> str:
    return str(call.params["text"])


def ask(user: User, line: str) -> str:
    user.send(line)
    return text(user.reply())


def subscribe(user: User, line: str = "/remind 21:30") -> None:
    assert "Europe/Berlin" in ask(user, "/timezone berlin")
    assert "Daily reminder set" in ask(user, line)


def restart(bot: BotProcess, sig: int = signal.SIGTERM) -> None:
    bot.stop(sig)
    bot.start()


def test_set_receive_press_taken_and_no_duplicate_after_restarts(
    tg: FakeTelegram, bot: BotProcess, clock: ClockFile
) -> None:
    ann = new_user(tg)
    assert "Europe/Berlin" in ask(ann, "/timezone berlin")
    confirm = ask(ann, "/remind 21:30 with dinner")
    assert "Next: today at 21:30 Europe/Berlin" in confirm
    assert ann.nothing_more()  # not before its time

    clock.set(DUE)
    reminder = ann.reply()
    assert "Time for your magnesium glycinate (21:30)" in text(reminder)
    assert "with dinner" in text(reminder) and "Tip:" in text(reminder)
    assert text(reminder).rstrip().endswith("check with a healthcare provider first.")
    assert "kidney problems" in text(reminder) and "medications" in text(reminder)
    assert labels(reminder) == ["✅ Taken", "⏰ Snooze 30 min", "Skip today"]

    pressed = ann.press("Taken", on=reminder)
    edit = tg.wait_for("editMessageText", 1, chat_id=ann.chat_id)[-1]
    assert "Marked as taken for today" in str(edit.params["text"])
    ann.answer_to(pressed)  # the spinner stops

    bot.wait_for_log(SENT)
    restart(bot)
    assert ann.nothing_more()

    # The next day: delivered, recorded, then the process is killed outright.
    clock.set(DUE + timedelta(days=1))
    assert "21:30" in text(ann.reply())
    bot.wait_for_log(SENT, 2)
    restart(bot, signal.SIGKILL)
    assert ann.nothing_more()

    history = ask(ann, "/history")
    assert "Fri 27 Mar: taken" in history and "Sat 28 Mar: sent, not marked yet" in history
    assert "Current streak: 1 day" in history


def test_down_over_the_due_time_sends_late_or_records_missed(
    tg: FakeTelegram, bot: BotProcess, clock: ClockFile
) -> None:
    ann = new_user(tg)
    subscribe(ann)
    bot.stop()
    clock.set(DUE + timedelta(minutes=60))  # back within the 120-minute grace
    bot.start()
    late = text(ann.reply())
    assert "comes late: it was due at 21:30" in late
    bot.wait_for_log(SENT)
    bot.stop(signal.SIGKILL)
    clock.set(DUE + timedelta(days=1, minutes=195))  # back after the grace window
    bot.start()
    assert ann.nothing_more()
    history = ask(ann, "/history")
    assert "Sat 28 Mar: missed" in history
    assert "next: today at 21:30" in ask(ann, "/reminders")  # it is 00:45 on 29 March


def test_snooze_survives_a_restart(tg: FakeTelegram, bot: BotProcess, clock: ClockFile) -> None:
    ann = new_user(tg)
    subscribe(ann)
    clock.set(DUE)
    reminder = ann.reply()
    ann.answer_to(ann.press("Snooze", on=reminder))
    edit = tg.wait_for("editMessageText", 1, chat_id=ann.chat_id)[-1]
    assert "remind you again at 22:00" in str(edit.params["text"])
    bot.stop()
    clock.set(DUE + timedelta(minutes=30))
    bot.start()
    again = ann.reply()
    assert "You asked me to remind you again" in text(again)
    ann.answer_to(ann.press("Skip today", on=again))
    edit = tg.wait_for("editMessageText", 2, chat_id=ann.chat_id)[-1]
    assert "Skipped for today" in str(edit.params["text"])
    assert ann.nothing_more()


def test_blocked_person_is_paused_until_they_write_again(
    tg: FakeTelegram, bot: BotProcess, clock: ClockFile
) -> None:
    bob, cid = new_user(tg), new_user(tg)
    subscribe(bob)
    subscribe(cid)
    tg.blocked_chats.add(bob.chat_id)
    clock.set(DUE)
    assert "21:30" in text(cid.reply())  # the other person is not held up
    tg.wait_for("sendMessage", bob.seen + 1, chat_id=bob.chat_id)
    bot.wait_for_log("pausing")
    attempts = len(tg.calls_of("sendMessage", chat_id=bob.chat_id))
    clock.set(DUE + timedelta(days=1))
    assert "21:30" in text(cid.reply())
    bob.seen = attempts
    assert bob.nothing_more()  # not retried, not sent the next day
    tg.blocked_chats.discard(bob.chat_id)
    listing = ask(bob, "/reminders")  # writing again shows they unblocked the bot
    assert "paused" not in listing and "next: tomorrow at 21:30" in listing


def test_429_is_waited_out(tg: FakeTelegram, bot: BotProcess, clock: ClockFile) -> None:
    ann = new_user(tg)
    subscribe(ann)
    tg.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    clock.set(DUE)
    refused, delivered = tg.wait_for("sendMessage", ann.seen + 2, 15, chat_id=ann.chat_id)[-2:]
    assert text(refused) == text(delivered) and "21:30" in text(delivered)
    assert delivered.at - refused.at >= 0.9  # waited out the retry_after of 1 s
    ann.seen += 2
    assert ann.nothing_more()


def test_network_errors_are_retried_a_bounded_number_of_times(
    tg: FakeTelegram, bot: BotProcess, clock: ClockFile
) -> None:
    ann = new_user(tg)
    subscribe(ann)
    tg.fail("sendMessage", 500, "Internal Server Error", times=4)
    clock.set(DUE)
    calls = tg.wait_for("sendMessage", ann.seen + 5, 20, chat_id=ann.chat_id)
    assert all("21:30" in text(c) for c in calls[-5:])  # 3 tries, a later tick: 2 more
    bot.wait_for_log(SENT)
    ann.seen += 5
    assert ann.nothing_more()
    assert "sent, not marked yet" in ask(ann, "/history")


def test_bad_input_is_explained_and_nothing_changes(tg: FakeTelegram, bot: BotProcess) -> None:
    ann = new_user(tg)
    assert "21:30" in ask(ann, "/remind 25:00")
    assert "21:30" in ask(ann, "/remind soon")
    assert "/timezone Berlin" in ask(ann, "/timezone Mars/Phobos")
    subscribe(ann, "/remind 08:00")
    assert "set for 13:00" in ask(ann, "/remind 13:00")
    assert "set for 18:00" in ask(ann, "/remind 6pm")
    assert "3 reminders" in ask(ann, "/remind 22:00")
    assert "no reminder at 09:00" in ask(ann, "/unremind 9")
    listing = ask(ann, "/reminders")
    assert [line[2:7] for line in listing.splitlines()[1:]] == ["08:00", "13:00", "18:00"]
    assert "Europe/Berlin" in listing


def test_unremind_stop_and_forget_with_buttons(tg: FakeTelegram, bot: BotProcess) -> None:
    ann = new_user(tg)
    subscribe(ann)
    assert "set for 08:00" in ask(ann, "/remind 8:00")
    ann.send("/unremind")
    pick = ann.reply()
    assert labels(pick) == ["08:00", "21:30", "Remove all"]
    ann.answer_to(ann.press("08:00", on=pick))
    edit = tg.wait_for("editMessageText", 1, chat_id=ann.chat_id)[-1]
    assert "Removed the 08:00 reminder" in str(edit.params["text"])
    assert "(1)" in ask(ann, "/stop")
    assert "no reminders" in ask(ann, "/reminders")
    ann.send("/forget")
    confirm = ann.reply()
    assert "Are you sure" in text(confirm)
    ann.answer_to(ann.press("Yes", on=confirm))  # "Yes, delete everything"
    edit = tg.wait_for("editMessageText", 2, chat_id=ann.chat_id)[-1]
    assert "deleted everything" in str(edit.params["text"])
    assert "I use UTC" in ask(ann, "/timezone")  # the zone went too


def test_start_button_and_groups(tg: FakeTelegram, bot: BotProcess) -> None:
    ann = new_user(tg)
    ann.send("/start")
    welcome = ann.reply()
    ann.answer_to(ann.press("Daily reminder", on=welcome))
    assert "/remind 21:30" in text(ann.reply())
    member = group_user(tg, -100777)
    assert "message me directly" in ask(member, "/remind 21:30")
