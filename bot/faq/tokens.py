"""Word tokens: the one folding every part of the core agrees on.

Its own module, importing nothing from the bot, so that content loading,
normalisation and triage can all use it without an import cycle.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile(r"['’`´]")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_DIGIT_ALPHA = re.compile(r"(?<=[0-9])(?=[a-z])|(?<=[a-z])(?=[0-9])")


def basic_tokens(text: str) -> list[str]:
    """Lowercase ASCII word tokens: no accents, apostrophes, or punctuation."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch))
    ascii_text = _APOSTROPHES.sub("", ascii_text)
    ascii_text = _NON_WORD.sub(" ", ascii_text)
    ascii_text = _DIGIT_ALPHA.sub(" ", ascii_text)
    return ascii_text.split()
