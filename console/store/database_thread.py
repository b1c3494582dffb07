"""The one thread that waits on the database for the durable writer, never for long."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from console.errors import StoreUnavailable
from console.store.database import StoreRefused, mark_writer_thread

# a write the database has not finished in this time is left to finish on its own while the
# writer keeps the entry in the spool (a lock, a server that stopped answering): nothing waits
# only in memory for longer
STUCK_S = 0.5
log = logging.getLogger(__name__)
NOT_ANSWERING = (
    "The database has not answered in time. Entries are kept in the spool and saved when it does."
)


class DatabaseThread:
    """Runs one write at a time; ``run`` gives up waiting after ``stuck_s`` (StoreUnavailable)
    and refuses new writes until the stuck one has finished.
    """

    def __init__(self, wake: Callable[[], None], stuck_s: float = STUCK_S) -> None:
        self._wake = wake  # called (on this thread) when a stuck write finally finishes
        self._stuck_s = stuck_s
        self._pool = ThreadPoolExecutor(1, "vigil-db", initializer=mark_writer_thread)
        self._stuck: Future[None] | None = None
        self._last: Future[None] | None = None
        self._reason = NOT_ANSWERING  # why the last stuck write failed, once known

    def run(self, job: Callable[[], None]) -> None:
        """Run ``job`` there and return its result or raise its error, or StoreUnavailable."""
        if self._stuck is not None:
            if not self._stuck.done():
                raise StoreUnavailable(self._reason)
            late = self._stuck.exception()
            self._stuck = None
            if isinstance(late, StoreUnavailable) and not isinstance(late, StoreRefused):
                self._reason = str(late)  # e.g. locked by another program: said in the banner
        future = self._last = self._pool.submit(job)
        try:
            future.result(timeout=self._stuck_s)
        except FutureTimeout:
            self._stuck = future  # if it commits after all, the spool's copy is skipped
            future.add_done_callback(lambda _: self._wake())
            raise StoreUnavailable(self._reason) from None
        self._reason = NOT_ANSWERING

    def shutdown(self, wait_s: float = 1.0) -> None:
        """Stop; a write still running may finish within ``wait_s`` (then it is left)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._last is not None:
            try:
                self._last.result(timeout=wait_s)
            except Exception:  # its outcome no longer matters: its entry is in the spool
                log.info("closing: the last database write failed or still waits")
