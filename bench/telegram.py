"""End-to-end throughput: the real bot process against the fake Bot API.

N distinct people each send a few questions at once. Latency is measured
per update, from the moment getUpdates hands it to the bot to the moment
the matching sendMessage reaches the server; throughput is updates per
second of wall time, after 200 unmeasured warm-up updates. Run with the
send rate limiter off (capacity) and on (Telegram's 30 messages/s).
"""

from __future__ import annotations

import gc
import random
import tempfile
import time
from pathlib import Path

from bench.common import percentile, table
from bench.matching import questions
from tests.fake_telegram import FakeTelegram
from tests.harness import TOKEN, BotProcess, message


def run_case(
    label: str, users: int, per_user: int, limiter: bool, rate: float | None = None
) -> list[str]:
    """`rate` None: everything at once (capacity); else updates pushed at that pace."""
    with tempfile.TemporaryDirectory(prefix="magbot-bench-") as workdir:
        return measure(Path(workdir), label, users, per_user, limiter, rate)


def measure(
    workdir: Path, label: str, users: int, per_user: int, limiter: bool, rate: float | None
) -> list[str]:
    """One case, the bot's database and log in `workdir`."""
    tg = FakeTelegram(TOKEN).start()
    env = {"SEND_RATE_LIMIT": "on" if limiter else "off", "LOG_LEVEL": "WARNING"}
    bot = BotProcess(tg, workdir, env).start()
    try:
        rng = random.Random(1)
        pool = questions(500)
        warm_up(tg, pool)
        before = len(tg.calls_of("sendMessage"))
        sent: dict[int, list[int]] = {}
        total = users * per_user
        gc.collect()
        gc.freeze()  # the fake server shares this process: keep its collector out of the timings
        start = time.monotonic()
        n = 0
        for _round in range(per_user):
            for u in range(users):
                if rate is not None:
                    pause = start + n / rate - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                user_id = 50_000 + u
                update_id = tg.push("message", message(user_id, rng.choice(pool)))
                sent.setdefault(user_id, []).append(update_id)
                n += 1
        deadline = start + 600
        while len(tg.calls_of("sendMessage")) < before + total and time.monotonic() < deadline:
            time.sleep(0.05)
        wall = time.monotonic() - start
        latencies = []
        for user_id, update_ids in sent.items():
            replies = tg.calls_of("sendMessage", chat_id=user_id)
            for update_id, reply in zip(update_ids, replies, strict=False):
                latencies.append((reply.at - tg.delivered_at[update_id]) * 1000)
        sends = sorted(c.at for c in tg.calls_of("sendMessage") if c.at >= start)
        peak = max(
            sum(1 for t in sends if s <= t < s + 1.0) for s in sends[:: max(1, len(sends) // 200)]
        )
        return [
            label,
            str(users),
            str(total),
            f"{total / wall:.0f}",
            f"{percentile(latencies, 50):.1f}",
            f"{percentile(latencies, 99):.1f}",
            str(peak),
        ]
    finally:
        gc.unfreeze()
        bot.stop()
        tg.stop()


def warm_up(tg: FakeTelegram, pool: list[str], count: int = 200) -> None:
    """Unmeasured traffic first: connections opened, first-use imports and caches done."""
    for i in range(count):
        tg.push("message", message(40_000 + i, pool[i % len(pool)]))
        time.sleep(0.005)
    tg.wait_for("sendMessage", count, timeout=60)


def main() -> None:
    rows = [
        run_case("limiter off, burst (capacity)", users=500, per_user=6, limiter=False),
        run_case("limiter off, paced 500/s (goal)", users=500, per_user=6, limiter=False, rate=500),
        run_case("limiter off, paced 200/s", users=500, per_user=3, limiter=False, rate=200),
        run_case("limiter on, burst", users=150, per_user=2, limiter=True),
        run_case("limiter on, paced 25/s", users=100, per_user=2, limiter=True, rate=25),
    ]
    print(
        table(
            "Telegram end to end: real bot process, fake Bot API on 127.0.0.1",
            ["mode", "users", "updates", "updates/s", "p50 ms", "p99 ms", "max sends in 1 s"],
            rows,
        )
    )


if __name__ == "__main__":
    main()
