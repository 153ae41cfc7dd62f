"""The database: opening, schema migrations, transactions, and /forget.

Standard library only, WAL mode, one connection per process. The file is
created owner-only because it holds chat ids. The schema is versioned with
`PRAGMA user_version` and migrated forward at start-up. Every table that
holds something about one person is listed in PERSONAL_TABLES, so /forget
reaches all of them.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MIGRATIONS: list[str] = [
    # 1: feedback and statistics
    """
    CREATE TABLE users (
        user_id INTEGER PRIMARY KEY,
        first_seen TEXT NOT NULL
    );
    CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        n INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE feedback (
        user_id INTEGER NOT NULL,
        entry_id TEXT NOT NULL,
        helpful INTEGER NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (user_id, entry_id)
    );
    CREATE TABLE unanswered (
        question TEXT PRIMARY KEY,
        n INTEGER NOT NULL,
        last_seen TEXT NOT NULL
    );
    """,
    # 2: daily reminders; due_utc is indexed for the dispatcher's "what is due?"
    """
    CREATE TABLE reminders (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        at TEXT NOT NULL,
        zone TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        day TEXT NOT NULL,
        due_utc TEXT NOT NULL,
        paused INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX reminders_due ON reminders(paused, due_utc);
    CREATE INDEX reminders_user ON reminders(user_id);
    """,
    # 3: time zones, snooze (a second, one-off due instant) and taken/skipped/missed history
    """
    CREATE TABLE profiles (
        user_id INTEGER PRIMARY KEY,
        zone TEXT NOT NULL
    );
    ALTER TABLE reminders ADD COLUMN snooze_utc TEXT;
    ALTER TABLE reminders ADD COLUMN snooze_day TEXT;
    CREATE INDEX reminders_snooze ON reminders(snooze_utc) WHERE snooze_utc IS NOT NULL;
    CREATE TABLE history (
        reminder_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        day TEXT NOT NULL,
        at TEXT NOT NULL,
        status TEXT NOT NULL,
        updated TEXT NOT NULL,
        PRIMARY KEY (reminder_id, day)
    );
    CREATE INDEX history_user ON history(user_id, day);
    """,
]
# Every table that holds something about one person, for /forget.
PERSONAL_TABLES = ("feedback", "users", "reminders", "profiles", "history")


def open_database(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open (creating owner-only if new) and migrate the database at `path`."""
    if str(path) != ":memory:":
        file = Path(path)
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(file, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        os.chmod(file, 0o600)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=5000")
    migrate(conn)
    return conn


def migrate(conn: sqlite3.Connection, migrations: list[str] | None = None) -> int:
    """Apply every migration newer than the file's version; returns the new version."""
    steps = MIGRATIONS if migrations is None else migrations
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    for number, script in enumerate(steps[version:], start=version + 1):
        with transaction(conn):
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={number}")
    return max(version, len(steps))


def forget_person(conn: sqlite3.Connection, user_id: int) -> None:
    """Delete everything linked to this person, in one transaction."""
    with transaction(conn):
        for table in PERSONAL_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (autocommit connections)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
