"""The reminder conversation, Telegram-free: what a person types and what they read."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.faq.content import Content
from bot.reminders.conversation import (
    Answer,
    ConfirmForget,
    Mark,
    MarkReminder,
    ReminderAction,
    ReminderConversation,
    RemoveReminder,
)
from bot.reminders.store import HistoryRow, ReminderStore, Status
from bot.reminders.streak import streak
from bot.storage.db import open_database
from bot.storage.stats import StatsStore

ANN = 1
NOW = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # 13:00 in Berlin, a Friday


@pytest.fixture
def desk(content: Content, tmp_path: Path) -> ReminderConversation:
    """Ann has chosen UTC already (the zone-first question is tested in test_loop.py)."""
    conn = open_database(tmp_path / "db.sqlite3")
    desk = ReminderConversation(content, ReminderStore(conn), ZoneInfo("UTC"))
    desk.store.set_zone(ANN, ZoneInfo("UTC"), NOW)
    return desk


def say(desk: ReminderConversation, line: str, user: int = ANN, now: datetime = NOW) -> str:
    name, _, args = line.lstrip("/").partition(" ")
    return desk.command(name, user, args, now).text


def snapshot(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


def all_actions(answer: Answer) -> list[ReminderAction]:
    return [b.action for row in answer.buttons for b in row]


def test_remind_confirms_time_zone_and_next(desk: ReminderConversation) -> None:
    assert "Europe/Berlin" in say(desk, "/timezone berlin")
    text = say(desk, "/remind 21:30")
    assert "Next: today at 21:30 Europe/Berlin" in text
    assert "/timezone" not in text  # they chose a zone, no nagging
    text = say(desk, "/remind 8am with breakfast")
    assert "Next: tomorrow at 08:00 Europe/Berlin" in text
    assert "with breakfast" in text
    listing = say(desk, "/reminders")
    assert listing.index("08:00") < listing.index("21:30")
    assert "with breakfast" in listing


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("21:30", "21:30"),
        ("9:30pm", "21:30"),
        ("9:30 pm", "21:30"),
        ("21.30", "21:30"),
        ("0930", "09:30"),
    ],
)
def test_time_formats(desk: ReminderConversation, typed: str, stored: str) -> None:
    text = say(desk, f"/remind {typed}")
    assert f"Daily reminder set for {stored}" in text
    assert [r.at.strftime("%H:%M") for r in desk.store.of_user(ANN)] == [stored]


def test_the_zone_in_use_is_explained(desk: ReminderConversation) -> None:
    assert "Your time zone is UTC" in say(desk, "/timezone")
    assert "I use UTC until you tell me" in say(desk, "/timezone", user=2)


@pytest.mark.parametrize(
    ("setup", "line", "expect"),
    [
        ([], "/remind 25:00", "21:30"),
        ([], "/remind soon", "21:30"),
        ([], "/remind", "/remind 21:30"),
        ([], "/remind 8:00 " + "x" * 120, "/remind 08:00 with breakfast"),
        ([], "/timezone Mars/Phobos", "/timezone Berlin"),
        (["/remind 8:00", "/remind 13:00", "/remind 21:30"], "/remind 22:00", "/unremind"),
        (["/remind 21:30"], "/remind 9:30pm", "/remind 08:00"),
        (["/remind 21:30"], "/unremind 9", "/unremind all"),
        (["/remind 21:30"], "/unremind tuesday", "/unremind all"),
        ([], "/unremind 21:30", "/remind 21:30"),
        ([], "/stop", "/remind 21:30"),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(
    desk: ReminderConversation, setup: list[str], line: str, expect: str
) -> None:
    for step in setup:
        assert "set for" in say(desk, step)
    before = snapshot(desk.store.conn)
    text = say(desk, line)
    assert expect in text, text
    assert snapshot(desk.store.conn) == before


def test_fourth_reminder_and_unknown_unremind_say_why(desk: ReminderConversation) -> None:
    for t in ("8:00", "13:00", "21:30"):
        say(desk, f"/remind {t}")
    assert "3 reminders" in say(desk, "/remind 22:00")
    text = say(desk, "/unremind 9")
    assert "no reminder at 09:00" in text and "08:00, 13:00, 21:30" in text


def test_changing_zone_keeps_local_time_and_never_repeats_a_day(desk: ReminderConversation) -> None:
    say(desk, "/timezone Europe/Berlin")
    say(desk, "/remind 21:30")
    r = desk.store.of_user(ANN)[0]
    sent_at = datetime(2026, 3, 27, 20, 30, tzinfo=UTC)
    (occ,) = desk.store.due(sent_at)
    desk.store.mark_sent(occ, sent_at)
    # Five minutes later they fly to New York, where it is still 16:35 on the same day.
    later = sent_at + timedelta(minutes=5)
    assert "America/New_York (it is 16:35 there)" in say(desk, "/timezone new york", now=later)
    assert "local times: 1." in say(desk, "/timezone new york", now=later)
    moved = desk.store.get(r.id)
    assert moved.zone == "America/New_York"
    assert moved.day == date(2026, 3, 28)  # not 27 March again
    assert moved.due_utc.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "21:30"
    assert "next: tomorrow at 21:30 America/New_York" in say(desk, "/reminders", now=later)


def test_unremind_with_buttons_all_and_stop(desk: ReminderConversation) -> None:
    say(desk, "/remind 8:00 breakfast")
    say(desk, "/remind 21:30")
    pick = desk.command("unremind", ANN, "", NOW)
    actions = all_actions(pick)
    mine = desk.store.of_user(ANN)
    assert actions == [RemoveReminder(r.id) for r in mine] + [RemoveReminder(None)]
    assert len(actions) == 3
    removed = desk.press(ANN, actions[0], NOW)
    assert "08:00" in removed.text
    gone = desk.press(ANN, actions[0], NOW)
    assert gone.toast and not gone.text
    assert "21:30" in say(desk, "/unremind 21:30")
    say(desk, "/remind 7:00")
    assert "(1)" in say(desk, "/stop")
    assert "no reminders" in say(desk, "/reminders")


def test_someone_elses_button_does_nothing(desk: ReminderConversation) -> None:
    say(desk, "/remind 21:30")
    r = desk.store.of_user(ANN)[0]
    before = snapshot(desk.store.conn)
    day = date(2026, 3, 27)
    actions: list[ReminderAction] = [RemoveReminder(r.id)]
    actions += [MarkReminder(r.id, day, mark) for mark in Mark]
    for action in actions:
        answer = desk.press(2, action, NOW)
        assert answer.toast and not answer.text
    for action in (RemoveReminder(r.id + 1), MarkReminder(r.id + 1, day, Mark.TAKEN)):
        answer = desk.press(ANN, action, NOW)  # a reminder that no longer exists
        assert answer.toast and not answer.text
    assert snapshot(desk.store.conn) == before


def test_reminder_message_buttons_and_presses(desk: ReminderConversation) -> None:
    say(desk, "/timezone Berlin")
    say(desk, "/remind 21:30 with dinner")
    due = datetime(2026, 3, 27, 20, 30, tzinfo=UTC)
    (occ,) = desk.store.due(due)
    message = desk.message(occ, late=False)
    lines = message.text.splitlines()
    assert "magnesium glycinate" in lines[0] and "21:30" in lines[0]
    assert "with dinner" in message.text and "Tip:" in message.text
    assert "kidney problems" in lines[-1] and "medications" in lines[-1]
    actions = all_actions(message)
    rid, day = occ.reminder.id, occ.day
    assert actions == [MarkReminder(rid, day, m) for m in (Mark.TAKEN, Mark.SNOOZED, Mark.SKIPPED)]
    late = desk.message(occ, late=True).text
    assert "late" in late and "21:30" in late
    desk.store.mark_sent(occ, due)
    snoozed = desk.press(ANN, actions[1], due)
    assert "22:00" in snoozed.text and not snoozed.buttons
    taken = desk.press(ANN, actions[0], due + timedelta(minutes=3))
    assert "taken for today" in taken.text
    assert desk.store.get(occ.reminder.id).snooze_utc is None  # Taken cancels the snooze


def test_history_grid_streak_and_adherence(desk: ReminderConversation) -> None:
    say(desk, "/timezone Berlin")
    assert say(desk, "/history") == (
        "No history yet: it starts with your first reminder. Set one with /remind 21:30."
    )
    say(desk, "/remind 21:30")
    assert "your first reminder comes today at 21:30 Europe/Berlin" in say(desk, "/history")
    r = desk.store.of_user(ANN)[0]
    start = date(2026, 3, 20)  # a Friday
    plan = [Status.TAKEN, Status.SKIPPED, Status.TAKEN, Status.TAKEN, Status.MISSED]
    plan += [Status.TAKEN, Status.TAKEN, Status.SENT]
    for n, status in enumerate(plan):
        desk.store.record(r, start + timedelta(days=n), status, NOW)
    text = say(desk, "/history", now=datetime(2026, 3, 27, 22, 0, tzinfo=UTC))
    assert text.splitlines() == [
        "Your reminders since Fri 20 Mar, one row per week (Monday first):",
        "16 Mar  · · · · ✅ ⏭ ✅",
        "23 Mar  ✅ ❌ ✅ ✅ · · ·",  # Friday's reminder is still open
        "✅ taken, ⏭ skipped, ❌ missed or not marked, · nothing due",
        "",
        "Streak: 2 days in a row marked as taken.",
        "Taken 5 of 7 doses due (71%).",
    ]
    later = say(desk, "/history", now=datetime(2026, 3, 28, 9, 0, tzinfo=UTC))
    assert "23 Mar  ✅ ❌ ✅ ✅ ❌ · ·" in later  # unmarked once the day is over
    assert "Taken 5 of 8 doses due (63%)." in later


def test_streak_counts_today_only_once_taken() -> None:
    def rows(*days: int) -> list[HistoryRow]:
        return [
            HistoryRow(1, date(2026, 3, d), datetime(2026, 1, 1).time(), Status.TAKEN) for d in days
        ]

    today = date(2026, 3, 27)
    assert streak(rows(25, 26), today) == 2
    assert streak(rows(25, 26, 27), today) == 3
    assert streak(rows(24, 25), today) == 0
    assert streak([], today) == 0


def test_forget_deletes_everything_after_confirming(
    desk: ReminderConversation, content: Content, tmp_path: Path
) -> None:
    store = StatsStore(desk.store.conn, clock=lambda: NOW)
    store.seen_user(ANN)
    store.record_feedback(ANN, "dosage", True)
    store.record_feedback(2, "dosage", True)
    say(desk, "/timezone Berlin")
    say(desk, "/remind 21:30")
    r = desk.store.of_user(ANN)[0]
    desk.store.record(r, date(2026, 3, 26), Status.TAKEN, NOW)
    prompt = desk.command("forget", ANN, "", NOW)
    assert "Are you sure" in prompt.text
    assert all_actions(prompt) == [ConfirmForget(yes=True), ConfirmForget(yes=False)]
    kept = desk.press(ANN, ConfirmForget(yes=False), NOW)
    assert "nothing was deleted" in kept.text.lower()
    assert desk.store.of_user(ANN)
    done = desk.press(ANN, all_actions(prompt)[0], NOW)
    assert "deleted everything" in done.text
    conn = desk.store.conn
    for table in ("users", "feedback", "reminders", "profiles", "history"):
        n = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (ANN,)).fetchone()[0]
        assert n == 0, table
    assert store.stats().feedback[0].helpful == 1  # someone else's vote stays
