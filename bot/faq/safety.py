"""Safety checks that run before and around matching.

Emergencies must never be answered with an FAQ entry, questions about other
supplements must not get the magnesium answer to a similar-looking question,
and an amount above the article's range must be called out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.faq.amounts import ARTICLE_MAX_MG, ARTICLE_MIN_MG, amounts_mg
from bot.faq.content import Content
from bot.faq.normalize import Analysis, Normalizer, PhraseIndex
from bot.faq.texts import ReplyTexts


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

    def note(self, texts: ReplyTexts) -> str:
        """The content's note for this amount's band, with `{amount}` filled in."""
        match self.band:
            case DoseBand.BELOW:
                template = texts.dose_below
            case DoseBand.WITHIN:
                template = texts.dose_within
            case DoseBand.ABOVE:
                template = texts.dose_above
        return template.format(amount=self.label)


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

        self._substances = PhraseIndex(phrases(content.other_substances))
        self._subject = frozenset(w for p in phrases(content.subject_terms) for w in p)
        self._cues = PhraseIndex(phrases(content.interaction_cues))
        self._pronouns = frozenset(w for p in phrases(content.subject_pronouns) for w in p)

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
