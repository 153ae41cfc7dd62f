"""Choosing a time zone: likely zones for a language, and a shared location turned into a zone.

The zones offered first depend on Telegram's `language_code` ("de" ->
Berlin, Vienna, Zurich); the table is content (`reminders.zone_choices` in
content/faq.yaml), checked when the bot starts so a typo in a zone name is a
`file:line` error, not a button that fails. A location becomes a zone
offline with timezonefinder, loaded on the first location only (about
0.1 s and 15-20 MB), so a bot whose users never share one pays nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.faq.yamlsource import ContentError, Located, load_located
from bot.reminders.schedule import is_zone_name

SECTION = "reminders.zone_choices"
DEFAULT_KEY = "default"
MAX_CHOICES = 6
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")


@dataclass(frozen=True)
class ZoneChoices:
    """Zone names to offer, by lowercase language code, and the fallback for any other."""

    by_language: dict[str, tuple[str, ...]]
    fallback: tuple[str, ...]

    def for_language(self, code: str | None) -> tuple[str, ...]:
        """'de-AT' -> the 'de-at' row, else the 'de' row, else the fallback."""
        tag = (code or "").strip().lower().replace("_", "-")
        for key in (tag, tag.split("-")[0]):
            if key in self.by_language:
                return self.by_language[key]
        return self.fallback


def load_zone_choices(faq_path: str) -> ZoneChoices:
    """The table from the FAQ file; ContentError naming file:line when it is wrong."""
    path = Path(faq_path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0  # load_located says what is wrong with it
    return _load(str(path), stamp)


@lru_cache(maxsize=4)
def _load(path: str, _stamp: int) -> ZoneChoices:
    doc = load_located(Path(path))
    section = doc.data.get("reminders") if isinstance(doc.data, dict) else None
    table = section.get("zone_choices") if isinstance(section, dict) else None
    if not isinstance(table, dict):
        raise doc.error(SECTION, "missing: a mapping of language code to zone names")
    rows = {str(key): _zones(doc, value, f"{SECTION}.{key}") for key, value in table.items()}
    for key in rows:
        if key != DEFAULT_KEY and not _LANGUAGE.fullmatch(key):
            raise doc.error(
                f"{SECTION}.{key}", "must be a language code like de or en-gb, or 'default'"
            )
    if DEFAULT_KEY not in rows:
        raise doc.error(SECTION, f"missing '{DEFAULT_KEY}': the zones offered for any language")
    fallback = rows.pop(DEFAULT_KEY)
    return ZoneChoices(rows, fallback)


def _zones(doc: Located, value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_CHOICES:
        raise doc.error(where, f"must be a list of 1 to {MAX_CHOICES} time zone names")
    for i, name in enumerate(value):
        if not isinstance(name, str) or not is_zone_name(name):
            raise doc.error(f"{where}[{i}]", f"'{name}' is not an IANA time zone name")
    if len(set(value)) != len(value):
        raise doc.error(where, "names a zone twice")
    return tuple(value)


def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone at a point, offline; None at sea, off the map, or without timezonefinder."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    finder = _finder()
    if finder is None:
        return None
    name = finder.timezone_at(lng=longitude, lat=latitude)
    return name if name is not None and is_zone_name(name) else None


@lru_cache(maxsize=1)
def _finder() -> Any:
    try:
        from timezonefinder import TimezoneFinder
    except ImportError:  # a trimmed install: typing a city still works
        return None
    return TimezoneFinder()


__all__ = ["ContentError", "ZoneChoices", "load_zone_choices", "zone_at"]
