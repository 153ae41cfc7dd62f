"""Triage's second net: a classifier over sentence embeddings of labelled messages.

The lexicon (bot.faq.triage) catches what its concepts and rules describe;
people also describe emergencies in ways no word list foresaw. This net
generalises from meaning instead: a small network over the sentence
embedding (bot.faq.semantic): one hidden layer of ReLU units, then a softmax
with one class per emergency category plus "none", trained with Adam on the
development messages of tests/data/triage.yaml. Cross-validated on them it
recognises about 89 % of emergencies at 0.5 % false alarms, where a plain
softmax regression got 46 % (December 2026).
A message is urgent when the probability of "none" falls below a
threshold chosen by cross-validation to keep false alarms on the
development negatives under a target rate. It adds urgent verdicts to the
lexicon's, and makes an alarm it all but rules out careful instead of
urgent (bot.faq.engine.VETO_NET).

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
HIDDEN = 128
EPOCHS = 60
BATCH = 128
LEARNING_RATE = 3e-3
L2 = 1e-4
TARGET_FALSE_ALARMS = 0.005  # on held-back development negatives, cross-validated

Array = npt.NDArray[np.float64]
Layer = tuple[Array, Array]  # weights (inputs, outputs), bias (outputs,)


class TriageModelError(ValueError):
    """The weights file is missing, malformed, or made for another embedding model."""


@dataclass(frozen=True)
class TriageModel:
    model_id: str  # the embedder these weights expect
    classes: tuple[str, ...]  # NONE first, then categories
    layers: tuple[Layer, ...]  # ReLU between layers, softmax after the last
    threshold: float  # urgent when 1 - P(none) is above this
    examples: int
    cv_recall: float
    cv_false_alarms: float

    def assess(self, vector: Vectors) -> Category | None:
        """The likeliest category when the message looks urgent, else None."""
        urgency, category = self.read(vector)
        return category if urgency > self.threshold else None

    def read(self, vector: Vectors) -> tuple[float, Category]:
        """1 - P(none), and the likeliest emergency category."""
        probs = _forward(self.layers, vector.reshape(1, -1).astype(np.float64))[0]
        return float(1.0 - probs[0]), Category(self.classes[1 + int(np.argmax(probs[1:]))])

    def to_json(self) -> str:
        return json.dumps(
            {
                "model_id": self.model_id,
                "classes": list(self.classes),
                "threshold": self.threshold,
                "examples": self.examples,
                "cv_recall": round(self.cv_recall, 4),
                "cv_false_alarms": round(self.cv_false_alarms, 4),
                "layers": [
                    {
                        "bias": [round(float(b), 5) for b in bias],
                        "weights": [[round(float(w), 5) for w in row] for row in weights],
                    }
                    for weights, bias in self.layers
                ],
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
            layers=tuple(
                (
                    np.asarray(layer["weights"], dtype=np.float64),
                    np.asarray(layer["bias"], dtype=np.float64),
                )
                for layer in raw["layers"]
            ),
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
    if not _fits(model.layers, len(model.classes)):
        raise TriageModelError(f"{path}: weights and classes do not fit together")
    return model


def _fits(layers: tuple[Layer, ...], classes: int) -> bool:
    """Every layer's bias matches its outputs, each feeds the next, the last gives classes."""
    if not layers:
        return False
    for (w, b), following in zip(layers, (*layers[1:], None), strict=True):
        if w.ndim != 2 or b.shape != (w.shape[1],):
            return False
        if following is not None and following[0].shape[0] != w.shape[1]:
            return False
    return bool(layers[-1][0].shape[1] == classes)


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
        layers = _fit(x[rest], y[rest], len(classes))
        held[fold] = 1.0 - _forward(layers, x[fold])[:, 0]
    negatives = np.sort(held[y == 0])
    threshold = float(negatives[min(len(negatives) - 1, int(len(negatives) * (1 - target)))])
    return TriageModel(
        model_id=model_id,
        classes=classes,
        layers=_fit(x, y, len(classes)),
        threshold=threshold,
        examples=len(y),
        cv_recall=float(np.mean(held[y != 0] > threshold)),
        cv_false_alarms=float(np.mean(held[y == 0] > threshold)),
    )


def _forward(layers: Sequence[Layer], x: Array) -> Array:
    """Class probabilities for each row of x."""
    for w, b in layers[:-1]:
        x = np.maximum(0.0, x @ w + b)
    w, b = layers[-1]
    return _softmax(x @ w + b)


def _fit(x: Array, y: npt.NDArray[np.int64], k: int) -> tuple[Layer, Layer]:
    """One hidden ReLU layer and a softmax, by Adam on mini-batches, classes weighted
    to count equally; seeded, so the same examples give the same weights."""
    rng = np.random.default_rng(0)
    onehot = np.eye(k)[y]
    counts = np.maximum(onehot.sum(axis=0), 1.0)
    sample = (onehot / counts).sum(axis=1)
    sample /= sample.mean()
    params = [
        rng.normal(0.0, 1.0 / np.sqrt(x.shape[1]), (x.shape[1], HIDDEN)),
        np.zeros(HIDDEN),
        rng.normal(0.0, 1.0 / np.sqrt(HIDDEN), (HIDDEN, k)),
        np.zeros(k),
    ]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    step = 0
    for _ in range(EPOCHS):
        for batch in np.array_split(rng.permutation(len(x)), max(1, len(x) // BATCH)):
            w1, b1, w2, b2 = params
            hidden = np.maximum(0.0, x[batch] @ w1 + b1)
            grad = (_softmax(hidden @ w2 + b2) - onehot[batch]) * sample[batch, None] / len(batch)
            back = (grad @ w2.T) * (hidden > 0)
            grads = (
                x[batch].T @ back + L2 * w1,
                back.sum(0),
                hidden.T @ grad + L2 * w2,
                grad.sum(0),
            )
            step += 1
            for i, g in enumerate(grads):
                first[i] = 0.9 * first[i] + 0.1 * g
                second[i] = 0.999 * second[i] + 0.001 * g * g
                m_hat = first[i] / (1 - 0.9**step)
                v_hat = second[i] / (1 - 0.999**step)
                params[i] = params[i] - LEARNING_RATE * m_hat / (np.sqrt(v_hat) + 1e-8)
    w1, b1, w2, b2 = params
    return (w1, b1), (w2, b2)


def _softmax(z: Array) -> Array:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: Array = e / e.sum(axis=1, keepdims=True)
    return out
