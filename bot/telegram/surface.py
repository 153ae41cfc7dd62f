"""The bot as Telegram shows it outside a conversation: profile, menu and deep links.

The command menu, description and short description come from the content
(`commands:`, `ui.description`, `ui.short_description`) and are published
at start-up and after /reload, so a content author changes them without
touching @BotFather. Publishing is best-effort: a bot whose profile could
not be updated still answers questions.

A deep link `t.me/<bot>?start=<entry id>` arrives as `/start <entry id>`;
anything else after /start is a plain /start (links are public and can be
typed by hand).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import fields

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from bot.faq.content import ID_RE, MAX_ID_LENGTH, Content
from bot.faq.texts import UiTexts, spec_of

log = logging.getLogger(__name__)

DEEP_LINK = "https://t.me/{username}?start={payload}"


def deep_link(username: str, payload: str) -> str:
    """The t.me link that opens a chat with the bot and sends `/start payload`."""
    return DEEP_LINK.format(username=username, payload=payload)


def deep_link_entry(args: Sequence[str] | None, content: Content) -> str | None:
    """The entry a `/start <entry id>` names; None for a plain /start or any other payload."""
    if not args or len(args) != 1:
        return None
    payload = args[0]
    if len(payload) > MAX_ID_LENGTH or not ID_RE.fullmatch(payload):
        return None
    return payload if content.has_entry(payload) else None


def profile_text(ui: UiTexts, name: str) -> str:
    """A ui text cut to the limit its field declares (content validation should keep it inside)."""
    value: str = getattr(ui, name)
    limit = next(spec_of(f).limit for f in fields(UiTexts) if f.name == name)
    if limit is not None and len(value) > limit:
        log.warning("ui.%s is %d characters; Telegram takes %d: cut", name, len(value), limit)
        return value[: limit - 1].rstrip() + "…"
    return value


async def publish(bot: Bot, content: Content) -> None:
    """Command menu, description and short description from `content`."""
    commands = [BotCommand(c, d) for c, d in content.commands.items()]
    description = profile_text(content.ui, "description")
    short = profile_text(content.ui, "short_description")
    steps: tuple[tuple[str, Callable[[], Awaitable[bool]]], ...] = (
        ("setMyCommands", lambda: bot.set_my_commands(commands)),
        ("setMyDescription", lambda: bot.set_my_description(description)),
        ("setMyShortDescription", lambda: bot.set_my_short_description(short)),
    )
    for method, call in steps:
        try:
            await call()
        except TelegramError as exc:
            log.warning("%s failed; Telegram keeps showing the old one: %s", method, exc)
