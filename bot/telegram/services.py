"""What the Telegram handlers share, built once by the composition root.

Its own module so that every handler module can import it without a cycle.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from telegram.ext import ContextTypes

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.faq.engine import Engine
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


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    found: Services = context.bot_data["services"]
    return found
