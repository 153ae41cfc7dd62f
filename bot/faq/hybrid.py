"""The semantic half of matching, and the one decision that fuses it with the lexical half.

The lexical matcher knows the content's words; people use others ("is it
legit for cramps", "zonked", a product name misheard by dictation). A
sentence embedding compares meaning instead: the message against every
phrasing, question and answer of every entry, against the examples of the
topics the article does not cover, and against clearly unrelated
questions. Meaning alone is too generous ("vitamin D dosage" is close to
"dosage"), so it never decides alone: the fused score (`Weights`) is
compared with thresholds tuned on the development questions
(bench/matching.py DEVELOPMENT) by `bench/tune_hybrid.py`, and the domain
guard and safety rules run before it in the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from bot.faq.content import Content
from bot.faq.semantic import Embedder, NearestIndex

UNRELATED = "none"  # label of the unrelated examples
NOT_COVERED_PREFIX = "not:"  # label prefix of an uncovered topic's examples
MAX_TEXT_CHARS = 1000  # the model reads 128 tokens; a question part is far shorter


@dataclass(frozen=True)
class Weights:
    """The fused decision's parameters (see `decide`), tuned on development data only."""

    lexical: float = 0.25  # weight of the lexical score (0-1) against the cosine
    answer: float = 0.56  # fused score needed to answer
    margin: float = 0.03  # lead over the runner-up needed to answer rather than ask
    clarify: float = 0.53  # fused score needed to offer a "did you mean"
    off_margin: float = 0.0  # how much nearer an off-topic example must be than any entry
    off_floor: float = 0.45  # and how near at least
    cascade: float = 75.0  # a lexical clear winner this sure is answered without the model
    meaning: float = 0.62  # a cosine this high, with `meaning_margin` over the next entry, answers
    meaning_margin: float = 0.08
    form: float = 0.06  # cosine taken from an entry tagged with another question form


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Semantic:
    """Best cosine per label for one message: entries, uncovered topics, unrelated."""

    entries: dict[str, float]  # entry id -> cosine, best first
    off_label: str | None  # nearest off-topic label (UNRELATED or an uncovered topic id)
    off_score: float
    offs: dict[str, float] = field(default_factory=dict)  # every off-topic label's best

    def without(self, label: str) -> Semantic:
        """The same reading with one off-topic label ruled out: the next nearest leads."""
        rest = {k: v for k, v in self.offs.items() if k != label}
        best, score = _nearest(rest)
        return replace(self, off_label=best, off_score=score, offs=rest)

    @property
    def uncovered(self) -> str | None:
        """The uncovered topic id when that is the nearest off-topic label."""
        if self.off_label is None or self.off_label == UNRELATED:
            return None
        return self.off_label


def shipped_vectors(content_path: str | Path) -> Path:
    """Where `python -m bot embed` writes the content's vectors: beside the FAQ file
    (content/faq.yaml -> content/faq-vectors.npz), committed with it."""
    path = Path(content_path)
    return path.with_name(f"{path.stem}-vectors.npz")


class SemanticIndex:
    """Every entry's texts and every off-topic example, embedded once per content."""

    def __init__(self, content: Content, embedder: Embedder, *, saved: Path | None = None) -> None:
        """`saved` keeps the vectors between starts; the content's shipped ones
        (`shipped_vectors`) spare a fresh machine the model time."""
        texts: list[str] = []
        labels: list[str] = []
        for entry in content.entries:
            for text in (entry.question, *entry.phrasings, *entry.examples, entry.answer):
                texts.append(text)
                labels.append(entry.id)
        for topic in content.not_covered:
            for text in topic.examples:
                texts.append(text)
                labels.append(NOT_COVERED_PREFIX + topic.id)
        for text in content.unrelated_examples:
            texts.append(text)
            labels.append(UNRELATED)
        self._embedder = embedder
        seed = shipped_vectors(content.path)
        self._index = NearestIndex.build(embedder, texts, labels, saved=saved, seed=seed)
        # Rows grouped by label (labels in order of first appearance), so each
        # label's best cosine is one numpy reduction, not a Python loop per row.
        code_of = {label: i for i, label in enumerate(dict.fromkeys(self._index.labels))}
        names = list(code_of)
        codes = np.array([code_of[x] for x in self._index.labels], dtype=np.int64)
        self._order = np.argsort(codes, kind="stable")
        self._starts = np.searchsorted(codes[self._order], np.arange(len(names)))
        self._names = names

    def __len__(self) -> int:
        return len(self._index)

    def assess(self, texts: Sequence[str]) -> Semantic:
        """Each label's best cosine over the given views of one message (the engine
        passes one: the message as sent)."""
        views = [t[:MAX_TEXT_CHARS] for t in texts if t.strip()]
        if not views or not len(self._index):
            return Semantic({}, None, 0.0)
        vectors = self._embedder.embed(views)
        sims = np.max(self._index.matrix @ vectors.T, axis=1)
        best = np.maximum.reduceat(sims[self._order], self._starts).tolist()
        entries: dict[str, float] = {}
        offs: dict[str, float] = {}
        for label, s in zip(self._names, best, strict=True):
            if label == UNRELATED or label.startswith(NOT_COVERED_PREFIX):
                off = label.removeprefix(NOT_COVERED_PREFIX)
                offs[off] = max(s, offs.get(off, -2.0))
            else:
                entries[label] = s
        ranked = dict(sorted(entries.items(), key=lambda kv: -kv[1]))
        return Semantic(ranked, *_nearest(offs), offs)


def _nearest(offs: dict[str, float]) -> tuple[str | None, float]:
    """The nearest off-topic label and its cosine (never below 0), or (None, 0)."""
    label = max(offs, key=offs.__getitem__, default=None)
    return label, 0.0 if label is None else max(offs[label], 0.0)


def asked_otherwise(forms: dict[str, str], entry_id: str, form: str | None) -> bool:
    """The entry is tagged with a question form (`forms`) that is not the message's
    (none detected counts as another): how it helps, asked as "does it work?"."""
    tag = forms.get(entry_id)
    return tag is not None and tag != form


def nudge(semantic: Semantic, forms: dict[str, str], form: str | None, amount: float) -> Semantic:
    """Entries tagged with a question form (`forms`: entry id -> form) lose `amount`
    when the message is asked another way. Only a loss: a form is no reason to
    prefer an entry over one about something else."""
    if form is None or not amount or not forms:
        return semantic
    moved = {
        e: c - (amount if asked_otherwise(forms, e, form) else 0.0)
        for e, c in semantic.entries.items()
    }
    return replace(semantic, entries=dict(sorted(moved.items(), key=lambda kv: -kv[1])))


def settle_by_form(decision: Decision, forms: dict[str, str], form: str | None) -> Decision:
    """A "did you mean" between entries that differ in how a question is asked is
    no real doubt when the message says how: the choices tagged with another form
    go, and one left is the answer ("does it truly help?" between how it helps
    and whether it works)."""
    if form is None or len(decision.close) < 2:
        return decision
    kept = tuple(e for e in decision.close if not asked_otherwise(forms, e, form))
    if len(kept) == len(decision.close) or not kept:
        return decision
    if len(kept) == 1:
        return replace(decision, answer=kept[0], close=())
    return replace(decision, close=kept)


@dataclass(frozen=True)
class Decision:
    """What the fused scores say: answer one entry, ask between some, or neither."""

    answer: str | None
    close: tuple[str, ...]  # for clarify: entries within the margin, best first
    score: float  # fused score of the best entry, 0-100
    off_topic: str | None  # UNRELATED or an uncovered topic id, when that won


def fuse(
    lexical: dict[str, float], semantic: Semantic, weights: Weights = DEFAULT_WEIGHTS
) -> list[tuple[str, float]]:
    """(entry id, fused 0-1) best first: weighted lexical score (0-100) plus cosine."""
    w = weights.lexical
    fused = [
        (entry_id, w * lexical.get(entry_id, 0.0) / 100.0 + (1.0 - w) * cos)
        for entry_id, cos in semantic.entries.items()
    ]
    fused.sort(key=lambda kv: -kv[1])
    return fused


def decide(
    lexical: dict[str, float],
    semantic: Semantic,
    weights: Weights = DEFAULT_WEIGHTS,
    max_close: int = 3,
) -> Decision:
    """One calibrated decision from both halves (see `Weights`)."""
    fused = fuse(lexical, semantic, weights)
    if not fused:
        return Decision(None, (), 0.0, None)
    top_id, top = fused[0]
    best_cos = max(semantic.entries.values())
    if (
        semantic.off_label is not None
        and semantic.off_score >= weights.off_floor
        and semantic.off_score >= best_cos + weights.off_margin
    ):
        return Decision(None, (), 100.0 * top, semantic.off_label)
    runner = fused[1][1] if len(fused) > 1 else 0.0
    if top >= weights.answer and top - runner >= weights.margin:
        return Decision(top_id, (), 100.0 * top, None)
    cosines = list(semantic.entries.items())
    near_id, near = cosines[0]
    second = cosines[1][1] if len(cosines) > 1 else 0.0
    if near >= weights.meaning and near - second >= weights.meaning_margin:
        return Decision(near_id, (), 100.0 * max(top, near), None)
    if top >= weights.clarify:
        close = tuple(i for i, s in fused if top - s < weights.margin)[:max_close]
        if len(close) == 1:
            return Decision(top_id, (), 100.0 * top, None)
        return Decision(None, close, 100.0 * top, None)
    return Decision(None, (), 100.0 * top, None)
