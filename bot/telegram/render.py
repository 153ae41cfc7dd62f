"""Telegram HTML for replies: escaping, tags per paragraph, and the 4,096 split.

Telegram rejects a message over 4,096 characters or with broken HTML, so
long replies are cut between paragraphs (or, for one huge paragraph, at
whitespace) and every piece is escaped and tagged on its own.
"""

from __future__ import annotations

import html

from bot.faq.reply import Reply

TELEGRAM_LIMIT = 4096


def html_blocks(reply: Reply) -> list[tuple[str, str, str]]:
    """Paragraphs as (open tag, plain text, close tag) for Telegram HTML."""
    blocks: list[tuple[str, str, str]] = []
    if reply.title:
        blocks.append(("<b>", reply.title, "</b>"))
    blocks.extend(("", b, "") for b in reply.body)
    # Choices are buttons under the message; listing them again as text is noise.
    blocks.extend(("<b>", n, "</b>") for n in reply.notes)
    blocks.append(("<i>", reply.caveat_block(), "</i>"))
    return blocks


def html_parts(reply: Reply, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """HTML messages no longer than `limit`; the caveats close the last one."""
    return split_blocks(html_blocks(reply), limit)


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
