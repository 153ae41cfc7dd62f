"""Thin Telegram handlers: unpack the update, ask the engine, send the reply.

No decisions about health content are made here; that is the engine's job.
Handlers find their collaborators in `context.bot_data["services"]`.
"""

from __future__ import annotations

import asyncio
import html
import logging
import sqlite3

from telegram import Message, Update
from telegram.constants import ChatType, MessageEntityType, ParseMode
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.faq.reply import Kind, Reply
from bot.storage.stats import format_stats
from bot.telegram.callbacks import (
    ConfirmForget,
    Feedback,
    MarkReminder,
    RemindersHelp,
    RemoveReminder,
    ShowAnswer,
    TopicsPage,
    parse,
)
from bot.telegram.flood import Verdict
from bot.telegram.keyboards import reply_keyboard, start_keyboard, topics_page, without_feedback
from bot.telegram.reminder_handlers import press_reminder_button
from bot.telegram.render import html_parts
from bot.telegram.send import send_html
from bot.telegram.services import Services, services

log = logging.getLogger(__name__)


async def send_reply(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    svc = services(context)
    chat = update.effective_chat
    if chat is None:
        return
    markup = reply_keyboard(reply, svc.engine.content)
    await send_html(context.bot, chat.id, html_parts(reply), markup)


def record(svc: Services, update: Update, reply: Reply, question: str) -> None:
    """Statistics, best-effort: a busy or read-only database never costs anyone an answer."""
    try:
        _record(svc, update, reply, question)
    except sqlite3.Error as exc:
        log.warning("statistics not recorded: %s", type(exc).__name__)


def _record(svc: Services, update: Update, reply: Reply, question: str) -> None:
    user = update.effective_user
    if user is not None:
        svc.store.seen_user(user.id)
    svc.store.count(reply.kind.value)
    if reply.kind in (Kind.FALLBACK, Kind.NOT_COVERED):
        svc.store.record_unanswered(question)
    elif reply.kind is Kind.CLARIFY or reply.unsure:
        svc.store.record_unsure(question, reply.outcome())


# -- gatekeeping ------------------------------------------------------------


async def flood_guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler: over-eager senders are asked to slow down."""
    user = update.effective_user
    if user is None:
        return
    svc = services(context)
    verdict = svc.flood.check(user.id, svc.monotonic())
    if verdict is Verdict.ALLOW:
        return
    if verdict is Verdict.WARN and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, svc.engine.content.ui.slow_down)
    if update.callback_query is not None:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


def _addressed_text(message: Message, bot_id: int, username: str) -> str | None:
    """The text meant for the bot, or None when a group message is not for us."""
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return text
    mention = f"@{username}".lower()
    for entity in message.entities:
        if entity.type == MessageEntityType.MENTION:
            fragment = message.parse_entity(entity)
            if fragment.lower() == mention:
                return text.replace(fragment, " ").strip()
    return None


# -- commands ---------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    content = svc.engine.content
    if update.effective_user is not None:
        svc.store.seen_user(update.effective_user.id)
    caveats = " ".join(content.caveats)
    text = f"{html.escape(content.ui.welcome)}\n\n<i>{html.escape(caveats)}</i>"
    if update.effective_chat is not None:
        await send_html(context.bot, update.effective_chat.id, [text], start_keyboard(content))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    content = services(context).engine.content
    text = f"{html.escape(content.ui.help)}\n\n{html.escape(content.ui.help_commands)}"
    if update.effective_chat is not None:
        await send_html(context.bot, update.effective_chat.id, [text])


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    content = services(context).engine.content
    markup = topics_page(content, 0)
    if update.effective_chat is not None:
        text = html.escape(content.ui.topics)
        await send_html(context.bot, update.effective_chat.id, [text], markup)


async def dose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    reply = svc.engine.answer_entry(svc.engine.content.dose_entry)
    await send_reply(update, context, reply)
    record(svc, update, reply, "/dose")


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    user = update.effective_user
    chat = update.effective_chat
    if chat is None:
        return
    if user is None or user.id not in svc.settings.admin_chat_ids:
        await context.bot.send_message(chat.id, svc.engine.content.ui.admin_only)
        return
    await send_html(context.bot, chat.id, [html.escape(format_stats(svc.store))])


# -- messages ---------------------------------------------------------------


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """New and edited text messages get the engine's reply."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = _addressed_text(message, context.bot.id, context.bot.username)
    if text is None:
        return
    svc = services(context)
    # Off the event loop: with the semantic layer on, a message costs a few ms of
    # model time (onnxruntime releases the GIL), and other chats keep being served.
    user = update.effective_user
    hint = user.language_code if user is not None else None
    reply = await asyncio.to_thread(svc.engine.reply, text, hint)
    await send_reply(update, context, reply)  # the answer first; bookkeeping never delays it
    record(svc, update, reply, text)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return  # in groups, stay quiet about photos and stickers
    await context.bot.send_message(message.chat.id, services(context).engine.content.ui.non_text)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every button press is acknowledged with answerCallbackQuery, whatever it was."""
    query = update.callback_query
    if query is None:
        return
    svc = services(context)
    content = svc.engine.content
    match parse(query.data):
        case MarkReminder() | RemoveReminder() | ConfirmForget() as action:
            await press_reminder_button(update, action, svc.reminders, svc.clock())
        case ShowAnswer(entry_id) if content.has_entry(entry_id):
            await query.answer()
            reply = svc.engine.answer_entry(entry_id)
            await send_reply(update, context, reply)
            record(svc, update, reply, entry_id)
        case Feedback(entry_id, helpful) if content.has_entry(entry_id):
            user_id = update.effective_user.id if update.effective_user else 0
            fresh = svc.store.record_feedback(user_id, entry_id, helpful)
            await query.answer(content.ui.feedback_thanks if fresh else content.ui.feedback_already)
            message = query.message
            if fresh and isinstance(message, Message):
                await message.edit_reply_markup(without_feedback(message.reply_markup))
        case TopicsPage(page):
            markup = topics_page(content, page)
            await query.answer()
            if isinstance(query.message, Message):
                await query.message.edit_text(
                    html.escape(content.ui.topics), parse_mode=ParseMode.HTML, reply_markup=markup
                )
        case RemindersHelp():
            await query.answer()
            if update.effective_chat is not None:
                text = html.escape(content.ui.reminders_intro)
                await send_html(context.bot, update.effective_chat.id, [text])
        case _:  # not ours, malformed, or an entry the content no longer has
            await query.answer(content.ui.unknown_button)
