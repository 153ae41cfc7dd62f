"""Reminder schedule maths over DST boundaries and zones, with an injected clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.faq.content import Content
from bot.reminders.conversation import ReminderConversation
from bot.reminders.schedule import ScheduleError, due_on, find_zone, following, next_due, parse_time
from bot.reminders.store import ReminderStore
from bot.storage.db import open_database

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:30", time(21, 30)),
        ("9:30pm", time(21, 30)),
        ("9:30 PM", time(21, 30)),
        ("21.30", time(21, 30)),
        ("0930", time(9, 30)),
        ("9pm", time(21, 0)),
        ("12am", time(0, 0)),
        ("12:15pm", time(12, 15)),
        ("7", time(7, 0)),
    ],
)
def test_times_people_type(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("typed", "expected", "note"),
    [
        ("9:30 pm", time(21, 30), ""),
        ("9:30 PM", time(21, 30), ""),
        ("9:30 p.m.", time(21, 30), ""),
        ("9 pm", time(21, 0), ""),
        ("8 am with breakfast", time(8, 0), "with breakfast"),
        ("9:30pm", time(21, 30), ""),
        ("21.30 with dinner", time(21, 30), "with dinner"),
        ("0930", time(9, 30), ""),
    ],
)
def test_times_typed_after_remind(
    content: Content, tmp_path: Path, typed: str, expected: time, note: str
) -> None:
    """`/remind 9:30 pm` arrives as two words; the am/pm belongs to the time, not the note."""
    store = ReminderStore(open_database(tmp_path / "db.sqlite3"))
    conversation = ReminderConversation(content, store, ZoneInfo("UTC"))
    store.set_zone(1, ZoneInfo("UTC"), utc(2026, 3, 27, 12))
    answer = conversation.command("remind", 1, typed, utc(2026, 3, 27, 12))
    (reminder,) = store.of_user(1)
    assert (reminder.at, reminder.note) == (expected, note)
    assert expected.strftime("%H:%M") in answer.text


@pytest.mark.parametrize("text", ["25:00", "soon", "13pm", "21:75", "", "9:3"])
def test_bad_times_explain_with_an_example(text: str) -> None:
    with pytest.raises(ScheduleError, match="21:30"):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("berlin", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
        ("America/New_York", "America/New_York"),
        ("new york", "America/New_York"),
        ("sydney", "Australia/Sydney"),
        ("kolkatta", "Asia/Kolkata"),
        ("UTC", "UTC"),
    ],
)
def test_zones_by_city_or_name(text: str, zone: str) -> None:
    assert find_zone(text).key == zone


def test_unknown_zone_is_explained() -> None:
    with pytest.raises(ScheduleError, match="/timezone Berlin"):
        find_zone("Mars/Phobos")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_next_is_today_or_tomorrow() -> None:
    at = time(21, 30)
    assert next_due(at, BERLIN, utc(2026, 1, 10, 12)).at_utc == utc(2026, 1, 10, 20, 30)
    assert next_due(at, BERLIN, utc(2026, 1, 10, 20, 30)).at_utc == utc(2026, 1, 11, 20, 30)
    assert next_due(at, KOLKATA, utc(2026, 1, 10, 12)).at_utc == utc(2026, 1, 10, 16, 0)


def test_spring_forward_gap_is_due_at_the_first_valid_moment() -> None:
    # Berlin: 2026-03-29 02:00 -> 03:00; 02:30 does not exist that day.
    due = next_due(time(2, 30), BERLIN, utc(2026, 3, 27, 12))
    assert due.day == date(2026, 3, 28)
    due = following(due, time(2, 30), BERLIN)
    assert due.day == date(2026, 3, 29)
    assert due.at_utc == utc(2026, 3, 29, 1, 0)  # 03:00 CEST, the end of the gap
    assert due.at_utc.astimezone(BERLIN).strftime("%H:%M") == "03:00"
    # New York: 2026-03-08 02:00 -> 03:00.
    assert due_on(date(2026, 3, 8), time(2, 30), NEW_YORK) == utc(2026, 3, 8, 7, 0)
    # Sydney (southern hemisphere): 2026-10-04 02:00 -> 03:00 AEDT.
    assert due_on(date(2026, 10, 4), time(2, 30), SYDNEY) == utc(2026, 10, 3, 16, 0)


def test_fall_back_repeat_comes_once() -> None:
    # Berlin: 2026-10-25 03:00 -> 02:00; 02:30 happens twice.
    at = time(2, 30)
    first = due_on(date(2026, 10, 25), at, BERLIN)
    assert first == utc(2026, 10, 25, 0, 30)  # the first 02:30 (CEST)
    # Between the two 02:30s, the next one is tomorrow's, not the repeat.
    between = utc(2026, 10, 25, 1, 0)
    assert next_due(at, BERLIN, between).day == date(2026, 10, 26)
    # Sydney falls back 2026-04-05 03:00 -> 02:00; New York 2026-11-01 02:00 -> 01:00.
    assert due_on(date(2026, 4, 5), at, SYDNEY) == utc(2026, 4, 4, 15, 30)
    assert due_on(date(2026, 11, 1), time(1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)


def test_an_ordinary_time_keeps_its_local_time_across_dst() -> None:
    at = time(21, 30)
    due = next_due(at, BERLIN, utc(2026, 3, 27, 12))
    seen = []
    for _ in range(4):
        seen.append(due.at_utc.astimezone(BERLIN).strftime("%d %H:%M"))
        due = following(due, at, BERLIN)
    assert seen == ["27 21:30", "28 21:30", "29 21:30", "30 21:30"]


ZONES = st.sampled_from([BERLIN, NEW_YORK, SYDNEY, KOLKATA, ZoneInfo("Australia/Lord_Howe")])


@settings(max_examples=400, deadline=None)
@given(
    zone=ZONES,
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    start=st.datetimes(datetime(2025, 1, 1), datetime(2028, 1, 1)),
)
def test_exactly_one_occurrence_per_local_day(
    zone: ZoneInfo, hour: int, minute: int, start: datetime
) -> None:
    at = time(hour, minute)
    now = start.replace(tzinfo=UTC)
    due = next_due(at, zone, now)
    assert due.at_utc > now
    assert due.at_utc - now <= timedelta(days=1, hours=2)
    for _ in range(3):
        nxt = following(due, at, zone)
        assert nxt.day == due.day + timedelta(days=1)
        assert nxt.at_utc > due.at_utc
        local = nxt.at_utc.astimezone(zone)
        assert local.date() == nxt.day
        # On time, or (only inside a DST gap) at most the gap's length later.
        wall = datetime.combine(nxt.day, at)
        assert timedelta(0) <= local.replace(tzinfo=None) - wall <= timedelta(hours=1)
        due = nxt
