"""Per-person message budget, so one flooder cannot starve everyone else.

Pure code: the clock is a parameter. A sliding window of the last minute's
messages per person; the first message over the budget earns one "please
slow down", the rest of that window are dropped quietly.
"""

from __future__ import annotations

from collections import deque
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # over budget: tell the person once
    DROP = "drop"  # still over budget: ignore quietly


class FloodGate:
    def __init__(self, limit: int, window_seconds: float = 60.0) -> None:
        self.limit = limit
        self.window = window_seconds
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._last_sweep = 0.0

    def check(self, user_id: int, now: float) -> Verdict:
        if now - self._last_sweep >= self.window:
            self.forget_idle(now)  # once a window, so memory stays bounded by active people
        times = self._seen.setdefault(user_id, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            self._warned.pop(user_id, None)
            return Verdict.ALLOW
        warned_at = self._warned.get(user_id)
        if warned_at is not None and now - warned_at < self.window:
            return Verdict.DROP
        self._warned[user_id] = now
        return Verdict.WARN

    def forget_idle(self, now: float) -> None:
        """Drop people with no message in the window."""
        self._last_sweep = now
        for user_id in [u for u, t in self._seen.items() if not t or now - t[-1] >= self.window]:
            del self._seen[user_id]
            self._warned.pop(user_id, None)
