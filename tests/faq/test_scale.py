"""Bigger FAQs: the fast matcher scores exactly as the straightforward one, loads stay flat.

The matcher, the typo fixing and the YAML loading were rewritten so that a FAQ
of thousands of entries stays fast (bench/content_size.py measures it). The
algorithms they replaced are kept here as references, and every result must
be the same to the last bit, on the labelled questions, on synthetic content
and on generated text. Memory is checked with tracemalloc; timings stay in the
benchmark.
"""

from __future__ import annotations

import gc
import math
import random
import re
import tracemalloc
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bench.synthetic import labelled_questions, questions, write_synthetic_faq
from bot.faq import yamlsource
from bot.faq.content import Content, load_content
from bot.faq.engine import Engine
from bot.faq.matcher import (
    FUZZY_WEIGHT,
    NO_SHARED_WORD_FACTOR,
    UNKNOWN_FACTOR,
    Matcher,
    Scored,
    _round1,
)
from bot.faq.normalize import Analysis, Normalizer
from bot.faq.tokens import basic_tokens

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"  # (not from conftest: bench/content_size.py imports this file)
FAQ = ROOT / "content" / "faq.yaml"
GENERATED = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class ReferenceMatcher:
    """The matcher as it was: every phrasing scored, every entry's vocabulary looped over."""

    def __init__(self, content: Content, normalizer: Normalizer) -> None:
        self._norm = normalizer
        self._ids = [e.id for e in content.entries]
        self._choices: list[str] = []
        self._owner: list[int] = []
        vocab: list[set[str]] = []
        for idx, entry in enumerate(content.entries):
            words: set[str] = set()
            for text in (entry.question, *entry.phrasings):
                toks = self._norm.analyse(text).content
                words.update(toks)
                self._choices.append(" ".join(sorted(toks)))
                self._owner.append(idx)
            for text in (*entry.keywords, *entry.safety_terms):
                words.update(self._norm.analyse(text).content)
            vocab.append(words)
        self._vocab = vocab
        n = len(vocab)
        df: dict[str, int] = {}
        for words in vocab:
            for w in words:
                df[w] = df.get(w, 0) + 1
        self._idf = {w: math.log(1.0 + n / c) for w, c in df.items()}
        self._unknown_idf = UNKNOWN_FACTOR * math.log(1.0 + n)

    def idf(self, token: str) -> float:
        return self._idf.get(token, self._unknown_idf)

    def score_best(self, analyses: tuple[Analysis, ...]) -> list[Scored]:
        """The old engine's way: score each view, keep each entry's best, sort again."""
        best: dict[str, float] = {}
        for analysis in analyses:
            for s in self.score(analysis):
                best[s.entry_id] = max(best.get(s.entry_id, 0.0), s.score)
        return sorted((Scored(i, v) for i, v in best.items()), key=lambda s: -s.score)

    def score(self, analysis: Analysis) -> list[Scored]:
        content = tuple(dict.fromkeys(analysis.content))
        if not content:
            return [Scored(i, 0.0) for i in self._ids]
        query = " ".join(sorted(content))
        fuzzy = [0.0] * len(self._ids)
        for _choice, value, pos in process.extract(
            query, self._choices, scorer=fuzz.ratio, limit=None
        ):
            owner = self._owner[pos]
            if value > fuzzy[owner]:
                fuzzy[owner] = value
        weights = {t: self.idf(t) for t in set(content)}
        total = sum(weights.values())
        out = []
        for idx, entry_id in enumerate(self._ids):
            covered = sum(w for t, w in weights.items() if t in self._vocab[idx])
            keyword = 100.0 * covered / total
            combined = FUZZY_WEIGHT * fuzzy[idx] + (1.0 - FUZZY_WEIGHT) * keyword
            if covered == 0.0:
                combined *= NO_SHARED_WORD_FACTOR
            out.append(Scored(entry_id, round(combined, 1)))
        out.sort(key=lambda s: -s.score)
        return out


def reference_closest(words: list[str], word: str, allowed: int) -> str | None:
    """The typo lookup as it was: one extractOne over the whole sorted vocabulary."""
    best = process.extractOne(word, sorted(words), scorer=OSA.distance, score_cutoff=allowed)
    return best[0] if best else None


@pytest.fixture(scope="module")
def reference(engine: Engine) -> ReferenceMatcher:
    return ReferenceMatcher(engine.content, engine.normalizer)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, ReferenceMatcher]:
    """Content grown to 300 entries, with its engine and the reference matcher over it."""
    path = write_synthetic_faq(tmp_path_factory.mktemp("synthetic"), 300)
    engine = Engine(load_content(path))
    return engine, ReferenceMatcher(engine.content, engine.normalizer)


def _same(matcher: Matcher, reference: ReferenceMatcher, analysis: Analysis) -> None:
    assert matcher.score(analysis) == reference.score(analysis), analysis.raw


def test_labelled_questions_score_exactly_as_before(
    engine: Engine, reference: ReferenceMatcher
) -> None:
    texts = labelled_questions()
    assert len(texts) > 300
    for text in texts:
        _same(engine.matcher, reference, engine.normalizer.analyse(text))


def test_synthetic_content_scores_exactly_as_before(
    synthetic: tuple[Engine, ReferenceMatcher],
) -> None:
    engine, reference = synthetic
    phrasings = [p for e in engine.content.entries for p in (e.question, *e.phrasings)]
    for text in questions(phrasings, 600) + phrasings[::25]:
        _same(engine.matcher, reference, engine.normalizer.analyse(text))


def _coverage_as_before(engine: Engine, reference: ReferenceMatcher, count: int, seed: int) -> None:
    """`count` known words in a random order: each entry's covered weight is the loop's sum."""
    matcher = engine.matcher
    words = random.Random(seed).sample(sorted(matcher._entries_of), count)
    weights = {w: matcher.idf(w) for w in words}
    expected = [sum(v for t, v in weights.items() if t in vocab) for vocab in reference._vocab]
    assert matcher._covered(weights).tolist() == expected


@pytest.mark.parametrize("count", [62, 63, 124, 125, 150])
def test_coverage_sums_as_before_past_one_mask_of_words(
    synthetic: tuple[Engine, ReferenceMatcher], count: int
) -> None:
    """Over 62 known words (300 characters hold up to 150) span several mask columns."""
    _coverage_as_before(*synthetic, count, seed=count)


@given(count=st.integers(1, 150), seed=st.integers(0, 2**32))
@GENERATED
def test_coverage_sums_as_before(
    synthetic: tuple[Engine, ReferenceMatcher], count: int, seed: int
) -> None:
    _coverage_as_before(*synthetic, count, seed)


def _edited(word: str, edits: list[tuple[int, int, str]]) -> str:
    """`word` with a few keyboard slips: (kind, position, letter)."""
    for kind, pos, letter in edits:
        i = pos % (len(word) + 1)
        if kind == 0:
            word = word[:i] + letter + word[i:]
        elif kind == 1 and i < len(word):
            word = word[:i] + word[i + 1 :]
        elif kind == 2 and i < len(word):
            word = word[:i] + letter + word[i + 1 :]
        elif kind == 3 and i + 1 < len(word):
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word


_LETTERS = st.characters(min_codepoint=97, max_codepoint=122)
_EDITS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 20), _LETTERS), max_size=3)


@st.composite
def _messages(draw: st.DrawFn, vocab: list[str]) -> str:
    """Text people might type: known words, misspelt ones, made-up ones, punctuation."""
    parts = draw(
        st.lists(
            st.one_of(
                st.sampled_from(vocab),
                st.builds(_edited, st.sampled_from(vocab), _EDITS),
                st.text(_LETTERS, min_size=1, max_size=12),
                st.sampled_from(["?", "!!", ",", "mg", "400", "don't", "é", "-"]),
            ),
            max_size=25,
        )
    )
    return " ".join(parts)


@given(data=st.data())
@GENERATED
def test_generated_text_scores_exactly_as_before(
    engine: Engine, reference: ReferenceMatcher, data: st.DataObject
) -> None:
    text = data.draw(_messages(sorted(engine.normalizer.vocab)))
    _same(engine.matcher, reference, engine.normalizer.analyse(text))


@given(data=st.data())
@GENERATED
def test_generated_text_scores_exactly_as_before_on_synthetic_content(
    synthetic: tuple[Engine, ReferenceMatcher], data: st.DataObject
) -> None:
    engine, reference = synthetic
    text = data.draw(_messages(sorted(engine.normalizer.vocab)))
    _same(engine.matcher, reference, engine.normalizer.analyse(text))


@given(data=st.data())
@GENERATED
def test_typos_are_looked_up_exactly_as_before(engine: Engine, data: st.DataObject) -> None:
    typos = engine.normalizer._typos
    words = typos._words.tolist()
    word = data.draw(
        st.one_of(
            st.builds(_edited, st.sampled_from(sorted(words)), _EDITS),
            st.text(_LETTERS, min_size=1, max_size=14),
        )
    )
    for allowed in (1, 2):
        assert typos.closest(word, allowed) == reference_closest(words, word, allowed)


def reference_canonical(norm: Normalizer, words: tuple[str, ...]) -> tuple[str, ...]:
    """Synonym mapping as it was: every position tries every phrase length."""
    seq = list(words)
    out: list[str] = []
    i = 0
    while i < len(seq):
        for n in range(min(norm._longest, len(seq) - i), 0, -1):
            hit = norm._phrases.get(tuple(seq[i : i + n]))
            if hit is not None:
                out.append(hit)
                i += n
                break
        else:
            out.append(seq[i])
            i += 1
    return tuple(out)


@given(data=st.data())
@GENERATED
def test_synonyms_map_exactly_as_before(engine: Engine, data: st.DataObject) -> None:
    norm = engine.normalizer
    phrase_words = sorted({w for phrase in norm._phrases for w in phrase})
    words = tuple(
        data.draw(
            st.lists(
                st.sampled_from(phrase_words) | st.sampled_from(sorted(norm.vocab)), max_size=30
            )
        )
    )
    assert norm.canonical(words) == reference_canonical(norm, words)
    text = " ".join(words)
    assert norm.content(text) == norm.analyse(text).content


def reference_tokens(text: str) -> list[str]:
    """The tokeniser as it was: full Unicode folding and three substitutions on every text."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    plain = re.sub(r"[^0-9a-z]+", " ", re.sub(r"['’`´]", "", plain))
    return re.sub(r"(?<=[0-9])(?=[a-z])|(?<=[a-z])(?=[0-9])", " ", plain).split()


@given(st.text())
def test_fast_tokens_equal_the_reference(text: str) -> None:
    assert basic_tokens(text) == reference_tokens(text)


@given(st.text(st.characters(max_codepoint=127)))
def test_fast_tokens_equal_the_reference_on_ascii(text: str) -> None:
    assert basic_tokens(text) == reference_tokens(text)


@given(st.floats(0.0, 100.0) | st.integers(0, 2000).map(lambda k: k / 20))
def test_round1_is_pythons_round(value: float) -> None:
    for v in (math.nextafter(value, -1.0), value, math.nextafter(value, 200.0)):
        assert _round1(np.array([v]))[0] == round(v, 1)


@pytest.mark.parametrize(
    "path",
    [FAQ, ROOT / "content" / "triage.yaml", DATA / "questions.yaml", DATA / "holdout.yaml"],
)
def test_c_loader_reads_what_the_python_loader_reads(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = yamlsource.load_located(path)
    monkeypatch.setattr(yamlsource, "_LOADER", yaml.SafeLoader)
    slow = yamlsource.load_located(path)
    assert (fast.data, fast.lines) == (slow.data, slow.lines)


def test_yaml_errors_keep_pythons_wording(tmp_path: Path) -> None:
    """libyaml says "found character that cannot start any token"; people need to hear "tab"."""
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\n\t- x\n", encoding="utf-8")
    with pytest.raises(yamlsource.ContentError) as info:
        yamlsource.load_located(path)
    assert info.value.line == 2
    assert "'\\t'" in info.value.message


def _live_nodes() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, yaml.Node))


def test_loading_keeps_no_yaml_node_alive() -> None:
    before = _live_nodes()
    content = load_content(FAQ)
    assert content.entries
    assert _live_nodes() <= before


def _retained_by_reloads(load: Callable[[], object], times: int) -> int:
    """Bytes still allocated after `times` loads whose results were dropped."""
    load()  # lazy imports and module-level caches fill once
    gc.collect()
    tracemalloc.start()
    try:
        load()
        gc.collect()
        first = tracemalloc.get_traced_memory()[0]
        for _ in range(times):
            load()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - first
    finally:
        tracemalloc.stop()


def test_repeated_content_loads_do_not_grow_memory() -> None:
    """Every load used to leave its whole YAML node tree behind: megabytes per reload."""
    assert _retained_by_reloads(lambda: load_content(FAQ), 5) < 50_000


def test_repeated_engine_builds_do_not_grow_memory(tmp_path: Path) -> None:
    path = write_synthetic_faq(tmp_path, 100)
    assert _retained_by_reloads(lambda: Engine(load_content(path)), 3) < 50_000


def test_scoring_two_views_at_once_is_the_best_of_each(engine: Engine) -> None:
    """The engine scores a long message and its question part in one pass."""
    norm, matcher = engine.normalizer, engine.matcher
    for whole_text, question_text in [
        ("I walk a lot and my calves cramp at night. How much should I take?", "How much?"),
        ("hiya! quick one", "does it make you drowsy?"),
        ("", "is it safe"),
        ("zzz qqq", "xxyy"),
    ]:
        whole, question = norm.analyse(whole_text), norm.analyse(question_text)
        best = {s.entry_id: s.score for s in matcher.score(whole)}
        for s in matcher.score(question):
            best[s.entry_id] = max(best[s.entry_id], s.score)
        together = matcher.score_best((whole, question))
        assert {s.entry_id: s.score for s in together} == best
        assert [s.score for s in together] == sorted(best.values(), reverse=True)
