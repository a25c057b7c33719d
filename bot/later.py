"""Work done after Slack has its answer: requests acknowledged first (slash commands, buttons, shortcuts) and
the work a request hands over to run once its transaction has committed.

Bolt's lazy listeners start before the listener returns, so with the unit of work around `dispatch` they
would race the request's own commit; this runs after it. Each job opens its own sessions and never holds
one across a Web API call. What is lost if the process stops is re-derived later (a Home tab's rosters are
read again on the next visit, a missing time zone is the project's until the profile arrives).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)


class Later:
    """A few background threads for work after the answer."""

    def __init__(self, *, workers: int = 4, name: str = "pmbot-later") -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)

    def submit(self, job: Callable[[], None]) -> bool:
        """Run `job` on a background thread (a failure is logged, never raised); False if the process is stopping
        and the job was not taken."""
        try:
            future = self._pool.submit(self._run, job)
        except RuntimeError:  # shutting down
            log.warning("background work not started: the process is stopping")
            return False
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return True

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until every job submitted so far has finished; return False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending, timeout=timeout)

    def stop(self) -> None:
        """Finish what is running, drop what has not started."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._idle:
            self._pending.clear()
            self._idle.notify_all()

    @staticmethod
    def _run(job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:
            log.exception("work after the answer failed")

    def _done(self, future: Future[None]) -> None:
        with self._idle:
            self._pending.discard(future)
            self._idle.notify_all()
