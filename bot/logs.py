"""Logging set-up that can never print the bot token.

httpx logs every request URL, and Bot API URLs contain the token, so its
loggers go to WARNING; and a filter plus a formatter redact anything shaped
like a token from every message, argument and traceback, whatever logged it.

APScheduler (under PTB's JobQueue) logs "Running job ..." and "... executed
successfully" at INFO on every reminder tick, every 10 s; those loggers go
to WARNING too, at every level: the dispatcher logs what it actually sends.
"""

from __future__ import annotations

import logging
import re

TOKEN_RE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
REDACTED = "[REDACTED-TOKEN]"
# Loggers held at WARNING whatever LOG_LEVEL says: request URLs (the token),
# and the scheduler's per-tick lines.
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler.executors.default", "apscheduler.scheduler")


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return TOKEN_RE.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Rewrites the record's message so the token never reaches any handler."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the log line
            message = str(record.msg)
        record.msg = redact(message, self.secrets)
        record.args = None
        return True


class RedactingFormatter(logging.Formatter):
    """Redacts the final text too, which covers tracebacks and stack info."""

    def __init__(self, fmt: str, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(fmt)
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def setup_logging(level: str = "INFO", secrets: tuple[str, ...] = ()) -> None:
    """Root logging to stderr with redaction; QUIET_LOGGERS at WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
