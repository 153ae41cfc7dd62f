"""Safety checks that run before and around matching.

Emergencies must never be answered with an FAQ entry, questions about other
supplements must not get the magnesium answer to a similar-looking question,
and an amount above the article's range must be called out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.faq.amounts import DoseBand as DoseBand  # re-exported: callers import it from here
from bot.faq.amounts import DoseReading, format_mg, read_dose
from bot.faq.content import Content
from bot.faq.normalize import Analysis, Normalizer, PhraseIndex
from bot.faq.texts import ReplyTexts


@dataclass(frozen=True)
class DoseMention:
    """The dose a message describes, and the note that compares it with the article."""

    reading: DoseReading

    @property
    def amount_mg(self) -> float:
        """What is judged: a day's total if the message says so, else one dose; a range's top."""
        return self.reading.total_mg

    @property
    def band(self) -> DoseBand:
        return self.reading.band

    @property
    def label(self) -> str:
        """The amount as a person would write it (400, 1500, 0.5, 3 x 250, 300-500)."""
        return self.reading.amount_label

    def note(self, texts: ReplyTexts) -> str:
        """What the bot understood (count, range, doses a day) and how it compares.

        Without a frequency the amount is one dose, compared as a whole day's
        amount (taken once a day): the conservative reading.
        """
        r = self.reading
        daily = r.per_day is True
        if r.times is not None and r.times > 1:
            said = texts.dose_times.format(amount=self.label, times=r.times, total=r.total_label)
        elif r.multiplied:
            template = texts.dose_total_day if daily else texts.dose_total_dose
            said = template.format(amount=self.label, total=r.total_label)
        elif daily and not r.is_range:
            return _verdicts(texts, self.band)[0].format(amount=self.label)
        else:
            template = texts.dose_per_day if daily else texts.dose_per_dose
            said = template.format(amount=self.label)
        _plain, day, once = _verdicts(texts, self.band)
        verdict = day if daily else once
        return f"{said} {verdict.format(top=format_mg(r.total_mg))}"


def _verdicts(texts: ReplyTexts, band: DoseBand) -> tuple[str, str, str]:
    """The band's three verdict templates: a plain day's amount, a day's total, one dose."""
    match band:
        case DoseBand.BELOW:
            return texts.dose_below, texts.dose_day_below, texts.dose_once_below
        case DoseBand.WITHIN:
            return texts.dose_within, texts.dose_day_within, texts.dose_once_within
        case DoseBand.ABOVE:
            return texts.dose_above, texts.dose_day_above, texts.dose_once_above


def dose_mention(text: str) -> DoseMention | None:
    """The dose the message describes (counts, ranges, doses a day), or None."""
    reading = read_dose(text)
    return None if reading is None else DoseMention(reading)


class Scope(Enum):
    SUBJECT = "subject"  # about magnesium glycinate (or no substance named)
    INTERACTION = "interaction"  # another substance taken together with ours
    OTHER = "other"  # about another supplement or drug only
    COMPARISON = "comparison"  # another substance weighed against ours ("better than")


LINK_WINDOW = 8  # words between our supplement and another substance said together


def _linked(position: int, span: tuple[int, int], cues: list[int]) -> bool:
    """A cue ("with", "and", "together") joins the word at `position` and the span."""
    lo, hi = (position, span[0]) if position < span[0] else (span[1] - 1, position)
    if hi - lo > LINK_WINDOW:
        return False
    return any(lo - 1 <= c <= hi + 1 for c in cues)


class SafetyRules:
    """Term lists from content, pre-tokenised for fast whole-word checks."""

    def __init__(self, content: Content, normalizer: Normalizer) -> None:
        def phrases(items: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
            return tuple(p for p in (normalizer.phrase(i) for i in items) if p)

        self._substances = PhraseIndex(phrases(content.other_substances))
        self._subject = frozenset(w for p in phrases(content.subject_terms) for w in p)
        self._cues = PhraseIndex(phrases(content.interaction_cues))
        self._pronouns = frozenset(w for p in phrases(content.subject_pronouns) for w in p)
        self._compare = PhraseIndex(phrases(content.comparison_cues))

    def scope(self, analysis: Analysis) -> Scope:
        """Whether the message is about our supplement, another one, or both together."""
        words = analysis.words
        spans = self._substances.find(words)
        if not spans:
            return Scope.SUBJECT
        inside = {i for start, end in spans for i in range(start, end)}
        cues = [start for start, _ in self._cues.find(words)]
        subject = [i for i, w in enumerate(words) if i not in inside and w in self._subject]
        if subject and any(_linked(p, span, cues) for p in subject for span in spans):
            return Scope.INTERACTION  # taken together: "with my statin, instead of at night?"
        weighed = [start for start, _ in self._compare.find(words)]
        if any(_linked(c, span, weighed) for span in spans for c in weighed):
            return Scope.COMPARISON  # "is ibuprofen better for cramps than magnesium?"
        if subject:
            return Scope.SUBJECT
        # "take it with ibuprofen": "it" is our supplement. In "fish oil, should it
        # be taken with food" it is the fish oil: a pronoun links only from before.
        pronouns = [i for i, w in enumerate(words) if i not in inside and w in self._pronouns]
        if any(_linked(p, span, cues) for p in pronouns for span in spans if p < span[0]):
            return Scope.INTERACTION
        return Scope.OTHER
