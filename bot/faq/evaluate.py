"""Accuracy of the engine on a labelled question file.

The file maps entry ids to questions (`in_scope`) and lists questions that
must get the fallback (`out_of_scope`); see tests/data/questions.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.faq.engine import Engine
from bot.faq.reply import Kind
from bot.faq.yamlsource import ContentError, load_located


@dataclass(frozen=True)
class Miss:
    question: str
    expected: str | None
    got: str


@dataclass
class EvalResult:
    in_scope: int = 0
    correct: int = 0
    out_of_scope: int = 0
    rejected: int = 0
    misses: list[Miss] = field(default_factory=list)

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
        ]
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
    if not isinstance(oos, list):
        raise doc.error("out_of_scope", "must be a list of questions")
    return pairs, [str(q) for q in oos]


def describe(engine: Engine, question: str) -> str:
    reply = engine.reply(question)
    if reply.kind is Kind.CLARIFY:
        return "clarify(" + ", ".join(reply.alternatives) + ")"
    return reply.entry_id or reply.kind.value


def evaluate(engine: Engine, path: Path) -> EvalResult:
    pairs, oos = load_labelled(path)
    result = EvalResult()
    known = {e.id for e in engine.content.entries}
    for question, expected in pairs:
        if expected not in known:
            raise ContentError(str(path), 1, f"in_scope.{expected}", "unknown entry id")
        result.in_scope += 1
        reply = engine.reply(question)
        if reply.kind is Kind.ANSWER and reply.entry_id == expected:
            result.correct += 1
        else:
            result.misses.append(Miss(question, expected, describe(engine, question)))
    for question in oos:
        result.out_of_scope += 1
        reply = engine.reply(question)
        if reply.kind in (Kind.FALLBACK, Kind.SMALLTALK):
            result.rejected += 1
        else:
            result.misses.append(Miss(question, None, describe(engine, question)))
    return result
