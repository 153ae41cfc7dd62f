"""Tune the hybrid matcher's `Weights` on the development questions only.

The engine is run once per development question with the cascade off, and
the inputs of its fused decision are recorded; then every combination of a
grid of weights is replayed over those records (the decision is cheap, the
model is not). A combination qualifies when out-of-scope rejection is at
least 95 % and confidently wrong answers at most 2.5 %; the best qualifying
one by in-scope accuracy is printed as a `Weights(...)` to paste into
`bot/faq/hybrid.py`. The held-out sets are never read here.

    python -m bench.tune_hybrid
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from pathlib import Path

from bench.common import table
from bot.faq.content import load_content
from bot.faq.engine import Engine
from bot.faq.evaluate import DEVELOPMENT_SETS, EvalResult, load_categorised
from bot.faq.hybrid import DEFAULT_WEIGHTS, Decision, Semantic, Weights, decide
from bot.faq.matcher import Scored
from bot.faq.reply import Kind
from bot.faq.safety import dose_mention
from bot.faq.semantic import MiniLM

ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT = [ROOT / "tests" / "data" / n for n in DEVELOPMENT_SETS]
MIN_REJECTION = 0.95
MAX_WRONG = 0.025


@dataclass
class Record:
    expected: str | None  # entry id, or None when out of scope
    kind: Kind  # the engine's reply with the cascade off
    entry_id: str | None
    decision_input: tuple[dict[str, float], Semantic, bool, list[Scored]] | None


class RecordingEngine(Engine):
    """The engine, remembering the inputs of its last fused decision."""

    last: tuple[dict[str, float], Semantic] | None = None

    def _decide(self, lexical: dict[str, float], semantic: Semantic) -> Decision:
        self.last = (lexical, semantic)
        return super()._decide(lexical, semantic)


def record(engine: RecordingEngine) -> list[Record]:
    engine.weights = replace(DEFAULT_WEIGHTS, cascade=1000.0)
    out: list[Record] = []
    for path in DEVELOPMENT:
        pairs, oos = load_categorised(path)
        items = [(q, e) for q, e in pairs] + [(q, None) for q, _ in oos]
        for question, expected in items:
            engine.last = None
            reply = engine.reply(question)
            state = None
            if engine.last is not None:
                lexical, semantic = engine.last
                scored = sorted((Scored(i, v) for i, v in lexical.items()), key=lambda s: -s.score)
                has_dose = dose_mention(question[:300]) is not None
                state = (lexical, semantic, has_dose, scored)
            out.append(Record(expected, reply.kind, reply.entry_id, state))
    return out


def outcome(rec: Record, w: Weights, dose_entry: str) -> tuple[Kind, str | None]:
    if rec.decision_input is None:
        return rec.kind, rec.entry_id
    lexical, semantic, has_dose, scored = rec.decision_input
    top = scored[0]
    runner = scored[1].score if len(scored) > 1 else 0.0
    if top.score >= w.cascade and top.score - runner >= 3.0:
        return Kind.ANSWER, top.entry_id
    d = decide(lexical, semantic, w)
    if d.off_topic is not None:
        return (Kind.FALLBACK, None) if d.off_topic == "none" else (Kind.NOT_COVERED, None)
    if d.answer is not None:
        return Kind.ANSWER, d.answer
    if has_dose:
        return Kind.ANSWER, dose_entry
    return (Kind.CLARIFY, None) if d.close else (Kind.FALLBACK, None)


def score(records: list[Record], w: Weights, dose_entry: str) -> tuple[float, float, float]:
    result = EvalResult()
    for rec in records:
        result.tally(rec.expected, *outcome(rec, w, dose_entry))
    return result.accuracy, result.rejection, result.wrong_rate


def main() -> None:
    content = load_content()
    engine = RecordingEngine(content, MiniLM())
    records = record(engine)
    grid = itertools.product(
        (0.2, 0.25, 0.3, 0.4, 0.5),  # lexical
        (0.56, 0.58, 0.6, 0.62, 0.66),  # answer
        (0.02, 0.03, 0.05),  # margin
        (75.0,),  # cascade: fixed, so most messages skip the model (p50 under 5 ms)
        (0.62, 0.66, 0.7, 2.0),  # meaning
        (0.03, 0.05, 0.08),  # meaning_margin
    )
    results = []
    for lex, ans, margin, cascade, meaning, meaning_m in grid:
        w = Weights(lex, ans, margin, ans - 0.03, 0.0, 0.45, cascade, meaning, meaning_m)
        acc, rej, wrong = score(records, w, content.dose_entry)
        results.append((acc, rej, wrong, w))
    ok = [r for r in results if r[1] >= MIN_REJECTION and r[2] <= MAX_WRONG]
    ok.sort(key=lambda r: (-r[0], r[2], -r[1]))
    if not ok:  # nothing meets both floors: the best balance, wrong answers weighed thrice
        ok = sorted(results, key=lambda r: -(r[0] + r[1] - 3 * r[2]))
    current = score(records, DEFAULT_WEIGHTS, content.dose_entry)
    rows = [["current", f"{current[0]:.1%}", f"{current[1]:.1%}", f"{current[2]:.1%}", ""]]
    for acc, rej, wrong, w in ok[:8]:
        rows.append(["candidate", f"{acc:.1%}", f"{rej:.1%}", f"{wrong:.1%}", repr(w)])
    fixed = sum(r.decision_input is None for r in records)
    fixed_wrong = sum(
        r.decision_input is None and r.kind is Kind.ANSWER and r.entry_id != r.expected
        for r in records
    )
    print(
        f"{len(records)} development questions ({fixed} decided before the fusion, "
        f"{fixed_wrong} of them wrongly), {len(results)} combinations"
    )
    print(
        table(
            "hybrid weights on development data",
            ["", "top-1", "rejection", "wrong", "weights"],
            rows,
        )
    )


if __name__ == "__main__":
    main()
