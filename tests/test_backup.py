"""`python -m bot backup PATH`: a consistent, owner-only copy of the live database."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage.db import open_database
from tests.conftest import run_cli


def live_database(tmp_path: Path, users: int = 3) -> Path:
    db = tmp_path / "bot.sqlite3"
    conn = open_database(db)
    conn.executemany(
        "INSERT INTO users(user_id, first_seen) VALUES (?, '2026-01-01')",
        [(n,) for n in range(users)],
    )
    conn.close()
    return db


def backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """The command as an operator runs it, in-process: (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)  # no .env of the repository
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.sqlite3"))
    code = main(["backup", *args])
    out, err = capsys.readouterr()
    return code, out, err


def users_in(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])
    finally:
        conn.close()


def test_backup_while_a_write_transaction_is_open(tmp_path: Path) -> None:
    db = live_database(tmp_path)
    writer = open_database(db)  # the bot, in the middle of a write
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO users(user_id, first_seen) VALUES (99, '2026-01-02')")
    copy = tmp_path / "copy.sqlite3"
    result = run_cli("backup", str(copy), env={"DATABASE_PATH": str(db)}, cwd=tmp_path)
    writer.execute("COMMIT")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{copy}: {copy.stat().st_size} bytes\n"
    assert copy.stat().st_mode & 0o777 == 0o600
    assert users_in(copy) == 3  # the committed rows, not the half-done write
    assert not Path(f"{copy}-wal").exists()


def test_backup_while_the_bot_writes_is_consistent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = live_database(tmp_path, users=0)
    stop = threading.Event()

    def write_pairs() -> None:  # each transaction adds two people: a copy always has pairs
        conn = open_database(db)
        n = 0
        while not stop.is_set() and n < 20_000:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO users(user_id, first_seen) VALUES (?, 'x')", [(n,), (n + 1,)]
            )
            conn.execute("COMMIT")
            n += 2
        conn.close()

    writer = threading.Thread(target=write_pairs)
    writer.start()
    try:
        code, _, err = backup(tmp_path, monkeypatch, capsys, "copy.sqlite3")
    finally:
        stop.set()
        writer.join()
    assert code == 0, err
    assert users_in(tmp_path / "copy.sqlite3") % 2 == 0


def test_an_existing_file_is_kept_unless_forced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    live_database(tmp_path)
    (tmp_path / "old.sqlite3").write_text("yesterday's backup")
    code, out, err = backup(tmp_path, monkeypatch, capsys, "old.sqlite3")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "already exists" in err and "--force" in err
    assert (tmp_path / "old.sqlite3").read_text() == "yesterday's backup"
    code, out, err = backup(tmp_path, monkeypatch, capsys, "old.sqlite3", "--force")
    assert code == 0, err
    assert out.startswith("old.sqlite3: ") and users_in(tmp_path / "old.sqlite3") == 3
    assert (tmp_path / "old.sqlite3").stat().st_mode & 0o777 == 0o600


def test_a_missing_or_unreadable_source_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = backup(tmp_path, monkeypatch, capsys, "copy.sqlite3")
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert "bot.sqlite3" in err and not (tmp_path / "bot.sqlite3").exists()
    (tmp_path / "bot.sqlite3").write_text("not a database at all, just text" * 100)
    code, _, err = backup(tmp_path, monkeypatch, capsys, "copy.sqlite3")
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert not (tmp_path / "copy.sqlite3").exists()


def test_an_unwritable_destination_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    live_database(tmp_path)
    for target in ("no-such-folder/copy.sqlite3", ".", "bot.sqlite3/copy", "x" * 300):
        code, out, err = backup(tmp_path, monkeypatch, capsys, target)
        assert code == 2 and out == "" and err.startswith("error: ") and err.count("\n") == 1
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        code, out, err = backup(tmp_path, monkeypatch, capsys, "locked/copy.sqlite3")
        assert code == 2 and "locked/copy.sqlite3" in err and err.count("\n") == 1
        assert list(locked.iterdir()) == []
