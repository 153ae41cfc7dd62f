"""The reply value: what the bot says to one message, adapter-neutral.

A Reply is built once by the engine and rendered by each adapter (plain
text here; Telegram HTML in `bot.telegram.render`). Keeping the parts
separate (title, body, notes, caveats) is what lets every adapter escape
correctly and keep the caveats last when a long reply is split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"
    SMALLTALK = "smalltalk"
    URGENT = "urgent"
    NOT_COVERED = "not_covered"  # a topic the article does not cover: its own honest reply
    OTHER_LANGUAGE = "other_language"  # not English: "I only understand English", in that language


@dataclass(frozen=True)
class Choice:
    """An entry offered to the person: as a related question or a 'did you mean'."""

    entry_id: str
    question: str


@dataclass(frozen=True)
class Reply:
    """What the bot says to one message, adapter-neutral."""

    kind: Kind
    entry_id: str | None
    score: float
    body: tuple[str, ...]
    caveats: tuple[str, ...]
    title: str | None = None
    choices: tuple[Choice, ...] = ()  # clarify alternatives or fallback topics
    related: tuple[Choice, ...] = ()
    related_heading: str = ""
    notes: tuple[str, ...] = field(default=())
    triage: str | None = None  # the kind of emergency, for urgent replies
    unsure: bool = False  # an answer given with low confidence: worth a content author's look
    topic: str | None = None  # the uncovered topic (not_covered) or language code (other_language)

    @property
    def alternatives(self) -> tuple[str, ...]:
        """Entry ids offered to choose from (clarify) or to try (fallback)."""
        return tuple(c.entry_id for c in self.choices)

    def outcome(self) -> str:
        """What the bot did, in a few words, for content authors ("clarify: a, b")."""
        if self.kind is Kind.CLARIFY:
            return "clarify: " + ", ".join(self.alternatives)
        return f"{self.kind.value}: {self.entry_id or self.topic or '-'} (score {self.score:g})"

    @property
    def related_ids(self) -> tuple[str, ...]:
        return tuple(c.entry_id for c in self.related)

    def choice_lines(self) -> list[str]:
        return [f"{i}. {c.question}" for i, c in enumerate(self.choices, 1)]

    def caveat_block(self) -> str:
        """The one short caveat line every reply ends with."""
        return " ".join(self.caveats)

    def plain_blocks(self) -> list[str]:
        """Paragraphs of the reply as plain text; the caveats are always the last one."""
        blocks: list[str] = []
        if self.title:
            blocks.append(self.title)
        blocks.extend(self.body)
        if self.choices:
            blocks.append("\n".join(self.choice_lines()))
        blocks.extend(self.notes)
        if self.related:
            lines = [self.related_heading, *(f"- {c.question}" for c in self.related)]
            blocks.append("\n".join(lines))
        blocks.append(self.caveat_block())
        return blocks

    @property
    def text(self) -> str:
        """The full plain-text reply, caveats included, as the console shows it."""
        return "\n\n".join(self.plain_blocks())
