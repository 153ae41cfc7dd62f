"""A new person's first week with the bot, in process, as a transcript.

`tests/telegram/test_first_week.py` checks it; run it to read it:

    .venv/bin/python -m tests.telegram.first_week
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.faq.content import load_content
from bot.faq.engine import Engine
from tests.telegram.inprocess import OfflineBot, Person, Sent, offline_bot

USER = 31_337
FROM = {"id": USER, "is_bot": False, "first_name": "Anna", "language_code": "de"}


class Transcript:
    """What the person sends and what the bot sends, buttons and lengths included."""

    def __init__(self, bot: OfflineBot) -> None:
        self.bot = bot
        self.person = Person(bot, USER)
        self.lines: list[str] = []
        self.sent: list[Sent] = []

    def day(self, title: str) -> None:
        local = self.bot.clock.now.astimezone(BERLIN)
        self.lines.append(f"\n--- {title}, {local:%a %d %b %H:%M} in Berlin")

    async def say(self, text: str) -> list[Sent]:
        self.lines.append(f"> {text}")
        await self.person.say(text, **{"from": FROM})
        return self.show(self.person.replies())

    async def press(self, label: str, on: Sent) -> list[Sent]:
        toast = await self.person.press(label, on)
        self.lines.append(f"> [taps {label}]" + (f"  (toast: {toast})" if toast else ""))
        edited = self.bot.shown(on)
        if edited.text != on.text or edited.buttons != on.buttons:
            self.show([edited], edited_message=True)
        return self.show(self.person.replies())

    def show(self, sent: list[Sent], *, edited_message: bool = False) -> list[Sent]:
        for s in sent:
            self.sent.append(s)
            head = "bot (edits)" if edited_message else "bot"
            self.lines.append(f"{head} [{len(s.text)} chars]: " + s.text.replace("\n", "\n    "))
            if s.labels:
                self.lines.append("    buttons: " + " | ".join(s.labels))
        return sent


BERLIN = ZoneInfo("Europe/Berlin")


def at(first: datetime, day: int, hour: int, minute: int = 0) -> datetime:
    """Berlin wall-clock time on day `day` (day 1 is the first), as the bot's UTC clock.

    The week crosses the spring change of clocks (29 March): 21:30 in Berlin
    is 20:30 UTC before it and 19:30 UTC after it.
    """
    local = datetime.combine(first.date() + timedelta(days=day - 1), time(hour, minute, 5))
    return local.replace(tzinfo=BERLIN).astimezone(UTC)


async def first_week(bot: OfflineBot) -> Transcript:
    t = Transcript(bot)
    first = bot.clock.now

    async def evening(day: int, hour: int = 21, minute: int = 30) -> list[Sent]:
        bot.clock.now = at(first, day, hour, minute)
        t.day(f"Day {day}")
        await bot.deliver_reminders()
        return t.show(t.person.replies())

    bot.clock.now = at(first, 1, 13)
    t.day("Day 1")
    await t.say("/start")
    await t.say("hiya! do these actually help with leg cramps at night?")
    await t.say("and how much of it?")
    await t.say("what if I'm on blood pressure pills?")
    await t.say("thanks!")
    ask_zone = (await t.say("/remind 21:30 with dinner"))[-1]
    await t.press(ask_zone.labels[0], ask_zone)
    await t.say("/refill 60")
    reminder = (await evening(1))[-1]
    await t.press("Taken", reminder)
    reminder = (await evening(2))[-1]  # left unmarked: one nudge an hour later
    nudge = (await evening(2, 22, 31))[-1]
    await t.press("Skip", nudge)
    reminder = (await evening(3))[-1]
    await t.press("Taken", reminder)
    await t.press("Undo", reminder)  # a wrong tap, undone the same evening
    await t.press("Taken", t.bot.shown(reminder))
    await evening(4)  # busy: nothing marked on days 4 and 5
    await evening(4, 22, 31)
    await evening(5)
    reminder = (await evening(6))[-1]
    await t.press("Taken", reminder)
    bot.clock.now = at(first, 7, 10)
    t.day("Day 7")
    await t.say("/history")
    await t.say("is it ok for my kids too?")
    await t.say("wie lange dauert es, bis es wirkt?")
    return t


async def run(engine: Engine, folder: Path, **kwargs: Any) -> Transcript:
    async with offline_bot(engine, folder, **kwargs) as bot:
        return await first_week(bot)


def main() -> None:
    from bot.faq.semantic import MiniLM

    engine = Engine(load_content(), MiniLM())
    with tempfile.TemporaryDirectory() as folder:
        transcript = asyncio.run(run(engine, Path(folder)))
    print("\n".join(transcript.lines))


if __name__ == "__main__":
    main()
