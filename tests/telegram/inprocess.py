"""The real Application in this process, with an offline Bot API: fast handler tests.

As python-telegram-bot's own test suite does (an offline request class in its
tests/auxil), the bot under test is the one `build_application` wires: the
same handlers, flood gate, error handler and reminder dispatcher. Only its
HTTP layer differs: `OfflineRequest` never opens a socket, records every Bot
API call (method and parameters) and answers as Telegram would: getMe a bot
user, sendMessage the Message it "sent", edits the edited Message,
answerCallbackQuery True. It also refuses what Telegram refuses (empty or
over-long text, HTML it cannot parse, an edit that changes nothing), and a
test can make the next calls of a method fail.

Updates go straight in with `Application.process_update`, which returns once
every handler (and the error handler) has run: a reply that is not there
when it returns will never come, so there is no waiting and no sleep.

    async with offline_bot(engine, tmp_path) as bot:
        ann = bot.person()
        welcome = await ann.ask("/start")
        food = await ann.press("Should I take magnesium glycinate with food?", on=welcome)

The JobQueue is never started: reminders go out when a test calls
`bot.deliver_reminders()` after moving `bot.clock`.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes
from telegram.request import BaseRequest, RequestData

import bot.telegram.app as app_module
from bot.config import Settings
from bot.faq.engine import Engine
from bot.reminders.delivery import Dispatcher, TickReport
from bot.storage.db import open_database
from bot.storage.stats import StatsStore
from bot.telegram.services import Services
from tests.fake_telegram import BOT_ID, BOT_USER
from tests.harness import STICKER, TOKEN, callback_query, find_button, inline_query, message

START = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # a Friday, 13:00 in Berlin
MAX_TEXT = 4096
MAX_DESCRIPTION = 512  # setMyDescription
MAX_SHORT_DESCRIPTION = 120  # setMyShortDescription
MAX_INLINE_RESULTS = 50  # answerInlineQuery
# What Telegram's HTML parse mode accepts (https://core.telegram.org/bots/api#html-style).
TELEGRAM_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
_ids = itertools.count(1)


# -- the offline Bot API --------------------------------------------------------


@dataclass
class ApiCall:
    """One Bot API request the bot made."""

    method: str
    params: dict[str, Any]


@dataclass
class Fault:
    status: int
    description: str
    times: int = 1


class BadRequestError(Exception):
    """What Telegram answers with 400."""


class OfflineRequest(BaseRequest):
    """A Bot API that lives in memory: records every call, answers like Telegram."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.faults: dict[str, list[Fault]] = {}
        self.unknown: list[str] = []  # methods this fake cannot answer (a test should know)
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # as each chat shows them now
        self._next_message_id = 1000

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def fail(self, method: str, status: int, description: str, times: int = 1) -> None:
        """Make the next `times` calls of `method` fail as Telegram would."""
        self.faults.setdefault(method, []).append(Fault(status, description, times))

    def calls_of(self, method: str, **match: Any) -> list[ApiCall]:
        return [
            c
            for c in self.calls
            if c.method == method and all(str(c.params.get(k)) == str(v) for k, v in match.items())
        ]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        self.calls.append(ApiCall(api, params))
        queue = self.faults.get(api)
        if queue:
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return _error(fault.status, fault.description)
        answer = getattr(self, f"api_{api}", None)
        if answer is None:
            self.unknown.append(api)
            return _error(400, f"Bad Request: the offline Bot API does not know {api}")
        try:
            result = answer(params)
        except BadRequestError as exc:
            return _error(400, f"Bad Request: {exc}")
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # -- the methods the bot uses, answered as Telegram does --------------------

    def api_getMe(self, _: dict[str, Any]) -> dict[str, Any]:
        return dict(BOT_USER)

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        self._next_message_id += 1
        shown = {
            "message_id": self._next_message_id,
            "date": int(START.timestamp()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Magnesium FAQ"},
        }
        self._show(shown, params)
        self.messages[(chat_id, self._next_message_id)] = shown
        return shown

    def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        shown = self._message(params)
        before = dict(shown)
        self._show(shown, params)
        if shown == before:
            raise BadRequestError("message is not modified")
        return shown

    def api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        shown = self._message(params)
        markup = params.get("reply_markup") or None
        if shown.get("reply_markup") == markup:
            raise BadRequestError("message is not modified")
        shown.pop("reply_markup", None)
        if markup:
            shown["reply_markup"] = markup
        return shown

    def api_answerCallbackQuery(self, _: dict[str, Any]) -> bool:
        return True

    def api_setMyCommands(self, _: dict[str, Any]) -> bool:
        return True

    def api_setMyDescription(self, params: dict[str, Any]) -> bool:
        if len(str(params.get("description") or "")) > MAX_DESCRIPTION:
            raise BadRequestError("bot description is too long")
        return True

    def api_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        if len(str(params.get("short_description") or "")) > MAX_SHORT_DESCRIPTION:
            raise BadRequestError("bot short description is too long")
        return True

    def api_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        """Refuses what Telegram refuses: too many results, repeated ids, bad message text."""
        results = params.get("results") or []
        if len(results) > MAX_INLINE_RESULTS:
            raise BadRequestError("RESULTS_TOO_MUCH")
        ids = [str(r["id"]) for r in results]
        if len(set(ids)) != len(ids) or any(len(i.encode()) > 64 for i in ids):
            raise BadRequestError("RESULT_ID_DUPLICATE or RESULT_ID_INVALID")
        for result in results:
            content = result["input_message_content"]
            self._show(
                {}, {"text": content["message_text"], "parse_mode": content.get("parse_mode")}
            )
        return True

    def api_deleteWebhook(self, _: dict[str, Any]) -> bool:
        return True

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        if key not in self.messages:
            raise BadRequestError("message to edit not found")
        return self.messages[key]

    @staticmethod
    def _show(shown: dict[str, Any], params: dict[str, Any]) -> None:
        """Text and keyboard as the chat shows them (an edit without a keyboard removes it)."""
        raw = str(params.get("text", ""))
        html = params.get("parse_mode") == "HTML"
        if html and _BAD_ENTITY.search(raw):
            raise BadRequestError("can't parse entities: unsupported HTML entity")
        plain = _html_to_text(raw) if html else raw
        if not plain.strip():
            raise BadRequestError("message text is empty")
        if len(plain) > MAX_TEXT:
            raise BadRequestError("message is too long")
        shown["text"] = plain
        shown["html"] = raw if html else None  # not Telegram's: kept for the tests
        shown.pop("reply_markup", None)
        if params.get("reply_markup"):
            shown["reply_markup"] = params["reply_markup"]


# Telegram's HTML knows &lt; &gt; &amp; &quot; and numeric entities; anything else
# after "&" (a cut "&am", a bare "&") is refused.
_BAD_ENTITY = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


def _error(status: int, description: str) -> tuple[int, bytes]:
    body = {"ok": False, "error_code": status, "description": description}
    return status, json.dumps(body).encode()


class _TelegramHTML(HTMLParser):
    """Telegram's HTML parse mode: known tags, properly nested; the text a person reads."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            raise BadRequestError(f"can't parse entities: unsupported start tag {tag!r}")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            raise BadRequestError(f"can't parse entities: unexpected end tag {tag!r}")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _html_to_text(raw: str) -> str:
    parser = _TelegramHTML()
    parser.feed(raw)
    parser.close()
    if parser.open:
        raise BadRequestError(f"can't parse entities: unclosed {parser.open[-1]!r}")
    return "".join(parser.text)


# -- what a person sees -----------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """A message from the bot as the person's chat shows it."""

    chat_id: int
    message_id: int
    text: str  # what the person reads (HTML rendered)
    html: str | None  # what the bot sent, when it sent HTML
    buttons: tuple[tuple[str, str], ...]  # (label, callback data), row by row
    markup: dict[str, Any] | None

    @property
    def labels(self) -> list[str]:
        return [label for label, _ in self.buttons]

    @classmethod
    def of(cls, shown: dict[str, Any]) -> Sent:
        markup = shown.get("reply_markup")
        rows = (markup or {}).get("inline_keyboard", [])
        return cls(
            chat_id=int(shown["chat"]["id"]),
            message_id=int(shown["message_id"]),
            text=str(shown["text"]),
            html=shown.get("html"),
            buttons=tuple((b["text"], b.get("callback_data", "")) for row in rows for b in row),
            markup=markup,
        )


@dataclass(frozen=True)
class Article:
    """One inline result as the person's result list shows it, and what tapping it sends."""

    id: str
    title: str
    description: str
    text: str  # the message sent into the chat, as read (HTML rendered)
    html: str
    buttons: tuple[tuple[str, str], ...]  # (label, url) under the sent message

    @classmethod
    def of(cls, result: dict[str, Any]) -> Article:
        content = result["input_message_content"]
        raw = str(content["message_text"])
        rows = (result.get("reply_markup") or {}).get("inline_keyboard", [])
        return cls(
            id=str(result["id"]),
            title=str(result["title"]),
            description=str(result.get("description") or ""),
            text=_html_to_text(raw) if content.get("parse_mode") == "HTML" else raw,
            html=raw,
            buttons=tuple((b["text"], b.get("url", "")) for row in rows for b in row),
        )


@dataclass(frozen=True)
class Offered:
    """The bot's answer to one inline query."""

    articles: list[Article]
    cache_time: int | None
    is_personal: bool | None
    button: dict[str, Any] | None

    @property
    def titles(self) -> list[str]:
        return [a.title for a in self.articles]


@dataclass
class Clock:
    """The bot's 'now' (reminders, statistics) and the flood gate's seconds, moved by tests."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return (self.now - START).total_seconds()

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class OfflineBot:
    """The running Application, its offline Bot API and its clock."""

    app: Application[Any, Any, Any, Any, Any, Any]
    api: OfflineRequest
    clock: Clock
    errors: list[BaseException] = field(default_factory=list)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def services(self) -> Services:
        found: Services = self.app.bot_data["services"]
        return found

    async def process(self, kind: str, payload: dict[str, Any]) -> None:
        """One update, handled to the end (handlers, error handler) before this returns."""
        data = {"update_id": next(self._update_ids), kind: payload}
        await self.app.process_update(Update.de_json(data, self.app.bot))

    def person(self, user_id: int | None = None) -> Person:
        """Someone in a private chat with the bot."""
        return Person(self, user_id if user_id is not None else 20_000 + next(_ids))

    def group_member(self, group_id: int) -> Person:
        """Someone in a group the bot was added to."""
        chat = {"id": group_id, "type": "group", "title": "Gym friends"}
        return Person(self, 20_000 + next(_ids), chat)

    def shown(self, sent: Sent) -> Sent:
        """The message as its chat shows it now (after any edits)."""
        return Sent.of(self.api.messages[(sent.chat_id, sent.message_id)])

    async def deliver_reminders(self) -> TickReport:
        """One dispatcher tick at `clock.now`, as the JobQueue would run it."""
        dispatcher: Dispatcher = self.app.bot_data["dispatcher"]
        return await dispatcher.tick()


@dataclass
class Person:
    """Push a message, pop the reply: a chat with the bot, read like one."""

    bot: OfflineBot
    user_id: int
    chat: dict[str, Any] | None = None
    read: int = 0  # messages to this chat already popped

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"]) if self.chat else self.user_id

    async def say(self, text: str, **extra: Any) -> None:
        await self.bot.process("message", message(self.user_id, text, self.chat, **extra))

    async def ask(self, text: str, **extra: Any) -> Sent:
        """Say `text` and return the reply: exactly one message (use `say` for more)."""
        await self.say(text, **extra)
        replies = self.replies()
        assert len(replies) == 1, f"expected one reply, got {[r.text[:60] for r in replies]}"
        return replies[0]

    async def inline(self, query: str) -> Offered:
        """Type `@bot query` in any chat: what the bot offers (it must answer exactly once)."""
        update = inline_query(self.user_id, query)
        await self.bot.process("inline_query", update)
        answers = self.bot.api.calls_of("answerInlineQuery", inline_query_id=update["id"])
        assert len(answers) == 1, f"an inline query must be answered once, got {len(answers)}"
        params = answers[0].params
        return Offered(
            articles=[Article.of(r) for r in params.get("results") or []],
            cache_time=params.get("cache_time"),
            is_personal=params.get("is_personal"),
            button=params.get("button"),
        )

    async def edit(self, text: str) -> None:
        body = message(self.user_id, text, self.chat, edit_date=int(START.timestamp()))
        await self.bot.process("edited_message", body)

    async def send_sticker(self) -> None:
        await self.bot.process("message", message(self.user_id, None, self.chat, sticker=STICKER))

    def replies(self) -> list[Sent]:
        """Every message to this chat not popped yet, oldest first."""
        new = self._shown()[self.read :]
        self.read += len(new)
        return new

    def reply(self) -> Sent:
        """The next message to this chat; fails when the bot said nothing more."""
        new = self._shown()[self.read :]
        assert new, "the bot sent nothing more to this chat"
        self.read += 1
        return new[0]

    def nothing_more(self) -> bool:
        """True when the bot sent nothing beyond what was popped (it is all in already)."""
        return len(self._shown()) == self.read

    async def press(self, label: str, on: Sent) -> str:
        """Tap a button by its label on a message as shown now; returns the toast ("" if none)."""
        shown = self.bot.shown(on)
        return await self.press_data(find_button(shown.markup, label), on)

    async def press_data(self, data: str, on: Sent) -> str:
        """Send a press with raw callback data (an old or forged button); returns the toast."""
        shown = dict(self.bot.api.messages[(on.chat_id, on.message_id)])
        shown.pop("html", None)
        query = callback_query(self.user_id, data, shown)
        await self.bot.process("callback_query", query)
        answers = self.bot.api.calls_of("answerCallbackQuery", callback_query_id=query["id"])
        assert len(answers) == 1, f"a press must be answered exactly once, got {len(answers)}"
        return str(answers[0].params.get("text") or "")

    def _shown(self) -> list[Sent]:
        """This chat's messages from the bot, in the order they were sent."""
        messages = self.bot.api.messages
        return [
            Sent.of(messages[key]) for key in sorted(k for k in messages if k[0] == self.chat_id)
        ]


@asynccontextmanager
async def offline_bot(
    engine: Engine,
    folder: Path,
    *,
    admins: frozenset[int] = frozenset(),
    default_timezone: str = "UTC",
) -> AsyncIterator[OfflineBot]:
    """The bot as `run_bot` builds it, over an OfflineRequest, initialised and ready for updates.

    Pacing (AIORateLimiter) is off: it only spaces sends out in time, and
    these tests are about what is sent.
    """
    settings = Settings(
        token=TOKEN,
        database_path=str(folder / "bot.sqlite3"),
        admin_chat_ids=admins,
        default_timezone=default_timezone,
        send_rate_limit=False,
    )
    clock = Clock()
    store = StatsStore(open_database(settings.database_path), clock=clock)
    api = OfflineRequest()
    app = app_module.build_application(settings, engine, store, clock, request=api)
    services: Services = app.bot_data["services"]
    services.monotonic = clock.monotonic
    running = OfflineBot(app, api, clock)

    async def keep(_: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            running.errors.append(context.error)

    app.add_error_handler(keep)
    await app.initialize()  # getMe, through the offline request
    try:
        yield running
    finally:
        await app.shutdown()
        store.conn.close()
