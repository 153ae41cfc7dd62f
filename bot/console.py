"""The console adapter: chat with the engine in a terminal or a pipe."""

from __future__ import annotations

from typing import TextIO

from bot.faq.engine import Engine

QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})


def chat(engine: Engine, stdin: TextIO, stdout: TextIO, *, prompt: str = "you> ") -> int:
    """Read questions until EOF or /quit; print each reply. Returns an exit code."""
    interactive = stdin.isatty()
    stdout.write(
        "Ask me about magnesium glycinate for muscle spasms. Ctrl-D or /quit to leave.\n\n"
    )
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
        stdout.write(f"bot> {engine.reply(question).text}\n\n")
        stdout.flush()
