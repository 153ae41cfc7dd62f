"""A lease in the database: one process at a time does a job (sending reminders).

Two bot processes on one database file (a deploy that starts the new one
before stopping the old, or a second copy started by mistake) would both
send every due reminder. The lease row names one holder and an expiry; the
holder renews it while it is alive and releases it when it stops cleanly.
Another process takes it only once it has expired, so after a kill -9 the
job moves over within one lease length (plus one tick of the new holder).

The lease saves double work; it is not what keeps a reminder from being
sent twice: a holder frozen longer than its lease can still be sending
while another takes over, and the per-reminder claims of
`bot.reminders.delivery` settle that.

Standard library only, with the clock as a parameter. The clock must be
real time (not the moveable CLOCK_FILE clock of the tests): expiry is about
processes being alive.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
from datetime import UTC, datetime, timedelta

from bot.clock import Clock
from bot.storage.db import transaction


def new_holder() -> str:
    """A name for this process that no other (nor a restart of it) shares."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Lease:
    """The lease `name` for `holder`, `length` long from each acquire or renew."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        name: str,
        length: timedelta,
        clock: Clock,
        holder: str | None = None,
    ) -> None:
        self.conn = conn
        self.name = name
        self.length = length
        self.clock = clock
        self.holder = holder or new_holder()
        self.expires: datetime | None = None  # while we hold it, as far as we know

    def acquire(self) -> bool:
        """Take the lease if it is free or expired, renew it if it is ours.

        True when this process holds it for `length` from now; False when
        another holder's lease is still running (we wait for it).
        """
        now = self.clock()
        with transaction(self.conn):
            row = self.conn.execute(
                "SELECT holder, expires FROM leases WHERE name = ?", (self.name,)
            ).fetchone()
            if (
                row is not None
                and row[0] != self.holder
                and _at(row[1]) > now
                and not _dead_here(str(row[0]))
            ):
                self.expires = None
                return False
            until = now + self.length
            self.conn.execute(
                "INSERT INTO leases(name, holder, expires) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, "
                "expires = excluded.expires",
                (self.name, self.holder, _ts(until)),
            )
        self.expires = until
        return True

    def held(self) -> bool:
        """Whether we hold it right now, by our own record (no database read)."""
        return self.expires is not None and self.clock() < self.expires

    def release(self) -> None:
        """Give it up (a clean stop), so another process need not wait for the expiry."""
        with transaction(self.conn):
            self.conn.execute(
                "DELETE FROM leases WHERE name = ? AND holder = ?", (self.name, self.holder)
            )
        self.expires = None

    def current(self) -> tuple[str, datetime] | None:
        """Who holds it and until when (expired or not), or None."""
        row = self.conn.execute(
            "SELECT holder, expires FROM leases WHERE name = ?", (self.name,)
        ).fetchone()
        return None if row is None else (str(row[0]), _at(row[1]))


def _dead_here(holder: str) -> bool:
    """A holder on this machine whose process is gone (a kill -9 and restart): no wait."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _at(text: object) -> datetime:
    return datetime.fromisoformat(str(text)).astimezone(UTC)
