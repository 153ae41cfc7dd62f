"""New content without a restart: /reload (admins) and SIGHUP.

The FAQ file the running engine came from is loaded and validated again,
and an engine is built over it as at start-up (with the same embedding
model, so no model load). Only a fully built engine is swapped in; invalid
content leaves the running one untouched and the problem is reported as
`file:line: field: problem`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from pathlib import Path

from telegram import Bot

from bot.config import Settings
from bot.faq.content import ContentError, load_content
from bot.faq.engine import Engine
from bot.faq.semantic import ModelError
from bot.telegram import surface
from bot.telegram.services import Services

log = logging.getLogger(__name__)

# What a bad file can raise while an engine is built over it (as `bot.cli` reports them).
RELOAD_ERRORS = (ContentError, ModelError)


def fresh_engine(current: Engine, settings: Settings) -> Engine:
    """An engine over the file `current` came from, built as `bot.cli` builds it at start."""
    content = load_content(current.content.path)
    if current.embedder is None:
        return Engine(content)
    vectors = Path(settings.vectors_path) if settings.vectors_path else None
    return Engine(content, current.embedder, vectors=vectors, triage_net=current.triage_net)


async def reload_content(svc: Services, bot: Bot) -> Engine:
    """Build the new engine off the event loop, swap it in, republish the profile.

    Raises one of RELOAD_ERRORS, with the running engine kept, when the file is bad.
    """
    async with svc.reloading:
        engine = await asyncio.to_thread(fresh_engine, svc.engine, svc.settings)
        svc.use(engine)
    log.info(
        "Content reloaded from %s: %d FAQ entries", engine.content.path, len(engine.content.entries)
    )
    # Start-up froze everything then alive (app.post_init); the old engine is
    # garbage now, so let the collector see it once, then freeze the new one.
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    await surface.publish(bot, engine.content)
    return engine


async def reload_on_signal(svc: Services, bot: Bot) -> None:
    """SIGHUP: the same reload; the outcome goes to the log (no one to reply to)."""
    try:
        await reload_content(svc, bot)
    except RELOAD_ERRORS as exc:
        log.error("Content not reloaded, still serving the running version: %s", exc)
