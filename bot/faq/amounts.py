"""Amounts in a message ("400 mg", "1.5 g", "2,000mg"), converted to milligrams.

Its own module, importing nothing from the bot, so that triage and the
dose notes read amounts the same way without an import cycle.

`amounts_mg` lists every amount as written (triage uses it). `read_dose`
goes further and does the arithmetic a person means: pills times strength
("3 capsules of 250 mg" is 750 mg), ranges judged by their top ("300-500
mg"), doses a day ("twice a day", "3 times daily", "morning and night"), and
amounts that add up ("200 mg in the morning and 400 mg at night"). Amounts
that are alternatives ("is 200 mg or 400 mg better") are not added: the
largest is read. It never raises, whatever the text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum

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


# -- reading a dose -----------------------------------------------------------


class DoseBand(Enum):
    """Where a day's amount falls against the article's 200-400 mg a day."""

    BELOW = "dose_below"
    WITHIN = "dose_within"
    ABOVE = "dose_above"


def band_of(mg: float) -> DoseBand:
    if mg > ARTICLE_MAX_MG:
        return DoseBand.ABOVE
    if mg < ARTICLE_MIN_MG:
        return DoseBand.BELOW
    return DoseBand.WITHIN


def format_mg(mg: float) -> str:
    """A number as a person writes it: 750, 1500, 0.5 (no exponent, no trailing zeros)."""
    if not math.isfinite(mg):
        return "0"
    if mg == int(mg):
        return str(int(mg))
    return f"{mg:.3f}".rstrip("0").rstrip(".") or "0"


@dataclass(frozen=True)
class DoseReading:
    """What a message says about how much, and the arithmetic on it.

    `unit_mg` is one amount as written (a tablet's strength, or a whole dose),
    the top of its range; `count` is how many of them make one dose; `times`
    how many doses a day. `per_day` is True when the message says the total
    is a day's amount, False when it says "per dose", None when it says
    neither (then the total is one dose, compared as if taken once a day).
    `parts` are separate amounts that add up, when there are several.
    """

    unit_mg: float
    unit_low_mg: float
    count: float | None = None
    count_low: float | None = None
    times: int | None = None
    per_day: bool | None = None
    parts: tuple[DoseReading, ...] = ()

    @property
    def dose_mg(self) -> float:
        """One dose: count x amount (the top of any range)."""
        return self.unit_mg * (self.count if self.count is not None else 1.0)

    @property
    def dose_low_mg(self) -> float:
        low = self.count_low if self.count_low is not None else self.count
        return self.unit_low_mg * (low if low is not None else 1.0)

    @property
    def total_mg(self) -> float:
        """What is judged: a day's amount if said, else one dose; the top of a range."""
        return self.dose_mg * (self.times or 1)

    @property
    def range_low_mg(self) -> float:
        return self.dose_low_mg * (self.times or 1)

    @property
    def range_high_mg(self) -> float:
        return self.total_mg

    @property
    def is_range(self) -> bool:
        return self.range_low_mg < self.range_high_mg

    @property
    def band(self) -> DoseBand:
        return band_of(self.total_mg)

    @property
    def multiplied(self) -> bool:
        """Whether any arithmetic was done (a count, a sum, or several doses a day)."""
        return self.count is not None or bool(self.parts) or (self.times or 1) > 1

    @property
    def amount_label(self) -> str:
        """The amount understood, before doses a day: "250", "3 x 250", "300-500", "200 + 400"."""
        if self.parts:
            return " + ".join(p.amount_label for p in self.parts)
        unit = _span(self.unit_low_mg, self.unit_mg)
        if self.count is None:
            return unit
        low = self.count_low if self.count_low is not None else self.count
        return f"{_span(low, self.count)} x {unit}"

    @property
    def total_label(self) -> str:
        """The total, a range when the message gave one: "750", "300-500"."""
        return _span(self.range_low_mg, self.range_high_mg)


def _span(low: float, high: float) -> str:
    return format_mg(high) if low >= high else f"{format_mg(low)}-{format_mg(high)}"


_MAX_TEXT = 2000  # longer text is read from its start only, so cost stays flat
_MAX_MG = 1e9  # an "amount" above this is not a dose anyone wrote seriously
_MAX_COUNT = 100
_MAX_TIMES = 24

_NUM = r"(?:\d{1,3}(?:,\d{3})+(?![\d])|\d+(?:[.,]\d+)?|\.\d+)"
_UNIT = (
    r"(?:mg|mgs|milligrams?|milligrammes?|miligrams?|g|grams?|grammes?|gr|grs"
    r"|mcg|mcgs|µg|μg|ug|micrograms?)"
)
_DOSE = re.compile(
    rf"(?<![\w.])(?:(?P<lo>{_NUM})\s*(?P<lo_unit>{_UNIT})?\s*(?:-|to)\s*)?"
    rf"(?P<num>{_NUM})\s*(?P<unit>{_UNIT})(?![a-zµμ])"
)
_UNIT_MG = {"g": 1000.0, "gr": 1000.0, "grs": 1000.0, "mcg": 0.001, "mcgs": 0.001}
_UNIT_MG.update({"µg": 0.001, "μg": 0.001, "ug": 0.001})

_WORDS = {
    "one": 1.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
    "seven": 7.0,
    "eight": 8.0,
    "nine": 9.0,
    "ten": 10.0,
    "eleven": 11.0,
    "twelve": 12.0,
    "a couple of": 2.0,
    "a couple": 2.0,
    "couple of": 2.0,
    "a pair of": 2.0,
    "a dozen": 12.0,
    "half of an": 0.5,
    "half of a": 0.5,
    "half an": 0.5,
    "half a": 0.5,
    "half": 0.5,
    "1/2": 0.5,
}
_CW = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_WORDS, key=len, reverse=True))
_CNUM = rf"(?:\d+(?:\.\d+)?(?![\d/])|{_CW})"
_COUNT = rf"(?P<c1>{_CNUM})(?:\s*(?:-|to|or)\s*(?P<c2>{_CNUM}))?"
_FORM = (
    r"(?:capsules?|caps?|tablets?|tabs?|pills?|soft\s*gels?|gel\s*caps?|gummies|gummy"
    r"|scoops?|servings?|sachets?|lozenges?|chewables?)"
)
_FILLER = r"(?:magnesium|mag|glycinate|bisglycinate|the|my|your|these|those|of|at|each|strength)"
_SEP = r"[\s,:(]+"

_BEFORE_COUNT = re.compile(rf"(?<![\w.,/-])(?:{_COUNT})\s*x\s*$")  # "2 x " 200 mg
_BEFORE_FORM = re.compile(  # "3 capsules of " 250 mg
    rf"(?<![\w.,/-])(?:{_COUNT})\s+(?:(?:more|extra|of|the|my|your|these|those)\s+)*"
    rf"{_FORM}{_SEP}(?:{_FILLER}{_SEP}){{0,4}}$"
)
_BEFORE_OF_THE = re.compile(  # "2 of the " 150mg caps
    rf"(?<![\w.,/-])(?:{_COUNT})\s+of\s+(?:the|these|those|my|your)\s+(?:{_FILLER}\s+){{0,3}}$"
)
_BEFORE_BARE = re.compile(rf"(?<![\w.,/-])(?:{_COUNT})\s+(?:{_FILLER}\s+){{0,2}}$")  # "two " 300mg
_FORM_AFTER = re.compile(
    rf"\s*-?\s*(?:(?:magnesium|mag|glycinate|bisglycinate)\s+){{0,2}}{_FORM}\b"
)
_COUNT_AFTER = re.compile(  # 200mg " x 2", 200 mg "tablets x 3"
    rf"\s*(?:{_FORM}\s*)?x\s*(?:{_COUNT})\b(?!\s*(?:{_UNIT}|times?)\b)"
)
_EACH_AFTER = re.compile(r"\s*each\b(?!\s+(?:dose|day|time|morning|night|evening|serving))")
_COUNT_FORM = re.compile(rf"(?<![\w.,/-])(?:{_COUNT})\s+{_FORM}\b")

_DAY = (
    r"(?:(?:a|per|each|every|in\s+a|in\s+one)\s+day\b|daily\b|/\s*d(?:ay)?\b"
    r"|(?:a|per|each|every|in)\s+24\s*(?:hours?|hrs?|h)\b|(?:a|per)\s+night\b|nightly\b)"
)
_PER_DAY = re.compile(rf"{_DAY}|\btoday\b|\b(?:every|each)\s+(?:morning|evening|night)\b")
_PER_DOSE = re.compile(
    r"\b(?:each|per|every|a|one|single)\s+(?:dose|serving)\b|\beach\s+time\b|\bat\s+once\b"
)
_ONCE_TWICE = {"once": 1, "twice": 2, "thrice": 3}
_TIMES_WORD_DAY = re.compile(rf"\b(?P<w>once|twice|thrice)\s+{_DAY}")
_TIMES_WORD_BARE = re.compile(
    r"\b(?P<w>twice|thrice)\b(?!\s+(?:the|as|that|this|a\s+week|per\s+week|weekly|a\s+month"
    r"|per\s+month|monthly|a\s+year|in\s+a\s+week|a\s+fortnight))"
)
_TIMES_COUNT = re.compile(rf"(?<![\w.,/-])(?:{_COUNT})\s*(?:x|times?)\s*{_DAY}")
_EVERY_HOURS = re.compile(r"\bevery\s+(?P<h>\d+(?:\.\d+)?)\s*(?:hours?|hrs?|h)\b")

_SLOT_GROUPS = {
    "morning": "morning",
    "mornings": "morning",
    "am": "morning",
    "breakfast": "morning",
    "noon": "noon",
    "midday": "noon",
    "lunch": "noon",
    "lunchtime": "noon",
    "afternoon": "afternoon",
    "evening": "evening",
    "evenings": "evening",
    "pm": "evening",
    "dinner": "evening",
    "supper": "evening",
    "night": "night",
    "nights": "night",
    "bedtime": "night",
    "bed": "night",
    "tonight": "night",
}
_SLOT = r"\b(?:" + "|".join(sorted(_SLOT_GROUPS, key=len, reverse=True)) + r")\b"
_SLOT_WORD = re.compile(_SLOT)
_SLOT_CHAIN = re.compile(
    rf"{_SLOT}(?:\s*(?:,\s*(?:and\s+)?|&|\+|/|\band\b|\bthen\b|\bplus\b)\s*"
    rf"(?:(?:in|at|the|before|after|with|again|then|by|also)\s+)*{_SLOT})+"
)
_PLUS_GAP = re.compile(
    r"\s*(?:\+|plus|and\s+(?:then\s+)?(?:another|an?\s+extra|a\s+further|a\s+second)"
    r"|,?\s*then\s+(?:another|an?\s+extra))\s*"
)
_NOT_A_SUM = re.compile(r"\b(?:or|vs|versus|instead|than|rather)\b|\?")


@dataclass(frozen=True)
class _Group:
    """One amount in the text, with its count, before frequency and sums."""

    start: int
    end: int
    unit_mg: float
    unit_low_mg: float
    count: float | None
    count_low: float | None

    def reading(self, times: int | None, per_day: bool | None) -> DoseReading:
        return DoseReading(
            self.unit_mg, self.unit_low_mg, self.count, self.count_low, times, per_day
        )


def read_dose(text: str) -> DoseReading | None:
    """The dose a message describes, with the arithmetic done; None without an amount.

    Never raises; the total is never negative.
    """
    try:
        return _read(text)
    except (ValueError, OverflowError, ArithmeticError):  # pragma: no cover - belt and braces
        return None


def _read(text: str) -> DoseReading | None:
    s = _prepare(text)
    groups = [g for g in (_group(s, m) for m in _DOSE.finditer(s)) if g is not None]
    if not groups:
        return None
    times = _times_a_day(s)
    if times is not None and times >= 2:
        per_day: bool | None = True
    elif times == 1 or _PER_DAY.search(s):
        per_day, times = True, None
    elif _PER_DOSE.search(s):
        per_day = False
    else:
        per_day = None
    readings: list[DoseReading] = []
    for run, by_slot in _runs(s, groups):
        if len(run) == 1:
            readings.append(run[0].reading(times, per_day))
            continue
        parts = tuple(g.reading(None, None) for g in run)
        high = sum(p.dose_mg for p in parts)
        low = sum(p.dose_low_mg for p in parts)
        if by_slot:  # "200 mg in the morning and 400 mg at night": a day's amount
            readings.append(DoseReading(high, low, per_day=True, parts=parts))
        else:
            readings.append(DoseReading(high, low, times=times, per_day=per_day, parts=parts))
    return max(readings, key=lambda r: r.total_mg)


def _prepare(text: str) -> str:
    s = text[:_MAX_TEXT].lower()
    s = s.replace("×", " x ").replace("½", " 1/2 ")
    s = s.replace("–", "-").replace("—", "-").replace("‑", "-")
    s = re.sub(r"(?<=\d)\s*[x*]\s*(?=[\d.])", " x ", s)  # "2x200" -> "2 x 200"
    s = re.sub(r"(?<![\w.])x(?=\d)", "x ", s)  # "x2" -> "x 2"
    return re.sub(rf"\bbetween\s+({_NUM}(?:\s*{_UNIT})?)\s+and\s+", r"\1 to ", s)


def _number(text: str) -> float | None:
    """A digit string ("1,000", "1,5", ".5") or a count word as a float."""
    text = re.sub(r"\s+", " ", text.strip())
    if text in _WORDS:
        return _WORDS[text]
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text):
        text = text.replace(",", "")
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _mg(number: str, unit: str | None) -> float | None:
    value = _number(number)
    if value is None or unit is None:
        return None
    factor = _UNIT_MG.get(unit, 1000.0 if unit.startswith("gram") else 1.0)
    if unit.startswith("microgram"):
        factor = 0.001
    mg = value * factor
    return mg if 0 < mg <= _MAX_MG else None


def _count(match: re.Match[str] | None) -> tuple[float, float] | None:
    """(low, high) of a count match; None if absent or not a plausible count."""
    if match is None:
        return None
    first = _number(match.group("c1"))
    second = _number(match.group("c2")) if match.group("c2") else first
    if first is None or second is None:
        return None
    low, high = min(first, second), max(first, second)
    if not 0 < low <= high <= _MAX_COUNT:
        return None
    return low, high


def _group(s: str, m: re.Match[str]) -> _Group | None:
    unit = m.group("unit")
    high = _mg(m.group("num"), unit)
    if high is None:
        return None
    low = high
    if m.group("lo"):
        lo = _mg(m.group("lo"), m.group("lo_unit") or unit)
        if lo is not None and high / 20 <= lo < high:  # "300-500 mg"; not "2-300mg"
            low = lo
    start = m.start() if low < high else m.start("num")
    before = s[max(0, start - 80) : start]
    after = s[m.end() : m.end() + 80]
    count = (
        _count(_BEFORE_COUNT.search(before))
        or _count(_BEFORE_FORM.search(before))
        or _count(_BEFORE_OF_THE.search(before))
        or _bare_count(before, after)
        or _count(_COUNT_AFTER.match(after))
    )
    if count is None and _EACH_AFTER.match(after):  # "3 capsules, 250 mg each"
        found = list(_COUNT_FORM.finditer(before))
        count = _count(found[-1]) if found else None
    if count == (1.0, 1.0):
        count = None
    return _Group(
        start,
        m.end(),
        high,
        low,
        count[1] if count else None,
        count[0] if count else None,
    )


def _bare_count(before: str, after: str) -> tuple[float, float] | None:
    """ "two 300mg tablets", "2 300 mg capsules": a word count, or digits before a pill word."""
    match = _BEFORE_BARE.search(before)
    if match is None:
        return None
    digits = match.group("c1")[0].isdigit()
    if digits and not _FORM_AFTER.match(after):
        return None  # "on day 3 400 mg": not a count
    return _count(match)


def _times_a_day(s: str) -> int | None:
    """Doses a day the message names, the largest if several; None if it names none."""
    found: list[float] = []
    for m in _TIMES_WORD_DAY.finditer(s):
        found.append(_ONCE_TWICE[m.group("w")])
    for m in _TIMES_WORD_BARE.finditer(s):
        found.append(_ONCE_TWICE[m.group("w")])
    for m in _TIMES_COUNT.finditer(s):
        count = _count(m)
        if count is not None:
            found.append(math.ceil(count[1]))
    for m in _EVERY_HOURS.finditer(s):
        hours = _number(m.group("h"))
        if hours is not None and 1 <= hours <= 24:
            found.append(math.ceil(24 / hours))
    for m in _SLOT_CHAIN.finditer(s):
        slots = {_SLOT_GROUPS[w] for w in _SLOT_WORD.findall(m.group())}
        if len(slots) >= 2:
            found.append(len(slots))
    if not found:
        return None
    return int(min(max(found), _MAX_TIMES))


def _runs(s: str, groups: list[_Group]) -> list[tuple[list[_Group], bool]]:
    """Groups split into runs that add up; each with whether times of day joined it.

    "400 mg plus 200 mg" adds up; so does "200 mg in the morning and 400 mg at
    night" (each amount tied to a different time of day). "200 mg or 400 mg"
    and two amounts in unrelated sentences do not.
    """
    slots = _slots(s, groups)
    runs: list[tuple[list[int], bool]] = [([0], False)]
    for i in range(1, len(groups)):
        gap = s[groups[i - 1].end : groups[i].start]
        members, by_slot = runs[-1]
        if not by_slot and _PLUS_GAP.fullmatch(gap):
            members.append(i)
            continue
        slot, previous = slots[i], slots[i - 1]
        if (
            (by_slot or len(members) == 1)
            and slot is not None
            and previous is not None
            and slot not in {slots[j] for j in members}
            and not _NOT_A_SUM.search(gap)
        ):
            members.append(i)
            runs[-1] = (members, True)
            continue
        runs.append(([i], False))
    return [([groups[j] for j in members], by_slot) for members, by_slot in runs]


_SLOT_AFTER = re.compile(rf"\s*(?:(?:in|at|the|before|after|with|by|every|each|,)\s*)*({_SLOT})")
_SLOT_BEFORE = re.compile(rf"({_SLOT})\s*[:,-]?\s*(?:(?:take|i\s+take|have)\s+)?$")


def _slots(s: str, groups: list[_Group]) -> list[str | None]:
    """The time of day each amount is tied to, if any.

    Written before the amounts ("morning 200 mg, night 400 mg") when every
    amount has one just before it; otherwise just after ("200 mg at night").
    """
    before: list[str | None] = []
    after: list[str | None] = []
    for i, group in enumerate(groups):
        begin = groups[i - 1].end if i > 0 else 0
        m = _SLOT_BEFORE.search(s[max(begin, group.start - 20) : group.start])
        before.append(_SLOT_GROUPS[m.group(1)] if m else None)
        end = groups[i + 1].start if i + 1 < len(groups) else len(s)
        m = _SLOT_AFTER.match(s[group.end : min(end, group.end + 25)])
        after.append(_SLOT_GROUPS[m.group(1)] if m else None)
    return before if all(before) else after
