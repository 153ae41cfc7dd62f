"""Callback data: every payload round-trips, fits 64 bytes, and malformed data is None."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import InlineKeyboardMarkup

from bot.faq.content import MAX_ID_LENGTH, Content
from bot.faq.engine import Engine
from bot.reminders.conversation import ReminderConversation
from bot.reminders.store import ReminderStore
from bot.storage.db import open_database
from bot.telegram.callbacks import (
    MAX_CALLBACK_BYTES,
    ConfirmForget,
    Feedback,
    Mark,
    MarkReminder,
    Payload,
    PickZone,
    RemindersHelp,
    RemoveReminder,
    ShowAnswer,
    TopicsPage,
    TypeCity,
    UndoMark,
    encode,
    is_reminder_action,
    parse,
)
from bot.telegram.keyboards import reply_keyboard, start_keyboard, topics_page
from bot.telegram.reminder_handlers import keyboard

entry_ids = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,6}", fullmatch=True).filter(
    lambda s: len(s) <= MAX_ID_LENGTH
)
LONGEST_ID = "-".join(["abcdefgh"] * 5) + "-abc"
assert len(LONGEST_ID) == MAX_ID_LENGTH
longest_id = st.just(LONGEST_ID)
reminder_ids = st.integers(min_value=0, max_value=10**18 - 1)
ZONES = sorted(z for z in available_timezones() if "/" in z or z == "UTC")
zone_names = st.sampled_from(ZONES)
payloads: st.SearchStrategy[Payload] = st.one_of(
    st.builds(ShowAnswer, entry_ids | longest_id),
    st.builds(Feedback, entry_ids | longest_id, st.booleans()),
    st.builds(TopicsPage, st.integers(min_value=0, max_value=9999)),
    st.just(RemindersHelp()),
    st.builds(MarkReminder, reminder_ids, st.dates(), st.sampled_from(Mark)),
    st.builds(RemoveReminder, st.none() | reminder_ids),
    st.builds(ConfirmForget, st.booleans()),
    st.builds(PickZone, zone_names),
    st.just(TypeCity()),
    st.builds(UndoMark, reminder_ids, st.dates()),
)


@given(payloads)
def test_every_payload_round_trips_within_64_ascii_bytes(payload: Payload) -> None:
    data = encode(payload)
    assert data.isascii() and len(data.encode()) <= MAX_CALLBACK_BYTES
    assert parse(data) == payload


@pytest.mark.parametrize(
    ("payload", "data"),
    [
        (ShowAnswer("take-with-food"), "a:take-with-food"),
        (Feedback("dosage", helpful=True), "f:dosage:1"),
        (Feedback("dosage", helpful=False), "f:dosage:0"),
        (TopicsPage(1), "t:1"),
        (RemindersHelp(), "r"),
        (MarkReminder(12, date(2026, 3, 1), Mark.TAKEN), "k:12:20260301:t"),
        (MarkReminder(12, date(2026, 3, 1), Mark.SKIPPED), "k:12:20260301:s"),
        (MarkReminder(12, date(2026, 3, 1), Mark.SNOOZED), "k:12:20260301:z"),
        (MarkReminder(1, date(5, 1, 2), Mark.TAKEN), "k:1:00050102:t"),
        (RemoveReminder(7), "u:7"),
        (RemoveReminder(None), "u:all"),
        (ConfirmForget(yes=True), "x:y"),
        (ConfirmForget(yes=False), "x:n"),
        (PickZone("Europe/Berlin"), "z:Europe/Berlin"),
        (PickZone("America/Argentina/ComodRivadavia"), "z:America/Argentina/ComodRivadavia"),
        (PickZone("Etc/GMT+5"), "z:Etc/GMT+5"),
        (PickZone("UTC"), "z:UTC"),
        (TypeCity(), "c"),
        (UndoMark(12, date(2026, 3, 1)), "v:12:20260301"),
    ],
)
def test_wire_format(payload: Payload, data: str) -> None:
    """The format of buttons already sent (old reminder messages must keep working)."""
    assert encode(payload) == data
    assert parse(data) == payload


MALFORMED = [
    "",
    None,
    "k:",
    "k:١٢:20260301:t",  # Arabic-Indic digits
    "k:１２:20260301:t",  # full-width digits
    "k:1:２０２６0301:t",
    "t:٣",
    "t:１",
    "k:999999999999999999999999999999:20260301:t",
    "k:9223372036854775808:20260301:t",  # 2**63
    "k:1000000000000000000:20260301:t",  # 19 digits
    "k:-1:20260301:t",
    "k:01:20260301:t",  # not canonical
    "k:1:20261399:t",
    "k:1:20260229:t",  # 2026 is not a leap year
    "k:1:00000101:t",  # year 0
    "k:1:2026-03-27:t",
    "k:1:2026031:t",
    "k:1:20260301:T",
    "k:1:20260301:x",
    "k:1:20260301:tt",
    "k:1:20260301",
    "k:1:20260301:t:",
    "zz:1",
    "a:Bad Id",
    "a:" + "x" * 70,
    "a:" + "x" * 49,  # over the 48-character id limit
    "a:",
    "a:dosage:",
    "a::dosage",
    "a:-dosage",
    "a:dosage-",
    "a:dos--age",
    "a:dosage\n",
    "a:dosage\x00",
    " a:dosage",
    "A:dosage",
    "a:dosagé",
    "a:ドーズ",
    "f:dosage:2",
    "f:dosage:",
    "f:dosage",
    "f:dosage:1:1",
    "f:Dosage:1",
    "t:-1",
    "t:",
    "t:01",
    "t:+1",
    "t:1.0",
    "t:1e3",
    "t:10000",
    "t:1:2",
    "r:",
    "r:1",
    "u:",
    "u:one",
    "u:ALL",
    "u:all:1",
    "u:1.5",
    "x:",
    "x:yes",
    "x:Y",
    "z:",
    "z:Mars/Phobos",
    "z:europe/berlin",  # zone names are exact
    "z:Europe/Berlin:",
    "z:Europe/Berlin ",
    "z:Europe/../Berlin",
    "z:EST5EDT:1",
    "z:/etc/passwd",
    "c:",
    "c:1",
    "C",
    "v:",
    "v:12",
    "v:12:20260301:t",
    "v:012:20260301",
    "v:12:20260230",
    "v:-1:20260301",
    "v:1:２０２６0301",
    ":",
    "::::",
    "\ufeffa:dosage",
    "t:1\u200b",
]


@pytest.mark.parametrize("data", MALFORMED)
def test_malformed_data_is_none(data: str | None) -> None:
    assert parse(data) is None


def test_data_over_64_bytes_is_none_even_if_well_formed() -> None:
    long_id = "-".join(["abcdefgh"] * 7)  # 62 characters: valid shape, too long
    assert parse("a:" + long_id) is None
    assert parse("f:" + long_id + ":1") is None


@pytest.mark.parametrize(
    "payload",
    [
        ShowAnswer("Bad Id"),
        ShowAnswer("x" * (MAX_ID_LENGTH + 1)),
        Feedback("", helpful=True),
        TopicsPage(-1),
        TopicsPage(10_000),
        MarkReminder(-1, date(2026, 3, 1), Mark.TAKEN),
        MarkReminder(10**18, date(2026, 3, 1), Mark.TAKEN),
        RemoveReminder(2**63),
        PickZone("Mars/Phobos"),
        PickZone("Europe/Berlin:x"),
        UndoMark(-1, date(2026, 3, 1)),
    ],
)
def test_encode_refuses_what_parse_would_not_read_back(payload: Payload) -> None:
    with pytest.raises(ValueError):
        encode(payload)


@given(st.text(max_size=80))
def test_parse_never_raises_and_accepts_only_canonical_data(data: str) -> None:
    payload = parse(data)
    if payload is not None:
        assert encode(payload) == data


@given(st.from_regex(r"[afktruxzcv]:[0-9a-zA-Z:/_+\-٠-٩０-９]{0,40}", fullmatch=True))
def test_near_miss_data_never_raises(data: str) -> None:
    payload = parse(data)
    if payload is not None:
        assert encode(payload) == data


def _callback_data(markup: InlineKeyboardMarkup | None) -> list[str]:
    assert markup is not None
    # Only buttons that come back as presses (not, say, a switch-inline "share" button).
    return [
        str(b.callback_data)
        for row in markup.inline_keyboard
        for b in row
        if b.callback_data is not None
    ]


def test_every_button_the_bot_builds_parses_back(content: Content, tmp_path: Path) -> None:
    engine = Engine(content)
    sent = _callback_data(start_keyboard(content))
    for page in range(0, len(content.entries) // 8 + 1):
        sent += _callback_data(topics_page(content, page))
    for entry in content.entries:
        sent += _callback_data(reply_keyboard(engine.answer_entry(entry.id), content))
    desk = ReminderConversation(
        content, ReminderStore(open_database(tmp_path / "db.sqlite3")), ZoneInfo("UTC")
    )
    now = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    for language in (None, "de", "es", "en-au", "pt-br", "ru", "zh"):  # longest zone names
        sent += _callback_data(keyboard(desk.command("remind", 1, "8:00", now, language)))
    desk.press(1, PickZone("America/Argentina/Buenos_Aires"), now)
    desk.command("remind", 1, "21:30 " + "n" * 100, now)
    sent += _callback_data(keyboard(desk.command("unremind", 1, "", now)))
    sent += _callback_data(keyboard(desk.command("forget", 1, "", now)))
    (occ, *_) = desk.store.due(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    reminder = desk.message(occ, late=False)
    sent += _callback_data(keyboard(reminder))
    (taken, *_) = [b.action for row in reminder.buttons for b in row]
    sent += _callback_data(keyboard(desk.press(1, taken, now)))
    kinds = set()
    for data in sent:
        assert len(data.encode()) <= MAX_CALLBACK_BYTES, data
        payload = parse(data)
        assert payload is not None, data
        kinds.add(type(payload))
    assert kinds == {
        ShowAnswer,
        Feedback,
        TopicsPage,
        RemindersHelp,
        MarkReminder,
        RemoveReminder,
        ConfirmForget,
        PickZone,
        TypeCity,
        UndoMark,
    }
    reminder_kinds = {MarkReminder, RemoveReminder, ConfirmForget, PickZone, TypeCity, UndoMark}
    for data in sent:
        assert is_reminder_action(data) is (type(parse(data)) in reminder_kinds), data


def test_the_longest_zone_button_fits() -> None:
    longest = max(ZONES, key=len)
    assert len(encode(PickZone(longest)).encode()) <= MAX_CALLBACK_BYTES
    assert not is_reminder_action(None) and not is_reminder_action("a:dosage")
