"""The sentence-embedding layer: verified loading, vectors, cache, nearest neighbours."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.faq.content import load_content
from bot.faq.hybrid import SemanticIndex
from bot.faq.semantic import (
    DIMENSION,
    MODEL,
    TOKENIZER,
    MiniLM,
    ModelError,
    ModelFile,
    NearestIndex,
    cache_key,
    load_known,
    normalise,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def embedder() -> MiniLM:
    return MiniLM()


def _cos(e: MiniLM, a: str, b: str) -> float:
    va, vb = e.embed([a, b])
    return float(va @ vb)


# -- loading and verification ------------------------------------------------


def test_vendored_files_match_their_pinned_digests() -> None:
    from bot.faq.triage_net import TRIAGE_MODEL

    for f in (MODEL, TOKENIZER, TRIAGE_MODEL):
        assert hashlib.sha256(f.path.read_bytes()).hexdigest() == f.sha256


def test_modified_model_file_is_refused_with_one_line(tmp_path: Path) -> None:
    copy = tmp_path / "model.onnx"
    shutil.copyfile(MODEL.path, copy)
    with copy.open("r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    actual = hashlib.sha256(copy.read_bytes()).hexdigest()
    with pytest.raises(ModelError) as info:
        MiniLM(model=ModelFile(copy, MODEL.sha256))
    message = str(info.value)
    assert "\n" not in message
    assert str(copy) in message
    assert MODEL.sha256 in message
    assert actual in message
    assert message == f"{copy}: sha256 mismatch: expected {MODEL.sha256}, got {actual}"


def test_modified_tokenizer_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "tokenizer.json"
    copy.write_bytes(TOKENIZER.path.read_bytes() + b" ")
    with pytest.raises(ModelError, match=r"tokenizer\.json: sha256 mismatch: expected be50c36"):
        MiniLM(tokenizer=ModelFile(copy, TOKENIZER.sha256))


def test_missing_model_file_is_a_model_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.onnx"
    with pytest.raises(ModelError) as info:
        MiniLM(model=ModelFile(missing, MODEL.sha256))
    assert str(info.value).startswith(f"{missing}: cannot read model file")
    assert "\n" not in str(info.value)


def test_a_file_with_the_right_digest_that_is_no_model_is_a_model_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    digest = hashlib.sha256(b"not a model").hexdigest()
    with pytest.raises(ModelError, match="cannot load model"):
        MiniLM(model=ModelFile(junk, digest))


def test_the_module_never_imports_telegram() -> None:
    code = "import sys, bot.faq.semantic; sys.exit('telegram' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0


# -- vectors -------------------------------------------------------------------


def test_embeddings_are_float32_unit_rows(embedder: MiniLM) -> None:
    texts = ["magnesium glycinate", "how much should I take before bed?", "ok", "a " * 400]
    v = embedder.embed(texts)
    assert v.shape == (4, DIMENSION)
    assert v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, DIMENSION)
    assert embedder.embed_one("ok").shape == (DIMENSION,)


def test_paraphrases_are_closer_than_unrelated_questions(embedder: MiniLM) -> None:
    para = _cos(embedder, "my calves cramp at night", "leg cramps when sleeping")
    other = _cos(embedder, "my calves cramp at night", "how much does a bottle cost")
    assert para > 0.5
    assert para > other + 0.3


def test_a_batch_gives_the_same_vectors_as_one_at_a_time(embedder: MiniLM) -> None:
    texts = [
        "does it make you sleepy",
        "can I take magnesium glycinate if I have kidney disease, my doctor is away",
        "side effects?",
        "is 400 mg too much",
    ]
    embedder.cache_clear()
    batch = embedder.embed(texts)
    embedder.cache_clear()
    single = np.stack([embedder.embed_one(t) for t in texts])
    np.testing.assert_allclose(batch, single, atol=1e-5)


# Cosines from the original float32 model (sentence-transformers, all-MiniLM-L6-v2).
FLOAT32_COSINES = [
    ("my calves cramp at night", "leg cramps when sleeping", 0.7088),
    ("my calves cramp at night", "how much does a bottle cost", 0.0075),
    ("does it make you sleepy", "can it cause drowsiness", 0.7942),
    ("what is magnesium glycinate", "how many legs does a spider have", -0.0800),
    ("I took the whole bottle and feel dizzy", "I swallowed too many pills", 0.5243),
]


@pytest.mark.parametrize(("a", "b", "expected"), FLOAT32_COSINES)
def test_similarities_match_the_original_float32_model(
    embedder: MiniLM, a: str, b: str, expected: float
) -> None:
    assert _cos(embedder, a, b) == pytest.approx(expected, abs=0.02)


# -- cache ---------------------------------------------------------------------


def test_repeated_texts_come_from_the_cache(embedder: MiniLM) -> None:
    embedder.cache_clear()
    first = embedder.embed(["Does it cause diarrhea?"])
    info = embedder.cache_info()
    assert (info.hits, info.misses, info.size) == (0, 1, 1)
    again = embedder.embed(["does  it CAUSE diarrhea?", "Does it cause diarrhea?"])
    info = embedder.cache_info()
    assert (info.hits, info.misses, info.size) == (2, 1, 1)
    np.testing.assert_array_equal(again[0], first[0])
    np.testing.assert_array_equal(again[1], first[0])


def test_duplicates_in_one_call_are_computed_once(embedder: MiniLM) -> None:
    embedder.cache_clear()
    v = embedder.embed(["side effects", "Side effects", "dose"])
    assert embedder.cache_info().size == 2
    np.testing.assert_array_equal(v[0], v[1])


def test_callers_cannot_corrupt_the_cache(embedder: MiniLM) -> None:
    embedder.cache_clear()
    v = embedder.embed(["cramps"])
    v[0] = 0.0
    np.testing.assert_allclose(np.linalg.norm(embedder.embed(["cramps"])[0]), 1.0, atol=1e-5)


def test_the_cache_evicts_the_least_recently_used() -> None:
    small = MiniLM(cache_size=2)
    small.embed(["one"])
    small.embed(["two"])
    small.embed(["one"])  # "two" is now the oldest
    small.embed(["three"])
    assert small.cache_info().size == 2
    small.embed(["one"])
    assert small.cache_info().hits == 2
    small.embed(["two"])
    assert small.cache_info().misses == 4


def test_cache_key_ignores_case_and_spacing_only() -> None:
    assert cache_key("  How MUCH\tper day? ") == "how much per day?"
    assert cache_key("how much") != cache_key("how much?")


def test_texts_sharing_a_cache_key_have_the_same_vector_uncached() -> None:
    uncached = MiniLM(cache_size=0)
    a = uncached.embed_one("  How MUCH\tper day? ")
    b = uncached.embed_one("how much per day?")
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert uncached.cache_info().size == 0


def test_concurrent_callers_get_consistent_vectors(embedder: MiniLM) -> None:
    texts = [f"question number {i} about cramps" for i in range(12)]
    embedder.cache_clear()
    expected = embedder.embed(texts)
    embedder.cache_clear()
    results: list[np.ndarray] = []

    def work() -> None:
        results.append(embedder.embed(texts))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_allclose(r, expected, atol=1e-5)


# -- nearest index -------------------------------------------------------------


def test_nearest_index_orders_by_dot_product() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7], [-1.0, 0.0]], dtype=np.float32)
    index = NearestIndex(vectors, ["a", "b", "c", "d"])
    top = index.top(np.array([1.0, 0.1]), k=3)
    assert [n.label for n in top] == ["a", "c", "b"]
    assert [n.row for n in top] == [0, 2, 1]
    assert top[0].score == pytest.approx(1.0 / np.hypot(1.0, 0.1))
    assert top[0].score >= top[1].score >= top[2].score
    assert [n.label for n in index.top(np.array([-1.0, 0.0]), k=10)] == ["d", "b", "c", "a"]
    assert index.top(np.array([1.0, 0.0]), k=0) == []


def test_nearest_index_breaks_ties_by_row_and_normalises() -> None:
    index = NearestIndex([[2.0, 0.0], [0.0, 3.0], [5.0, 0.0]], ["x", "y", "z"])
    np.testing.assert_allclose(np.linalg.norm(index.matrix, axis=1), 1.0, atol=1e-6)
    assert [n.row for n in index.top([3.0, 0.0], k=2)] == [0, 2]


def test_best_per_label_keeps_each_labels_best_row() -> None:
    vectors = [[1.0, 0.0], [0.0, 1.0], [0.9, 0.1], [0.1, 0.9]]
    index = NearestIndex(vectors, ["dose", "sleep", "dose", "sleep"])
    best = index.best_per_label([0.0, 1.0])
    assert list(best) == ["sleep", "dose"]
    assert best["sleep"] == pytest.approx(1.0)


def test_nearest_index_checks_its_inputs(embedder: MiniLM) -> None:
    with pytest.raises(ValueError):
        NearestIndex([[1.0, 0.0]], ["a", "b"])
    with pytest.raises(ValueError):
        NearestIndex.build(embedder, ["one"], [])
    empty = NearestIndex.build(embedder, [], [])
    assert len(empty) == 0
    assert empty.top(embedder.embed_one("anything"), k=3) == []


def test_nearest_phrasing_finds_the_right_topic(embedder: MiniLM) -> None:
    phrasings = {
        "dosage": ["how much should I take", "what is the daily dose"],
        "sleep": ["does it help me sleep", "magnesium for insomnia"],
        "side-effects": ["does it have side effects", "can it upset my stomach"],
    }
    texts = [t for ts in phrasings.values() for t in ts]
    labels = [k for k, ts in phrasings.items() for _ in ts]
    index = NearestIndex.build(embedder, texts, labels)
    assert index.top(embedder.embed_one("how many mg a day is right"))[0].label == "dosage"
    assert index.top(embedder.embed_one("cant get to sleep at night"))[0].label == "sleep"
    assert index.top(embedder.embed_one("is it rough on the tummy"))[0].label == "side-effects"


class _Counting:
    """A fake embedder that counts the texts it embeds."""

    def __init__(self, model_id: str = "fake-1", dimension: int = 3) -> None:
        self.model_id = model_id
        self.dimension = dimension
        self.embedded = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += len(texts)
        rows = [[len(t), t.count("a"), 1.0] for t in texts]
        return normalise(np.array(rows, dtype=np.float32))


def test_saved_vectors_are_reused_for_the_same_texts_and_model(tmp_path: Path) -> None:
    saved = tmp_path / "cache" / "faq.npz"
    fake = _Counting()
    first = NearestIndex.build(fake, ["a", "bb", "cac"], ["x", "y", "z"], saved=saved)
    assert saved.exists() and fake.embedded == 3
    again = NearestIndex.build(fake, ["a", "bb", "cac"], ["x", "y", "z"], saved=saved)
    assert fake.embedded == 3
    np.testing.assert_array_equal(again.matrix, first.matrix)
    assert again.labels == ("x", "y", "z")


def test_a_content_edit_embeds_only_the_changed_texts(tmp_path: Path) -> None:
    saved = tmp_path / "faq.npz"
    fake = _Counting()
    NearestIndex.build(fake, ["a", "bb"], ["x", "y"], saved=saved)
    index = NearestIndex.build(fake, ["a", "bb", "c"], ["x", "y", "z"], saved=saved)
    assert fake.embedded == 3 and index.labels == ("x", "y", "z")
    other = _Counting("fake-2")  # another model: nothing saved is any use
    NearestIndex.build(other, ["a", "bb", "c"], ["x", "y", "z"], saved=saved)
    assert other.embedded == 3


def test_the_saved_file_keeps_only_the_current_texts(tmp_path: Path) -> None:
    saved = tmp_path / "faq.npz"
    fake = _Counting()
    NearestIndex.build(fake, ["a", "bb", "c"], ["x", "y", "z"], saved=saved)
    NearestIndex.build(fake, ["a"], ["x"], saved=saved)
    assert len(load_known(saved, "fake-1", 3)) == 1


def test_shipped_vectors_spare_the_model_and_decide_as_fresh_ones(tmp_path: Path) -> None:
    seed = tmp_path / "faq-vectors.npz"
    fake = _Counting()
    fresh = NearestIndex.build(fake, ["a", "bb", "a"], ["x", "y", "x"], saved=seed)
    assert fake.embedded == 2  # a repeated text is embedded once
    reader = _Counting()
    cache = tmp_path / "runtime.npz"
    shipped = NearestIndex.build(reader, ["a", "bb", "a"], ["x", "y", "x"], saved=cache, seed=seed)
    assert reader.embedded == 0 and cache.exists()
    np.testing.assert_array_equal(shipped.matrix, fresh.matrix)
    NearestIndex.build(_Counting("fake-2"), ["a"], ["x"], seed=seed)  # ignored, no error


def test_a_damaged_or_unwritable_saved_file_only_costs_time(tmp_path: Path) -> None:
    saved = tmp_path / "faq.npz"
    saved.write_bytes(b"garbage")
    fake = _Counting()
    index = NearestIndex.build(fake, ["a", "bb"], ["x", "y"], saved=saved)
    assert fake.embedded == 2 and len(index) == 2
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    index = NearestIndex.build(fake, ["a"], ["x"], saved=blocked / "faq.npz")
    assert len(index) == 1


def test_real_vectors_survive_saving(embedder: MiniLM, tmp_path: Path) -> None:
    texts = ["does it help cramps", "is it safe with kidney disease"]
    saved = tmp_path / "v.npz"
    built = NearestIndex.build(embedder, texts, ["a", "b"], saved=saved)
    reader = _Counting(embedder.model_id, embedder.dimension)
    loaded = NearestIndex.build(reader, texts, ["a", "b"], saved=saved)
    assert reader.embedded == 0
    np.testing.assert_array_equal(loaded.matrix, built.matrix)


class _Refusing(_Counting):
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError(
            f"{len(texts)} texts of content/faq.yaml have no shipped vector "
            "(content/faq-vectors.npz): run `python -m bot embed` and commit the file"
        )


def test_the_shipped_vectors_cover_the_content_so_a_fresh_start_needs_no_model(
    embedder: MiniLM,
) -> None:
    refusing = _Refusing(embedder.model_id, embedder.dimension)
    index = SemanticIndex(load_content(), refusing)
    assert len(index) > 1000


def test_memo_computes_each_missing_key_once_and_forgets_the_oldest() -> None:
    from bot.faq.semantic import Memo

    asked: list[list[str]] = []

    def compute(keys: list[str]) -> list[int]:
        asked.append(keys)
        return [len(k) for k in keys]

    memo: Memo[int] = Memo(2)
    assert memo.lookup(["a", "bb", "a"], compute) == [1, 2, 1]
    assert asked == [["a", "bb"]]
    assert memo.lookup(["bb", "ccc"], compute) == [2, 3]  # "a" is now the oldest: dropped
    assert asked[-1] == ["ccc"]
    memo.lookup(["a"], compute)
    assert asked[-1] == ["a"]
    info = memo.info()
    assert (info.hits, info.misses, info.size, info.capacity) == (1, 5, 2, 2)
    nothing: Memo[int] = Memo(0)
    nothing.lookup(["a"], compute)
    nothing.lookup(["a"], compute)
    assert asked[-2:] == [["a"], ["a"]] and nothing.info().size == 0
