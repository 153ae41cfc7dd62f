"""The reminder dispatcher: one periodic tick asks SQLite what is due.

Telegram-free: sending is a callback and the clock is a parameter, so the
same code runs under PTB's JobQueue and in tests with a fake clock. Each
occurrence is advanced in the database right after its send returns, and
the advance is conditional on the day, so a second tick (or a restart)
never sends the same day twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from bot.reminders import Action, Reminder, ReminderStore, decide
from bot.schedule import next_due


class SendResult(Enum):
    SENT = "sent"
    BLOCKED = "blocked"  # 403: pause this person's reminders
    FAILED = "failed"  # network trouble after bounded retries: try again next tick


Send = Callable[[Reminder, bool], Awaitable[SendResult]]  # (reminder, late) -> result


@dataclass
class TickReport:
    sent: int = 0
    late: int = 0
    missed: int = 0
    blocked: int = 0
    failed: int = 0


class Dispatcher:
    def __init__(self, store: ReminderStore, send: Send, grace: timedelta) -> None:
        self.store = store
        self.send = send
        self.grace = grace

    async def tick(self, now: datetime, limit: int = 1000) -> TickReport:
        """Handle every reminder due at `now`, earliest first."""
        report = TickReport()
        for reminder in self.store.due(now, limit):
            action = decide(reminder.due_utc, now, self.grace)
            if action is Action.MISS:
                zone = ZoneInfo(reminder.zone)
                self.store.advance(reminder, next_due(reminder.at, zone, now))
                report.missed += 1
                continue
            late = action is Action.SEND_LATE
            result = await self.send(reminder, late)
            if result is SendResult.SENT:
                self.store.advance(reminder, reminder.following())
                report.sent += 1
                report.late += int(late)
            elif result is SendResult.BLOCKED:
                self.store.set_paused(reminder.user_id, True)
                report.blocked += 1
            else:
                report.failed += 1
        return report
