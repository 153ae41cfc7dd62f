"""Score a normalised question against every FAQ entry with rapidfuzz.

Two signals are blended. A fuzzy one (rapidfuzz over every phrasing) rewards
questions worded like a known phrasing, typos and word order included. A
keyword one (IDF-weighted coverage of the question by the entry's
vocabulary) rewards the right topic words and, just as important, penalises
words the entry has never seen, which is what keeps "magnesium for
migraines" from being answered as if it were a known question.

Operators load FAQs of thousands of entries, so a question costs one
rapidfuzz `cdist` over the distinct phrasings and array work per entry: no
Python loop over phrasings or over each entry's vocabulary. The numbers are
the straightforward algorithm's to the last bit (tests/faq/test_scale.py
keeps that algorithm and compares).
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from bot.faq.content import Content
from bot.faq.normalize import Analysis, Normalizer

FUZZY_WEIGHT = 0.7
UNKNOWN_FACTOR = 2.0
NO_SHARED_WORD_FACTOR = 0.5
ANSWER_THRESHOLD = 55.0  # below this nothing fits: fallback
CLARIFY_MARGIN = 3.0  # top entries closer than this: ask which one
MAX_ALTERNATIVES = 3

_Floats = npt.NDArray[np.float64]
_MASK_BITS = 62  # question words per int64 mask column (bit 63 is the sign)


class Scored(NamedTuple):
    """A tuple, not a dataclass: thousands are built per question on a big FAQ."""

    entry_id: str
    score: float  # 0-100


_scored = partial(tuple.__new__, Scored)  # builds from an (id, score) pair at C speed


class Matcher:
    """Precomputed phrasing index over one Content."""

    def __init__(self, content: Content, normalizer: Normalizer) -> None:
        self._norm = normalizer
        self._ids = [e.id for e in content.entries]
        self._id_array = np.array(self._ids, dtype=object)
        slot_of: dict[str, int] = {}  # identical phrasings are scored once
        slots: list[int] = []
        starts: list[int] = []  # each entry's phrasings are contiguous, from here
        entries_of: dict[str, list[int]] = {}  # word -> entries whose vocabulary has it
        for idx, entry in enumerate(content.entries):
            starts.append(len(slots))
            words: set[str] = set()
            for text in (entry.question, *entry.phrasings):
                toks = self._content_tokens(text)
                words.update(toks)
                # Tokens pre-sorted once, so plain ratio equals token_sort_ratio at less cost.
                slots.append(slot_of.setdefault(" ".join(sorted(toks)), len(slot_of)))
            for text in (*entry.keywords, *entry.safety_terms):
                words.update(self._content_tokens(text))
            for w in words:
                entries_of.setdefault(w, []).append(idx)
        # One fresh string per phrasing, allocated side by side: cdist reads them all per question.
        self._choices = "\n".join(slot_of).split("\n") if slot_of else []
        self._slots = np.array(slots, dtype=np.intp)
        self._starts = np.array(starts, dtype=np.intp)
        self._entries_of = {w: np.array(e, dtype=np.intp) for w, e in entries_of.items()}
        n = len(self._ids)
        self._idf = {w: math.log(1.0 + n / len(e)) for w, e in entries_of.items()}
        self._unknown_idf = UNKNOWN_FACTOR * math.log(1.0 + n)

    def _content_tokens(self, text: str) -> tuple[str, ...]:
        return self._norm.content(text)

    def idf(self, token: str) -> float:
        return self._idf.get(token, self._unknown_idf)

    def score(self, analysis: Analysis) -> list[Scored]:
        """Every entry's score for this question, best first."""
        return self.score_best((analysis,))

    def score_best(self, analyses: tuple[Analysis, ...]) -> list[Scored]:
        """Each entry's best score over several views of one message, best first.

        One fuzzy pass for all views and one ranking: the same result as the
        per-entry maximum of `score` on each view, at about the cost of one.
        """
        contents = [tuple(dict.fromkeys(a.content)) for a in analyses]  # repeats add nothing
        contents = [c for c in contents if c]
        if not contents:
            return [Scored(i, 0.0) for i in self._ids]
        queries = [" ".join(sorted(c)) for c in contents]
        per_choice = process.cdist(
            queries, self._choices, scorer=fuzz.ratio, dtype=np.float64, workers=1
        )
        rounded = np.zeros(len(self._ids), dtype=np.float64)
        for row, content in zip(per_choice, contents, strict=True):
            rounded = np.maximum(rounded, self._combined(row, content))
        order = np.argsort(-rounded, kind="stable")  # ties keep content order
        pairs = zip(self._id_array[order].tolist(), rounded[order].tolist(), strict=True)
        return list(map(_scored, pairs))

    def _combined(self, per_choice: _Floats, content: tuple[str, ...]) -> _Floats:
        """One view's rounded score per entry, from its fuzzy ratio to every phrasing."""
        fuzzy = np.maximum.reduceat(per_choice[self._slots], self._starts)
        weights = {t: self.idf(t) for t in set(content)}
        total = sum(weights.values())
        covered = self._covered(weights)
        keyword = 100.0 * covered / total
        combined = FUZZY_WEIGHT * fuzzy + (1.0 - FUZZY_WEIGHT) * keyword
        # Not one of the question's words is known to this entry: a look-alike
        # spelling ("weather" ~ "water") is not enough to answer with it.
        combined = np.where(covered == 0.0, combined * NO_SHARED_WORD_FACTOR, combined)
        return _round1(combined)

    def _covered(self, weights: dict[str, float]) -> _Floats:
        """Per entry, the weight of the question's words it knows, summed as `sum` would.

        Entries are grouped by which of the words they know (a bit mask), and
        each group's weights are added by the builtin `sum` in the question's
        word order, so every float is the one a loop over entries would get.
        """
        known = [(t, w) for t, w in weights.items() if t in self._entries_of]
        columns = max(1, -(-len(known) // _MASK_BITS))
        masks = np.zeros((len(self._ids), columns), dtype=np.int64)
        for j, (t, _w) in enumerate(known):
            masks[self._entries_of[t], j // _MASK_BITS] |= 1 << (j % _MASK_BITS)
        if columns == 1:
            groups = np.unique(masks[:, 0])
            inverse = np.searchsorted(groups, masks[:, 0])  # cheaper than unique's own
            group_masks = [[g] for g in groups.tolist()]
        else:
            rows, inverse = np.unique(masks, axis=0, return_inverse=True)
            group_masks = rows.tolist()
        sums = [
            sum(
                w
                for j, (_t, w) in enumerate(known)
                if group[j // _MASK_BITS] >> (j % _MASK_BITS) & 1
            )
            for group in group_masks
        ]
        return np.array(sums, dtype=np.float64)[inverse.reshape(-1)]


def _round1(values: _Floats) -> _Floats:
    """`round(v, 1)` for every value, bit for bit, without a Python call per value.

    k / 10 is the double nearest to the decimal k/10, which is what `round`
    returns; only where ten times the value sits a hair from a half (the
    product itself rounded) could the rounding step differ, and there `round`
    decides.
    """
    tens = values * 10.0
    out = np.rint(tens) / 10.0
    near_half = np.abs(tens - np.floor(tens) - 0.5) < 1e-6
    for i in np.flatnonzero(near_half).tolist():
        out[i] = round(float(values[i]), 1)
    return out
