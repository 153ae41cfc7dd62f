"""Telegram adapter for reminders: commands, button presses and the dispatcher's sender.

All the rules live in `ReminderConversation` and `Dispatcher`; this module only
turns updates into calls and answers into messages.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.reminders.conversation import Answer, ReminderAction, ReminderConversation
from bot.reminders.delivery import Send, SendResult, SendSummary
from bot.reminders.people import Summary
from bot.reminders.store import Occurrence
from bot.reminders.zones import zone_at
from bot.telegram.callbacks import is_reminder_action, reminder_action
from bot.telegram.keyboards import inline_button
from bot.telegram.send import send_html
from bot.telegram.services import services

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]

log = logging.getLogger(__name__)


def keyboard(answer: Answer) -> InlineKeyboardMarkup | None:
    if not answer.buttons:
        return None
    return InlineKeyboardMarkup(
        [[inline_button(b.label, b.action) for b in row] for row in answer.buttons]
    )


async def reminder_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/remind, /reminders, /unremind, /timezone, /history, /stop, /forget."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not message.text:
        return
    svc = services(context)
    desk = svc.reminders
    if message.chat.type != ChatType.PRIVATE:
        answer = desk.private_only()
    else:
        name = message.text.split()[0].lstrip("/").split("@")[0].lower()
        args = " ".join(context.args or [])
        answer = desk.command(name, user.id, args, svc.clock(), user.language_code)
    await send_answer(context.bot, message.chat.id, answer)


async def send_answer(bot: Bot, chat_id: int, answer: Answer) -> None:
    """The answer's text with its buttons, or its file (the history as CSV)."""
    if answer.document is not None:
        doc = answer.document
        await bot.send_document(
            chat_id, doc.data, filename=doc.filename, caption=doc.caption[:1024]
        )
    if answer.text:
        await send_html(bot, chat_id, [html.escape(answer.text)], keyboard(answer))


async def location_shared(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A location in a private chat: its time zone, found offline, becomes the person's."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.location is None:
        return
    svc = services(context)
    place = message.location
    # Off the event loop: the first lookup loads timezonefinder's data (~0.1 s).
    zone = await asyncio.to_thread(zone_at, place.latitude, place.longitude)
    answer = svc.reminders.located(user.id, zone, svc.clock())
    await send_answer(context.bot, message.chat.id, answer)


def typed_place(fallback: Callback) -> Callback:
    """Private text after "type a city": a place sets the zone; anything else goes to `fallback`.

    Emergency triage sees every message first: one that it flags, or that
    reads as a question rather than a place, is answered by `fallback` (the
    FAQ) and the bot keeps waiting for the city.
    """

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        user = update.effective_user
        svc = services(context)
        if message is None or user is None or not message.text:
            return await fallback(update, context)
        desk = svc.reminders
        if not desk.awaiting_place(user.id, svc.clock()):
            return await fallback(update, context)
        verdict = await asyncio.to_thread(svc.engine.assess, message.text)
        if verdict.category is not None or verdict.unwell:
            return await fallback(update, context)
        answer = desk.typed_place(user.id, message.text, svc.clock(), user.language_code)
        if answer is None:
            return await fallback(update, context)
        await send_answer(context.bot, message.chat.id, answer)

    return handle


async def reminder_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every reminder button (see `is_reminder_action`): the core decides, we edit."""
    query = update.callback_query
    action = reminder_action(query.data) if query is not None else None
    if action is None:
        return
    svc = services(context)
    await press_reminder_button(update, action, svc.reminders, svc.clock())


class ReminderButtons(CallbackQueryHandler[Any, None]):
    """Presses of reminder buttons only (a `pattern` would also take a press without data)."""

    def check_update(self, update: object) -> bool:
        query = update.callback_query if isinstance(update, Update) else None
        return query is not None and is_reminder_action(query.data)


def reminder_handlers(text_fallback: Callback) -> list[BaseHandler[Any, Any, Any]]:
    """What the composition root adds, in this order, before the FAQ's own handlers.

    `text_fallback` answers the private texts that are not a typed city.
    """
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        ReminderButtons(reminder_button),
        MessageHandler(private & filters.LOCATION, location_shared),
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, typed_place(text_fallback)),
    ]


async def welcome_back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any update from a person shows they unblocked us: resume paused reminders."""
    if update.effective_user is not None:
        svc = services(context)
        svc.reminders.resume(update.effective_user.id, svc.clock())


async def press_reminder_button(
    update: Update,
    action: ReminderAction,
    desk: ReminderConversation,
    now: datetime,
) -> None:
    """A parsed reminder button (see `bot.telegram.callbacks`): the core decides, we edit."""
    query = update.callback_query
    if query is None or update.effective_user is None:
        return
    answer = desk.press(update.effective_user.id, action, now)
    await query.answer(answer.toast[:200] or None)
    if not isinstance(query.message, Message):
        return
    if answer.text:
        await query.message.edit_text(
            html.escape(answer.text), parse_mode=ParseMode.HTML, reply_markup=keyboard(answer)
        )
    elif query.message.reply_markup is not None:
        await query.message.edit_reply_markup(None)


def reminder_sender(bot: Bot, desk: ReminderConversation) -> Send:
    """The dispatcher's send callback: one reminder message, mapped to a SendResult."""

    async def send(occ: Occurrence, late: bool) -> SendResult:
        what = f"Reminder {occ.reminder.id}"
        return await _deliver(bot, occ.reminder.user_id, desk.message(occ, late), what)

    return send


def summary_sender(bot: Bot, desk: ReminderConversation) -> SendSummary:
    """The dispatcher's callback for weekly summaries."""

    async def send(summary: Summary) -> SendResult:
        what = f"Weekly summary for {summary.user_id}"
        return await _deliver(bot, summary.user_id, desk.message(summary, False), what)

    return send


async def _deliver(bot: Bot, chat_id: int, answer: Answer, what: str) -> SendResult:
    try:
        await send_html(bot, chat_id, [html.escape(answer.text)], keyboard(answer))
    except Forbidden:
        log.info("%s: the person blocked the bot; pausing", what)
        return SendResult.BLOCKED
    except BadRequest as exc:  # e.g. chat not found: retrying cannot help
        log.warning("%s refused (%s); pausing", what, exc)
        return SendResult.BLOCKED
    except TelegramError as exc:
        log.warning("%s not sent (%s); retrying next tick", what, exc)
        return SendResult.FAILED
    return SendResult.SENT
