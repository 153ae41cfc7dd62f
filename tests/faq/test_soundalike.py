"""The product's name as voice dictation hears it, read back as the name."""

from __future__ import annotations

import pytest

from bot.faq.reply import Kind
from bot.faq.soundalike import SoundAlikes, skeleton
from tests.conftest import Conversation

NAMES = SoundAlikes(["magnesium", "glycinate", "glycine"])


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        ("is magnesium glide in eight safe", "is magnesium glycinate safe"),
        ("magnesium glisten eight for cramps", "magnesium glycinate for cramps"),
        ("how much glass in eight a day", "how much glycinate a day"),
        ("magnet see um glide sonate", "magnesium glycinate"),
        ("mag nee see um glycinate", "magnesium glycinate"),
    ],
)
def test_dictated_pieces_become_the_name(heard: str, meant: str) -> None:
    assert " ".join(NAMES.merge(heard.split())) == meant


@pytest.mark.parametrize(
    "words",
    [
        "can i take it with a glass at night",
        "a glass of water with it",
        "glad i ate before taking it",
        "gluten free diet and magnesium glycinate",
        "glass and a plate",
    ],
)
def test_ordinary_words_stay_as_they_are(words: str) -> None:
    assert NAMES.merge(words.split()) == words.split()


def test_the_skeleton_keeps_the_consonants_as_heard() -> None:
    assert skeleton("glycinate") == "glsnt"
    assert skeleton("glideineight") == "gldnt"


def test_a_dictated_question_is_answered(chat: Conversation) -> None:
    reply = chat.say("what is magnesium glide in eight")
    assert reply.kind is Kind.ANSWER and reply.entry_id == "what-is-magnesium-glycinate"
