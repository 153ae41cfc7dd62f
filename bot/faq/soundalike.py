"""Product names that voice dictation split into ordinary words, put back together.

Why: dictation hears "magnesium glycinate" as "magnesium glide in eight",
"glisten eight", "glass in eight" or "magnet see um": every piece is a real
English word, so the typo fixer leaves them alone and the question loses
its subject. Two to four neighbouring words whose consonant skeleton is
within one edit of a subject term's, starting with the same two letters and
ending in the same consonant, are read as that term. Only long terms
(7+ letters) are tried, so short words are never merged into one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

MIN_TERM = 7  # shorter names have skeletons too small to compare safely
MIN_JOINED = 8  # fewer letters than this joined is not a dictated long name
_SOUNDS = (("eight", "ate"), ("ph", "f"), ("ck", "k"), ("c", "s"), ("z", "s"), ("y", "i"))
_VOWELS = re.compile("[aeiou]")
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=4096)
def skeleton(word: str) -> str:
    """The consonants as heard: "glycinate" -> "glsnt", "glide in eight" -> "gldnt"."""
    for spelled, heard in _SOUNDS:
        word = word.replace(spelled, heard)
    return _REPEATS.sub(r"\1", word[:1] + _VOWELS.sub("", word[1:]))


class SoundAlikes:
    """Merges dictated pieces of the given terms back into the term."""

    def __init__(self, terms: Iterable[str]) -> None:
        self._terms = {
            t: skeleton(t) for t in terms if len(t) >= MIN_TERM and t.isalpha() and " " not in t
        }
        self._starts = {t[:2] for t in self._terms}

    def merge(self, words: list[str]) -> list[str]:
        """`words` with each dictated run of 2-4 words replaced by the term it sounds like."""
        if not self._terms or self._starts.isdisjoint(w[:2] for w in words):
            return words
        out: list[str] = []
        i = 0
        while i < len(words):
            found = self._match(words, i) if words[i][:2] in self._starts else None
            if found is None:
                out.append(words[i])
                i += 1
            else:
                term, n = found
                out.append(term)
                i += n
        return out

    def _match(self, words: list[str], i: int) -> tuple[str, int] | None:
        if words[i] in self._terms:
            return None
        for n in (2, 3, 4):  # the shortest run that sounds like it
            run = words[i : i + n]
            joined = "".join(run)
            if len(run) < n or len(joined) < MIN_JOINED or not joined.isalpha():
                continue
            ending = skeleton(run[-1])[-1]  # the run must end where the name does
            terms = [
                (t, shape)
                for t, shape in self._terms.items()
                if t[:2] == joined[:2] and shape[-1] == ending and len(joined) <= 2 * len(t)
            ]
            if not terms:
                continue
            heard = skeleton(joined)
            for term, shape in terms:
                if Levenshtein.distance(heard, shape) <= 1:
                    return term, n
        return None
