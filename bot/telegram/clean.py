"""Text from Telegram made safe to store and to send back.

Why: JSON can carry a lone surrogate ("\\ud800") that Python reads but that
UTF-8, SQLite and the Bot API cannot write, and control characters that
garble logs and replies. Every string of an update is cleaned where it
arrives, so the core never sees them; tabs and line breaks stay.
"""

from __future__ import annotations

import re
from typing import Any

# Lone surrogates, and C0/C1 control characters except tab and line feed.
UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What any of them looks like in a JSON body (escaped, or a raw DEL or C1 character);
# a false alarm (an escaped backslash before "u") only costs a cleaning pass.
MAYBE_UNSAFE = re.compile(
    rb"\\u[dD][89a-fA-F]|\\u00[01]|\\u00[89]|\\u007[fF]|\\[bfr]|\x7f|\xc2[\x80-\x9f]"
)


def may_need_cleaning(body: bytes) -> bool:
    """False when a JSON body surely holds no unsafe character: the common case, checked fast."""
    return MAYBE_UNSAFE.search(body) is not None


def clean_text(text: str) -> str:
    """`text` without lone surrogates and control characters."""
    return UNSAFE.sub("", text) if UNSAFE.search(text) else text


def clean_json(value: Any) -> Any:
    """Decoded JSON with every string value (not the keys) cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: clean_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    return value
