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
# Admins hear about errors, but a burst must not flood them: at most this many
# reports a minute; the rest are counted and the next report says how many.
REPORTS_PER_MINUTE = 3
MAX_DETAIL_CHARS = 500


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
    suppressed = _admit(context.bot_data, svc.monotonic())
    if suppressed is None:
        return
    report = admin_report(redact(repr(error)), where, suppressed)
    for admin in svc.settings.admin_chat_ids:
        try:
            await context.bot.send_message(admin, report, parse_mode=ParseMode.HTML)
        except Exception:  # a report must never cause another report
            log.warning("Could not send the error report to admin %s", admin)


def admin_report(detail: str, where: str, suppressed: int) -> str:
    """The report's HTML: the detail cut as plain text, then escaped, so the cut never
    falls inside an entity ("&am") and Telegram never refuses the report."""
    if len(detail) > MAX_DETAIL_CHARS:
        detail = detail[: MAX_DETAIL_CHARS - 1] + "…"
    report = f"<b>Bot error</b>{html.escape(where)}\n<code>{html.escape(detail)}</code>"
    if suppressed:
        report += f"\n({suppressed} more since the last report, not sent to keep this quiet)"
    return report


def _admit(bot_data: dict[str, object], now: float) -> int | None:
    """None when this minute's reports are used up (the error is counted); otherwise how
    many were held back before this one."""
    state = bot_data.setdefault("admin_reports", {"sent": [], "held": 0})
    assert isinstance(state, dict)
    sent = [t for t in state["sent"] if now - t < 60.0]
    if len(sent) >= REPORTS_PER_MINUTE:
        state["sent"] = sent
        state["held"] += 1
        return None
    held = int(state["held"])
    state["sent"] = [*sent, now]
    state["held"] = 0
    return held


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
