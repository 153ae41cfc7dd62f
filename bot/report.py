"""Statistics as text, shared by /stats and `python -m bot unanswered`."""

from __future__ import annotations

from bot.store import Store


def format_unanswered(rows: list[tuple[str, int]]) -> list[str]:
    """The most frequent questions that got the fallback (no one's id is stored)."""
    return [f"  {n} x {q}" for q, n in rows] or ["  none yet"]


def format_stats(store: Store) -> str:
    """Plain-text statistics for /stats and `python -m bot unanswered`."""
    s = store.stats()
    answered = s.counters.get("answer", 0)
    lines = [
        f"Users: {s.users}",
        f"Questions answered: {answered}",
        "Replies: "
        + ", ".join(
            f"{k} {s.counters.get(k, 0)}" for k in ("answer", "clarify", "fallback", "urgent")
        ),
        "Feedback (helpful / not helpful):",
    ]
    lines += [f"  {f.entry_id}: {f.helpful} / {f.not_helpful}" for f in s.feedback] or [
        "  none yet"
    ]
    lines.append("Most frequent unanswered questions:")
    lines += format_unanswered(s.unanswered)
    return "\n".join(lines)
