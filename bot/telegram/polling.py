"""The getUpdates connection: poison updates set aside, text cleaned, a revoked token stops.

Why here: this is the one place that sees each getUpdates answer before
python-telegram-bot parses it, and each request before it is sent. So it
can clean every string (bot.telegram.clean), try each update on its own and
set aside one that cannot be parsed (bot.telegram.poison), and confirm it
by moving the next request's offset past it when no later update does.

A 401 or 404 means the token was revoked (or the bot deleted): PTB would
log a traceback and stop polling while the process lives on, answering no
one. Instead it is one log line and `on_fatal` (the application stops and
the process exits non-zero, for a supervisor to restart or alert). Every
other error goes to PTB, which retries with backoff.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.telegram.clean import clean_json, may_need_cleaning
from bot.telegram.poison import DeadLetters, Poison, parse_error
from bot.telegram.request import AiohttpRequest

log = logging.getLogger(__name__)
NO_UPDATES = b'{"ok": true, "result": []}'
FATAL_STATUSES = (401, 404)
# Once fatal, polls wait this long and get nothing, until the stop cancels them.
FATAL_PAUSE_SECONDS = 0.5


class PollingRequest(AiohttpRequest):
    """An AiohttpRequest for getUpdates only (PTB's `get_updates_request`)."""

    def __init__(self, timeout: float, dead_letters: DeadLetters) -> None:
        super().__init__(1, timeout)
        self.dead_letters = dead_letters
        self.fatal: str | None = None  # the one line logged, once the token is refused
        self.on_fatal: Callable[[], None] = lambda: None
        self._skip_to = 0  # the lowest offset that confirms every update set aside

    def json_body(self, request_data: RequestData) -> bytes:
        params = request_data.json_parameters
        if self._skip_to and int(params.get("offset") or 0) < self._skip_to:
            params["offset"] = str(self._skip_to)
        return json.dumps(params).encode()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self.fatal:
            await asyncio.sleep(FATAL_PAUSE_SECONDS)
            return 200, NO_UPDATES
        status, body = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if status in FATAL_STATUSES and url.endswith("/getUpdates"):
            self._refused(status, body)
            return 200, NO_UPDATES
        if status != 200:
            return status, body
        return status, self._screen(body)

    def _refused(self, status: int, body: bytes) -> None:
        try:
            description = str(json.loads(body).get("description") or "")
        except (ValueError, AttributeError):
            description = ""
        self.fatal = (
            f"Telegram answered {status} {description[:100]!r} to getUpdates: the bot token "
            "was revoked or the bot deleted; stopping (get a new token from @BotFather)"
        )
        log.critical("%s", self.fatal)
        self.on_fatal()

    def _screen(self, body: bytes) -> bytes:
        """The answer with every string cleaned and unparseable updates set aside."""
        try:
            answer = json.loads(body)
        except ValueError:
            return body  # PTB reports a broken answer and retries
        updates = answer.get("result") if isinstance(answer, dict) else None
        if not isinstance(updates, list):
            return body
        cleaning = may_need_cleaning(body)
        kept: list[Any] = []
        for raw in updates:
            update = clean_json(raw) if cleaning else raw
            error = parse_error(update)
            if error is None:
                kept.append(update)
                continue
            poison = Poison.of(raw, error)
            self.dead_letters.put(poison)
            if poison.update_id is not None:
                self._skip_to = max(self._skip_to, poison.update_id + 1)
        if not cleaning and len(kept) == len(updates):
            return body  # the usual answer, passed on as it came
        answer["result"] = kept
        return json.dumps(answer).encode()
