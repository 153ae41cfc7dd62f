"""The command line, run as a person runs it: `python -m bot ...` in a subprocess."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.faq.semantic import load_known, text_key
from bot.storage.db import MIGRATIONS, migrate
from tests.conftest import DATA, ROOT, write_faq
from tests.conftest import run_cli as run
from tests.fake_telegram import FakeTelegram
from tests.harness import TOKEN, BotProcess


def test_ask_prints_the_reply_with_caveats() -> None:
    result = run("ask", "how much should I take?")
    assert result.returncode == 0
    assert "200-400 mg" in result.stdout
    assert "kidney problems" in result.stdout and "medications" in result.stdout


def test_ask_json_has_every_field() -> None:
    result = run("ask", "--json", "can i take 1000 mg?")
    data = json.loads(result.stdout)
    assert set(data) == {
        "kind",
        "id",
        "score",
        "alternatives",
        "related",
        "triage",
        "topic",
        "text",
    }
    assert data["kind"] == "answer"
    assert data["id"] == "dosage"
    assert 0 <= data["score"] <= 100
    assert data["related"] == ["start-slowly", "take-with-food", "consult-professional"]
    assert "above the 200-400 mg" in data["text"]
    assert data["triage"] is None
    urgent = json.loads(run("ask", "--json", "my lips are swelling up after the tablet").stdout)
    assert (urgent["kind"], urgent["triage"]) == ("urgent", "allergic")


def test_ask_json_reads_one_question_per_line_from_stdin() -> None:
    result = run("ask", "--json", "-", stdin="hi\nvitamin d dosage\nfood and water\nchest pain\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["kind"] for d in lines] == ["smalltalk", "not_covered", "clarify", "urgent"]
    assert lines[1]["topic"] == "other-substance"
    assert lines[2]["alternatives"] == ["take-with-food", "hydration"]
    assert lines[1]["id"] is None


def test_chat_works_from_a_pipe_and_stops_at_quit() -> None:
    result = run("chat", stdin="hello\nany side effects?\n/quit\nnever read\n")
    assert result.returncode == 0
    assert "Hello!" in result.stdout
    assert "diarrhea" in result.stdout
    assert result.stdout.count("bot>") == 2


def test_chat_ends_at_end_of_input() -> None:
    result = run("chat", stdin="is it safe\n")
    assert result.returncode == 0
    assert "generally considered safe" in result.stdout


def test_run_without_token_explains_and_starts_the_console() -> None:
    result = run("run", stdin="how much should i take\n", env={"TELEGRAM_BOT_TOKEN": ""})
    assert result.returncode == 0
    assert "No TELEGRAM_BOT_TOKEN is set" in result.stderr
    assert "@BotFather" in result.stderr
    assert "200-400 mg" in result.stdout


def test_check_passes_on_the_real_content() -> None:
    result = run("check")
    assert result.returncode == 0, result.stdout
    assert "OK" in result.stdout


def test_check_reports_phrasings_that_reach_another_entry(tmp_path: Path) -> None:
    text = (ROOT / "content" / "faq.yaml").read_text(encoding="utf-8")
    bad = text.replace("      - what is glycine\n", "      - any side effects\n", 1)
    path = write_faq(tmp_path, bad)
    result = run("--faq", str(path), "check")
    assert result.returncode == 1
    line = bad[: bad.index("      - any side effects\n")].count("\n") + 1
    assert f"{path}:{line}: entries[0].phrasings" in result.stdout
    assert "side-effects" in result.stdout.splitlines()[0]


def test_bad_content_refuses_to_start_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text("version: 1\nentries: [\n", encoding="utf-8")
    for args in (("run",), ("ask", "hi"), ("check",)):
        result = run("--faq", str(path), *args)
        assert result.returncode == 2
        assert result.stderr.startswith(f"error: {path}:")
        assert "Traceback" not in result.stderr
    env_result = run("run", env={"FAQ_PATH": str(path)})
    assert env_result.returncode == 2 and str(path) in env_result.stderr


def test_eval_prints_accuracy_rejection_and_misses() -> None:
    result = run("eval", str(DATA / "questions.yaml"))
    assert result.returncode == 0
    assert "in-scope top-1 accuracy:" in result.stdout
    assert "out-of-scope rejection:" in result.stdout


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a person sees on stderr: `error: ...`, never a traceback."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_faq_option_works_before_or_after_the_subcommand(tmp_path: Path) -> None:
    path = write_faq(tmp_path, (ROOT / "content" / "faq.yaml").read_text(encoding="utf-8"))
    for args in (("--faq", str(path), "check"), ("check", "--faq", str(path))):
        result = run(*args)
        assert result.returncode == 0
        assert result.stdout.startswith(f"{path}: OK")


def test_eval_without_labelled_questions_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("in_scope: {}\nout_of_scope: []\n", encoding="utf-8")
    result = run("eval", str(empty))
    assert result.returncode == 2
    assert "no labelled questions" in error_line(result)
    assert "100.0%" not in result.stdout


@pytest.mark.parametrize("problem", ["folder", "text file", "missing folder"])
def test_run_refuses_a_database_path_it_cannot_use_before_connecting(
    tmp_path: Path, tg: FakeTelegram, problem: str
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")
    path = {
        "folder": tmp_path,
        "text file": notes,
        "missing folder": tmp_path / "typo" / "magbot.sqlite3",
    }[problem]
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": tg.base_url}
    result = run("run", env={**env, "DATABASE_PATH": str(path)})
    assert result.returncode == 2
    assert error_line(result).startswith(f"error: DATABASE_PATH: {path}")
    assert tg.calls_of("getMe") == []  # checked before the network
    assert notes.read_text() == "not a database\n"
    assert not (tmp_path / "typo").exists()


def test_only_the_default_data_folder_is_created(tmp_path: Path, tg: FakeTelegram) -> None:
    tg.fail("getMe", 401, "Unauthorized")  # stop right after the database is opened
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": tg.base_url,
        "FAQ_PATH": str(ROOT / "content" / "faq.yaml"),
    }
    result = run("run", env=env, cwd=tmp_path)
    assert result.returncode == 1 and "rejected TELEGRAM_BOT_TOKEN" in error_line(result)
    assert (tmp_path / "data" / "magbot.sqlite3").is_file()


def test_unanswered_never_creates_or_changes_a_database(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite3"
    result = run("unanswered", env={"DATABASE_PATH": str(missing)})
    assert result.returncode == 0 and "No database" in result.stdout
    assert not missing.exists()

    old = tmp_path / "old.sqlite3"  # an older schema: a migration would change the file
    with closing(sqlite3.connect(old, isolation_level=None)) as conn:
        migrate(conn, MIGRATIONS[:1])
        conn.execute("INSERT INTO unanswered VALUES ('vitamin d dosage', 3, '2026-03-01')")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = run("unanswered", env={"DATABASE_PATH": str(old)})
    assert result.returncode == 0
    assert "vitamin d dosage" in result.stdout
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_unanswered_on_a_text_file_is_one_error_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")
    result = run("unanswered", env={"DATABASE_PATH": str(notes)})
    assert result.returncode == 2
    assert error_line(result) == f"error: DATABASE_PATH: {notes} is not an SQLite database"


def test_token_check_honours_http_timeout(tg: FakeTelegram, tmp_path: Path) -> None:
    tg.fail("getMe", 200, "", delay=4.0)  # within PTB's default 5 s, beyond the 1 s setting
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": tg.base_url,
        "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        "HTTP_TIMEOUT_SECONDS": "1",
    }
    result = run("run", env=env)
    assert result.returncode == 1
    assert error_line(result) == "error: cannot reach the Telegram Bot API: Timed out"


def test_unknown_log_level_is_one_error_line() -> None:
    result = run("ask", "hi", env={"LOG_LEVEL": "LOUD"})
    assert result.returncode == 2
    assert "LOG_LEVEL must be one of DEBUG, INFO, WARNING" in error_line(result)


def test_scheduler_ticks_stay_out_of_the_info_log(tg: FakeTelegram, tmp_path: Path) -> None:
    env = {"LOG_LEVEL": "INFO", "REMINDER_TICK_SECONDS": "0.1"}
    bot = BotProcess(tg, tmp_path, env).start()
    try:
        time.sleep(1.0)  # about ten reminder ticks
    finally:
        bot.stop()
    log = bot.log()
    assert "is up with" in log
    assert "Running job" not in log and "executed successfully" not in log


def test_embed_rewrites_the_shipped_vectors_embedding_only_what_changed(tmp_path: Path) -> None:
    original = (ROOT / "content" / "faq.yaml").read_text(encoding="utf-8")
    edited = original.replace('"What is magnesium glycinate?"', '"What is it?"', 1)
    assert edited != original
    path = write_faq(tmp_path, edited)
    before = (tmp_path / "faq-vectors.npz").stat().st_mtime_ns
    started = time.monotonic()
    result = run("--faq", str(path), "embed")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{tmp_path / 'faq-vectors.npz'}: vectors of ")
    assert time.monotonic() - started < 30  # one new text, not all of them
    assert (tmp_path / "faq-vectors.npz").stat().st_mtime_ns != before
    with np.load(tmp_path / "faq-vectors.npz") as saved:
        model_id = str(saved["model_id"])
    assert text_key("What is it?") in load_known(tmp_path / "faq-vectors.npz", model_id, 384)


def test_eval_triage_reports_each_part_and_category(tmp_path: Path) -> None:
    # A few messages per part: the whole file takes the model most of a minute.
    whole = yaml.safe_load((DATA / "triage.yaml").read_text(encoding="utf-8"))
    small = {
        part: {
            "emergencies": {c: ms[:2] for c, ms in whole[part]["emergencies"].items()},
            "negatives": whole[part]["negatives"][:5],
        }
        for part in ("development", "held_out")
    }
    path = tmp_path / "triage.yaml"
    path.write_text(yaml.safe_dump(small), encoding="utf-8")
    result = run("eval", "--triage", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("development: recall ")
    assert "\nheld_out: recall " in result.stdout and "self_harm" in result.stdout


def test_unanswered_lists_unsure_answers_and_choices(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from bot.storage.db import open_database
    from bot.storage.stats import StatsStore

    db = tmp_path / "bot.sqlite3"
    store = StatsStore(open_database(db), clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    store.record_unanswered("recommend a film")
    store.record_unsure("food and water", "clarify: take-with-food, hydration")
    store.conn.close()
    result = run("unanswered", env={"DATABASE_PATH": str(db)})
    assert "1 x recommend a film" in result.stdout
    assert "Answered unsurely or with a choice:" in result.stdout
    assert "food and water  ->  clarify: take-with-food, hydration" in result.stdout
