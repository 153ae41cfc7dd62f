"""Sentence embeddings for semantic similarity, offline and on one CPU core.

The model is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0), vendored in
`models/` as an 8-bit ONNX file built by `models/build_minilm.py` (see
`models/README.md`), with upstream's `tokenizer.json`. Both files are checked
against a pinned SHA-256 when loaded; a missing or different file raises
`ModelError` with one line naming the file, the expected and the actual
digest. Nothing is ever downloaded.

`MiniLM.embed(texts)` returns one L2-normalised float32 row per text (mean
pooling over tokens, as sentence-transformers does for this model), so a dot
product is the cosine similarity. Repeated texts come from an LRU cache
(`Memo`). `OnnxText` is the loading and batching it shares with triage's
second net (bot.faq.triage_net), the same model fine-tuned.
`NearestIndex` holds labelled vectors (FAQ phrasings, labelled emergency
messages) and returns the nearest ones by dot product.

Imports numpy, onnxruntime and tokenizers; never Telegram.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
Mask = npt.NDArray[np.int64]
T = TypeVar("T")

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
DIMENSION = 384
MAX_TOKENS = 128  # what the model was trained with; the bot cuts messages at 300 characters
CACHE_SIZE = 4096  # about 1.6 kB a vector: 6.5 MB when full
BATCH_SIZE = 8  # texts per ONNX run when many are embedded at once; larger grows the arena


class ModelError(RuntimeError):
    """The model or tokenizer file is missing, different from the pinned one, or unloadable."""


@dataclass(frozen=True)
class ModelFile:
    """A file the embedder loads, with the SHA-256 it must have."""

    path: Path
    sha256: str

    def verify(self) -> Path:
        """The path, once its digest matches; ModelError (one line) otherwise."""
        try:
            actual = _sha256(self.path)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ModelError(f"{self.path}: cannot read model file ({reason})") from None
        if actual != self.sha256:
            raise ModelError(f"{self.path}: sha256 mismatch: expected {self.sha256}, got {actual}")
        return self.path


MODEL = ModelFile(
    MODELS_DIR / "all-MiniLM-L6-v2.q8.onnx",
    "d2dff22690347c332648765167a06726ebfd4e1dbbd9027b5251d1e527d36b3f",
)
TOKENIZER = ModelFile(
    MODELS_DIR / "all-MiniLM-L6-v2.tokenizer.json",
    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows."""

    @property
    def dimension(self) -> int: ...

    @property
    def model_id(self) -> str:
        """Changes whenever the vectors would (saved vectors are keyed on it)."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...


@dataclass(frozen=True)
class CacheInfo:
    hits: int
    misses: int
    size: int
    capacity: int


def cache_key(text: str) -> str:
    """Texts the model cannot tell apart share one cache entry.

    The tokenizer lower-cases and splits on whitespace itself, so case and
    runs of spaces never change the vector.
    """
    return " ".join(text.lower().split())


class Memo(Generic[T]):
    """Results remembered by key, least recently used dropped first; thread-safe.

    What is missing is computed in one call, so a batch still runs as a batch.
    A remembered array is made read-only: callers share it.
    """

    def __init__(self, capacity: int) -> None:
        self._items: OrderedDict[str, T] = OrderedDict()
        self._capacity = max(0, capacity)
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def lookup(self, keys: Sequence[str], compute: Callable[[list[str]], Sequence[T]]) -> list[T]:
        """Each key's result, in order; `compute` gets each missing key once."""
        found: dict[str, T] = {}
        with self._lock:
            for key in keys:
                if key in self._items:
                    self._items.move_to_end(key)
                    found[key] = self._items[key]
            hits = sum(key in found for key in keys)
            self._hits += hits
            self._misses += len(keys) - hits
        todo = list(dict.fromkeys(k for k in keys if k not in found))
        if todo:
            fresh = dict(zip(todo, compute(todo), strict=True))
            for value in fresh.values():
                if isinstance(value, np.ndarray):
                    value.setflags(write=False)
            found.update(fresh)
            with self._lock:
                if self._capacity:
                    self._items.update(fresh)
                    for key in todo:
                        self._items.move_to_end(key)
                while len(self._items) > self._capacity:
                    self._items.popitem(last=False)
        return [found[key] for key in keys]

    def info(self) -> CacheInfo:
        with self._lock:
            return CacheInfo(self._hits, self._misses, len(self._items), self._capacity)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._hits = self._misses = 0


class OnnxText:
    """A BERT-style ONNX model over the vendored tokenizer, both verified when loaded.

    One intra-op thread by default, so a message costs one core and the bot's
    event loop keeps the other. Subclasses say what to make of the first output.
    """

    def __init__(
        self, model: ModelFile, tokenizer: ModelFile, *, threads: int, max_tokens: int
    ) -> None:
        model_path = model.verify()
        tokenizer_path = tokenizer.verify()
        import onnxruntime as ort
        from tokenizers import Tokenizer

        try:
            tok = Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:
            raise ModelError(f"{tokenizer_path}: cannot load tokenizer ({exc})") from None
        # The upstream file pads every text to 128 tokens: three times the work for a
        # short message. Pad only inside a batch, to its longest text (see _run).
        tok.no_padding()
        tok.enable_truncation(max_length=max_tokens)
        self._tokenizer = tok
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelError(f"{model_path}: cannot load model ({reason})") from None
        self._inputs = frozenset(i.name for i in self._session.get_inputs())

    def _batches(self, texts: Sequence[str]) -> Iterator[tuple[list[int], Vectors, Mask]]:
        """(rows of `texts`, first output, mask) a batch at a time, similar lengths
        together so padding stays small."""
        # encode, not encode_batch: the latter starts a thread pool on every core.
        # A lone surrogate ("\ud800") is no text the tokenizer takes: it becomes "?".
        clean = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
        ids = [list(self._tokenizer.encode(t).ids) for t in clean]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), BATCH_SIZE):
            chunk = order[start : start + BATCH_SIZE]
            yield (chunk, *self._run([ids[i] for i in chunk]))

    def _run(self, batch: list[list[int]]) -> tuple[Vectors, Mask]:
        width = max(len(x) for x in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, seq in enumerate(batch):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        return np.asarray(self._session.run(None, feeds)[0], dtype=np.float32), mask


class MiniLM(OnnxText):
    """all-MiniLM-L6-v2 on onnxruntime; thread-safe; `embed` never downloads anything."""

    def __init__(
        self,
        model: ModelFile = MODEL,
        tokenizer: ModelFile = TOKENIZER,
        *,
        threads: int = 1,
        cache_size: int = CACHE_SIZE,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        super().__init__(model, tokenizer, threads=threads, max_tokens=max_tokens)
        self._model_id = f"{model.sha256}:{tokenizer.sha256}:{max_tokens}"
        self._memo: Memo[Vectors] = Memo(cache_size)

    @property
    def dimension(self) -> int:
        return DIMENSION

    @property
    def model_id(self) -> str:
        return self._model_id

    def embed(self, texts: Sequence[str]) -> Vectors:
        """(len(texts), 384) float32, every row of length 1, in the order given."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return np.stack(self._memo.lookup([cache_key(t) for t in texts], self._compute))

    def embed_one(self, text: str) -> Vectors:
        """One text's (384,) vector."""
        row: Vectors = self.embed([text])[0]
        return row

    def cache_info(self) -> CacheInfo:
        return self._memo.info()

    def cache_clear(self) -> None:
        self._memo.clear()

    def _compute(self, texts: list[str]) -> list[Vectors]:
        """Mean pooling over tokens, then length 1, as sentence-transformers does."""
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for rows, hidden, mask in self._batches(texts):
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
            out[rows] = normalise(pooled)
        return [row.copy() for row in out]  # a view would keep the whole batch alive


def normalise(vectors: npt.ArrayLike) -> Vectors:
    """Rows scaled to length 1 (all-zero rows stay zero)."""
    arr = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    unit: Vectors = (arr / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
    return unit


def text_key(text: str) -> bytes:
    """16 bytes naming a text in a vectors file (texts themselves would pad the file)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def stored(vectors: Vectors) -> Vectors:
    """Vectors as a file keeps them (float16), so an index built from a file and one
    built by the model decide alike."""
    rounded: Vectors = np.asarray(vectors, dtype=np.float16).astype(np.float32)
    return rounded


def load_known(path: Path, model_id: str, dimension: int) -> dict[bytes, Vectors]:
    """The vectors a file keeps for this model, by text key; {} when unusable."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            if str(saved["model_id"]) != model_id:
                return {}
            keys = np.asarray(saved["keys"], dtype=np.uint8)
            vectors = np.asarray(saved["vectors"], dtype=np.float32)
    except (OSError, KeyError, ValueError, EOFError):
        return {}
    if keys.ndim != 2 or keys.shape[1] != 16 or vectors.shape != (keys.shape[0], dimension):
        return {}
    return {key.tobytes(): vec for key, vec in zip(keys, vectors, strict=True)}


def save_known(path: Path, model_id: str, known: dict[bytes, Vectors]) -> None:
    """Write atomically; an unwritable place only costs the next start model time."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # two processes may write at once
    keys = np.frombuffer(b"".join(known), dtype=np.uint8).reshape(-1, 16)
    rows = np.stack(list(known.values())) if known else np.zeros((0, 0), np.float32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as f:
            np.savez(f, model_id=np.str_(model_id), keys=keys, vectors=rows.astype(np.float16))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class Neighbour:
    label: str
    score: float  # cosine similarity, -1..1
    row: int  # which vector of the index


class NearestIndex:
    """Labelled unit vectors; `top` ranks them by dot product (cosine) with a query.

    Labels repeat freely (many phrasings per FAQ entry, many messages per
    emergency category); `best_per_label` keeps each label's best row.
    """

    def __init__(self, vectors: npt.ArrayLike, labels: Sequence[str]) -> None:
        matrix = normalise(vectors) if len(labels) else np.zeros((0, 0), np.float32)
        if matrix.shape[0] != len(labels):
            raise ValueError(f"{matrix.shape[0]} vectors but {len(labels)} labels")
        matrix.setflags(write=False)
        self._matrix = matrix
        self._labels = tuple(labels)

    @classmethod
    def build(
        cls,
        embedder: Embedder,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        saved: Path | None = None,
        seed: Path | None = None,
    ) -> NearestIndex:
        """Embed the texts, reusing every vector `saved` (kept between starts) or
        `seed` (shipped with the content) holds for this model, so a restart costs no
        model time and a content edit costs only its changed texts. `saved` is then
        rewritten to hold exactly these texts. An unreadable file only costs time."""
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        if not texts:
            return cls(np.zeros((0, embedder.dimension), np.float32), ())
        dim = embedder.dimension
        kept = load_known(saved, embedder.model_id, dim) if saved else {}
        known = {**(load_known(seed, embedder.model_id, dim) if seed else {}), **kept}
        keys = [text_key(t) for t in texts]
        missing = list({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
        if missing:
            fresh = stored(embedder.embed([t for _, t in missing]))
            known.update((k, vec) for (k, _), vec in zip(missing, fresh, strict=True))
        wanted = dict.fromkeys(keys)
        if saved is not None and kept.keys() != wanted.keys():
            save_known(saved, embedder.model_id, {k: known[k] for k in wanted})
        return cls(np.stack([known[k] for k in keys]), labels)

    def __len__(self) -> int:
        return len(self._labels)

    @property
    def labels(self) -> tuple[str, ...]:
        return self._labels

    @property
    def matrix(self) -> Vectors:
        return self._matrix

    def scores(self, query: npt.ArrayLike) -> Vectors:
        """Cosine similarity of the query to every row (query normalised here)."""
        if not self._labels:
            return np.zeros(0, dtype=np.float32)
        q = normalise(query)[0]
        sims: Vectors = self._matrix @ q
        return sims

    def top(self, query: npt.ArrayLike, k: int = 1) -> list[Neighbour]:
        """The k nearest rows, best first (ties: the earlier row first)."""
        sims = self.scores(query)
        if k <= 0:
            return []
        rows = np.argsort(-sims, kind="stable")[:k].tolist()
        return [Neighbour(self._labels[r], float(sims[r]), r) for r in rows]

    def best_per_label(self, query: npt.ArrayLike) -> dict[str, float]:
        """Each label's highest similarity to the query, best label first."""
        sims = self.scores(query)
        best: dict[str, float] = {}
        for label, s in zip(self._labels, sims.tolist(), strict=True):
            if s > best.get(label, -2.0):
                best[label] = s
        return dict(sorted(best.items(), key=lambda kv: -kv[1]))
