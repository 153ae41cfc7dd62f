"""The reminder dispatcher: one periodic tick asks SQLite what is due.

Telegram-free: sending is a callback and the clock is a parameter, so the
same code runs under PTB's JobQueue and in tests with a fake clock.

Delivery is at-least-once, by choice. Each occurrence is advanced in the
database right after its send returns, and the advance is conditional on
the day, so another tick or a restart never sends the same day twice. The
one window left is a crash (kill -9, power loss) between Telegram accepting
a message and the commit a millisecond later: that one reminder is sent
again on restart. Claiming before sending would turn that window into a
lost reminder instead; for a daily health reminder a rare duplicate (which
the person can see, with its Taken button) is the smaller harm.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.clock import Clock
from bot.reminders.people import Summary
from bot.reminders.store import Occurrence, ReminderStore

log = logging.getLogger(__name__)


ON_TIME_SLACK = timedelta(minutes=2)  # within this, a reminder is not "late"


class Action(Enum):
    SEND = "send"
    SEND_LATE = "send_late"  # sent after its time (the bot was down, or a long queue)
    MISS = "miss"  # later than the grace window: record the day as missed, go to the next day


def decide(due_at: datetime, now: datetime, grace: timedelta) -> Action:
    """What to do with an occurrence that is due (due_at <= now)."""
    late_by = now - due_at
    if late_by <= ON_TIME_SLACK:
        return Action.SEND
    if late_by <= grace:
        return Action.SEND_LATE
    return Action.MISS


class SendResult(Enum):
    SENT = "sent"
    BLOCKED = "blocked"  # 403: pause this person's reminders
    FAILED = "failed"  # network trouble after bounded retries: try again next tick


Item = Occurrence | Summary  # a reminder, its snooze or nudge; or a weekly summary
Send = Callable[[Occurrence, bool], Awaitable[SendResult]]  # (occurrence, late) -> result
SendSummary = Callable[[Summary], Awaitable[SendResult]]


@dataclass
class TickReport:
    due: int = 0
    sent: int = 0
    late: int = 0
    missed: int = 0
    blocked: int = 0
    failed: int = 0


class Dispatcher:
    """Sends what is due, earliest first, a few at a time so one slow person delays nobody."""

    def __init__(
        self,
        store: ReminderStore,
        send: Send,
        grace: timedelta,
        clock: Clock,
        concurrency: int = 8,
        send_summary: SendSummary | None = None,
    ) -> None:
        """`send_summary`: how weekly summaries go out (None: they are not sent)."""
        self.store = store
        self.send = send
        self.send_summary = send_summary
        self.grace = grace
        self.clock = clock
        self.concurrency = concurrency
        self.stopping = False
        self._task: asyncio.Task[None] | None = None

    async def tick(self, batch: int = 500) -> TickReport:
        """Send everything due now, earliest first, until nothing more is due.

        Sends start in due-time order (the semaphore is FIFO) with a few in
        flight, and the queue is refilled while a slow or failing person is
        still being retried, so they delay nobody. What fails is left for
        the next tick.
        """
        report = TickReport()
        gate = asyncio.Semaphore(self.concurrency)
        pending: set[asyncio.Task[None]] = set()
        busy: set[tuple[str, int]] = set()  # in flight, or failed in this tick
        while not self.stopping:
            now = self.clock()
            fresh = [o for o in self._due(now, batch + len(busy)) if _key(o) not in busy]
            for occ in fresh:
                busy.add(_key(occ))
                pending.add(asyncio.create_task(self._one(occ, now, gate, report, busy)))
            report.due += len(fresh)
            if not pending:
                break
            # Refill once the queue is down to what is in flight, or a second has passed.
            while pending and len(pending) > self.concurrency:
                _done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if pending and not fresh:
                _done, pending = await asyncio.wait(
                    pending, timeout=1.0, return_when=asyncio.FIRST_COMPLETED
                )
        if pending:
            await asyncio.wait(pending)
        return report

    def _due(self, now: datetime, limit: int) -> list[Item]:
        """Reminders first, then weekly summaries: a summary can wait for a busy minute."""
        items: list[Item] = list(self.store.due(now, limit))
        if self.send_summary is not None and len(items) < limit:
            items += self.store.people.due_summaries(now, limit - len(items))
        return items

    async def _one(
        self,
        occ: Item,
        now: datetime,
        gate: asyncio.Semaphore,
        report: TickReport,
        busy: set[tuple[str, int]],
    ) -> None:
        async with gate:
            if self.stopping:
                return
            if await self._handle(occ, now, report):
                busy.discard(_key(occ))

    async def _handle(self, occ: Item, now: datetime, report: TickReport) -> bool:
        """Deliver or skip one occurrence; False when it failed (retry next tick)."""
        action = decide(occ.due_at, now, self.grace)
        if isinstance(occ, Summary):
            return await self._summary(occ, action, now, report)
        if action is Action.MISS:
            self.store.mark_missed(occ, now)
            report.missed += 1
            return True
        late = action is Action.SEND_LATE
        result = await self.send(occ, late)
        if result is SendResult.SENT:
            # Recorded only if the reminder still exists: a /forget during the
            # send must leave no history row, day advance or refill mark behind.
            if self.store.mark_sent(occ, self.clock()):
                log.debug("Reminder %d for %s recorded as sent", occ.reminder.id, occ.day)
            report.sent += 1
            report.late += int(late)
        elif result is SendResult.BLOCKED:
            self.store.set_paused(occ.reminder.user_id, True)
            report.blocked += 1
        else:
            report.failed += 1
            return False
        return True

    async def _summary(
        self, summary: Summary, action: Action, now: datetime, report: TickReport
    ) -> bool:
        """A weekly summary: sent, refused or too old, next week's is scheduled."""
        if action is not Action.MISS and self.send_summary is not None:
            result = await self.send_summary(summary)
            if result is SendResult.FAILED:
                report.failed += 1
                return False
            report.sent += int(result is SendResult.SENT)
            report.blocked += int(result is SendResult.BLOCKED)
        else:
            report.missed += 1
        self.store.people.summary_done(summary, self.clock())
        return True

    def kick(self) -> None:
        """Start draining in the background unless a drain is already running.

        The periodic trigger returns at once, so a long delivery (10,000
        reminders at 30/s take minutes) never piles up overlapping ticks.
        """
        if self.stopping or (self._task is not None and not self._task.done()):
            return
        self._task = asyncio.create_task(self._drain_logged(), name="reminder-drain")

    async def _drain_logged(self) -> None:
        try:
            report = await self.tick()
        except Exception:
            log.exception("Reminder dispatch failed; the next tick tries again")
            return
        if report.due:
            log.info("Reminders: %s", report)

    async def close(self) -> None:
        """Stop starting sends, let the ones in flight finish and be recorded."""
        self.stopping = True
        if self._task is not None:
            await self._task


def _key(item: Item) -> tuple[str, int]:
    if isinstance(item, Summary):
        return ("weekly", item.user_id)
    kind = "nudge" if item.nudge else "snooze" if item.snoozed else "daily"
    return (kind, item.reminder.id)
