"""The reminder loop, Telegram-free: zone first, undo, nudges, history, weekly summaries, refills.

Each test is a conversation with `ReminderConversation` over a real SQLite
file, with the clock a parameter; due messages come from the real
`Dispatcher`, and what they say is what `desk.message` renders for a person.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import SettingsError, load_settings
from bot.faq.content import Content
from bot.faq.yamlsource import ContentError
from bot.reminders.conversation import (
    Answer,
    ConfirmForget,
    Mark,
    MarkReminder,
    PickZone,
    ReminderConversation,
    TypeCity,
    UndoMark,
)
from bot.reminders.delivery import Dispatcher, Item, SendResult
from bot.reminders.people import Summary
from bot.reminders.store import Occurrence, ReminderStore, Status
from bot.reminders.zones import load_zone_choices, zone_at
from bot.storage.db import PERSONAL_TABLES, open_database
from tests.conftest import ROOT, write_faq

ANN = 1
NOW = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # Friday, 13:00 in Berlin
DUE = datetime(2026, 3, 27, 20, 30, tzinfo=UTC)  # 21:30 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Phone:
    """What people's Telegram shows: every message the dispatcher sent, as rendered."""

    desk: ReminderConversation
    inbox: list[tuple[int, Answer]] = field(default_factory=list)

    async def __call__(self, item: Occurrence, late: bool) -> SendResult:
        return self._got(item, late)

    async def summary(self, item: Summary) -> SendResult:
        return self._got(item, False)

    def _got(self, item: Item, late: bool) -> SendResult:
        user = item.user_id if isinstance(item, Summary) else item.reminder.user_id
        self.inbox.append((user, self.desk.message(item, late)))
        return SendResult.SENT

    def texts(self, user: int = ANN) -> list[str]:
        return [a.text for u, a in self.inbox if u == user]


def make_desk(content: Content, tmp_path: Path, nudge_minutes: int = 60) -> ReminderConversation:
    conn = open_database(tmp_path / "db.sqlite3")
    store = ReminderStore(conn, nudge_after=timedelta(minutes=nudge_minutes))
    return ReminderConversation(content, store, ZoneInfo("UTC"))


@pytest.fixture
def desk(content: Content, tmp_path: Path) -> ReminderConversation:
    return make_desk(content, tmp_path)


def say(
    desk: ReminderConversation,
    line: str,
    now: datetime = NOW,
    user: int = ANN,
    language: str | None = None,
) -> Answer:
    name, _, args = line.lstrip("/").partition(" ")
    return desk.command(name, user, args, now, language)


def labels(answer: Answer) -> list[str]:
    return [b.label for row in answer.buttons for b in row]


def press(desk: ReminderConversation, answer: Answer, label: str, now: datetime = NOW) -> Answer:
    """Tap the one button whose label contains `label`."""
    (action,) = [b.action for row in answer.buttons for b in row if label in b.label]
    return desk.press(ANN, action, now)


def berlin(desk: ReminderConversation, line: str = "/remind 21:30") -> None:
    say(desk, "/timezone Berlin")
    assert "Daily reminder set" in say(desk, line).text


async def deliver(desk: ReminderConversation, phone: Phone, clock: Clock) -> None:
    grace = timedelta(minutes=120)
    await Dispatcher(desk.store, phone, grace, clock, send_summary=phone.summary).tick()


# -- the zone first ---------------------------------------------------------------


def test_first_remind_asks_the_zone_with_buttons_for_the_language(
    desk: ReminderConversation,
) -> None:
    ask = say(desk, "/remind 21:30 with dinner", language="de")
    assert ask.text.startswith("Which time zone are you in? Then your 21:30 reminder")
    assert labels(ask) == ["Berlin (13:00)", "Vienna (13:00)", "Zurich (13:00)", "✍️ Type a city"]
    assert desk.store.of_user(ANN) == []  # nothing set yet, but nothing lost either
    done = press(desk, ask, "Vienna")
    assert done.text.splitlines() == [
        "Your time zone is now Europe/Vienna (it is 13:00 there).",
        "Daily reminder set for 21:30 (Europe/Vienna). Next: today at 21:30 Europe/Vienna.",
        "Note: with dinner",
    ]
    assert "set for 08:00 (Europe/Vienna)" in say(desk, "/remind 8:00").text  # asked once only


@pytest.mark.parametrize(
    ("language", "first"),
    [
        ("en-GB", "London (12:00)"),
        ("en", "New York (08:00)"),
        ("es", "Madrid (13:00)"),
        ("pt-BR", "Sao Paulo (09:00)"),
        ("xx", "New York (08:00)"),
        (None, "New York (08:00)"),
    ],
)
def test_zone_buttons_follow_the_language_code(
    desk: ReminderConversation, language: str | None, first: str
) -> None:
    ask = say(desk, "/remind 21:30", language=language)
    assert labels(ask)[0] == first
    assert labels(ask)[-1] == "✍️ Type a city"
    assert len(ask.buttons) <= 4  # two zones a row


def test_a_typed_city_sets_the_zone_and_the_waiting_reminder(desk: ReminderConversation) -> None:
    ask = say(desk, "/remind 9pm take with food")
    assert "Type the name of your city" in press(desk, ask, "Type a city").text
    assert desk.typed_place(ANN, "how much should I take?", NOW) is None  # a question: the FAQ's
    bad = desk.typed_place(ANN, "Xyzzyville", NOW)
    assert bad is not None and "could not find a place called 'Xyzzyville'" in bad.text
    assert labels(bad)[-1] == "✍️ Type a city"  # the zone buttons again
    assert desk.store.of_user(ANN) == []
    done = desk.typed_place(ANN, "new york", NOW)
    assert done is not None
    assert "Your time zone is now America/New_York (it is 08:00 there)." in done.text
    assert "set for 21:00 (America/New_York)" in done.text and "take with food" in done.text
    assert desk.typed_place(ANN, "berlin", NOW) is None  # no longer waiting for a place
    assert not desk.awaiting_place(ANN, NOW)


def test_typing_a_city_is_not_awaited_forever(desk: ReminderConversation) -> None:
    say(desk, "/remind 21:30")
    desk.press(ANN, TypeCity(), NOW)
    later = NOW + timedelta(minutes=16)
    assert desk.typed_place(ANN, "side effects", later) is None  # a question again, for the FAQ
    assert "set for 21:30 (Europe/Paris)" in desk.press(ANN, PickZone("Europe/Paris"), later).text


def test_timezone_command_or_location_also_completes_the_waiting_reminder(
    desk: ReminderConversation,
) -> None:
    say(desk, "/remind 21:30")
    assert "set for 21:30 (Asia/Tokyo)" in say(desk, "/timezone tokyo").text
    say(desk, "/remind 7:00", user=2)
    assert "could not tell the time zone" in desk.located(2, None, NOW).text
    assert desk.store.of_user(2) == []
    done = desk.located(2, "Europe/Berlin", NOW)
    assert "Europe/Berlin" in done.text and "set for 07:00 (Europe/Berlin)" in done.text


def test_a_second_remind_while_waiting_replaces_the_first(desk: ReminderConversation) -> None:
    say(desk, "/remind 21:30")
    assert "your 07:15 reminder" in say(desk, "/remind 7:15 morning").text
    done = desk.press(ANN, PickZone("Europe/London"), NOW)
    assert "set for 07:15 (Europe/London)" in done.text and "21:30" not in done.text
    assert [r.note for r in desk.store.of_user(ANN)] == ["morning"]


def test_stop_drops_a_reminder_waiting_for_its_zone(desk: ReminderConversation) -> None:
    say(desk, "/remind 21:30")
    say(desk, "/stop")
    done = desk.press(ANN, PickZone("Europe/Berlin"), NOW)
    assert done.text == "Your time zone is now Europe/Berlin (it is 13:00 there)."
    assert desk.store.of_user(ANN) == []


def test_a_forged_zone_button_changes_nothing(desk: ReminderConversation) -> None:
    answer = desk.press(ANN, PickZone("Mars/Olympus_Mons"), NOW)
    assert answer.toast and not answer.text
    assert desk.store.zone_of(ANN) is None


def test_zone_choices_are_checked_at_start_up(tmp_path: Path) -> None:
    text = (ROOT / "content" / "faq.yaml").read_text(encoding="utf-8")
    bad = write_faq(tmp_path, text.replace("de: [Europe/Berlin,", "de: [Europe/Berlln,"))
    with pytest.raises(ContentError, match=r"zone_choices\.de\[0\]: 'Europe/Berlln'"):
        load_zone_choices(str(bad))
    line = text[: text.index("de: [Europe/Berlin,")].count("\n") + 1
    with pytest.raises(ContentError, match=rf"faq\.yaml:{line}:"):
        load_zone_choices(str(bad))


def test_a_location_becomes_a_zone_offline() -> None:
    assert zone_at(52.52, 13.40) == "Europe/Berlin"
    assert zone_at(40.71, -74.01) == "America/New_York"
    assert zone_at(-33.87, 151.21) == "Australia/Sydney"
    assert zone_at(91.0, 0.0) is None  # not on Earth


# -- undo -----------------------------------------------------------------------------


async def test_undo_works_the_same_day_and_then_is_too_late(desk: ReminderConversation) -> None:
    berlin(desk)
    phone, clock = Phone(desk), Clock(DUE)
    await deliver(desk, phone, clock)
    ((_, reminder),) = phone.inbox
    taken = press(desk, reminder, "Taken", DUE)
    assert "Marked as taken for today" in taken.text
    assert labels(taken) == ["↩️ Undo"]
    undone = press(desk, taken, "Undo", DUE + timedelta(minutes=5))
    assert "Undone: the reminder for today is not marked any more" in undone.text
    assert labels(undone) == ["✅ Taken", "⏰ Snooze 30 min", "Skip today"]
    assert "Taken 0 of" not in say(desk, "/history", DUE).text  # today is open again
    assert press(desk, taken, "Undo", DUE).toast == "There is nothing to undo."  # pressed twice
    skipped = press(desk, undone, "Skip", DUE + timedelta(minutes=6))
    late = datetime(2026, 3, 27, 23, 1, tzinfo=UTC)  # 00:01 on Saturday in Berlin
    too_late = press(desk, skipped, "Undo", late)
    assert too_late.toast.startswith("Too late to undo") and not too_late.text
    (row,) = desk.store.history(ANN, date(2026, 3, 27))
    assert row.status is Status.SKIPPED


# -- nudges ---------------------------------------------------------------------------


async def test_one_nudge_for_an_unmarked_reminder_then_none(desk: ReminderConversation) -> None:
    berlin(desk, "/remind 21:30 with dinner")
    phone, clock = Phone(desk), Clock(DUE)
    await deliver(desk, phone, clock)
    clock.now = DUE + timedelta(minutes=59)
    await deliver(desk, phone, clock)
    assert len(phone.inbox) == 1  # not before the hour
    clock.now = DUE + timedelta(minutes=60)
    await deliver(desk, phone, clock)
    clock.now = DUE + timedelta(minutes=200)
    await deliver(desk, phone, clock)
    nudge = phone.inbox[1][1]
    assert nudge.text.splitlines() == [
        "👋 Just checking in: did you take your magnesium glycinate (21:30)?",
        "Your note: with dinner",
        "",
        "You can turn these follow-ups off with /nudge off.",
    ]
    assert labels(nudge) == ["✅ Taken", "Skip today"]
    assert len(phone.inbox) == 2  # one nudge per reminder and day
    assert "Marked as taken for Fri 27 Mar" in press(desk, nudge, "Taken", clock.now).text


async def test_no_nudge_once_marked_or_when_turned_off(desk: ReminderConversation) -> None:
    berlin(desk)
    phone, clock = Phone(desk), Clock(DUE)
    await deliver(desk, phone, clock)
    press(desk, phone.inbox[0][1], "Skip", DUE + timedelta(minutes=10))
    clock.now = DUE + timedelta(minutes=90)
    await deliver(desk, phone, clock)
    assert len(phone.inbox) == 1
    # The next day they turn nudges off after the reminder came: the nudge is dropped too.
    clock.now = DUE + timedelta(days=1)
    await deliver(desk, phone, clock)
    assert "Nudges are off" in say(desk, "/nudge off", clock.now).text
    clock.now += timedelta(hours=2)
    await deliver(desk, phone, clock)
    assert len(phone.inbox) == 2
    assert "after 60 minutes" in say(desk, "/nudge on").text
    assert "/nudge on or /nudge off" in say(desk, "/nudge maybe").text


async def test_a_snooze_moves_the_nudge_after_the_repeat(desk: ReminderConversation) -> None:
    berlin(desk)
    phone, clock = Phone(desk), Clock(DUE)
    await deliver(desk, phone, clock)
    press(desk, phone.inbox[0][1], "Snooze", DUE + timedelta(minutes=20))
    clock.now = DUE + timedelta(minutes=60)
    await deliver(desk, phone, clock)  # the repeat at 22:20, no nudge at 22:30
    assert ["You asked me to remind you again" in t for t in phone.texts()] == [False, True]
    clock.now = DUE + timedelta(minutes=120)
    await deliver(desk, phone, clock)
    assert "Just checking in" in phone.texts()[-1] and len(phone.inbox) == 3


async def test_nudges_switched_off_for_the_bot(content: Content, tmp_path: Path) -> None:
    desk = make_desk(content, tmp_path, nudge_minutes=0)
    berlin(desk)
    phone, clock = Phone(desk), Clock(DUE)
    await deliver(desk, phone, clock)
    clock.now = DUE + timedelta(hours=3)
    await deliver(desk, phone, clock)
    assert len(phone.inbox) == 1
    assert "switched off on this bot" in say(desk, "/nudge on").text


# -- history ----------------------------------------------------------------------------


async def test_history_csv_for_the_doctor(desk: ReminderConversation) -> None:
    assert say(desk, "/history csv").document is None  # nothing yet: one friendly line
    assert "No history yet" in say(desk, "/history csv").text
    berlin(desk)
    phone, clock = Phone(desk), Clock(DUE)
    for day, mark in enumerate(["Taken", "Skip", None, "Taken"]):
        clock.now = DUE + timedelta(days=day)
        await deliver(desk, phone, clock)
        if mark:
            press(desk, phone.inbox[-1][1], mark, clock.now)
    clock.now += timedelta(hours=2)  # the unmarked day's nudge comes and goes
    await deliver(desk, phone, clock)
    answer = say(desk, "/history csv", clock.now)
    assert answer.document is not None
    assert answer.document.filename == "magnesium-glycinate-reminders.csv"
    assert answer.document.caption.startswith("Your reminder history since Fri 27 Mar")
    rows = list(csv.reader(io.StringIO(answer.document.data.decode("utf-8-sig"))))
    assert rows == [
        ["date", "time", "status"],
        ["2026-03-27", "21:30", "taken"],
        ["2026-03-28", "21:30", "skipped"],
        ["2026-03-29", "21:30", "sent, not marked"],
        ["2026-03-30", "21:30", "taken"],
    ]
    assert "/history csv" in say(desk, "/history pdf").text


def test_history_over_years_is_capped_at_a_year_of_rows(desk: ReminderConversation) -> None:
    berlin(desk)
    r = desk.store.of_user(ANN)[0]
    for n in range(0, 400, 3):
        desk.store.record(r, date(2025, 2, 1) + timedelta(days=n), Status.TAKEN, NOW)
    text = say(desk, "/history").text
    assert "Showing the last 52 weeks" in text
    assert "Taken 134 of 134 doses due (100%)." in text
    assert len(text) < 4096


# -- weekly summaries ---------------------------------------------------------------------


async def test_weekly_summary_on_sunday_evening_then_off(desk: ReminderConversation) -> None:
    berlin(desk)
    on = say(desk, "/weekly on").text
    assert "the first Sun 29 Mar at 19:00 Europe/Berlin" in on
    phone, clock = Phone(desk), Clock(DUE)
    await deliver(desk, phone, clock)
    press(desk, phone.inbox[-1][1], "Taken", clock.now)
    clock.now = datetime(2026, 3, 29, 16, 59, tzinfo=UTC)  # 18:59 in Berlin (summer time)
    await deliver(desk, phone, clock)
    clock.now = datetime(2026, 3, 29, 17, 0, tzinfo=UTC)
    await deliver(desk, phone, clock)
    summary = phone.texts()[-1]
    assert summary.splitlines() == [
        "📅 Your week, Mon 23 Mar to Sun 29 Mar:",
        "· · · · ✅ ❌ ·",
        "Taken 1 of 2 doses due (50%).",
        "No streak right now: mark today's reminder as taken to start one.",
        "",
        "/history shows every week; /weekly off stops these summaries.",
    ]
    assert "next: tomorrow" not in summary
    assert "the first Sun 05 Apr" in say(desk, "/weekly", clock.now).text
    assert "Weekly summary off" in say(desk, "/weekly off", clock.now).text
    clock.now = datetime(2026, 4, 5, 17, 0, tzinfo=UTC)
    sent = len(phone.inbox)
    await deliver(desk, phone, clock)
    assert not any("Your week" in t for t in phone.texts()[sent:])
    assert "/weekly on" in say(desk, "/weekly sometimes").text


async def test_weekly_summary_follows_a_new_zone(desk: ReminderConversation) -> None:
    assert "I used UTC" in say(desk, "/weekly on").text  # no zone yet: the default, said so
    say(desk, "/timezone new york")
    phone, clock = Phone(desk), Clock(datetime(2026, 3, 29, 19, 0, tzinfo=UTC))
    await deliver(desk, phone, clock)
    assert phone.inbox == []  # 15:00 in New York
    clock.now = datetime(2026, 3, 29, 23, 0, tzinfo=UTC)
    await deliver(desk, phone, clock)
    assert phone.texts() == [
        "📅 Your week, Mon 23 Mar to Sun 29 Mar:\n"
        "No reminders were due this week. /remind 21:30 sets one.\n\n"
        "/history shows every week; /weekly off stops these summaries."
    ]


# -- refills --------------------------------------------------------------------------------


async def test_refill_counts_down_gives_back_and_warns_once(desk: ReminderConversation) -> None:
    berlin(desk)
    assert "not counting your doses" in say(desk, "/refill").text
    assert say(desk, "/refill 9").text.startswith("Noted: 9 doses left, about 9 days at 1 a day.")
    phone, clock = Phone(desk), Clock(DUE)
    await deliver(desk, phone, clock)
    assert "doses left" not in phone.texts()[-1]  # 9 days: not yet
    taken = press(desk, phone.inbox[-1][1], "Taken", clock.now)
    assert "Doses left: 8." in taken.text
    undone = press(desk, taken, "Undo", clock.now)
    assert "You have 9 doses left" in say(desk, "/refill").text  # Undo gave it back
    assert "Doses left: 8." in press(desk, undone, "Taken", clock.now).text
    clock.now += timedelta(days=1)
    await deliver(desk, phone, clock)
    assert "doses left" not in phone.texts()[-1]  # 8 days
    press(desk, phone.inbox[-1][1], "Taken", clock.now)
    clock.now += timedelta(days=1)
    await deliver(desk, phone, clock)
    assert "💊 About 7 days of doses left (7). Time to get a refill?" in phone.texts()[-1]
    press(desk, phone.inbox[-1][1], "Taken", clock.now)
    clock.now += timedelta(days=1)
    await deliver(desk, phone, clock)
    assert "days of doses left" not in phone.texts()[-1]  # once per refill
    say(desk, "/refill 5")
    clock.now += timedelta(days=1)
    await deliver(desk, phone, clock)
    assert "💊 About 5 days of doses left (5)." in phone.texts()[-1]  # a new refill warns again


def test_refill_days_count_every_reminder(desk: ReminderConversation) -> None:
    berlin(desk, "/remind 8:00")
    say(desk, "/remind 20:00")
    assert "about 30 days at 2 a day" in say(desk, "/refill 60").text


@pytest.mark.parametrize("typed", ["-3", "lots", "99999999999", "1001", "1.5", "６０", "0x10"])
def test_refill_bad_input_is_explained_and_changes_nothing(
    desk: ReminderConversation, typed: str
) -> None:
    say(desk, "/refill 60")
    text = say(desk, f"/refill {typed}").text
    assert "whole number from 0 to 1000, for example /refill 60" in text
    assert "You have 60 doses left" in say(desk, "/refill").text


def test_refill_off_stops_counting(desk: ReminderConversation) -> None:
    say(desk, "/refill 60 capsules")
    assert "stopped counting" in say(desk, "/refill off").text
    assert "not counting" in say(desk, "/refill").text


# -- forgetting --------------------------------------------------------------------------------


async def test_forget_removes_the_new_data_too(desk: ReminderConversation) -> None:
    berlin(desk)
    say(desk, "/remind 8:00")  # one more
    say(desk, "/nudge on")
    say(desk, "/weekly on")
    say(desk, "/refill 60")
    say(desk, "/remind 9:00", user=2)  # someone else, waiting for a zone
    desk.press(2, TypeCity(), NOW)
    phone, clock = Phone(desk), Clock(DUE)
    await deliver(desk, phone, clock)
    conn = desk.store.conn
    assert desk.store.due(DUE + timedelta(hours=2))  # Ann's nudge is on its way
    assert "deleted everything" in desk.press(ANN, ConfirmForget(yes=True), NOW).text
    assert desk.store.due(DUE + timedelta(hours=2)) == []  # and it went too
    for table in PERSONAL_TABLES:
        n = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (ANN,)).fetchone()[0]
        assert n == 0, table
    assert desk.awaiting_place(2, NOW)  # someone else's waiting reminder stays
    assert say(desk, "/refill").text.startswith("I am not counting")
    assert "Nudges are on" in say(desk, "/nudge").text
    assert "Weekly summary off" in say(desk, "/weekly").text
    assert labels(say(desk, "/remind 21:30"))[-1] == "✍️ Type a city"  # the zone went too


def test_undo_of_someone_elses_or_a_removed_reminder_is_gone(desk: ReminderConversation) -> None:
    berlin(desk)
    r = desk.store.of_user(ANN)[0]
    desk.press(ANN, MarkReminder(r.id, date(2026, 3, 27), Mark.TAKEN), NOW)
    assert desk.press(2, UndoMark(r.id, date(2026, 3, 27)), NOW).toast == desk.t.gone
    say(desk, "/stop")
    assert desk.press(ANN, UndoMark(r.id, date(2026, 3, 27)), NOW).toast == desk.t.gone


def test_reminder_store_defaults_have_no_nudges(tmp_path: Path) -> None:
    store = ReminderStore(open_database(tmp_path / "db.sqlite3"))
    assert store.nudge_after is None
    store.add(ANN, time(21, 30), BERLIN, "", NOW)
    (occ,) = store.due(DUE)
    store.mark_sent(occ, DUE)
    assert store.due(DUE + timedelta(hours=5)) == []


@pytest.mark.parametrize(("raw", "minutes"), [("", 60), ("0", 0), ("15", 15), ("720", 720)])
def test_the_nudge_setting(raw: str, minutes: int) -> None:
    assert load_settings({"REMINDER_NUDGE_MINUTES": raw}).reminder_nudge_minutes == minutes


@pytest.mark.parametrize("raw", ["-5", "soon", "721"])
def test_a_nudge_setting_the_bot_cannot_use_names_itself(raw: str) -> None:
    with pytest.raises(SettingsError, match="REMINDER_NUDGE_MINUTES"):
        load_settings({"REMINDER_NUDGE_MINUTES": raw})
