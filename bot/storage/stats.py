"""FAQ statistics: people seen, reply counters, feedback votes, unanswered questions.

Nothing here stores what someone asked together with who asked it: the
unanswered and unsure tables keep scrubbed question text only, for content
authors, and only for `retention_days` after it was last asked.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.storage.db import transaction

MAX_UNANSWERED_CHARS = 200
UNANSWERED_RETENTION_DAYS = 90  # the default of the setting of the same name


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
    """Feedback and statistics; every write is committed before it returns.

    `retention_days`: questions not asked again for this long are deleted
    (UNANSWERED_RETENTION_DAYS), when recording and when reporting.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        clock: Callable[[], datetime],
        retention_days: int = UNANSWERED_RETENTION_DAYS,
    ) -> None:
        self.conn = conn
        self.clock = clock
        self.retention = timedelta(days=retention_days)
        # Called before a report reads: the bot waits (briefly) for the
        # bookkeeping writes queued so far, so /stats counts what came before it.
        self.before_read: Callable[[], object] = lambda: None

    def on(self, conn: sqlite3.Connection, at: datetime) -> StatsStore:
        """The same store over another connection (the bookkeeping thread's), dated `at`:
        a write done later is still dated when it happened."""
        return StatsStore(conn, clock=lambda: at, retention_days=self.retention.days)

    def record_reply(
        self, user_id: int | None, kind: str, question: str, *, unanswered: bool, unsure: str
    ) -> None:
        """One reply's bookkeeping in one transaction: the person seen, the counter, and
        the question text when it went unanswered (or was answered unsurely: `unsure`)."""
        with transaction(self.conn):
            if user_id is not None:
                self.seen_user(user_id)
            self.count(kind)
            if unanswered:
                self.record_unanswered(question)
            elif unsure:
                self.record_unsure(question, unsure)

    def _now(self) -> str:
        return self.clock().astimezone(UTC).isoformat()  # UTC text compares in time order

    def _cutoff(self) -> str:
        return (self.clock() - self.retention).astimezone(UTC).isoformat()

    def expire(self) -> int:
        """Delete questions older than the retention window; returns how many went.

        A connection that cannot write (the read-only `unanswered` report; a
        locked file or a full disk) deletes nothing and shows what is stored:
        the bot expires old rows at its next record or /stats.
        """
        gone = 0
        for table in _QUESTION_TABLES:
            if not _has_table(self.conn, table):
                continue  # a report on a file from before the table existed
            try:
                cur = self.conn.execute(
                    f"DELETE FROM {table} WHERE last_seen < ?", (self._cutoff(),)
                )
            except sqlite3.OperationalError:
                return gone  # read-only, locked or full: a report still shows what is stored
            gone += cur.rowcount
        return gone

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
        self.expire()
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
        self.expire()
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
        self.before_read()
        self.expire()
        rows = self.conn.execute(
            "SELECT question, outcome, n FROM unsure ORDER BY n DESC, last_seen DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [(str(q), str(o), int(n)) for q, o, n in rows]

    def top_unanswered(self, limit: int = 10) -> list[tuple[str, int]]:
        self.before_read()
        self.expire()
        rows = self.conn.execute(
            "SELECT question, n FROM unanswered ORDER BY n DESC, last_seen DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [(str(q), int(n)) for q, n in rows]

    def stats(self, limit: int = 10) -> Stats:
        self.before_read()
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


_QUESTION_TABLES = ("unanswered", "unsure")


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


_EMAIL = re.compile(r"\S+@\S+\.\w+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)+/\S*"
    r"|\b\S+\.(?:com|org|net|co|uk|de|io|me|ru|fr|nl|info|ly|be|app)\b\S*",
    re.IGNORECASE,
)
# Phone numbers, ids, birth dates: digits with separators, at least 7 digits
# (ranges such as "200-400 mg" keep their amounts).
_NUMBER = re.compile(r"\+?\(?\d[\d\s().\-/]{4,}\d")
MIN_NUMBER_DIGITS = 7
# A name after an introduction: every Capitalised word that follows; after an
# unmistakable one ("my name is", "I'm called") also a lower-case word.
_CAPITALISED = r"[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*"
_NAME = re.compile(
    r"\b((?i:my\s+name\s+is|my\s+name's|name's|my\s+name\s*:|i\s+am\s+called"
    r"|i'm\s+called|im\s+called|they\s+call\s+me))\s+(?:" + _CAPITALISED + r"|\w+)"
    r"|\b((?i:call\s+me|this\s+is|signed|regards,?|cheers,?|thanks,?))\s+" + _CAPITALISED
)


def scrub(question: str) -> str:
    """The question as content authors may keep it: no e-mail, handle, link, phone or name.

    Amounts ("400 mg", "200-400 mg") stay: they are what authors need to see.
    Lower-cased, one line, cut to MAX_UNANSWERED_CHARS.
    """
    # No lone surrogates (SQLite cannot store them) nor control characters.
    readable = "".join(c for c in question if c.isprintable() or c.isspace())
    text = " ".join(readable.split())
    text = _EMAIL.sub("<email>", text)
    text = _LINK.sub("<link>", text)
    text = _HANDLE.sub("<handle>", text)
    text = _NUMBER.sub(_number, text)
    text = _NAME.sub(lambda m: (m.group(1) or m.group(2)) + " <name>", text)
    return text[:MAX_UNANSWERED_CHARS].lower()


def _number(match: re.Match[str]) -> str:
    """A long number is someone's (phone, id, date); a short one is an amount."""
    found = match.group(0)
    return "<number>" if sum(c.isdigit() for c in found) >= MIN_NUMBER_DIGITS else found


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
