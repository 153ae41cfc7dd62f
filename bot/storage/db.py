"""The database: opening, schema migrations, transactions, and /forget.

Standard library only, WAL mode, one connection per process. The file is
created owner-only because it holds chat ids. The schema is versioned with
`PRAGMA user_version` and migrated forward at start-up. Every table that
holds something about one person is listed in PERSONAL_TABLES, so /forget
reaches all of them.

A file the bot cannot use (a folder, not a database, a missing folder, no
permission, read-only) is a DatabaseError with a one-line message when it is
opened, so the command line can print it and stop before anything else.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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
    # 4: questions answered unsurely or with a "did you mean", for content authors (no ids)
    """
    CREATE TABLE unsure (
        question TEXT NOT NULL,
        outcome TEXT NOT NULL,
        n INTEGER NOT NULL,
        last_seen TEXT NOT NULL,
        PRIMARY KEY (question, outcome)
    );
    """,
    # 5: the reminder loop: a /remind kept while the zone is asked (at NULL: only a
    # typed city awaited; created: when they last asked), one nudge per reminder and
    # day (nudge_utc indexed for the dispatcher), per-person nudge and weekly-summary
    # choices (weekly_utc: the next summary, NULL when off), doses left from /refill
    """
    CREATE TABLE pending_reminders (
        user_id INTEGER PRIMARY KEY,
        at TEXT,
        note TEXT NOT NULL DEFAULT '',
        typing INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL
    );
    ALTER TABLE history ADD COLUMN nudge_utc TEXT;
    ALTER TABLE history ADD COLUMN nudged INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX history_nudge ON history(nudge_utc) WHERE nudge_utc IS NOT NULL;
    CREATE TABLE reminder_settings (
        user_id INTEGER PRIMARY KEY,
        nudges INTEGER NOT NULL DEFAULT 1,
        weekly_utc TEXT,
        weekly_zone TEXT
    );
    CREATE INDEX reminder_settings_weekly ON reminder_settings(weekly_utc)
        WHERE weekly_utc IS NOT NULL;
    CREATE TABLE refills (
        user_id INTEGER PRIMARY KEY,
        doses INTEGER NOT NULL,
        warned INTEGER NOT NULL DEFAULT 0,
        updated TEXT NOT NULL
    );
    """,
    # 6: updates PTB cannot parse, set aside (bot.telegram.poison); raw is the JSON as received
    """
    CREATE TABLE dead_letters (
        update_id INTEGER UNIQUE,
        at TEXT NOT NULL,
        error TEXT NOT NULL,
        raw TEXT NOT NULL
    );
    """,
    # 7: the durable inbox (bot.storage.inbox): each update kept before Telegram is told
    # it arrived; raw is emptied once it is handled, the id kept a day to drop re-deliveries
    """
    CREATE TABLE inbox (
        update_id INTEGER PRIMARY KEY,
        received TEXT NOT NULL,
        raw TEXT NOT NULL,
        done INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX inbox_pending ON inbox(done, update_id);
    """,
    # 8: reminder sends claimed before they go out (bot.reminders.delivery): one row per
    # occurrence (kind: daily, snooze or nudge; due_utc: its due instant) while it is
    # unsettled: claimed is when a send began and has no outcome yet, unsure counts the
    # sends that timed out (they may have arrived), next_utc is when it may be tried again.
    # leases (bot.storage.lease): which process may send reminders, until when.
    """
    CREATE TABLE reminder_attempts (
        reminder_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        due_utc TEXT NOT NULL,
        user_id INTEGER NOT NULL,
        day TEXT NOT NULL,
        tries INTEGER NOT NULL DEFAULT 0,
        unsure INTEGER NOT NULL DEFAULT 0,
        claimed TEXT,
        next_utc TEXT,
        updated TEXT NOT NULL,
        PRIMARY KEY (reminder_id, kind, due_utc)
    );
    CREATE INDEX reminder_attempts_user ON reminder_attempts(user_id);
    CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires TEXT NOT NULL
    );
    """,
]
# Every table that holds something about one person, for /forget.
PERSONAL_TABLES = (
    "feedback",
    "users",
    "reminders",
    "profiles",
    "history",
    "pending_reminders",
    "reminder_settings",
    "refills",
    "reminder_attempts",
)

# Tables keeping whole updates as JSON (`raw`): /forget looks inside them.
RAW_UPDATE_TABLES = ("dead_letters", "inbox")


class DatabaseError(Exception):
    """The database file cannot be used; the message is one line that names it."""


def open_database(
    path: str | os.PathLike[str], *, create_folder: bool = True, read_only: bool = False
) -> sqlite3.Connection:
    """Open (creating owner-only if new) and migrate the database at `path`.

    `create_folder=False` refuses a missing folder instead of creating it.
    `read_only=True` opens an existing file without writing anything, not
    even a migration or a WAL file (for reports). Raises DatabaseError.
    """
    file = Path(path)
    try:
        if str(path) == ":memory:":
            conn = _connect(":memory:")
        elif file.is_dir():
            raise DatabaseError(f"{file} is a folder, not a database file")
        elif read_only:
            conn = _connect_read_only(file)
        else:
            _create_file(file, create_folder)
            conn = _connect(str(file))
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseError(_explain(file, exc)) from None
    try:
        conn.execute("PRAGMA user_version").fetchone()  # the first read: is it a database?
        if not read_only:
            if file.name != ":memory:":
                os.chmod(file, 0o600)  # owner-only: it holds chat ids
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=5000")
            conn.execute("PRAGMA secure_delete=ON")  # deleted rows are zeroed, not left behind
            migrate(conn)
            conn.execute("BEGIN IMMEDIATE")  # proves it can be written, before it is needed
            conn.execute("ROLLBACK")
    except (OSError, sqlite3.Error) as exc:
        conn.close()
        raise DatabaseError(_explain(file, exc)) from None
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """How many migrations the file has had; 0 for a new or foreign database."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _create_file(file: Path, create_folder: bool) -> None:
    folder = file.parent
    if not folder.is_dir():
        if folder.exists():
            raise DatabaseError(f"{file}: {folder} is not a folder")
        if not create_folder:
            raise DatabaseError(f"{file}: the folder {folder} does not exist; create it first")
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(file, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    except FileExistsError:
        # Asked, not opened: closing a descriptor of a file SQLite has open in this
        # process would drop all its locks (see `another_connection`).
        if not os.access(file, os.R_OK | os.W_OK):
            raise PermissionError(errno.EACCES, "Permission denied", str(file)) from None
        return
    os.close(fd)


def another_connection(
    path: str | os.PathLike[str], busy_timeout_ms: int = 5000
) -> sqlite3.Connection:
    """One more connection to a database `open_database` has opened and migrated.

    Why not `open_database` again: it checks the file with os.open, and
    closing any descriptor of a database file drops every lock SQLite holds
    on it in this process (POSIX locks belong to the process). Another
    process then believes it is alone, checkpoints and deletes the WAL, and
    this process goes on writing into a deleted file nobody else can see.
    """
    conn = _connect(str(path))
    conn.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA secure_delete=ON")
    return conn


def _connect(name: str) -> sqlite3.Connection:
    return sqlite3.connect(name, isolation_level=None, check_same_thread=False)


def _connect_read_only(file: Path) -> sqlite3.Connection:
    if not file.exists():
        raise DatabaseError(f"{file} does not exist")
    uri = file.resolve().as_uri() + "?mode=ro"
    # No WAL file means no bot has it open: read the file as it is, so SQLite
    # does not leave new -wal and -shm files beside it.
    if not Path(f"{file}-wal").exists():
        uri += "&immutable=1"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def _explain(file: Path, exc: OSError | sqlite3.Error) -> str:
    """The reason the file cannot be used, as one line a person can act on."""
    if isinstance(exc, PermissionError):
        return f"{file}: permission denied (the file and its folder must be writable)"
    if isinstance(exc, OSError):
        return f"{file}: {exc.strerror or exc}"
    reason = str(exc)
    if "not a database" in reason:
        return f"{file} is not an SQLite database"
    if "readonly" in reason:
        return f"{file} is read-only (the file and its folder must be writable)"
    if "unable to open" in reason:
        return f"cannot open {file} (the file and its folder must be writable)"
    return f"{file}: {reason}"


def migrate(conn: sqlite3.Connection, migrations: list[str] | None = None) -> int:
    """Apply every migration newer than the file's version; returns the new version."""
    steps = MIGRATIONS if migrations is None else migrations
    version = schema_version(conn)
    for number, script in enumerate(steps[version:], start=version + 1):
        with transaction(conn):
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={number}")
    return max(version, len(steps))


def forget_person(conn: sqlite3.Connection, user_id: int) -> None:
    """Delete everything linked to this person, in one transaction, leaving no copy.

    secure_delete zeroes the freed bytes; the checkpoint then writes the
    pages back and truncates the write-ahead log, which still held the old
    pages with the person's rows.
    """
    conn.execute("PRAGMA secure_delete=ON")
    with transaction(conn):
        for table in PERSONAL_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
        for table in RAW_UPDATE_TABLES:
            _forget_raw_updates(conn, table, user_id)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _forget_raw_updates(conn: sqlite3.Connection, table: str, user_id: int) -> None:
    """Updates kept as raw JSON carry the person's id in no column of their own."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    if exists is None:
        return
    candidates = conn.execute(
        f"SELECT rowid, raw FROM {table} WHERE raw LIKE ?", (f"%{user_id}%",)
    ).fetchall()
    for rowid, raw in candidates:
        if _mentions(str(raw), user_id):
            conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))


def _mentions(raw: str, user_id: int) -> bool:
    """Whether any number in the JSON is the id (unparsable text: assume it is)."""
    try:
        stack: list[object] = [json.loads(raw)]
    except ValueError:
        return True
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool) and item == user_id:
            return True
    return False


class BackupError(Exception):
    """A backup cannot be made; the message is one line that names the file."""


def backup_database(
    source: str | os.PathLike[str], target: str | os.PathLike[str], *, force: bool = False
) -> int:
    """Copy the live database to `target` (owner-only) with SQLite's online backup API.

    The backup API reads one consistent snapshot even while the bot writes,
    which copying the file (and its -wal) would not. The copy is made under
    a temporary name and renamed, so a failure never leaves half a file at
    `target`. Returns the copy's size in bytes; raises BackupError.
    """
    src_path, dst_path = Path(source), Path(target)
    try:
        _check_target(dst_path, force)
    except OSError as exc:  # a name too long, a folder we may not look into
        raise BackupError(f"{dst_path}: cannot write the backup ({_reason(exc)})") from None
    src = _open_source(src_path)
    temp = dst_path.with_name(f".{dst_path.name}.{os.getpid()}.tmp")
    try:
        _copy(src, temp)
        os.replace(temp, dst_path)
    except (OSError, sqlite3.Error) as exc:
        temp.unlink(missing_ok=True)
        raise BackupError(f"{dst_path}: cannot write the backup ({_reason(exc)})") from None
    finally:
        src.close()
    return dst_path.stat().st_size


def _check_target(target: Path, force: bool) -> None:
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name for the backup")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists; add --force to overwrite it")
    if not target.parent.is_dir():
        raise BackupError(f"{target}: {target.parent} is not an existing folder")


def _open_source(source: Path) -> sqlite3.Connection:
    """The live database, read-only; never creates it when it is missing."""
    if not source.is_file():
        raise BackupError(f"{source}: no database file there (check DATABASE_PATH)")
    try:
        uri = source.resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"{source}: cannot read the database ({_reason(exc)})") from None
    return conn


def _copy(src: sqlite3.Connection, temp: Path) -> None:
    """Back up into a new owner-only file, as one self-contained file (no -wal)."""
    fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    dst = sqlite3.connect(str(temp), isolation_level=None)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("the copy failed its integrity check")
    finally:
        dst.close()


def _reason(exc: OSError | sqlite3.Error) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (autocommit connections)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error:
        # A failed COMMIT (disk full, an I/O error) leaves the transaction open, and
        # every later write on this connection would join it, unseen: end it.
        if conn.in_transaction:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
