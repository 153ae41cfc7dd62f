"""The update processor: concurrent across chats, in order within one chat."""

from __future__ import annotations

import asyncio
import inspect
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatProcessor(BaseUpdateProcessor):
    """Concurrent across chats, strictly in order within one chat.

    Many people are served at once, but one person's quick questions are
    answered in the order they were asked. `finished(update_id)` is told
    about each update handled (the durable inbox marks it done). After
    `stop_taking()`, updates not yet started are left alone, for the inbox to
    hand to the next run: a stop finishes what is in hand, not a long queue.
    """

    def __init__(
        self,
        max_concurrent_updates: int = 256,
        finished: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.finished = finished
        self.stopping = False
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._users: defaultdict[int, int] = defaultdict(int)

    def stop_taking(self) -> None:
        """From now on, updates not started yet are skipped (and stay pending)."""
        self.stopping = True

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        key = chat.id if chat is not None else 0
        self._users[key] += 1
        try:
            async with self._locks[key]:
                if self.stopping:
                    if inspect.iscoroutine(coroutine):
                        coroutine.close()
                    return
                await coroutine
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]
        if self.finished is not None and isinstance(update, Update):
            self.finished(update.update_id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
