"""Matching latency and accuracy: our engine against naive extractOne.

The naive alternative is what most FAQ bots start with: rapidfuzz
`process.extractOne` (WRatio) over the canonical questions only, with a score
cutoff for "no match". Both run over the same few thousand mixed questions
(labelled, held-out, and typo'd copies) in one process on one core.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process

from bench.common import percentile, pin_one_core, table
from bot.faq.content import load_content
from bot.faq.engine import Engine
from bot.faq.evaluate import load_labelled
from bot.faq.reply import Kind

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
NAIVE_CUTOFFS = (0.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0)  # the naive matcher gets its best


def typo(text: str, rng: random.Random) -> str:
    """One random keyboard slip: drop, double or swap a letter."""
    chars = list(text)
    if len(chars) < 4:
        return text
    i = rng.randrange(1, len(chars) - 1)
    op = rng.choice(("drop", "double", "swap"))
    if op == "drop":
        del chars[i]
    elif op == "double":
        chars.insert(i, chars[i])
    else:
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def questions(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    base: list[str] = []
    for name in ("questions.yaml", "holdout.yaml"):
        pairs, oos = load_labelled(DATA / name)
        base += [q for q, _ in pairs] + oos
    out = list(base)
    while len(out) < n:
        out.append(typo(rng.choice(base), rng))
    rng.shuffle(out)
    return out[:n]


def accuracy(fn: Callable[[str], str | None], path: Path) -> tuple[float, float]:
    pairs, oos = load_labelled(path)
    ok = sum(1 for q, e in pairs if fn(q) == e)
    rej = sum(1 for q in oos if fn(q) is None)
    return ok / len(pairs), rej / len(oos)


def main() -> None:
    pin_one_core()
    content = load_content()
    engine = Engine(content)
    canon = [e.question for e in content.entries]
    ids = [e.id for e in content.entries]

    def ours(q: str) -> str | None:
        r = engine.reply(q)
        return r.entry_id if r.kind is Kind.ANSWER else None

    def naive_at(cutoff: float) -> Callable[[str], str | None]:
        def naive(q: str) -> str | None:
            hit = process.extractOne(q, canon, scorer=fuzz.WRatio, score_cutoff=cutoff)
            return ids[hit[2]] if hit else None

        return naive

    best = max(NAIVE_CUTOFFS, key=lambda c: sum(accuracy(naive_at(c), DATA / "questions.yaml")))

    qs = questions(4000)
    rows = []
    for label, fn in (
        ("engine (ours)", ours),
        (f"naive extractOne (cutoff {best:g})", naive_at(best)),
    ):
        timings = []
        for q in qs:
            t0 = time.perf_counter_ns()
            fn(q)
            timings.append((time.perf_counter_ns() - t0) / 1000.0)
        acc, rej = accuracy(fn, DATA / "questions.yaml")
        hacc, hrej = accuracy(fn, DATA / "holdout.yaml")
        rows.append(
            [
                label,
                str(len(qs)),
                f"{percentile(timings, 50):.0f}",
                f"{percentile(timings, 99):.0f}",
                f"{max(timings):.0f}",
                f"{acc:.1%}",
                f"{rej:.1%}",
                f"{hacc:.1%}",
                f"{hrej:.1%}",
            ]
        )
    print(
        table(
            "Matching: latency per question (us, one core) and accuracy",
            [
                "matcher",
                "questions",
                "p50 us",
                "p99 us",
                "max us",
                "accuracy",
                "rejection",
                "holdout acc",
                "holdout rej",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
