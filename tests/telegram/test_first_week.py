"""The first week of a new person, end to end in process: the transcript reads right."""

from __future__ import annotations

import statistics
from pathlib import Path

from bot.faq.engine import Engine
from tests.telegram.first_week import run


async def test_a_first_week_reads_well_on_a_phone(engine: Engine, tmp_path: Path) -> None:
    t = await run(engine, tmp_path)
    said = "\n".join(t.lines)
    # Follow-ups understood; the caveat is one short line on every reply.
    assert "> and how much of it?\nbot [" in said
    assert "200-400 mg a day" in said
    questions = [i for i, line in enumerate(t.lines) if line.startswith("> ") and line[2] != "/"]
    replies = [t.lines[i + 1] for i in questions if not t.lines[i].startswith("> [taps")]
    reminders = [s.text for s in t.sent if s.text.startswith("⏰")]
    for text in replies + reminders:
        assert "kidney problems" in text and "medications" in text, text
    answers = [s for s in t.sent if "Helpful" in " ".join(s.labels)]
    assert statistics.median(len(s.text) for s in answers) <= 400
    # The zone is asked first, with buttons for a German speaker; the reminder keeps its time.
    assert "buttons: Berlin (" in said and "Daily reminder set for 21:30 (Europe/Berlin)" in said
    # Taken, an Undo that works, a nudge once, a weekly grid with adherence, refills counted.
    assert "Undone" in said and "Just checking in" in said
    assert said.count("Just checking in") == 2  # days 2 and 4, once each
    assert "Doses left: 57" in said
    assert "23 Mar  · · · · ✅ ⏭ ✅" in said
    assert "30 Mar  ❌ ❌ ✅ · · · ·" in said
    assert "(50%)" in said
    # The honest children reply, and a German question told in German.
    assert "paediatrician" in said
    assert "Ich verstehe nur Englisch" in said
