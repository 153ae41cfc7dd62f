"""Which topic the article does not cover a message asks about, by its words.

The lexical half of the out-of-scope check (the semantic half compares the
message with each topic's examples, see `bot.faq.hybrid`). Terms are looked
for in the question part of a message, so a story told first ("I walk my dog
every morning and my calves cramp") does not turn a cramp question into one
about pets; a topic marked `anywhere` is looked for in the whole message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.faq.content import Content
from bot.faq.normalize import Normalizer, PhraseIndex
from bot.faq.uncovered import UncoveredTopic

# "my 8 year old", "15yo", "aged 12", "I'm 15", "she is 9": a person's age in years.
ACTOR_REACH = 3  # an actor verb this close after a context word ("son has bought")
_UNITS = r"mg|g|mcg|%|kg|lbs?|ft|foot|feet|cm|stone|st|days?|weeks?|months?|hours?|mins?|times?"
_AGE = re.compile(
    r"\b(\d{1,3})\s*-?\s*(?:(?:years?|yrs?)\s*-?\s*olds?|yo|y/o)\b"
    r"|\b(?:i'?m|i am|he'?s|she'?s|he is|she is|they'?re|is|aged?)\s+(\d{1,3})\b"
    rf"(?![.,]\d)(?!\s*(?:{_UNITS})\b)",
    re.IGNORECASE,
)


def stated_ages(text: str) -> list[int]:
    """Ages in years the text states ("my 8 year old" -> [8]); amounts are not ages."""
    return [
        int(m.group(1) or m.group(2))
        for m in _AGE.finditer(text)
        if not text[: m.start()].lower().endswith(("like ", "as if ", "as though "))
    ]  # "explain it like I'm 5" is a figure of speech


@dataclass(frozen=True)
class _Rule:
    topic: UncoveredTopic
    terms: PhraseIndex
    context: PhraseIndex
    cues: PhraseIndex
    asker: PhraseIndex
    actor: PhraseIndex
    recipient: PhraseIndex
    adults: PhraseIndex

    def young(self, ages: list[int]) -> bool:
        """A stated age up to the topic's `max_age` ("my 8 year old")."""
        limit = self.topic.max_age
        return limit is not None and any(age <= limit for age in ages)

    def names_someone_taking_it(self, tokens: tuple[str, ...], question: tuple[str, ...]) -> bool:
        """A context word not followed by an actor verb ("my son says" names no child
        taking it; one word may come between: "my son has bought me"), or any
        context word when the question asks about them ("can she take it?")."""
        if self.recipient.any_in(question):
            return self.context.any_in(tokens)
        return any(
            not any(s <= 1 for s, _ in self.actor.find(tokens[end : end + ACTOR_REACH]))
            for _, end in self.context.find(tokens)
        )


class Coverage:
    """The content's `not_covered` topics, pre-tokenised, checked in file order."""

    def __init__(self, content: Content, normalizer: Normalizer) -> None:
        def index(items: tuple[str, ...]) -> PhraseIndex:
            # Synonyms mapped as in messages, so "charley horse" (a cramp) is no horse.
            # The terms are in the normaliser's vocabulary: never "corrected".
            phrases = (normalizer.canonical(normalizer.phrase(i)) for i in items)
            return PhraseIndex(p for p in phrases if p)

        self._rules = tuple(
            _Rule(
                t,
                index(t.terms),
                index(t.context),
                index(t.cues),
                index(t.asker),
                index(t.actor),
                index(t.recipient),
                index(t.adults),
            )
            for t in content.not_covered
        )
        self._by_id = {r.topic.id: r for r in self._rules}

    def topic(
        self, whole: tuple[str, ...], question: tuple[str, ...], text: str = ""
    ) -> UncoveredTopic | None:
        """The first topic whose words the message uses (tokens as `Normalizer.analyse`
        gives), or whose `max_age` an age stated in `text` is under."""
        ages = stated_ages(text) if text else []
        for rule in self._rules:
            if rule.young(ages):
                return rule.topic
            where = whole if rule.topic.anywhere else question
            if rule.terms.any_in(where):
                return rule.topic
            if (
                rule.cues.any_in(question)
                and not rule.asker.any_in(question)
                and rule.names_someone_taking_it(whole, question)
            ):
                return rule.topic
        return None

    def named(self, topic_id: str, tokens: tuple[str, ...], text: str) -> bool:
        """Whether the words allow the topic the meaning suggests: its own words (or,
        for a topic with `max_age`, an age up to it) where it `needs_words`, and no
        adult of its `adults` named without one."""
        rule = self._by_id.get(topic_id)
        if rule is None:
            return True
        own = (
            rule.terms.any_in(tokens)
            or rule.context.any_in(tokens)
            or rule.young(stated_ages(text))
        )
        if rule.topic.needs_words and not own:
            return False
        return own or not rule.adults.any_in(tokens)

    def get(self, topic_id: str) -> UncoveredTopic | None:
        rule = self._by_id.get(topic_id)
        return None if rule is None else rule.topic
