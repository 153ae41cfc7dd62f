"""Webhook mode: a small aiohttp server in front of the Application, and its lifecycle.

Why not PTB's `run_webhook` (tornado): it read each request body whole
before checking the secret (eight parallel 90 MiB bodies without the secret
took the process to 834 MiB) and answered invalid JSON with a 500 and a
traceback. Here, in this order:

- anything but a POST to the webhook path is 404/405 (aiohttp's routing);
- the secret header is checked before a byte of the body is read: 403;
- a body over 1 MiB is 413, from its Content-Length or, when chunked, as soon
  as the read passes the cap (never read whole);
- a body that is not a JSON object is 400 and one log line;
- then the same screen as polling (bot.telegram.polling.screen): strings
  cleaned, an update PTB cannot parse kept in dead_letters (and answered 200,
  so Telegram does not retry it forever), a new update written to the
  durable inbox before the 200 goes out (a re-delivery is left out), and
  only then handed to PTB's update queue.

Refusals (403, 413) close the connection, so an unread body is never drained.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.telegram.clean import may_need_cleaning
from bot.telegram.polling import PollingRequest, screen

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few KiB; a message of 4096 characters with entities stays far below.
MAX_BODY_BYTES = 1024 * 1024
READ_CHUNK_BYTES = 64 * 1024
# A stop waits this long for requests in flight (each one only writes to the inbox).
SHUTDOWN_SECONDS = 5.0
# A wrong secret is logged at WARNING at most this often (a scan must not flood the log).
REFUSAL_LOG_SECONDS = 60.0
# Set by `serve`: called (by app.py's stop-signal handler) to end the serve loop.
STOP_KEY = "stop_serving"

AnyApp = Application[Any, Any, Any, Any, Any, Any]


class WebhookEndpoint:
    """The one route: checks, then the shared screen, then PTB's update queue."""

    def __init__(self, app: AnyApp, secret: str) -> None:
        self.app = app
        self.secret = secret.encode()
        polling: PollingRequest = app.bot_data["polling"]  # the same dead letters and inbox
        self.dead_letters = polling.dead_letters
        self.admit = polling.admit
        self._refusal_logged = -REFUSAL_LOG_SECONDS

    async def handle(self, request: web.Request) -> web.StreamResponse:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            self._log_refusal(request)
            return _refuse(403)
        length = request.content_length
        if length is not None and length > MAX_BODY_BYTES:
            log.warning("Webhook request of %d bytes refused (413)", length)
            return _refuse(413)
        body = await _read_capped(request)
        if body is None:
            log.warning("Webhook request over %d bytes refused (413)", MAX_BODY_BYTES)
            return _refuse(413)
        try:
            update = json.loads(body)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            update = None
        if not isinstance(update, dict):
            log.warning("Webhook request whose body is not a JSON object: answered 400")
            return web.Response(status=400)
        screened = await screen(
            [update], may_need_cleaning(body), self.dead_letters, self.admit
        )  # written to the inbox (or set aside) before the 200 below
        for data in screened.admitted:
            await self.app.update_queue.put(Update.de_json(data, self.app.bot))
        return web.Response()

    def _log_refusal(self, request: web.Request) -> None:
        now = time.monotonic()
        quiet = now - self._refusal_logged < REFUSAL_LOG_SECONDS
        if not quiet:
            self._refusal_logged = now
        log.log(
            logging.DEBUG if quiet else logging.WARNING,
            "Webhook request from %s without the right %s refused (403); check WEBHOOK_SECRET",
            request.remote,
            SECRET_HEADER,
        )


def _refuse(status: int) -> web.Response:
    """A refusal that closes the connection: the body left unread is never drained."""
    response = web.Response(status=status)
    response.force_close()
    return response


async def _read_capped(request: web.Request) -> bytes | None:
    """The body, or None as soon as it passes MAX_BODY_BYTES (chunked bodies included)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(READ_CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def web_app(app: AnyApp, settings: Settings) -> web.Application:
    """The aiohttp application: POST on the webhook URL's path, nothing else."""
    assert settings.webhook_url and settings.webhook_secret, "check_settings() first"
    endpoint = WebhookEndpoint(app, settings.webhook_secret)
    server = web.Application(client_max_size=MAX_BODY_BYTES)
    server.router.add_post("/" + urlsplit(settings.webhook_url).path.strip("/"), endpoint.handle)
    return server


async def serve(
    app: AnyApp,
    settings: Settings,
    allowed_updates: list[str],
    stop_signals: Sequence[signal.Signals],
) -> None:
    """The lifecycle `run_webhook` had: initialize, post_init, listen, setWebhook, start;
    serve until a stop signal; then stop listening, stop, post_stop, shutdown."""
    assert settings.webhook_url
    stopping = asyncio.Event()
    app.bot_data[STOP_KEY] = stopping.set
    loop = asyncio.get_running_loop()
    for stop_signal in stop_signals:  # until post_init installs the app's own handlers
        loop.add_signal_handler(stop_signal, stopping.set)
    runner: web.AppRunner | None = None
    try:
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        if stopping.is_set():
            return
        runner = web.AppRunner(
            web_app(app, settings), access_log=None, shutdown_timeout=SHUTDOWN_SECONDS
        )
        await runner.setup()
        await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
        await app.bot.set_webhook(
            url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=allowed_updates,
        )
        await app.start()
        log.info(
            "Webhook server listening on %s:%d", settings.webhook_listen, settings.webhook_port
        )
        await stopping.wait()
    finally:
        if runner is not None:
            await runner.cleanup()  # no new requests; those in flight finish
        if app.running:
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
