"""Updates python-telegram-bot cannot parse, set aside so they block nobody.

Why: PTB parses a getUpdates batch as a whole. One update it cannot read
(a poll_answer without poll_id, a message whose date is a string) fails the
batch, the offset never moves, and the bot polls the same batch forever,
answering no one and logging every person's text at CRITICAL. Each update is
tried on its own instead; one that fails is kept in the `dead_letters` table
(update_id, time, error class, the JSON as received) for someone to look at,
and logged once without its content.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update

from bot.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Poison:
    """One update that cannot be parsed: what is kept of it."""

    update_id: int | None
    error: str  # the exception's class name: never the content
    raw: str  # the update as received, as ASCII-only JSON (always storable)

    @classmethod
    def of(cls, raw: Any, error: str) -> Poison:
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            update_id = None
        return cls(update_id, error, json.dumps(raw, ensure_ascii=True))


def parse_error(update: Any) -> str | None:
    """The class name of the error PTB raises parsing this update, or None if it parses."""
    try:
        if not isinstance(update, dict):
            raise TypeError("an update must be a JSON object")
        Update.de_json(update, None)
    except Exception as exc:  # whatever PTB raises: the point is not to crash on it
        return type(exc).__name__
    return None


class DeadLetters:
    """The `dead_letters` table; a repeated update_id is kept once.

    `run` runs the write on the thread that owns `conn` (the inbox's), so a
    locked database never holds up the event loop; None: written in place.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        clock: Clock,
        run: Callable[[Callable[[Poison], None], Poison], Awaitable[None]] | None = None,
    ) -> None:
        self.conn = conn
        self.clock = clock
        self.run = run

    async def keep(self, poison: Poison) -> None:
        """`put`, on the owning thread when there is one."""
        if self.run is None:
            self.put(poison)
        else:
            await self.run(self.put, poison)

    def put(self, poison: Poison) -> None:
        """Keep it and log one line (update_id and error class only); never raises."""
        log.warning(
            "Update %s cannot be parsed (%s): skipped, kept in dead_letters",
            poison.update_id,
            poison.error,
        )
        try:
            self.conn.execute(
                "INSERT OR IGNORE INTO dead_letters (update_id, at, error, raw)"
                " VALUES (?, ?, ?, ?)",
                (poison.update_id, self.clock().isoformat(), poison.error, poison.raw),
            )
        except sqlite3.Error as exc:  # a full disk must not stop everyone else being served
            log.error("Could not keep update %s in dead_letters: %s", poison.update_id, exc)
