"""Triage's second net: all-MiniLM-L6-v2 fine-tuned to read emergencies.

The word lists (bot.faq.triage) catch what their concepts and rules
describe; people also describe emergencies in ways no word list foresaw, and
words like "collapsed" also describe a football team. This net reads the
whole message: the sentence encoder fine-tuned end to end as a classifier
("none" and one class per emergency category) on the development messages
of tests/data/triage.yaml and the FAQ's development question sets, each
emergency also seen with an ordinary magnesium question beside it. It is
vendored as models/triage-minilm.q8.onnx, built by models/build_triage_net.py
and checked against a pinned SHA-256 when loaded, like the encoder.

It replaced a small network over the encoder's frozen output. Trained without
five development parts and read against them, at 0.5 % false alarms the
frozen one found 89.8 % of their emergencies, this one 99.3 % (December 2026).
The engine adds its urgent verdicts to the word lists' and makes an alarm it
doubts careful instead (bot.faq.engine.VETO_NET).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.faq.semantic import (
    MAX_TOKENS,
    MODELS_DIR,
    TOKENIZER,
    Memo,
    ModelError,
    ModelFile,
    OnnxText,
    cache_key,
)
from bot.faq.triage import Category

NONE = "none"
TRIAGE_MODEL = ModelFile(
    MODELS_DIR / "triage-minilm.q8.onnx",
    "1ef4609790d7d957f23971d938196bc4b733cae5274b459b86854759fe887f0e",
)
# Urgent when 1 - P(none) is above this (for a message the word lists did not
# alarm at). Out of fold on five development parts (bot.faq.engine), 0.9 and 0.99
# found the same emergencies, 0.99 with one false alarm fewer.
URGENT = 0.99
CACHE_SIZE = 4096  # a message is read once per reply, or again with its context


class TriageNet(OnnxText):
    """Reads a message: how likely it is an emergency, and the likeliest category.

    Thread-safe; one intra-op thread by default; never downloads anything.
    """

    threshold = URGENT

    def __init__(
        self,
        model: ModelFile = TRIAGE_MODEL,
        tokenizer: ModelFile = TOKENIZER,
        *,
        threads: int = 1,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        super().__init__(model, tokenizer, threads=threads, max_tokens=MAX_TOKENS)
        raw = self._session.get_modelmeta().custom_metadata_map.get("classes", "")
        classes = tuple(raw.split(","))
        known = {c.value for c in Category}
        if classes[:1] != (NONE,) or not set(classes[1:]) <= known or len(classes) < 2:
            raise ModelError(f"{model.path}: classes must be '{NONE}' then triage categories")
        shape = self._session.get_outputs()[0].shape
        if len(set(classes)) != len(classes) or len(shape) != 2 or shape[1] != len(classes):
            raise ModelError(f"{model.path}: its output does not fit its classes ({raw})")
        self._categories = tuple(Category(c) for c in classes[1:])
        self._memo: Memo[tuple[float, Category]] = Memo(cache_size)

    def read(self, text: str) -> tuple[float, Category]:
        """1 - P(none), and the likeliest emergency category."""
        return self.read_many([text])[0]

    def read_many(self, texts: Sequence[str]) -> list[tuple[float, Category]]:
        """`read` for each text, batched: quicker for many at once, and remembered."""
        return self._memo.lookup([cache_key(t) for t in texts], self._compute)

    def _compute(self, texts: list[str]) -> list[tuple[float, Category]]:
        urgency = np.ones(len(texts))  # a row never read would count as urgent, not calm
        likeliest = np.zeros(len(texts), dtype=np.int64)
        for rows, probs, _ in self._batches(texts):
            urgency[rows] = 1.0 - probs[:, 0]
            likeliest[rows] = np.argmax(probs[:, 1:], axis=1)
        return [(float(u), self._categories[k]) for u, k in zip(urgency, likeliest, strict=True)]
