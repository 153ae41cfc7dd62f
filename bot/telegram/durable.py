"""The durable inbox wired into python-telegram-bot (see bot.storage.inbox for why).

Three hooks: `admit` before an update is confirmed to Telegram (polling
and webhook), `finished` when the update processor is done with one, and
`replay` at start-up, which queues what a crash or a stop left unhandled
ahead of anything new. Done marks are batched on the inbox's own thread and
never awaited by a handler, so they cost a reply nothing.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.clock import Clock
from bot.storage.inbox import Inbox
from bot.storage.runner import DbRunner
from bot.telegram.poison import DeadLetters

log = logging.getLogger(__name__)


class DurableInbox:
    """An Inbox on its own database thread, for the event loop."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self._runner = DbRunner(inbox.conn)
        self._finished: list[int] = []
        self._flushing: asyncio.Task[None] | None = None

    def dead_letters(self, clock: Clock) -> DeadLetters:
        """The dead-letter table on the inbox's connection and thread."""
        return DeadLetters(self.inbox.conn, clock, run=self._runner.run)

    async def admit(self, updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The updates to hand to PTB: new ones, each written before this returns."""
        if not updates:
            return updates
        return await self._runner.run(self.inbox.admit, updates)

    def finished(self, update_id: int) -> None:
        """Called by the update processor; the mark is written soon, in a batch."""
        self._finished.append(update_id)
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        while self._finished:
            batch, self._finished = self._finished, []
            await self._runner.run(self.inbox.done, batch)

    async def replay(self, app: Application[Any, Any, Any, Any, Any, Any]) -> int:
        """Queue the updates left unhandled by the last run; returns how many."""
        await self._runner.run(self.inbox.prune)
        try:
            pending = await self._runner.run(self.inbox.pending)
        except sqlite3.Error as exc:  # they stay kept: the next start tries again
            log.error("Cannot read the updates left by the last run (%s); serving new ones", exc)
            return 0
        queued = 0
        for data in pending:
            try:
                update = Update.de_json(data, app.bot)
            except Exception:  # kept before parsing: the poison screen runs first, but be safe
                await self._runner.run(self.inbox.done, [int(data.get("update_id", 0))])
                continue
            await app.update_queue.put(update)
            queued += 1
        if queued:
            log.info("Handling %d update(s) left unhandled by the last run first", queued)
        return queued

    async def close(self) -> None:
        """Write the last done marks and release the thread."""
        if self._flushing is not None:
            await self._flushing
        await self._flush()
        self._runner.close()
        self.inbox.conn.close()
