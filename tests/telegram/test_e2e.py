"""The real bot over real HTTP against the fake Bot API: what a person sees.

Most tests share one bot (starting one costs about a second) and each brings
its own people, so none depends on another having run. The tests that count
(/stats, `unanswered`) get a bot and a database of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fake_telegram import Call, FakeTelegram
from tests.harness import (
    BOT_USERNAME,
    TOKEN,
    BotProcess,
    User,
    bot_serving,
    buttons,
    group_user,
    labels,
    new_user,
    serving,
)

ADMIN = 4242
DOSAGE = "How much magnesium glycinate should I take?"
START_SLOWLY = "How should I start taking magnesium glycinate?"
WITH_FOOD = "Should I take magnesium glycinate with food?"
SEE_A_DOCTOR = "Should I see a doctor before taking magnesium glycinate?"
HYDRATION = "Do I need to drink more water?"
UNRELATED = "can you recommend a <b>film</b> & a good book?"


@pytest.fixture(scope="module")
def tg() -> Iterator[FakeTelegram]:
    yield from serving()


@pytest.fixture(scope="module")
def bot(tg: FakeTelegram, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    yield from bot_serving(tg, tmp_path_factory.mktemp("bot"), {"ADMIN_CHAT_IDS": str(ADMIN)})


@pytest.fixture
def own_bot(tmp_path: Path) -> Iterator[BotProcess]:
    """A bot with a fake server and a database of its own, for tests that count."""
    server = FakeTelegram(TOKEN).start()
    process = BotProcess(server, tmp_path, {"ADMIN_CHAT_IDS": str(ADMIN)})
    try:
        process.start()
        yield process
        assert process.stop() == 0, process.log()
    finally:
        server.stop()


def text(call: Call) -> str:
    return str(call.params["text"])


def test_start_publishes_commands_and_welcomes(tg: FakeTelegram, bot: BotProcess) -> None:
    commands = tg.calls_of("setMyCommands")[0].params["commands"]
    assert {c["command"] for c in commands} >= {"start", "help", "topics", "dose"}
    ann = new_user(tg)
    ann.send("/start")
    welcome = ann.reply()
    assert "not medical advice" in text(welcome)
    assert "kidney problems" in text(welcome) and "medications" in text(welcome)
    shown = labels(welcome)
    assert DOSAGE in shown
    assert any("side effects" in label for label in shown)
    assert any("kidney" in label for label in shown)
    assert any("medications" in label for label in shown)
    assert any("reminder" in label.lower() for label in shown)
    assert welcome.params["parse_mode"] == "HTML"


def ask_rate_and_fail(ann: User) -> None:
    """Ann asks, follows a related question, rates it, and asks what the bot cannot answer."""
    ann.send("how much shld i take??")
    answer = ann.reply()
    assert "200-400 mg" in text(answer)
    assert "kidney problems" in text(answer)
    shown = labels(answer)
    assert shown[:3] == [START_SLOWLY, WITH_FOOD, SEE_A_DOCTOR]  # related questions
    assert len(shown) == 6 and "Share" in shown[3]
    assert "Helpful" in shown[4] and "Not helpful" in shown[5]
    assert all(len(data.encode()) <= 64 for _, data in buttons(answer))

    ann.answer_to(ann.press(WITH_FOOD, on=answer))
    food = ann.reply()
    assert "meal" in text(food)

    thanks = ann.answer_to(ann.press("Helpful", on=food))
    assert thanks.params["text"] == "Thanks for your feedback!"
    edit = ann.tg.wait_for("editMessageReplyMarkup", 1, chat_id=ann.chat_id)[-1]
    assert not any("helpful" in label.lower() for label in labels(edit))  # voted: row gone
    again = ann.answer_to(ann.press("Not helpful", on=food))  # a second tap, same message
    assert "already" in again.params["text"]

    ann.send(UNRELATED)
    fallback = ann.reply()
    assert "Sorry" in text(fallback)
    assert "medications" in text(fallback)


def test_a_conversation(tg: FakeTelegram, bot: BotProcess) -> None:
    ann = new_user(tg)
    ask_rate_and_fail(ann)
    ann.send("food and water")
    clarify = ann.reply()
    assert "Did you mean" in text(clarify)
    assert labels(clarify) == [WITH_FOOD, HYDRATION]


def test_help_topics_and_dose(tg: FakeTelegram, bot: BotProcess) -> None:
    bob = new_user(tg)
    bob.send("/help")
    assert "/topics" in text(bob.reply())
    bob.send("/topics")
    topics = bob.reply()
    rows = topics.params["reply_markup"]["inline_keyboard"]
    assert len(rows) <= 9  # a page, not a 20-row wall
    assert "More" in labels(topics)[-1]
    bob.answer_to(bob.press("More topics", on=topics))
    edit = tg.wait_for("editMessageText", 1, chat_id=bob.chat_id)[-1]
    assert any("Back" in label for label in labels(edit))
    assert labels(edit)[0] not in labels(topics)  # the next page, not the same one
    bob.send("/dose")
    assert "200-400 mg" in text(bob.reply())


def test_sticker_edited_message_and_groups(tg: FakeTelegram, bot: BotProcess) -> None:
    cat = new_user(tg)
    cat.send_sticker()
    assert "only read text" in text(cat.reply())
    cat.edit("any side effects?")
    assert "diarrhea" in text(cat.reply())

    member = group_user(tg, -100555)
    member.send("how much should I take?")  # not addressed to the bot
    # One chat's updates are handled in order: had the bot answered the line
    # above, that answer would come before the help.
    member.send("/help@" + BOT_USERNAME)
    assert "/topics" in text(member.reply())
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
    opening = " ".join(reply.split(". ")[:2])  # the urgent advice comes first
    assert "emergency number" in opening, reply


def test_flooding_person_is_told_to_slow_down_others_still_served(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    flood = new_user(tg)
    for i in range(25):
        flood.send(f"how much should i take {i}")
    got = flood.receive(21, timeout=20)
    assert sum("slow down" in text(c) for c in got) == 1
    assert flood.nothing_more()
    eve = new_user(tg)
    eve.send("is it safe")
    assert "generally considered safe" in text(eve.reply())


def test_stats_for_admins_only(own_bot: BotProcess) -> None:
    tg = own_bot.tg
    nosy = new_user(tg)
    nosy.send("/stats")
    assert "only for the bot's admins" in text(nosy.reply())
    ask_rate_and_fail(new_user(tg))

    admin = User(tg, ADMIN)
    admin.send("/stats")
    stats = text(admin.reply())
    assert "Users:" in stats and "fallback 1" in stats
    assert "take-with-food: 1 / 0" in stats
    assert "can you recommend a &lt;b&gt;film&lt;/b&gt; &amp; a good book?" in stats


def test_unanswered_command_lists_what_the_bot_could_not_answer(own_bot: BotProcess) -> None:
    admin = User(own_bot.tg, ADMIN)  # whoever asked, no user id is kept
    admin.send(UNRELATED)
    assert "Sorry" in text(admin.reply())
    db = own_bot.workdir / "bot.sqlite3"
    result = run_cli("unanswered", env={"DATABASE_PATH": str(db)})
    assert result.returncode == 0
    assert f"1 x {UNRELATED}" in result.stdout
    assert str(ADMIN) not in result.stdout


def test_token_never_in_logs(bot: BotProcess) -> None:
    log = bot.log()
    assert "DEBUG" in log  # the most verbose level was on
    assert TOKEN not in log
    assert TOKEN.split(":")[1] not in log


def test_database_is_owner_only(bot: BotProcess) -> None:
    mode = (Path(bot.workdir) / "bot.sqlite3").stat().st_mode & 0o777
    assert mode == 0o600
