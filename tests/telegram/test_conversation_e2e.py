"""A first conversation, end to end: the real bot process against the fake Bot API.

Short replies with one caveat line, follow-ups, honest misses and the topics
the article does not cover, as a person on a phone sees them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fake_telegram import Call, FakeTelegram
from tests.harness import TOKEN, BotProcess, User, bot_serving, labels, new_user, serving

CAVEAT = "General information, not medical advice."


def shown(call: Call) -> str:
    """The message as the person reads it: Telegram renders the HTML tags away."""
    return re.sub(r"<[^>]+>", "", str(call.params["text"])).replace("&amp;", "&")


@pytest.fixture(scope="module")
def tg() -> Iterator[FakeTelegram]:
    yield from serving()


@pytest.fixture(scope="module")
def bot(tg: FakeTelegram, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    yield from bot_serving(tg, tmp_path_factory.mktemp("bot"), {})


def ask(person: User, text: str, **extra: object) -> Call:
    person.send(text, **extra)
    return person.reply()


def test_replies_are_short_and_end_with_one_caveat_line(tg: FakeTelegram, bot: BotProcess) -> None:
    ann = new_user(tg)
    thanks = shown(ask(ann, "thanks!"))
    assert len(thanks) <= 200, thanks
    assert thanks.count(CAVEAT) == 1
    assert "kidney problems" in thanks and "medications" in thanks
    answer = shown(ask(ann, "how much should I take?"))
    assert len(answer) <= 400, answer
    assert answer.endswith("ask a healthcare provider before taking it.")


def test_follow_ups_continue_the_last_topic(tg: FakeTelegram, bot: BotProcess) -> None:
    ben = new_user(tg)
    assert "meal" in shown(ask(ben, "should I take it with meals?"))
    again = shown(ask(ben, "what if I don't?"))
    assert again.startswith("Should I take magnesium glycinate with food?")
    kids = shown(ask(ben, "and for my kids?"))
    assert "paediatrician" in kids and "200-400" not in kids
    assert ben.nothing_more()


def test_a_miss_is_short_with_three_topic_buttons(tg: FakeTelegram, bot: BotProcess) -> None:
    cat = new_user(tg)
    miss = ask(cat, "can you recommend a good film?")
    text = shown(miss)
    assert text.startswith("Sorry") and len(text) <= 300, text
    topics = labels(miss)
    assert 1 <= len(topics) <= 3
    assert not any(topic in text for topic in topics)  # buttons, not a list repeated


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("what's the best brand?", "brands"),
        ("is it ok when pregnant", "midwife"),
        ("can I give some to my dog", "vet"),
        ("citrate or glycinate?", "citrate"),
        ("how long until it works?", "doesn't say how long"),
    ],
)
def test_topics_the_article_does_not_cover_are_said_honestly(
    tg: FakeTelegram, bot: BotProcess, question: str, says: str
) -> None:
    dee = new_user(tg)
    reply = ask(dee, question)
    text = shown(reply)
    assert says in text and CAVEAT in text
    assert "200-400" not in text
    assert not any("How much" in label for label in labels(reply))


def test_a_message_in_german_is_told_in_german(tg: FakeTelegram, bot: BotProcess) -> None:
    eva = new_user(tg)
    text = shown(ask(eva, "Wie viel Magnesium soll ich jeden Tag nehmen?"))
    assert "Englisch" in text and "112" in text


def test_not_helpful_asks_what_was_missing_for_the_authors(tmp_path: Path) -> None:
    server = FakeTelegram(TOKEN).start()
    process = BotProcess(server, tmp_path, {})
    try:
        process.start()
        fay = new_user(server)
        answer = ask(fay, "how much should I take?")
        fay.press("Not helpful", on=answer)
        assert "What were you looking for?" in shown(fay.reply())
        retry = shown(ask(fay, "a dose for someone who weighs 50 kg"))
        assert "200-400 mg" in retry
    finally:
        assert process.stop() == 0, process.log()
        server.stop()
    result = run_cli("unanswered", env={"DATABASE_PATH": str(tmp_path / "bot.sqlite3")})
    assert "a dose for someone who weighs 50 kg  ->  not helpful: dosage" in result.stdout
    assert str(fay.user_id) not in result.stdout
