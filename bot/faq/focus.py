"""Find the question inside a message as people write it.

People greet first ("hiya! quick one, does it make you drowsy?") and tell a
story before asking ("been on my feet all day at the warehouse and my calves
lock up every night. would this stuff sort it?"). Matched as a whole, the
story dilutes the question and its words pull towards the wrong entry. So a
message is split into sentences and clauses; the ones that ask something
are the question part, and a greeting in front is dropped. The whole
message is still kept: the engine scores both and trusts the better.

Pure string work, no content needed, never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\s*[\n\r]+\s*|(?<=[.!?])(?=[A-Za-z])")
_QUESTION_START = frozenset(
    [
        "what",
        "whats",
        "what's",
        "how",
        "hows",
        "how's",
        "can",
        "could",
        "should",
        "shall",
        "would",
        "will",
        "is",
        "isnt",
        "isn't",
        "are",
        "arent",
        "aren't",
        "do",
        "does",
        "doesnt",
        "doesn't",
        "did",
        "any",
        "anything",
        "why",
        "when",
        "where",
        "which",
        "who",
        "whos",
        "who's",
        "may",
        "might",
        "am",
        "wat",
        "wut",
        "howmuch",
        "hw",
        "shd",
        "shld",
        "cn",
        "wud",
    ]
)
# Said before the question, never part of it.
_OPENERS = re.compile(
    r"^\s*(?:(?:hey there|hi there|hello there|hi+|hiya|hey+|hello+|helo|hallo|howdy|yo|"
    r"sup|heya|good (?:morning|afternoon|evening|day)|morning|evening|greetings|"
    r"dear (?:sir|madam|bot)|ok(?:ay)?|so|um+|uh+|erm+|hmm+|right|well|quick one|"
    r"quick question|question|random question|silly question|dumb question|"
    r"stupid question|sorry to bother you|sorry|excuse me|thanks|thank you|cheers|"
    r"please|pls|plz|bot|mate|guys|folks|all|everyone|doc|doctor|team|love)"
    r"\b[\s,.!:;)\-]*)+",
    re.IGNORECASE,
)
MAX_PARTS = 3  # question sentences kept; more adds cost and rarely the answer


@dataclass(frozen=True)
class Focus:
    """A message seen whole and as its question part."""

    whole: str  # the message without a greeting in front
    question: str  # the sentences that ask; the whole message when none stands out

    @property
    def narrowed(self) -> bool:
        """True when the question part is a real subset worth scoring on its own."""
        return self.question != self.whole


def strip_opener(text: str) -> str:
    """The text without greetings and filler in front ("hiya! quick one, ...")."""
    rest = _OPENERS.sub("", text, count=1)
    return rest if rest.strip() else text


def sentences(text: str) -> list[str]:
    """Sentences of `text`, trimmed, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def _asks(sentence: str) -> bool:
    if "?" in sentence:
        return True
    first = strip_opener(sentence).lower().split(maxsplit=1)
    return bool(first) and first[0].strip(",.!:;") in _QUESTION_START


def focus(text: str) -> Focus:
    """The whole message and its question part (see the module docstring)."""
    whole = strip_opener(text).strip()
    parts = sentences(whole)
    if len(parts) <= 1:
        return Focus(whole, whole)
    asking = [strip_opener(p) for p in parts if _asks(p)]
    if not asking:
        asking = [parts[-1]]  # statements only: the last one is usually the point
    question = " ".join(asking[-MAX_PARTS:])
    return Focus(whole, question)
