"""Shared fixtures: one engine over the real content, and a conversation helper."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.content import Content, load_content
from bot.engine import Engine
from bot.replies import Reply

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(ROOT / "content" / "faq.yaml")


@pytest.fixture(scope="session")
def engine(content: Content) -> Engine:
    return Engine(content)


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
