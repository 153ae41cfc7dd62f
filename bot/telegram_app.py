"""Telegram adapter (composition root). Filled in by the Telegram issue."""

from __future__ import annotations

import sys

from bot.config import Settings
from bot.engine import Engine


def run_bot(settings: Settings, engine: Engine) -> int:
    """Not built yet: say so plainly instead of pretending."""
    del settings, engine
    sys.stderr.write("error: Telegram mode is not built yet; unset TELEGRAM_BOT_TOKEN.\n")
    return 2
