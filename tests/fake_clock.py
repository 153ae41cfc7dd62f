"""A clock the test sets by hand (the core takes the clock as a parameter)."""

from __future__ import annotations

from datetime import datetime


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
