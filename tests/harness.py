"""Run the real bot (`python -m bot run`) against the fake Bot API server.

Tests read like conversations: `ann.send("hi")`, then `ann.receive()` returns
what Ann's Telegram would show.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.fake_telegram import BOT_ID, BOT_USERNAME, Call, FakeTelegram

TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnopqrs"
_ids = itertools.count(1)


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
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
        env.update(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": self.tg.base_url,
                "DATABASE_PATH": str(self.workdir / "bot.sqlite3"),
                "LOG_LEVEL": "DEBUG",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.env)
        before = len(self.tg.calls_of("setMyCommands"))
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
            self.tg.wait_for("getUpdates", count=1, timeout=30)
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
        sticker = {
            "file_id": "sticker1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self.tg.push("message", message(self.user_id, None, self.chat, sticker=sticker))

    def press(self, data: str, on: Call | None = None) -> int:
        source = on.params if on else {}
        msg = {
            "message_id": 555,
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Magnesium FAQ"},
            "text": str(source.get("text", "…")),
        }
        if "reply_markup" in source:
            msg["reply_markup"] = source["reply_markup"]
        query = {
            "id": f"cq{next(_ids)}",
            "from": {"id": self.user_id, "is_bot": False, "first_name": "Tester"},
            "chat_instance": "ci",
            "data": data,
            "message": msg,
        }
        return self.tg.push("callback_query", query)

    def receive(self, count: int = 1, timeout: float = 10) -> list[Call]:
        """The next `count` messages the bot sent to this chat."""
        calls = self.tg.wait_for("sendMessage", self.seen + count, timeout, chat_id=self.chat_id)
        new = calls[self.seen : self.seen + count]
        self.seen += count
        return new

    def reply(self, timeout: float = 10) -> Call:
        return self.receive(1, timeout)[0]

    def nothing_more(self, wait: float = 1.0) -> bool:
        time.sleep(wait)
        return len(self.tg.calls_of("sendMessage", chat_id=self.chat_id)) == self.seen


def buttons(call: Call) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {}
    return [
        (b["text"], b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


def new_user(tg: FakeTelegram) -> User:
    return User(tg, 10_000 + next(_ids))


def group_user(tg: FakeTelegram, group_id: int) -> User:
    chat = {"id": group_id, "type": "group", "title": "Gym friends"}
    return User(tg, 10_000 + next(_ids), chat=chat)


__all__ = [
    "BOT_USERNAME",
    "TOKEN",
    "BotProcess",
    "ClockFile",
    "User",
    "buttons",
    "group_user",
    "new_user",
]
