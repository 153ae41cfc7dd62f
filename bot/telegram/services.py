"""What the Telegram handlers share, built once by the composition root.

Its own module so that every handler module can import it without a cycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from telegram.ext import ContextTypes

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.faq.engine import Engine
from bot.faq.followup import LastTopics
from bot.reminders.conversation import ReminderConversation
from bot.storage.bookkeeping import Bookkeeper, Job, describe
from bot.storage.runner import DbRunner
from bot.storage.stats import StatsStore
from bot.telegram.flood import FloodGate

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class Services:
    """What the handlers need, built once by the composition root."""

    engine: Engine
    store: StatsStore
    settings: Settings
    flood: FloodGate
    reminders: ReminderConversation
    db: DbRunner  # the one thread for the shared connection: work a reply needs
    books: Bookkeeper  # best-effort writes on their own thread and connection
    reader: DbRunner  # cheap reads on a read-only connection: never wait for a writer
    clock: Clock = system_clock
    monotonic: Callable[[], float] = time.monotonic
    topics: LastTopics = field(default_factory=LastTopics)  # memory only, per chat
    wishes: LastTopics = field(default_factory=LastTopics)  # 👎 given: the next message explains
    reloading: asyncio.Lock = field(default_factory=asyncio.Lock)  # one /reload at a time
    loop: asyncio.AbstractEventLoop | None = None  # where the bookkeeping thread reports to

    def book(self, job: Job) -> None:
        """A write nobody waits for (statistics, "seen", resume): queued, never blocking."""
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
        self.books.submit(job)

    async def peek(self, fn: Callable[..., T], *args: object) -> T:
        """A cheap read (bot.storage.peek) on the reader's own connection and thread."""
        return await self.reader.run(fn, self.reader.conn, *args)

    async def needed(self, fn: Callable[..., T], *args: object) -> T:
        """Database work a reply needs, on the database thread.

        Raises sqlite3.OperationalError (locked, read-only, disk full) after
        ending any transaction the failure left open, so the next work starts clean.
        """
        return await self.db.run(_guarded, self.store.conn, fn, args)

    def close(self) -> None:
        """Finish the queued bookkeeping, then stop the database thread."""
        self.books.close()
        self.db.close()
        self.reader.close()
        self.reader.conn.close()

    def use(self, engine: Engine) -> None:
        """Answer from `engine` (reloaded content) from now on: FAQ and reminder texts.

        Two assignments with no await between them, so no handler on the event
        loop sees the new engine with the old reminder texts; a handler already
        running finishes with the engine it took.
        """
        desk = ReminderConversation(
            engine.content, self.reminders.store, self.reminders.default_zone
        )
        self.engine = engine
        self.reminders = desk


def _guarded(conn: sqlite3.Connection, fn: Callable[..., T], args: tuple[object, ...]) -> T:
    try:
        return fn(*args)
    except sqlite3.OperationalError as exc:
        log.warning("Database work for a reply failed: %s", describe(exc))
        if conn.in_transaction:  # a failed COMMIT (disk full) leaves it open
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    found: Services = context.bot_data["services"]
    return found
