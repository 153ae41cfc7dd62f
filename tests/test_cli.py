"""The command line, run as a person runs it: `python -m bot ...` in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import DATA, ROOT, write_faq
from tests.conftest import run_cli as run


def test_ask_prints_the_reply_with_caveats() -> None:
    result = run("ask", "how much should I take?")
    assert result.returncode == 0
    assert "200-400 mg" in result.stdout
    assert "kidney problems" in result.stdout and "medications" in result.stdout


def test_ask_json_has_every_field() -> None:
    result = run("ask", "--json", "can i take 1000 mg?")
    data = json.loads(result.stdout)
    assert set(data) == {"kind", "id", "score", "alternatives", "related", "text"}
    assert data["kind"] == "answer"
    assert data["id"] == "dosage"
    assert 0 <= data["score"] <= 100
    assert data["related"] == ["start-slowly", "take-with-food", "consult-professional"]
    assert "above the 200-400 mg" in data["text"]


def test_ask_json_reads_one_question_per_line_from_stdin() -> None:
    result = run("ask", "--json", "-", stdin="hi\nvitamin d dosage\nfood and water\nchest pain\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["kind"] for d in lines] == ["smalltalk", "fallback", "clarify", "urgent"]
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
