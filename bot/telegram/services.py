"""What the Telegram handlers share, built once by the composition root.

Its own module so that every handler module can import it without a cycle.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram.ext import ContextTypes

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.faq.engine import Engine
from bot.faq.followup import LastTopics
from bot.reminders.conversation import ReminderConversation
from bot.storage.stats import StatsStore
from bot.telegram.flood import FloodGate


@dataclass
class Services:
    """What the handlers need, built once by the composition root."""

    engine: Engine
    store: StatsStore
    settings: Settings
    flood: FloodGate
    reminders: ReminderConversation
    clock: Clock = system_clock
    monotonic: Callable[[], float] = time.monotonic
    topics: LastTopics = field(default_factory=LastTopics)  # memory only, per chat
    wishes: LastTopics = field(default_factory=LastTopics)  # 👎 given: the next message explains
    reloading: asyncio.Lock = field(default_factory=asyncio.Lock)  # one /reload at a time

    def use(self, engine: Engine) -> None:
        """Answer from `engine` (reloaded content) from now on: FAQ and reminder texts.

        Two assignments with no await between them, so no handler on the event
        loop sees the new engine with the old reminder texts; a handler already
        running finishes with the engine it took.
        """
        desk = ReminderConversation(
            engine.content, self.reminders.store, self.reminders.default_zone
        )
        self.engine = engine
        self.reminders = desk


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    found: Services = context.bot_data["services"]
    return found
