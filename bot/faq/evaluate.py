"""Accuracy of the engine on a labelled question file.

The file maps entry ids to questions (`in_scope`) and lists questions that
must not be answered with an entry (`out_of_scope`: a list, or categories
each with a list); see tests/data/questions.yaml and outsider.yaml. A
question out of scope is rejected by the fallback, small talk, an uncovered
topic's reply or the other-language reply. "Wrong" counts answers with the
wrong entry, over every question: the confident mistakes that hurt most.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.faq.engine import Engine
from bot.faq.reply import Kind, Reply
from bot.faq.yamlsource import ContentError, load_located


@dataclass(frozen=True)
class Miss:
    question: str
    expected: str | None
    got: str


# The labelled question sets in tests/data: development is tuned on (and taught
# to triage's net as ordinary messages); held-out sets were written by outsiders
# and are never tuned on (bench/matching.py, tests/faq/test_understanding.py).
DEVELOPMENT_SETS = (
    "questions.yaml",
    "holdout.yaml",
    "outsider.yaml",
    "outsider_heldout.yaml",
    "outsider_heldout2.yaml",
    "outsider_heldout3.yaml",
    "outsider_heldout4.yaml",
    "outsider_heldout5.yaml",
    "outsider_heldout6.yaml",
    "outsider_heldout7.yaml",
    "outsider_heldout8.yaml",
)
HELD_OUT_SETS = (
    "outsider_heldout9.yaml",
    "outsider_heldout10.yaml",
)

REJECTIONS = (Kind.FALLBACK, Kind.SMALLTALK, Kind.NOT_COVERED, Kind.OTHER_LANGUAGE)


@dataclass
class EvalResult:
    in_scope: int = 0
    correct: int = 0
    out_of_scope: int = 0
    rejected: int = 0
    wrong: int = 0  # answered with an entry, and not the expected one
    misses: list[Miss] = field(default_factory=list)
    by_category: dict[str, tuple[int, int]] = field(default_factory=dict)  # rejected, total

    def tally(
        self, expected: str | None, kind: Kind, entry_id: str | None, category: str = ""
    ) -> bool:
        """Count one reply to a question expecting `expected` (None: out of scope)."""
        if expected is None:
            self.out_of_scope += 1
            ok = kind in REJECTIONS
            self.rejected += ok
            if category:
                hits, total = self.by_category.get(category, (0, 0))
                self.by_category[category] = (hits + ok, total + 1)
        else:
            self.in_scope += 1
            ok = kind is Kind.ANSWER and entry_id == expected
            self.correct += ok
        self.wrong += kind is Kind.ANSWER and not ok
        return ok

    @property
    def wrong_rate(self) -> float:
        total = self.in_scope + self.out_of_scope
        return self.wrong / total if total else 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.in_scope if self.in_scope else 1.0

    @property
    def rejection(self) -> float:
        return self.rejected / self.out_of_scope if self.out_of_scope else 1.0

    def report(self) -> str:
        lines = [
            f"in-scope top-1 accuracy: {_rate(self.correct, self.in_scope)}",
            f"out-of-scope rejection:  {_rate(self.rejected, self.out_of_scope)}",
            f"confidently wrong:       {_rate(self.wrong, self.in_scope + self.out_of_scope)}",
        ]
        lines.extend(
            f"  {category}: rejected {_rate(hits, total)}"
            for category, (hits, total) in sorted(self.by_category.items())
        )
        if self.misses:
            lines.append(f"misses ({len(self.misses)}):")
            lines.extend(
                f"  expected {m.expected or 'fallback'}, got {m.got}: {m.question}"
                for m in self.misses
            )
        return "\n".join(lines)


def _rate(hits: int, total: int) -> str:
    """ "95.0% (57/60)", or "no questions" rather than a 100% of nothing."""
    return f"{hits / total:.1%} ({hits}/{total})" if total else "no questions of this kind"


def load_labelled(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """(question, expected id) pairs and out-of-scope questions; ContentError if malformed."""
    pairs, oos = load_categorised(path)
    return pairs, [q for q, _ in oos]


def load_categorised(path: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """As `load_labelled`, each out-of-scope question with its category ("" if none)."""
    doc = load_located(path)
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error("", "must be a mapping with in_scope and out_of_scope")
    pairs: list[tuple[str, str]] = []
    in_scope = data.get("in_scope") or {}
    if not isinstance(in_scope, dict):
        raise doc.error("in_scope", "must map entry ids to lists of questions")
    for entry_id, questions in in_scope.items():
        if not isinstance(questions, list):
            raise doc.error(f"in_scope.{entry_id}", "must be a list of questions")
        pairs.extend((str(q), str(entry_id)) for q in questions)
    oos = data.get("out_of_scope") or []
    if isinstance(oos, list):
        return pairs, [(str(q), "") for q in oos]
    if not isinstance(oos, dict):
        raise doc.error("out_of_scope", "must be a list of questions, or categories of lists")
    out: list[tuple[str, str]] = []
    for category, questions in oos.items():
        if not isinstance(questions, list):
            raise doc.error(f"out_of_scope.{category}", "must be a list of questions")
        out.extend((str(q), str(category)) for q in questions)
    return pairs, out


def describe(engine: Engine, question: str) -> str:
    return _describe(engine.reply(question))


def _describe(reply: Reply) -> str:
    if reply.kind is Kind.NOT_COVERED:
        return f"not_covered({reply.topic})"
    if reply.kind is Kind.CLARIFY:
        return "clarify(" + ", ".join(reply.alternatives) + ")"
    return reply.entry_id or reply.kind.value


def evaluate(engine: Engine, path: Path) -> EvalResult:
    pairs, oos = load_categorised(path)
    result = EvalResult()
    known = {e.id for e in engine.content.entries}
    for question, expected in pairs:
        if expected not in known:
            raise ContentError(str(path), 1, f"in_scope.{expected}", "unknown entry id")
        reply = engine.reply(question)
        if not result.tally(expected, reply.kind, reply.entry_id):
            result.misses.append(Miss(question, expected, _describe(reply)))
    for question, category in oos:
        reply = engine.reply(question)
        if not result.tally(None, reply.kind, reply.entry_id, category):
            result.misses.append(Miss(question, category or None, _describe(reply)))
    return result
