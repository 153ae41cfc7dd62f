"""The database and FAQ statistics, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.storage.db import MIGRATIONS, forget_person, migrate, open_database
from bot.storage.stats import StatsStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def store(tmp_path: Path) -> StatsStore:
    return StatsStore(open_database(tmp_path / "sub" / "db.sqlite3"), clock=lambda: NOW)


def test_feedback_counts_once_per_person_per_answer(tmp_path: Path) -> None:
    s = store(tmp_path)
    assert s.record_feedback(1, "dosage", True)
    assert not s.record_feedback(1, "dosage", False)
    assert s.record_feedback(2, "dosage", False)
    stats = s.stats()
    assert [(f.entry_id, f.helpful, f.not_helpful) for f in stats.feedback] == [("dosage", 1, 1)]


def test_database_survives_reopen_and_is_owner_only(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.seen_user(7)
    s.count("answer")
    s.record_unanswered("  Vitamin   D dosage ")
    s.conn.close()
    again = store(tmp_path)
    stats = again.stats()
    assert stats.users == 1 and stats.counters == {"answer": 1}
    assert stats.unanswered == [("vitamin d dosage", 1)]
    assert ((tmp_path / "sub" / "db.sqlite3").stat().st_mode & 0o777) == 0o600
    assert migrate(again.conn) == len(MIGRATIONS)  # already current: nothing to do


def test_forget_user_removes_their_feedback(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.seen_user(1)
    s.record_feedback(1, "sleep", True)
    forget_person(s.conn, 1)
    assert s.stats().users == 0 and s.stats().feedback == []


def test_unsure_answers_and_choices_are_kept_for_authors_without_ids(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.record_unsure("is it legit for cramps", "answer: effectiveness (score 63)")
    s.record_unsure("is it legit for cramps", "answer: effectiveness (score 63)")
    s.record_unsure("food and water", "clarify: take-with-food, hydration")
    assert s.top_unsure() == [
        ("is it legit for cramps", "answer: effectiveness (score 63)", 2),
        ("food and water", "clarify: take-with-food, hydration", 1),
    ]
    columns = {row[1] for row in s.conn.execute("PRAGMA table_info(unsure)")}
    assert "user_id" not in columns


def test_kept_questions_carry_no_contact_details_or_names(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.record_unanswered(
        "Hi my name is Priya, mail priya@example.com or @priya_k, call +44 7700 900123, "
        "see https://example.com/x - is 400 mg ok?"
    )
    ((question, _),) = s.top_unanswered()
    for secret in ("priya", "example.com", "7700", "900123"):
        assert secret not in question
    assert "400 mg" in question
    assert "my name is <name>" in question
