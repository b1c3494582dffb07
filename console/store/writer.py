"""Writes entries to the database on one worker thread, or to the spool when it cannot take them.

Every entry is stored in its own transaction (all of it or none). An entry the database refuses
(a value it cannot hold) is set aside in a quarantine file beside the spool, with a message, and
the entries behind it go on. When neither the database nor the spool's disk can take an entry
(the disk is full), it is held in memory and retried. Replaying the spool stores nothing twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import text

from console.errors import StoreUnavailable
from console.store.commands import (
    Command,
    SaveAlarmEvents,
    SaveAudit,
    SaveObservation,
    SaveTransition,
    SaveVitals,
    Targets,
    command_from_json,
)
from console.store.database import StoreRefused
from console.store.database_thread import DatabaseThread
from console.store.entry_state import EntryState, Outcome, WriterHealth, WriterListener
from console.store.quarantine import Quarantine, load_spool
from console.store.spool import Spool

__all__ = [
    "Command",
    "DurableWriter",
    "EntryState",
    "Outcome",
    "SaveAlarmEvents",
    "SaveAudit",
    "SaveObservation",
    "SaveTransition",
    "SaveVitals",
    "Targets",
    "WriterHealth",
    "command_from_json",
]

log = logging.getLogger(__name__)

RETRY_S = 2.0  # how often entries waiting for the database (or for disk space) are retried
STOP_WAIT_S = 3.0  # at close, how long the worker may finish; what is left goes to the spool
PING_S = 2.0  # an idle writer asks the database this often whether it still answers


@dataclass(slots=True)
class _Entry:
    seq: int
    command: Command
    item: dict[str, Any] | None = None  # its JSON, made once

    def json(self) -> dict[str, Any]:
        if self.item is None:
            self.item = self.command.to_json()
        return self.item


class DurableWriter:
    """Every entry is in the database, in the spool, in the quarantine file or (disk full) held
    in memory, in the order it was made. Until ``start`` it writes on the caller's thread.
    """

    def __init__(self, targets: Targets, spool: Spool, *, retry_s: float = RETRY_S) -> None:
        self._targets = targets
        self._spool = spool
        self._retry_s = retry_s
        self._quarantine = Quarantine(spool.path.with_name(spool.path.stem + ".quarantine.jsonl"))
        self._cond = threading.Condition()
        self._queue: deque[_Entry] = deque()
        self._spooled: list[dict[str, Any]] = []  # the spool's entries, oldest first
        self._held: list[_Entry] = []  # entries neither stored nor spooled (full disk)
        self._current: _Entry | None = None  # the entry the worker is storing
        self._spool_lock = threading.Lock()  # the spool file and ``_spooled`` change together
        self._abandoned = False  # closed while the worker was still busy: it keeps nothing more
        self._listeners: list[WriterListener] = []
        self._waiters: list[tuple[int, Callable[[], None]]] = []
        self._seq = 0  # the last entry written
        self._done = 0  # every entry up to this one is stored, spooled or set aside
        self._thread: threading.Thread | None = None
        self._database: DatabaseThread | None = None  # the one thread that waits on it
        self._stopping = False
        self._retry_now = False
        self.last_error = ""
        self.notices: list[str] = []  # messages for the user so far (quarantined entries)
        self._load_spool()

    # ---- queries ---------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        """Entries not in the database yet: in the spool or held in memory."""
        with self._cond:
            return len(self._spooled) + len(self._held)

    @property
    def quarantine_path(self) -> str:
        return str(self._quarantine.path)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def health(self) -> WriterHealth:
        with self._cond:
            problem = self.last_error if self._spooled or self._held else ""
            return WriterHealth(problem, len(self._spooled), len(self._held))

    def subscribe(self, listener: WriterListener) -> None:
        self._listeners.append(listener)

    # ---- life ------------------------------------------------------------------------------
    def start(self) -> None:
        """Write on a worker thread from now on: ``write`` returns at once."""
        if self._thread is not None:
            return
        self._stopping = False
        self._database = DatabaseThread(self._wake)
        self._thread = threading.Thread(target=self._run, name="vigil-writer", daemon=True)
        self._thread.start()

    def stop(self, wait_s: float = STOP_WAIT_S) -> None:
        """Finish the queue (entries the database cannot take in ``wait_s`` go to the spool)."""
        thread = self._thread
        if thread is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        thread.join(wait_s)
        with self._spool_lock:
            with self._cond:
                self._thread = None
                self._abandoned = thread.is_alive()
                busy = [self._current] if self._abandoned and self._current is not None else []
                left = self._held + busy + list(self._queue)  # oldest first
                self._queue.clear()
                self._held = []
            if left:  # an entry stored meanwhile after all is skipped when the spool is replayed
                try:
                    self._spool.append_all([e.json() for e in left])
                    self._spooled.extend(e.json() for e in left)
                    log.warning(
                        "closing: %d entries kept in the spool %s", len(left), self._spool.path
                    )
                except OSError as error:
                    log.critical("closing: %d entries could not be kept (%s)", len(left), error)
        if self._database is not None:
            self._database.shutdown()
            self._database = None

    def drain(self, timeout_s: float = 10.0) -> bool:
        """Wait until every entry written so far is stored, spooled or set aside (tests, jobs)."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._thread is not None and self._done < self._seq:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    # ---- writing ---------------------------------------------------------------------------
    def write(self, command: Command) -> Outcome:
        """Store ``command``: on the writer thread once started (ACCEPTED, at once), else now."""
        with self._cond:
            self._seq += 1
            entry = _Entry(self._seq, command)
            if self._thread is not None:
                self._queue.append(entry)
                self._cond.notify_all()
                return Outcome.ACCEPTED
        return self._process(entry)

    def when_durable(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once every entry written before this call is committed, fsynced in
        the spool or set aside in the quarantine file (not while one is only held in memory).

        It is called at once on the caller's thread when that is already so, else later on the
        writer's thread: a Qt receiver must hand it to its own thread (a queued signal).
        """
        with self._cond:
            due = self._durable_locked() >= self._seq
            if not due:
                self._waiters.append((self._seq, callback))
        if due:
            callback()

    def flush(self) -> int:
        """Retry the entries waiting (now, or at once on the writer thread); return how many
        wait. Does not touch the database on the caller's thread once the writer runs.
        """
        if self._thread is not None:
            with self._cond:
                self._retry_now = True
                self._cond.notify_all()
                return len(self._spooled) + len(self._held)
        self._retry_backlog()
        return self.pending

    # ---- the worker ------------------------------------------------------------------------
    def _wake(self, _done: object = None) -> None:
        with self._cond:
            self._retry_now = True
            self._cond.notify_all()

    def _run(self) -> None:
        next_retry = time.monotonic() + self._retry_s
        while True:
            idle = False
            with self._cond:
                while not self._queue and not self._stopping and not self._retry_now:
                    if self._spooled or self._held:
                        left = next_retry - time.monotonic()
                        if left <= 0:
                            break
                        self._cond.wait(left)
                    elif not self._cond.wait(PING_S):
                        idle = True
                        break
                if self._stopping and not self._queue:
                    return
            if idle:
                self._ping()
                continue
            with self._cond:
                entry = self._queue.popleft() if self._queue else None
                self._current = entry
                retry = self._retry_now or time.monotonic() >= next_retry
                self._retry_now = False
            if retry and (self._spooled or self._held):
                self._retry_backlog()
                next_retry = time.monotonic() + self._retry_s
            if entry is not None:
                self._process(entry)
            with self._cond:
                self._current = None

    def _process(self, entry: _Entry) -> Outcome:
        """Store one entry now, or queue it behind older ones that wait."""
        if self._spooled or self._held:
            outcome = self._keep(entry)
        else:
            outcome = self._apply(entry, replay=False)
            if outcome is Outcome.QUEUED:
                outcome = self._keep(entry)
        self._finished(entry.seq)
        return outcome

    def _store(self, command: Command, replay: bool) -> None:
        """Write one entry in its own transaction (on the database thread once started)."""
        store = self._targets.database()
        store.writer_waiting_since = time.monotonic()
        try:
            if not (replay and command.already_applied(self._targets)):
                command.apply(self._targets)
        finally:
            store.writer_waiting_since = None

    def _ping(self) -> None:
        """Ask the database whether it answers: one that stopped is noticed without a write
        waiting on it, and reads on other threads give way meanwhile.
        """
        if self._database is None:
            return
        store = self._targets.database()

        def ping() -> None:
            store.writer_waiting_since = time.monotonic()
            try:
                with store.transaction() as tx:
                    tx.execute(text("SELECT 1"))
            finally:
                store.writer_waiting_since = None

        try:
            self._database.run(ping)
        except StoreUnavailable as error:
            log.debug("database check: %s", error)

    def _on_database(self, command: Command, replay: bool) -> None:
        """Write now on this thread, or on the database thread (which never waits long)."""
        if self._database is None:
            self._store(command, replay)
        else:
            self._database.run(partial(self._store, command, replay))

    def _apply(self, entry: _Entry, *, replay: bool) -> Outcome:
        """Store one entry in its own transaction: SAVED, QUEUED (not now) or REFUSED."""
        try:
            self._on_database(entry.command, replay)
        except StoreRefused as error:
            return self._set_aside(entry, str(error))
        except StoreUnavailable as error:
            if not self.last_error or self.last_error != str(error):
                log.warning("database unavailable, entries kept: %s", error)
            self.last_error = str(error)
            return Outcome.QUEUED
        except Exception as error:  # a value the store cannot take: never wedge the rest
            log.exception("entry %s refused", entry.command.uid)
            return self._set_aside(entry, f"{type(error).__name__}: {error}")
        self._tell_entry(entry.command.uid, EntryState.STORED)
        return Outcome.SAVED

    def _set_aside(self, entry: _Entry, reason: str) -> Outcome:
        try:
            item: dict[str, Any] = entry.json()
        except Exception as error:  # not even JSON: keep what can be said of it
            item = {"kind": type(entry.command).__name__, "repr": repr(entry.command)[:2000]}
            reason = f"{reason}; not writable as JSON ({error})"
        self._quarantined(item, reason)
        self._tell_entry(entry.command.uid, EntryState.QUARANTINED)
        return Outcome.REFUSED

    def _quarantined(self, item: dict[str, Any], reason: str) -> None:
        self._tell_notice(self._quarantine.set_aside(item, reason))

    def _tell_notice(self, message: str) -> None:
        self.notices.append(message)
        for listener in self._listeners:
            listener.notice(message)

    def _keep(self, entry: _Entry) -> Outcome:
        """Put an entry behind the older ones that wait: in the spool, or in memory when the
        spool's disk is full (then every later entry waits in memory too, to keep the order).
        """
        try:
            item = entry.json()
        except Exception as error:
            return self._set_aside(entry, f"not writable as JSON ({error})")
        if not self._held:
            with self._spool_lock:
                if self._abandoned:
                    return Outcome.QUEUED  # closing put it in the spool already
                try:
                    self._spool.append(item)
                except OSError as error:
                    self._disk_full(error)
                    kept = False
                else:
                    with self._cond:
                        self._spooled.append(item)
                    kept = True
            if kept:
                self._tell_entry(entry.command.uid, EntryState.SPOOLED)
                self._tell_health()
                return Outcome.QUEUED
        with self._cond:
            if self._abandoned:
                return Outcome.QUEUED
            self._held.append(entry)
        self._tell_entry(entry.command.uid, EntryState.HELD)
        self._tell_health()
        return Outcome.QUEUED

    def _disk_full(self, error: OSError) -> None:
        self.last_error = (
            f"Entries cannot be stored: the disk is full or failing ({error.strerror or error}). "
            "They are kept in memory and saved once space is freed. Free disk space now and do "
            "not close Vigil."
        )
        log.error("spool %s not written: %s", self._spool.path, error)

    def _retry_backlog(self) -> None:
        """Store the spooled entries, then the held ones, oldest first, each once."""
        done = 0
        stopped = False
        for item in list(self._spooled):
            try:
                command = command_from_json(item)
            except Exception as error:
                self._quarantined(item, f"unreadable entry ({type(error).__name__}: {error})")
                done += 1
                continue
            outcome = self._apply(_Entry(0, command, item), replay=True)
            if outcome is Outcome.QUEUED:
                stopped = True
                break
            done += 1
        if done:
            with self._spool_lock:
                with self._cond:
                    rest = self._spooled[done:]
                try:
                    self._spool.replace(rest)
                except OSError as error:  # the stored ones are skipped when replayed again
                    log.warning("spool %s not rewritten (%s)", self._spool.path, error)
                with self._cond:
                    del self._spooled[:done]
        if not stopped and not self._spooled:
            self._retry_held()
        self._tell_health()

    def _retry_held(self) -> None:
        while self._held:
            entry = self._held[0]
            if self._apply(entry, replay=True) is Outcome.QUEUED:
                self._spill_held()
                return
            with self._cond:
                if self._held and self._held[0] is entry:
                    self._held.pop(0)
                due = self._call_waiters_locked()
            for callback in due:
                callback()

    def _spill_held(self) -> None:
        """The database still cannot take them: move the held entries to the spool if it has
        room again (they become durable).
        """
        with self._spool_lock:
            held = list(self._held)
            if self._abandoned or not held:
                return
            try:
                self._spool.append_all([e.json() for e in held])
            except OSError as error:
                self._disk_full(error)
                return
            with self._cond:
                self._spooled.extend(e.json() for e in held)
                self._held = []
                due = self._call_waiters_locked()
        for entry in held:
            self._tell_entry(entry.command.uid, EntryState.SPOOLED)
        for callback in due:
            callback()

    def _finished(self, seq: int) -> None:
        with self._cond:
            self._done = max(self._done, seq)
            self._cond.notify_all()
            due = self._call_waiters_locked()
        for callback in due:
            callback()

    def _durable_locked(self) -> int:
        """Every entry up to this one is committed, spooled or set aside (none held)."""
        return self._done if not self._held else min(e.seq for e in self._held) - 1

    def _call_waiters_locked(self) -> list[Callable[[], None]]:
        """The callbacks now due (an entry held in memory is not durable: they wait)."""
        durable = self._durable_locked()
        due = [cb for seq, cb in self._waiters if seq <= durable]
        self._waiters = [(seq, cb) for seq, cb in self._waiters if seq > durable]
        return due

    def _load_spool(self) -> None:
        """Read what a previous run left; lines that cannot be entries go to the quarantine."""
        self._spooled, notice = load_spool(self._spool, self._quarantine, command_from_json)
        if notice:
            self._tell_notice(notice)
        if self._spooled:
            self.last_error = (
                f"{len(self._spooled)} entries from an earlier run wait in the spool; they are "
                "being saved."
            )

    # ---- telling ---------------------------------------------------------------------------
    def _tell_entry(self, uid: str, state: EntryState) -> None:
        for listener in self._listeners:
            listener.entry_changed(uid, state)

    def _tell_health(self) -> None:
        health = self.health()
        for listener in self._listeners:
            listener.health_changed(health)
