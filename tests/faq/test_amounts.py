"""Dose arithmetic: counts x strength, ranges, doses a day, sums, and the note people see."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.faq.amounts import DoseBand, DoseReading, amounts_mg, format_mg, read_dose
from bot.faq.content import Content
from bot.faq.engine import Engine
from bot.faq.safety import DoseMention, dose_mention

ABOVE, WITHIN, BELOW = DoseBand.ABOVE, DoseBand.WITHIN, DoseBand.BELOW

# message -> (amount as read, total as read, doses a day, per_day, band)
READINGS: list[tuple[str, tuple[str, str, int | None, bool | None, DoseBand]]] = [
    # a count times a strength
    ("3 capsules of 250 mg", ("3 x 250", "750", None, None, ABOVE)),
    ("two 300mg tablets", ("2 x 300", "600", None, None, ABOVE)),
    ("2 x 200mg", ("2 x 200", "400", None, None, WITHIN)),
    ("2x200 mg", ("2 x 200", "400", None, None, WITHIN)),
    ("2×200mg", ("2 x 200", "400", None, None, WITHIN)),
    ("4 x 150 mg a day", ("4 x 150", "600", None, True, ABOVE)),
    ("take 2 of the 150mg caps twice a day", ("2 x 150", "600", 2, True, ABOVE)),
    ("3 capsules of 250 mg twice a day", ("3 x 250", "1500", 2, True, ABOVE)),
    ("a couple of 200mg tablets", ("2 x 200", "400", None, None, WITHIN)),
    ("half a 400 mg tablet", ("0.5 x 400", "200", None, None, WITHIN)),
    ("twelve 100 mg pills", ("12 x 100", "1200", None, None, ABOVE)),
    ("one 400mg capsule", ("400", "400", None, None, WITHIN)),  # one of them: no arithmetic
    ("200mg x 2", ("2 x 200", "400", None, None, WITHIN)),
    ("200 mg tablets x 3 a day", ("3 x 200", "600", None, True, ABOVE)),
    ("3 capsules, 250 mg each", ("3 x 250", "750", None, None, ABOVE)),
    ("2 300mg capsules", ("2 x 300", "600", None, None, ABOVE)),
    ("2-3 capsules of 200mg", ("2-3 x 200", "400-600", None, None, ABOVE)),
    ("one or two 400mg pills", ("1-2 x 400", "400-800", None, None, ABOVE)),
    ("I took 3 x 400 mg today", ("3 x 400", "1200", None, True, ABOVE)),
    # ranges: judged by the top, named as a range
    ("300-500 mg", ("300-500", "300-500", None, None, ABOVE)),
    ("300 to 500mg", ("300-500", "300-500", None, None, ABOVE)),
    ("300 – 500 mg a day", ("300-500", "300-500", None, True, ABOVE)),
    ("between 300 and 500 mg daily", ("300-500", "300-500", None, True, ABOVE)),
    ("1-2 g", ("1000-2000", "1000-2000", None, None, ABOVE)),
    ("100-200mg twice daily", ("100-200", "200-400", 2, True, WITHIN)),
    ("100-150 mg a day", ("100-150", "100-150", None, True, BELOW)),
    # units and number formats
    ("1,000mg", ("1000", "1000", None, None, ABOVE)),
    ("0.5g", ("500", "500", None, None, ABOVE)),
    (".5 g", ("500", "500", None, None, ABOVE)),
    ("1,5 g", ("1500", "1500", None, None, ABOVE)),
    ("500 mcg", ("0.5", "0.5", None, None, BELOW)),
    ("250 micrograms", ("0.25", "0.25", None, None, BELOW)),
    ("2 grams daily?", ("2000", "2000", None, True, ABOVE)),
    ("400mgs", ("400", "400", None, None, WITHIN)),
    # per dose versus per day
    ("is 1.5g a day ok", ("1500", "1500", None, True, ABOVE)),
    ("400mg/day", ("400", "400", None, True, WITHIN)),
    ("300 mg per day", ("300", "300", None, True, WITHIN)),
    ("400 mg once daily", ("400", "400", None, True, WITHIN)),
    ("400 mg 3 times daily", ("400", "1200", 3, True, ABOVE)),
    ("200mg three times a day", ("200", "600", 3, True, ABOVE)),
    ("200 mg 3x a day", ("200", "600", 3, True, ABOVE)),
    ("200mg 2x daily", ("200", "400", 2, True, WITHIN)),
    ("200mg morning and night", ("200", "400", 2, True, WITHIN)),
    ("150 mg in the morning and at bedtime", ("150", "300", 2, True, WITHIN)),
    ("100mg morning, noon and night", ("100", "300", 3, True, WITHIN)),
    ("250 mg every 8 hours", ("250", "750", 3, True, ABOVE)),
    ("400mg each dose", ("400", "400", None, False, WITHIN)),
    ("400mg each dose, twice a day", ("400", "800", 2, True, ABOVE)),
    ("can I take 1000 mg?", ("1000", "1000", None, None, ABOVE)),
    ("is 300 mg ok?", ("300", "300", None, None, WITHIN)),
    ("is 50 mg ok", ("50", "50", None, None, BELOW)),
    ("400mg twice a week", ("400", "400", None, None, WITHIN)),  # not a daily frequency
    # several amounts: added only when they add up
    ("is 200mg or 400mg better", ("400", "400", None, None, WITHIN)),
    ("is 200 or 400 mg better", ("400", "400", None, None, WITHIN)),
    ("200 mg in the morning and 400 mg at night", ("200 + 400", "600", None, True, ABOVE)),
    ("morning 200mg, night 200mg", ("200 + 200", "400", None, True, WITHIN)),
    ("400mg plus 200mg", ("400 + 200", "600", None, None, ABOVE)),
    ("300mg and another 300mg", ("300 + 300", "600", None, None, ABOVE)),
    ("I took 400 mg. My friend takes 200 mg.", ("400", "400", None, None, WITHIN)),
    ("200mg at night or 400mg in the morning?", ("400", "400", None, None, WITHIN)),
    # numbers that are not counts
    ("on day 3 400 mg", ("400", "400", None, None, WITHIN)),
    ("2-300mg tablets", ("300", "300", None, None, WITHIN)),
]


@pytest.mark.parametrize(("message", "expected"), READINGS, ids=[m for m, _ in READINGS])
def test_the_dose_is_read_with_its_arithmetic(
    message: str, expected: tuple[str, str, int | None, bool | None, DoseBand]
) -> None:
    reading = read_dose(message)
    assert reading is not None
    got = (reading.amount_label, reading.total_label, reading.times, reading.per_day, reading.band)
    assert got == expected


@pytest.mark.parametrize(
    "message", ["is 200 or 400 better", "how much a day?", "3 capsules twice a day", "", "mg"]
)
def test_no_amount_with_a_unit_is_no_reading(message: str) -> None:
    assert read_dose(message) is None
    assert dose_mention(message) is None


def test_the_reading_object_does_the_arithmetic() -> None:
    reading = read_dose("2-3 capsules of 250 mg twice a day")
    assert reading is not None
    assert (reading.count_low, reading.count, reading.unit_mg, reading.times) == (2, 3, 250, 2)
    assert (reading.dose_low_mg, reading.dose_mg) == (500, 750)
    assert (reading.range_low_mg, reading.range_high_mg, reading.total_mg) == (1000, 1500, 1500)
    assert reading.is_range and reading.multiplied and reading.per_day is True
    summed = read_dose("2 x 200mg in the morning and 100 mg at night")
    assert summed is not None
    assert [p.dose_mg for p in summed.parts] == [400, 100]
    assert (summed.amount_label, summed.total_mg) == ("2 x 200 + 100", 500)
    plain = DoseReading(400, 400)
    assert not plain.multiplied and not plain.is_range and plain.band is WITHIN


@pytest.mark.parametrize(("mg", "band"), [(199, BELOW), (200, WITHIN), (400, WITHIN), (401, ABOVE)])
def test_the_band_edges_are_the_articles_range(mg: int, band: DoseBand) -> None:
    reading = read_dose(f"{mg} mg a day")
    assert reading is not None and reading.band is band


@pytest.mark.parametrize(
    ("value", "label"), [(750.0, "750"), (0.5, "0.5"), (0.25, "0.25"), (1e12, "1000000000000")]
)
def test_numbers_are_written_as_people_write_them(value: float, label: str) -> None:
    assert format_mg(value) == label


def test_amounts_mg_still_lists_every_amount_as_written() -> None:
    """Triage relies on it: no arithmetic, every amount."""
    assert amounts_mg("3 capsules of 250 mg") == [250.0]
    assert amounts_mg("200mg or 1.5 g or 500 mcg, 2,000mg") == [200.0, 1500.0, 0.5, 2000.0]
    assert amounts_mg("300-500 mg") == [500.0]


# -- what a person sees -----------------------------------------------------------

NOTES = [
    ("3 capsules of 250 mg", "You mentioned 3 x 250 mg, that is 750 mg per dose.", "above"),
    ("is two 300mg tablets ok", "You mentioned 2 x 300 mg, that is 600 mg per dose.", "above"),
    ("4 x 150 mg a day?", "You mentioned 4 x 150 mg, that is 600 mg a day.", "above"),
    (
        "can i take 2 of the 150mg caps twice a day",
        "You mentioned 2 x 150 mg 2 times a day, that is 600 mg a day.",
        "above",
    ),
    (
        "3 capsules of 250 mg twice a day",
        "You mentioned 3 x 250 mg 2 times a day, that is 1500 mg a day.",
        "above",
    ),
    ("is 2x200 mg ok", "You mentioned 2 x 200 mg, that is 400 mg per dose.", "inside"),
    ("is 300-500 mg ok", "You mentioned 300-500 mg per dose. Even once a day, 500 mg", "above"),
    ("300 to 500mg a day?", "You mentioned 300-500 mg a day. 500 mg a day", "above"),
    ("is 1,000mg too much", "You mentioned 1000 mg per dose. Even once a day", "above"),
    ("is 0.5g ok", "You mentioned 500 mg per dose.", "above"),
    ("is 500 mcg enough", "You mentioned 0.5 mg per dose. Once a day, 0.5 mg", "below"),
    (
        "100 mg twice daily ok?",
        "You mentioned 100 mg 2 times a day, that is 200 mg a day.",
        "inside",
    ),
    ("is 1.5g a day ok", "You mentioned 1500 mg. That is above", "above"),
    ("is 300 mg ok?", "You mentioned 300 mg per dose. Once a day, 300 mg", "inside"),
    ("is 200mg or 400mg better", "You mentioned 400 mg per dose.", "inside"),
    (
        "200 mg in the morning and 400 mg at night ok?",
        "You mentioned 200 + 400 mg, that is 600 mg a day.",
        "above",
    ),
]


@pytest.mark.parametrize(("message", "says", "band"), NOTES, ids=[m for m, _, _ in NOTES])
def test_the_note_says_what_was_understood(
    engine: Engine, message: str, says: str, band: str
) -> None:
    reply = engine.reply(message)
    notes = [n for n in reply.notes if n.startswith("You mentioned")]
    assert len(notes) == 1, reply.notes
    note = notes[0]
    assert note.startswith(says)
    assert f"{band} the 200-400 mg per day" in note
    assert "healthcare professional" in note
    assert "{" not in note and "}" not in note


@pytest.mark.parametrize("message", [m for m, _ in READINGS] + [m for m, _, _ in NOTES])
def test_every_note_is_short_and_general(content: Content, message: str) -> None:
    mention = dose_mention(message)
    assert mention is not None
    note = mention.note(content.texts)
    assert len(note) <= 210, note
    assert "{" not in note
    assert "200-400 mg per day" in note and "healthcare professional" in note
    assert "you should take" not in note.lower()  # general information, never a personal dose


def test_the_mention_exposes_the_total_band_and_label() -> None:
    mention = dose_mention("3 capsules of 250 mg")
    assert isinstance(mention, DoseMention)
    assert (mention.amount_mg, mention.band, mention.label) == (750, ABOVE, "3 x 250")


# -- never raises -----------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "3", "two", "half a", "a couple of", "1,000", "0.5", ".5", "1,5", "-", " to ", "x", "×",
        "mg", "g", "mcg", "µg", "grams", "capsules of", "tablets", "caps", "of the", "each",
        "twice a day", "3 times daily", "morning and night", "per day", "a day", "daily",
        "each dose", "every 0 hours", "every 8 hours", "plus", "and another", "or", "in the",
        "morning", "at night", "between", "and", "?", "9" * 400, "0", "1/2", "½", "/day",
    ]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES | st.text(max_size=12), max_size=14), st.sampled_from(["", " "]))
def test_reading_never_raises_and_is_never_negative(pieces: list[str], sep: str) -> None:
    reading = read_dose(sep.join(pieces))
    if reading is not None:
        assert math.isfinite(reading.total_mg)
        assert 0 <= reading.range_low_mg <= reading.total_mg
        assert reading.amount_label and reading.total_label


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_note_or_none(content: Content, text: str) -> None:
    mention = dose_mention(text)
    if mention is not None:
        assert mention.amount_mg >= 0
        note = mention.note(content.texts)
        assert note.startswith("You mentioned") and "{" not in note
