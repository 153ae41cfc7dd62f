"""Recall and false alarms of the emergency triage on a labelled file (tests/data/triage.yaml).

The file has parts (`development`, `held_out`), each with `emergencies`
(category -> messages) and `negatives` (messages that must stay calm). A
message counts as recalled when it gets an urgent reply of any category:
the reply for every category says to call for help now; the category is
reported too, so a wrong one shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.faq.triage import Category, Verdict
from bot.faq.yamlsource import ContentError, Located, load_located


@dataclass
class PartResult:
    name: str
    total: dict[Category, int] = field(default_factory=dict)
    recalled: dict[Category, int] = field(default_factory=dict)
    same_category: int = 0
    negatives: int = 0
    false_alarms: dict[Category, int] = field(default_factory=dict)
    misses: list[tuple[Category, str]] = field(default_factory=list)
    alarms: list[tuple[Verdict, str]] = field(default_factory=list)

    @property
    def emergencies(self) -> int:
        return sum(self.total.values())

    @property
    def recall(self) -> float:
        return sum(self.recalled.values()) / self.emergencies if self.emergencies else 0.0

    @property
    def false_alarm_rate(self) -> float:
        return sum(self.false_alarms.values()) / self.negatives if self.negatives else 0.0

    def report(self, show: bool = False) -> str:
        lines = [
            f"{self.name}: recall {self.recall:.1%} "
            f"({sum(self.recalled.values())}/{self.emergencies}), "
            f"same category {self.same_category}/{sum(self.recalled.values())}, "
            f"false alarms {self.false_alarm_rate:.1%} "
            f"({sum(self.false_alarms.values())}/{self.negatives})",
            f"  {'category':26} {'recall':>12} {'false alarms':>13}",
        ]
        for c in Category:
            n = self.total.get(c, 0)
            got = self.recalled.get(c, 0)
            rate = f"{got / n:.0%}" if n else "-"
            lines.append(
                f"  {c.value:26} {rate:>5} {got:>3}/{n:<3} {self.false_alarms.get(c, 0):>8}"
            )
        if show:
            lines += [f"  missed ({c.value}): {m}" for c, m in self.misses]
            lines += [f"  false alarm ({_why(v)}): {m}" for v, m in self.alarms]
        return "\n".join(lines)


def _why(verdict: Verdict) -> str:
    """The category and what raised it, so an author knows which rule to look at."""
    assert verdict.category is not None
    source = "semantic net" if verdict.rule_line is None else f"rule at line {verdict.rule_line}"
    return f"{verdict.category.value}, {source}"


def load_triage_set(path: Path) -> dict[str, tuple[dict[Category, list[str]], list[str]]]:
    """Part name -> (emergencies by category, negatives); ContentError when malformed."""
    doc = load_located(path)
    if not isinstance(doc.data, dict) or not doc.data:
        raise doc.error("", "must map part names (development, held_out) to their messages")
    return {str(name): _part(doc, str(name), part) for name, part in doc.data.items()}


def _part(doc: Located, name: str, part: object) -> tuple[dict[Category, list[str]], list[str]]:
    if not isinstance(part, dict):
        raise doc.error(name, "must have emergencies and negatives")
    raw = part.get("emergencies")
    if not isinstance(raw, dict):
        raise doc.error(f"{name}.emergencies", "must map categories to lists of messages")
    emergencies: dict[Category, list[str]] = {}
    for key, messages in raw.items():
        try:
            category = Category(str(key))
        except ValueError:
            raise doc.error(f"{name}.emergencies.{key}", "is not a triage category") from None
        emergencies[category] = _messages(doc, f"{name}.emergencies.{key}", messages)
    negatives = _messages(doc, f"{name}.negatives", part.get("negatives"))
    if not negatives and not any(emergencies.values()):
        raise doc.error(name, "has no messages")
    return emergencies, negatives


def _messages(doc: Located, where: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise doc.error(where, "must be a list of messages")
    return [str(m) for m in value]


def evaluate_triage(assess: Callable[[str], Verdict], path: Path) -> list[PartResult]:
    """One result per part of the file, in file order."""
    results = []
    for name, (emergencies, negatives) in load_triage_set(path).items():
        result = PartResult(name)
        for category, messages in emergencies.items():
            result.total[category] = len(messages)
            result.recalled[category] = 0
            for message in messages:
                verdict = assess(message)
                if verdict.category is None:
                    result.misses.append((category, message))
                    continue
                result.recalled[category] += 1
                result.same_category += int(verdict.category is category)
        result.negatives = len(negatives)
        for message in negatives:
            verdict = assess(message)
            if verdict.category is not None:
                result.false_alarms[verdict.category] = (
                    result.false_alarms.get(verdict.category, 0) + 1
                )
                result.alarms.append((verdict, message))
        results.append(result)
    return results


__all__ = ["ContentError", "PartResult", "evaluate_triage", "load_triage_set"]
