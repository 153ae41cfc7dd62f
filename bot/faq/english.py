"""Everyday English words, so that spelling correction leaves real words alone.

The normaliser fixes misspellings against the content's own vocabulary, and
a real word one letter away from a content word used to be "fixed" into it:
"kindly" became "kindey" (a variant of kidney), "growing" became "rowing",
"studying" became "staying". A word English already has is not a typo. The
list is the whole-word part of the vendored sentence model's WordPiece
vocabulary (models/all-MiniLM-L6-v2.tokenizer.json, uncased BERT, about
21,000 words of three letters or more; Apache-2.0, see models/LICENSE): a
well-kept list of the words common in English text, already in the
repository and checked by SHA-256 when the model loads. Without the file
(a lean deployment may remove models/), nothing is protected and spelling
correction works as before.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

TOKENIZER_FILE = Path(__file__).resolve().parents[2] / "models" / "all-MiniLM-L6-v2.tokenizer.json"
MIN_LENGTH = 3


@lru_cache(maxsize=4)
def english_words(path: Path = TOKENIZER_FILE) -> frozenset[str]:
    """Lower-case ASCII words of the WordPiece vocabulary; empty if the file is unusable."""
    try:
        vocab = json.loads(path.read_text(encoding="utf-8"))["model"]["vocab"]
    except (OSError, ValueError, KeyError, TypeError):
        return frozenset()
    return frozenset(
        w
        for w in vocab
        if isinstance(w, str) and w.isascii() and w.isalpha() and len(w) >= MIN_LENGTH
    )
