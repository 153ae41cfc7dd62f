"""Reply values and their rendering as plain text and Telegram HTML.

A Reply is built once by the engine and rendered by each adapter. Keeping
the parts separate (title, body, notes, caveats) is what lets every adapter
escape correctly and keep the caveats last when a long reply is split.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from enum import StrEnum

TELEGRAM_LIMIT = 4096


class Kind(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"
    SMALLTALK = "smalltalk"
    URGENT = "urgent"


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
    caveats_heading: str
    title: str | None = None
    choices: tuple[Choice, ...] = ()  # clarify alternatives or fallback topics
    related: tuple[Choice, ...] = ()
    related_heading: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def alternatives(self) -> tuple[str, ...]:
        """Entry ids offered to choose from (clarify) or to try (fallback)."""
        return tuple(c.entry_id for c in self.choices)

    @property
    def related_ids(self) -> tuple[str, ...]:
        return tuple(c.entry_id for c in self.related)

    def _choice_lines(self) -> list[str]:
        return [f"{i}. {c.question}" for i, c in enumerate(self.choices, 1)]

    def _caveat_block(self) -> str:
        return f"{self.caveats_heading}: " + " ".join(self.caveats)

    def plain_blocks(self) -> list[str]:
        """Paragraphs of the reply as plain text; the caveats are always the last one."""
        blocks: list[str] = []
        if self.title:
            blocks.append(self.title)
        blocks.extend(self.body)
        if self.choices:
            blocks.append("\n".join(self._choice_lines()))
        blocks.extend(self.notes)
        if self.related:
            lines = [self.related_heading, *(f"- {c.question}" for c in self.related)]
            blocks.append("\n".join(lines))
        blocks.append(self._caveat_block())
        return blocks

    @property
    def text(self) -> str:
        """The full plain-text reply, caveats included, as the console shows it."""
        return "\n\n".join(self.plain_blocks())

    def html_blocks(self) -> list[tuple[str, str, str]]:
        """Paragraphs as (open tag, plain text, close tag) for Telegram HTML."""
        blocks: list[tuple[str, str, str]] = []
        if self.title:
            blocks.append(("<b>", self.title, "</b>"))
        blocks.extend(("", b, "") for b in self.body)
        if self.choices:
            blocks.append(("", "\n".join(self._choice_lines()), ""))
        blocks.extend(("<b>", n, "</b>") for n in self.notes)
        blocks.append(("<i>", self._caveat_block(), "</i>"))
        return blocks

    def html_parts(self, limit: int = TELEGRAM_LIMIT) -> list[str]:
        """HTML messages no longer than `limit`; the caveats close the last one."""
        return split_blocks(self.html_blocks(), limit)


def escape(text: str) -> str:
    """Escape text for Telegram's HTML parse mode (<, > and &)."""
    return html.escape(text, quote=False)


def split_blocks(blocks: list[tuple[str, str, str]], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pack tagged paragraphs into HTML messages of at most `limit` characters.

    Paragraphs stay whole unless one alone is too long; then its plain text is
    cut at whitespace and each piece is escaped and wrapped on its own, so
    every message is valid HTML. Order is kept, so the caveats stay last.
    """
    pieces: list[str] = []
    for open_tag, text, close_tag in blocks:
        room = limit - len(open_tag) - len(close_tag)
        pieces.extend(f"{open_tag}{escape(chunk)}{close_tag}" for chunk in _chunks(text, room))
    parts: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


def _chunks(text: str, room: int) -> list[str]:
    """Cut plain text so each chunk's *escaped* length fits in `room`."""
    out: list[str] = []
    rest = text
    while len(escape(rest)) > room:
        size = 0
        cut = 0
        last_space = -1
        for i, ch in enumerate(rest):
            size += len(escape(ch))
            if size > room:
                break
            cut = i + 1
            if ch.isspace():
                last_space = i
        end = last_space if last_space > 0 else max(cut, 1)
        out.append(rest[:end].rstrip())
        rest = rest[end:].lstrip()
    if rest or not out:
        out.append(rest)
    return [c for c in out if c] or [""]
