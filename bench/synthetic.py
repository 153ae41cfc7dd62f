"""Synthetic FAQ content of any size, shaped like content/faq.yaml.

Operators load FAQs far bigger than ours, and the matcher's cost must be
measured (bench/content_size.py) and pinned (tests/faq/test_scale.py) at those
sizes. The real file is copied as it is and its `entries` grown with entries
worded like ours: question templates over shared English words plus a few
topic words of their own (made-up names, as drugs and conditions are), so the
vocabulary grows with the content as it would for real.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
DATA = ROOT / "tests" / "data"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

TEMPLATES = (
    "what is {a}",
    "what is {a} {b}",
    "whats {a} exactly",
    "how does {a} help with {c}",
    "can i take {a} with {c}",
    "is {a} safe",
    "is {a} safe for {c}",
    "does {a} cause {c}",
    "how much {a} should i take",
    "{a} for {c}",
    "{a} and {b}",
    "{a} {b} side effects",
    "when should i take {a}",
    "best time for {a} {b}",
    "why does {a} {v} {c}",
    "what does {a} do for {c}",
    "{a} vs {b}",
    "tell me about {a} {b}",
    "how long does {a} take to work",
    "does {a} help my {c}",
    "{c} from {a}",
    "is {a} good for {c}",
    "can {a} {v} my {c}",
    "{a} {c} {d}",
    "what happens if i {v} {a}",
)
VERBS = (
    "help",
    "affect",
    "change",
    "improve",
    "worsen",
    "cause",
    "stop",
    "block",
    "raise",
    "lower",
)
SYLLABLES = [c + v for c in "bdklmnprstvz" for v in "aeiou"] + ["ate", "ine", "ol", "ex"]


def _real_words() -> list[str]:
    """English words our content and article use: what synthetic phrasings share."""
    text = (CONTENT / "source-article.txt").read_text(encoding="utf-8").lower()
    text += (CONTENT / "faq.yaml").read_text(encoding="utf-8").lower()
    return sorted({w for w in re.findall(r"[a-z]+", text) if 4 <= len(w) <= 12})


def _made_up(rng: random.Random, taken: set[str]) -> str:
    while True:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if len(word) >= 5 and word not in taken:
            taken.add(word)
            return word


def synthetic_entries(n: int, base: list[dict[str, Any]], seed: int = 1) -> list[dict[str, Any]]:
    """`n` new entries, sections and structure borrowed from the real `base` entries."""
    rng = random.Random(seed)
    real = _real_words()
    taken = set(real)
    out: list[dict[str, Any]] = []
    for i in range(n):
        topic = [_made_up(rng, taken), _made_up(rng, taken), rng.choice(real)]
        phrasings: dict[str, str] = {}
        for _ in range(rng.randint(12, 22)):
            a, b = rng.sample(topic, 2)
            text = rng.choice(TEMPLATES).format(
                a=a, b=b, c=rng.choice(real), d=rng.choice(real), v=rng.choice(VERBS)
            )
            phrasings.setdefault(text.lower(), text)
        model = base[i % len(base)]
        ident = f"{topic[0]}-{i}"
        # Any field the real entries have comes along (section, ...), but not their safety terms.
        out.append(
            {k: v for k, v in model.items() if k != "safety_terms"}
            | {
                "id": ident,
                "question": f"What is {topic[0]} {topic[1]}?",
                "answer": f"{topic[0].capitalize()} is {' '.join(rng.sample(real, 12))}.",
                "keywords": list(dict.fromkeys([*topic, *rng.sample(real, 3)])),
                "phrasings": list(phrasings.values()),
                "related": [out[j]["id"] for j in sorted({rng.randrange(i) for _ in range(3)})]
                if i
                else [],
            }
        )
    return out


def write_synthetic_faq(folder: Path, entries: int, seed: int = 1) -> Path:
    """content/faq.yaml grown to `entries` entries, with the files it references beside it."""
    source = CONTENT / "faq.yaml"
    data = yaml.load(source.read_text(encoding="utf-8"), Loader=LOADER)
    real = data["entries"]
    data["entries"] = [*real, *synthetic_entries(max(0, entries - len(real)), real, seed)]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "faq.yaml"
    path.write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False, width=100), encoding="utf-8")
    for name in _referenced(data):
        shutil.copy(CONTENT / name, folder / name)
    return path


def _referenced(data: dict[str, Any]) -> list[str]:
    """Every `*_file` the FAQ names (article, triage, ...), and those its YAML files name."""
    names: list[str] = []
    todo = [data]
    while todo:
        doc = todo.pop()
        for key, value in doc.items():
            if key.endswith("_file") and isinstance(value, str) and value not in names:
                names.append(value)
                if value.endswith((".yaml", ".yml")):
                    text = (CONTENT / value).read_text(encoding="utf-8")
                    todo.append(yaml.load(text, Loader=LOADER))
    return names


def typo(word: str, rng: random.Random) -> str:
    """One keyboard slip: drop, double or swap a letter."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(("drop", "double", "swap"))
    if op == "drop":
        return word[:i] + word[i + 1 :]
    if op == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def labelled_questions() -> list[str]:
    """Every question of tests/data/questions.yaml and holdout.yaml, in- and out-of-scope."""
    out: list[str] = []
    for name in ("questions.yaml", "holdout.yaml"):
        data = yaml.load((DATA / name).read_text("utf-8"), Loader=LOADER)
        for qs in (data.get("in_scope") or {}).values():
            out += [str(q) for q in qs]
        out += [str(q) for q in data.get("out_of_scope") or []]
    return out


def questions(phrasings: list[str], n: int, seed: int = 7) -> list[str]:
    """`n` realistic questions: labelled ones, and phrasings reworded with a typo or two."""
    rng = random.Random(seed)
    labelled = labelled_questions()
    out: list[str] = []
    while len(out) < n:
        if rng.random() < 0.5:
            out.append(rng.choice(labelled))
            continue
        words = rng.choice(phrasings).split()
        if len(words) > 2 and rng.random() < 0.3:
            del words[rng.randrange(len(words))]
        for _ in range(rng.randint(0, 2)):
            k = rng.randrange(len(words))
            words[k] = typo(words[k], rng)
        out.append(" ".join(words) + rng.choice(("", "?", "??", " please")))
    return out
