"""The process's one sending loop: requests and ticks queue messages and wake it; it sends them, off their paths.

`pmbot serve` (and `socket`) wake it when a request that queued messages has committed, `pmbot scheduler` after
each tick's producers, the sandbox after each step of its clock. It claims everything due in batches (the
`Sender`), keeps order and pace per conversation, and when a conversation is over its pace it sleeps until
that conversation may have its next message, unless woken first. Nothing that answers Slack or runs a tick
waits for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from bot.notifier import DeliveryReport, Refusal, Sender, real_seconds
from domain.clock import utcnow

log = logging.getLogger(__name__)

PASS_BUDGET = 30.0  # seconds one pass may spend sending before it looks at new wakes and the pace again
WATCH_SECONDS = 120.0  # how long a request's messages are watched for a refusal to tell the person about
PACE_MARGIN = 0.02  # seconds added to a conversation's pause, so that its next token has surely arrived
MAX_FIRST = 200  # a request's messages claimed by key ahead of the rest of a pass (a key list is bounded)
BACKLOG_LOOK = 2.0  # seconds between looks at whether this process should send more than its requests' messages

Key = tuple[int, str]  # (workspace id, outbox key)
Told = Callable[[list[tuple[str, str]]], None]  # given the (channel, error) of each refused message


class DeliveryLoop:
    """One thread that delivers whatever is due whenever it is woken (and, with `poll`, at least that often).

    `caught_up()` waits until a pass that began after the latest wake has finished: the messages queued
    before that wake were sent, refused, or left only for their conversation's pace or a retry.

    With `backlog`, a pass sends everything due only while `backlog()` says so (looked at every few seconds);
    otherwise just the messages woken for by key. `serve` beside `pmbot worker` processes sends its own
    requests' messages, the moment they commit, and leaves the rest to the workers.
    """

    def __init__(
        self,
        sender: Sender,
        *,
        clock: Callable[[], datetime] = utcnow,
        poll: float | None = None,
        budget: float = PASS_BUDGET,
        backlog: Callable[[], bool] | None = None,
    ) -> None:
        self.sender, self.clock, self.poll, self.budget = sender, clock, poll, budget
        self._backlog, self._backlog_seen = backlog, (True, -BACKLOG_LOOK)  # (answer, when asked)
        self._cond = threading.Condition()
        self._asked = 0  # wakes so far
        self._done = 0  # the wakes that a finished pass began after
        self._watching: dict[Key, tuple[Told, float]] = {}
        self._first: dict[Key, None] = {}  # woken for by key since the last pass: sent ahead of older messages
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self, keys: Sequence[Key] = (), *, told: Told | None = None) -> None:
        """Deliver what is due now, the messages with `keys` first (a person is looking for them); with `told`, tell
        it the refusals Slack gives these messages in the next minutes."""
        with self._cond:
            self._first.update(dict.fromkeys(keys))
            if told is not None:
                until = real_seconds() + WATCH_SECONDS
                self._watching.update(dict.fromkeys(keys, (told, until)))
            self._asked += 1
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="pmbot-deliver", daemon=True)
                self._thread.start()
        self._wake.set()

    def caught_up(self, timeout: float = 30.0) -> bool:
        """Block until a pass that began after the latest wake has ended; False on timeout or once stopped."""
        with self._cond:
            target = self._asked
            self._cond.wait_for(lambda: self._done >= target or self._stop.is_set(), timeout=timeout)
            return self._done >= target

    def drain(self, timeout: float = 30.0) -> bool:
        """Wake the loop and wait until no due message waits for its conversation's pace any more, so that all that
        was due has gone (the sandbox's seed before its page opens); False on timeout."""
        deadline = real_seconds() + timeout
        while True:
            self.wake()
            if not self.caught_up(timeout=max(0.0, deadline - real_seconds())):
                return False
            waiting = self.sender.next_pause(now=self.clock())
            if waiting is None:
                return True
            pause = waiting + PACE_MARGIN
            if real_seconds() + pause > deadline:
                return False
            time.sleep(pause)

    def stop(self) -> None:
        """End the loop after its current send (what is unsent stays queued, for the next process or tick)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=10)
        with self._cond:
            self._thread = None
            self._cond.notify_all()

    def _run(self) -> None:
        sleep = self.poll
        while not self._stop.is_set():
            self._wake.wait(sleep)
            self._wake.clear()
            if self._stop.is_set():
                break
            with self._cond:
                asked, first = self._asked, list(self._first)[:MAX_FIRST]
                self._first.clear()
            report = self._pass(first)
            self._tell(report.refused)
            with self._cond:
                self._done = max(self._done, asked)
                self._cond.notify_all()
            # A pass that spent its budget with messages claimed and not sent goes again at once.
            sleep = 0.0 if report.skipped else self._next_sleep()

    def _pass(self, first: list[Key]) -> DeliveryReport:
        """The messages woken for by key, then everything due, oldest first. Never waits out a pace inside: the loop
        sleeps instead, and a wake cuts the sleep short."""
        report = DeliveryReport()
        try:
            now = self.clock()
            if first:
                report.add(
                    self.sender.deliver_due(now=now, keys=first, budget=self.budget, wait=False, stop=self._stop)
                )
            if self.sends_backlog():
                report.add(self.sender.deliver_due(now=now, budget=self.budget, wait=False, stop=self._stop))
        except Exception:  # the database went away: what is unsent goes at the next wake or tick
            log.exception("delivering due messages failed; they stay queued")
        if report.failed or report.gave_up:
            log.info("delivery: sent %d, failed %d (retried later), gave up %d, left for later %d",
                     report.sent, report.failed, report.gave_up, report.skipped)  # fmt: skip
        elif report.sent:
            log.debug("delivery: sent %d", report.sent)
        return report

    def sends_backlog(self) -> bool:
        """Whether a pass sends everything due, not only the messages woken for by key (asked every few seconds;
        when the question cannot be answered, it does: nothing due may be left unsent)."""
        if self._backlog is None:
            return True
        answer, asked = self._backlog_seen
        if real_seconds() - asked >= BACKLOG_LOOK:
            try:
                answer = self._backlog()
            except Exception:
                log.exception("could not tell whether to send every due message; sending them")
                answer = True
            self._backlog_seen = (answer, real_seconds())
        return answer

    def _next_sleep(self) -> float | None:
        """Until the first conversation held back by its pace (kept in the database, with every other sender's
        posts counted) may send again, then a claim looks for its next message; else until the next poll or wake.
        A loop that leaves the backlog to others sleeps until its next wake."""
        if not self.sends_backlog():
            return self.poll
        try:
            waiting = self.sender.next_pause(now=self.clock())
        except Exception:  # the database went away: look again at the next poll or wake
            log.exception("could not read when the next paced message may go")
            return self.poll
        if waiting is None:
            return self.poll
        pause = waiting + PACE_MARGIN
        return pause if self.poll is None else min(pause, self.poll)

    def _tell(self, refused: Iterable[Refusal]) -> None:
        """Hand each watched message's refusal to whoever asked to be told; forget watches past their time."""
        now = real_seconds()
        found: dict[int, tuple[Told, list[tuple[str, str]]]] = {}
        with self._cond:
            for refusal in refused:
                watch = self._watching.pop(refusal.key, None)
                if watch is not None:
                    found.setdefault(id(watch[0]), (watch[0], []))[1].append((refusal.channel, refusal.error))
            for key in [k for k, (_, until) in self._watching.items() if until < now]:
                del self._watching[key]
        for told, refusals in found.values():
            try:
                told(refusals)
            except Exception:
                log.exception("could not tell a person that Slack refused their message")
