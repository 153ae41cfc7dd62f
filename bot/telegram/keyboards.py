"""Inline keyboards for the FAQ: question buttons, sharing, feedback, /start and /topics.

Every callback_data comes from `bot.telegram.callbacks.encode`, which keeps it
within Telegram's 64 bytes (entry ids are capped at 48 characters by content
validation).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.faq.content import Content
from bot.faq.reply import Choice, Kind, Reply
from bot.telegram.callbacks import (
    Feedback,
    Payload,
    RemindersHelp,
    ShowAnswer,
    TopicsPage,
    encode,
    parse,
)

TOPICS_PER_PAGE = 8
MAX_BUTTON_TEXT = 60
MAX_INLINE_QUERY = 256  # Telegram's longest inline query text


def inline_button(label: str, payload: Payload) -> InlineKeyboardButton:
    """An inline button whose press comes back as `payload`."""
    return InlineKeyboardButton(label, callback_data=encode(payload))


def _label(text: str) -> str:
    return text if len(text) <= MAX_BUTTON_TEXT else text[: MAX_BUTTON_TEXT - 1] + "…"


def _question_button(choice: Choice) -> InlineKeyboardButton:
    return inline_button(_label(choice.question), ShowAnswer(choice.entry_id))


def reply_keyboard(reply: Reply, content: Content) -> InlineKeyboardMarkup | None:
    """Related questions and feedback under answers; choices under clarify/fallback."""
    rows: list[list[InlineKeyboardButton]] = []
    if reply.kind is Kind.ANSWER and reply.entry_id:
        rows.extend([_question_button(c)] for c in reply.related)
        if reply.title:
            rows.append([share_button(reply.title, content)])
        rows.append(feedback_row(reply.entry_id, content))
    elif reply.kind in (Kind.CLARIFY, Kind.FALLBACK):
        rows.extend([_question_button(c)] for c in reply.choices)
    return InlineKeyboardMarkup(rows) if rows else None


def share_button(question: str, content: Content) -> InlineKeyboardButton:
    """Share an answer: pick a chat, and inline mode offers this question's answer first."""
    return InlineKeyboardButton(
        content.ui.share_button, switch_inline_query=question[:MAX_INLINE_QUERY]
    )


def feedback_row(entry_id: str, content: Content) -> list[InlineKeyboardButton]:
    return [
        inline_button("👍 " + content.ui.helpful, Feedback(entry_id, helpful=True)),
        inline_button("👎 " + content.ui.not_helpful, Feedback(entry_id, helpful=False)),
    ]


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard minus its feedback row, once the person has voted."""
    if markup is None:
        return None
    rows = [
        list(row)
        for row in markup.inline_keyboard
        if not any(isinstance(_payload(b), Feedback) for b in row)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def _payload(b: InlineKeyboardButton) -> Payload | None:
    data = b.callback_data
    return parse(data) if isinstance(data, str) else None


def start_keyboard(content: Content) -> InlineKeyboardMarkup:
    buttons = [
        inline_button(_label(content.entry(e).question), ShowAnswer(e)) for e in content.popular
    ]
    rows = [[b] for b in buttons]
    rows.append([inline_button(content.ui.reminders_button, RemindersHelp())])
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
        nav.append(inline_button("‹ " + content.ui.previous_page, TopicsPage(page - 1)))
    if page < pages - 1:
        nav.append(inline_button(content.ui.next_page + " ›", TopicsPage(page + 1)))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)
