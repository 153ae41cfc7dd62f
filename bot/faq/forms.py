"""How a question is asked, for entries that differ mostly in that.

"How does it help with cramps?" wants the mechanism; "does it help with
cramps?" wants a verdict. Both share every content word, so neither the
fuzzy matcher nor the sentence model tells them apart well, and the bot
used to ask "did you mean" between the two. Content names the forms
(faq.yaml `matching.question_forms`: cue phrases anywhere, or opening words
of a clause) and tags the entries that answer one form (`form:`). The form
whose cue comes first in the question part wins; the engine then moves a
tagged entry asked the other way down (see `hybrid.nudge`, `Weights.form`).

Pure string work over content; never raises on a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.faq.yamlsource import Reader

_WORD = re.compile(r"[a-z0-9']+")
_TOKEN = re.compile(r"[a-z0-9']+|[.!?;:,\n]|\s-\s")
_JOINERS = frozenset({"or", "and", "but", "so"})  # a clause may open after these


@dataclass(frozen=True)
class QuestionForm:
    """One way of asking: cue phrases anywhere, or words that open a clause.

    An opener and the word after it that make one of `requests` open a
    request, not this form: "can you explain how it works" asks how, though
    "can" opens it ("do you think it works?" still asks whether)."""

    name: str
    cues: tuple[tuple[str, ...], ...]
    openers: frozenset[str]
    requests: frozenset[tuple[str, str]] = frozenset()
    by_first: dict[str, tuple[tuple[str, ...], ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        # Cues by first word: one pass over a message, not one per cue.
        for cue in self.cues:
            if cue:
                self.by_first[cue[0]] = (*self.by_first.get(cue[0], ()), cue)


@dataclass(frozen=True)
class QuestionForms:
    forms: tuple[QuestionForm, ...] = ()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.forms)

    def form_of(self, text: str) -> str | None:
        """The form whose cue appears first in `text`; None when no cue does."""
        words = _WORD.findall(text.lower().replace("’", "'"))
        if not words or not self.forms:
            return None
        openings = _clause_openings(text.lower())
        best: tuple[int, str] | None = None
        for form in self.forms:
            at = _first_cue(words, form.by_first)
            opened = [
                i
                for i, w in openings
                if w in form.openers
                and (i + 1 >= len(words) or (w, words[i + 1]) not in form.requests)
            ]
            if opened and (at is None or opened[0] < at):
                at = opened[0]
            if at is not None and (best is None or at < best[0]):
                best = (at, form.name)
        return best[1] if best else None


def _first_cue(words: list[str], by_first: dict[str, tuple[tuple[str, ...], ...]]) -> int | None:
    for i, word in enumerate(words):
        for cue in by_first.get(word, ()):
            if tuple(words[i : i + len(cue)]) == cue:
                return i
    return None


def _clause_openings(text: str) -> list[tuple[int, str]]:
    """(word index, word) of every word that opens a clause: the first word, and
    any after punctuation or after "or", "and", "but", "so"."""
    out: list[tuple[int, str]] = []
    index = 0
    opening = True
    for token in _TOKEN.findall(text.replace("’", "'")):
        if not _WORD.fullmatch(token):
            opening = True
            continue
        if opening:
            out.append((index, token))
        opening = token in _JOINERS
        index += 1
    return out


def parse_forms(r: Reader, raw: Any, where: str) -> QuestionForms:
    """`matching.question_forms`: {name: {cues, openers, requests}}; may be absent."""
    if raw is None:
        return QuestionForms()
    forms = []
    for name, spec in r.mapping(raw, where).items():
        at = f"{where}.{name}"
        m = r.mapping(spec, at)
        cues = r.texts(m.get("cues"), f"{at}.cues", allow_empty=True)
        openers = r.texts(m.get("openers"), f"{at}.openers", allow_empty=True)
        if not cues and not openers:
            raise r.doc.error(at, "needs cues or openers")
        forms.append(
            QuestionForm(
                name=str(name),
                cues=tuple(tuple(_WORD.findall(c.lower())) for c in cues),
                openers=frozenset(o.lower() for o in openers),
                requests=_requests(r, m.get("requests"), f"{at}.requests", openers),
            )
        )
    return QuestionForms(tuple(forms))


def _requests(
    r: Reader, raw: Any, where: str, openers: tuple[str, ...]
) -> frozenset[tuple[str, str]]:
    """Two words each, the first an opener of the same form ("can you")."""
    pairs: set[tuple[str, str]] = set()
    opening = {o.lower() for o in openers}
    for i, item in enumerate(r.texts(raw, where, allow_empty=True)):
        words = tuple(_WORD.findall(item.lower()))
        if len(words) != 2 or words[0] not in opening:
            raise r.doc.error(f"{where}[{i}]", "must be two words, the first one of 'openers'")
        pairs.add((words[0], words[1]))
    return frozenset(pairs)
