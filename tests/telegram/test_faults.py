"""When Telegram misbehaves: 429, 500, timeouts, 403, 400, bad tokens, shutdown."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fake_telegram import FakeTelegram
from tests.harness import TOKEN, BotProcess, new_user

ADMIN = 4243


@pytest.fixture
def bot(tg: FakeTelegram, tmp_path: Path) -> Iterator[BotProcess]:
    env = {"HTTP_TIMEOUT_SECONDS": "1", "ADMIN_CHAT_IDS": str(ADMIN)}
    process = BotProcess(tg, tmp_path, env).start()
    yield process
    if process.proc and process.proc.poll() is None:
        assert process.stop() == 0, process.log()


def text(call: object) -> str:
    return str(call.params["text"])  # type: ignore[attr-defined]


def test_429_is_waited_out(tg: FakeTelegram, bot: BotProcess) -> None:
    ann = new_user(tg)
    tg.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    ann.send("how much should i take")
    first, second = tg.wait_for("sendMessage", 2, chat_id=ann.chat_id)
    assert second.at - first.at >= 0.9
    assert "200-400 mg" in text(second)


def test_500_is_retried_and_other_users_still_served(tg: FakeTelegram, bot: BotProcess) -> None:
    ann, bob = new_user(tg), new_user(tg)
    tg.fail("sendMessage", 500, "Internal Server Error", times=2)
    ann.send("any side effects")
    calls = tg.wait_for("sendMessage", 3, chat_id=ann.chat_id)
    assert "diarrhea" in text(calls[-1])
    bob.send("is it safe")
    assert "safe" in text(bob.reply())


def test_slow_response_times_out_and_is_retried(tg: FakeTelegram, bot: BotProcess) -> None:
    ann, bob = new_user(tg), new_user(tg)
    tg.fail("sendMessage", 200, "", delay=3.0)  # slower than the 1 s timeout
    ann.send("what is magnesium glycinate")
    tg.wait_for("sendMessage", 1, chat_id=ann.chat_id)  # Ann's answer is stuck in flight
    bob.send("any side effects")
    bob_reply = bob.reply(timeout=5)
    assert "diarrhea" in text(bob_reply)
    ann_calls = tg.wait_for("sendMessage", 2, chat_id=ann.chat_id, timeout=15)
    assert bob_reply.at < ann_calls[1].at  # Bob was not kept waiting behind Ann
    assert "glycine" in text(ann_calls[-1])


def test_an_api_slower_than_the_timeout_shows_an_answer_at_most_twice(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    ann = new_user(tg)
    tg.fail("sendMessage", 200, "", delay=2.0, times=10)  # every send accepted, each too late
    ann.send("what is magnesium glycinate")
    first, second = ann.receive(2, timeout=15)
    assert "glycine" in text(first) and "glycine" in text(second)
    assert ann.nothing_more(period=4.0)  # the timeout of the repeat is not repeated again


def test_blocked_user_does_not_stop_the_bot(tg: FakeTelegram, bot: BotProcess) -> None:
    gone, eve = new_user(tg), new_user(tg)
    tg.blocked_chats.add(gone.chat_id)
    gone.send("how much should i take")
    tg.wait_for("sendMessage", 1, chat_id=gone.chat_id)
    eve.send("how much should i take")
    assert "200-400 mg" in text(eve.reply())
    assert len(tg.calls_of("sendMessage", chat_id=gone.chat_id)) == 1  # 403 is not retried
    assert "blocked the bot" in bot.log()


def test_bad_request_is_logged_and_the_bot_goes_on(tg: FakeTelegram, bot: BotProcess) -> None:
    ann = new_user(tg)
    tg.fail("sendMessage", 400, "Bad Request: can't parse entities")
    ann.send("is it safe")
    tg.wait_for("sendMessage", 1, chat_id=ann.chat_id)
    ann.seen = 1
    ann.send("any side effects")
    assert "diarrhea" in text(ann.reply())
    assert "can't parse entities" in bot.log().lower()
    report = tg.wait_for("sendMessage", 1, chat_id=ADMIN)[0]
    assert report.params["parse_mode"] == "HTML"
    assert "Bot error" in report.params["text"]
    assert TOKEN not in report.params["text"]


def test_getupdates_errors_are_survived(tg: FakeTelegram, bot: BotProcess) -> None:
    tg.fail("getUpdates", 502, "Bad Gateway", times=2)
    ann = new_user(tg)
    ann.send("hydration")
    assert "water" in text(ann.reply(timeout=20))
    assert bot.log().count("getUpdates failed (NetworkError") == 1  # one line, no traceback
    assert "Traceback" not in bot.log()


def _problems(log: str) -> list[str]:
    return [
        line
        for line in log.splitlines()
        if " WARNING " in line or " ERROR " in line or " CRITICAL " in line or "Traceback" in line
    ]


@pytest.mark.parametrize("status", [401, 404])
def test_token_revoked_mid_run_exits_non_zero(
    tg: FakeTelegram, bot: BotProcess, status: int
) -> None:
    ann = new_user(tg)
    ann.send("is it safe")
    assert "safe" in text(ann.reply())
    before = _problems(bot.log())
    tg.fail("getUpdates", status, "Unauthorized" if status == 401 else "Not Found", times=1000)
    tg.release_polls()
    start = time.monotonic()
    assert bot.proc is not None
    assert bot.proc.wait(10) == 1
    assert time.monotonic() - start < 5
    new = _problems(bot.log())[len(before) :]
    assert len(new) == 1 and f"Telegram answered {status}" in new[0], new
    assert "revoked" in new[0] and TOKEN not in bot.log()


def test_conflict_is_one_line_and_polling_goes_on(tg: FakeTelegram, bot: BotProcess) -> None:
    tg.fail("getUpdates", 409, "Conflict: terminated by other getUpdates request", times=4)
    tg.release_polls()
    bot.wait_for_log("409 Conflict on getUpdates")
    ann = new_user(tg)
    ann.send("hydration")
    assert "water" in text(ann.reply(timeout=30))  # after 1 + 1.5 + 2.25 + 3.4 s of backoff
    log = bot.log()
    assert log.count("409 Conflict on getUpdates") == 1 and "Traceback" not in log


def test_sigterm_finishes_work_in_hand_and_loses_nothing(tg: FakeTelegram, bot: BotProcess) -> None:
    ann = new_user(tg)
    tg.fail("sendMessage", 200, "", delay=0.5)
    ann.send("how much should i take")
    tg.wait_for("sendMessage", 1, chat_id=ann.chat_id)  # the answer is in flight (0.5 s)
    assert bot.stop(signal.SIGTERM) == 0
    assert "200-400 mg" in text(ann.reply())
    # Restarted, the bot does not answer the same update twice: one chat's
    # updates are handled in order, so a repeat would come before this answer.
    bot.start()
    ann.send("any side effects")
    assert "diarrhea" in text(ann.reply())
    assert ann.nothing_more()


def _run(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("run", env={"DATABASE_PATH": str(tmp_path / "db.sqlite3"), **env})


def test_revoked_token_is_one_clear_line(tg: FakeTelegram, tmp_path: Path) -> None:
    wrong = "987654321:AAWrongTokenWrongTokenWrongTokenXYZ"
    result = _run({"TELEGRAM_BOT_TOKEN": wrong, "TELEGRAM_API_BASE_URL": tg.base_url}, tmp_path)
    assert result.returncode == 1
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert wrong not in result.stderr + result.stdout


def test_malformed_token_is_one_clear_line(tmp_path: Path) -> None:
    result = _run({"TELEGRAM_BOT_TOKEN": "not-a-token"}, tmp_path)
    assert result.returncode == 2
    assert "does not look like a bot token" in result.stderr
    assert "not-a-token" not in result.stderr
    assert "Traceback" not in result.stderr


def test_unreadable_clock_file_is_one_clear_line(tmp_path: Path) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "CLOCK_FILE": str(tmp_path / "missing.txt")}
    result = _run(env, tmp_path)
    assert result.returncode == 2
    assert "CLOCK_FILE" in result.stderr and "Traceback" not in result.stderr


def test_webhook_without_secret_refuses_to_start(tmp_path: Path) -> None:
    result = _run({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://example.org/tg"}, tmp_path)
    assert result.returncode == 2
    assert "WEBHOOK_SECRET is required" in result.stderr
