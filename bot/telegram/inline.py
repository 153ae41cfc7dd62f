"""Inline mode: `@bot side effects` in any chat offers matching answers to send there.

Each result is one FAQ answer, sent as the person's own message with the
content's caveats closing it (read from the running content, so /reload and
caveat edits apply). The ranking is the engine's lexical matcher: cheap
enough for a query per keystroke. Emergency triage still comes first: a
query that describes an emergency gets the urgent reply as its only result,
never a list of FAQ answers. An empty query offers the popular topics.
"""

from __future__ import annotations

import asyncio

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.faq.engine import Engine
from bot.faq.reply import Reply
from bot.telegram.render import TELEGRAM_LIMIT, html_blocks, split_blocks
from bot.telegram.services import services
from bot.telegram.surface import deep_link

MAX_RESULTS = 5
MIN_SCORE = 45.0  # below the chat's answer bar (55): these are offered, not asserted
CACHE_SECONDS = 300  # same query, same answers for everyone: Telegram may reuse them
DESCRIPTION_CHARS = 90  # the grey line under each result's title
PRIVATE_CHAT_PAYLOAD = "inline"  # /start inline: not an entry id, so the welcome


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer one inline query (every keystroke may bring one)."""
    query = update.inline_query
    if query is None:
        return
    engine = services(context).engine
    username = context.bot.username
    # Off the event loop, as text_message does: triage may ask the semantic model.
    results = await asyncio.to_thread(articles, engine, query.query, username)
    button = InlineQueryResultsButton(
        engine.content.ui.inline_private, start_parameter=PRIVATE_CHAT_PAYLOAD
    )
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=False, button=button)


def articles(engine: Engine, text: str, username: str) -> list[InlineQueryResultArticle]:
    """The results for one query, best first: at most MAX_RESULTS."""
    text = text.strip()
    if not text:
        return [_answer_article(engine, e, username) for e in engine.content.popular]
    if engine.assess(text).category is not None:
        return [_urgent_article(engine, engine.reply(text))]
    return [_answer_article(engine, e, username) for e in matching_entries(engine, text)]


def matching_entries(engine: Engine, text: str) -> list[str]:
    """Entry ids for a query, by the lexical matcher; an entry's exact question comes first
    (the share button under an answer sends exactly that)."""
    ranked = [
        s.entry_id
        for s in engine.matcher.score(engine.normalizer.analyse(text))
        if s.score >= MIN_SCORE
    ]
    folded = text.casefold()
    exact = [e.id for e in engine.content.entries if e.question.casefold() == folded]
    return list(dict.fromkeys(exact + ranked))[:MAX_RESULTS]


def message_html(reply: Reply) -> str:
    """The whole reply as one Telegram HTML message; the caveats always close it."""
    blocks = html_blocks(reply)
    caveat = split_blocks(blocks[-1:])[-1]
    room = TELEGRAM_LIMIT - len(caveat) - 2
    body = split_blocks(blocks[:-1], room)[0] if len(blocks) > 1 else ""
    return f"{body}\n\n{caveat}" if body else caveat


def _answer_article(engine: Engine, entry_id: str, username: str) -> InlineQueryResultArticle:
    entry = engine.content.entry(entry_id)
    reply = engine.answer_entry(entry_id)
    more = InlineKeyboardButton(engine.content.ui.open_in_bot, url=deep_link(username, entry_id))
    return InlineQueryResultArticle(
        id=entry_id,
        title=entry.question,
        description=_start_of(entry.answer),
        input_message_content=InputTextMessageContent(
            message_html(reply), parse_mode=ParseMode.HTML
        ),
        reply_markup=InlineKeyboardMarkup([[more]]),
    )


def _urgent_article(engine: Engine, reply: Reply) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id="urgent",
        title=engine.content.ui.inline_urgent_title,
        description=_start_of(" ".join(reply.body)),
        input_message_content=InputTextMessageContent(
            message_html(reply), parse_mode=ParseMode.HTML
        ),
    )


def _start_of(text: str) -> str:
    """The first words of `text`, cut at a word boundary."""
    if len(text) <= DESCRIPTION_CHARS:
        return text
    cut = text[: DESCRIPTION_CHARS - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > DESCRIPTION_CHARS // 2 else cut).rstrip(" ,;:.") + "…"
