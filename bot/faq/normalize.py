"""Turn what people type into canonical tokens the matcher can compare.

People write "Magnesum glycinat 4 cramps??", "renal", "the runs". We fold
case, accents and punctuation, fix misspellings against the content's own
vocabulary, then map synonyms to one canonical word, so that the question
and every phrasing in the FAQ meet in the same vocabulary.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.faq.content import Content
from bot.faq.english import english_words
from bot.faq.soundalike import SoundAlikes
from bot.faq.tokens import basic_tokens

MAX_INPUT_CHARS = 300  # longer messages are cut so matching cost stays flat
_MIN_TYPO_LEN = 5  # shorter words are too easily 'corrected' into another word


def canonical_word(canon: str) -> str:
    """A synonym table key as one token ("side-effects" -> "sideeffects")."""
    return "".join(basic_tokens(canon))


class PhraseIndex:
    """Finds any of many token phrases in a message in one pass, by first word."""

    def __init__(self, phrases: Iterable[tuple[str, ...]]) -> None:
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            if phrase:
                self._by_first.setdefault(phrase[0], []).append(phrase)
        for group in self._by_first.values():
            group.sort(key=len, reverse=True)  # longest first: "magnesium citrate" over "magnesium"

    def find(self, tokens: tuple[str, ...]) -> list[tuple[int, int]]:
        """(start, end) spans of non-overlapping matches, left to right, longest first."""
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens):
            for phrase in self._by_first.get(tokens[i], ()):
                end = i + len(phrase)
                if tokens[i:end] == phrase:
                    spans.append((i, end))
                    i = end
                    break
            else:
                i += 1
        return spans

    def any_in(self, tokens: tuple[str, ...]) -> bool:
        return bool(self.find(tokens))


class _TypoIndex:
    """The vocabulary words a misspelling could be, without scoring the whole vocabulary.

    The vocabulary grows with the content, and a message of unknown words
    would otherwise cost one OSA distance per vocabulary word per word. Within
    `allowed` edits, lengths differ by at most `allowed` and the sets of letters
    used by at most 2 * `allowed` (no edit changes more than two), so words
    are bucketed by length and filtered by a 26-bit letter mask; what is left,
    alphabetical as the full sorted list was, gets the same `extractOne`.
    """

    def __init__(self, words: Iterable[str]) -> None:
        ordered = sorted(words, key=lambda w: (len(w), w))
        self._words = np.array(ordered, dtype=object)
        self._masks = np.array([_letters(w) for w in ordered], dtype=np.uint32)
        lengths = [len(w) for w in ordered]
        longest = lengths[-1] if lengths else 0
        # _start[n]: index of the first word of length >= n.
        self._start = [bisect_left(lengths, n) for n in range(longest + 2)]

    def closest(self, word: str, allowed: int) -> str | None:
        """The word within `allowed` OSA edits, fewest first, then alphabetically first."""
        best = process.extractOne(
            word, self._candidates(word, allowed), scorer=OSA.distance, score_cutoff=allowed
        )
        return best[0] if best else None

    def _candidates(self, word: str, allowed: int) -> list[str]:
        """Alphabetical; a superset of the words within `allowed` OSA edits of `word`."""
        last = len(self._start) - 1
        lo = self._start[min(max(len(word) - allowed, 0), last)]
        hi = self._start[min(len(word) + allowed + 1, last)]
        if lo == hi:
            return []
        near = np.bitwise_count(self._masks[lo:hi] ^ _letters(word)) <= 2 * allowed
        return sorted(self._words[lo:hi][near].tolist())


def _letters(word: str) -> int:
    """Which of a-z occur in `word`, as bits."""
    mask = 0
    for ch in set(word):
        if "a" <= ch <= "z":  # tokens are ASCII; ignoring anything else keeps the bound
            mask |= 1 << (ord(ch) - 97)
    return mask


@dataclass(frozen=True)
class Analysis:
    """One message seen three ways, for the different checks."""

    raw: str  # cut to MAX_INPUT_CHARS
    words: tuple[str, ...]  # basic tokens, misspellings fixed, no synonyms
    tokens: tuple[str, ...]  # words with synonyms mapped to canonical tokens
    content: tuple[str, ...]  # tokens without stopwords


class Normalizer:
    """Normalisation built from one Content: vocabulary, synonyms, stopwords."""

    def __init__(self, content: Content) -> None:
        self._phrases: dict[tuple[str, ...], str] = {}
        for canon, variants in content.synonyms.items():
            word = canonical_word(canon)
            for variant in variants:
                key = tuple(basic_tokens(variant))
                if key:
                    self._phrases[key] = word
        self._longest = max((len(k) for k in self._phrases), default=1)
        self._phrase_starts = frozenset(k[0] for k in self._phrases)
        self.stopwords = frozenset(w for s in content.stopwords for w in basic_tokens(s))
        vocab: set[str] = set(self.stopwords)
        texts: list[str] = [
            *content.subject_terms,
            *content.other_substances,
            *content.interaction_cues,
            *content.subject_pronouns,
            # Triage words are real words: never "correct" wheezing into weeing.
            *(
                w
                for c in content.triage.lexicon.concepts.values()
                for p in c
                for w in p.split()
                if not w.endswith("*")
            ),
        ]
        for canon, variants in content.synonyms.items():
            texts.append(canon)
            texts.extend(variants)
        for item in content.smalltalk:
            texts.extend(item.triggers)
        for entry in content.entries:
            texts.extend((entry.question, *entry.phrasings, *entry.keywords, *entry.safety_terms))
        for text in texts:
            vocab.update(basic_tokens(text))
        # Words of the uncovered topics are never "corrected" ("gluconate" is not
        # "glycinate") and never a correction ("dictation" is not "lactation").
        uncovered: set[str] = set()
        for topic in content.not_covered:
            for term in (*topic.terms, *topic.context, *topic.cues):
                uncovered.update(basic_tokens(term))
        self.vocab = frozenset(vocab | uncovered)
        # A word English already has is no typo: "kindly" is not "kindey" (kidney).
        self._english = english_words()
        self._typos = _TypoIndex(
            w for w in vocab - (uncovered - vocab) if w.isalpha() and len(w) >= 4
        )
        self._fix = lru_cache(maxsize=8192)(self._fix_uncached)
        self._heard = SoundAlikes(content.subject_terms)

    def _fix_uncached(self, word: str) -> str:
        if word in self.vocab or len(word) < _MIN_TYPO_LEN or not word.isalpha():
            return word
        if word in self._english:
            return word
        # One edit (OSA counts a swap of neighbours as one) for ordinary words, two for long ones.
        allowed = 1 if len(word) <= 7 else 2
        typo = self._typos.closest(word, allowed)
        if typo is not None and typo.startswith(word) and len(typo) == len(word) + 1:
            return typo  # "creatin" is creatine: one letter missing at the end
        dropped = word + "g"
        if word.endswith("in") and (dropped in self.vocab or dropped in self._english):
            return dropped  # "stayin" is staying, not "statin": a dropped g before a typo
        return typo or word

    def words(self, text: str) -> tuple[str, ...]:
        """Basic tokens, dictated pieces of the product's name joined, misspellings fixed."""
        return tuple(self._fix(w) for w in self._heard.merge(basic_tokens(text[:MAX_INPUT_CHARS])))

    def canonical(self, words: Iterable[str]) -> tuple[str, ...]:
        """Replace synonym variants (longest phrase first) with canonical tokens."""
        seq = list(words)
        if self._phrase_starts.isdisjoint(seq):
            return tuple(seq)
        out: list[str] = []
        i = 0
        while i < len(seq):
            if seq[i] not in self._phrase_starts:  # most words start no synonym phrase
                out.append(seq[i])
                i += 1
                continue
            for n in range(min(self._longest, len(seq) - i), 0, -1):
                hit = self._phrases.get(tuple(seq[i : i + n]))
                if hit is not None:
                    out.append(hit)
                    i += n
                    break
            else:
                out.append(seq[i])
                i += 1
        return tuple(out)

    def analyse(self, text: str) -> Analysis:
        raw = text[:MAX_INPUT_CHARS]
        words = self.words(raw)
        tokens = self.canonical(words)
        return Analysis(raw=raw, words=words, tokens=tokens, content=self._content(tokens))

    def content(self, text: str) -> tuple[str, ...]:
        """`analyse(text).content` alone, for indexing tens of thousands of phrasings."""
        return self._content(self.canonical(self.words(text)))

    def _content(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(t for t in tokens if t not in self.stopwords)

    def phrase(self, text: str) -> tuple[str, ...]:
        """A content phrase (term list item) in the same token space as `words`."""
        return tuple(basic_tokens(text))
