"""Composition root: builds the Telegram Application and runs it.

Everything is wired here and only here: settings, content, storage, the
rate limiter, handlers and the error handler. `make run` and the end-to-end
tests both come through `run_bot`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import signal
import sys
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.clock import Clock, ClockFileError, file_clock, system_clock
from bot.config import Settings
from bot.faq.engine import Engine
from bot.logs import redact, setup_logging
from bot.reminders.conversation import COMMANDS as REMINDER_COMMANDS
from bot.reminders.conversation import ReminderConversation
from bot.reminders.delivery import Dispatcher, Send, SendResult
from bot.reminders.store import ReminderStore
from bot.storage.bookkeeping import Bookkeeper
from bot.storage.db import DatabaseError, another_connection, open_database
from bot.storage.inbox import Inbox
from bot.storage.lease import Lease
from bot.storage.peek import open_reader
from bot.storage.runner import DbRunner
from bot.storage.stats import StatsStore
from bot.telegram import faq_handlers as h
from bot.telegram import surface, webhook
from bot.telegram.durable import DurableInbox
from bot.telegram.errors import on_error
from bot.telegram.flood import FloodGate
from bot.telegram.inline import inline_query
from bot.telegram.poison import DeadLetters
from bot.telegram.polling import PollingRequest
from bot.telegram.processor import PerChatProcessor
from bot.telegram.reload import reload_on_signal
from bot.telegram.reminder_handlers import (
    reminder_command,
    reminder_handlers,
    reminder_sender,
    summary_sender,
    welcome_back,
)
from bot.telegram.request import AiohttpRequest
from bot.telegram.services import Services

log = logging.getLogger(__name__)
TOKEN_SHAPE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
WEBHOOK_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Telegram allows about 30 messages/s. Pacing at 29 leaves room for network
# jitter: at exactly 30/s, measured at the server, a 1 s window sometimes held 31.
SEND_RATE_PER_SECOND = 29
# 8 connections carry far more than Telegram's 30 messages/s even at 100 ms
# per request; a bigger pool only costs memory and bookkeeping.
CONNECTION_POOL_SIZE = 8
MAX_CONCURRENT_UPDATES = 64
# `kill -HUP <pid>` reloads content/faq.yaml as /reload does (not on Windows).
RELOAD_SIGNAL: signal.Signals | None = getattr(signal, "SIGHUP", None)
# /stats waits at most this long for the statistics still queued, then shows what is saved.
STATS_FLUSH_SECONDS = 1.0
# A stop finishes the updates in hand and leaves the queue in the inbox for the next start.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# The update types the handlers use; Telegram sends no others (less traffic, less to keep).
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
    Update.MY_CHAT_MEMBER,  # unblocking the bot resumes reminders (welcome_back)
]


def check_settings(settings: Settings) -> str | None:
    """A one-line problem with the Telegram settings, or None."""
    if not settings.token or not TOKEN_SHAPE.match(settings.token):
        return (
            "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters); "
            "copy it again from @BotFather"
        )
    if settings.webhook_url and not WEBHOOK_SECRET_SHAPE.match(settings.webhook_secret or ""):
        return "WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
    return None


async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Start-up work once the bot is connected: the profile and menu; SIGHUP reloads content."""
    svc: Services = app.bot_data["services"]
    inbox: DurableInbox | None = app.bot_data.get("inbox")
    if inbox is not None:
        await inbox.replay(app)  # queued ahead of anything new
    await surface.publish(app.bot, svc.engine.content)
    loop = asyncio.get_running_loop()
    if RELOAD_SIGNAL is not None:
        loop.add_signal_handler(
            RELOAD_SIGNAL, lambda: app.create_task(reload_on_signal(svc, app.bot))
        )
    processor: PerChatProcessor = app.bot_data["processor"]
    for stop_signal in STOP_SIGNALS:  # replaces PTB's handler: the same stop, minus the queue
        loop.add_signal_handler(stop_signal, lambda: _stop(app, processor))
    # Everything built so far (content, indexes, PTB) lives as long as the
    # process: keep it out of the cyclic collector so a full collection does
    # not pause every conversation.
    gc.collect()
    gc.freeze()
    log.info("Bot @%s is up with %d FAQ entries", app.bot.username, len(svc.engine.content.entries))


def _stop(app: Application[Any, Any, Any, Any, Any, Any], processor: PerChatProcessor) -> None:
    processor.stop_taking()
    stop_serving = app.bot_data.get(webhook.STOP_KEY)
    if stop_serving is not None:
        stop_serving()  # webhook mode: ends bot.telegram.webhook.serve
    else:
        app.stop_running()  # polling: ends run_polling's loop


async def post_stop(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Updates are done: let reminder sends in flight finish and be recorded."""
    if RELOAD_SIGNAL is not None:
        asyncio.get_running_loop().remove_signal_handler(RELOAD_SIGNAL)
    dispatcher: Dispatcher = app.bot_data["dispatcher"]
    await dispatcher.close()
    inbox: DurableInbox | None = app.bot_data.get("inbox")
    if inbox is not None:
        await inbox.close()


def current_reminder_sender(bot: Bot, svc: Services) -> Send:
    """The dispatcher's sender, with the reminder texts of the content in use at each send
    (a /reload swaps them)."""

    async def send(item: Any, late: bool) -> SendResult:  # whatever the dispatcher hands over
        return await reminder_sender(bot, svc.reminders, svc.db)(item, late)

    return send


async def kick_reminders(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The periodic JobQueue trigger; the dispatcher drains in its own task."""
    dispatcher: Dispatcher = context.bot_data["dispatcher"]
    dispatcher.kick()


def build_application(
    settings: Settings,
    engine: Engine,
    store: StatsStore,
    clock: Clock = system_clock,
    request: BaseRequest | None = None,
    inbox: DurableInbox | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The whole Telegram bot, wired; nothing is sent until it runs.

    `request` replaces the HTTP backend (the in-process tests pass an offline one).
    `inbox` keeps every update until it is handled (run_bot passes one).
    """
    assert settings.token, "check_settings() first"
    admit = inbox.admit if inbox is not None else None
    polling = PollingRequest(
        settings.http_timeout_seconds,
        inbox.dead_letters(clock) if inbox is not None else DeadLetters(store.conn, clock),
        admit=admit,
    )
    processor = PerChatProcessor(
        MAX_CONCURRENT_UPDATES, finished=inbox.finished if inbox is not None else None
    )
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .concurrent_updates(processor)
        .request(request or AiohttpRequest(CONNECTION_POOL_SIZE, settings.http_timeout_seconds))
        .get_updates_request(request or polling)
        .post_init(post_init)
        .post_stop(post_stop)
    )
    if settings.api_base_url:
        base = settings.api_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.replace("/bot", "/file/bot", 1))
    if settings.send_rate_limit:
        builder = builder.rate_limiter(
            AIORateLimiter(  # type: ignore[arg-type]
                # A bucket of one, refilled SEND_RATE_PER_SECOND times a second: no bursts.
                overall_max_rate=1,
                overall_time_period=1 / SEND_RATE_PER_SECOND,
                group_max_rate=20,
                group_time_period=60,
                max_retries=3,
            )
        )
    app = builder.build()
    polling.on_fatal = app.stop_running  # a revoked token: stop, run_bot exits non-zero
    app.bot_data["polling"] = polling
    app.bot_data["processor"] = processor
    app.bot_data["inbox"] = inbox
    nudge_after = timedelta(minutes=settings.reminder_nudge_minutes)
    reminders = ReminderStore(store.conn, nudge_after=nudge_after)
    desk = ReminderConversation(engine.content, reminders, ZoneInfo(settings.default_timezone))
    svc = Services(
        engine=engine,
        store=store,
        settings=settings,
        flood=FloodGate(settings.rate_limit_per_minute),
        reminders=desk,
        db=DbRunner(store.conn),  # work a reply needs, off the event loop
        books=Bookkeeper(settings.database_path),  # statistics: best-effort, never in the way
        reader=DbRunner(open_reader(settings.database_path)),  # checks before every update
        clock=clock,
    )
    svc.books.set_notify(h.admin_notifier(app.bot, svc))
    store.before_read = lambda: svc.books.flush(STATS_FLUSH_SECONDS)
    app.bot_data["services"] = svc
    app.bot_data["dispatcher"] = Dispatcher(
        reminders,
        current_reminder_sender(app.bot, svc),
        timedelta(minutes=settings.reminder_grace_minutes),
        clock,
        send_summary=lambda summary: summary_sender(app.bot, svc.reminders, svc.db)(summary),
        # Real time, not `clock`: the lease is about this process being alive.
        lease=Lease(
            store.conn,
            "reminders",
            timedelta(seconds=settings.reminder_lease_seconds),
            system_clock,
        ),
        db=svc.db.run,  # store and lease work on the database thread, never the event loop
    )
    assert app.job_queue is not None, "python-telegram-bot[job-queue] is a dependency"
    app.job_queue.run_repeating(
        kick_reminders, interval=settings.reminder_tick_seconds, first=0.1, name="reminders"
    )
    app.add_handler(TypeHandler(Update, welcome_back), group=-2)
    # Inline queries come one per keystroke and cost one lexical match; Telegram
    # rate-limits and caches them itself. Placed before the flood gate in its
    # group, they are answered and never counted as messages.
    app.add_handler(InlineQueryHandler(inline_query), group=-1)
    app.add_handler(TypeHandler(Update, h.flood_guard), group=-1)
    app.add_handler(CommandHandler("start", h.start))
    app.add_handler(CommandHandler("help", h.help_command))
    app.add_handler(CommandHandler("topics", h.topics))
    app.add_handler(CommandHandler("dose", h.dose))
    app.add_handler(CommandHandler("stats", h.stats))
    app.add_handler(CommandHandler("reload", h.reload))
    app.add_handler(CommandHandler(list(REMINDER_COMMANDS), reminder_command))
    for handler in reminder_handlers(h.text_message):  # zone buttons, a typed city, locations
        app.add_handler(handler)
    app.add_handler(CallbackQueryHandler(h.button))
    app.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGES & filters.TEXT & ~filters.COMMAND, h.text_message
        )
    )
    app.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL, h.not_text
        )
    )
    app.add_error_handler(on_error)
    return app


async def verify_token(settings: Settings) -> str | None:
    """Ask the Bot API who we are once, so a bad token is one clear line, not a retry loop."""
    assert settings.token
    kwargs: dict[str, Any] = {}
    if settings.api_base_url:
        kwargs["base_url"] = settings.api_base_url.rstrip("/")
    timeout = settings.http_timeout_seconds
    request = HTTPXRequest(
        connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout, pool_timeout=timeout
    )
    try:
        async with Bot(settings.token, request=request, **kwargs) as bot:
            await bot.get_me()
    except InvalidToken:
        return (
            "Telegram rejected TELEGRAM_BOT_TOKEN (revoked or mistyped); "
            "get a new one from @BotFather"
        )
    except TelegramError as exc:
        return f"cannot reach the Telegram Bot API: {redact(str(exc), (settings.token,))}"
    return None


def run_bot(settings: Settings, engine: Engine) -> int:
    """Run until SIGINT/SIGTERM; a clear one-line error and non-zero exit on bad setup."""
    setup_logging(settings.log_level, secrets=(settings.token or "",))
    problem = check_settings(settings)
    if problem:
        sys.stderr.write(f"error: {problem}\n")
        return 2
    try:
        clock = file_clock(settings.clock_file) if settings.clock_file else system_clock
    except ClockFileError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    try:  # before the network: a bad DATABASE_PATH is found even offline
        conn = open_database(settings.database_path, create_folder=settings.creates_database_folder)
    except DatabaseError as exc:
        sys.stderr.write(f"error: DATABASE_PATH: {exc}\n")
        return 2
    store = StatsStore(conn, clock=clock, retention_days=settings.unanswered_retention_days)
    svc: Services | None = None
    try:
        problem = asyncio.run(verify_token(settings))
        if problem:
            sys.stderr.write(f"error: {problem}\n")
            return 1
        inbox = DurableInbox(Inbox(another_connection(settings.database_path), clock))
        app = build_application(settings, engine, store, clock, inbox=inbox)
        svc = app.bot_data["services"]
        if settings.webhook_url:
            asyncio.run(webhook.serve(app, settings, ALLOWED_UPDATES, STOP_SIGNALS))
        else:
            app.run_polling(allowed_updates=ALLOWED_UPDATES)
            if app.bot_data["polling"].fatal:
                return 1  # already logged, one line
    except TelegramError as exc:
        sys.stderr.write(f"error: Telegram Bot API: {redact(str(exc), (settings.token or '',))}\n")
        return 1
    except DatabaseError as exc:  # one line, as at the first open
        sys.stderr.write(f"error: DATABASE_PATH: {exc}\n")
        return 2
    finally:
        if svc is not None:
            svc.close()  # the queued statistics first, then the database thread
        store.conn.close()
    return 0
