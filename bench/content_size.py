"""Cost against content size: load time, memory and reply latency at 20 to 2,000 entries.

Operators load FAQs far bigger than ours, so nothing may cost more than
linear in the number of phrasings. Each size is synthetic content shaped like
content/faq.yaml (bench/synthetic.py); the lexical engine (no embedder) answers
realistic questions once with our matcher and once with the naive one, the
matcher as it was (rapidfuzz `process.extract(limit=None)` over every
phrasing, a loop over every entry's vocabulary), in the same run on one core.
"""

from __future__ import annotations

import gc
import random
import string
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.common import percentile, pin_one_core, table
from bench.synthetic import questions, write_synthetic_faq
from bot.faq.content import load_content
from bot.faq.engine import Engine

SIZES = (20, 100, 500, 2000)
QUESTIONS = 2000
UNKNOWN_MESSAGES = 300
RELOADS = 3


def _load(path: Path) -> tuple[float, float, Engine]:
    """Seconds to load the content and to build the engine over it, best of a few runs."""
    best_load = best_engine = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        content = load_content(path)
        t1 = time.perf_counter()
        engine = Engine(content)
        t2 = time.perf_counter()
        best_load, best_engine = min(best_load, t1 - t0), min(best_engine, t2 - t1)
    return best_load, best_engine, engine


def _memory(path: Path) -> tuple[int, int]:
    """Bytes held by a loaded content + engine, and bytes left behind per dropped reload."""
    tracemalloc.start()
    Engine(load_content(path))  # module-level caches fill on first use
    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    engine = Engine(load_content(path))
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - base
    del engine
    for _ in range(RELOADS):
        Engine(load_content(path))
    gc.collect()
    left = (tracemalloc.get_traced_memory()[0] - base) // (RELOADS + 1)
    tracemalloc.stop()
    return held, left


def _latencies(engine: Engine, questions: list[str], unknown: list[str]) -> list[str]:
    """p50 and p99 on the questions, p99 again with the loaded heap frozen (no full
    collections walking it), then p50 and p99 on the messages of unknown words, in ms."""
    gc.collect()
    p50, p99 = _latency(engine, questions)
    gc.freeze()
    frozen = _latency(engine, questions)[1]
    gc.unfreeze()
    u50, u99 = _latency(engine, unknown)
    return [f"{v:.2f}" for v in (p50, p99, frozen, u50, u99)]


def _latency(engine: Engine, messages: list[str]) -> tuple[float, float]:
    timings = []
    for text in messages:
        t0 = time.perf_counter_ns()
        engine.reply(text)
        timings.append((time.perf_counter_ns() - t0) / 1e6)
    return percentile(timings, 50), percentile(timings, 99)


def unknown_messages(n: int, seed: int = 3) -> list[str]:
    """Messages of MAX_INPUT_CHARS (300) characters of words no vocabulary holds."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < 300:
            words.append("".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 10))))
        out.append(" ".join(words)[:300])
    return out


UNKNOWN = unknown_messages(UNKNOWN_MESSAGES)


def main() -> None:
    pin_one_core()
    sizes, speed = [], []
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for n in SIZES:
            path = write_synthetic_faq(Path(tmp) / str(n), n)
            load_s, engine_s, engine = _load(path)
            held, left = _memory(path)
            entries = engine.content.entries
            phrasings = [p for e in entries for p in (e.question, *e.phrasings)]
            sizes.append(
                [
                    str(n),
                    str(len(phrasings)),
                    str(len(engine.normalizer.vocab)),
                    f"{load_s * 1000:.0f}",
                    f"{engine_s * 1000:.0f}",
                    f"{(load_s + engine_s) * 1000:.0f}",
                    f"{held / 1e6:.1f}",
                    f"{left / 1e3:.0f}",
                ]
            )
            qs = questions(phrasings, QUESTIONS)
            speed.append([str(n), "ours", *_latencies(engine, qs, UNKNOWN)])
            cases.append((n, path, qs))
            del engine  # each engine is timed with only its own index in memory
        # The naive matcher lives in the tests, whose import (pytest, hypothesis) makes
        # the heap, and so every full collection, several times bigger: only now.
        from tests.faq.test_scale import ReferenceMatcher

        for n, path, qs in cases:
            naive = Engine(load_content(path))
            naive.matcher = ReferenceMatcher(naive.content, naive.normalizer)  # type: ignore[assignment]
            speed.append([str(n), "naive extract(limit=None)", *_latencies(naive, qs, UNKNOWN)])
            del naive
    speed.sort(key=lambda row: int(row[0]))  # stable: ours, then naive, per size
    print(
        table(
            "Content size: load (ms, best of 3) and memory of content + engine",
            [
                "entries",
                "phrasings",
                "vocab",
                "load",
                "engine",
                "total",
                "held MB",
                "leak KB/reload",
            ],
            sizes,
        )
    )
    print()
    print(
        table(
            f"Content size: engine.reply, lexical path (ms, one core; {QUESTIONS} questions, "
            f"{UNKNOWN_MESSAGES} messages of 300 chars of unknown words)",
            ["entries", "matcher", "p50", "p99", "p99 frozen", "unknown p50", "unknown p99"],
            speed,
        )
    )


if __name__ == "__main__":
    main()
