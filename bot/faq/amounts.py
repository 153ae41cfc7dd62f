"""Amounts in a message ("400 mg", "1.5 g", "2,000mg"), converted to milligrams.

Its own module, importing nothing from the bot, so that triage and the
dose notes read amounts the same way without an import cycle.
"""

from __future__ import annotations

import re

ARTICLE_MIN_MG = 200
ARTICLE_MAX_MG = 400

_AMOUNT = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:[.,]\d+)?)\s*"
    r"(mg|milligrams?|miligrams?|g|grams?|gr|mcg|µg|micrograms?)(?![a-z])",
    re.IGNORECASE,
)
_UNIT_TO_MG = {"g": 1000.0, "gr": 1000.0, "gram": 1000.0, "grams": 1000.0}
_MICRO = ("mcg", "µg", "microgram", "micrograms")


def amounts_mg(text: str) -> list[float]:
    """Every amount with a mass unit in `text`, converted to milligrams."""
    found: list[float] = []
    for number, unit in _AMOUNT.findall(text):
        if "," in number and re.fullmatch(r"\d{1,3}(?:,\d{3})+", number):
            value = float(number.replace(",", ""))
        else:
            value = float(number.replace(",", "."))
        unit = unit.lower()
        if unit in _MICRO:
            value /= 1000.0
        else:
            value *= _UNIT_TO_MG.get(unit, 1.0)
        found.append(value)
    return found
