"""Run the real bot (`python -m bot run`) against the fake Bot API server.

Tests read like conversations: `ann.send("hi")`, then `ann.receive()` returns
what Ann's Telegram would show.
"""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.fake_telegram import BOT_ID, BOT_USERNAME, Call, FakeTelegram

TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnopqrs"
SHARED_VECTORS = Path(tempfile.gettempdir()) / f"magbot-test-vectors-{os.getuid()}.npz"
_ids = itertools.count(1)
# The bot's own settings (README, Settings): never inherited from the shell running the tests.
BOT_SETTINGS = (
    "TELEGRAM_",
    "WEBHOOK_",
    "FAQ_PATH",
    "DATABASE_PATH",
    "ADMIN_CHAT_IDS",
    "DEFAULT_TIMEZONE",
    "REMINDER_",
    "UNANSWERED_",
    "VECTORS_CACHE",
    "SEMANTIC",
    "CLOCK_FILE",
    "RATE_LIMIT_PER_MINUTE",
    "SEND_RATE_LIMIT",
    "HTTP_TIMEOUT_SECONDS",
    "LOG_LEVEL",
)


def clean_environment() -> dict[str, str]:
    """This process's environment without any of the bot's settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(BOT_SETTINGS)}


@dataclass
class BotProcess:
    """The bot as `make run` starts it, pointed at the fake server."""

    tg: FakeTelegram
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[str] | None = None

    @property
    def log_path(self) -> Path:
        return self.workdir / "bot.log"

    def start(self, wait: bool = True) -> BotProcess:
        env = clean_environment()
        env.update(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": self.tg.base_url,
                "DATABASE_PATH": str(self.workdir / "bot.sqlite3"),
                "LOG_LEVEL": "DEBUG",
                "PYTHONUNBUFFERED": "1",
                # One embedding cache for every bot the tests start: it is checked
                # against the texts, so only the first start embeds them all.
                "VECTORS_CACHE": str(SHARED_VECTORS),
            }
        )
        env.update(self.env)
        before = len(self.tg.calls_of("setMyCommands"))
        polls = len(self.tg.calls_of("getUpdates"))
        self._log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=self.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if wait:
            self.tg.wait_for("setMyCommands", count=before + 1, timeout=30)
            self.tg.wait_for("getUpdates", count=polls + 1, timeout=30)  # this run polls
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self._log.close()
        return code

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """Rows from the bot's database, read as any tool would (invalid UTF-8 raises)."""
        conn = sqlite3.connect(
            self.env.get("DATABASE_PATH", self.workdir / "bot.sqlite3"), timeout=5
        )
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def wait_for_log(self, fragment: str, count: int = 1, timeout: float = 10) -> None:
        """Block until `fragment` has appeared `count` times in the bot's log."""
        deadline = time.monotonic() + timeout
        while self.log().count(fragment) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{fragment!r} x{count} not logged within {timeout}s")
            time.sleep(0.05)


@dataclass
class ClockFile:
    """The bot's 'now' (CLOCK_FILE): tests move time by rewriting it, atomically."""

    path: Path

    def set(self, moment: datetime) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(moment.isoformat())
        os.replace(tmp, self.path)

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)

    def now(self) -> datetime:
        return datetime.fromisoformat(self.path.read_text())


def message(
    user_id: int, text: str | None, chat: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """A Bot API Message from a person, as it arrives in an update."""
    body: dict[str, Any] = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": chat or {"id": user_id, "type": "private", "first_name": "Tester"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Tester"},
    }
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    body.update(extra)
    return body


STICKER = {
    "file_id": "sticker1",
    "file_unique_id": "s1",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}


def callback_query(user_id: int, data: str, on: dict[str, Any]) -> dict[str, Any]:
    """A Bot API CallbackQuery: `user_id` pressed the button carrying `data` on message `on`."""
    return {
        "id": f"cq{next(_ids)}",
        "from": {"id": user_id, "is_bot": False, "first_name": "Tester"},
        "chat_instance": "ci",
        "data": data,
        "message": on,
    }


def inline_query(user_id: int, query: str) -> dict[str, Any]:
    """A Bot API InlineQuery: `user_id` typed `@bot query` in some chat."""
    return {
        "id": f"iq{next(_ids)}",
        "from": {"id": user_id, "is_bot": False, "first_name": "Tester"},
        "query": query,
        "offset": "",
    }


def bot_message(chat_id: int, sent: dict[str, Any], message_id: int = 555) -> dict[str, Any]:
    """The bot's own message as Telegram shows it in a callback query."""
    msg: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Magnesium FAQ"},
        "text": str(sent.get("text", "…")),
    }
    if sent.get("reply_markup"):
        msg["reply_markup"] = sent["reply_markup"]
    return msg


def find_button(markup: dict[str, Any] | None, label: str) -> str:
    """The callback data of the button a person would tap for `label`.

    The exact label wins; then the label without its decoration (emoji,
    arrows), so "Taken" finds "✅ Taken" and "Helpful" finds "👍 Helpful" but
    not "👎 Not helpful"; then the one label that contains it.
    """
    found = [
        (str(b["text"]), str(b.get("callback_data", "")))
        for row in (markup or {}).get("inline_keyboard", [])
        for b in row
    ]
    for same in (
        lambda text: text == label,
        lambda text: _bare(text) == _bare(label),
        lambda text: _bare(label) in _bare(text),
    ):
        hits = [data for text, data in found if same(text)]
        if len(hits) == 1:
            return hits[0]
    raise AssertionError(f"no single button {label!r} among {[text for text, _ in found]}")


def _bare(label: str) -> str:
    """A label without surrounding emoji, arrows and spaces, case-folded."""
    start, end = 0, len(label)
    while start < end and not label[start].isalnum():
        start += 1
    while end > start and not label[end - 1].isalnum():
        end -= 1
    return label[start:end].casefold()


QUIET_PERIOD = 1.0  # seconds without a message before "nothing more" is believed


def quiet(
    tg: FakeTelegram,
    chat_id: int,
    seen: int,
    period: float = QUIET_PERIOD,
    method: str = "sendMessage",
) -> bool:
    """True when the bot makes no call beyond the `seen` ones to this chat for `period` seconds.

    The one place the tests wait to see that nothing happens. It returns as
    soon as something unexpected arrives, so only a passing check pays the
    full period. Where an ordering guarantee can prove "nothing" instead
    (one chat's updates are handled in order), tests use that.
    """
    return len(tg.await_calls(method, seen + 1, period, chat_id=chat_id)) == seen


@dataclass
class User:
    """One person chatting with the bot in a private chat (or a group)."""

    tg: FakeTelegram
    user_id: int
    chat: dict[str, Any] | None = None
    seen: int = 0

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"]) if self.chat else self.user_id

    def send(self, text: str, **extra: Any) -> int:
        return self.tg.push("message", message(self.user_id, text, self.chat, **extra))

    def edit(self, text: str) -> int:
        body = message(self.user_id, text, self.chat, edit_date=int(time.time()))
        return self.tg.push("edited_message", body)

    def send_sticker(self) -> int:
        return self.tg.push("message", message(self.user_id, None, self.chat, sticker=STICKER))

    def press(self, label: str, on: Call) -> str:
        """Tap the button labelled `label` on the bot's message `on`; returns the query id."""
        return self.press_data(find_button(on.params.get("reply_markup"), label), on)

    def press_data(self, data: str, on: Call | None = None) -> str:
        """Send a callback query with raw `data` (an old or forged button); returns its id."""
        source = on.params if on else {}
        message_id = 555
        if on is not None and on.method == "sendMessage":
            message_id = int(self.tg.result_of(on)["message_id"])
        query = callback_query(self.user_id, data, bot_message(self.chat_id, source, message_id))
        self.tg.push("callback_query", query)
        return str(query["id"])

    def inline(self, query: str) -> str:
        """Type `@bot query` in some chat; returns the inline query's id (see `offered`)."""
        update = inline_query(self.user_id, query)
        self.tg.push("inline_query", update)
        return str(update["id"])

    def offered(self, query_id: str, timeout: float = 10) -> Call:
        """The bot's answerInlineQuery for one inline query."""
        return self.tg.wait_for("answerInlineQuery", 1, timeout, inline_query_id=query_id)[0]

    def answer_to(self, query_id: str, timeout: float = 10) -> Call:
        """The bot's answerCallbackQuery for one press (the spinner stops, maybe a toast)."""
        return self.tg.wait_for("answerCallbackQuery", 1, timeout, callback_query_id=query_id)[0]

    def receive(self, count: int = 1, timeout: float = 10) -> list[Call]:
        """The next `count` messages the bot sent to this chat."""
        calls = self.tg.wait_for("sendMessage", self.seen + count, timeout, chat_id=self.chat_id)
        new = calls[self.seen : self.seen + count]
        self.seen += count
        return new

    def reply(self, timeout: float = 10) -> Call:
        return self.receive(1, timeout)[0]

    def nothing_more(self, period: float = QUIET_PERIOD) -> bool:
        """No message to this chat beyond those received, for a quiet `period` (see `quiet`)."""
        return quiet(self.tg, self.chat_id, self.seen, period)


def buttons(call: Call) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {}
    return [
        (b["text"], b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


def labels(call: Call) -> list[str]:
    """The button labels under a message, as a person reads them."""
    return [label for label, _ in buttons(call)]


def new_user(tg: FakeTelegram) -> User:
    return User(tg, 10_000 + next(_ids))


def group_user(tg: FakeTelegram, group_id: int) -> User:
    chat = {"id": group_id, "type": "group", "title": "Gym friends"}
    return User(tg, 10_000 + next(_ids), chat=chat)


__all__ = [
    "BOT_USERNAME",
    "QUIET_PERIOD",
    "TOKEN",
    "BotProcess",
    "ClockFile",
    "User",
    "buttons",
    "callback_query",
    "find_button",
    "group_user",
    "inline_query",
    "labels",
    "message",
    "new_user",
    "quiet",
]


def serving() -> Iterator[FakeTelegram]:
    """A fake Bot API server while the generator runs: fixtures `yield from` it."""
    server = FakeTelegram(TOKEN).start()
    yield server
    server.stop()


def bot_serving(tg: FakeTelegram, folder: Path, env: dict[str, str]) -> Iterator[BotProcess]:
    """A bot shared by a module's tests; it must stop cleanly at the end."""
    process = BotProcess(tg, folder, env).start()
    yield process
    assert process.stop() == 0, process.log()
