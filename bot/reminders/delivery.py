"""The reminder dispatcher: one periodic tick asks SQLite what is due.

Telegram-free: sending is a callback and the clock is a parameter, so the
same code runs under PTB's JobQueue and in tests with a fake clock.

Each occurrence (a day's reminder, its snooze, its nudge) is claimed in the
database before its send, and the send's outcome is recorded on the claim:

- SENT: the day is recorded as sent; it is never sent again.
- FAILED (connection refused, 5xx, 429: it surely did not reach Telegram):
  the claim is freed and the next tick tries again, as often as it takes.
- UNSURE (a timeout: Telegram may have accepted it): no retry at once. After
  REPEAT_AFTER it is sent ONE more time, saying it may be a duplicate; if
  that one times out too, the day is recorded as sent. So a Bot API slower
  than the timeout, but accepting everything, shows a person a reminder at
  most twice a day.
- BLOCKED: the person's reminders are paused.

A claim left without an outcome for STALE_CLAIM (the process was killed
mid-send) counts as an UNSURE send, so a crash never loses the reminder
for good, and never makes more than two that may arrive. A lease
(`bot.storage.lease`) lets one process at a time dispatch; the claims also
keep a second process (one that kept going past its lease) from sending an
occurrence that is in flight elsewhere.

The windows left, honestly: a crash after a claim and before its HTTP
request went out loses nothing but delays the reminder by STALE_CLAIM and
sends it with the "may be a duplicate" line although it is the only one;
a second crash at the same point, or a repeat that truly fails to arrive
after a first that timed out without arriving, leaves the day recorded as
sent with no message seen. A timeout while connecting (nothing sent) is
treated as unsure too, since the error cannot tell the two apart.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import ParamSpec, Protocol, TypeVar

from bot.clock import Clock
from bot.reminders.people import Summary
from bot.reminders.store import Claim, Occurrence, ReminderStore
from bot.storage.bookkeeping import describe
from bot.storage.lease import Lease

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


ON_TIME_SLACK = timedelta(minutes=2)  # within this, a reminder is not "late"
REPEAT_AFTER = timedelta(minutes=2)  # after a timed-out send, its one repeat waits this long
STALE_CLAIM = timedelta(minutes=5)  # a claim this old with no outcome: its process died


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
    FAILED = "failed"  # surely not delivered (refused, 5xx, 429): try again next tick
    UNSURE = "unsure"  # timed out: Telegram may have accepted it; at most one repeat


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
    unsure: int = 0  # sends that timed out (they may have arrived)
    waiting: int = 0  # in flight elsewhere, or waiting for the repeat's time


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
        lease: Lease | None = None,
        db: RunsDb | None = None,
    ) -> None:
        """`send_summary`: how weekly summaries go out (None: they are not sent).

        `lease`: held while dispatching, so one process at a time sends (None:
        this process always may). `db` runs the store's and the lease's work
        (the adapter passes its database thread, so a locked file never
        blocks the event loop; None: called in place).
        """
        self.lease = lease
        self._db: RunsDb = db or _in_place
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
        if not await self._hold_lease():
            return report
        await self._db(self.store.prune_attempts, self.clock())
        gate = asyncio.Semaphore(self.concurrency)
        pending: set[asyncio.Task[None]] = set()
        busy: set[tuple[str, int]] = set()  # in flight, or failed in this tick
        while not self.stopping:
            if not await self._hold_lease():
                break  # another process has it now: let what is in flight finish
            now = self.clock()
            due = await self._db(self._due, now, batch + len(busy))
            fresh = [o for o in due if _key(o) not in busy]
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

    async def _hold_lease(self) -> bool:
        """Take or renew the lease (a third of its length before it runs out)."""
        lease = self.lease
        if lease is None:
            return True
        if lease.expires is not None and lease.clock() < lease.expires - lease.length * 2 / 3:
            return True
        try:
            if await self._db(lease.acquire):
                return True
        except sqlite3.Error as exc:  # locked by another process, read-only, full: try next tick
            log.warning("Cannot take the reminder lease (%s); trying again next tick", exc)
            return False
        log.debug("Another process sends reminders (lease %s); waiting", lease.name)
        return False

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
        claim = await self._db(
            self.store.claim, occ, now, miss=action is Action.MISS, stale=STALE_CLAIM
        )
        if claim is Claim.WAIT:
            report.waiting += 1
            return False  # not again in this tick
        if claim is Claim.MISSED:
            report.missed += 1
            return True
        if claim is Claim.SETTLED:
            log.info(
                "%s for %s recorded as sent (unsure: an earlier send timed out)",
                _what(occ),
                occ.day,
            )
            return True
        if claim is Claim.GONE:
            return True
        late = action is Action.SEND_LATE
        result = await self.send(replace(occ, repeat=claim is Claim.REPEAT), late)
        done = self.clock()
        if result is SendResult.SENT:
            # Recorded only if the reminder still exists: a /forget during the
            # send must leave no history row, day advance or refill mark behind.
            if await self._db(self.store.delivered, occ, done):
                log.debug("%s for %s recorded as sent", _what(occ), occ.day)
            report.sent += 1
            report.late += int(late)
        elif result is SendResult.BLOCKED:
            await self._db(self.store.blocked, occ)
            report.blocked += 1
        elif result is SendResult.UNSURE:
            report.unsure += 1
            if await self._db(self.store.unsure, occ, now, done, done + REPEAT_AFTER):
                log.info(
                    "%s for %s recorded as sent (unsure: timed out twice)", _what(occ), occ.day
                )
            else:
                log.info(
                    "%s for %s timed out; one repeat from %s",
                    _what(occ),
                    occ.day,
                    done + REPEAT_AFTER,
                )
            return False
        else:
            await self._db(self.store.failed, occ, now, done)
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
            # UNSURE: it may have arrived; a weekly summary is not worth a possible double.
            report.unsure += int(result is SendResult.UNSURE)
            report.sent += int(result is SendResult.SENT)
            report.blocked += int(result is SendResult.BLOCKED)
        else:
            report.missed += 1
        await self._db(self.store.people.summary_done, summary, self.clock())
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
        except sqlite3.OperationalError as exc:
            # A locked or full database is an outage, not a bug: a line, not a traceback.
            log.warning("Reminder dispatch paused (%s); the next tick tries again", describe(exc))
            return
        except Exception:
            log.exception("Reminder dispatch failed; the next tick tries again")
            return
        if report.due:
            log.info("Reminders: %s", report)

    async def close(self) -> None:
        """Stop starting sends, let the ones in flight finish and be recorded, then give
        the lease up so another process takes over at once."""
        self.stopping = True
        if self._task is not None:
            await self._task
        if self.lease is not None and self.lease.expires is not None:
            try:
                await self._db(self.lease.release)
            except Exception:  # the database is gone: the lease simply expires
                log.exception("Could not release the reminder lease")


class RunsDb(Protocol):
    """Runs one piece of database work and gives its result (e.g. DbRunner.run)."""

    def __call__(
        self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> Awaitable[T]: ...


async def _in_place(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    return fn(*args, **kwargs)


def _key(item: Item) -> tuple[str, int]:
    if isinstance(item, Summary):
        return ("weekly", item.user_id)
    return (item.kind, item.reminder.id)


def _what(occ: Occurrence) -> str:
    """For the log: "Reminder 3", "Snooze of reminder 3", "Nudge of reminder 3"."""
    if occ.kind == "daily":
        return f"Reminder {occ.reminder.id}"
    return f"{occ.kind.capitalize()} of reminder {occ.reminder.id}"
