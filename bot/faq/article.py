"""The source article: its headings, so every entry can name the section it comes from.

The article lives beside the FAQ (`article_file` in faq.yaml). Loading the
content checks that each `section` names one of its headings, and `check`
lints answers for sentences pasted from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# The opening paragraphs have no heading line of their own.
IMPLICIT_SECTIONS = ("Introduction",)
MAX_HEADING_CHARS = 80
SHINGLE_WORDS = 7  # seven words in a row shared with the article count as pasted


@dataclass(frozen=True)
class Article:
    path: str
    text: str
    headings: tuple[str, ...]

    def section_problem(self, section: str) -> str | None:
        """Why `section` names no part of the article, or None when it does.

        A section is one heading or several joined by ';', each optionally
        narrowed by a sub-point in brackets that must appear in the text:
        "How Does ... Help with Muscle Spasms? (1. Muscle Relaxation)".
        """
        for part in (p.strip() for p in section.split(";")):
            match = re.fullmatch(r"(?P<head>[^()]+?)\s*(?:\((?P<sub>[^()]+)\))?", part)
            if match is None:
                return f"'{part}' is not 'Heading' or 'Heading (sub-point)'"
            head, sub = match["head"].strip(), match["sub"]
            if head not in self.headings and head not in IMPLICIT_SECTIONS:
                return f"'{head}' is not a heading of {self.path}"
            if sub and sub.strip() not in self.text:
                return f"'{sub.strip()}' does not appear in {self.path}"
        return None

    def pasted(self, text: str) -> list[str]:
        """Runs of SHINGLE_WORDS words that `text` copies from the article."""
        mine = _shingles(self.text)
        return [" ".join(s) for s in sorted(_shingles(text) & mine)]


def _shingles(text: str, n: int = SHINGLE_WORDS) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def load_article(path: Path) -> Article:
    """Read the article; OSError/UnicodeDecodeError propagate for the caller to locate."""
    text = path.read_text(encoding="utf-8")
    headings = tuple(
        line.strip().rstrip(":")
        for line in text.splitlines()
        if line.strip()
        and len(line.strip()) <= MAX_HEADING_CHARS
        and not line.strip().endswith(".")
    )
    return Article(str(path), text, headings)
