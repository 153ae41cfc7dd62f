"""Triage's second net: a classifier over sentence embeddings of labelled messages.

The lexicon (bot.faq.triage) catches what its concepts and rules describe;
people also describe emergencies in ways no word list foresaw. This net
generalises from meaning instead: a softmax regression over the sentence
embedding (bot.faq.semantic), trained on the development messages of
tests/data/triage.yaml, one class per emergency category plus "none".
A message is urgent when the probability of "none" falls below a
threshold chosen by cross-validation to keep false alarms on the
development negatives under a target rate. It only ever adds urgent
verdicts to the lexicon's, never removes one.

The weights live in content/triage_model.json with the id of the embedding
model they were trained for; `python -m bot train-triage` rebuilds them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.faq.semantic import Vectors
from bot.faq.triage import Category

NONE = "none"
FOLDS = 5
EPOCHS = 600
LEARNING_RATE = 1.0
L2 = 1e-3
TARGET_FALSE_ALARMS = 0.005  # on held-back development negatives, cross-validated


class TriageModelError(ValueError):
    """The weights file is missing, malformed, or made for another embedding model."""


@dataclass(frozen=True)
class TriageModel:
    model_id: str  # the embedder these weights expect
    classes: tuple[str, ...]  # NONE first, then categories
    weights: npt.NDArray[np.float64]  # (dimension, classes)
    bias: npt.NDArray[np.float64]  # (classes,)
    threshold: float  # urgent when 1 - P(none) is above this
    examples: int
    cv_recall: float
    cv_false_alarms: float

    def assess(self, vector: Vectors) -> Category | None:
        """The likeliest category when the message looks urgent, else None."""
        probs = _softmax(vector.reshape(1, -1).astype(np.float64) @ self.weights + self.bias)[0]
        if 1.0 - probs[0] <= self.threshold:
            return None
        return Category(self.classes[1 + int(np.argmax(probs[1:]))])

    def to_json(self) -> str:
        return json.dumps(
            {
                "model_id": self.model_id,
                "classes": list(self.classes),
                "threshold": self.threshold,
                "examples": self.examples,
                "cv_recall": round(self.cv_recall, 4),
                "cv_false_alarms": round(self.cv_false_alarms, 4),
                "bias": [round(float(b), 6) for b in self.bias],
                "weights": [[round(float(w), 6) for w in row] for row in self.weights],
            },
            separators=(",", ":"),
        )


def load_model(path: Path, model_id: str) -> TriageModel:
    """Read the weights; TriageModelError (one line) when unusable with this embedder."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        model = TriageModel(
            model_id=str(raw["model_id"]),
            classes=tuple(str(c) for c in raw["classes"]),
            weights=np.asarray(raw["weights"], dtype=np.float64),
            bias=np.asarray(raw["bias"], dtype=np.float64),
            threshold=float(raw["threshold"]),
            examples=int(raw["examples"]),
            cv_recall=float(raw["cv_recall"]),
            cv_false_alarms=float(raw["cv_false_alarms"]),
        )
    except OSError as exc:
        raise TriageModelError(f"{path}: cannot read ({exc.strerror})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise TriageModelError(f"{path}: not a triage model file ({exc})") from None
    if model.model_id != model_id:
        raise TriageModelError(
            f"{path}: trained for embedding model {model.model_id[:16]}, "
            f"not {model_id[:16]}; run `python -m bot train-triage`"
        )
    known = {c.value for c in Category}
    if model.classes[:1] != (NONE,) or not set(model.classes[1:]) <= known:
        raise TriageModelError(f"{path}: classes must be '{NONE}' then triage categories")
    if model.weights.shape != (model.weights.shape[0], len(model.classes)) or model.bias.shape != (
        len(model.classes),
    ):
        raise TriageModelError(f"{path}: weights and classes do not fit together")
    return model


def train(
    vectors: Vectors, labels: Sequence[str], model_id: str, target: float = TARGET_FALSE_ALARMS
) -> TriageModel:
    """Fit on every example; pick the threshold by cross-validation on the same examples."""
    classes = (NONE, *sorted({lab for lab in labels if lab != NONE}))
    y = np.array([classes.index(lab) for lab in labels])
    x = np.asarray(vectors, dtype=np.float64)
    order = np.random.default_rng(0).permutation(len(y))
    held = np.zeros(len(y))
    for fold in np.array_split(order, FOLDS):
        rest = np.setdiff1d(order, fold)
        w, b = _fit(x[rest], y[rest], len(classes))
        held[fold] = 1.0 - _softmax(x[fold] @ w + b)[:, 0]
    negatives = np.sort(held[y == 0])
    threshold = float(negatives[min(len(negatives) - 1, int(len(negatives) * (1 - target)))])
    w, b = _fit(x, y, len(classes))
    return TriageModel(
        model_id=model_id,
        classes=classes,
        weights=w,
        bias=b,
        threshold=threshold,
        examples=len(y),
        cv_recall=float(np.mean(held[y != 0] > threshold)),
        cv_false_alarms=float(np.mean(held[y == 0] > threshold)),
    )


def _fit(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.int64], k: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Softmax regression by gradient descent, classes weighted to count equally."""
    onehot = np.eye(k)[y]
    counts = np.maximum(onehot.sum(axis=0), 1.0)
    sample = (onehot / counts).sum(axis=1)
    sample /= sample.mean()
    w = np.zeros((x.shape[1], k))
    b = np.zeros(k)
    for _ in range(EPOCHS):
        grad = (_softmax(x @ w + b) - onehot) * sample[:, None]
        w -= LEARNING_RATE * (x.T @ grad / len(x) + L2 * w)
        b -= LEARNING_RATE * grad.mean(axis=0)
    return w, b


def _softmax(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: npt.NDArray[np.float64] = e / e.sum(axis=1, keepdims=True)
    return out
