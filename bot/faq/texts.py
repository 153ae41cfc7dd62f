"""The interface texts of content/faq.yaml as typed, frozen objects.

Each YAML section (`ui`, `texts`, `reminders`) is one dataclass and each of
its keys one `str` attribute, so a misspelt name fails mypy instead of a
person's chat. Every field declares, with `text(...)`, exactly which
`{placeholders}` it must use; `bot.faq.content` walks these declarations to
load and validate the file (one loader for all three classes).
"""

from __future__ import annotations

from dataclasses import Field, dataclass, field, fields
from typing import Any

__all__ = ["ReminderTexts", "ReplyTexts", "TextSpec", "UiTexts", "spec_of", "text", "text_fields"]

_SPEC = "magbot.text"


@dataclass(frozen=True)
class TextSpec:
    """What a text field must look like in the YAML."""

    placeholders: frozenset[str]
    keep_lines: bool = False  # keep line breaks instead of folding whitespace
    must_mention: tuple[str, ...] = ()  # phrases it must contain (case-insensitive)
    limit: int | None = None  # most characters (a Bot API limit); None: the reader's default


def text(
    placeholders: str = "",
    *,
    keep_lines: bool = False,
    must_mention: str = "",
    limit: int | None = None,
) -> Any:
    """Declare a text field; `placeholders` are the names it uses, space-separated.

    `must_mention` lists required phrases separated by '|'; `limit` is the most
    characters Telegram accepts where the text goes.
    """
    spec = TextSpec(
        frozenset(placeholders.split()),
        keep_lines,
        tuple(p for p in must_mention.split("|") if p),
        limit,
    )
    return field(metadata={_SPEC: spec})


def spec_of(f: Field[Any]) -> TextSpec:
    spec = f.metadata.get(_SPEC)
    if not isinstance(spec, TextSpec) or f.type not in ("str", str):
        raise TypeError(f"{f.name} must be declared as `{f.name}: str = text(...)`")
    return spec


def text_fields(cls: type[UiTexts | ReplyTexts | ReminderTexts]) -> list[tuple[str, TextSpec]]:
    """Every field of a texts class with its spec, in declaration order."""
    return [(f.name, spec_of(f)) for f in fields(cls)]


@dataclass(frozen=True)
class UiTexts:
    """`ui:` in the YAML: what the Telegram interface says around the answers."""

    welcome: str = text()
    help: str = text()
    help_commands: str = text(keep_lines=True)
    topics: str = text()
    non_text: str = text()
    slow_down: str = text()
    feedback_thanks: str = text()
    feedback_ask: str = text()
    feedback_already: str = text()
    helpful: str = text()
    not_helpful: str = text()
    next_page: str = text()
    previous_page: str = text()
    admin_only: str = text()
    unknown_button: str = text()
    not_saved: str = text()  # the database could not take a change a person asked for
    reminders_button: str = text()
    reminders_intro: str = text()
    # The bot's profile (setMyDescription / setMyShortDescription), at Telegram's limits.
    description: str = text(limit=512)
    short_description: str = text(limit=120)
    share_button: str = text()  # under every answer: share it in another chat (inline mode)
    open_in_bot: str = text()  # under an answer shared inline: opens it in the bot
    inline_urgent_title: str = text()  # the one inline result for an emergency
    inline_private: str = text()  # above inline results: ask in a private chat
    reload_done: str = text("entries")
    reload_failed: str = text("problem")
    console_reminders: str = text()


@dataclass(frozen=True)
class ReplyTexts:
    """`texts:` in the YAML: the engine's fixed replies and headings."""

    fallback: str = text()
    clarify: str = text()
    # Dose notes. One amount said to be a day's: dose_above/below/within.
    # Otherwise what was understood (`amount` as read: "250", "3 x 250",
    # "300-500", "200 + 400"; `total` after the arithmetic; `times` doses a
    # day), then a verdict on `top` (the total, the top of a range): "day" when
    # the message says it is a day's amount, "once" when it is one dose with no
    # frequency (compared as if taken once a day).
    dose_above: str = text("amount")
    dose_below: str = text("amount")
    dose_within: str = text("amount")
    dose_per_dose: str = text("amount")
    dose_per_day: str = text("amount")
    dose_total_dose: str = text("amount total")
    dose_total_day: str = text("amount total")
    dose_times: str = text("amount times total")
    dose_once_above: str = text("top")
    dose_once_within: str = text("top")
    dose_once_below: str = text("top")
    dose_day_above: str = text("top")
    dose_day_within: str = text("top")
    dose_day_below: str = text("top")
    related: str = text()


@dataclass(frozen=True)
class ReminderTexts:
    """`reminders:` in the YAML: everything the reminder conversation says."""

    title: str = text("time")
    note: str = text("note")
    tip: str = text("tip")
    late: str = text("time")
    snoozed_again: str = text()
    maybe_duplicate: str = text()  # a repeat after a send that timed out
    caveat: str = text(must_mention="kidney problems|medications")
    taken_button: str = text()
    snooze_button: str = text()
    skip_button: str = text()
    taken_done: str = text("day")
    skipped_done: str = text("day")
    snoozed_done: str = text("time")
    gone: str = text()
    usage: str = text()
    set: str = text("time zone next")
    set_note: str = text("note")
    default_zone: str = text("zone")
    too_many: str = text("max")
    duplicate: str = text("time")
    note_too_long: str = text("length max")
    list_empty: str = text()
    list_heading: str = text()
    list_item: str = text("time next")
    paused: str = text()
    unremind_pick: str = text()
    unremind_all_button: str = text()
    removed: str = text("time")
    removed_all: str = text("count")
    nothing_to_remove: str = text()
    unremind_unknown: str = text("query times")
    stopped: str = text("count")
    stop_none: str = text()
    zone_set: str = text("zone local count")
    zone_show: str = text("zone")
    zone_unset: str = text("zone")
    history_heading: str = text("since")
    history_legend: str = text()
    history_more: str = text("weeks")
    history_empty: str = text()
    history_waiting: str = text("next")
    history_usage: str = text()
    cell_taken: str = text()
    cell_skipped: str = text()
    cell_missed: str = text()
    cell_none: str = text()
    streak: str = text("days")
    streak_one: str = text()
    streak_none: str = text()
    adherence: str = text("taken due percent")
    csv_filename: str = text()
    csv_columns: str = text()
    csv_caption: str = text("since")
    status_taken: str = text()
    status_skipped: str = text()
    status_missed: str = text()
    status_open: str = text()
    status_unanswered: str = text()
    forget_confirm: str = text()
    forget_yes: str = text()
    forget_no: str = text()
    forgotten: str = text()
    forget_kept: str = text()
    today: str = text()
    tomorrow: str = text()
    private_only: str = text()
    zone_ask: str = text("time")
    zone_button: str = text("city local")
    zone_type_button: str = text()
    zone_type_prompt: str = text()
    zone_unknown: str = text("city")
    zone_chosen: str = text("zone local")
    location_unknown: str = text()
    undo_button: str = text()
    undone: str = text("day")
    undo_too_late: str = text()
    undo_nothing: str = text()
    nudge: str = text("time")
    nudge_hint: str = text()
    nudge_on: str = text("minutes")
    nudge_off: str = text()
    nudge_disabled: str = text()
    nudge_usage: str = text()
    weekly_on: str = text("next")
    weekly_off: str = text()
    weekly_usage: str = text()
    weekly_title: str = text("start end")
    weekly_nothing: str = text()
    weekly_hint: str = text()
    refill_set: str = text("doses days per_day low")
    refill_show: str = text("doses days per_day")
    refill_none: str = text()
    refill_bad: str = text("max")
    refill_off: str = text()
    refill_low: str = text("days doses")
    refill_left: str = text("doses")
