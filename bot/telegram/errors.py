"""The one error handler: log with context, tell admins briefly, never crash."""

from __future__ import annotations

import html
import logging
import time

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.logs import redact
from bot.telegram.services import Services

log = logging.getLogger(__name__)
# A failing getUpdates is retried with backoff (1 s growing to 30 s) for as long
# as it fails: one line per kind of error at most this often, never a traceback.
POLLING_LOG_EVERY_SECONDS = 60.0


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one error handler: log with context, tell admins briefly, never crash."""
    error = context.error
    from_polling = update is None and context.job is None and context.coroutine is None
    if from_polling and isinstance(error, TelegramError):  # PTB retries getUpdates by itself
        polling_error(error, context.bot_data)
        return
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


def polling_error(error: TelegramError, bot_data: dict[str, object]) -> None:
    """One clear line for a failing getUpdates, not a traceback per retry.

    409 Conflict means another process polls with the same token: this one
    keeps polling (with PTB's backoff) and takes over when the other stops.
    """
    kind = type(error).__name__
    logged = bot_data.setdefault("polling_errors_logged", {})
    assert isinstance(logged, dict)
    now = time.monotonic()
    if now - logged.get(kind, -POLLING_LOG_EVERY_SECONDS) < POLLING_LOG_EVERY_SECONDS:
        return
    logged[kind] = now
    if isinstance(error, Conflict):
        log.warning(
            "409 Conflict on getUpdates: another process is polling with this token; "
            "retrying with backoff until it stops (this line at most once a minute)"
        )
    else:
        log.warning("getUpdates failed (%s: %s); retrying with backoff", kind, redact(str(error)))
