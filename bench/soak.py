"""Soak: 5,000 updates with three random kill -9s; how many were lost or answered twice.

The real bot process runs against the fake Bot API. People ask one-reply
questions at a steady pace while the bot is killed (SIGKILL, no chance to
clean up) three times at random moments and restarted at once on the same
database. Every question must be answered exactly once: the durable inbox
replays what was kept but not handled; a reply Telegram accepted just
before the kill, not yet marked done, is the one thing that can come twice.
`make soak` runs it (a few minutes); `python -m bench.soak 1000 1` is a short run.
"""

from __future__ import annotations

import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench.common import table
from tests.fake_telegram import FakeTelegram
from tests.harness import TOKEN, BotProcess, message

QUESTIONS = ("is it safe", "any side effects", "how much should i take", "what is it")
PEOPLE = 250
RATE = 100.0  # updates a second, pushed steadily while the bot is killed and restarted
ENV = {"RATE_LIMIT_PER_MINUTE": "100000", "SEND_RATE_LIMIT": "off", "LOG_LEVEL": "WARNING"}


def soak(workdir: Path, updates: int, kills: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    tg = FakeTelegram(TOKEN).start()
    asked: Counter[int] = Counter()
    bot = BotProcess(tg, workdir, ENV).start()
    started = time.monotonic()
    duration = updates / RATE
    kill_at = sorted(rng.uniform(0.1, 0.9) * duration for _ in range(kills))
    pusher = threading.Thread(target=push_all, args=(tg, updates, asked, rng), daemon=True)
    pusher.start()
    restarts = []
    for moment in kill_at:
        time.sleep(max(0.0, started + moment - time.monotonic()))
        bot.stop(signal.SIGKILL)
        down = time.monotonic()
        bot = BotProcess(tg, workdir, ENV).start()
        restarts.append(time.monotonic() - down)
    pusher.join()
    settle(tg, asked, timeout=120)
    assert bot.stop() == 0, bot.log()
    tg.stop()
    got = Counter(int(c.params["chat_id"]) for c in tg.calls_of("sendMessage"))
    lost = sum(max(0, n - got[chat]) for chat, n in asked.items())
    doubled = sum(max(0, got[chat] - n) for chat, n in asked.items())
    wall = time.monotonic() - started
    return [
        f"{updates}",
        f"{kills}",
        f"{sum(got.values())}",
        f"{lost}",
        f"{doubled}",
        f"{max(restarts, default=0):.1f} s",
        f"{wall:.0f} s",
    ]


def push_all(tg: FakeTelegram, updates: int, asked: Counter[int], rng: random.Random) -> None:
    start = time.monotonic()
    for n in range(updates):
        pause = start + n / RATE - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        user_id = 70_000 + rng.randrange(PEOPLE)
        tg.push("message", message(user_id, rng.choice(QUESTIONS)))
        asked[user_id] += 1


def settle(tg: FakeTelegram, asked: Counter[int], timeout: float) -> None:
    """Until every question has an answer (or `timeout`), then a moment for late doubles."""
    deadline = time.monotonic() + timeout
    total = sum(asked.values())
    while time.monotonic() < deadline and len(tg.calls_of("sendMessage")) < total:
        time.sleep(0.5)
    time.sleep(2.0)


def main(updates: int = 5000, kills: int = 3) -> None:
    with tempfile.TemporaryDirectory(prefix="magbot-soak-") as workdir:
        row = soak(Path(workdir), updates, kills)
    title = f"Soak: {updates} updates at {RATE:.0f}/s from {PEOPLE} people, kill -9 x{kills}"
    header = ["updates", "kill -9", "answers", "lost", "answered twice", "restart", "wall"]
    print(table(title, header, [row]))


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
