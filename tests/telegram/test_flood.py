"""The per-person flood gate, with an injected clock."""

from __future__ import annotations

from bot.telegram.flood import FloodGate, Verdict


def test_flood_gate_warns_once_then_drops_then_recovers() -> None:
    gate = FloodGate(limit=3, window_seconds=60)
    verdicts = [gate.check(1, t) for t in (0, 1, 2, 3, 4)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP]
    assert gate.check(2, 5) is Verdict.ALLOW  # someone else is unaffected
    assert gate.check(1, 61) is Verdict.ALLOW  # the oldest message left the window
    gate.forget_idle(500)
    assert gate.check(1, 500) is Verdict.ALLOW
