"""The one error handler: log with context, tell admins briefly, never crash."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot.logs import redact
from bot.telegram.services import Services

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one error handler: log with context, tell admins briefly, never crash."""
    error = context.error
    where = ""
    if isinstance(update, Update):
        chat = update.effective_chat
        where = f" (update {update.update_id}, chat {chat.id if chat else '-'})"
    if isinstance(error, Forbidden):
        log.info("Cannot send%s: the person blocked the bot or left", where)
        return
    if isinstance(error, BadRequest):
        log.warning("Telegram refused a request%s: %s", where, error)
    else:
        log.error("Error while handling an update%s", where, exc_info=error)
    svc = context.bot_data.get("services")
    if not isinstance(svc, Services) or not svc.settings.admin_chat_ids:
        return
    detail = html.escape(redact(repr(error)))[:500]
    report = f"<b>Bot error</b>{html.escape(where)}\n<code>{detail}</code>"
    for admin in svc.settings.admin_chat_ids:
        try:
            await context.bot.send_message(admin, report, parse_mode=ParseMode.HTML)
        except Exception:  # a report must never cause another report
            log.warning("Could not send the error report to admin %s", admin)
