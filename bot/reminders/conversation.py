"""The reminder conversation: commands and button presses in, plain-text answers out.

Telegram-free and clock-free (`now` is a parameter), so the same rules are
unit-tested directly and the Telegram handlers stay thin. Every refusal
explains itself with an example and changes nothing stored.

The first /remind of someone whose zone is unknown asks for the zone first
(buttons for their language, a typed city, or a shared location) and keeps
the requested time and note in the database meanwhile, so nothing is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from bot.faq.content import Content
from bot.reminders.history import MAX_WEEKS, Cell, adherence, percent, to_csv, weeks
from bot.reminders.people import LOW_DAYS, MAX_DOSES, Summary, days_left, is_low
from bot.reminders.schedule import ScheduleError, city_of, find_zone, is_zone_name, parse_time
from bot.reminders.store import (
    MAX_REMINDERS_PER_PERSON,
    DuplicateReminder,
    HistoryRow,
    Occurrence,
    Reminder,
    ReminderStore,
    Status,
    TooManyReminders,
)
from bot.reminders.streak import streak
from bot.reminders.zones import load_zone_choices

MAX_NOTE_CHARS = 100
STREAK_LOOKBACK = timedelta(days=366)
COMMANDS = (
    "remind",
    "reminders",
    "unremind",
    "timezone",
    "history",
    "stop",
    "forget",
    "nudge",
    "weekly",
    "refill",
)
MAX_PLACE_CHARS = 60
MAX_PLACE_WORDS = 5
# After "type a city", short texts are read as places for this long; later ones
# are questions again (someone who never typed a city is not stuck).
TYPING_WINDOW = timedelta(minutes=15)
_COUNT = re.compile(r"[0-9]{1,4}")  # ASCII only: no full-width or Arabic-Indic digits


class Mark(Enum):
    """What a button under a reminder message does to that day."""

    TAKEN = "taken"
    SKIPPED = "skipped"
    SNOOZED = "snoozed"


@dataclass(frozen=True)
class MarkReminder:
    """Taken / Skip today / Snooze on the reminder for `day` (the person's local day)."""

    reminder_id: int
    day: date
    mark: Mark


@dataclass(frozen=True)
class RemoveReminder:
    """/unremind's buttons: one reminder, or every reminder when `reminder_id` is None."""

    reminder_id: int | None


@dataclass(frozen=True)
class ConfirmForget:
    """/forget's confirmation: yes deletes everything, no keeps it."""

    yes: bool


@dataclass(frozen=True)
class PickZone:
    """A zone button under the "which time zone?" question."""

    zone: str


@dataclass(frozen=True)
class TypeCity:
    """The "type a city" button under the zone question: the next short text is a place."""


@dataclass(frozen=True)
class UndoMark:
    """Undo after Taken or Skip on the reminder for `day`."""

    reminder_id: int
    day: date


ReminderAction = MarkReminder | RemoveReminder | ConfirmForget | PickZone | TypeCity | UndoMark


@dataclass(frozen=True)
class Button:
    """A button; `action` is handed back to `press` (the adapter encodes it for the wire)."""

    label: str
    action: ReminderAction


@dataclass(frozen=True)
class Document:
    """A file to send (the history as CSV), with its caption."""

    filename: str
    data: bytes
    caption: str


@dataclass(frozen=True)
class Answer:
    """Plain text to show (empty: leave the message as it is), buttons, a toast, or a file."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    toast: str = ""
    document: Document | None = None


class ReminderConversation:
    def __init__(self, content: Content, store: ReminderStore, default_zone: ZoneInfo) -> None:
        self.t = content.reminders
        self.tips = content.tips
        self.store = store
        self.people = store.people
        self.default_zone = default_zone
        self.zones = load_zone_choices(content.path)

    def zone_for(self, user_id: int) -> tuple[ZoneInfo, bool]:
        """The person's zone, and whether they chose it (False: the default)."""
        stored = self.store.zone_of(user_id)
        return (ZoneInfo(stored), True) if stored else (self.default_zone, False)

    # -- commands ---------------------------------------------------------------

    def command(
        self, name: str, user_id: int, args: str, now: datetime, language: str | None = None
    ) -> Answer:
        """One of COMMANDS with the text after it; `language` is Telegram's language_code."""
        match name:
            case "remind":
                return self.remind(user_id, args, now, language)
            case "reminders":
                return self.listing(user_id, now)
            case "unremind":
                return self.unremind(user_id, args)
            case "timezone":
                return self.timezone(user_id, args, now)
            case "history":
                return self.history(user_id, args, now)
            case "stop":
                return self.stop(user_id)
            case "forget":
                return self.forget_prompt()
            case "nudge":
                return self.nudge(user_id, args)
            case "weekly":
                return self.weekly(user_id, args, now)
            case "refill":
                return self.refill(user_id, args, now)
        raise KeyError(name)

    def private_only(self) -> Answer:
        """Reminders are personal: they are set in a private chat, never in a group."""
        return Answer(self.t.private_only)

    def resume(self, user_id: int, now: datetime) -> None:
        """The person wrote to us, so they have not blocked the bot (any more)."""
        self.store.resume(user_id, now)

    def remind(self, user_id: int, args: str, now: datetime, language: str | None = None) -> Answer:
        words = args.split()
        if not words:
            return Answer(self.t.usage)
        if len(words) > 1 and words[1].lower().replace(".", "") in ("am", "pm"):
            words = [words[0] + words[1], *words[2:]]
        try:
            at = parse_time(words[0])
        except ScheduleError as exc:
            return Answer(f"{exc} {self.t.usage}")
        note = " ".join(words[1:])
        if len(note) > MAX_NOTE_CHARS:
            return Answer(self.t.note_too_long.format(length=len(note), max=MAX_NOTE_CHARS))
        stored = self.store.zone_of(user_id)
        if stored is not None:
            return Answer(self._add(user_id, at, note, ZoneInfo(stored), now))
        times = [r.at for r in self.store.of_user(user_id)]
        if at in times:
            return Answer(self.t.duplicate.format(time=_hhmm(at)))
        if len(times) >= MAX_REMINDERS_PER_PERSON:
            return Answer(self.t.too_many.format(max=MAX_REMINDERS_PER_PERSON))
        self.people.hold(user_id, at, note, now)
        return self._zone_question(at, now, language)

    def _add(self, user_id: int, at: time, note: str, zone: ZoneInfo, now: datetime) -> str:
        """Set the reminder in `zone`; the confirmation names the zone and the next time."""
        try:
            reminder = self.store.add(user_id, at, zone, note, now)
        except TooManyReminders:
            return self.t.too_many.format(max=MAX_REMINDERS_PER_PERSON)
        except DuplicateReminder:
            return self.t.duplicate.format(time=_hhmm(at))
        lines = [self.t.set.format(time=_hhmm(at), zone=zone.key, next=self._next(reminder, now))]
        if note:
            lines.append(self.t.set_note.format(note=note))
        return "\n".join(lines)

    def _zone_question(self, at: time | None, now: datetime, language: str | None) -> Answer:
        """Likely zones for their language as buttons (with the time there now), or a city."""
        picks = [
            Button(
                self.t.zone_button.format(
                    city=city_of(name), local=now.astimezone(ZoneInfo(name)).strftime("%H:%M")
                ),
                PickZone(name),
            )
            for name in self.zones.for_language(language)
        ]
        rows = [tuple(picks[i : i + 2]) for i in range(0, len(picks), 2)]
        rows.append((Button(self.t.zone_type_button, TypeCity()),))
        question = self.t.zone_ask.format(time=_hhmm(at)) if at is not None else ""
        return Answer(question, tuple(rows))

    def choose_zone(self, user_id: int, zone: ZoneInfo, now: datetime) -> Answer:
        """Store the zone, move any reminders, and set the reminder that was waiting for it."""
        moved = self.store.set_zone(user_id, zone, now)
        local = now.astimezone(zone).strftime("%H:%M")
        if moved:
            lines = [self.t.zone_set.format(zone=zone.key, local=local, count=moved)]
        else:
            lines = [self.t.zone_chosen.format(zone=zone.key, local=local)]
        waiting = self.people.release(user_id)
        if waiting is not None and waiting.at is not None:
            lines.append(self._add(user_id, waiting.at, waiting.note, zone, now))
        return Answer("\n".join(lines))

    def timezone(self, user_id: int, args: str, now: datetime) -> Answer:
        if not args.strip():
            zone, chosen = self.zone_for(user_id)
            return Answer((self.t.zone_show if chosen else self.t.zone_unset).format(zone=zone.key))
        try:
            zone = find_zone(args)
        except ScheduleError as exc:
            return Answer(str(exc))
        return self.choose_zone(user_id, zone, now)

    def awaiting_place(self, user_id: int, now: datetime) -> bool:
        """Whether they pressed "type a city" lately and chose no zone since (one row read)."""
        waiting = self.people.pending(user_id)
        return waiting is not None and waiting.typing and now - waiting.since <= TYPING_WINDOW

    def typed_place(
        self, user_id: int, text: str, now: datetime, language: str | None = None
    ) -> Answer | None:
        """A text after "type a city": the zone, or why not; None when it is no place name.

        Only short texts without a question are read as places, so a question
        typed instead still reaches the FAQ (the adapter also lets any
        message that triage flags go there first).
        """
        if not self.awaiting_place(user_id, now):
            return None
        place = " ".join(text.split())
        if not place or len(place) > MAX_PLACE_CHARS or len(place.split()) > MAX_PLACE_WORDS:
            return None
        if any(mark in place for mark in "?!"):
            return None
        try:
            zone = find_zone(place)
        except ScheduleError:
            self.people.await_typing(user_id, now)  # another try gets the full window
            waiting = self.people.pending(user_id)
            at = waiting.at if waiting is not None else None
            again = self._zone_question(at, now, language).buttons
            return Answer(self.t.zone_unknown.format(city=place[:40]), again)
        return self.choose_zone(user_id, zone, now)

    def located(self, user_id: int, zone_name: str | None, now: datetime) -> Answer:
        """A shared location, already turned into a zone name (None: none could be found)."""
        if zone_name is None or not is_zone_name(zone_name):
            return Answer(self.t.location_unknown)
        return self.choose_zone(user_id, ZoneInfo(zone_name), now)

    def listing(self, user_id: int, now: datetime) -> Answer:
        mine = self.store.of_user(user_id)
        if not mine:
            return Answer(self.t.list_empty)
        lines = [self.t.list_heading]
        for r in mine:
            line = "• " + self.t.list_item.format(time=_hhmm(r.at), next=self._next(r, now))
            if r.note:
                line += " - " + self.t.note.format(note=r.note)
            if r.paused:
                line += " " + self.t.paused
            lines.append(line)
        return Answer("\n".join(lines))

    def unremind(self, user_id: int, args: str) -> Answer:
        mine = self.store.of_user(user_id)
        if not mine:
            return Answer(self.t.nothing_to_remove)
        query = " ".join(args.split())
        if not query:
            rows = [(Button(self._label(r), RemoveReminder(r.id)),) for r in mine]
            rows.append((Button(self.t.unremind_all_button, RemoveReminder(None)),))
            return Answer(self.t.unremind_pick, tuple(rows))
        if query.lower() == "all":
            return Answer(self.t.removed_all.format(count=self.store.remove(user_id)))
        try:
            at = parse_time(query)
        except ScheduleError:
            at = None
        for r in mine:
            if r.at == at:
                self.store.remove(user_id, r.id)
                return Answer(self.t.removed.format(time=_hhmm(r.at)))
        shown = _hhmm(at) if at is not None else f"'{query[:40]}'"
        times = ", ".join(_hhmm(r.at) for r in mine)
        return Answer(self.t.unremind_unknown.format(query=shown, times=times))

    def stop(self, user_id: int) -> Answer:
        self.people.release(user_id)  # a reminder still waiting for its zone goes too
        removed = self.store.remove(user_id)
        return Answer(self.t.stopped.format(count=removed) if removed else self.t.stop_none)

    def history(self, user_id: int, args: str, now: datetime) -> Answer:
        """A weekly grid since the first reminder with streak and adherence, or a CSV file."""
        wanted = args.strip().lower()
        if wanted not in ("", "csv"):
            return Answer(self.t.history_usage)
        zone, _ = self.zone_for(user_id)
        today = now.astimezone(zone).date()
        rows = self.store.history(user_id, date.min)  # since the first reminder
        if not rows:
            mine = sorted(self.store.of_user(user_id), key=lambda r: r.due_utc)
            if mine:
                return Answer(self.t.history_waiting.format(next=self._next(mine[0], now)))
            return Answer(self.t.history_empty)
        since = _day(rows[0].day)
        if wanted == "csv":
            columns = [c.strip() for c in self.t.csv_columns.split(",")]
            data = to_csv(rows, columns, lambda r: self._status(r.status, r.day, today))
            caption = self.t.csv_caption.format(since=since)
            return Answer("", document=Document(self.t.csv_filename, data, caption))
        grid = weeks(rows, today, max_weeks=len(rows) + 53)
        lines = [self.t.history_heading.format(since=since)]
        lines += [f"{_week(w.monday, today)}  {self._cells(w.cells)}" for w in grid[-MAX_WEEKS:]]
        if len(grid) > MAX_WEEKS:
            lines.append(self.t.history_more.format(weeks=MAX_WEEKS))
        lines += [self.t.history_legend, "", self._streak(rows, today)]
        lines += self._adherence(rows, today)
        return Answer("\n".join(lines))

    def _cells(self, cells: tuple[Cell, ...]) -> str:
        shown = {
            Cell.TAKEN: self.t.cell_taken,
            Cell.SKIPPED: self.t.cell_skipped,
            Cell.MISSED: self.t.cell_missed,
            Cell.NONE: self.t.cell_none,
        }
        return " ".join(shown[c] for c in cells)

    def _streak(self, rows: list[HistoryRow], today: date) -> str:
        days = streak(rows, today)
        if days == 0:
            return self.t.streak_none
        return self.t.streak_one if days == 1 else self.t.streak.format(days=days)

    def _adherence(self, rows: list[HistoryRow], today: date) -> list[str]:
        taken, due = adherence(rows, today)
        if not due:
            return []
        return [self.t.adherence.format(taken=taken, due=due, percent=percent(taken, due))]

    # -- nudges, weekly summaries, refills --------------------------------------

    def nudge(self, user_id: int, args: str) -> Answer:
        """/nudge on|off: one follow-up when a reminder stays unmarked; /nudge shows which."""
        after = self.store.nudge_after
        if after is None:
            return Answer(self.t.nudge_disabled)
        wanted = args.strip().lower()
        if wanted in ("on", "off"):
            self.people.set_nudges(user_id, wanted == "on")
        elif wanted:
            return Answer(self.t.nudge_usage)
        if not self.people.nudges_on(user_id):
            return Answer(self.t.nudge_off)
        return Answer(self.t.nudge_on.format(minutes=int(after.total_seconds() // 60)))

    def weekly(self, user_id: int, args: str, now: datetime) -> Answer:
        """/weekly on|off: a short summary every Sunday evening in their zone."""
        wanted = args.strip().lower()
        zone, chosen = self.zone_for(user_id)
        if wanted == "off":
            self.people.set_weekly(user_id, None, now)
            return Answer(self.t.weekly_off)
        if wanted == "on":
            self.people.set_weekly(user_id, zone, now)
        elif wanted:
            return Answer(self.t.weekly_usage)
        upcoming = self.people.weekly_next(user_id)
        if upcoming is None:
            return Answer(self.t.weekly_off)
        lines = [self.t.weekly_on.format(next=self._when(upcoming, zone, now))]
        if not chosen:
            lines.append(self.t.default_zone.format(zone=zone.key))
        return Answer("\n".join(lines))

    def refill(self, user_id: int, args: str, now: datetime) -> Answer:
        """/refill 60: doses left (Taken counts down); /refill shows it; /refill off stops."""
        words = args.split()
        per_day = max(1, self.store.per_day(user_id))
        if not words:
            current = self.people.refill(user_id)
            if current is None:
                return Answer(self.t.refill_none)
            days = days_left(current.doses, per_day)
            return Answer(
                self.t.refill_show.format(doses=current.doses, days=days, per_day=per_day)
            )
        if words[0].lower() == "off":
            self.people.set_refill(user_id, None, now)
            return Answer(self.t.refill_off)
        if not _COUNT.fullmatch(words[0]) or int(words[0]) > MAX_DOSES:
            return Answer(self.t.refill_bad.format(max=MAX_DOSES))
        doses = int(words[0])
        self.people.set_refill(user_id, doses, now)
        days = days_left(doses, per_day)
        return Answer(
            self.t.refill_set.format(doses=doses, days=days, per_day=per_day, low=LOW_DAYS)
        )

    def forget_prompt(self) -> Answer:
        buttons = (
            Button(self.t.forget_yes, ConfirmForget(yes=True)),
            Button(self.t.forget_no, ConfirmForget(yes=False)),
        )
        return Answer(self.t.forget_confirm, (buttons,))

    # -- the reminder itself ----------------------------------------------------

    def message(self, occ: Occurrence | Summary, late: bool) -> Answer:
        """What a due reminder, nudge or weekly summary says, with its buttons."""
        if isinstance(occ, Summary):
            return self._summary(occ)
        r = occ.reminder
        if occ.nudge:
            lines = [self.t.nudge.format(time=_hhmm(r.at))]
            if r.note:
                lines.append(self.t.note.format(note=r.note))
            lines += ["", self.t.nudge_hint]
            buttons = self._reminder_buttons(r, occ.day)
            return Answer("\n".join(lines), (buttons[0], buttons[1][1:]))
        lines = [self.t.title.format(time=_hhmm(r.at))]
        if occ.snoozed:
            lines.append(self.t.snoozed_again)
        if late:
            due = occ.due_at.astimezone(ZoneInfo(r.zone))
            lines.append(self.t.late.format(time=due.strftime("%H:%M")))
        supply = self.people.refill(r.user_id)
        per_day = self.store.per_day(r.user_id)
        if supply is not None and is_low(supply, per_day):
            days = days_left(supply.doses, per_day)
            lines.append(self.t.refill_low.format(days=days, doses=supply.doses))
        return Answer(self._reminder_text(r, occ.day, lines), self._reminder_buttons(r, occ.day))

    def _summary(self, summary: Summary) -> Answer:
        """The week that ends today (Monday to Sunday, their zone): grid row, figures, streak."""
        zone = ZoneInfo(summary.zone)
        end = summary.due_at.astimezone(zone).date()
        start = end - timedelta(days=end.weekday())
        rows = self.store.history(summary.user_id, end - STREAK_LOOKBACK)
        week = [r for r in rows if start <= r.day <= end]
        lines = [self.t.weekly_title.format(start=_day(start), end=_day(end))]
        if not week:
            lines.append(self.t.weekly_nothing)
        else:
            (row,) = weeks(week, end)[-1:]
            lines.append(self._cells(row.cells))
            lines += self._adherence(week, end)
            lines.append(self._streak(rows, end))
        lines += ["", self.t.weekly_hint]
        return Answer("\n".join(lines))

    def _reminder_text(self, r: Reminder, day: date, head: list[str]) -> str:
        lines = list(head)
        if r.note:
            lines.append(self.t.note.format(note=r.note))
        tip = self.tips[(day.toordinal() + r.id) % len(self.tips)]
        lines += ["", self.t.tip.format(tip=tip.text), "", self.t.caveat]
        return "\n".join(lines)

    def _reminder_buttons(self, r: Reminder, day: date) -> tuple[tuple[Button, ...], ...]:
        return (
            (Button(self.t.taken_button, MarkReminder(r.id, day, Mark.TAKEN)),),
            (
                Button(self.t.snooze_button, MarkReminder(r.id, day, Mark.SNOOZED)),
                Button(self.t.skip_button, MarkReminder(r.id, day, Mark.SKIPPED)),
            ),
        )

    # -- button presses ---------------------------------------------------------

    def press(self, user_id: int, action: ReminderAction, now: datetime) -> Answer:
        """Handle a reminder button; a button of someone else's or a removed reminder is 'gone'."""
        match action:
            case PickZone():
                if not is_zone_name(action.zone):
                    return Answer("", toast=self.t.gone)
                return self.choose_zone(user_id, ZoneInfo(action.zone), now)
            case TypeCity():
                self.people.await_typing(user_id, now)
                return Answer(self.t.zone_type_prompt)
            case UndoMark():
                return self._press_undo(user_id, action, now)
            case ConfirmForget():
                if not action.yes:
                    return Answer(self.t.forget_kept)
                self.store.forget(user_id)
                return Answer(self.t.forgotten)
            case RemoveReminder():
                if action.reminder_id is None:
                    return Answer(self.t.removed_all.format(count=self.store.remove(user_id)))
                return self._press_unremind(user_id, action.reminder_id)
            case MarkReminder():
                return self._press_reminder(user_id, action, now)

    def _press_unremind(self, user_id: int, rid: int) -> Answer:
        r = self.store.find(user_id, rid)
        if r is None:
            return Answer("", toast=self.t.gone)
        self.store.remove(user_id, r.id)
        return Answer(self.t.removed.format(time=_hhmm(r.at)))

    def _press_reminder(self, user_id: int, action: MarkReminder, now: datetime) -> Answer:
        r = self.store.find(user_id, action.reminder_id)
        if r is None:
            return Answer("", toast=self.t.gone)
        day = action.day
        head = [self.t.title.format(time=_hhmm(r.at))]
        if action.mark is Mark.SNOOZED:
            until = self.store.snooze(r, day, now).astimezone(ZoneInfo(r.zone))
            done = self.t.snoozed_done.format(time=until.strftime("%H:%M"))
            return Answer(self._reminder_text(r, day, head) + "\n\n" + done, toast=done)
        taken = action.mark is Mark.TAKEN
        self.store.record(r, day, Status.TAKEN if taken else Status.SKIPPED, now)
        done = (self.t.taken_done if taken else self.t.skipped_done).format(
            day=self._day_label(r, day, now)
        )
        supply = self.people.refill(user_id)
        if taken and supply is not None:
            done += " " + self.t.refill_left.format(doses=supply.doses)
        undo = ((Button(self.t.undo_button, UndoMark(r.id, day)),),)
        return Answer(self._reminder_text(r, day, head) + "\n\n" + done, undo, toast=done)

    def _press_undo(self, user_id: int, action: UndoMark, now: datetime) -> Answer:
        """Back to unmarked, until midnight (their zone) on the day the mark was made."""
        r = self.store.find(user_id, action.reminder_id)
        if r is None:
            return Answer("", toast=self.t.gone)
        found = self.store.marked(r.id, action.day)
        if found is None or found[0] not in (Status.TAKEN, Status.SKIPPED):
            return Answer("", toast=self.t.undo_nothing)
        zone = ZoneInfo(r.zone)
        if now.astimezone(zone).date() > found[1].astimezone(zone).date():
            return Answer("", toast=self.t.undo_too_late)
        self.store.unmark(r, action.day, now)
        done = self.t.undone.format(day=self._day_label(r, action.day, now))
        head = [self.t.title.format(time=_hhmm(r.at))]
        text = self._reminder_text(r, action.day, head) + "\n\n" + done
        return Answer(text, self._reminder_buttons(r, action.day), toast=done)

    def _day_label(self, r: Reminder, day: date, now: datetime) -> str:
        today = now.astimezone(ZoneInfo(r.zone)).date()
        return self.t.today if day == today else _day(day)

    # -- wording helpers ----------------------------------------------------------

    def _next(self, r: Reminder, now: datetime) -> str:
        """'today at 21:30 Europe/Berlin', 'tomorrow at ...', or 'Sat 28 Mar at ...'."""
        return self._when(r.due_utc, ZoneInfo(r.zone), now)

    def _when(self, instant: datetime, zone: ZoneInfo, now: datetime) -> str:
        local = instant.astimezone(zone)
        today = now.astimezone(zone).date()
        if local.date() == today:
            when = self.t.today
        elif local.date() == today + timedelta(days=1):
            when = self.t.tomorrow
        else:
            when = _day(local.date())
        return f"{when} at {local:%H:%M} {zone.key}"

    def _status(self, status: Status, day: date, today: date) -> str:
        match status:
            case Status.SENT:
                return self.t.status_open if day == today else self.t.status_unanswered
            case Status.TAKEN:
                return self.t.status_taken
            case Status.SKIPPED:
                return self.t.status_skipped
            case Status.MISSED:
                return self.t.status_missed

    def _label(self, r: Reminder) -> str:
        return f"{_hhmm(r.at)} {r.note}"[:60].strip()


def _hhmm(at: time) -> str:
    return at.strftime("%H:%M")


def _day(day: date) -> str:
    return day.strftime("%a %d %b")


def _week(monday: date, today: date) -> str:
    """A grid row's label: '23 Mar', with the year when it is not this year's."""
    return monday.strftime("%d %b" if monday.year == today.year else "%d %b %Y")
