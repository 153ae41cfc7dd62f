"""The console adapter: chat with the engine in a terminal or a pipe.

It behaves like the Telegram chat where a terminal can: a typed number picks
one of the numbered choices the last reply offered ("did you mean", topics),
`/topics` lists every topic, follow-ups are read against the last topic, and
reminder commands say that reminders live in Telegram.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from bot.faq.engine import Engine
from bot.faq.followup import LastTopics
from bot.faq.reply import Choice, Kind, Reply
from bot.reminders.conversation import COMMANDS as REMINDER_COMMANDS

QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})
CONSOLE_CHAT = 0  # the one chat a console has, for follow-ups


class ConsoleChat:
    """One console conversation: the engine plus what the last reply offered."""

    def __init__(self, engine: Engine, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.topics = LastTopics()
        self.monotonic = monotonic
        self.offered: tuple[Choice, ...] = ()

    def answer(self, text: str) -> str:
        """The text to print for one typed line."""
        command = text.split()[0].lstrip("/").split("@")[0].lower() if text.startswith("/") else ""
        if command == "topics":
            entries = self.engine.content.entries
            self.offered = tuple(Choice(e.id, e.question) for e in entries)
            lines = [f"{i}. {c.question}" for i, c in enumerate(self.offered, 1)]
            return self.engine.content.ui.topics + "\n" + "\n".join(lines)
        if command in REMINDER_COMMANDS:
            return self.engine.content.ui.console_reminders
        if text.isdecimal() and self.offered:
            number = int(text)
            if 1 <= number <= len(self.offered):
                return self._show(self.engine.answer_entry(self.offered[number - 1].entry_id))
        last = self.topics.get(CONSOLE_CHAT, self.monotonic())
        return self._show(self.engine.reply(text, None, last))

    def _show(self, reply: Reply) -> str:
        self.offered = reply.choices or reply.related
        if reply.kind is Kind.ANSWER and reply.entry_id:
            self.topics.remember(CONSOLE_CHAT, reply.entry_id, self.monotonic())
        text = reply.text
        if reply.related and not reply.choices:
            # Related questions are listed with numbers, so typing one opens it.
            lines = [f"{i}. {c.question}" for i, c in enumerate(reply.related, 1)]
            text = text.replace(
                "\n".join(f"- {c.question}" for c in reply.related), "\n".join(lines)
            )
        return text


def chat(engine: Engine, stdin: TextIO, stdout: TextIO, *, prompt: str = "you> ") -> int:
    """Read questions until EOF or /quit; print each reply. Returns an exit code."""
    interactive = stdin.isatty()
    stdout.write(
        "Ask me about magnesium glycinate for muscle spasms. Ctrl-D or /quit to leave.\n\n"
    )
    console = ConsoleChat(engine)
    while True:
        if interactive:
            stdout.write(prompt)
            stdout.flush()
        line = stdin.readline()
        if not line:
            if interactive:
                stdout.write("\n")
            return 0
        question = line.strip()
        if not question:
            continue
        if question.lower() in QUIT_WORDS:
            return 0
        stdout.write(f"bot> {console.answer(question)}\n\n")
        stdout.flush()
