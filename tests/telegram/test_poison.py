"""Updates the bot cannot read are set aside; odd text is cleaned; everyone is still served."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.telegram.clean import clean_json, may_need_cleaning
from tests.fake_telegram import Call, FakeTelegram
from tests.harness import BotProcess, message, new_user

SECRET = "my-private-words-42"  # what the person wrote: never in the log


@pytest.fixture
def bot(tg: FakeTelegram, tmp_path: Path) -> Iterator[BotProcess]:
    process = BotProcess(tg, tmp_path).start()
    yield process
    if process.proc and process.proc.poll() is None:
        assert process.stop() == 0, process.log()


def text(call: Call) -> str:
    return str(call.params["text"])


def test_every_unsafe_character_is_spotted_in_the_body_and_cleaned() -> None:
    unsafe = [*range(0xD800, 0xE000, 0x7F), 0xDFFF, *range(0x00, 0x09), *range(0x0B, 0x20)]
    unsafe += list(range(0x7F, 0xA0))
    for code in unsafe:
        value = {"text": f"a{chr(code)}b", "n": [f"{chr(code)}"]}
        assert clean_json(value) == {"text": "ab", "n": [""]}, hex(code)
        assert may_need_cleaning(json.dumps(value).encode()), hex(code)
        if not 0xD800 <= code <= 0xDFFF:  # a lone surrogate cannot be UTF-8
            assert may_need_cleaning(json.dumps(value, ensure_ascii=False).encode()), hex(code)
    fine = {"text": "Grüße 😀 line\nbreak\ttab", "n": 5}
    assert clean_json(fine) == fine
    assert not may_need_cleaning(json.dumps(fine, ensure_ascii=False).encode())


def test_poison_updates_are_kept_aside_and_the_next_message_is_answered(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    ann, bob = new_user(tg), new_user(tg)
    ann.send("is it safe")
    assert "safe" in text(ann.reply())
    before = len(bot.log())
    no_poll_id = tg.push_raw(
        {"poll_answer": {"user": {"id": bob.user_id, "is_bot": False, "first_name": "B"}}}
    )
    string_date = tg.push_raw({"message": message(bob.user_id, SECRET, date="yesterday")})
    ann.send("any side effects")
    assert "diarrhea" in text(ann.reply())
    bob.send("how much should i take")
    assert "200-400 mg" in text(bob.reply())

    rows = bot.query("SELECT update_id, error, raw, at FROM dead_letters ORDER BY update_id")
    assert [(r[0], r[1]) for r in rows] == [(no_poll_id, "TypeError"), (string_date, "TypeError")]
    assert SECRET in rows[1][2] and all(r[3] for r in rows)
    log = bot.log()
    grown = len(log) - before
    assert grown < 20_000, grown  # a few lines, not megabytes
    assert SECRET not in log and "CRITICAL" not in log and "Traceback" not in log
    for update_id in (no_poll_id, string_date):
        assert log.count(f"Update {update_id} cannot be parsed (TypeError)") == 1


def test_a_poison_update_alone_is_confirmed_and_polling_stays_calm(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    poison = tg.push_raw({"message": {"message_id": 1, "date": 10**30, "chat": "x"}})
    bot.wait_for_log(f"Update {poison} cannot be parsed")
    # Nothing after it to move the offset: the next poll confirms it by itself.
    tg.wait_for("getUpdates", 1, offset=poison + 1)
    polls = len(tg.calls_of("getUpdates"))
    time.sleep(1.0)
    assert len(tg.calls_of("getUpdates")) - polls <= 2  # long polls, no busy loop
    ann = new_user(tg)
    ann.send("hydration")
    assert "water" in text(ann.reply())
    assert bot.query("SELECT update_id FROM dead_letters") == [(poison,)]
    assert bot.log().count("cannot be parsed") == 1  # set aside once, never fetched again


def test_lone_surrogates_and_control_characters_are_cleaned(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    ann = new_user(tg)
    ann.send("how much\ud800 should i\x07 take\udfff")
    assert "200-400 mg" in text(ann.reply())
    ann.send("/timezone berlin")
    assert "Europe/Berlin" in text(ann.reply())
    ann.send("/remind 21:30 with\x00 din\ud83dner\x1b")
    confirm = text(ann.reply())
    assert "Daily reminder set" in confirm and "with dinner" in confirm
    ann.send("\ud83d\x00")  # nothing readable is left
    ann.reply()
    ann.send("zzqx\udc00 flurb")  # not understood: stored among unanswered questions
    ann.reply()
    ann.answer_to(ann.press_data("a:\ud800"))  # a forged button: acknowledged silently
    ann.offered(ann.inline("dose\ud800"))
    assert ann.nothing_more()

    assert bot.query("SELECT note FROM reminders") == [("with dinner",)]
    tables = [r[0] for r in bot.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:  # every value reads back as UTF-8 text
        for row in bot.query(f"SELECT * FROM {table}"):
            for value in row:
                if isinstance(value, str):
                    value.encode("utf-8")
                    assert not any(ord(c) < 32 and c not in "\t\n" for c in value), value
    assert "Traceback" not in bot.log()


@pytest.mark.parametrize(
    "line",
    [
        "/remind 99999999999999999999:00",
        "/remind ٠٨:٣٠",
        "/unremind 999999999999999999999999999",
        "/refill 100000000000000000000000000000",
        "/remind 08:00 " + "x" * 5000,
    ],
)
def test_huge_and_non_ascii_numbers_get_a_reply(
    tg: FakeTelegram, bot: BotProcess, line: str
) -> None:
    ann = new_user(tg)
    ann.send("/timezone berlin")
    ann.reply()
    ann.send(line)
    assert text(ann.reply())
    ann.answer_to(ann.press_data("k:99999999999999999999999999:20260101:t"))
    assert "Traceback" not in bot.log()
