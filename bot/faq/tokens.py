"""Word tokens: the one folding every part of the core agrees on.

Its own module, importing nothing from the bot, so that content loading,
normalisation and triage can all use it without an import cycle.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans("", "", "'’`´")
_WORD = re.compile(r"[a-z]+|[0-9]+")  # a run of letters or of digits: "400mg" is two words


def fold(text: str) -> str:
    """Lowercase ASCII letters without accents; punctuation stays, so callers can split on it.

    Plain ASCII (nearly every message and phrasing) skips Unicode normalisation,
    which would leave it as it is but for case.
    """
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def words(folded: str) -> list[str]:
    """The word tokens of `fold`ed text: apostrophes dropped, everything else a separator."""
    if folded.isascii() and folded.replace(" ", "").isalpha():
        return folded.split()  # letters and spaces: nothing to strip or split off
    return _WORD.findall(folded.translate(_APOSTROPHES))


def basic_tokens(text: str) -> list[str]:
    """Lowercase ASCII word tokens: no accents, apostrophes, or punctuation."""
    return words(fold(text))
