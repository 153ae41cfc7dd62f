"""Daily reminders end to end: the real bot, the fake Bot API, and a clock the test moves.

The bot reads 'now' from CLOCK_FILE, so a test sets a reminder, moves the
clock past its time and sees the message arrive; restarts (clean and
kill -9) happen between steps, exactly as they would in production.
"""

from __future__ import annotations

import csv
import io
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.fake_telegram import Call, FakeTelegram
from tests.harness import BotProcess, ClockFile, User, group_user, labels, message, new_user

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


def send_as(user: User, line: str, language: str) -> None:
    """A message from someone whose Telegram is set to `language` (its language_code)."""
    sender = {"id": user.user_id, "is_bot": False, "first_name": "Tester"}
    sender["language_code"] = language
    user.tg.push("message", message(user.user_id, line, user.chat, **{"from": sender}))


def share_location(user: User, latitude: float, longitude: float) -> None:
    """The 📎 -> Location message."""
    place: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    user.tg.push("message", message(user.user_id, None, user.chat, location=place))


def edits(tg: FakeTelegram, user: User, count: int) -> Call:
    """The `count`-th edit of a message in this chat (a pressed button's answer)."""
    return tg.wait_for("editMessageText", count, chat_id=user.chat_id)[count - 1]


def toast(user: User, query_id: str) -> str:
    return str(user.answer_to(query_id).params.get("text") or "")


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
    assert "23 Mar  · · · · ✅ · ·" in history  # Saturday's is sent, not marked yet
    assert "Streak: 1 day" in history


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
    assert "23 Mar  · · · · ❌ ❌ ·" in history  # late but unmarked, then missed
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
    assert "Your reminders since Fri 27 Mar" in ask(ann, "/history")


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


# -- the reminder loop (issue 12): zone first, undo, nudges, history, weekly, refills ------


def test_the_first_remind_asks_the_zone_and_nothing_is_lost_meanwhile(
    tg: FakeTelegram, bot: BotProcess, clock: ClockFile
) -> None:
    ann = new_user(tg)
    send_as(ann, "/remind 21:30 with dinner", "de")
    question = ann.reply()
    assert text(question).startswith("Which time zone are you in? Then your 21:30 reminder")
    assert labels(question) == [
        "Berlin (13:00)",
        "Vienna (13:00)",
        "Zurich (13:00)",
        "✍️ Type a city",
    ]
    restart(bot)  # they take their time; the bot restarts meanwhile
    ann.answer_to(ann.press("Berlin", on=question))
    assert text(edits(tg, ann, 1)).splitlines() == [
        "Your time zone is now Europe/Berlin (it is 13:00 there).",
        "Daily reminder set for 21:30 (Europe/Berlin). Next: today at 21:30 Europe/Berlin.",
        "Note: with dinner",
    ]
    assert "set for 08:00 (Europe/Berlin)" in ask(ann, "/remind 8:00")  # asked only once
    clock.set(DUE)
    assert "with dinner" in text(ann.reply())


def test_a_typed_city_a_bad_city_a_question_between_and_a_location(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    bob = new_user(tg)
    bob.send("/remind 8:00")
    question = bob.reply()
    assert labels(question)[0] == "New York (08:00)"  # no language_code: common zones
    bob.answer_to(bob.press("Type a city", on=question))
    assert "Type the name of your city" in text(edits(tg, bob, 1))
    assert "could not find a place called &#x27;Xyzzyville&#x27;" in ask(bob, "Xyzzyville")
    assert "200-400 mg" in ask(bob, "how much should I take?")  # a question is still answered
    confirm = ask(bob, "new york")
    assert "Your time zone is now America/New_York (it is 08:00 there)." in confirm
    assert "Daily reminder set for 08:00 (America/New_York). Next: tomorrow" in confirm
    assert "200-400 mg" in ask(bob, "how much should I take?")

    cid = new_user(tg)
    cid.send("/remind 7:00")
    cid.reply()
    share_location(cid, 48.21, 16.37)  # Vienna
    located = text(cid.reply())
    assert "Your time zone is now Europe/Vienna" in located
    assert "set for 07:00 (Europe/Vienna)" in located


def test_undo_the_same_day_and_too_late_after_midnight(
    tg: FakeTelegram, bot: BotProcess, clock: ClockFile
) -> None:
    ann = new_user(tg)
    subscribe(ann)
    clock.set(DUE)
    reminder = ann.reply()
    ann.answer_to(ann.press("Taken", on=reminder))
    taken = edits(tg, ann, 1)
    assert "Marked as taken for today" in text(taken) and labels(taken) == ["↩️ Undo"]
    ann.answer_to(ann.press("Undo", on=taken))
    undone = edits(tg, ann, 2)
    assert "Undone: the reminder for today is not marked any more" in text(undone)
    assert labels(undone) == ["✅ Taken", "⏰ Snooze 30 min", "Skip today"]
    ann.answer_to(ann.press("Skip", on=undone))
    skipped = edits(tg, ann, 3)
    assert "Skipped for today" in text(skipped)
    clock.set(datetime(2026, 3, 27, 23, 1, tzinfo=UTC))  # 00:01 on Saturday in Berlin
    assert toast(ann, ann.press("Undo", on=skipped)).startswith("Too late to undo")
    tg.wait_for("editMessageReplyMarkup", 1, chat_id=ann.chat_id)  # the button goes
    assert "⏭" in ask(ann, "/history")  # still skipped


def test_one_nudge_then_none_and_nudges_can_be_turned_off(
    tg: FakeTelegram, bot: BotProcess, clock: ClockFile
) -> None:
    ann = new_user(tg)
    subscribe(ann)
    clock.set(DUE)
    assert "Time for your magnesium glycinate" in text(ann.reply())
    bot.wait_for_log(SENT)  # the hour counts from when it was sent
    clock.set(DUE + timedelta(minutes=60))
    nudge = ann.reply()
    assert text(nudge).startswith("👋 Just checking in: did you take your magnesium glycinate")
    assert labels(nudge) == ["✅ Taken", "Skip today"]
    clock.set(DUE + timedelta(minutes=180))
    assert ann.nothing_more()  # one nudge per reminder and day

    assert "Nudges are off" in ask(ann, "/nudge off")
    clock.set(DUE + timedelta(days=1))
    assert "Time for your magnesium glycinate" in text(ann.reply())
    bot.wait_for_log(SENT, 2)
    clock.set(DUE + timedelta(days=1, minutes=90))
    assert ann.nothing_more()
    assert "after 60 minutes" in ask(ann, "/nudge on")


def test_history_empty_grid_and_csv_for_the_doctor(
    tg: FakeTelegram, bot: BotProcess, clock: ClockFile
) -> None:
    ann = new_user(tg)
    empty = ask(ann, "/history")
    assert (
        empty == "No history yet: it starts with your first reminder. Set one with /remind 21:30."
    )
    subscribe(ann)
    assert "your first reminder comes today at 21:30" in ask(ann, "/history")
    clock.set(DUE)
    ann.answer_to(ann.press("Taken", on=ann.reply()))
    edits(tg, ann, 1)
    assert ask(ann, "/history").splitlines() == [
        "Your reminders since Fri 27 Mar, one row per week (Monday first):",
        "23 Mar  · · · · ✅ · ·",
        "✅ taken, ⏭ skipped, ❌ missed or not marked, · nothing due",
        "",
        "Streak: 1 day marked as taken. Keep it going!",
        "Taken 1 of 1 doses due (100%).",
    ]
    ann.send("/history csv")
    (sent,) = tg.wait_for("sendDocument", 1, chat_id=ann.chat_id)
    assert str(sent.params["caption"]).startswith("Your reminder history since Fri 27 Mar")
    name, data = tg.document_of(sent)
    assert name == "magnesium-glycinate-reminders.csv"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["date", "time", "status"], ["2026-03-27", "21:30", "taken"]]
    assert ann.nothing_more()  # the file alone, no empty message


def test_weekly_summary_on_sunday_evening_and_off(
    tg: FakeTelegram, bot: BotProcess, clock: ClockFile
) -> None:
    ann = new_user(tg)
    subscribe(ann)
    assert "the first Sun 29 Mar at 19:00 Europe/Berlin" in ask(ann, "/weekly on")
    clock.set(DUE)
    ann.answer_to(ann.press("Taken", on=ann.reply()))
    edits(tg, ann, 1)
    clock.set(datetime(2026, 3, 29, 17, 0, tzinfo=UTC))  # Sunday 19:00 in Berlin
    summary = text(ann.reply())
    assert summary.startswith("📅 Your week, Mon 23 Mar to Sun 29 Mar:\n· · · · ✅ ❌ ·")
    assert "Taken 1 of 2 doses due (50%)." in summary
    assert "Weekly summary off" in ask(ann, "/weekly off")
    clock.set(datetime(2026, 4, 5, 17, 30, tzinfo=UTC))  # the next Sunday evening
    assert ann.nothing_more()


def test_refill_counts_down_warns_once_and_forget_removes_it_all(
    tg: FakeTelegram, bot: BotProcess, clock: ClockFile
) -> None:
    ann = new_user(tg)
    subscribe(ann)
    for bad in ("/refill -3", "/refill lots", "/refill 99999999999"):
        assert "whole number from 0 to 1000, for example /refill 60" in ask(ann, bad)
    assert "not counting your doses" in ask(ann, "/refill")
    assert ask(ann, "/refill 8").startswith("Noted: 8 doses left, about 8 days at 1 a day.")
    clock.set(DUE)
    first = ann.reply()
    assert "doses left" not in text(first)
    ann.answer_to(ann.press("Taken", on=first))
    assert "Doses left: 7." in text(edits(tg, ann, 1))
    assert "You have 7 doses left, about 7 days at 1 a day." in ask(ann, "/refill")
    clock.set(DUE + timedelta(days=1))
    second = ann.reply()
    assert "💊 About 7 days of doses left (7). Time to get a refill?" in text(second)
    ann.answer_to(ann.press("Taken", on=second))
    edits(tg, ann, 2)
    clock.set(DUE + timedelta(days=2))
    assert "days of doses left" not in text(ann.reply())  # once per refill

    ask(ann, "/nudge off")
    ask(ann, "/weekly on")
    ann.send("/forget")
    ann.answer_to(ann.press("Yes", on=ann.reply()))
    assert "deleted everything" in text(edits(tg, ann, 3))
    assert "not counting your doses" in ask(ann, "/refill")
    assert "Nudges are on" in ask(ann, "/nudge")
    assert "Weekly summary off" in ask(ann, "/weekly")
    assert "No history yet" in ask(ann, "/history")
    assert "Which time zone are you in?" in ask(ann, "/remind 21:30")  # the zone went too


def test_forget_while_a_reminder_is_in_flight_leaves_no_row_with_the_id(
    tg: FakeTelegram, bot: BotProcess, clock: ClockFile
) -> None:
    ann = new_user(tg)
    subscribe(ann)
    ann.send("/forget")
    confirm = ann.reply()
    tg.fail("sendMessage", 200, "", delay=2.0)  # the reminder hangs 2 s, then arrives
    clock.set(DUE)
    reminder = tg.wait_for("sendMessage", 4, chat_id=ann.chat_id)[-1]  # it is in flight now
    ann.answer_to(ann.press("Yes", on=confirm))
    edit = tg.wait_for("editMessageText", 1, chat_id=ann.chat_id)[-1]
    assert "deleted everything" in str(edit.params["text"])
    tg.result_of(reminder)  # Telegram accepted it after the deletion
    bot.wait_for_log("Reminders:", timeout=10)  # the dispatcher has recorded what it could
    tables = [row[0] for row in bot.query("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:
        columns = [c[1] for c in bot.query(f"PRAGMA table_info({table})")]
        if "user_id" in columns:
            rows = bot.query(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", ann.user_id)
            assert rows == [(0,)], table
        if "raw" in columns:
            rows = bot.query(f"SELECT COUNT(*) FROM {table} WHERE raw LIKE ?", f"%{ann.user_id}%")
            assert rows == [(0,)], table
