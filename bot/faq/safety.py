"""Safety checks that run before and around matching.

Emergencies must never be answered with an FAQ entry, questions about other
supplements must not get the magnesium answer to a similar-looking question,
and an amount above the article's range must be called out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from bot.faq.content import Content
from bot.faq.normalize import Analysis, Normalizer, PhraseIndex

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

        self._red_flags = PhraseIndex(phrases(content.red_flags))
        self._substances = PhraseIndex(phrases(content.other_substances))
        self._subject = frozenset(w for p in phrases(content.subject_terms) for w in p)
        self._cues = PhraseIndex(phrases(content.interaction_cues))
        self._pronouns = frozenset(w for p in phrases(content.subject_pronouns) for w in p)

    def is_emergency(self, analysis: Analysis) -> bool:
        return self._red_flags.any_in(analysis.words)

    def scope(self, analysis: Analysis) -> Scope:
        """Whether the message is about our supplement, another one, or both together."""
        words = analysis.words
        spans = self._substances.find(words)
        if not spans:
            return Scope.SUBJECT
        inside = {i for start, end in spans for i in range(start, end)}
        remaining = [w for i, w in enumerate(words) if i not in inside]
        has_cue = self._cues.any_in(words)
        mentions_subject = any(w in self._subject for w in remaining)
        if mentions_subject:
            return Scope.INTERACTION if has_cue else Scope.SUBJECT
        if has_cue and any(w in self._pronouns for w in remaining):
            return Scope.INTERACTION
        return Scope.OTHER
