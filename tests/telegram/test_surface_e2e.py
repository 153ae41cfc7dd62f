"""The real bot process over HTTP: profile at start-up, deep links, inline mode, SIGHUP reload.

The read-only tests share one bot; the reload test runs a bot of its own
over its own copy of the FAQ file, which it edits.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.faq.content import Content
from tests.conftest import ROOT, write_faq
from tests.fake_telegram import Call, FakeTelegram
from tests.harness import BotProcess, User, bot_serving, labels, new_user, serving

ADMIN = 4246
DOSAGE = "How much magnesium glycinate should I take?"
SIDE_EFFECTS = "What are the side effects of magnesium glycinate?"
OLD_DOSAGE = "The article says 200-400 mg a day is the amount commonly recommended,"
NEW_DOSAGE = "REVISED: the article says 200-400 mg a day is commonly recommended,"


@pytest.fixture(scope="module")
def tg() -> Iterator[FakeTelegram]:
    yield from serving()


@pytest.fixture(scope="module")
def bot(tg: FakeTelegram, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    yield from bot_serving(tg, tmp_path_factory.mktemp("bot"), {"ADMIN_CHAT_IDS": str(ADMIN)})


def text(call: Call) -> str:
    return str(call.params["text"])


def share_queries(call: Call) -> list[str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["switch_inline_query"] for row in rows for b in row if "switch_inline_query" in b]


def results(call: Call) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = call.params.get("results") or []
    return found


def test_start_up_sets_the_profile_from_the_content(
    tg: FakeTelegram, bot: BotProcess, content: Content
) -> None:
    (description,) = tg.wait_for("setMyDescription", timeout=30)
    (short,) = tg.wait_for("setMyShortDescription", timeout=30)
    assert description.params["description"] == content.ui.description
    assert short.params["short_description"] == content.ui.short_description
    commands = tg.calls_of("setMyCommands")[0].params["commands"]
    assert {c["command"] for c in commands} == set(content.commands)


def test_a_deep_link_opens_the_answer(tg: FakeTelegram, bot: BotProcess) -> None:
    ann = new_user(tg)
    ann.send("/start dosage")
    answer = ann.reply()
    assert DOSAGE in text(answer) and "200-400 mg" in text(answer)
    assert "kidney problems" in text(answer) and "medications" in text(answer)
    assert share_queries(answer) == [DOSAGE]
    assert any("Helpful" in label for label in labels(answer))


@pytest.mark.parametrize("payload", ["nonsense", "../../x", "a" * 70])
def test_a_bad_deep_link_gets_the_welcome(
    tg: FakeTelegram, bot: BotProcess, content: Content, payload: str
) -> None:
    ann = new_user(tg)
    ann.send(f"/start {payload}")
    welcome = ann.reply()
    assert content.ui.welcome[:30] in text(welcome)
    assert DOSAGE in labels(welcome)
    assert "Traceback" not in bot.log()


def test_an_inline_query_offers_answers_with_the_caveat(tg: FakeTelegram, bot: BotProcess) -> None:
    ann = new_user(tg)
    offered = ann.offered(ann.inline("side effects"))
    articles = results(offered)
    assert 1 <= len(articles) <= 5
    assert articles[0]["title"] == SIDE_EFFECTS
    for article in articles:
        sent = article["input_message_content"]["message_text"]
        assert "kidney problems" in sent and "medications" in sent
    assert str(offered.params["cache_time"]) == "300"
    assert str(offered.params["is_personal"]).lower() == "false"


def test_an_empty_inline_query_offers_the_popular_topics(
    tg: FakeTelegram, bot: BotProcess, content: Content
) -> None:
    ann = new_user(tg)
    articles = results(ann.offered(ann.inline("")))
    assert [a["id"] for a in articles] == list(content.popular)


# -- reloading content ------------------------------------------------------------------


def edit(path: Path, old: str, new: str) -> None:
    body = path.read_text(encoding="utf-8")
    assert old in body
    path.write_text(body.replace(old, new, 1), encoding="utf-8")


def ask_dosage(person: User) -> str:
    person.send("how much should I take")
    return text(person.reply())


@pytest.fixture
def own_tg() -> Iterator[FakeTelegram]:
    """A server of its own: the module's bot must not take this test's updates."""
    yield from serving()


def test_sighup_and_reload_swap_the_content_and_keep_a_broken_file_out(
    own_tg: FakeTelegram, tmp_path: Path
) -> None:
    tg = own_tg
    folder = tmp_path / "content"
    folder.mkdir()
    faq = write_faq(folder, (ROOT / "content" / "faq.yaml").read_text(encoding="utf-8"))
    env = {"ADMIN_CHAT_IDS": str(ADMIN), "FAQ_PATH": str(faq)}
    process = BotProcess(tg, tmp_path, env).start()
    try:
        ann = new_user(tg)
        assert "commonly recommended" in ask_dosage(ann)

        edit(faq, OLD_DOSAGE, NEW_DOSAGE)
        assert process.proc is not None
        process.proc.send_signal(signal.SIGHUP)
        process.wait_for_log("Content reloaded from", timeout=30)
        assert "REVISED" in ask_dosage(ann)

        line = faq.read_text(encoding="utf-8").splitlines().index(f'    question: "{DOSAGE}"') + 1
        edit(faq, f'question: "{DOSAGE}"', 'question: ""')
        process.proc.send_signal(signal.SIGHUP)
        process.wait_for_log("Content not reloaded", timeout=30)
        assert f"{faq}:{line}: entries[" in process.log()
        assert "REVISED" in ask_dosage(ann)  # the running version stays

        admin = User(tg, ADMIN)
        admin.send("/reload")
        told = text(admin.reply(timeout=30))
        assert f"{faq}:{line}: entries[" in told and "must not be empty" in told

        ann.send("/reload")
        assert "only for the bot's admins" in text(ann.reply())

        edit(faq, 'question: ""', f'question: "{DOSAGE}"')
        admin.send("/reload")
        assert "reloaded" in text(admin.reply(timeout=30))
        assert "REVISED" in ask_dosage(ann)
        assert "Traceback" not in process.log()
    finally:
        assert process.stop() == 0, process.log()
