"""The handlers in process: the real Application, an offline Bot API, no sockets, no sleeps.

Each test is a short chat: a person says something or taps a button, and the
test reads what their Telegram would show. `process_update` returns once the
update is handled, so "nothing more" is a fact, not a wait.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram.error import BadRequest, Forbidden

from bot.faq.engine import Engine
from tests.fake_telegram import BOT_ID, BOT_USERNAME
from tests.harness import TOKEN, find_button
from tests.telegram.inprocess import OfflineBot, offline_bot

ADMIN = 4244
DOSAGE = "How much magnesium glycinate should I take?"
START_SLOWLY = "How should I start taking magnesium glycinate?"
WITH_FOOD = "Should I take magnesium glycinate with food?"
SEE_A_DOCTOR = "Should I see a doctor before taking magnesium glycinate?"
UNRELATED = "can you recommend a <b>film</b> & a good book?"
DUE = datetime(2026, 3, 27, 20, 30, tzinfo=UTC)  # 21:30 in Berlin, the day the clock starts


@pytest.fixture
async def bot(engine: Engine, tmp_path: Path) -> AsyncIterator[OfflineBot]:
    async with offline_bot(engine, tmp_path, admins=frozenset({ADMIN})) as running:
        yield running
        assert not running.api.unknown, "the bot called Bot API methods the fake cannot answer"
        assert not running.errors, running.errors  # a test that provokes one takes it


async def test_start_shows_the_caveats_and_popular_topics(bot: OfflineBot) -> None:
    ann = bot.person()
    welcome = await ann.ask("/start")
    assert "not medical advice" in welcome.text
    assert "kidney problems" in welcome.text and "medications" in welcome.text
    assert DOSAGE in welcome.labels
    assert any("side effects" in label for label in welcome.labels)
    assert any("reminder" in label.lower() for label in welcome.labels)
    assert ann.nothing_more()


async def test_a_question_gets_the_answer_with_the_caveat(bot: OfflineBot) -> None:
    ann = bot.person()
    answer = await ann.ask("how much shld i take??")
    assert "200-400 mg" in answer.text
    assert "kidney problems" in answer.text and "medications" in answer.text
    assert answer.html is not None  # sent as HTML, and Telegram could parse it
    assert answer.labels[:3] == [START_SLOWLY, WITH_FOOD, SEE_A_DOCTOR]
    assert len(answer.labels) == 6
    assert "Share" in answer.labels[3]
    assert "Helpful" in answer.labels[4] and "Not helpful" in answer.labels[5]
    assert all(len(data.encode()) <= 64 for _, data in answer.buttons)
    assert ann.nothing_more()


async def test_a_question_button_answers_that_question(bot: OfflineBot) -> None:
    ann = bot.person()
    answer = await ann.ask("how much should i take")
    assert await ann.press(WITH_FOOD, on=answer) == ""  # answered, no toast
    food = ann.reply()
    assert "meal" in food.text
    assert food.labels[0] == START_SLOWLY  # its own related questions
    assert ann.nothing_more()


async def test_feedback_counts_once_and_its_buttons_go(bot: OfflineBot) -> None:
    ann = bot.person()
    answer = await ann.ask("how much should i take")
    assert await ann.press("Helpful", on=answer) == "Thanks for your feedback!"
    after_vote = bot.shown(answer).labels
    assert after_vote[:3] == [START_SLOWLY, WITH_FOOD, SEE_A_DOCTOR] and len(after_vote) == 4
    assert "Share" in after_vote[3]  # the vote row went, sharing stays
    # A second tap on the keyboard as it was (a slow client): thanked, not counted.
    again = await ann.press_data(find_button(answer.markup, "Not helpful"), on=answer)
    assert "already" in again
    assert ann.nothing_more()
    stats = await bot.person(ADMIN).ask("/stats")
    assert "dosage: 1 / 0" in stats.text


async def test_topics_page_forward_and_back(bot: OfflineBot) -> None:
    bob = bot.person()
    topics = await bob.ask("/topics")
    assert topics.markup is not None
    assert len(topics.markup["inline_keyboard"]) <= 9  # a page, not a 20-row wall
    first_page = topics.labels
    assert "More" in first_page[-1]
    await bob.press("More topics", on=topics)
    second_page = bot.shown(topics).labels
    assert second_page[0] not in first_page
    assert any("Back" in label for label in second_page)
    await bob.press("Back", on=topics)
    assert bot.shown(topics).labels == first_page
    assert bob.nothing_more()  # pages turn in place


async def test_help_and_dose(bot: OfflineBot) -> None:
    bob = bot.person()
    assert "/topics" in (await bob.ask("/help")).text
    dose = await bob.ask("/dose")
    assert "200-400 mg" in dose.text and "kidney problems" in dose.text


async def test_emergency_gets_the_urgent_reply(bot: OfflineBot) -> None:
    dan = bot.person()
    reply = await dan.ask("I have chest pain and my heart is racing")
    opening = " ".join(reply.text.split(". ")[:2])  # the urgent advice comes first
    assert "emergency number" in opening, reply.text


async def test_stats_are_for_admins_only(bot: OfflineBot) -> None:
    nosy = bot.person()
    assert "only for the bot's admins" in (await nosy.ask("/stats")).text
    ann = bot.person()
    await ann.ask("how much should i take")
    fallback = await ann.ask(UNRELATED)
    assert "Sorry" in fallback.text and "medications" in fallback.text
    stats = (await bot.person(ADMIN).ask("/stats")).text
    assert "Users: 1" in stats  # Ann; nosy and the admin asked nothing
    assert "answer 1" in stats and "fallback 1" in stats
    assert UNRELATED in stats  # shown as typed: escaped, not turned into bold


async def test_stickers_get_a_hint_and_edited_questions_are_answered_again(
    bot: OfflineBot,
) -> None:
    cat = bot.person()
    await cat.send_sticker()
    assert "only read text" in cat.reply().text
    await cat.edit("any side effects?")
    assert "diarrhea" in cat.reply().text


async def test_in_a_group_only_what_is_addressed_to_the_bot_is_answered(bot: OfflineBot) -> None:
    member = bot.group_member(-100555)
    await member.say("how much should I take?")
    await member.send_sticker()
    assert member.nothing_more()

    mention = f"@{BOT_USERNAME} how much should I take?"
    entity = {"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}
    answer = await member.ask(mention, entities=[entity])
    assert "200-400 mg" in answer.text
    bot_said = {
        "message_id": answer.message_id,
        "date": 0,
        "chat": member.chat,
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Magnesium FAQ"},
        "text": answer.text,
    }
    follow_up = await member.ask("any side effects?", reply_to_message=bot_said)
    assert "diarrhea" in follow_up.text
    assert "200-400 mg" in (await member.ask(f"/dose@{BOT_USERNAME}")).text
    assert "message me directly" in (await member.ask("/remind 21:30")).text
    assert member.nothing_more()


async def test_a_flooding_person_is_told_once_others_are_still_served(bot: OfflineBot) -> None:
    flood = bot.person()
    for i in range(25):
        await flood.say(f"how much should i take {i}")
    got = flood.replies()
    assert len(got) == 21
    assert ["slow down" in m.text for m in got] == [False] * 20 + [True]
    assert await flood.press(WITH_FOOD, on=got[0]) == ""  # the spinner stops, nothing else
    assert flood.nothing_more()

    eve = bot.person()
    assert "generally considered safe" in (await eve.ask("is it safe")).text
    bot.clock.advance(timedelta(seconds=61))
    assert "200-400 mg" in (await flood.ask("how much should i take")).text


async def test_old_or_forged_buttons_are_answered_and_change_nothing(bot: OfflineBot) -> None:
    ann = bot.person()
    welcome = await ann.ask("/start")
    for data in ("", "zz:top", "a:no-such-entry", "f:dosage:7", "t:x", "t:\u0661"):
        toast = await ann.press_data(data, on=welcome)
        assert "expired" in toast, data
    assert bot.shown(welcome) == welcome
    assert ann.nothing_more()


async def test_the_welcome_reminder_button_explains_reminders(bot: OfflineBot) -> None:
    ann = bot.person()
    welcome = await ann.ask("/start")
    await ann.press("Daily reminder", on=welcome)
    assert "/remind 21:30" in ann.reply().text


async def test_remind_through_the_handler_and_the_reminder_arrives(bot: OfflineBot) -> None:
    ann = bot.person()
    assert "Europe/Berlin" in (await ann.ask("/timezone berlin")).text
    confirm = await ann.ask("/remind 9:30 pm with dinner")  # "pm" is part of the time
    assert "21:30" in confirm.text and "Europe/Berlin" in confirm.text
    assert "with dinner" in confirm.text and "pm with dinner" not in confirm.text
    assert "21:30" in (await ann.ask("/reminders")).text

    await bot.deliver_reminders()
    assert ann.nothing_more()  # not before its time
    bot.clock.now = DUE
    await bot.deliver_reminders()
    reminder = ann.reply()
    assert "Time for your magnesium glycinate (21:30)" in reminder.text
    assert "with dinner" in reminder.text
    assert reminder.labels == ["✅ Taken", "⏰ Snooze 30 min", "Skip today"]
    await ann.press("Taken", on=reminder)
    assert "Marked as taken for today" in bot.shown(reminder).text
    await bot.deliver_reminders()
    assert ann.nothing_more()  # once a day
    assert "23 Mar  · · · · ✅ · ·" in (await ann.ask("/history")).text


async def test_a_reminder_to_someone_who_blocked_the_bot_waits_until_they_write(
    bot: OfflineBot,
) -> None:
    ann = bot.person()
    await ann.ask("/timezone UTC")
    await ann.ask("/remind 20:30")
    bot.api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    bot.clock.now = DUE
    assert (await bot.deliver_reminders()).blocked == 1
    bot.clock.now = DUE + timedelta(days=1)
    await bot.deliver_reminders()
    assert ann.nothing_more()  # paused: not tried again the next day
    sent = bot.api.calls_of("sendMessage", chat_id=ann.chat_id)
    assert len(sent) == 3  # zone set, reminder confirmed, the refused reminder
    listing = (await ann.ask("/reminders")).text  # writing again shows they are back
    assert "paused" not in listing and "next: tomorrow at 20:30" in listing


async def test_unremind_and_forget_with_buttons(bot: OfflineBot) -> None:
    ann = bot.person()
    await ann.ask("/timezone UTC")
    await ann.ask("/remind 8:00")
    await ann.ask("/remind 21:30")
    pick = await ann.ask("/unremind")
    assert pick.labels == ["08:00", "21:30", "Remove all"]
    await ann.press("08:00", on=pick)
    assert "Removed the 08:00 reminder" in bot.shown(pick).text
    confirm = await ann.ask("/forget")
    assert "Are you sure" in confirm.text
    await ann.press("No", on=confirm)
    assert "nothing was deleted" in bot.shown(confirm).text.lower()
    confirm = await ann.ask("/forget")
    await ann.press("Yes", on=confirm)
    assert "deleted everything" in bot.shown(confirm).text
    assert "no reminders" in (await ann.ask("/reminders")).text


async def test_a_refused_send_is_reported_to_admins_and_the_bot_goes_on(bot: OfflineBot) -> None:
    ann = bot.person()
    bot.api.fail("sendMessage", 400, "Bad Request: can't parse entities")
    await ann.say("is it safe")
    assert ann.nothing_more()
    (error,) = bot.errors
    assert isinstance(error, BadRequest) and "can't parse entities" in str(error).lower()
    bot.errors.clear()
    report = bot.person(ADMIN).reply()
    assert report.text.startswith("Bot error")
    assert report.html is not None and TOKEN not in report.html
    assert "diarrhea" in (await ann.ask("any side effects")).text


async def test_a_person_who_blocked_the_bot_is_not_reported(bot: OfflineBot) -> None:
    gone = bot.person()
    bot.api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await gone.say("how much should i take")
    (error,) = bot.errors
    assert isinstance(error, Forbidden)
    bot.errors.clear()
    assert bot.person(ADMIN).nothing_more()
    assert len(bot.api.calls_of("sendMessage", chat_id=gone.chat_id)) == 1  # not retried


async def test_a_follow_up_continues_the_last_topic_for_ten_minutes(bot: OfflineBot) -> None:
    ann = bot.person()
    await ann.ask("should I take it with meals?")
    again = await ann.ask("what if I don't?")
    assert "meal" in again.text  # the food answer, not "Sorry"
    bot.clock.advance(timedelta(minutes=11))
    assert "Sorry" in (await ann.ask("what if I don't?")).text


async def test_not_helpful_asks_what_was_missing_and_keeps_it_without_an_id(
    bot: OfflineBot,
) -> None:
    ann = bot.person()
    answer = await ann.ask("how much should i take")
    assert await ann.press("Not helpful", on=answer) == "Thanks for your feedback!"
    assert "What were you looking for?" in ann.reply().text
    retry = await ann.ask("what dose for my weight?")
    assert "200-400 mg" in retry.text  # tried again, as promised
    kept = bot.services.store.top_unsure()
    assert ("what dose for my weight?", "not helpful: dosage", 1) in kept
    columns = {row[1] for row in bot.services.store.conn.execute("PRAGMA table_info(unsure)")}
    assert "user_id" not in columns
    await ann.ask("how much should i take")  # only the one message after the 👎 is kept
    assert len(bot.services.store.top_unsure()) == len(kept)


async def test_a_burst_of_errors_sends_admins_a_few_reports_then_a_count(bot: OfflineBot) -> None:
    ann = bot.person()
    for _ in range(8):  # each answer refused; the reports themselves go through
        bot.api.fail("sendMessage", 400, "Bad Request: " + "&" * 600)
        await ann.say("is it safe")
    bot.errors.clear()
    admin = bot.person(ADMIN)
    reports = admin.replies()
    assert len(reports) == 3  # the rest of the minute's errors are counted, not sent
    for report in reports:
        assert report.html is not None and "&am<" not in report.html  # cut outside an entity
        assert report.text.startswith("Bot error")
    bot.clock.advance(timedelta(seconds=61))
    bot.api.fail("sendMessage", 400, "Bad Request: can't parse entities")
    await ann.say("is it safe")
    bot.errors.clear()
    (later,) = admin.replies()
    assert "5 more since the last report" in later.text
