"""Shared fixtures: one engine over the real content, and a conversation helper."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.faq.content import Content, load_content
from bot.faq.engine import Engine
from bot.faq.reply import Reply
from tests.fake_telegram import FakeTelegram
from tests.harness import clean_environment, serving

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def write_faq(folder: Path, text: str) -> Path:
    """A FAQ file in `folder` with the article and triage files beside it, as in content/."""
    path = folder / "faq.yaml"
    path.write_text(text, encoding="utf-8")
    for name in (
        "source-article.txt",
        "triage.yaml",
        "languages.yaml",
        "faq-vectors.npz",
    ):
        shutil.copy(ROOT / "content" / name, folder / name)
    return path


def run_cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` as a person runs it, with none of the bot's settings inherited."""
    base = clean_environment()
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=base,
        timeout=60,
    )


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    """A fresh fake Bot API server on 127.0.0.1 for one test."""
    yield from serving()


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(ROOT / "content" / "faq.yaml")


@pytest.fixture(scope="session")
def engine(content: Content) -> Engine:
    """The lexical engine (SEMANTIC=off): what most tests pin down exactly."""
    return Engine(content)


@pytest.fixture(scope="session")
def semantic_engine(content: Content) -> Engine:
    """The engine as `make run` builds it: with the sentence-embedding model."""
    from bot.faq.semantic import MiniLM

    return Engine(content, MiniLM())


@dataclass
class Conversation:
    """Push a message, pop the reply: tests read like a chat."""

    engine: Engine
    replies: list[Reply] = field(default_factory=list)

    def say(self, text: str) -> Reply:
        reply = self.engine.reply(text)
        self.replies.append(reply)
        return reply


@pytest.fixture
def chat(engine: Engine) -> Conversation:
    return Conversation(engine)
