"""When the database misbehaves, people are still answered.

Answers first, bookkeeping never in the way: another process holding the
write lock, a full disk or a read-only file costs statistics (counted,
reported once), never a reply. Work a reply needs gets a short "try again".
"""

from __future__ import annotations

import asyncio
import html
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.faq.engine import Engine
from bot.storage.bookkeeping import Bookkeeper
from bot.storage.bookkeeping import connect as bookkeeping_connect
from bot.storage.db import open_database
from bot.telegram.faq_handlers import admin_notifier
from tests.conftest import ROOT, run_cli
from tests.fake_telegram import FakeTelegram
from tests.harness import BotProcess, clean_environment, new_user
from tests.telegram.inprocess import OfflineBot, offline_bot

ADMIN = 4245
LOCK_SECONDS = 8.0
MAX_DELAY = 3.0  # seconds from a question's arrival to its answer, lock or not
NOT_SAVED = "couldn't save that just now"
QUESTIONS = [
    "how much should i take",
    "any side effects",
    "is it safe",
    "what is magnesium glycinate",
    "should I take it with food",
    "can I take it at night",
]


def text(call: object) -> str:
    """What the person reads (HTML entities decoded)."""
    return html.unescape(str(call.params["text"]))  # type: ignore[attr-defined]


# -- another process holds the write lock --------------------------------------


class Locker:
    """Another program writing to the bot's file: BEGIN IMMEDIATE, a write, held."""

    def __init__(self, path: Path, seconds: float) -> None:
        self.path, self.seconds = path, seconds
        self.locked = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def __enter__(self) -> Locker:
        self.thread.start()
        assert self.locked.wait(5), "could not take the write lock"
        return self

    def __exit__(self, *_: object) -> None:
        self.thread.join(self.seconds + 5)

    def _hold(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=5)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO counters(name, n) VALUES ('other program', 1)")
            self.locked.set()
            time.sleep(self.seconds)
            conn.execute("COMMIT")
        finally:
            conn.close()


@pytest.fixture
def bot(tg: FakeTelegram, tmp_path: Path) -> Iterator[BotProcess]:
    env = {"ADMIN_CHAT_IDS": str(ADMIN), "RATE_LIMIT_PER_MINUTE": "1000"}
    process = BotProcess(tg, tmp_path, env).start()
    yield process
    if process.proc and process.proc.poll() is None:
        assert process.stop() == 0, process.log()


def test_a_locked_database_still_gets_every_question_answered_quickly(
    tg: FakeTelegram, bot: BotProcess, tmp_path: Path
) -> None:
    warm = new_user(tg)
    warm.send("how much should i take")
    assert "200-400 mg" in text(warm.reply())
    asked: list[tuple[Any, float, str]] = []
    with Locker(tmp_path / "bot.sqlite3", LOCK_SECONDS):
        started = time.monotonic()
        reminder = new_user(tg)
        reminder.send("/remind 21:30")  # needs a write: waits, then "try again" at worst
        for i, question in enumerate([*QUESTIONS, "/help"]):
            person = new_user(tg)
            asked.append((person, time.monotonic(), question))
            person.send(question)
            time.sleep(max(0.0, started + (i + 1) * 0.7 - time.monotonic()))
        assert asked[-1][1] - started < LOCK_SECONDS - MAX_DELAY  # all asked while it is held
        replies = [(person.reply(timeout=LOCK_SECONDS), sent) for person, sent, _ in asked]
    delays = [reply.at - sent for reply, sent in replies]
    print(f"answer delays during the lock: max {max(delays):.2f} s, {delays}")
    assert max(delays) < MAX_DELAY, delays
    assert "/help" in text(replies[-1][0])  # /help too
    answer = text(reminder.reply(timeout=10))
    assert NOT_SAVED in answer or "21:30" in answer
    late = new_user(tg)
    late.send("any side effects")  # after the lock: statistics are saved again
    assert "diarrhea" in text(late.reply())
    bot.wait_for_log("Bookkeeping writes work again", timeout=10)
    warned = "bot.storage.bookkeeping: statistics are not being saved"
    assert bot.log().count(warned) == 1  # once, not per message
    reports = [c for c in tg.calls_of("sendMessage", chat_id=ADMIN) if "not being saved" in text(c)]
    assert len(reports) == 1
    assert "Traceback" not in bot.log()


# -- a full disk ----------------------------------------------------------------------


class FullDisk(sqlite3.Connection):
    """A connection on a full disk: reads work, every write fails as SQLite says it."""

    full = False

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if FullDisk.full and sql.lstrip().split(None, 1)[0].upper() in _WRITES:
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, *args)


_WRITES = {"INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN", "CREATE", "ALTER", "DROP"}


def full_disk_connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, factory=FullDisk)
    conn.execute(f"PRAGMA busy_timeout={1000}")
    return conn


@pytest.fixture
async def full(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[OfflineBot]:
    """The bot in process on a disk that fills up once it is running."""
    monkeypatch.setattr(FullDisk, "full", False)
    monkeypatch.setattr("bot.storage.db._connect", lambda name: full_disk_connect(name))
    async with offline_bot(engine, tmp_path, admins=frozenset({ADMIN})) as running:
        svc = running.services
        svc.books.close()
        svc.books = Bookkeeper(str(tmp_path / "bot.sqlite3"), connector=full_disk_connect)
        svc.books.set_notify(_notifier(running))
        FullDisk.full = True
        yield running
        svc.close()


def _notifier(running: OfflineBot) -> Callable[[str], None]:
    return admin_notifier(running.app.bot, running.services)


async def test_a_full_disk_still_gets_every_question_answered(full: OfflineBot) -> None:
    people = [full.person() for _ in range(40)]
    for i, person in enumerate(people):
        answer = await person.ask(QUESTIONS[i % len(QUESTIONS)])
        assert "kidney problems" in answer.text  # a real answer, with its caveat
    assert "/help" in (await people[0].ask("/help")).text
    assert full.services.books.flush(5)
    assert full.services.books.failed >= len(people)
    assert full.services.books.done == 0


async def test_a_full_disk_tells_admins_once_and_asks_people_to_try_again(
    full: OfflineBot,
) -> None:
    ann = full.person()
    answer = await ann.ask("how much should i take")
    assert await ann.press("Helpful", on=answer) == (
        "Sorry, I couldn't save that just now. Please try again in a minute."
    )
    assert NOT_SAVED in (await ann.ask("/remind 21:30")).text
    assert NOT_SAVED in (await ann.ask("/timezone Berlin")).text
    for _ in range(5):
        await ann.ask("any side effects")
    assert full.services.books.flush(5)
    admin = full.person(ADMIN)
    await admin.say("/stats")  # reading still works
    await _settle()
    replies = [r.text for r in admin.replies()]
    assert any("Statistics lost" in r for r in replies), replies
    reports = [r for r in replies if "not being saved" in r]
    assert len(reports) == 1 and "disk is full" in reports[0], replies  # once, not per message
    assert not full.errors


async def _settle() -> None:
    """Let the report scheduled from the bookkeeping thread be sent."""
    for _ in range(20):
        await asyncio.sleep(0.01)


# -- start-up --------------------------------------------------------------------------


def test_a_database_that_cannot_be_opened_is_one_line_and_exit_2(tmp_path: Path) -> None:
    not_a_database = tmp_path / "bot.sqlite3"
    not_a_database.write_bytes(b"this is not SQLite" * 100)
    for path in (not_a_database, tmp_path):  # a file that is no database; a folder
        env = {"TELEGRAM_BOT_TOKEN": "123456789:" + "A" * 35, "DATABASE_PATH": str(path)}
        done = run_cli("run", env=env)
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: DATABASE_PATH:"), done.stderr


@pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None,
    reason="root writes read-only files: needs setpriv to start the bot as another user",
)
def test_a_read_only_database_is_one_line_and_exit_2() -> None:
    folder = Path(tempfile.mkdtemp(prefix="magbot-ro-"))
    try:
        folder.chmod(0o755)
        database = folder / "bot.sqlite3"
        open_database(database).close()
        database.chmod(0o444)  # read-only for anyone but root
        env = clean_environment()
        token = "123456789:" + "A" * 35
        env.update({"TELEGRAM_BOT_TOKEN": token, "DATABASE_PATH": str(database), "SEMANTIC": "off"})
        # As root, the bot runs as nobody: root would write the file anyway.
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        if os.geteuid() != 0:
            nobody = []
        done = subprocess.run(
            [*nobody, sys.executable, "-m", "bot", "run"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.startswith(f"error: DATABASE_PATH: {database}"), done.stderr
    finally:
        shutil.rmtree(folder)


def test_the_bookkeeping_connection_is_an_ordinary_one(tmp_path: Path) -> None:
    conn = bookkeeping_connect(str(tmp_path / "x.sqlite3"))
    try:
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    finally:
        conn.close()
