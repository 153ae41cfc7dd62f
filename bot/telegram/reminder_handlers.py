"""Telegram adapter for reminders: commands, button presses and the dispatcher's sender.

All the rules live in `ReminderConversation` and `Dispatcher`; this module only
turns updates into calls and answers into messages.
"""

from __future__ import annotations

import asyncio
import html
import logging
import sqlite3
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.reminders.conversation import Answer, ReminderAction, ReminderConversation
from bot.reminders.delivery import Send, SendResult, SendSummary
from bot.reminders.people import Summary
from bot.reminders.store import Occurrence
from bot.reminders.zones import zone_at
from bot.storage.peek import has_paused_reminders, may_be_typing_a_place
from bot.storage.runner import DbRunner
from bot.telegram.callbacks import is_reminder_action, reminder_action
from bot.telegram.keyboards import inline_button
from bot.telegram.send import send_html
from bot.telegram.services import Services, services

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]

log = logging.getLogger(__name__)
# Both run before a question is answered: past these, the question goes on without them.
RESUME_WAIT_SECONDS = 0.5
PLACE_CHECK_SECONDS = 1.0


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
    answer: Answer | None
    if message.chat.type != ChatType.PRIVATE:
        answer = desk.private_only()
    else:
        name = message.text.split()[0].lstrip("/").split("@")[0].lower()
        args = " ".join(context.args or [])
        now, language = svc.clock(), user.language_code
        answer = await needed(svc, desk.command, name, user.id, args, now, language)
    await send_answer(context.bot, message.chat.id, answer)


async def needed(svc: Services, fn: Callable[..., Answer | None], *args: object) -> Answer | None:
    """The core's answer, worked out on the database thread; when the database cannot take
    the change (locked, read-only, disk full), a short "try again" instead of silence."""
    try:
        return await svc.needed(fn, *args)
    except sqlite3.OperationalError:
        return Answer(svc.engine.content.ui.not_saved)


async def send_answer(bot: Bot, chat_id: int, answer: Answer | None) -> None:
    """The answer's text with its buttons, or its file (the history as CSV)."""
    if answer is None:
        return
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
    answer = await needed(svc, svc.reminders.located, user.id, zone, svc.clock())
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
        try:  # a cheap read first; a database slow to say is answered as a question
            waiting = await svc.peek(may_be_typing_a_place, user.id)
            if waiting:
                check = svc.needed(desk.awaiting_place, user.id, svc.clock())
                waiting = await asyncio.wait_for(check, PLACE_CHECK_SECONDS)
        except (TimeoutError, sqlite3.OperationalError):
            waiting = False
        if not waiting:
            return await fallback(update, context)
        verdict = await asyncio.to_thread(svc.engine.assess, message.text)
        if verdict.category is not None or verdict.unwell:
            return await fallback(update, context)
        now, language = svc.clock(), user.language_code
        answer = await needed(svc, desk.typed_place, user.id, message.text, now, language)
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
    await press_reminder_button(update, action, services(context))


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
    """Any update from a person shows they unblocked us: resume paused reminders.

    Runs before every update, so it never holds one up for long: a cheap read
    on a connection that never waits for a writer, then, only when something
    is paused, the resume on the database thread, waited for at most
    RESUME_WAIT_SECONDS; when the database is busy it is left for the next message.
    """
    if update.effective_user is None:
        return
    svc = services(context)
    user_id = update.effective_user.id
    try:
        if not await svc.peek(has_paused_reminders, user_id):
            return
        resume = svc.needed(svc.reminders.resume, user_id, svc.clock())
        await asyncio.wait_for(resume, RESUME_WAIT_SECONDS)
    except (TimeoutError, sqlite3.OperationalError):
        log.debug("Reminders not resumed now (database busy); next message tries again")


async def press_reminder_button(update: Update, action: ReminderAction, svc: Services) -> None:
    """A parsed reminder button (see `bot.telegram.callbacks`): the core decides, we edit."""
    query = update.callback_query
    if query is None or update.effective_user is None:
        return
    user_id = update.effective_user.id
    answer = await needed(svc, svc.reminders.press, user_id, action, svc.clock())
    if answer is None:
        return
    await query.answer(answer.toast[:200] or None)
    if not isinstance(query.message, Message):
        return
    if answer.text:
        await query.message.edit_text(
            html.escape(answer.text), parse_mode=ParseMode.HTML, reply_markup=keyboard(answer)
        )
    elif query.message.reply_markup is not None:
        await query.message.edit_reply_markup(None)


def reminder_sender(bot: Bot, desk: ReminderConversation, db: DbRunner) -> Send:
    """The dispatcher's send callback: one reminder message, mapped to a SendResult.

    The message reads the database (doses left, the streak): on `db`'s thread.
    """

    async def send(occ: Occurrence, late: bool) -> SendResult:
        what = f"Reminder {occ.reminder.id}"
        try:
            answer = await db.run(desk.message, occ, late)
        except sqlite3.Error as exc:  # nothing was sent: the next tick tries again
            log.warning("%s not sent (%s); retrying next tick", what, exc)
            return SendResult.FAILED
        if occ.repeat:  # an earlier send timed out and may have arrived: say so
            title, _, rest = answer.text.partition("\n")
            text = "\n".join(part for part in (title, desk.t.maybe_duplicate, rest) if part)
            answer = Answer(text, answer.buttons, answer.toast, answer.document)
        return await _deliver(bot, occ.reminder.user_id, answer, what)

    return send


def summary_sender(bot: Bot, desk: ReminderConversation, db: DbRunner) -> SendSummary:
    """The dispatcher's callback for weekly summaries (read on `db`'s thread)."""

    async def send(summary: Summary) -> SendResult:
        what = f"Weekly summary for {summary.user_id}"
        try:
            answer = await db.run(desk.message, summary, False)
        except sqlite3.Error as exc:
            log.warning("%s not sent (%s); retrying next tick", what, exc)
            return SendResult.FAILED
        return await _deliver(bot, summary.user_id, answer, what)

    return send


async def _deliver(bot: Bot, chat_id: int, answer: Answer, what: str) -> SendResult:
    """Send once; a timeout is UNSURE (Telegram may have accepted it), never retried here."""
    try:
        await send_html(
            bot, chat_id, [html.escape(answer.text)], keyboard(answer), retry_timeouts=False
        )
    except TimedOut as exc:
        log.warning("%s timed out (%s); it may have arrived", what, exc)
        return SendResult.UNSURE
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
