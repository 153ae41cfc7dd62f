"""One thread for the database, so SQLite never blocks the event loop.

Why: a locked file (another process writing), a slow disk or a busy
timeout would otherwise freeze every conversation at once. Work on the
shared connection is handed to a single worker thread, which also keeps
transactions from interleaving (one statement at a time, in order).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class DbRunner:
    """Runs database work for `conn` on its one thread; `await runner.run(fn, *args)`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` on the database thread; its exception is raised here."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    def close(self) -> None:
        """Wait for the work in hand, then stop the thread."""
        self._executor.shutdown(wait=True)
