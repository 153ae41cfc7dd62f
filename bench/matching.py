"""Matching: accuracy on development and held-out questions, latency and memory.

Four matchers over the same questions, one process, one core:
- hybrid: the engine as `make run` builds it (lexical + semantic, SEMANTIC=on);
- lexical: the engine with SEMANTIC=off (what a lean deployment runs);
- semantic only: the same engine with the lexical weight at 0 and no cascade,
  so the cosine alone decides (the domain guard and safety rules still run);
- naive: rapidfuzz `process.extractOne` (WRatio) over the canonical
  questions, with the score cutoff that suits it best on the development set.

Accuracy is in-scope top-1, out-of-scope rejection and "wrong" (answered with
the wrong entry, over every question) on the development sets
(questions.yaml, holdout.yaml, outsider.yaml: tuned on) and the held-out
sets (outsider_heldout*.yaml: never tuned on). Latency is per message over
the development and held-out questions plus typo'd copies, each message seen
once (the embedding cache never hits), p50/p99/max in ms. RSS is this
process's resident memory after building each engine (the model included).
"""

from __future__ import annotations

import random
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rapidfuzz import fuzz, process

from bench.common import percentile, pin_one_core, table
from bot.faq.content import Content, load_content
from bot.faq.engine import Engine
from bot.faq.evaluate import DEVELOPMENT_SETS, HELD_OUT_SETS, EvalResult, load_categorised
from bot.faq.hybrid import shipped_vectors
from bot.faq.reply import Kind
from bot.faq.semantic import MiniLM

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
NAIVE_CUTOFFS = (0.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0)  # the naive matcher gets its best
N_LATENCY = 1500

Outcome = tuple[Kind, str | None]


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


def labelled(names: tuple[str, ...]) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for name in names:
        pairs, oos = load_categorised(DATA / name)
        out += [(q, e) for q, e in pairs] + [(q, None) for q, _ in oos]
    return out


def questions(n: int, seed: int = 7) -> list[str]:
    """Every labelled question, then typo'd copies, each text once."""
    rng = random.Random(seed)
    base = [q for q, _ in labelled(DEVELOPMENT_SETS + HELD_OUT_SETS)]
    out = list(dict.fromkeys(base))
    seen = set(out)
    while len(out) < n:
        q = typo(rng.choice(base), rng)
        if q not in seen:
            seen.add(q)
            out.append(q)
    rng.shuffle(out)
    return out[:n]


def accuracy(fn: Callable[[str], Outcome], items: list[tuple[str, str | None]]) -> list[str]:
    result = EvalResult()
    for question, expected in items:
        result.tally(expected, *fn(question))
    return [f"{result.accuracy:.1%}", f"{result.rejection:.1%}", f"{result.wrong_rate:.1%}"]


def engine_fn(engine: Engine) -> Callable[[str], Outcome]:
    def ask(q: str) -> Outcome:
        r = engine.reply(q)
        return r.kind, r.entry_id

    return ask


def naive_fn(content: Content, cutoff: float) -> Callable[[str], Outcome]:
    canon = [e.question for e in content.entries]
    ids = [e.id for e in content.entries]

    def ask(q: str) -> Outcome:
        hit = process.extractOne(q, canon, scorer=fuzz.WRatio, score_cutoff=cutoff)
        return (Kind.ANSWER, ids[hit[2]]) if hit else (Kind.FALLBACK, None)

    return ask


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    pin_one_core()
    content = load_content()
    dev, held = labelled(DEVELOPMENT_SETS), labelled(HELD_OUT_SETS)
    lexical = Engine(content)
    rss_lexical = rss_mb()
    with tempfile.TemporaryDirectory(prefix="magbot-bench-") as folder:
        cache = Path(folder) / "vectors.npz"  # VECTORS_CACHE: empty at first, then reused
        started = time.perf_counter()
        Engine(content, MiniLM(), vectors=cache)  # a fresh machine: the shipped vectors
        start_fresh = time.perf_counter() - started
        started = time.perf_counter()
        hybrid = Engine(content, MiniLM(), vectors=cache)
        start_warm = time.perf_counter() - started
    rss_hybrid = rss_mb()
    with tempfile.TemporaryDirectory(prefix="magbot-bench-") as folder:
        # An operator's own FAQ before `python -m bot embed`: every text through the model.
        bare = Path(folder) / "content"
        shutil.copytree(Path(content.path).parent, bare)
        shipped_vectors(bare / Path(content.path).name).unlink()
        started = time.perf_counter()
        Engine(load_content(bare / Path(content.path).name), MiniLM())
        start_bare = time.perf_counter() - started
    semantic_only = Engine(content, MiniLM())
    semantic_only.weights = replace(semantic_only.weights, lexical=0.0, cascade=1000.0)
    best = max(NAIVE_CUTOFFS, key=lambda c: sum(map(len, accuracy(naive_fn(content, c), dev))))
    matchers: list[tuple[str, Callable[[str], Outcome], str]] = [
        ("hybrid (make run)", engine_fn(hybrid), f"{rss_hybrid:.0f}"),
        ("lexical (SEMANTIC=off)", engine_fn(lexical), f"{rss_lexical:.0f}"),
        ("semantic only", engine_fn(semantic_only), f"{rss_hybrid:.0f}"),
        (f"naive extractOne (cutoff {best:g})", naive_fn(content, best), "-"),
    ]
    qs = questions(N_LATENCY)
    rows = []
    for label, fn, rss in matchers:
        if isinstance(getattr(fn, "__closure__", None), tuple):
            for cell in fn.__closure__ or ():
                embedder = getattr(cell.cell_contents, "embedder", None)
                if isinstance(embedder, MiniLM):
                    embedder.cache_clear()
        timings = []
        for q in qs:
            t0 = time.perf_counter_ns()
            fn(q)
            timings.append((time.perf_counter_ns() - t0) / 1e6)
        rows.append(
            [
                label,
                *accuracy(fn, dev),
                *accuracy(fn, held),
                f"{percentile(timings, 50):.2f}",
                f"{percentile(timings, 99):.2f}",
                f"{max(timings):.1f}",
                rss,
            ]
        )
    print(
        table(
            f"Matching: {len(dev)} development and {len(held)} held-out questions; "
            f"latency over {len(qs)} distinct messages (ms, one core); hybrid engine "
            f"start-up {start_warm:.2f} s on restart, {start_fresh:.2f} s on a fresh "
            f"machine (shipped vectors), {start_bare:.2f} s with no vectors at all "
            "(a new FAQ before `python -m bot embed`)",
            [
                "matcher",
                "dev top-1",
                "dev rejection",
                "dev wrong",
                "held-out top-1",
                "held-out rejection",
                "held-out wrong",
                "p50 ms",
                "p99 ms",
                "max ms",
                "RSS MB",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
