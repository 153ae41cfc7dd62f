"""The real bot over real HTTP against the fake Bot API: what a person sees."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fake_telegram import FakeTelegram
from tests.harness import (
    BOT_USERNAME,
    TOKEN,
    BotProcess,
    buttons,
    group_user,
    new_user,
)

ADMIN = 4242


@pytest.fixture(scope="module")
def tg() -> Iterator[FakeTelegram]:
    server = FakeTelegram(TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def bot(tg: FakeTelegram, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    process = BotProcess(tg, tmp_path_factory.mktemp("bot"), {"ADMIN_CHAT_IDS": str(ADMIN)})
    process.start()
    yield process
    assert process.stop() == 0, process.log()


def text(call: object) -> str:
    return str(call.params["text"])  # type: ignore[attr-defined]


def test_start_publishes_commands_and_welcomes(tg: FakeTelegram, bot: BotProcess) -> None:
    commands = tg.calls_of("setMyCommands")[0].params["commands"]
    assert {c["command"] for c in commands} >= {"start", "help", "topics", "dose"}
    ann = new_user(tg)
    ann.send("/start")
    welcome = ann.reply()
    assert "not medical advice" in text(welcome)
    assert "kidney problems" in text(welcome) and "medications" in text(welcome)
    labels = [label for label, _ in buttons(welcome)]
    assert "How much magnesium glycinate should I take?" in labels
    assert any("side effects" in label for label in labels)
    assert any("kidney" in label for label in labels)
    assert any("medications" in label for label in labels)
    assert any("reminder" in label.lower() for label in labels)
    assert welcome.params["parse_mode"] == "HTML"


def test_a_conversation(tg: FakeTelegram, bot: BotProcess) -> None:
    ann = new_user(tg)
    ann.send("how much shld i take??")
    answer = ann.reply()
    assert "200-400 mg" in text(answer)
    assert "kidney problems" in text(answer)
    data = [d for _, d in buttons(answer)]
    assert data[:3] == ["a:start-slowly", "a:take-with-food", "a:consult-professional"]
    assert data[3:] == ["f:dosage:1", "f:dosage:0"]
    assert all(len(d.encode()) <= 64 for d in data)

    ann.press("a:take-with-food", on=answer)
    tg.wait_for("answerCallbackQuery", count=1)
    food = ann.reply()
    assert "meal" in text(food)

    ann.press("f:take-with-food:1", on=food)
    acks = tg.wait_for("answerCallbackQuery", count=2)
    assert acks[-1].params["text"] == "Thanks for your feedback!"
    edit = tg.wait_for("editMessageReplyMarkup", count=1)[-1]
    assert "f:" not in str(edit.params.get("reply_markup"))
    ann.press("f:take-with-food:0", on=food)
    again = tg.wait_for("answerCallbackQuery", count=3)[-1]
    assert "already" in again.params["text"]

    ann.send("food and water")
    clarify = ann.reply()
    assert "Did you mean" in text(clarify)
    assert [d for _, d in buttons(clarify)] == ["a:take-with-food", "a:hydration"]

    ann.send("is <b>creatine</b> safe & good?")
    fallback = ann.reply()
    assert "Sorry" in text(fallback)
    assert "medications" in text(fallback)


def test_help_topics_and_dose(tg: FakeTelegram, bot: BotProcess) -> None:
    bob = new_user(tg)
    bob.send("/help")
    assert "/topics" in text(bob.reply())
    bob.send("/topics")
    topics = bob.reply()
    rows = topics.params["reply_markup"]["inline_keyboard"]
    assert len(rows) <= 9  # a page, not a 20-row wall
    assert rows[-1][-1]["callback_data"] == "t:1"
    bob.press("t:1", on=topics)
    edit = tg.wait_for("editMessageText", count=1)[-1]
    assert "t:0" in str(edit.params["reply_markup"])
    bob.send("/dose")
    assert "200-400 mg" in text(bob.reply())


def test_sticker_edited_message_and_groups(tg: FakeTelegram, bot: BotProcess) -> None:
    cat = new_user(tg)
    cat.send_sticker()
    assert "only read text" in text(cat.reply())
    cat.edit("any side effects?")
    assert "diarrhea" in text(cat.reply())

    member = group_user(tg, -100555)
    member.send("how much should I take?")
    assert member.nothing_more(1.5)
    member.send(
        f"@{BOT_USERNAME} how much should I take?",
        entities=[{"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}],
    )
    assert "200-400 mg" in text(member.reply())
    member.send("/dose@" + BOT_USERNAME)
    assert "200-400 mg" in text(member.reply())


def test_emergency_gets_the_urgent_reply(tg: FakeTelegram, bot: BotProcess) -> None:
    dan = new_user(tg)
    dan.send("I have chest pain and my heart is racing")
    reply = text(dan.reply())
    assert reply.startswith("This sounds like it could be an emergency")


def test_flooding_person_is_told_to_slow_down_others_still_served(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    flood = new_user(tg)
    for i in range(25):
        flood.send(f"how much should i take {i}")
    got = flood.receive(21, timeout=20)
    assert sum("slow down" in text(c) for c in got) == 1
    assert flood.nothing_more(1.0)
    eve = new_user(tg)
    eve.send("is it safe")
    assert "generally considered safe" in text(eve.reply())


def test_stats_for_admins_only(tg: FakeTelegram, bot: BotProcess) -> None:
    nosy = new_user(tg)
    nosy.send("/stats")
    assert "only for the bot's admins" in text(nosy.reply())
    from tests.harness import User

    admin = User(tg, ADMIN)
    admin.send("/stats")
    stats = text(admin.reply())
    assert "Users:" in stats and "fallback" in stats
    assert "take-with-food: 1 / 0" in stats
    assert "is &lt;b&gt;creatine&lt;/b&gt; safe &amp; good?" in stats


def test_unanswered_command_lists_what_the_bot_could_not_answer(bot: BotProcess) -> None:
    result = run_cli("unanswered", env={"DATABASE_PATH": str(bot.workdir / "bot.sqlite3")})
    assert result.returncode == 0
    assert "1 x is <b>creatine</b> safe & good?" in result.stdout
    assert str(ADMIN) not in result.stdout


def test_token_never_in_logs(bot: BotProcess) -> None:
    log = bot.log()
    assert "DEBUG" in log  # the most verbose level was on
    assert TOKEN not in log
    assert TOKEN.split(":")[1] not in log


def test_database_is_owner_only(bot: BotProcess) -> None:
    mode = (Path(bot.workdir) / "bot.sqlite3").stat().st_mode & 0o777
    assert mode == 0o600
