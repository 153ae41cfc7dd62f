"""Replies that read well on a phone: one short caveat line, short answers and misses."""

from __future__ import annotations

import re
import statistics

import pytest

from bot.faq.content import Content
from bot.faq.engine import Engine
from bot.faq.lint import lint
from bot.faq.reply import Kind
from bot.telegram.render import html_parts


def shown(html: list[str]) -> str:
    """What the person reads in Telegram: the message text without tags."""
    return re.sub(r"<[^>]+>", "", "\n\n".join(html))


def test_the_caveat_line_is_short_and_says_what_it_must(content: Content) -> None:
    line = " ".join(content.caveats)
    assert len(line) <= 160
    for must in ("kidney problems", "medications", "not medical advice"):
        assert must in line


@pytest.mark.parametrize("message", ["hi", "thanks", "bye", "help"])
def test_small_talk_stays_under_200_characters_with_the_caveat(
    engine: Engine, message: str
) -> None:
    reply = engine.reply(message)
    assert reply.kind is Kind.SMALLTALK
    text = shown(html_parts(reply))
    assert len(text) <= 200, text
    assert "kidney problems" in text and "medications" in text


def test_the_median_answer_is_at_most_400_characters(engine: Engine, content: Content) -> None:
    lengths = [len(shown(html_parts(engine.answer_entry(e.id)))) for e in content.entries]
    assert statistics.median(lengths) <= 400, sorted(lengths)


def test_a_miss_is_short_with_three_buttons_and_no_text_list(semantic_engine: Engine) -> None:
    reply = semantic_engine.reply("can you recommend a good film")
    assert reply.kind is Kind.FALLBACK
    text = shown(html_parts(reply))
    assert len(text) <= 300, text
    assert 1 <= len(reply.choices) <= 3
    assert not any(c.question in text for c in reply.choices)


def test_no_answer_restates_the_caveat_line(content: Content, engine: Engine) -> None:
    assert not [i for i in lint(content, engine) if "restates the caveat" in i.message]
    for entry_id in ("kidney-problems", "medications"):
        text = shown(html_parts(engine.answer_entry(entry_id)))
        assert text.count("healthcare provider") == 1  # the caveat line, once
