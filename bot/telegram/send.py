"""Sending HTML messages with bounded retries: shared by answers and reminders."""

from __future__ import annotations

import asyncio

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

SEND_ATTEMPTS = 3
# A timeout is ambiguous (Telegram may have accepted the message): a question's
# answer is sent again at most once after one, so a slow API shows it at most twice.
TIMEOUT_REPEATS = 1


async def send_html(
    bot: Bot,
    chat_id: int,
    parts: list[str],
    markup: InlineKeyboardMarkup | None = None,
    *,
    retry_timeouts: bool = True,
) -> None:
    """Send HTML parts in order; the keyboard goes on the last one.

    Errors that surely did not deliver (no connection, 5xx) are retried a
    bounded number of times so a hiccup does not lose an answer; 429s are
    waited out. A timeout may have delivered: it is repeated TIMEOUT_REPEATS
    times at most, and `retry_timeouts=False` raises it at once for the
    caller to decide (reminders must not double).
    """
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        repeats = TIMEOUT_REPEATS if retry_timeouts else 0
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                await bot.send_message(
                    chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                    disable_web_page_preview=True,
                )
                break
            except RetryAfter as exc:
                if attempt == SEND_ATTEMPTS:
                    raise
                delay = exc.retry_after
                await asyncio.sleep(
                    delay.total_seconds() if hasattr(delay, "total_seconds") else delay
                )
            except (TimedOut, NetworkError) as exc:
                if isinstance(exc, BadRequest | Forbidden) or attempt == SEND_ATTEMPTS:
                    raise
                if isinstance(exc, TimedOut):
                    if repeats == 0:
                        raise
                    repeats -= 1
                await asyncio.sleep(0.2 * attempt)
