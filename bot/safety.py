"""Safety checks that run before and around matching.

Emergencies must never be answered with an FAQ entry, questions about other
supplements must not get the magnesium answer to a similar-looking question,
and an amount above the article's range must be called out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from bot.content import Content
from bot.normalize import Analysis, Normalizer, contains_phrase

ARTICLE_MIN_MG = 200
ARTICLE_MAX_MG = 400

_AMOUNT = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:[.,]\d+)?)\s*"
    r"(mg|milligrams?|miligrams?|g|grams?|gr|mcg|µg|micrograms?)(?![a-z])",
    re.IGNORECASE,
)
_UNIT_TO_MG = {"g": 1000.0, "gr": 1000.0, "gram": 1000.0, "grams": 1000.0}
_MICRO = ("mcg", "µg", "microgram", "micrograms")


def amounts_mg(text: str) -> list[float]:
    """Every amount with a mass unit in `text`, converted to milligrams."""
    found: list[float] = []
    for number, unit in _AMOUNT.findall(text):
        if "," in number and re.fullmatch(r"\d{1,3}(?:,\d{3})+", number):
            value = float(number.replace(",", ""))
        else:
            value = float(number.replace(",", "."))
        unit = unit.lower()
        if unit in _MICRO:
            value /= 1000.0
        else:
            value *= _UNIT_TO_MG.get(unit, 1.0)
        found.append(value)
    return found


class DoseBand(Enum):
    BELOW = "dose_below"
    WITHIN = "dose_within"
    ABOVE = "dose_above"


@dataclass(frozen=True)
class DoseMention:
    amount_mg: float
    band: DoseBand

    @property
    def label(self) -> str:
        """The amount as a person would write it (400, 1500, 0.5)."""
        return f"{self.amount_mg:g}"


def dose_mention(text: str) -> DoseMention | None:
    """The largest amount named, classified against the article's range."""
    amounts = amounts_mg(text)
    if not amounts:
        return None
    top = max(amounts)
    if top > ARTICLE_MAX_MG:
        band = DoseBand.ABOVE
    elif top < ARTICLE_MIN_MG:
        band = DoseBand.BELOW
    else:
        band = DoseBand.WITHIN
    return DoseMention(top, band)


class Scope(Enum):
    SUBJECT = "subject"  # about magnesium glycinate (or no substance named)
    INTERACTION = "interaction"  # another substance taken together with ours
    OTHER = "other"  # about another supplement or drug only


class SafetyRules:
    """Term lists from content, pre-tokenised for fast whole-word checks."""

    def __init__(self, content: Content, normalizer: Normalizer) -> None:
        def phrases(items: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
            return tuple(p for p in (normalizer.phrase(i) for i in items) if p)

        self._red_flags = phrases(content.red_flags)
        # Longest first, so "magnesium citrate" is removed before "magnesium" is looked for.
        self._substances = tuple(sorted(phrases(content.other_substances), key=len, reverse=True))
        self._subject = frozenset(w for p in phrases(content.subject_terms) for w in p)
        self._cues = phrases(content.interaction_cues)
        self._pronouns = frozenset(w for p in phrases(content.subject_pronouns) for w in p)

    def is_emergency(self, analysis: Analysis) -> bool:
        return any(contains_phrase(analysis.words, p) for p in self._red_flags)

    def scope(self, analysis: Analysis) -> Scope:
        """Whether the message is about our supplement, another one, or both together."""
        words = analysis.words
        remaining = list(words)
        named = False
        for phrase in self._substances:
            n = len(phrase)
            i = 0
            while i <= len(remaining) - n:
                if tuple(remaining[i : i + n]) == phrase:
                    del remaining[i : i + n]
                    named = True
                else:
                    i += 1
        if not named:
            return Scope.SUBJECT
        has_cue = any(contains_phrase(words, c) for c in self._cues)
        mentions_subject = any(w in self._subject for w in remaining)
        if mentions_subject:
            return Scope.INTERACTION if has_cue else Scope.SUBJECT
        if has_cue and any(w in self._pronouns for w in remaining):
            return Scope.INTERACTION
        return Scope.OTHER
