"""Thin Telegram handlers: unpack the update, ask the engine, send the reply.

No decisions about health content are made here; that is the engine's job.
Handlers find their collaborators in `context.bot_data["services"]`.
"""

from __future__ import annotations

import asyncio
import html
import logging
import sqlite3
from collections.abc import Callable

from telegram import Bot, Message, Update
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
from bot.telegram.errors import admin_report
from bot.telegram.flood import Verdict
from bot.telegram.keyboards import reply_keyboard, start_keyboard, topics_page, without_feedback
from bot.telegram.reload import RELOAD_ERRORS, reload_content
from bot.telegram.reminder_handlers import press_reminder_button
from bot.telegram.render import TELEGRAM_LIMIT, html_parts
from bot.telegram.send import send_html
from bot.telegram.services import Services, services
from bot.telegram.surface import deep_link_entry

log = logging.getLogger(__name__)


async def send_reply(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    svc = services(context)
    chat = update.effective_chat
    if chat is None:
        return
    markup = reply_keyboard(reply, svc.engine.content)
    await send_html(context.bot, chat.id, html_parts(reply), markup)


def remember_topic(svc: Services, chat_id: int, reply: Reply) -> None:
    """The chat's last answered entry, for follow-ups ("and at night?"); memory only."""
    if reply.kind is Kind.ANSWER and reply.entry_id:
        svc.topics.remember(chat_id, reply.entry_id, svc.monotonic())


def record(svc: Services, update: Update, reply: Reply, question: str) -> None:
    """Statistics, best-effort and queued: a busy, read-only or full database never costs
    anyone an answer, nor delays it."""
    user = update.effective_user
    user_id = user.id if user is not None else None
    kind = reply.kind.value
    unanswered = reply.kind in (Kind.FALLBACK, Kind.NOT_COVERED)
    unsure = reply.outcome() if reply.kind is Kind.CLARIFY or reply.unsure else ""
    store, at = svc.store, svc.clock()
    svc.book(
        lambda conn: store.on(conn, at).record_reply(
            user_id, kind, question, unanswered=unanswered, unsure=unsure
        )
    )


def record_wish(svc: Services, entry_id: str, text: str) -> None:
    """What someone looked for after a 👎 on `entry_id`, kept beside the unanswered."""
    store, at = svc.store, svc.clock()
    svc.book(lambda conn: store.on(conn, at).record_unsure(text, f"not helpful: {entry_id}"))


def seen(svc: Services, user_id: int) -> None:
    """Count a person once ("Users" in /stats): queued, as statistics are."""
    store, at = svc.store, svc.clock()
    svc.book(lambda conn: store.on(conn, at).seen_user(user_id))


def admin_notifier(bot: Bot, svc: Services) -> Callable[[str], None]:
    """For the bookkeeping thread: its one report per outage goes to the admins from the
    event loop, as the error handler's reports do."""

    def notify(problem: str) -> None:
        loop = svc.loop
        if loop is None or loop.is_closed() or not svc.settings.admin_chat_ids:
            return
        report = admin_report(problem, "", 0)
        loop.call_soon_threadsafe(lambda: loop.create_task(_tell_admins(bot, svc, report)))

    return notify


async def _tell_admins(bot: Bot, svc: Services, report: str) -> None:
    for admin in svc.settings.admin_chat_ids:
        try:
            await bot.send_message(admin, report, parse_mode=ParseMode.HTML)
        except Exception:  # a report must never cause another report
            log.warning("Could not send the database report to admin %s", admin)


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
    """The welcome; a deep link (`t.me/<bot>?start=<entry id>`) opens that answer instead."""
    svc = services(context)
    engine = svc.engine  # taken once: a /reload meanwhile cannot mix two contents
    content = engine.content
    if update.effective_user is not None:
        seen(svc, update.effective_user.id)
    entry_id = deep_link_entry(context.args, content)
    if entry_id is not None:
        reply = engine.answer_entry(entry_id)
        await send_reply(update, context, reply)
        if update.effective_chat is not None:
            remember_topic(svc, update.effective_chat.id, reply)
        record(svc, update, reply, entry_id)
        return
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


async def admin_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The chat id when an admin asks; anyone else is told the command is for admins."""
    user = update.effective_user
    chat = update.effective_chat
    if chat is None:
        return None
    svc = services(context)
    if user is None or user.id not in svc.settings.admin_chat_ids:
        await context.bot.send_message(chat.id, svc.engine.content.ui.admin_only)
        return None
    return chat.id


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    chat_id = await admin_chat(update, context)
    if chat_id is None:
        return
    try:
        report = await svc.needed(format_stats, svc.store)
    except sqlite3.OperationalError:
        await context.bot.send_message(chat_id, svc.engine.content.ui.not_saved)
        return
    books = svc.books
    if books.dropped or books.failed:
        report += f"\nStatistics lost (database busy or full): {books.dropped + books.failed}"
    await send_html(context.bot, chat_id, [html.escape(report)])


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload (admins): content/faq.yaml again, without a restart; bad content is kept out."""
    svc = services(context)
    chat_id = await admin_chat(update, context)
    if chat_id is None:
        return
    ui = svc.engine.content.ui
    try:
        engine = await reload_content(svc, context.bot)
    except RELOAD_ERRORS as exc:
        problem = ui.reload_failed.format(problem=exc)
        await context.bot.send_message(chat_id, problem[:TELEGRAM_LIMIT])
        return
    done = engine.content.ui.reload_done.format(entries=len(engine.content.entries))
    await context.bot.send_message(chat_id, done)


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
    chat_id = message.chat.id
    last = svc.topics.get(chat_id, svc.monotonic())
    reply = await asyncio.to_thread(svc.engine.reply, text, hint, last)
    await send_reply(update, context, reply)  # the answer first; bookkeeping never delays it
    remember_topic(svc, chat_id, reply)
    record(svc, update, reply, text)
    disliked = svc.wishes.get(chat_id, svc.monotonic())
    if disliked is not None:
        svc.wishes.forget(chat_id)
        record_wish(svc, disliked, text)


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
            await press_reminder_button(update, action, svc)
            forgotten = isinstance(action, ConfirmForget) and action.yes
            if forgotten and update.effective_chat is not None:
                svc.topics.forget(update.effective_chat.id)  # the last topic goes too
                svc.wishes.forget(update.effective_chat.id)
        case ShowAnswer(entry_id) if content.has_entry(entry_id):
            await query.answer()
            reply = svc.engine.answer_entry(entry_id)
            await send_reply(update, context, reply)
            if update.effective_chat is not None:
                remember_topic(svc, update.effective_chat.id, reply)
            record(svc, update, reply, entry_id)
        case Feedback(entry_id, helpful) if content.has_entry(entry_id):
            user_id = update.effective_user.id if update.effective_user else 0
            try:
                fresh = await svc.needed(svc.store.record_feedback, user_id, entry_id, helpful)
            except sqlite3.OperationalError:
                await query.answer(content.ui.not_saved)
                return
            await query.answer(content.ui.feedback_thanks if fresh else content.ui.feedback_already)
            message = query.message
            if fresh and isinstance(message, Message):
                await message.edit_reply_markup(without_feedback(message.reply_markup))
                if not helpful:
                    # The next message says what was missing: for content authors, no id kept.
                    svc.wishes.remember(message.chat.id, entry_id, svc.monotonic())
                    await context.bot.send_message(message.chat.id, content.ui.feedback_ask)
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
