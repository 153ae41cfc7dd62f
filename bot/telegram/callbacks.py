"""Callback data: one typed payload per button kind, one encoder, one strict parser.

Every button the bot sends carries one of these values; `encode` turns it into
Telegram's callback_data (at most 64 bytes) and `parse` turns a press back into
the value, or None for anything the bot did not produce: old, forged or
truncated data never raises. The reminder payloads are the core's own action
values (`bot.reminders.conversation`); the core never sees these strings.

Wire format (fields separated by ':'; ids and numbers are ASCII digits
without leading zeros):

    a:<entry id>                   show an answer
    f:<entry id>:<1|0>             feedback: helpful / not helpful
    t:<page>                       a page of /topics
    r                              how reminders work
    k:<reminder id>:<yyyymmdd>:<t|s|z>   a reminder day: taken / skipped / snoozed
    u:<reminder id|all>            remove one reminder, or all
    x:<y|n>                        confirm /forget: yes / no
    z:<IANA zone name>             this time zone (one of zoneinfo's names, e.g. Europe/Berlin)
    c                              "type a city" under the time zone question
    v:<reminder id>:<yyyymmdd>     undo Taken / Skip on that reminder day
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.faq.content import ID_RE, MAX_ID_LENGTH
from bot.reminders.conversation import (
    ConfirmForget,
    Mark,
    MarkReminder,
    PickZone,
    ReminderAction,
    RemoveReminder,
    TypeCity,
    UndoMark,
)
from bot.reminders.schedule import is_zone_name

MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
MAX_ID_DIGITS = 18  # below 2**63 - 1, SQLite's largest rowid
MAX_PAGE_DIGITS = 4

__all__ = [
    "MAX_CALLBACK_BYTES",
    "ConfirmForget",
    "Feedback",
    "Mark",
    "MarkReminder",
    "Payload",
    "PickZone",
    "RemindersHelp",
    "RemoveReminder",
    "ShowAnswer",
    "TopicsPage",
    "TypeCity",
    "UndoMark",
    "encode",
    "is_reminder_action",
    "parse",
    "reminder_action",
]


@dataclass(frozen=True)
class ShowAnswer:
    """A question button: answer this entry."""

    entry_id: str


@dataclass(frozen=True)
class Feedback:
    """👍 / 👎 under an answer."""

    entry_id: str
    helpful: bool


@dataclass(frozen=True)
class TopicsPage:
    """‹ / › under /topics: show this page (0-based)."""

    page: int


@dataclass(frozen=True)
class RemindersHelp:
    """The /start button that explains reminders."""


Payload = ShowAnswer | Feedback | TopicsPage | RemindersHelp | ReminderAction

_NUMBER = re.compile(rf"0|[1-9][0-9]{{0,{MAX_ID_DIGITS - 1}}}")
_PAGE = re.compile(rf"0|[1-9][0-9]{{0,{MAX_PAGE_DIGITS - 1}}}")
_DAY = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_MARKS = {Mark.TAKEN: "t", Mark.SKIPPED: "s", Mark.SNOOZED: "z"}
_MARK_OF = {code: mark for mark, code in _MARKS.items()}


def encode(payload: Payload) -> str:
    """The callback_data for a payload; ValueError if it could not be parsed back."""
    match payload:
        case ShowAnswer():
            data = f"a:{payload.entry_id}"
        case Feedback():
            data = f"f:{payload.entry_id}:{1 if payload.helpful else 0}"
        case TopicsPage():
            data = f"t:{payload.page}"
        case RemindersHelp():
            data = "r"
        case MarkReminder():
            data = f"k:{payload.reminder_id}:{_yyyymmdd(payload.day)}:{_MARKS[payload.mark]}"
        case RemoveReminder():
            rid = payload.reminder_id
            data = "u:all" if rid is None else f"u:{rid}"
        case ConfirmForget():
            data = f"x:{'y' if payload.yes else 'n'}"
        case PickZone():
            data = f"z:{payload.zone}"
        case TypeCity():
            data = "c"
        case UndoMark():
            data = f"v:{payload.reminder_id}:{_yyyymmdd(payload.day)}"
    if parse(data) != payload:
        raise ValueError(f"cannot encode {payload!r} as callback data")
    return data


def parse(data: str | None) -> Payload | None:
    """The payload of a button press; None for anything malformed. Never raises."""
    if not data or not data.isascii() or len(data) > MAX_CALLBACK_BYTES:
        return None  # ASCII, so characters are bytes
    kind, *fields = data.split(":")
    match kind, fields:
        case "a", [entry_id] if _is_entry_id(entry_id):
            return ShowAnswer(entry_id)
        case "f", [entry_id, ("1" | "0") as vote] if _is_entry_id(entry_id):
            return Feedback(entry_id, helpful=vote == "1")
        case "t", [page] if _PAGE.fullmatch(page):
            return TopicsPage(int(page))
        case "r", []:
            return RemindersHelp()
        case "k", [rid, day, code] if _NUMBER.fullmatch(rid) and code in _MARK_OF:
            parsed = _day(day)
            return None if parsed is None else MarkReminder(int(rid), parsed, _MARK_OF[code])
        case "u", ["all"]:
            return RemoveReminder(None)
        case "u", [rid] if _NUMBER.fullmatch(rid):
            return RemoveReminder(int(rid))
        case "x", [("y" | "n") as answer]:
            return ConfirmForget(yes=answer == "y")
        case "z", [zone] if is_zone_name(zone):
            return PickZone(zone)
        case "c", []:
            return TypeCity()
        case "v", [rid, day] if _NUMBER.fullmatch(rid):
            parsed = _day(day)
            return None if parsed is None else UndoMark(int(rid), parsed)
    return None


def reminder_action(data: object) -> ReminderAction | None:
    """The press as one of the reminder core's actions, or None (not one, or malformed)."""
    payload = parse(data) if isinstance(data, str) else None
    reminder_kinds = (MarkReminder, RemoveReminder, ConfirmForget, PickZone, TypeCity, UndoMark)
    return payload if isinstance(payload, reminder_kinds) else None


def is_reminder_action(data: object) -> bool:
    """The reminder handler's CallbackQueryHandler pattern: is this press the core's?"""
    return reminder_action(data) is not None


def _is_entry_id(text: str) -> bool:
    return len(text) <= MAX_ID_LENGTH and ID_RE.fullmatch(text) is not None


def _yyyymmdd(day: date) -> str:
    # Not strftime: "%Y" is not zero-padded below year 1000 on every platform.
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _day(text: str) -> date | None:
    found = _DAY.fullmatch(text)
    if found is None:
        return None
    year, month, day = (int(part) for part in found.groups())
    try:
        return date(year, month, day)
    except ValueError:  # 20261399, year 0000, 30 February
        return None
