"""Telegram adapter for reminders: commands, button presses and the dispatcher's sender.

All the rules live in `ReminderConversation` and `Dispatcher`; this module only
turns updates into calls and answers into messages.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime

from telegram import Bot, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.reminders.conversation import Answer, ReminderAction, ReminderConversation
from bot.reminders.delivery import Send, SendResult
from bot.reminders.store import Occurrence
from bot.telegram.keyboards import inline_button
from bot.telegram.send import send_html
from bot.telegram.services import services

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
        answer = desk.command(name, user.id, " ".join(context.args or []), svc.clock())
    await send_html(context.bot, message.chat.id, [html.escape(answer.text)], keyboard(answer))


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
        answer = desk.message(occ, late)
        chat_id = occ.reminder.user_id
        try:
            await send_html(bot, chat_id, [html.escape(answer.text)], keyboard(answer))
        except Forbidden:
            log.info("Reminder %d: the person blocked the bot; pausing", occ.reminder.id)
            return SendResult.BLOCKED
        except BadRequest as exc:  # e.g. chat not found: retrying cannot help
            log.warning("Reminder %d refused (%s); pausing", occ.reminder.id, exc)
            return SendResult.BLOCKED
        except TelegramError as exc:
            log.warning("Reminder %d not sent (%s); retrying next tick", occ.reminder.id, exc)
            return SendResult.FAILED
        return SendResult.SENT

    return send
