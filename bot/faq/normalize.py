"""Turn what people type into canonical tokens the matcher can compare.

People write "Magnesum glycinat 4 cramps??", "renal", "the runs". We fold
case, accents and punctuation, fix misspellings against the content's own
vocabulary, then map synonyms to one canonical word, so that the question
and every phrasing in the FAQ meet in the same vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.faq.content import Content
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
        self.vocab = frozenset(vocab)
        self._typo_choices = sorted(w for w in vocab if w.isalpha() and len(w) >= 4)
        self._fix = lru_cache(maxsize=8192)(self._fix_uncached)

    def _fix_uncached(self, word: str) -> str:
        if word in self.vocab or len(word) < _MIN_TYPO_LEN or not word.isalpha():
            return word
        # One edit (OSA counts a swap of neighbours as one) for ordinary words, two for long ones.
        allowed = 1 if len(word) <= 7 else 2
        best = process.extractOne(
            word, self._typo_choices, scorer=OSA.distance, score_cutoff=allowed
        )
        return best[0] if best else word

    def words(self, text: str) -> tuple[str, ...]:
        """Basic tokens with misspellings corrected to known vocabulary."""
        return tuple(self._fix(w) for w in basic_tokens(text[:MAX_INPUT_CHARS]))

    def canonical(self, words: Iterable[str]) -> tuple[str, ...]:
        """Replace synonym variants (longest phrase first) with canonical tokens."""
        seq = list(words)
        out: list[str] = []
        i = 0
        while i < len(seq):
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
        content = tuple(t for t in tokens if t not in self.stopwords)
        return Analysis(raw=raw, words=words, tokens=tokens, content=content)

    def phrase(self, text: str) -> tuple[str, ...]:
        """A content phrase (term list item) in the same token space as `words`."""
        return tuple(basic_tokens(text))
