"""Every reply is safe to send: caveats last, within Telegram's limit, valid HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.faq.engine import Engine
from bot.faq.reply import Choice, Kind, Reply
from bot.telegram.render import TELEGRAM_LIMIT, html_parts, split_blocks

ALLOWED_TAGS = {"b", "i"}


class _TagChecker(HTMLParser):
    """Rejects anything Telegram's HTML parser would refuse: unknown or unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, tag
        assert not attrs
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag

    def handle_entityref(self, name: str) -> None:
        assert name in {"lt", "gt", "amp"}, name

    def handle_charref(self, name: str) -> None:
        raise AssertionError(f"unexpected char ref {name}")


def assert_telegram_html(part: str) -> None:
    checker = _TagChecker()
    checker.feed(part)
    checker.close()
    assert not checker.stack
    # A bare '<' or '&' that is not one of our tags or entities would be rejected.
    stripped = re.sub(r"</?[bi]>|&(lt|gt|amp);", "", part)
    assert "<" not in stripped and ">" not in stripped and "&" not in stripped


def assert_safe(reply: Reply) -> None:
    text = reply.text
    assert len(text) <= TELEGRAM_LIMIT
    assert "kidney problems" in text and "medications" in text
    assert text.endswith(reply.caveats[-1])
    parts = html_parts(reply)
    assert parts
    for part in parts:
        assert len(part) <= TELEGRAM_LIMIT
        assert_telegram_html(part)
    assert "kidney problems" in parts[-1] and "medications" in parts[-1]


TEXTS = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=10_000),
    st.from_regex(r"<(b|i|a href=x|script)>[a-z &;<>]{0,40}</\1>", fullmatch=True),
    st.sampled_from(["🙂💊💪", "&amp; <b>bold</b>", "a" * 10_000, "\x00\n\t", "how much 🙂 mg"]),
)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_any_message_gets_a_safe_reply(engine: Engine, text: str) -> None:
    reply = engine.reply(text)
    # Random text is never a known question: it gets a reply that points elsewhere.
    assert reply.kind is not Kind.ANSWER or reply.entry_id is not None
    assert reply.body and all(b.strip() for b in reply.body)
    assert_safe(reply)


def test_every_entry_answer_is_safe(engine: Engine) -> None:
    for entry in engine.content.entries:
        assert_safe(engine.answer_entry(entry.id))


def test_markup_in_the_message_is_never_echoed_unescaped(engine: Engine) -> None:
    reply = engine.reply("<b>how much</b> & <script>alert(1)</script> 1000 mg")
    for part in html_parts(reply):
        assert "<script>" not in part
        assert_telegram_html(part)


def _long_reply(engine: Engine, body: str) -> Reply:
    base = engine.answer_entry("dosage")
    from dataclasses import replace

    return replace(base, body=(body,), related=(Choice("safety", "Is it safe?"),))


def test_long_replies_are_split_cleanly_with_caveats_last(engine: Engine) -> None:
    body = ("Magnesium & <calcium> " * 900).strip()
    reply = _long_reply(engine, body)
    parts = html_parts(reply)
    assert len(parts) >= 5
    for part in parts:
        assert len(part) <= TELEGRAM_LIMIT
        assert_telegram_html(part)
    assert parts[-1].endswith(reply.caveats[-1] + "</i>")
    rebuilt = " ".join(p for p in parts[1:-1])
    assert "&lt;calcium&gt;" in rebuilt


def test_a_word_longer_than_the_limit_is_still_split(engine: Engine) -> None:
    parts = split_blocks([("", "x" * 9000, ""), ("<i>", "caveat", "</i>")], 4096)
    assert [len(p) for p in parts] == [4096, 4096, 808 + len("\n\n<i>caveat</i>")]
    assert parts[-1].endswith("<i>caveat</i>")
    assert "".join(parts).count("x") == 9000
