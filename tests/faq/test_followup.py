"""Follow-ups read against the last topic, as a conversation would go."""

from __future__ import annotations

import pytest

from bot.faq.engine import Engine
from bot.faq.followup import LastTopics
from bot.faq.reply import Kind, Reply


class Chat:
    """One chat: the engine plus the memory an adapter keeps."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.topics = LastTopics(ttl=600)
        self.now = 0.0

    def say(self, text: str) -> Reply:
        reply = self.engine.reply(text, None, self.topics.get(1, self.now))
        if reply.kind is Kind.ANSWER and reply.entry_id:
            self.topics.remember(1, reply.entry_id, self.now)
        return reply


@pytest.mark.parametrize(
    ("first", "then", "expected"),
    [
        ("should I take it with meals?", "what if I don't?", "take-with-food"),
        ("does it help with sleep", "and at night?", "sleep"),
        ("what are the side effects", "how much of it?", "dosage"),
        ("does it relax muscles", "is that safe?", "safety"),
    ],
)
def test_elliptical_follow_ups_continue_the_topic(
    engine: Engine, first: str, then: str, expected: str
) -> None:
    chat = Chat(engine)
    assert chat.say(first).kind is Kind.ANSWER
    reply = chat.say(then)
    assert (reply.kind, reply.entry_id) == (Kind.ANSWER, expected)


def test_and_for_my_kids_gets_the_honest_children_reply(engine: Engine) -> None:
    chat = Chat(engine)
    assert chat.say("how much should I take").entry_id == "dosage"
    reply = chat.say("and for my kids?")
    assert reply.kind is Kind.NOT_COVERED and reply.topic == "children"
    assert "200-400" not in reply.text


def test_without_a_previous_topic_a_follow_up_is_not_guessed(engine: Engine) -> None:
    assert engine.reply("what if I don't?").kind is Kind.FALLBACK


def test_the_topic_is_forgotten_after_ten_minutes(engine: Engine) -> None:
    chat = Chat(engine)
    chat.say("should I take it with meals?")
    chat.now += 601
    assert chat.say("what if I don't?").kind is Kind.FALLBACK


def test_context_picks_among_choices_but_never_overrules_them(engine: Engine) -> None:
    chat = Chat(engine)
    chat.say("what does magnesium do in the body")
    reply = chat.say("food and water")
    assert reply.kind is Kind.CLARIFY
    assert set(reply.alternatives) == {"take-with-food", "hydration"}


def test_a_full_question_is_answered_on_its_own(engine: Engine) -> None:
    chat = Chat(engine)
    chat.say("does it help with sleep")
    assert chat.say("what are the side effects").entry_id == "side-effects"


def test_memory_is_bounded_and_forgets_on_request() -> None:
    topics = LastTopics(ttl=600, capacity=3)
    for chat in range(5):
        topics.remember(chat, "dosage", 0.0)
    assert len(topics) == 3
    assert topics.get(0, 1.0) is None and topics.get(4, 1.0) == "dosage"
    topics.forget(4)
    assert topics.get(4, 1.0) is None


def test_an_unrelated_question_after_an_answer_is_not_read_as_a_follow_up(engine: Engine) -> None:
    chat = Chat(engine)
    chat.say("how much should I take")
    assert chat.say("what about the weather").kind is not Kind.ANSWER
    assert chat.say("recommend a film").kind is not Kind.ANSWER
