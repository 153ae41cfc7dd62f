"""The bot outside one chat, in process: profile, deep links, sharing, inline mode, /reload.

Each test is what a person (or an admin) sees: the profile texts Telegram
shows, the answer a t.me link opens, the results `@bot side effects`
offers in any chat, and the answers after the FAQ file changed on disk.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.faq.content import Content, load_content
from bot.faq.engine import Engine
from bot.faq.texts import UiTexts, text_fields
from bot.telegram import surface
from bot.telegram.inline import CACHE_SECONDS, MAX_RESULTS
from tests.conftest import ROOT, write_faq
from tests.fake_telegram import BOT_USERNAME
from tests.telegram.inprocess import OfflineBot, Sent, offline_bot

ADMIN = 4245
DOSAGE = "How much magnesium glycinate should I take?"
SIDE_EFFECTS = "What are the side effects of magnesium glycinate?"
OLD_DOSAGE = "The article says 200-400 mg a day is the amount commonly recommended,"
NEW_DOSAGE = "REVISED: the article says 200-400 mg a day is commonly recommended,"


@pytest.fixture
async def bot(engine: Engine, tmp_path: Path) -> AsyncIterator[OfflineBot]:
    async with offline_bot(engine, tmp_path, admins=frozenset({ADMIN})) as running:
        yield running
        assert not running.api.unknown, "the bot called Bot API methods the fake cannot answer"
        assert not running.errors, running.errors


def share_queries(sent: Sent) -> list[str]:
    """The inline queries the message's share buttons start."""
    rows = (sent.markup or {}).get("inline_keyboard", [])
    return [b["switch_inline_query"] for row in rows for b in row if "switch_inline_query" in b]


def caveat_line(engine: Engine) -> str:
    """The caveat line every reply closes with, from the engine's content."""
    return engine.answer_entry(engine.content.popular[0]).caveat_block()


# -- the profile --------------------------------------------------------------------


async def test_start_up_publishes_the_menu_and_the_content_profile(
    bot: OfflineBot, content: Content
) -> None:
    await surface.publish(bot.app.bot, content)
    (description,) = bot.api.calls_of("setMyDescription")
    (short,) = bot.api.calls_of("setMyShortDescription")
    assert description.params["description"] == content.ui.description
    assert short.params["short_description"] == content.ui.short_description
    (menu,) = bot.api.calls_of("setMyCommands")
    commands = {c["command"]: c["description"] for c in menu.params["commands"]}
    assert commands == content.commands
    assert "reload" not in commands and "stats" not in commands  # admins' commands stay hidden


def test_the_content_profile_fits_telegram_limits(content: Content) -> None:
    limited = {name: spec.limit for name, spec in text_fields(UiTexts) if spec.limit}
    assert limited == {"description": 512, "short_description": 120}
    for name, limit in limited.items():
        assert 0 < len(getattr(content.ui, name)) <= limit, name
    assert "kidney problems" in content.ui.description
    assert "medications" in content.ui.description


def test_an_over_long_profile_text_is_cut_not_refused(content: Content) -> None:
    ui = dataclasses.replace(content.ui, short_description="word " * 40)
    cut = surface.profile_text(ui, "short_description")
    assert len(cut) <= 120 and cut.endswith("…")


async def test_a_refused_profile_update_does_not_stop_the_bot(
    bot: OfflineBot, content: Content
) -> None:
    bot.api.fail("setMyDescription", 400, "Bad Request: description is too long")
    await surface.publish(bot.app.bot, content)
    assert len(bot.api.calls_of("setMyShortDescription")) == 1  # the rest still went out
    ann = bot.person()
    assert (await ann.ask("/start")).text.startswith(content.ui.welcome[:30])


# -- deep links ---------------------------------------------------------------------


async def test_a_deep_link_opens_that_answer_with_its_buttons(
    bot: OfflineBot, content: Content
) -> None:
    ann = bot.person()
    answer = await ann.ask("/start dosage")
    assert answer.text.startswith(DOSAGE)
    assert "200-400 mg" in answer.text
    assert "kidney problems" in answer.text and "medications" in answer.text
    assert content.ui.welcome[:30] not in answer.text
    assert share_queries(answer) == [DOSAGE]
    assert any("Helpful" in label for label in answer.labels)


@pytest.mark.parametrize(
    "payload",
    [
        "nonsense",
        "../../x",
        "x" * 70,
        "dosage-" + "y" * 63,
        "DOSAGE",
        "dosage extra",
        "dosage%00",
        "--",
    ],
)
async def test_any_other_payload_gets_the_welcome(
    bot: OfflineBot, content: Content, payload: str
) -> None:
    ann = bot.person()
    welcome = await ann.ask(f"/start {payload}")
    assert welcome.text.startswith(content.ui.welcome[:30])
    assert DOSAGE in welcome.labels


async def test_a_deep_link_to_every_entry_opens_it(bot: OfflineBot, content: Content) -> None:
    ann = bot.person()
    for entry in content.entries:
        answer = await ann.ask(f"/start {entry.id}")
        assert answer.text.startswith(entry.question), entry.id


# -- sharing ------------------------------------------------------------------------


async def test_every_answer_can_be_shared_even_after_a_vote(bot: OfflineBot) -> None:
    ann = bot.person()
    answer = await ann.ask("how much should I take")
    assert share_queries(answer) == [DOSAGE]
    await ann.press("Helpful", on=answer)
    assert share_queries(bot.shown(answer)) == [DOSAGE]  # the vote row went, sharing stays
    fallback = await bot.person().ask("can you recommend a good film?")
    assert share_queries(fallback) == []  # nothing to share but answers


async def test_sharing_offers_that_answer_first(bot: OfflineBot, content: Content) -> None:
    """The share button types the question after @bot: its answer must lead the results."""
    ann = bot.person()
    for entry in content.entries:
        offered = await ann.inline(entry.question)
        assert offered.articles[0].id == entry.id, entry.id


# -- inline mode --------------------------------------------------------------------


async def test_an_inline_query_offers_matching_answers_with_the_caveat(
    bot: OfflineBot, content: Content, engine: Engine
) -> None:
    ann = bot.person()
    offered = await ann.inline("side effects")
    assert 1 <= len(offered.articles) <= MAX_RESULTS
    first = offered.articles[0]
    assert first.title == SIDE_EFFECTS
    assert first.description.endswith("…")
    assert content.entry("side-effects").answer.startswith(first.description[:-1])
    assert offered.cache_time == CACHE_SECONDS and offered.is_personal is False
    for article in offered.articles:
        assert article.text.startswith(article.title)
        assert article.text.endswith(caveat_line(engine))
        assert "kidney problems" in article.text and "medications" in article.text
        ((label, url),) = article.buttons
        assert label == content.ui.open_in_bot
        assert url == f"https://t.me/{BOT_USERNAME}?start={article.id}"
    assert offered.button is not None and offered.button["start_parameter"] == "inline"


async def test_the_private_chat_button_of_inline_mode_leads_to_the_welcome(
    bot: OfflineBot, content: Content
) -> None:
    ann = bot.person()
    offered = await ann.inline("side effects")
    assert offered.button is not None
    welcome = await ann.ask(f"/start {offered.button['start_parameter']}")
    assert welcome.text.startswith(content.ui.welcome[:30])


async def test_an_empty_inline_query_offers_the_popular_topics(
    bot: OfflineBot, content: Content
) -> None:
    offered = await bot.person().inline("   ")
    assert [a.id for a in offered.articles] == list(content.popular)[:MAX_RESULTS]
    assert offered.titles[0] == DOSAGE


async def test_a_vague_inline_query_offers_at_most_five(bot: OfflineBot) -> None:
    offered = await bot.person().inline("how much")
    assert 2 <= len(offered.articles) <= MAX_RESULTS
    assert offered.titles[0] == DOSAGE


async def test_an_unrelated_inline_query_offers_nothing_but_the_private_chat(
    bot: OfflineBot,
) -> None:
    offered = await bot.person().inline("pizza recipe")
    assert offered.articles == []
    assert offered.button is not None


@pytest.mark.parametrize(
    "query", ["I swallowed the whole bottle", "my lips and throat are swelling up"]
)
async def test_an_emergency_inline_query_offers_only_the_urgent_reply(
    bot: OfflineBot, content: Content, engine: Engine, query: str
) -> None:
    offered = await bot.person().inline(query)
    (urgent,) = offered.articles
    assert urgent.title == content.ui.inline_urgent_title
    category = engine.assess(query).category
    assert category is not None
    assert urgent.text.startswith(content.triage.replies[category])
    assert "mg" not in urgent.text.split()  # never an amount
    assert urgent.buttons == ()


async def test_inline_queries_are_not_counted_as_messages(
    bot: OfflineBot, content: Content
) -> None:
    """One query per keystroke: typing a long question must not trip the flood gate."""
    ann = bot.person()
    typed = "what are the side effects of magnesium glycinate"
    for n in range(1, len(typed) + 1):
        await ann.inline(typed[:n])
    assert (await ann.ask("side effects")).text.startswith(SIDE_EFFECTS)
    assert content.ui.slow_down not in [s.text for s in ann.replies()]


# -- /reload ------------------------------------------------------------------------


@pytest.fixture
def faq_file(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    return write_faq(folder, (ROOT / "content" / "faq.yaml").read_text(encoding="utf-8"))


@pytest.fixture
async def own_bot(faq_file: Path, tmp_path: Path) -> AsyncIterator[OfflineBot]:
    """A bot over its own copy of the FAQ file, which the test edits."""
    engine = Engine(load_content(faq_file))
    async with offline_bot(engine, tmp_path, admins=frozenset({ADMIN})) as running:
        yield running
        assert not running.api.unknown
        assert not running.errors, running.errors


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


async def test_an_admin_reload_serves_the_new_answers(own_bot: OfflineBot, faq_file: Path) -> None:
    ann = own_bot.person()
    assert "commonly recommended" in (await ann.ask("how much should I take")).text
    edit(faq_file, OLD_DOSAGE, NEW_DOSAGE)
    edit(faq_file, 'short_description: "', 'short_description: "Revised. ')
    assert "REVISED" not in (await ann.ask("how much should I take")).text  # not before /reload
    admin = own_bot.person(ADMIN)
    done = await admin.ask("/reload")
    entries = len(own_bot.services.engine.content.entries)
    assert done.text == own_bot.services.engine.content.ui.reload_done.format(entries=entries)
    assert "REVISED" in (await ann.ask("how much should I take")).text
    assert "REVISED" in (await ann.ask("/start dosage")).text
    offered = await ann.inline("how much should I take")
    assert "REVISED" in offered.articles[0].text
    short = own_bot.api.calls_of("setMyShortDescription")[-1].params["short_description"]
    assert short.startswith("Revised.")  # the profile follows the content


async def test_reload_reads_the_caveats_anew_for_inline_answers(
    own_bot: OfflineBot, faq_file: Path
) -> None:
    content = own_bot.services.engine.content
    first = content.caveats[0]
    edit(faq_file, first, "Fresh caveat. " + first)
    await own_bot.person(ADMIN).ask("/reload")
    offered = await own_bot.person().inline("side effects")
    assert "Fresh caveat." in offered.articles[0].text
    assert offered.articles[0].text.endswith(caveat_line(own_bot.services.engine))


async def test_a_broken_file_keeps_the_old_answers_and_names_its_line(
    own_bot: OfflineBot, faq_file: Path
) -> None:
    before = own_bot.services.engine
    edit(faq_file, OLD_DOSAGE, NEW_DOSAGE)
    lines = faq_file.read_text(encoding="utf-8").splitlines()
    line = lines.index(f'    question: "{DOSAGE}"') + 1
    edit(faq_file, f'question: "{DOSAGE}"', 'question: ""')
    told = await own_bot.person(ADMIN).ask("/reload")
    assert f"{faq_file}:{line}: entries[" in told.text
    assert ".question: must not be empty" in told.text
    assert told.text.startswith(before.content.ui.reload_failed.split("{")[0])
    assert own_bot.services.engine is before
    answer = await own_bot.person().ask("how much should I take")
    assert "commonly recommended" in answer.text and "REVISED" not in answer.text


async def test_invalid_yaml_is_reported_too(own_bot: OfflineBot, faq_file: Path) -> None:
    edit(faq_file, "popular: [", "popular: [[")
    told = await own_bot.person(ADMIN).ask("/reload")
    assert f"{faq_file}:" in told.text and "invalid YAML" in told.text
    assert "Traceback" not in told.text


async def test_a_non_admin_reload_is_refused(own_bot: OfflineBot, faq_file: Path) -> None:
    edit(faq_file, OLD_DOSAGE, NEW_DOSAGE)
    ann = own_bot.person()
    refused = await ann.ask("/reload")
    assert refused.text == own_bot.services.engine.content.ui.admin_only
    assert "REVISED" not in (await ann.ask("how much should I take")).text


async def test_reload_swaps_the_reminder_texts_too(own_bot: OfflineBot, faq_file: Path) -> None:
    before = own_bot.services.engine.content.reminders.list_empty
    edit(faq_file, before, "REVISED: no reminders yet.")
    ann = own_bot.person()
    assert (await ann.ask("/reminders")).text == before
    await own_bot.person(ADMIN).ask("/reload")
    assert (await ann.ask("/reminders")).text == "REVISED: no reminders yet."


def _buttons(sent: Sent) -> list[dict[str, Any]]:
    return [b for row in (sent.markup or {}).get("inline_keyboard", []) for b in row]


async def test_share_and_question_buttons_sit_on_their_own_rows(bot: OfflineBot) -> None:
    """On a phone: one wide button a row, the two votes side by side."""
    answer = await bot.person().ask("how much should I take")
    rows = (answer.markup or {}).get("inline_keyboard", [])
    assert all(len(row) == 1 for row in rows[:-1]) and len(rows[-1]) == 2
    assert len(_buttons(answer)) == sum(len(row) for row in rows)
