"""Cheap reads that decide whether an update needs the database thread at all.

Why: the database thread may be stuck behind a write waiting for another
process's lock (up to its busy timeout). Checks made before EVERY update
(paused reminders to resume, a city being typed) must not queue behind it:
in WAL mode a reader never waits for a writer, so these run on a read-only
connection of their own and only a "maybe" goes on to the database thread.

Standard library only, and `bot.storage.db` for the connection.
"""

from __future__ import annotations

import sqlite3

from bot.storage.db import another_connection

READ_BUSY_TIMEOUT_MS = 200  # readers wait only while a checkpoint or recovery holds the file


def open_reader(path: str) -> sqlite3.Connection:
    """A connection that only reads the bot's (already opened and migrated) file."""
    conn = another_connection(path, READ_BUSY_TIMEOUT_MS)
    conn.execute("PRAGMA query_only=ON")
    return conn


def has_paused_reminders(conn: sqlite3.Connection, user_id: int) -> bool:
    """Whether a resume could change anything for this person."""
    row = conn.execute(
        "SELECT 1 FROM reminders WHERE user_id = ? AND paused = 1 LIMIT 1", (user_id,)
    ).fetchone()
    return row is not None


def may_be_typing_a_place(conn: sqlite3.Connection, user_id: int) -> bool:
    """Whether they pressed "type a city" at some point (the core checks how lately)."""
    row = conn.execute(
        "SELECT 1 FROM pending_reminders WHERE user_id = ? AND typing = 1", (user_id,)
    ).fetchone()
    return row is not None
