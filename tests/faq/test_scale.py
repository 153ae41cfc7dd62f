"""Bigger FAQs: the fast matcher scores exactly as the straightforward one, loads stay flat."""

from __future__ import annotations

import math

from rapidfuzz import fuzz, process

from bot.faq.content import Content
from bot.faq.matcher import FUZZY_WEIGHT, NO_SHARED_WORD_FACTOR, UNKNOWN_FACTOR, Scored
from bot.faq.normalize import Analysis, Normalizer


class ReferenceMatcher:
    """The matcher as it was: every phrasing scored, every entry's vocabulary looped over."""

    def __init__(self, content: Content, normalizer: Normalizer) -> None:
        self._norm = normalizer
        self._ids = [e.id for e in content.entries]
        self._choices: list[str] = []
        self._owner: list[int] = []
        vocab: list[set[str]] = []
        for idx, entry in enumerate(content.entries):
            words: set[str] = set()
            for text in (entry.question, *entry.phrasings):
                toks = self._norm.analyse(text).content
                words.update(toks)
                self._choices.append(" ".join(sorted(toks)))
                self._owner.append(idx)
            for text in (*entry.keywords, *entry.safety_terms):
                words.update(self._norm.analyse(text).content)
            vocab.append(words)
        self._vocab = vocab
        n = len(vocab)
        df: dict[str, int] = {}
        for words in vocab:
            for w in words:
                df[w] = df.get(w, 0) + 1
        self._idf = {w: math.log(1.0 + n / c) for w, c in df.items()}
        self._unknown_idf = UNKNOWN_FACTOR * math.log(1.0 + n)

    def idf(self, token: str) -> float:
        return self._idf.get(token, self._unknown_idf)

    def score(self, analysis: Analysis) -> list[Scored]:
        content = tuple(dict.fromkeys(analysis.content))
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
                combined *= NO_SHARED_WORD_FACTOR
            out.append(Scored(entry_id, round(combined, 1)))
        out.sort(key=lambda s: -s.score)
        return out
