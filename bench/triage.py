"""Emergency triage: recall and false alarms per category, and the latency it adds.

Compared in the same run with the naive alternative the bot used before: a
list of textbook red-flag phrases ("chest pain", "overdose", "seizure")
matched anywhere in the message. Both read tests/data/triage.yaml: the
development part (tuned on) and the held-out part (never tuned on).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from bench.common import percentile, pin_one_core, table
from bot.faq.content import load_content
from bot.faq.engine import Engine
from bot.faq.semantic import MiniLM
from bot.faq.tokens import basic_tokens
from bot.faq.triage import Category, Verdict
from bot.faq.triage_eval import PartResult, evaluate_triage, load_triage_set
from bot.faq.triage_net import TriageNet

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "triage.yaml"
# The red-flag list content/faq.yaml carried before triage (the naive alternative).
NAIVE_RED_FLAGS = [
    "chest pain",
    "chest pains",
    "chest hurts",
    "chest tightness",
    "tight chest",
    "heart attack",
    "cant breathe",
    "cannot breathe",
    "trouble breathing",
    "difficulty breathing",
    "hard to breathe",
    "struggling to breathe",
    "short of breath",
    "shortness of breath",
    "not breathing",
    "fainted",
    "fainting",
    "passed out",
    "pass out",
    "passing out",
    "unconscious",
    "collapsed",
    "irregular heartbeat",
    "heart racing",
    "racing heart",
    "heart is racing",
    "heart pounding",
    "palpitations",
    "arrhythmia",
    "heart skipping",
    "skipping beats",
    "severe weakness",
    "extremely weak",
    "very weak",
    "so weak",
    "cant move",
    "cannot move",
    "paralysed",
    "paralyzed",
    "overdose",
    "overdosed",
    "overdosing",
    "took too much",
    "taken too much",
    "took too many",
    "taken too many",
    "whole bottle",
    "entire bottle",
    "suicide",
    "suicidal",
    "kill myself",
    "killing myself",
    "end my life",
    "want to die",
    "self harm",
    "harm myself",
    "hurt myself",
    "hurting myself",
    "seizure",
    "seizures",
    "throat swelling",
    "swollen throat",
    "anaphylaxis",
    "confused and weak",
]


def naive(text: str) -> Verdict:
    padded = f" {' '.join(basic_tokens(text))} "
    hit = any(f" {' '.join(basic_tokens(flag))} " in padded for flag in NAIVE_RED_FLAGS)
    return Verdict(Category.OVERDOSE if hit else None)


def latency(fn: Callable[[str], object], messages: list[str]) -> tuple[float, float]:
    times = []
    for message in messages[:10] + messages * 2:
        start = time.perf_counter()
        fn(message)
        times.append((time.perf_counter() - start) * 1e6)
    return percentile(times, 50), percentile(times, 99)


def per_category(name: str, results: list[PartResult]) -> str:
    rows = []
    for c in Category:
        row = [c.value]
        for r in results:
            n = r.total.get(c, 0)
            row += [f"{r.recalled.get(c, 0) / n:.0%} of {n}" if n else "-"]
            row += [str(r.false_alarms.get(c, 0))]
        rows.append(row)
    header = ["category"]
    for r in results:
        header += [f"{r.name} recall", "false alarms"]
    return table(f"Triage per category ({name})", header, rows)


def main() -> None:
    pin_one_core()
    content = load_content()
    engine = Engine(content)
    # No caches: every message pays both models.
    hybrid = Engine(content, MiniLM(cache_size=0), triage_net=TriageNet(cache_size=0))
    parts = load_triage_set(DATA)
    messages = [m for e, n in parts.values() for ms in e.values() for m in ms] + [
        m for _, n in parts.values() for m in n
    ]
    rows = []
    shown: dict[str, list[PartResult]] = {}
    approaches: list[tuple[str, Callable[[str], Verdict]]] = [
        ("lexical rules", engine.assess),
        ("lexical + semantic net", hybrid.assess),
        ("naive red flags", naive),
    ]
    for name, fn in approaches:
        results = evaluate_triage(fn, DATA)
        shown[name] = results
        p50, p99 = latency(fn, messages)
        for r in results:
            rows.append(
                [
                    name,
                    r.name,
                    f"{r.recall:.1%}",
                    f"{r.false_alarm_rate:.1%}",
                    f"{r.emergencies}/{r.negatives}",
                    f"{p50:.0f}",
                    f"{p99:.0f}",
                ]
            )
    header = ["approach", "part", "recall", "false alarms", "emerg/neg", "p50 us", "p99 us"]
    # Latency is per message over every message of the file (3 rounds for the cheap ones).
    print(table("Emergency triage (tests/data/triage.yaml)", header, rows))
    for name in ("lexical rules", "lexical + semantic net"):
        print()
        print(per_category(name, shown[name]))


if __name__ == "__main__":
    main()
