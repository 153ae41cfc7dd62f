"""Emergency triage: does this message describe an emergency happening now, and which kind?

Runs before small talk and matching. People rarely write "anaphylaxis" or
"overdose"; they write "my lips are puffing up" or "had 14 of these with
lunch". So triage is built from *concepts* (word lists kept as data in
content/triage.yaml: ingestion verbs, excess words, body parts, symptoms,
severity and onset words, hopelessness expressions) combined by *rules*
(ingestion + excess; swelling + lips/tongue/throat near each other), with
negation ("no chest pain"), and suppressors for questions about what could
happen, events long past and jokes. Numbers are concepts too: a count of
pills well above one dose, a large amount in mg, a very slow pulse.

Pure and fast: phrases are matched by first token (or prefix) in one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from bot.faq.amounts import amounts_mg
from bot.faq.tokens import basic_tokens, fold
from bot.faq.tokens import words as word_tokens

NEGATORS = frozenset(
    {"no", "not", "never", "without", "nothing", "nothings", "none", "nobody", "isnt", "arent"}
    | {"wasnt", "werent", "didnt", "doesnt", "dont", "hasnt", "havent", "hadnt", "wont", "cant"}
    | {"couldnt", "neither", "nor"}
)
# Written-out negations become the contracted token the lexicon uses ("cannot" -> "cant").
CONTRACTIONS = {
    ("cannot",): "cant",
    ("cannae",): "cant",
    ("canna",): "cant",
    ("dinnae",): "dont",
    ("didnae",): "didnt",
    ("can", "not"): "cant",
    ("will", "not"): "wont",
    ("do", "not"): "dont",
    ("does", "not"): "doesnt",
    ("did", "not"): "didnt",
    ("has", "not"): "hasnt",
    ("have", "not"): "havent",
}
# An `unless_near` concept this close to the evidence cancels the rule; an
# `unless_before` one only as its subject, this close before it ("my laptop is
# completely unresponsive"), never after it ("my mum collapsed, her laptop is on").
NEAR = 4
NOT_NEGATING = frozenset({"stop", "stopped", "help"})  # "can't stop being sick" is no denial
# "not moving and his lips are blue": a new predicate ends what "not" denies;
# "no swelling or trouble breathing" keeps it going.
NEGATION_STOPS = frozenset({"and", "but", "so", "then", "now", "because", "cos", "since"})
NEGATION_WINDOW = 5  # a negator this many tokens before a phrase, in its clause, negates it
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "dozen": 12,
    "hundred": 100,
}
# Concepts computed from numbers rather than listed words; rules may use them.
# `denied`: a phrase of a `denial` concept said with a negator ("no chest pain",
# "my face isn't swollen"): someone telling what is not happening.
BUILTIN_CONCEPTS = (
    "many_pills",
    "large_amount",
    "slow_pulse",
    "fast_pulse",
    "low_blood_pressure",
    "denied",
)
# Concepts the builtins read; content/triage.yaml must define them.
REQUIRED_CONCEPTS = ("pill", "ingest", "pulse")
MANY_PILLS = 5  # a count of pills at or above this is far more than one dose
LARGE_AMOUNT_MG = 1000  # 2.5 x the article's 400 mg a day
SLOW_PULSE = 50
FAST_PULSE = 150
MIN_PULSE = 20  # below this a number near "heart" is a time or a count, not a rate
LOW_SYSTOLIC = 90  # "75 over 40": a blood pressure this low with symptoms is shock
_BLOOD_PRESSURE = re.compile(r"\b(\d{2,3})\s*(?:/|over)\s*(\d{2,3})\b", re.IGNORECASE)
_PRESSURE_WORD = re.compile(r"\b(?:pressure|bp)\b", re.IGNORECASE)
CHILD_AGE = 12  # "he is 5", "she's 3", "aged 4": someone else, a child (other_person)
AGE_LEADS = frozenset({("he", "is"), ("she", "is"), ("hes",), ("shes",), ("aged",), ("age",)})
# "took 200mg": an amount, not a count of pills (large amounts are `large_amount`)
MASS_UNITS = frozenset({("mg",), ("g",), ("mcg",), ("ug",), ("milligrams",), ("grams",), ("ml",)})
NOT_A_RATE = frozenset({"am", "pm", "mg", "g", "years", "yo", "min", "mins", "minutes", "hours"})
PULSE_REACH = 8  # a number this many words after "pulse"/"heart" is its rate
SEEN_WORDS = 50_000  # words whose candidate phrases are remembered (about 5 MB at most)
MAX_CHARS = 1000  # triage reads further than matching: the point often comes last
BOUNDARY = ","  # never a word token: marks the end of a clause
SENTENCE_END = "."  # never a word token: marks the end of a sentence
_SENTENCE = re.compile(r"[.!?\n]+")
_CLAUSE = re.compile(r"[,;:()]+|\s[-–—]\s|\bbut\b", re.IGNORECASE)
_EMOJI_JOKE = re.compile("[\U0001f602\U0001f923\U0001f606\U0001f605\U0001f61c\U0001f92a]")


class Category(StrEnum):
    """The kinds of emergency, each with its own reply in content."""

    OVERDOSE = "overdose"
    SWALLOWED = "child_or_other_swallowed"
    ALLERGIC = "allergic"
    HEART = "heart"
    STROKE = "stroke"
    SEIZURE = "seizure"
    BREATHING = "breathing_unresponsive"
    DEHYDRATION = "dehydration"
    COLLAPSE = "collapse_weakness"
    SELF_HARM = "self_harm"


@dataclass(frozen=True)
class Rule:
    """Every `all` concept, at least one `any` concept (if given), no `none` concept.

    With `window`, the `all` and `any` matches must lie within that many tokens;
    an `unless_near` concept within NEAR tokens of that evidence cancels it
    ("my calf is seizing": a muscle next to the seizure word), and an
    `unless_before` concept just before it ("the printer is having convulsions").
    """

    category: Category
    all: tuple[str, ...]
    any: tuple[str, ...]
    none: tuple[str, ...]
    window: int | None
    line: int
    unless_near: tuple[str, ...] = ()
    unless_before: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lexicon:
    """Concepts as phrases (a word ending in '*' matches any word starting so) and rules."""

    concepts: dict[str, tuple[str, ...]]
    rules: tuple[Rule, ...]
    unwell: tuple[str, ...]  # concepts that, alone, mean "mentions feeling unwell"
    calm: tuple[str, ...] = ()  # concepts that mark a question, a past event or a joke
    message_wide: tuple[str, ...] = ()  # calm concepts that speak for every sentence
    spellings: dict[str, str] | None = None  # misspelling -> word ("pils" -> "pills")
    # marker concept -> calm concepts it cancels: "right now" cancels a question about the
    # cause ("right now I have crushing chest pain, could it be the magnesium?")
    overrides: dict[str, tuple[str, ...]] = field(default_factory=dict)
    denial: tuple[str, ...] = ()  # concepts whose negated phrases make `denied`
    negation_free: tuple[str, ...] = ()  # phrases that already say "no ...": never negated


@dataclass(frozen=True)
class Verdict:
    category: Category | None
    rule_line: int | None = None  # which rule fired (None: the semantic net), for `eval`
    unwell: bool = False  # mentions symptoms, distress or a count of pills
    calm: bool = False  # asks what could happen, tells of the past, or jokes
    doubtful: bool = False  # the semantic net leans towards an emergency without alarming
    suspected: Category | None = None  # the emergency a doubtful verdict leans towards
    say_less: bool = False  # so unsure either way that no FAQ answer is given, only help


Span = tuple[int, int]


_Phrase = tuple[str, tuple[str, ...], bool]  # (concept, tokens, has a wildcard)


@dataclass(frozen=True)
class _Starts:
    """The phrases that may start at one word, arranged to be tried cheaply."""

    by_length: tuple[tuple[int, dict[tuple[str, ...], tuple[str, ...]]], ...]  # longest first
    wild: tuple[tuple[str, tuple[str, ...]], ...]  # phrases with a wildcard, tried one by one


def _arrange(candidates: list[_Phrase]) -> _Starts:
    exact: dict[int, dict[tuple[str, ...], list[str]]] = {}
    for name, phrase, wild in candidates:
        if not wild:
            exact.setdefault(len(phrase), {}).setdefault(phrase, []).append(name)
    by_length = tuple(
        (n, {phrase: tuple(names) for phrase, names in table.items()})
        for n, table in sorted(exact.items(), reverse=True)
    )
    return _Starts(by_length, tuple((name, phrase) for name, phrase, wild in candidates if wild))


_NOTHING = _Starts((), ())


class _Index:
    """Every concept's phrases in one table, found in a single pass by first token or prefix."""

    def __init__(self, concepts: dict[str, tuple[str, ...]]) -> None:
        # (concept, phrase, has a wildcard) by first word or by the prefix of a first word*
        self.exact: dict[str, list[_Phrase]] = {}
        self.prefix: dict[str, list[_Phrase]] = {}
        for name, phrases in concepts.items():
            for phrase in phrases:
                toks = tuple(_pattern_tokens(phrase))
                if not toks:
                    continue
                first = toks[0]
                table = self.prefix if first.endswith("*") else self.exact
                wild = any(t.endswith("*") for t in toks)
                table.setdefault(first.rstrip("*"), []).append((name, toks, wild))
        self._prefix_lengths = sorted({len(p) for p in self.prefix}, reverse=True)
        # Words recur from message to message: their candidate phrases are arranged once.
        self._seen: dict[str, _Starts] = {}

    def _starts(self, tok: str) -> _Starts:
        """The phrases that may start at a word: by the word itself or by a prefix of it."""
        known = self._seen.get(tok)
        if known is not None:
            return known
        candidates = self.exact.get(tok, [])
        for k in self._prefix_lengths:
            if k <= len(tok):
                more = self.prefix.get(tok[:k])
                if more:
                    candidates = candidates + more
        if len(self._seen) >= SEEN_WORDS:
            self._seen.clear()  # bounded: a flood of made-up words cannot grow it
        starts = self._seen[tok] = _arrange(candidates) if candidates else _NOTHING
        return starts

    def find(self, tokens: tuple[str, ...]) -> dict[str, list[Span]]:
        """Concept -> spans of its phrases (the longest phrase at each position)."""
        found: dict[str, list[Span]] = {}
        n = len(tokens)
        for i, tok in enumerate(tokens):
            starts = self._starts(tok)
            if starts is _NOTHING:
                continue
            best: dict[str, int] = {}
            for length, table in starts.by_length:  # longest first: the first end is the best
                if i + length <= n:
                    for name in table.get(tokens[i : i + length], ()):
                        best.setdefault(name, i + length)
            for name, phrase in starts.wild:
                end = i + len(phrase)
                if end <= n and end > best.get(name, 0) and all(map(_same, phrase, tokens[i:end])):
                    best[name] = end
            for name, end in best.items():
                found.setdefault(name, []).append((i, end))
        return found


def _same(pattern: str, token: str) -> bool:
    if pattern.endswith("*"):
        return token.startswith(pattern[:-1])
    return pattern == token


def _pattern_tokens(phrase: str) -> list[str]:
    """Tokens of a lexicon phrase; a trailing '*' on a word survives tokenising."""
    out: list[str] = []
    for word in phrase.split():
        star = word.endswith("*")
        toks = basic_tokens(word)
        if toks and star:
            toks[-1] += "*"
        out.extend(toks)
    return out


class Triage:
    """Built once from a Lexicon; `assess` is pure and never raises."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._index = _Index(lexicon.concepts)
        self._vocab = frozenset(self.vocabulary())
        self._has_joke = "joke" in lexicon.concepts
        self._unwell = tuple(lexicon.unwell)
        # Each rule listed under one concept it cannot fire without (its first `all`,
        # else every `any`): a message wakes only the rules its concepts can satisfy.
        self._rules_by_concept: dict[str, list[int]] = {}
        self._always: list[int] = []
        for k, rule in enumerate(lexicon.rules):
            keys = rule.all[:1] or rule.any
            for key in keys:
                self._rules_by_concept.setdefault(key, []).append(k)
            if not keys:
                self._always.append(k)

    def vocabulary(self) -> set[str]:
        """Every literal word of the lexicon (the FAQ never "corrects" them; plurals map here)."""
        return {
            t
            for phrases in self.lexicon.concepts.values()
            for p in phrases
            for t in _pattern_tokens(p)
            if not t.endswith("*")
        }

    def assess(self, text: str) -> Verdict:
        """Rules over the whole message, then over each sentence on its own.

        A question first and the emergency after ("how much is safe for a
        toddler? he just chewed 8 of my capsules") must not let the question's
        calm markers hide the event, so a sentence that fires by itself counts.
        """
        tokens = self._tokens(text)
        found = self._matches(tokens, text)
        unwell = any(found.get(c) for c in self._unwell)
        fired = self._first_rule(found)
        sentences = _sentences(tokens)
        if fired is None and len(sentences) > 1:
            wide = {c: found[c] for c in self.lexicon.message_wide if c in found}
            for start, end in sentences:
                fired = self._first_rule(_within_range(found, start, end) | wide)
                if fired is not None:
                    break
        if fired is not None:
            return Verdict(fired.category, fired.line, True)
        calm = self._calm(found, sentences)
        return Verdict(None, None, unwell, calm)

    def _first_rule(self, found: dict[str, list[Span]]) -> Rule | None:
        cancelled = {
            c for marker, calm in self.lexicon.overrides.items() if marker in found for c in calm
        }
        if cancelled:
            found = {c: s for c, s in found.items() if c not in cancelled}
        woken = set(self._always)
        for concept in found:
            woken.update(self._rules_by_concept.get(concept, ()))
        rules = self.lexicon.rules
        return next((rules[k] for k in sorted(woken) if self._fires(rules[k], found)), None)

    def _calm(self, found: dict[str, list[Span]], sentences: list[Span]) -> bool:
        """Calm markers found, and every sentence that mentions feeling unwell has one."""
        if not any(c in found for c in self.lexicon.calm):
            return False
        for start, end in sentences:
            part = _within_range(found, start, end)
            if any(c in part for c in self._unwell) and not any(
                c in part for c in self.lexicon.calm
            ):
                return False
        return True

    def _tokens(self, text: str) -> tuple[str, ...]:
        """Words, with marks between clauses and sentences (negation stops at both)."""
        out: list[str] = []
        for sentence in _SENTENCE.split(fold(text[:MAX_CHARS])):
            start = len(out)
            for clause in _CLAUSE.split(sentence):
                words = tuple(self._known(w) for w in _contract(tuple(word_tokens(clause))))
                if words:
                    if len(out) > start:
                        out.append(BOUNDARY)
                    out.extend(words)
            if len(out) > start:
                out.append(SENTENCE_END)
        return tuple(out)

    def _known(self, word: str) -> str:
        """A lexicon word for a misspelling, possessive or plural of one: "babys" -> "baby"."""
        if self.lexicon.spellings and word in self.lexicon.spellings:
            return self.lexicon.spellings[word]
        if word not in self._vocab and word.endswith("s") and word[:-1] in self._vocab:
            return word[:-1]
        return word

    def _matches(self, tokens: tuple[str, ...], raw: str) -> dict[str, list[Span]]:
        raw_spans = self._index.find(tokens)
        # A negator inside a phrase ("can't feel", "not responding") is part of what
        # was said, not a denial of what follows it.
        consumed = {
            j
            for spans in raw_spans.values()
            for start, end in spans
            for j in range(start, end)
            if tokens[j] in NEGATORS
        }
        found: dict[str, list[Span]] = {}
        denied: list[Span] = []
        for name, spans in raw_spans.items():
            if name in self.lexicon.negation_free:  # "I don't see the point of anything"
                found[name] = spans
                continue
            kept = [s for s in spans if not _negated(tokens, s[0], consumed)]
            if kept:
                found[name] = kept
            if name in self.lexicon.denial:
                denied.extend(s for s in spans if s not in kept and not _first_time(tokens, s[0]))
        if denied:
            found["denied"] = sorted(denied)
        if self._has_joke and _EMOJI_JOKE.search(raw):
            found.setdefault("joke", []).append((0, 0))  # an emoji colours the whole message
        found.update(self._numbers(tokens, raw, found))
        return found

    def _numbers(
        self, tokens: tuple[str, ...], raw: str, found: dict[str, list[Span]]
    ) -> dict[str, list[Span]]:
        out: dict[str, list[Span]] = {}
        pill_starts = {s for s, _ in found.get("pill", [])}
        ingest_ends = {e for _, e in found.get("ingest", [])}
        pulse_ends = {e for _, e in found.get("pulse", [])}
        numbers = [(i, v) for i, tok in enumerate(tokens) if (v := _number(tok)) is not None]
        for i, value in numbers:
            after = range(i + 1, i + 4)
            before = range(i - 2, i + 1)
            next_two = tokens[i + 1 : i + 3]
            if (
                value >= MANY_PILLS
                and next_two[:1] not in MASS_UNITS
                and (
                    any(j in pill_starts for j in after)
                    or next_two[:1] == ("of",)
                    or next_two in (("a", "day"), ("per", "day"))
                    or any(j in ingest_ends for j in before)
                )
            ):
                out.setdefault("many_pills", []).append((i, i + 1))
            unit = tokens[i + 1] if i + 1 < len(tokens) else ""
            if unit not in NOT_A_RATE and any(
                j in pulse_ends for j in range(i - PULSE_REACH, i + 1)
            ):
                if MIN_PULSE <= value < SLOW_PULSE:
                    out.setdefault("slow_pulse", []).append((i, i + 1))
                elif FAST_PULSE <= value <= 300:
                    out.setdefault("fast_pulse", []).append((i, i + 1))
        if any(a >= LARGE_AMOUNT_MG for a in amounts_mg(raw)):
            out["large_amount"] = [(0, 0)]
        if _low_blood_pressure(raw):
            out["low_blood_pressure"] = [(0, 0)]
        ages = _child_ages(tokens, numbers)
        if ages:
            out["other_person"] = [*found.get("other_person", []), *ages]
        return out

    @staticmethod
    def _fires(rule: Rule, found: dict[str, list[Span]]) -> bool:
        if not found.keys().isdisjoint(rule.none) or not found.keys() >= set(rule.all):
            return False
        anys = [c for c in rule.any if c in found]
        if rule.any and not anys:
            return False
        evidence = [s for c in (*rule.all, *anys) for s in found[c]]
        blockers = [s for c in rule.unless_near for s in found.get(c, ())]
        if blockers and all(_near(e, blockers) for e in evidence):
            return False
        subjects = [s for c in rule.unless_before for s in found.get(c, ())]
        if subjects and all(_just_before(subjects, e) for e in evidence):
            return False
        if rule.window is None:
            return True
        return _within(
            [found[c] for c in rule.all], [found[c] for c in anys] if rule.any else [], rule.window
        )


def _sentences(tokens: tuple[str, ...]) -> list[Span]:
    """(start, end) token ranges of the sentences."""
    out: list[Span] = []
    start = 0
    for i, tok in enumerate(tokens):
        if tok == SENTENCE_END:
            if i > start:
                out.append((start, i))
            start = i + 1
    if start < len(tokens):
        out.append((start, len(tokens)))
    return out


def _within_range(found: dict[str, list[Span]], start: int, end: int) -> dict[str, list[Span]]:
    """The matches that lie inside one sentence (message-wide ones, at 0-0, stay)."""
    out: dict[str, list[Span]] = {}
    for name, spans in found.items():
        kept = [s for s in spans if (start <= s[0] and s[1] <= end) or s == (0, 0)]
        if kept:
            out[name] = kept
    return out


def _near(span: Span, others: list[Span]) -> bool:
    """Fewer than NEAR words between `span` and one of `others`."""
    return any(max(o[0] - span[1], span[0] - o[1]) < NEAR for o in others)


def _just_before(others: list[Span], span: Span) -> bool:
    """One of `others` overlaps `span` or ends fewer than NEAR words before it."""
    return any(o[0] < span[1] and (o[1] > span[0] or span[0] - o[1] < NEAR) for o in others)


def _within(groups: list[list[Span]], options: list[list[Span]], window: int) -> bool:
    """Some choice of one span per `all` group (plus one `any` span) fits in `window` tokens."""
    choices: list[list[Span]] = list(groups)
    if options:
        choices.append([s for spans in options for s in spans])

    def search(k: int, lo: int, hi: int) -> bool:
        if k == len(choices):
            return hi - lo <= window
        for start, end in choices[k]:
            new_lo, new_hi = min(lo, start), max(hi, end)
            if new_hi - new_lo <= window and search(k + 1, new_lo, new_hi):
                return True
        return False

    return search(0, 10**9, -1)


FIRST_TIME = frozenset({"never", "without"})  # "never had hives like this": no denial


def _first_time(tokens: tuple[str, ...], start: int) -> bool:
    """ "never had chest pain like this" tells of a first time, not of an absence."""
    window = tokens[max(0, start - NEGATION_WINDOW) : start]
    return any(t in FIRST_TIME for t in window)


def _negated(tokens: tuple[str, ...], start: int, consumed: set[int]) -> bool:
    """A free negator shortly before in the same clause, unless it negates "stop"."""
    for j in range(start - 1, max(-1, start - NEGATION_WINDOW - 1), -1):
        if tokens[j] in (BOUNDARY, SENTENCE_END) or tokens[j] in NEGATION_STOPS:
            return False
        negates = j + 1 >= start or tokens[j + 1] not in NOT_NEGATING
        if tokens[j] in NEGATORS and j not in consumed and negates:
            return True
    return False


def _contract(words: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    i = 0
    while i < len(words):
        pair = CONTRACTIONS.get(tuple(words[i : i + 2]))
        if pair is not None:
            out.append(pair)
            i += 2
            continue
        out.append(CONTRACTIONS.get((words[i],), words[i]))
        i += 1
    return tuple(out)


def _number(token: str) -> int | None:
    if token.isascii() and token.isdigit() and len(token) <= 6:
        return int(token)
    return NUMBER_WORDS.get(token)


def _low_blood_pressure(raw: str) -> bool:
    """A blood pressure reading ("75 over 40", "80/50") with the top number under 90."""
    if not _PRESSURE_WORD.search(raw):
        return False
    for match in _BLOOD_PRESSURE.finditer(raw):
        top, bottom = int(match.group(1)), int(match.group(2))
        if 40 <= top < LOW_SYSTOLIC and 20 <= bottom < top:
            return True
    return False


def _child_ages(tokens: tuple[str, ...], numbers: list[tuple[int, int]]) -> list[Span]:
    """Where a child's age is given ("he is 5", "shes 3", "aged 4"), as word spans."""
    spans: list[Span] = []
    for i, value in numbers:
        if not 0 < value <= CHILD_AGE:
            continue
        unit = tokens[i + 1] if i + 1 < len(tokens) else ""
        if unit and unit not in (BOUNDARY, SENTENCE_END, "and", "years", "yrs", "yo"):
            continue  # "he is 5 foot", "she is 3 pills in": not an age
        for lead in AGE_LEADS:
            if tuple(tokens[max(0, i - len(lead)) : i]) == lead:
                spans.append((i - len(lead), i + 1))
    return spans
