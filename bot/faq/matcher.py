"""Score a normalised question against every FAQ entry with rapidfuzz.

Two signals are blended. A fuzzy one (rapidfuzz over every phrasing) rewards
questions worded like a known phrasing, typos and word order included. A
keyword one (IDF-weighted coverage of the question by the entry's
vocabulary) rewards the right topic words and, just as important, penalises
words the entry has never seen, which is what keeps "magnesium for
migraines" from being answered as if it were a known question.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.faq.content import Content
from bot.faq.normalize import Analysis, Normalizer

FUZZY_WEIGHT = 0.7
UNKNOWN_FACTOR = 2.0
NO_SHARED_WORD_FACTOR = 0.5
ANSWER_THRESHOLD = 55.0  # below this nothing fits: fallback
CLARIFY_MARGIN = 3.0  # top entries closer than this: ask which one
MAX_ALTERNATIVES = 3


@dataclass(frozen=True)
class Scored:
    entry_id: str
    score: float  # 0-100


class Matcher:
    """Precomputed phrasing index over one Content."""

    def __init__(self, content: Content, normalizer: Normalizer) -> None:
        self._norm = normalizer
        self._ids = [e.id for e in content.entries]
        self._choices: list[str] = []
        self._owner: list[int] = []
        vocab: list[set[str]] = []
        for idx, entry in enumerate(content.entries):
            words: set[str] = set()
            for text in (entry.question, *entry.phrasings):
                toks = self._content_tokens(text)
                words.update(toks)
                # Tokens pre-sorted once, so plain ratio equals token_sort_ratio at less cost.
                self._choices.append(" ".join(sorted(toks)))
                self._owner.append(idx)
            for text in (*entry.keywords, *entry.safety_terms):
                words.update(self._content_tokens(text))
            vocab.append(words)
        self._vocab = vocab
        n = len(vocab)
        df: dict[str, int] = {}
        for words in vocab:
            for w in words:
                df[w] = df.get(w, 0) + 1
        self._idf = {w: math.log(1.0 + n / c) for w, c in df.items()}
        self._unknown_idf = UNKNOWN_FACTOR * math.log(1.0 + n)

    def _content_tokens(self, text: str) -> tuple[str, ...]:
        return self._norm.analyse(text).content

    def idf(self, token: str) -> float:
        return self._idf.get(token, self._unknown_idf)

    def score(self, analysis: Analysis) -> list[Scored]:
        """Every entry's score for this question, best first."""
        content = tuple(dict.fromkeys(analysis.content))  # repeating a word adds nothing
        if not content:
            return [Scored(i, 0.0) for i in self._ids]
        query = " ".join(sorted(content))
        fuzzy = [0.0] * len(self._ids)
        for _choice, value, pos in process.extract(
            query, self._choices, scorer=fuzz.ratio, limit=None
        ):
            owner = self._owner[pos]
            if value > fuzzy[owner]:
                fuzzy[owner] = value
        weights = {t: self.idf(t) for t in set(content)}
        total = sum(weights.values())
        out = []
        for idx, entry_id in enumerate(self._ids):
            covered = sum(w for t, w in weights.items() if t in self._vocab[idx])
            keyword = 100.0 * covered / total
            combined = FUZZY_WEIGHT * fuzzy[idx] + (1.0 - FUZZY_WEIGHT) * keyword
            if covered == 0.0:
                # Not one of the question's words is known to this entry: a look-alike
                # spelling ("weather" ~ "water") is not enough to answer with it.
                combined *= NO_SHARED_WORD_FACTOR
            out.append(Scored(entry_id, round(combined, 1)))
        out.sort(key=lambda s: -s.score)
        return out
