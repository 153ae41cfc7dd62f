"""The console chat reads like the Telegram one: numbers pick, /topics lists, follow-ups work."""

from __future__ import annotations

import io

from bot.console import ConsoleChat, chat
from bot.faq.engine import Engine


def test_a_typed_number_picks_a_did_you_mean_choice(engine: Engine) -> None:
    console = ConsoleChat(engine)
    offer = console.answer("food and water")
    assert "1. Should I take magnesium glycinate with food?" in offer
    assert "2. Do I need to drink more water?" in offer
    assert console.answer("2").startswith("Do I need to drink more water?")


def test_topics_are_listed_and_picked_by_number(engine: Engine) -> None:
    console = ConsoleChat(engine)
    listing = console.answer("/topics")
    assert "10. How much magnesium glycinate should I take?" in listing
    assert "200-400 mg" in console.answer("10")


def test_related_questions_can_be_opened_by_number(engine: Engine) -> None:
    console = ConsoleChat(engine)
    answer = console.answer("how much should I take")
    assert "1. How should I start taking magnesium glycinate?" in answer
    assert console.answer("1").startswith("How should I start taking magnesium glycinate?")


def test_a_number_with_nothing_offered_is_a_question(engine: Engine) -> None:
    assert "Sorry" in ConsoleChat(engine).answer("7")


def test_reminder_commands_point_to_telegram(engine: Engine) -> None:
    console = ConsoleChat(engine)
    assert "Telegram" in console.answer("/remind 21:30")
    assert "Telegram" in console.answer("/history")


def test_follow_ups_in_the_console(engine: Engine) -> None:
    out = io.StringIO()
    chat(engine, io.StringIO("should I take it with meals?\nwhat if I don't?\n"), out)
    replies = out.getvalue().split("bot> ")[1:]
    assert all(r.startswith("Should I take magnesium glycinate with food?") for r in replies)
