"""Topics the article does not cover, each with its own honest reply.

People ask about price, children, pregnancy, pets, other forms of magnesium
or how soon it works. The article says nothing about these, and answering
with the nearest entry (usually dosage) would be wrong and sometimes unsafe:
a child's dose is not an adult's. Each topic is content (faq.yaml
`not_covered`): the words that mark it, the examples the semantic layer
compares messages with, and a short reply that says the article does not
cover it and who to ask. The reply never names an amount.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.faq.yamlsource import Reader

MAX_REPLY_CHARS = 300
_AMOUNT = re.compile(r"\d\s*(mg|g|mcg|milligram)", re.IGNORECASE)


@dataclass(frozen=True)
class UncoveredTopic:
    """One topic the article does not cover.

    `terms` mark the topic on their own in the question part of a message
    (or anywhere in it when `anywhere`: being pregnant matters even when said
    in passing); `context` words anywhere mark it only with one of `cues` in
    the question part ("my son" is about a child only when the message asks
    whether to give him something), unless the question part says it is for the
    asker (`asker`: "is it safe for me", told after a story about a daughter).
    A context word followed by one of `actor` ("my son bought me", "my
    granddaughter says") names someone acting, not someone taking it, unless
    the question part asks about them (`recipient`: "can she take it?").
    With `needs_words`, a message near the topic's examples in meaning is
    taken for it only when it also uses one of its terms or context words (or
    an age under `max_age`). With `adults`, it is not taken for it when it
    names one of them and no child: "will it help her?" about a wife is close
    to "will it help her?" about a daughter, and only the words tell them
    apart, while "my stepson" or "my 3rd grader" must still count.
    """

    id: str
    reply: str
    terms: tuple[str, ...]
    context: tuple[str, ...]
    cues: tuple[str, ...]
    examples: tuple[str, ...]
    anywhere: bool = False
    max_age: int | None = None  # a stated age up to this marks the topic ("my 8 year old")
    asker: tuple[str, ...] = ()
    actor: tuple[str, ...] = ()
    recipient: tuple[str, ...] = ()  # "can she ...": the child is the one asked about
    needs_words: bool = False  # the semantic layer names it only if the message uses its words
    adults: tuple[str, ...] = ()  # ... and never for a message about one of these alone


def _age(r: Reader, value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 120:
        raise r.doc.error(where, "must be a whole number of years from 1 to 120")
    return value


def parse_uncovered(
    r: Reader, raw: Any, identifier: Callable[[Any, str], str]
) -> tuple[UncoveredTopic, ...]:
    """The `not_covered` section; ContentError (file:line: field) when malformed."""
    topics: list[UncoveredTopic] = []
    seen: set[str] = set()
    for at, m in r.records(raw, "not_covered"):
        ident = identifier(r.field(m, "id", at), f"{at}.id")
        if ident in seen:
            raise r.doc.error(f"{at}.id", f"duplicate id '{ident}'")
        seen.add(ident)
        reply = r.text(r.field(m, "reply", at), f"{at}.reply", MAX_REPLY_CHARS)
        if _AMOUNT.search(reply):
            raise r.doc.error(f"{at}.reply", "must not name an amount")
        context = r.texts(m.get("context"), f"{at}.context", allow_empty=True)
        cues = r.texts(m.get("cues"), f"{at}.cues", allow_empty=True)
        if bool(context) != bool(cues):
            raise r.doc.error(at, "'context' and 'cues' go together: give both or neither")
        for key in ("actor", "recipient"):
            if m.get(key) and not context:
                raise r.doc.error(f"{at}.{key}", "only means something with 'context'")
        topics.append(
            UncoveredTopic(
                id=ident,
                reply=reply,
                terms=r.texts(m.get("terms"), f"{at}.terms", allow_empty=True),
                context=context,
                cues=cues,
                examples=r.texts(m.get("examples"), f"{at}.examples", allow_empty=True),
                anywhere=r.flag(m.get("anywhere", False), f"{at}.anywhere"),
                max_age=_age(r, m.get("max_age"), f"{at}.max_age"),
                asker=r.texts(m.get("asker"), f"{at}.asker", allow_empty=True),
                actor=r.texts(m.get("actor"), f"{at}.actor", allow_empty=True),
                recipient=r.texts(m.get("recipient"), f"{at}.recipient", allow_empty=True),
                needs_words=r.flag(m.get("needs_words", False), f"{at}.needs_words"),
                adults=r.texts(m.get("adults"), f"{at}.adults", allow_empty=True),
            )
        )
    return tuple(topics)
