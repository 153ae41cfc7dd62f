"""The durable inbox: every update is kept in SQLite before Telegram is told it arrived.

Why: python-telegram-bot confirms a batch (the next getUpdates offset, or a
webhook's 200) long before it handles it, and keeps it only in memory, so a
kill -9 lost hundreds of questions. Here each update is written first, by
update_id; the confirmation goes out only after the write; the update is
marked done once handled; on start, what is not done is handled first. A
re-delivered update (same update_id) is dropped, so nothing is answered
twice except in the window between Telegram accepting a reply and the
done mark a moment later.

When the database cannot be written (locked for long, read-only, disk
full), the update is answered anyway without being kept: answers come
first. Handled updates keep only their id and arrival time (the text is
erased), for a day, to recognise re-deliveries; /forget erases pending ones.

Its own connection and thread: a slow statistics write never holds up the
confirmation of new updates.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.storage.db import transaction

log = logging.getLogger(__name__)
# Telegram keeps an unconfirmed update for 24 hours: a done id older than that cannot come back.
KEEP_DONE = timedelta(days=1)
# An update waits at most this long for a locked database before it is answered unkept.
BUSY_TIMEOUT_MS = 500
# After a failed write, updates go straight through (unkept) this long before the next try,
# so a database locked for seconds costs one wait, not one per batch.
RETRY_AFTER_SECONDS = 5.0
# Handled ids older than KEEP_DONE are deleted at start and then this often while running.
PRUNE_EVERY_SECONDS = 3600.0


class Inbox:
    """The `inbox` table, used from one thread (see bot.storage.runner.DbRunner)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` dates the rows; `monotonic` times the pause after a failed write."""
        self.conn = conn
        self.clock = clock
        self.monotonic = monotonic
        self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # whatever it was opened with
        self._unmarked: set[int] = set()  # handled, but the done mark could not be written yet
        self._failing = False  # logged once per outage, not per update
        self._retry_at: float | None = None  # in an outage: no write is tried before this
        self._prune_at = self.monotonic() + PRUNE_EVERY_SECONDS

    def admit(self, updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The updates to handle: each new one written first; re-deliveries left out.

        If the write fails, every update is returned (answered, not kept).
        """
        if self._resting():
            return updates
        ids = [_update_id(u) for u in updates]
        try:
            with transaction(self.conn):
                known = self._known([i for i in ids if i is not None])
                fresh = [u for u, i in zip(updates, ids, strict=True) if i not in known]
                received = self.clock().astimezone(UTC).isoformat()
                self.conn.executemany(
                    "INSERT OR IGNORE INTO inbox (update_id, received, raw) VALUES (?, ?, ?)",
                    [
                        (i, received, json.dumps(u, ensure_ascii=True))
                        for u, i in zip(updates, ids, strict=True)
                        if i is not None and i not in known
                    ],
                )
        except sqlite3.Error as exc:
            self._trouble("keep new updates", exc)
            return updates
        self._recovered()
        return fresh

    def _known(self, ids: list[int]) -> set[int]:
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(f"SELECT update_id FROM inbox WHERE update_id IN ({marks})", ids)
        return {int(row[0]) for row in rows}

    def done(self, update_ids: Iterable[int]) -> None:
        """Mark handled (the text erased); a mark that cannot be written is retried next time."""
        self._unmarked.update(update_ids)
        if not self._unmarked or self._resting():
            return
        batch = sorted(self._unmarked)
        try:
            with transaction(self.conn):
                self.conn.executemany(
                    "UPDATE inbox SET done = 1, raw = '' WHERE update_id = ?",
                    [(i,) for i in batch],
                )
        except sqlite3.Error as exc:
            self._trouble("mark updates handled", exc)
            return
        self._unmarked.difference_update(batch)
        self._recovered()
        if self.monotonic() >= self._prune_at:  # a bot that runs for weeks keeps a day only
            self.prune()

    def pending(self, limit: int = 10_000) -> list[dict[str, Any]]:
        """Updates kept but not handled (a crash or a stop left them), oldest first."""
        rows = self.conn.execute(
            "SELECT raw FROM inbox WHERE done = 0 ORDER BY update_id LIMIT ?", (limit,)
        ).fetchall()
        found: list[dict[str, Any]] = []
        for (raw,) in rows:
            try:
                update = json.loads(raw)
            except ValueError:
                continue
            if isinstance(update, dict):
                found.append(update)
        return found

    def prune(self) -> int:
        """Forget handled ids older than a day; returns how many went."""
        self._prune_at = self.monotonic() + PRUNE_EVERY_SECONDS
        cutoff = (self.clock() - KEEP_DONE).astimezone(UTC).isoformat()
        try:
            cur = self.conn.execute("DELETE FROM inbox WHERE done = 1 AND received < ?", (cutoff,))
        except sqlite3.Error as exc:
            self._trouble("prune handled updates", exc)
            return 0
        return cur.rowcount

    def _resting(self) -> bool:
        """In an outage, until the next try is due."""
        return self._retry_at is not None and self.monotonic() < self._retry_at

    def _trouble(self, what: str, exc: sqlite3.Error) -> None:
        if not self._failing:
            log.error("Inbox: cannot %s (%s); answering without keeping updates", what, exc)
        self._failing = True
        self._retry_at = self.monotonic() + RETRY_AFTER_SECONDS

    def _recovered(self) -> None:
        if self._failing:
            log.warning("Inbox: the database can be written again; updates are kept again")
        self._failing = False
        self._retry_at = None


def _update_id(update: dict[str, Any]) -> int | None:
    value = update.get("update_id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None
