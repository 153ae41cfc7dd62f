"""The getUpdates connection: poison updates set aside, text cleaned, a revoked token stops.

Why here: this is the one place that sees each getUpdates answer before
python-telegram-bot parses it, and each request before it is sent. So it
can clean every string (bot.telegram.clean), try each update on its own and
set aside one that cannot be parsed (bot.telegram.poison), keep the others
in the durable inbox before the next request's offset confirms them
(bot.telegram.durable; a re-delivered one is dropped), and confirm what it
left out by moving that offset past it when no later update does.

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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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


Admit = Callable[[list[Any]], Awaitable[list[Any]]]


@dataclass(frozen=True)
class Screened:
    """What became of a batch of updates (see `screen`)."""

    admitted: list[Any]  # new, parseable, kept in the inbox: to hand to PTB
    left_out: list[object]  # the update_ids of the rest: poison, or already known


async def screen(
    updates: list[Any], cleaning: bool, dead_letters: DeadLetters, admit: Admit | None
) -> Screened:
    """Each update cleaned (when `cleaning`), tried on its own, and set aside in
    `dead_letters` if it cannot be parsed; the rest go through `admit` (the durable
    inbox, which writes new ones before it returns). Polling and webhook mode both
    come through here before they confirm anything to Telegram."""
    kept: list[Any] = []
    left_out: list[object] = []
    for raw in updates:
        update = clean_json(raw) if cleaning else raw
        error = parse_error(update)
        if error is None:
            kept.append(update)
            continue
        poison = Poison.of(raw, error)
        await dead_letters.keep(poison)
        left_out.append(poison.update_id)
    admitted = await admit(kept) if admit is not None else kept
    handed = {id(update) for update in admitted}
    left_out += [update.get("update_id") for update in kept if id(update) not in handed]
    return Screened(admitted, left_out)


class PollingRequest(AiohttpRequest):
    """An AiohttpRequest for getUpdates only (PTB's `get_updates_request`)."""

    def __init__(
        self,
        timeout: float,
        dead_letters: DeadLetters,
        admit: Admit | None = None,
    ) -> None:
        """`admit`: keeps new updates before they are confirmed; returns those to handle."""
        super().__init__(1, timeout)
        self.dead_letters = dead_letters
        self.admit = admit
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
        return status, await self._screen(body)

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

    async def _screen(self, body: bytes) -> bytes:
        """The answer with every string cleaned, unparseable updates set aside, and the
        rest kept in the inbox (re-deliveries of kept ones left out)."""
        try:
            answer = json.loads(body)
        except ValueError:
            return body  # PTB reports a broken answer and retries
        updates = answer.get("result") if isinstance(answer, dict) else None
        if not isinstance(updates, list) or not updates:
            return body
        cleaning = may_need_cleaning(body)
        screened = await screen(updates, cleaning, self.dead_letters, self.admit)
        for update_id in screened.left_out:
            self._skip_past(update_id)
        if not cleaning and len(screened.admitted) == len(updates):
            return body  # the usual answer, passed on as it came
        answer["result"] = screened.admitted
        return json.dumps(answer).encode()

    def _skip_past(self, update_id: object) -> None:
        """Confirm an update left out, even if no later one is handed to PTB."""
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            self._skip_to = max(self._skip_to, update_id + 1)
