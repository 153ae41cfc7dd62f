"""FAQ statistics: people seen, reply counters, feedback votes, unanswered questions.

Nothing here stores what someone asked together with who asked it: the
unanswered table keeps question text only, for content authors.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

MAX_UNANSWERED_CHARS = 200


@dataclass(frozen=True)
class FeedbackCount:
    entry_id: str
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class Stats:
    users: int
    counters: dict[str, int]
    feedback: list[FeedbackCount]
    unanswered: list[tuple[str, int]]


class StatsStore:
    """Feedback and statistics; every write is committed before it returns."""

    def __init__(self, conn: sqlite3.Connection, clock: Callable[[], datetime]) -> None:
        self.conn = conn
        self.clock = clock

    def _now(self) -> str:
        return self.clock().isoformat()

    def seen_user(self, user_id: int) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO users(user_id, first_seen) VALUES (?, ?)", (user_id, self._now())
        )

    def count(self, name: str) -> None:
        self.conn.execute(
            "INSERT INTO counters(name, n) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET n = n + 1",
            (name,),
        )

    def record_feedback(self, user_id: int, entry_id: str, helpful: bool) -> bool:
        """Store one vote per person per entry; False when they had already voted."""
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO feedback(user_id, entry_id, helpful, at) VALUES (?, ?, ?, ?)",
            (user_id, entry_id, int(helpful), self._now()),
        )
        return cur.rowcount == 1

    def record_unanswered(self, question: str) -> None:
        """Keep the question text only (never who asked) for content authors."""
        text = scrub(question)
        if not text:
            return
        self.conn.execute(
            "INSERT INTO unanswered(question, n, last_seen) VALUES (?, 1, ?) "
            "ON CONFLICT(question) DO UPDATE SET n = n + 1, last_seen = excluded.last_seen",
            (text, self._now()),
        )

    def record_unsure(self, question: str, outcome: str) -> None:
        """A question answered with low confidence or a "did you mean" (text only, no id)."""
        text = scrub(question)
        if not text:
            return
        self.conn.execute(
            "INSERT INTO unsure(question, outcome, n, last_seen) VALUES (?, ?, 1, ?) "
            "ON CONFLICT(question, outcome) DO UPDATE SET n = n + 1, "
            "last_seen = excluded.last_seen",
            (text, outcome[:MAX_UNANSWERED_CHARS], self._now()),
        )

    def top_unsure(self, limit: int = 10) -> list[tuple[str, str, int]]:
        rows = self.conn.execute(
            "SELECT question, outcome, n FROM unsure ORDER BY n DESC, last_seen DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [(str(q), str(o), int(n)) for q, o, n in rows]

    def top_unanswered(self, limit: int = 10) -> list[tuple[str, int]]:
        rows = self.conn.execute(
            "SELECT question, n FROM unanswered ORDER BY n DESC, last_seen DESC LIMIT ?", (limit,)
        ).fetchall()
        return [(str(q), int(n)) for q, n in rows]

    def stats(self, limit: int = 10) -> Stats:
        users = int(self.conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])
        counters = {str(k): int(v) for k, v in self.conn.execute("SELECT name, n FROM counters")}
        feedback = [
            FeedbackCount(str(e), int(h), int(n))
            for e, h, n in self.conn.execute(
                "SELECT entry_id, SUM(helpful), SUM(1 - helpful) FROM feedback "
                "GROUP BY entry_id ORDER BY entry_id"
            )
        ]
        return Stats(users, counters, feedback, self.top_unanswered(limit))


_EMAIL = re.compile(r"\S+@\S+\.\w+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_LINK = re.compile(r"(?:https?://|www\.)\S+|\b\S+\.(?:com|org|net|co|uk|de|io|me)\b\S*")
_LONG_NUMBER = re.compile(r"\+?\d[\d\s().-]{4,}\d")
_NAME = re.compile(r"\b(my name is|i am called|i'm called|call me|this is)\s+\w+", re.IGNORECASE)


def scrub(question: str) -> str:
    """The question as content authors may keep it: no e-mail, handle, link, phone or name.

    Amounts ("400 mg") stay: they are what authors need to see. Lower-cased,
    one line, cut to MAX_UNANSWERED_CHARS.
    """
    text = " ".join(question.split())
    text = _EMAIL.sub("<email>", text)
    text = _LINK.sub("<link>", text)
    text = _HANDLE.sub("<handle>", text)
    text = _LONG_NUMBER.sub("<number>", text)
    text = _NAME.sub(lambda m: m.group(1) + " <name>", text)
    return text[:MAX_UNANSWERED_CHARS].lower()


def format_unsure(rows: list[tuple[str, str, int]]) -> list[str]:
    """Questions answered unsurely or with a choice, and what the bot did."""
    return [f"  {n} x {q}  ->  {o}" for q, o, n in rows] or ["  none yet"]


def format_unanswered(rows: list[tuple[str, int]]) -> list[str]:
    """The most frequent questions that got the fallback (no one's id is stored)."""
    return [f"  {n} x {q}" for q, n in rows] or ["  none yet"]


def format_stats(store: StatsStore) -> str:
    """Plain-text statistics for /stats and `python -m bot unanswered`."""
    s = store.stats()
    answered = s.counters.get("answer", 0)
    lines = [
        f"Users: {s.users}",
        f"Questions answered: {answered}",
        "Replies: "
        + ", ".join(
            f"{k} {s.counters.get(k, 0)}"
            for k in ("answer", "clarify", "fallback", "not_covered", "other_language", "urgent")
        ),
        "Feedback (helpful / not helpful):",
    ]
    lines += [f"  {f.entry_id}: {f.helpful} / {f.not_helpful}" for f in s.feedback] or [
        "  none yet"
    ]
    lines.append("Most frequent unanswered questions:")
    lines += format_unanswered(s.unanswered)
    return "\n".join(lines)
