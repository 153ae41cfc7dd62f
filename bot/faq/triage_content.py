"""content/triage.yaml: the triage lexicon, its rules and the reply for each emergency.

Validated on load like the FAQ (`file:line: field: problem`): every rule's
concepts exist, every category has a rule and a reply, and no urgent reply
names an amount, so an emergency is never answered with a dose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.faq.triage import BUILTIN_CONCEPTS, REQUIRED_CONCEPTS, Category, Lexicon, Rule
from bot.faq.yamlsource import Located, Reader, load_located

MAX_REPLY_CHARS = 600
MAX_LINE_CHARS = 200
MAX_PHRASE_CHARS = 80
_AMOUNT = re.compile(r"\d\s*(mg|g|mcg|milligram|gram|tablet|capsule|pill)", re.IGNORECASE)
# What each reply must say first and foremost.
MUST_SAY: dict[Category, tuple[str, ...]] = {
    Category.OVERDOSE: ("poison control", "emergency number"),
    Category.SWALLOWED: ("poison control", "emergency number"),
    Category.SELF_HARM: ("crisis line", "emergency number"),
}
DEFAULT_MUST_SAY = ("emergency number",)


@dataclass(frozen=True)
class TriageContent:
    path: str
    lexicon: Lexicon
    replies: dict[Category, str]
    unwell_line: str  # added to fallbacks and clarifies that mention feeling unwell
    # The line a careful reply carries instead, where an emergency of this kind was
    # suspected but not alarmed at: a self-harm alarm doubted still names a crisis line.
    careful_lines: dict[Category, str]

    def careful_line(self, category: Category | None) -> str:
        """The one line a careful reply carries: its category's own, or the unwell line."""
        return self.unwell_line if category is None else self.careful_lines[category]


def load_triage(path: Path) -> TriageContent:
    """Load and validate the triage file; raises ContentError naming file:line: field."""
    doc = load_located(path)
    return parse_triage(doc)


def parse_triage(doc: Located) -> TriageContent:
    r = Reader(doc)
    top = doc.data
    if not isinstance(top, dict):
        raise doc.error("", "must be a mapping with concepts, rules and replies")
    concepts = _concepts(r, top.get("concepts"))
    known = set(concepts) | set(BUILTIN_CONCEPTS)
    for name in REQUIRED_CONCEPTS:
        if name not in concepts:
            raise doc.error("concepts", f"missing the concept '{name}' (numbers use it)")
    rules = _rules(doc, top.get("rules"), known)
    unwell = _names(doc, top.get("unwell_concepts"), "unwell_concepts", known)
    calm = _names(doc, top.get("calm_concepts"), "calm_concepts", known)
    wide = _names(doc, top.get("message_wide_concepts"), "message_wide_concepts", known)
    replies = _per_category(r, top.get("replies"), "replies", MAX_REPLY_CHARS)
    covered = {r.category for r in rules}
    for category in Category:
        if category not in covered:
            raise doc.error("rules", f"no rule for the category '{category}'")
    line = r.text(r.field(top, "unwell_line", ""), "unwell_line", MAX_LINE_CHARS)
    spellings = _spellings(doc, top.get("spellings"))
    overrides = _overrides(doc, top.get("overrides"), known)
    denial = _names(doc, top.get("denial_concepts"), "denial_concepts", set(concepts))
    free = _names(doc, top.get("negation_free_concepts"), "negation_free_concepts", set(concepts))
    for name in set(free) & set(denial):
        raise doc.error("negation_free_concepts", f"'{name}' cannot also be a denial concept")
    lexicon = Lexicon(concepts, rules, unwell, calm, wide, spellings, overrides, denial, free)
    careful = _per_category(r, top.get("careful_lines"), "careful_lines", MAX_LINE_CHARS)
    return TriageContent(doc.path, lexicon, replies, line, careful)


def _concepts(r: Reader, raw: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict) or not raw:
        raise r.doc.error("concepts", "must map concept names to lists of phrases")
    out: dict[str, tuple[str, ...]] = {}
    for name, phrases in raw.items():
        where = f"concepts.{name}"
        if name in BUILTIN_CONCEPTS:
            raise r.doc.error(where, f"'{name}' is computed from numbers; pick another name")
        out[str(name)] = _phrases(r, phrases, where)
    return out


def _phrases(r: Reader, raw: Any, where: str) -> tuple[str, ...]:
    """A concept's phrases: a list, or a mapping of `phrases` and, written once each,
    `subjects` and the `verbs` that follow every one of them ("laptop is", "laptop keeps")."""
    if not isinstance(raw, dict):
        return tuple(p.lower() for p in r.texts(raw, where, limit=MAX_PHRASE_CHARS))
    for key in raw:
        if key not in ("phrases", "subjects", "verbs"):
            raise r.doc.error(f"{where}.{key}", "is not phrases, subjects or verbs")
    words = {
        key: r.texts(raw.get(key), f"{where}.{key}", allow_empty=True, limit=MAX_PHRASE_CHARS)
        for key in ("phrases", "subjects", "verbs")
    }
    if bool(words["subjects"]) != bool(words["verbs"]):
        raise r.doc.error(where, "needs both subjects and verbs, or neither")
    pairs = [f"{s} {v}" for s in words["subjects"] for v in words["verbs"]]
    out = tuple(p.lower() for p in (*words["phrases"], *pairs))
    for i, phrase in enumerate(out):
        if phrase in out[:i]:
            raise r.doc.error(where, f"'{phrase}' is listed twice")
    if not out:
        raise r.doc.error(where, "must not be empty")
    return out


def _spellings(doc: Located, raw: Any) -> dict[str, str]:
    """`word: [misspellings]` -> {misspelling: word}; a misspelling may belong to one word."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise doc.error("spellings", "must map words to lists of their misspellings")
    out: dict[str, str] = {}
    for word, variants in raw.items():
        where = f"spellings.{word}"
        if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
            raise doc.error(where, "must be a list of misspellings")
        for i, variant in enumerate(variants):
            key = variant.strip().lower()
            if not key.isalpha():
                raise doc.error(f"{where}[{i}]", "must be one word of letters")
            if key in out:
                already = f"'{key}' is already a misspelling of '{out[key]}'"
                raise doc.error(f"{where}[{i}]", already)
            out[key] = str(word).lower()
    return out


def _names(doc: Located, raw: Any, where: str, known: set[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise doc.error(where, "must be a list of concept names")
    for i, name in enumerate(raw):
        if not isinstance(name, str) or name not in known:
            raise doc.error(f"{where}[{i}]", f"unknown concept '{name}'")
    return tuple(str(n) for n in raw)


def _overrides(doc: Located, raw: Any, known: set[str]) -> dict[str, tuple[str, ...]]:
    """marker concept -> the calm concepts it cancels wherever it is found."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise doc.error("overrides", "must map a concept to the calm concepts it cancels")
    for marker in raw:
        if marker not in known:
            raise doc.error(f"overrides.{marker}", f"unknown concept '{marker}'")
    return {str(m): _names(doc, calm, f"overrides.{m}", known) for m, calm in raw.items()}


def _rules(doc: Located, raw: Any, known: set[str]) -> tuple[Rule, ...]:
    if not isinstance(raw, list) or not raw:
        raise doc.error("rules", "must be a non-empty list of rules")
    rules: list[Rule] = []
    for i, item in enumerate(raw):
        at = f"rules[{i}]"
        if not isinstance(item, dict):
            raise doc.error(at, "must be a mapping with category and all/any/none")
        try:
            category = Category(str(item.get("category")))
        except ValueError:
            allowed = ", ".join(c.value for c in Category)
            raise doc.error(f"{at}.category", f"must be one of {allowed}") from None
        window = item.get("window")
        if window is not None and (isinstance(window, bool) or not isinstance(window, int)):
            raise doc.error(f"{at}.window", "must be a whole number of tokens")
        rule = Rule(
            category=category,
            all=_names(doc, item.get("all"), f"{at}.all", known),
            any=_names(doc, item.get("any"), f"{at}.any", known),
            none=_names(doc, item.get("none"), f"{at}.none", known),
            window=window,
            line=doc.line(at),
            unless_near=_names(doc, item.get("unless_near"), f"{at}.unless_near", known),
            unless_before=_names(doc, item.get("unless_before"), f"{at}.unless_before", known),
        )
        if not rule.all and not rule.any:
            raise doc.error(at, "needs at least one concept in all or any")
        rules.append(rule)
    return tuple(rules)


def _per_category(r: Reader, raw: Any, field: str, limit: int) -> dict[Category, str]:
    """One text per category (an urgent reply, a careful line), each with its musts."""
    table = r.mapping(raw, field)
    out: dict[Category, str] = {}
    for category in Category:
        where = f"{field}.{category.value}"
        text = r.text(r.field(table, category.value, where), where, limit)
        out[category] = _checked(r, category, text, where)
    for name in table:
        _category(r.doc, name, f"{field}.{name}")
    return out


def _category(doc: Located, name: object, where: str) -> Category:
    for category in Category:
        if category.value == name:
            return category
    raise doc.error(where, "is not a triage category")


def _checked(r: Reader, category: Category, text: str, where: str) -> str:
    for must in MUST_SAY.get(category, DEFAULT_MUST_SAY):
        if must not in text.lower():
            raise r.doc.error(where, f"must say '{must}'")
    if _AMOUNT.search(text):
        raise r.doc.error(where, "must not name an amount: an emergency never gets a dose")
    return text
