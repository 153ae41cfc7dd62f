"""The reminder conversation: commands and button presses in, plain-text answers out.

Telegram-free and clock-free (`now` is a parameter), so the same rules are
unit-tested directly and the Telegram handlers stay thin. Every refusal
explains itself with an example and changes nothing stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from bot.faq.content import Content
from bot.reminders.schedule import ScheduleError, find_zone, parse_time
from bot.reminders.store import (
    MAX_REMINDERS_PER_PERSON,
    DuplicateReminder,
    Occurrence,
    Reminder,
    ReminderStore,
    Status,
    TooManyReminders,
)
from bot.reminders.streak import HISTORY_DAYS, last_days, streak

MAX_NOTE_CHARS = 100
STREAK_LOOKBACK = timedelta(days=366)
COMMANDS = ("remind", "reminders", "unremind", "timezone", "history", "stop", "forget")


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


ReminderAction = MarkReminder | RemoveReminder | ConfirmForget


@dataclass(frozen=True)
class Button:
    """A button; `action` is handed back to `press` (the adapter encodes it for the wire)."""

    label: str
    action: ReminderAction


@dataclass(frozen=True)
class Answer:
    """Plain text to show (empty: leave the message as it is), buttons, a short toast."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    toast: str = ""


class ReminderConversation:
    def __init__(self, content: Content, store: ReminderStore, default_zone: ZoneInfo) -> None:
        self.t = content.reminders
        self.tips = content.tips
        self.store = store
        self.default_zone = default_zone

    def zone_for(self, user_id: int) -> tuple[ZoneInfo, bool]:
        """The person's zone, and whether they chose it (False: the default)."""
        stored = self.store.zone_of(user_id)
        return (ZoneInfo(stored), True) if stored else (self.default_zone, False)

    # -- commands ---------------------------------------------------------------

    def command(self, name: str, user_id: int, args: str, now: datetime) -> Answer:
        """One of COMMANDS with the text after it."""
        match name:
            case "remind":
                return self.remind(user_id, args, now)
            case "reminders":
                return self.listing(user_id, now)
            case "unremind":
                return self.unremind(user_id, args)
            case "timezone":
                return self.timezone(user_id, args, now)
            case "history":
                return self.history(user_id, now)
            case "stop":
                return self.stop(user_id)
            case "forget":
                return self.forget_prompt()
        raise KeyError(name)

    def private_only(self) -> Answer:
        """Reminders are personal: they are set in a private chat, never in a group."""
        return Answer(self.t.private_only)

    def resume(self, user_id: int, now: datetime) -> None:
        """The person wrote to us, so they have not blocked the bot (any more)."""
        self.store.resume(user_id, now)

    def remind(self, user_id: int, args: str, now: datetime) -> Answer:
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
        zone, chosen = self.zone_for(user_id)
        try:
            reminder = self.store.add(user_id, at, zone, note, now)
        except TooManyReminders:
            return Answer(self.t.too_many.format(max=MAX_REMINDERS_PER_PERSON))
        except DuplicateReminder:
            return Answer(self.t.duplicate.format(time=_hhmm(at)))
        lines = [self.t.set.format(time=_hhmm(at), zone=zone.key, next=self._next(reminder, now))]
        if note:
            lines.append(self.t.set_note.format(note=note))
        if not chosen:
            lines.append(self.t.default_zone.format(zone=zone.key))
        return Answer("\n".join(lines))

    def timezone(self, user_id: int, args: str, now: datetime) -> Answer:
        if not args.strip():
            zone, chosen = self.zone_for(user_id)
            return Answer((self.t.zone_show if chosen else self.t.zone_unset).format(zone=zone.key))
        try:
            zone = find_zone(args)
        except ScheduleError as exc:
            return Answer(str(exc))
        moved = self.store.set_zone(user_id, zone, now)
        local = now.astimezone(zone).strftime("%H:%M")
        return Answer(self.t.zone_set.format(zone=zone.key, local=local, count=moved))

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
        removed = self.store.remove(user_id)
        return Answer(self.t.stopped.format(count=removed) if removed else self.t.stop_none)

    def history(self, user_id: int, now: datetime) -> Answer:
        zone, _ = self.zone_for(user_id)
        today = now.astimezone(zone).date()
        rows = self.store.history(user_id, today - STREAK_LOOKBACK)
        if not rows:
            return Answer(self.t.history_empty)
        lines = [self.t.history_heading]
        for line in last_days(rows, today, HISTORY_DAYS):
            marks = [
                (_hhmm(at), self._status(status, line.day, today)) for at, status in line.marks
            ]
            if not marks:
                shown = self.t.status_none
            elif len(marks) == 1:
                shown = marks[0][1]
            else:
                shown = ", ".join(f"{at} {label}" for at, label in marks)
            lines.append(f"{_day(line.day)}: {shown}")
        lines.append(self.t.streak.format(days=streak(rows, today)))
        return Answer("\n".join(lines))

    def forget_prompt(self) -> Answer:
        buttons = (
            Button(self.t.forget_yes, ConfirmForget(yes=True)),
            Button(self.t.forget_no, ConfirmForget(yes=False)),
        )
        return Answer(self.t.forget_confirm, (buttons,))

    # -- the reminder itself ----------------------------------------------------

    def message(self, occ: Occurrence, late: bool) -> Answer:
        """What a due reminder says, with its Taken / Snooze / Skip buttons."""
        r = occ.reminder
        lines = [self.t.title.format(time=_hhmm(r.at))]
        if occ.snoozed:
            lines.append(self.t.snoozed_again)
        if late:
            due = occ.due_at.astimezone(ZoneInfo(r.zone))
            lines.append(self.t.late.format(time=due.strftime("%H:%M")))
        return Answer(self._reminder_text(r, occ.day, lines), self._reminder_buttons(r, occ.day))

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
        else:
            taken = action.mark is Mark.TAKEN
            self.store.record(r, day, Status.TAKEN if taken else Status.SKIPPED, now)
            today = now.astimezone(ZoneInfo(r.zone)).date()
            label = self.t.today if day == today else _day(day)
            done = (self.t.taken_done if taken else self.t.skipped_done).format(day=label)
        return Answer(self._reminder_text(r, day, head) + "\n\n" + done, toast=done)

    # -- wording helpers ----------------------------------------------------------

    def _next(self, r: Reminder, now: datetime) -> str:
        """'today at 21:30 Europe/Berlin', 'tomorrow at ...', or 'Sat 28 Mar at ...'."""
        zone = ZoneInfo(r.zone)
        local = r.due_utc.astimezone(zone)
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
