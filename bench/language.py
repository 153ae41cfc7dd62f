"""Messages not in English: the guard against simpler ways, and what it costs.

Compared in the same run: the guard (bot/faq/language.py: py3langid restricted
to English and the configured languages, plus script, greetings, the share of
English words and the hint), py3langid alone (its likeliest language is not
English), and the naive rule "any letter outside ASCII". The English set is
every message of tests/data (questions, holdout, both parts of triage) plus
short and misspelt ones; the foreign sets are the development and held-out
questions of tests/faq/test_language.py (`python -m bench language`).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from bench.common import percentile, pin_one_core, table
from bot.faq.language import LanguageGuard, load_languages
from tests.faq.test_language import DEVELOPMENT, HELD_OUT, HINTS, MIXED, english_messages

LANGUAGES = Path(__file__).resolve().parent.parent / "content" / "languages.yaml"
# text, hint -> the language code it is taken for, or None for English.
Approach = Callable[[str, str | None], str | None]


def resident_mb() -> float:
    """Resident memory now (not the peak), from /proc; 0 where there is none."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def naive(text: str, hint: str | None = None) -> str | None:
    return "?" if any(c.isalpha() and not c.isascii() for c in text) else None


def latency(fn: Approach, messages: list[str]) -> tuple[float, float]:
    times = []
    for message in messages[:10] + messages * 2:
        start = time.perf_counter()
        fn(message, None)
        times.append((time.perf_counter() - start) * 1e6)
    return percentile(times, 50), percentile(times, 99)


def found(fn: Approach, sets: Mapping[str, list[str]], hinted: bool) -> tuple[int, int, int]:
    """(flagged at all, flagged as the right language, messages)."""
    flagged = right = total = 0
    for lang, messages in sets.items():
        for message in messages:
            code = fn(message, lang if hinted else None)
            flagged += code is not None
            right += code == lang
            total += 1
    return flagged, right, total


def share(n: int, total: int) -> str:
    return f"{n}/{total} ({n / total:.1%})" if total else "-"


def main() -> None:
    pin_one_core()
    languages = load_languages(LANGUAGES)
    gc.collect()
    before = resident_mb()
    start = time.perf_counter()
    guard = LanguageGuard(languages)
    load = time.perf_counter() - start
    gc.collect()
    added = resident_mb() - before

    def guarded(text: str, hint: str | None) -> str | None:
        verdict = guard.check(text, hint)
        return None if verdict is None else verdict.code

    def alone(text: str, hint: str | None) -> str | None:
        probs = guard.detect(text)
        best = max(probs, key=lambda code: probs[code])
        return None if best == "en" else best

    english = english_messages()
    every = english + [m for ms in DEVELOPMENT.values() for m in ms]
    approaches: list[tuple[str, Approach]] = [
        ("guard (py3langid + signals)", guarded),
        ("py3langid alone", alone),
        ("any non-ASCII letter", naive),
    ]
    rows = []
    for name, fn in approaches:
        wrong = sum(fn(m, None) is not None for m in english)
        mixed = sum(fn(m, None) is not None for m in MIXED)
        dev_flagged, dev_right, dev_total = found(fn, DEVELOPMENT, hinted=False)
        _, held_right, held_total = found(fn, HELD_OUT, hinted=False)
        p50, p99 = latency(fn, every)
        rows.append(
            [
                name,
                share(wrong, len(english)),
                share(mixed, len(MIXED)),
                share(dev_flagged, dev_total),
                "-" if fn is naive else share(dev_right, dev_total),
                "-" if fn is naive else share(held_right, held_total),
                f"{p50:.0f}",
                f"{p99:.0f}",
            ]
        )
    header = [
        "approach",
        "English flagged",
        "mixed flagged",
        "foreign flagged",
        "right language",
        "held-out right",
        "p50 us",
        "p99 us",
    ]
    print(table("Not English? (no hint)", header, rows))

    print()
    per_language = []
    for lang in DEVELOPMENT:
        row = [f"{lang} ({languages.languages[lang].name})"]
        for sets in (DEVELOPMENT, HELD_OUT):
            for hinted in (False, True):
                _, right, total = found(guarded, {lang: sets[lang]}, hinted)
                row.append(f"{right}/{total}")
        per_language.append(row)
    header = ["language", "development", "with hint", "held-out", "with hint"]
    print(table("Guard: recognised in the right language", header, per_language))

    print()
    hint_rows = [
        [str(hint), share(sum(guarded(m, hint) is not None for m in english), len(english))]
        for hint in HINTS
    ]
    print(
        table("Guard: English flagged, by Telegram language hint", ["hint", "flagged"], hint_rows)
    )
    print()
    print(
        f"Model load {load:.2f} s, resident memory added {added:.0f} MB (py3langid, 11 languages)"
    )


if __name__ == "__main__":
    main()
