"""Buttons and callback data for Telegram.

callback_data is at most 64 bytes: entry ids are capped at 48 characters
by content validation, so "f:<id>:1" always fits.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.faq.content import Content
from bot.faq.reply import Choice, Kind, Reply

TOPICS_PER_PAGE = 8
MAX_BUTTON_TEXT = 60


@dataclass(frozen=True)
class Callback:
    """A parsed button press."""

    action: str  # "a" answer, "f" feedback, "t" topics page, "r" reminders
    entry_id: str = ""
    value: int = 0


def parse_callback(data: str | None) -> Callback | None:
    """None for anything we did not produce (old or forged buttons)."""
    if not data:
        return None
    parts = data.split(":")
    try:
        if parts[0] == "a" and len(parts) == 2:
            return Callback("a", parts[1])
        if parts[0] == "f" and len(parts) == 3 and parts[2] in ("0", "1"):
            return Callback("f", parts[1], int(parts[2]))
        if parts[0] == "t" and len(parts) == 2:
            return Callback("t", value=int(parts[1]))
        if parts[0] == "r" and len(parts) == 1:
            return Callback("r")
    except ValueError:
        return None
    return None


def _label(text: str) -> str:
    return text if len(text) <= MAX_BUTTON_TEXT else text[: MAX_BUTTON_TEXT - 1] + "…"


def _question_button(choice: Choice) -> InlineKeyboardButton:
    return InlineKeyboardButton(_label(choice.question), callback_data=f"a:{choice.entry_id}")


def reply_keyboard(reply: Reply, content: Content) -> InlineKeyboardMarkup | None:
    """Related questions and feedback under answers; choices under clarify/fallback."""
    rows: list[list[InlineKeyboardButton]] = []
    if reply.kind is Kind.ANSWER and reply.entry_id:
        rows.extend([_question_button(c)] for c in reply.related)
        rows.append(feedback_row(reply.entry_id, content))
    elif reply.kind in (Kind.CLARIFY, Kind.FALLBACK):
        rows.extend([_question_button(c)] for c in reply.choices)
    return InlineKeyboardMarkup(rows) if rows else None


def feedback_row(entry_id: str, content: Content) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton("👍 " + content.ui["helpful"], callback_data=f"f:{entry_id}:1"),
        InlineKeyboardButton("👎 " + content.ui["not_helpful"], callback_data=f"f:{entry_id}:0"),
    ]


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard minus its feedback row, once the person has voted."""
    if markup is None:
        return None
    rows = [
        list(row)
        for row in markup.inline_keyboard
        if not any(str(b.callback_data or "").startswith("f:") for b in row)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def start_keyboard(content: Content) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(_label(content.entry(e).question), callback_data=f"a:{e}")
        for e in content.popular
    ]
    rows = [[b] for b in buttons]
    rows.append([InlineKeyboardButton(content.ui["reminders_button"], callback_data="r")])
    return InlineKeyboardMarkup(rows)


def topics_page(content: Content, page: int) -> InlineKeyboardMarkup:
    """The keyboard for one page of topics (clamped to a valid page)."""
    entries = content.entries
    pages = max(1, -(-len(entries) // TOPICS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    chunk = entries[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
    rows = [[_question_button(Choice(e.id, e.question))] for e in chunk]
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton("‹ " + content.ui["previous_page"], callback_data=f"t:{page - 1}")
        )
    if page < pages - 1:
        nav.append(
            InlineKeyboardButton(content.ui["next_page"] + " ›", callback_data=f"t:{page + 1}")
        )
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)
