"""Opening the database: a file the bot cannot use is one clear DatabaseError, nothing else."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from bot.storage.db import MIGRATIONS, DatabaseError, migrate, open_database, schema_version


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """`path` (a file or a folder) cannot be written, even by root (chattr +i there)."""
    path.chmod(0o500 if path.is_dir() else 0o400)
    immutable = False
    try:
        if os.geteuid() == 0:  # root ignores modes
            chattr = shutil.which("chattr")
            if chattr is None or subprocess.run([chattr, "+i", str(path)]).returncode != 0:
                pytest.skip("running as root, and chattr +i is not available here")
            immutable = True
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o700)


def refusal(path: Path, **options: bool) -> str:
    with pytest.raises(DatabaseError) as caught:
        open_database(path, **options)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


def test_a_folder_is_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path) == f"{tmp_path} is a folder, not a database file"
    assert refusal(tmp_path, read_only=True) == f"{tmp_path} is a folder, not a database file"


def test_a_text_file_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")
    notes.chmod(0o644)
    assert refusal(notes) == f"{notes} is not an SQLite database"
    assert notes.read_text() == "shopping list\n"
    assert notes.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_missing_folder_is_created_only_when_allowed(tmp_path: Path) -> None:
    path = tmp_path / "data" / "magbot.sqlite3"
    assert "the folder" in refusal(path, create_folder=False)
    assert not path.parent.exists()
    open_database(path, create_folder=True).close()
    assert path.is_file()


def test_an_unwritable_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with unwritable(folder):
        assert "permission denied" in refusal(folder / "magbot.sqlite3")


def test_a_read_only_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "magbot.sqlite3"
    open_database(path).close()
    with unwritable(path):
        assert "must be writable" in refusal(path)


def test_read_only_opening_writes_nothing(tmp_path: Path) -> None:
    assert refusal(tmp_path / "missing.sqlite3", read_only=True).endswith("does not exist")
    old = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(old, isolation_level=None)) as conn:
        migrate(conn, MIGRATIONS[:1])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with closing(open_database(old, read_only=True)) as conn:
        assert schema_version(conn) == 1  # not migrated
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("INSERT INTO counters VALUES ('x', 1)")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_read_only_opening_sees_what_a_running_bot_wrote(tmp_path: Path) -> None:
    path = tmp_path / "magbot.sqlite3"
    with closing(open_database(path)) as bot:  # WAL: the row is in the -wal file
        bot.execute("INSERT INTO counters VALUES ('answer', 5)")
        with closing(open_database(path, read_only=True)) as report:
            assert report.execute("SELECT n FROM counters").fetchall() == [(5,)]
