"""Best-effort writes nobody waits for: statistics, feedback counters, "seen", resumes.

Why: an answer must never wait for, or fail because of, a write that only
counts things. Handlers put each write in a bounded queue and go on; one
worker thread with its OWN connection to the same file does them in order,
so a locked file, a read-only file or a full disk slows or loses
bookkeeping, never a reply. A full queue drops the write (counted). A
failing write is counted, logged once per outage (not per message), and
reported once through `notify`; when writes work again that is logged too.

Standard library only, and `bot.storage.db` for the connection.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.storage.db import another_connection

log = logging.getLogger(__name__)

QUEUE_CAPACITY = 10_000  # about a minute of a very busy bot; beyond it, writes are dropped
# Shorter than the shared connection's 5 s: a write blocked by another process
# holds up only the writes queued behind it, and the queue absorbs them.
BUSY_TIMEOUT_MS = 2000

Job = Callable[[sqlite3.Connection], object]
Notify = Callable[[str], None]
Connect = Callable[[str], sqlite3.Connection]


def connect(path: str) -> sqlite3.Connection:
    """The worker's own connection (the file was already opened and migrated)."""
    return another_connection(path, BUSY_TIMEOUT_MS)


@dataclass
class _Worker:
    """The thread's state; the Bookkeeper facade may be collected while this runs."""

    path: str
    connect: Connect
    notify: Notify | None
    jobs: queue.Queue[Job | None]
    done: int = 0
    failed: int = 0
    dropped: int = 0
    failing: bool = False  # in an outage: failures are counted, not logged again
    lost_in_outage: int = 0
    conn: sqlite3.Connection | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    return
                self._do(job)
            finally:
                self.jobs.task_done()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _do(self, job: Job) -> None:
        if isinstance(job, _Marker):
            job.reached.set()
            return
        try:
            if self.conn is None:
                self.conn = self.connect(self.path)
            job(self.conn)
        except sqlite3.Error as exc:
            self._rollback()
            self._failed(exc)
            return
        except Exception:  # a bug in one job must not stop the others
            self._rollback()
            log.exception("A bookkeeping write failed")
            return
        with self.lock:
            self.done += 1
            recovered, lost = self.failing, self.lost_in_outage
            self.failing, self.lost_in_outage = False, 0
        if recovered:
            log.warning("Bookkeeping writes work again (%d lost meanwhile)", lost)

    def _rollback(self) -> None:
        """A failed COMMIT (disk full) leaves the transaction open: end it, or nothing works."""
        if self.conn is not None and self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                self.close()  # reconnect at the next write

    def _failed(self, exc: sqlite3.Error) -> None:
        with self.lock:
            self.failed += 1
            self.lost_in_outage += 1
            first = not self.failing
            self.failing = True
        if not first:
            return
        problem = f"statistics are not being saved: {describe(exc)}"
        log.warning("%s (answers go on; logged once until writes work again)", problem)
        if self.notify is not None:
            try:
                self.notify(problem)
            except Exception:  # a report must never stop the writer
                log.warning("Could not report the bookkeeping failure")

    def count_drop(self) -> None:
        with self.lock:
            self.dropped += 1
            self.lost_in_outage += 1
            first = not self.failing
            self.failing = True
        if first:
            log.warning("Bookkeeping queue full: writes are dropped until it drains")


def describe(exc: BaseException) -> str:
    """A failing write in a few words an admin can act on."""
    reason = str(exc)
    if "locked" in reason or "busy" in reason:
        return "the database is locked by another process"
    if "readonly" in reason or "read-only" in reason:
        return "the database file is read-only"
    if "full" in reason:
        return "the disk is full"
    return f"{type(exc).__name__}: {reason}"


class Bookkeeper:
    """Queue best-effort writes for one worker thread: `submit(job)` never blocks or raises.

    `job(conn)` runs on the worker's own connection; `notify(problem)` is
    called (from the worker thread) once per outage. The thread starts at
    the first submit and stops on `close()` or when this object is collected.
    """

    def __init__(
        self,
        path: str,
        *,
        capacity: int = QUEUE_CAPACITY,
        notify: Notify | None = None,
        connector: Connect = connect,
    ) -> None:
        jobs: queue.Queue[Job | None] = queue.Queue(maxsize=capacity)
        self._worker = _Worker(str(path), connector, notify, jobs)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _stop, self._worker, None)

    @property
    def done(self) -> int:
        return self._worker.done

    @property
    def failed(self) -> int:
        return self._worker.failed

    @property
    def dropped(self) -> int:
        return self._worker.dropped

    def set_notify(self, notify: Notify | None) -> None:
        self._worker.notify = notify

    def submit(self, job: Job) -> bool:
        """Queue `job`; False (and counted) when the queue is full or closed."""
        if not self._finalizer.alive:
            self._worker.count_drop()
            return False
        self._start()
        try:
            self._worker.jobs.put_nowait(job)
        except queue.Full:
            self._worker.count_drop()
            return False
        return True

    def flush(self, timeout: float) -> bool:
        """Wait until the writes queued so far are done, so a report counts them.

        False when they are not done within `timeout`; on the worker thread, True at once.
        """
        if self._thread is None or threading.current_thread() is self._thread:
            return True
        marker, deadline = _Marker(), time.monotonic() + timeout
        try:
            self._worker.jobs.put(marker, timeout=timeout)
        except queue.Full:
            return False
        return marker.reached.wait(max(0.0, deadline - time.monotonic()))

    def close(self, timeout: float = 5.0) -> None:
        """Finish the queued writes (at most `timeout` seconds), then close the connection."""
        thread = self._thread
        self._finalizer.detach()
        _stop(self._worker, thread, timeout)

    def _start(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                thread = threading.Thread(
                    target=_serve, args=(self._worker,), name="bookkeeping", daemon=True
                )
                thread.start()
                self._thread = thread


class _Marker:
    """A place in the queue: set when every write before it is done."""

    def __init__(self) -> None:
        self.reached = threading.Event()

    def __call__(self, conn: sqlite3.Connection) -> None:
        self.reached.set()


def _serve(worker: _Worker) -> None:
    try:
        worker.run()
    finally:
        worker.close()


def _stop(worker: _Worker, thread: threading.Thread | None, timeout: float = 0.0) -> None:
    """Ask the worker to end after the queued writes; wait for it when `thread` is given."""
    with contextlib.suppress(queue.Full):  # a daemon thread: it goes with the process
        worker.jobs.put(None, timeout=max(timeout, 0.01))
    if thread is not None:
        thread.join(timeout)
