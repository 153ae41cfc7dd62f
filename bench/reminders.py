"""Reminders at scale: 100,000 stored, one dispatcher, against PTB JobQueue run_daily.

1. Start-up and memory: the real bot process (`python -m bot run`) over a
   database of 100,000 reminders, against an empty one; and, in the same
   run, a process that schedules the same reminders as JobQueue
   `run_daily` jobs (the one-job-per-reminder design).
2. The cost of one dispatcher tick over the 100,000 rows: nothing due, and
   100 due with a sender that does nothing (so the database work shows).
3. Delivery: 10,000 reminders due in the same minute, through the real bot
   to the fake Bot API, with the rate limiter at 30/s and off.

`python -m bench reminders` runs everything (about 7 minutes, most of it
the 30/s delivery); with BENCH_QUICK=1 it delivers 1,000 instead.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import percentile, table
from bot.reminders.delivery import Dispatcher, SendResult
from bot.reminders.schedule import next_due
from bot.reminders.store import Occurrence, ReminderStore
from bot.storage.db import open_database
from tests.fake_telegram import Call, FakeTelegram
from tests.harness import TOKEN, BotProcess, ClockFile

FIRST_CHAT = 1_000_000
STORED = 100_000
SAME_MINUTE = 10_000
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
NOW = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
BURST_AT = datetime(2026, 3, 27, 20, 30, tzinfo=UTC)  # 21:30 in Berlin


def build_database(path: Path, total: int, burst: int) -> None:
    """`total` reminders for distinct people; `burst` of them due at BURST_AT (Berlin 21:30)."""
    conn = open_database(path)
    rng = random.Random(7)
    berlin = ZoneInfo("Europe/Berlin")
    rows = []
    after = BURST_AT - timedelta(minutes=1)  # nothing is overdue when the bot starts
    for i in range(total):
        while True:
            if i < burst:
                zone, at = berlin, dtime(21, 30)
            else:  # spread over the day, outside the burst minute
                zone = ZoneInfo(rng.choice(ZONES))
                at = dtime(rng.randrange(24), rng.randrange(60))
            due = next_due(at, zone, after)
            if i < burst or due.at_utc != BURST_AT:
                break
        rows.append(
            (
                FIRST_CHAT + i,
                at.strftime("%H:%M"),
                zone.key,
                due.day.isoformat(),
                due.at_utc.strftime("%Y-%m-%dT%H:%M:%S"),
            )
        )
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO reminders(user_id, at, zone, note, day, due_utc, paused) "
        "VALUES (?, ?, ?, '', ?, ?, 0)",
        rows,
    )
    conn.execute("COMMIT")
    conn.close()


def copy_database(source: Path, target: Path) -> Path:
    """A private copy, so each measurement starts from the same 100,000 rows."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bot_startup(db: Path | None, workdir: Path) -> tuple[float, float]:
    """Seconds from process start to the bot polling, and its resident MB then."""
    workdir.mkdir(parents=True, exist_ok=True)
    tg = FakeTelegram(TOKEN).start()
    clock = ClockFile(workdir / "now.txt")
    clock.set(NOW)
    env = {"LOG_LEVEL": "WARNING", "CLOCK_FILE": str(clock.path)}
    if db is not None:
        env["DATABASE_PATH"] = str(db)
    bot = BotProcess(tg, workdir, env)
    try:
        began = time.monotonic()
        bot.start()
        elapsed = time.monotonic() - began
        time.sleep(1.0)  # a few dispatcher ticks over the table
        assert bot.proc is not None
        return elapsed, rss_mb(bot.proc.pid)
    finally:
        bot.stop()
        tg.stop()


JOBQUEUE_SCRIPT = """
import asyncio, json, sys, time
from datetime import time as dtime
from zoneinfo import ZoneInfo
from telegram.ext import ApplicationBuilder

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

async def remind(context):
    pass

async def main(n):
    app = ApplicationBuilder().token("123:abc").build()
    before = rss()
    began = time.perf_counter()
    zones = [ZoneInfo(z) for z in json.loads(sys.argv[2])]
    for i in range(n):
        at = dtime(i % 24, (i * 7) % 60, tzinfo=zones[i % len(zones)])
        app.job_queue.run_daily(remind, at, chat_id=1_000_000 + i, name=str(i))
    await app.job_queue.start()
    loaded = time.perf_counter() - began
    print(json.dumps({"seconds": loaded, "rss_mb": rss(), "delta_mb": rss() - before}))
    await app.job_queue.stop(wait=False)

asyncio.run(main(int(sys.argv[1])))
"""


def jobqueue_load(n: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", JOBQUEUE_SCRIPT, str(n), json.dumps(ZONES)],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def tick_costs(db: Path) -> tuple[list[float], list[float]]:
    """Milliseconds per tick with nothing due, and with 100 due (no-op sender)."""
    scratch = copy_database(db, db.with_name("scratch.sqlite3"))  # ticks here advance rows
    store = ReminderStore(open_database(scratch))
    now = NOW

    async def sender(occ: Occurrence, late: bool) -> SendResult:
        return SendResult.SENT

    dispatcher = Dispatcher(store, sender, timedelta(minutes=120), lambda: now)

    async def measure() -> tuple[list[float], list[float]]:
        nonlocal now
        idle, busy = [], []
        for _ in range(200):
            began = time.perf_counter()
            await dispatcher.tick()
            idle.append((time.perf_counter() - began) * 1000)
        # Walk the clock forward through the day so each tick finds about 100 due.
        rows = store.conn.execute(
            "SELECT due_utc FROM reminders WHERE due_utc > ? AND due_utc != ? "
            "ORDER BY due_utc LIMIT 20001",
            (NOW.strftime("%Y-%m-%dT%H:%M:%S"), BURST_AT.strftime("%Y-%m-%dT%H:%M:%S")),
        ).fetchall()
        # The burst minute is measured by the delivery benchmark, not here.
        store.conn.execute(
            "UPDATE reminders SET paused = 1 WHERE due_utc = ?",
            (BURST_AT.strftime("%Y-%m-%dT%H:%M:%S"),),
        )
        for k in range(100, 20_001, 100):
            now = datetime.fromisoformat(rows[k - 1][0]).replace(tzinfo=UTC)
            began = time.perf_counter()
            report = await dispatcher.tick()
            busy.append((time.perf_counter() - began) * 1000 / max(1, report.due) * 100)
        return idle, busy

    try:
        return asyncio.run(measure())
    finally:
        store.conn.close()
        scratch.unlink()


def delivery(db: Path, workdir: Path, burst: int, limiter: bool) -> list[str]:
    """`burst` reminders due in one minute: how fast, how late, and the peak send rate."""
    scratch = copy_database(db, workdir / f"delivery-{int(limiter)}.sqlite3")
    tg = FakeTelegram(TOKEN).start()
    clock = ClockFile(workdir / f"now-{int(limiter)}.txt")
    clock.set(BURST_AT - timedelta(minutes=1))
    env = {
        "LOG_LEVEL": "WARNING",
        "CLOCK_FILE": str(clock.path),
        "DATABASE_PATH": str(scratch),
        "REMINDER_TICK_SECONDS": "1",
        "SEND_RATE_LIMIT": "on" if limiter else "off",
    }
    bot = BotProcess(tg, workdir, env).start()
    try:
        # The bot's clock runs on from the burst minute as real time passes.
        began_wall = time.monotonic()
        clock.set(BURST_AT)
        stop_at = began_wall + 900
        while len(_burst_calls(tg, burst)) < burst and time.monotonic() < stop_at:
            clock.set(BURST_AT + timedelta(seconds=time.monotonic() - began_wall))
            time.sleep(0.2)
        calls = _burst_calls(tg, burst)
        mine = sorted(c.at for c in calls)
        wall = mine[-1] - began_wall
        assert bot.proc is not None
        memory = rss_mb(bot.proc.pid)
        chats = [int(c.params["chat_id"]) for c in calls]
        rank = {chat: n for n, chat in enumerate(sorted(chats))}
        out_of_order = max(abs(rank[chat] - n) for n, chat in enumerate(chats))
        every = sorted(c.at for c in tg.calls_of("sendMessage"))  # later minutes come due too
        peak = max(bisect.bisect_left(every, s + 1.0) - i for i, s in enumerate(every))
        lateness = [t - began_wall for t in mine]
        late_labelled = sum("comes late" in str(c.params["text"]) for c in calls)
        return [
            "30/s (limiter on)" if limiter else "off (capacity)",
            str(len(mine)),
            f"{wall:.1f}",
            f"{len(mine) / wall:.1f}",
            str(peak),
            f"{percentile(lateness, 50):.1f}",
            f"{percentile(lateness, 99):.1f}",
            str(late_labelled),
            str(out_of_order),
            f"{memory:.0f}",
        ]
    finally:
        bot.stop()
        tg.stop()


def _burst_calls(tg: FakeTelegram, burst: int) -> list[Call]:
    """The burst's sends in arrival order (its people are the first `burst` chat ids).

    They share one due instant, so due order falls back to reminder id, which
    follows chat id; a few sends in flight at once may swap places.
    """
    return [c for c in tg.calls_of("sendMessage") if int(c.params["chat_id"]) < FIRST_CHAT + burst]


def main() -> None:
    burst = 1_000 if os.environ.get("BENCH_QUICK") else SAME_MINUTE
    with tempfile.TemporaryDirectory(prefix="magbot-bench-reminders-") as workdir:
        run_all(Path(workdir), burst)


def run_all(workdir: Path, burst: int) -> None:
    """Every measurement; the databases, clocks and logs live in `workdir`."""
    db = workdir / "reminders.sqlite3"
    began = time.perf_counter()
    build_database(db, STORED, burst)
    built = time.perf_counter() - began

    empty_start, empty_rss = bot_startup(None, workdir / "empty")
    full_start, full_rss = bot_startup(db, workdir)
    jq = jobqueue_load(STORED)
    print(
        table(
            f"Start-up and memory with {STORED:,} reminders (database built in {built:.1f} s)",
            ["design", "start-up s", "resident MB"],
            [
                ["bot process, empty database", f"{empty_start:.2f}", f"{empty_rss:.0f}"],
                [f"bot process, {STORED:,} in SQLite", f"{full_start:.2f}", f"{full_rss:.0f}"],
                [
                    f"PTB JobQueue, {STORED:,} run_daily jobs (load only)",
                    f"{jq['seconds']:.2f}",
                    f"{jq['rss_mb']:.0f} (+{jq['delta_mb']:.0f})",
                ],
            ],
        )
    )
    print()
    idle, busy = tick_costs(db)
    print(
        table(
            f"One dispatcher tick over {STORED:,} rows (ms)",
            ["tick", "p50", "p99", "max"],
            [
                ["nothing due", *(f"{v:.2f}" for v in _spread(idle))],
                ["100 due, no-op sender", *(f"{v:.2f}" for v in _spread(busy))],
            ],
        )
    )
    print()
    rows = [delivery(db, workdir, burst, limiter=True), delivery(db, workdir, burst, False)]
    print(
        table(
            f"{burst:,} reminders due in the same minute, real bot -> fake Bot API",
            [
                "limiter",
                "sent",
                "seconds",
                "per s",
                "max in 1 s",
                "p50 after due s",
                "p99 after due s",
                "said late",
                "max places out of due order",
                "bot MB",
            ],
            rows,
        )
    )


def _spread(values: list[float]) -> list[float]:
    return [percentile(values, 50), percentile(values, 99), max(values)]


if __name__ == "__main__":
    main()
