"""What /forget and the question tables leave behind: nothing personal, nothing old."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import SettingsError, load_settings
from bot.reminders.store import ReminderStore
from bot.storage.db import forget_person, open_database
from bot.storage.stats import StatsStore, scrub

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOTE = "zebra-lantern-4711 with breakfast"


def test_forget_leaves_no_copy_of_a_note_in_the_database_or_its_log(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    store = ReminderStore(open_database(db))
    store.add(42, time(8, 0), ZoneInfo("Europe/Berlin"), NOTE, NOW)
    store.add(7, time(9, 0), ZoneInfo("UTC"), "someone else's", NOW)
    store.forget(42)
    wal = Path(f"{db}-wal")
    if wal.exists():
        assert NOTE.encode() not in wal.read_bytes()
    assert NOTE.encode() not in db.read_bytes()
    assert [r.user_id for r in store.of_user(7)] == [7]  # others keep theirs


def test_forget_reaches_unreadable_updates_kept_as_raw_json(tmp_path: Path) -> None:
    conn = open_database(tmp_path / "bot.sqlite3")
    for update_id, user in ((1, 42), (2, 7)):
        raw = json.dumps({"update_id": update_id, "message": {"from": {"id": user}, "date": "x"}})
        conn.execute(
            "INSERT INTO dead_letters(update_id, at, error, raw) VALUES (?, 'now', 'E', ?)",
            (update_id, raw),
        )
    forget_person(conn, 42)
    assert [r[0] for r in conn.execute("SELECT update_id FROM dead_letters")] == [2]


def test_secure_delete_is_on(tmp_path: Path) -> None:
    conn = open_database(tmp_path / "bot.sqlite3")
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("My name is Anna Smith, is 400 mg ok?", "my name is <name>, is 400 mg ok?"),
        ("I'm called bob. dose?", "i'm called <name>. dose?"),
        ("This is Anna, can I take it", "this is <name>, can i take it"),
        ("this is normal?", "this is normal?"),
        ("text me on +49 (170) 123-4567", "text me on <number>"),
        ("call 0170 1234567 please", "call <number> please"),
        ("born 12/05/1980, safe?", "born <number>, safe?"),
        ("is 200-400 mg ok", "is 200-400 mg ok"),
        ("write anna.smith@example.org", "write <email>"),
        ("ask @anna_s about it", "ask <handle> about it"),
        ("see t.me/somebody or shop.example.ru/x", "see <link> or <link>"),
        ("Thanks, Jane Doe", "thanks, <name>"),
        ("zzqx\udc00 flurb\x07", "zzqx flurb"),
    ],
)
def test_scrub_keeps_no_personal_details(question: str, kept: str) -> None:
    assert scrub(question) == kept


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def rows(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(r[0]) for r in conn.execute(f"SELECT question FROM {table} ORDER BY question")]


def test_old_questions_expire_when_recording_and_when_reporting(tmp_path: Path) -> None:
    clock = Clock(NOW)
    stats = StatsStore(open_database(tmp_path / "bot.sqlite3"), clock=clock, retention_days=90)
    stats.record_unanswered("recommend a film")
    stats.record_unsure("food and water", "clarify")
    clock.now = NOW + timedelta(days=60)
    stats.record_unanswered("vitamin d")
    clock.now = NOW + timedelta(days=91)
    stats.record_unanswered("zinc")  # recording expires the 91-day-old ones
    assert rows(stats.conn, "unanswered") == ["vitamin d", "zinc"]
    assert rows(stats.conn, "unsure") == []
    clock.now = NOW + timedelta(days=151)
    assert stats.top_unanswered() == [("zinc", 1)]  # reporting expires too
    assert rows(stats.conn, "unanswered") == ["zinc"]


def test_a_read_only_report_reads_old_questions_without_writing(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    StatsStore(open_database(db), clock=lambda: NOW).record_unanswered("recommend a film")
    before = db.read_bytes()
    later = NOW + timedelta(days=100)
    report = StatsStore(open_database(db, read_only=True), clock=lambda: later)
    assert report.top_unanswered() == [("recommend a film", 1)]
    assert db.read_bytes() == before


def test_retention_setting_defaults_and_validation() -> None:
    assert load_settings(env={}).unanswered_retention_days == 90
    assert load_settings(env={"UNANSWERED_RETENTION_DAYS": "30"}).unanswered_retention_days == 30
    with pytest.raises(SettingsError, match="UNANSWERED_RETENTION_DAYS must be at least 1"):
        load_settings(env={"UNANSWERED_RETENTION_DAYS": "0"})
    with pytest.raises(SettingsError, match="UNANSWERED_RETENTION_DAYS must be a whole number"):
        load_settings(env={"UNANSWERED_RETENTION_DAYS": "forever"})
