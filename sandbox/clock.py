"""The sandbox clock, and the scheduled work run at sandbox time through the same path as `pmbot run-due`.

The clock ticks with the real one from wherever it was set; "+1 day" moves it on and runs the due work at
every quarter hour in between, so what falls due at 09:30 in Kolkata is sent before what falls due at
09:30 in Berlin, each at its own instant.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import DeliveryLoop
from bot.jobs import TickReport, run_due

log = logging.getLogger(__name__)

STEP = timedelta(minutes=15)
MAX_ADVANCE = timedelta(days=31)
STEP_SENDING_SECONDS = 60.0  # a step of a jump waits this long at most for its messages to be sent


class SandboxClock:
    """Sandbox time: set to any instant, then ticking in step with real time."""

    def __init__(self, start: datetime) -> None:
        self._lock = threading.Lock()
        self._base = start.astimezone(UTC)
        self._real = time.monotonic()

    def now(self) -> datetime:
        """The sandbox instant, aware UTC (to the microsecond, as the app's clock is)."""
        with self._lock:
            return self._base + timedelta(seconds=time.monotonic() - self._real)

    def timestamp(self) -> float:
        """The sandbox instant as seconds since the epoch (what Slack message timestamps are made of)."""
        return self.now().timestamp()

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._base = moment.astimezone(UTC)
            self._real = time.monotonic()


def steps(start: datetime, end: datetime, every: timedelta = STEP) -> list[datetime]:
    """The instants on the `every` grid (aligned to the hour, in UTC) after `start` up to `end`, then `end`."""
    grid = every.total_seconds()
    first = datetime.fromtimestamp((int(start.timestamp() // grid) + 1) * grid, UTC)
    found = []
    at = first
    while at < end:
        found.append(at)
        at += every
    return [*found, end] if end > start else []


def next_local(now: datetime, tz: str, hour: int = 9, minute: int = 0) -> datetime:
    """The next instant after `now` at which it is `hour`:`minute` in the zone `tz`."""
    local = now.astimezone(ZoneInfo(tz))
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= local:
        candidate = (local + timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return candidate.astimezone(UTC)


class ScheduledWork:
    """Runs `bot.jobs.run_due` at sandbox time: now and then while the clock ticks, and through every jump."""

    def __init__(
        self,
        clock: SandboxClock,
        factory: sessionmaker[Session],
        client: WebClient,
        *,
        delivery: DeliveryLoop | None = None,
        on_step: Callable[[datetime], None] = lambda _at: None,
    ) -> None:
        self.clock = clock
        self.factory = factory
        self.client = client
        self.delivery = delivery
        self.on_step = on_step
        self._lock = threading.Lock()  # one run at a time: ticks never overlap a jump
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self, at: datetime) -> TickReport:
        """The producers at `at`, then the sending: by the app's delivery loop when there is one (as `pmbot
        scheduler` does), else in this thread."""
        report = run_due(self.factory, self.client, now=at, deliver=self.delivery is None)
        if self.delivery is not None:
            # Every message due at this step is sent before the clock moves on, those waiting for their
            # conversation's pace too (a person's three DMs at 09:00 and their stand-up prompt at 09:30 arrive at
            # 09:00 and 09:30, not at whatever sandbox hour the pause ends in real time).
            self.delivery.drain(timeout=STEP_SENDING_SECONDS)
        self.on_step(at)
        return report

    def advance(self, to: datetime) -> list[TickReport]:
        """Move the clock to `to`, running the due work at every quarter hour on the way (in order)."""
        with self._lock:
            start = self.clock.now()
            if to - start > MAX_ADVANCE:
                raise ValueError("the sandbox clock moves at most 31 days at once")
            reports = []
            for at in steps(start, to):
                self.clock.set(at)
                reports.append(self.run(at))
            return reports

    def tick(self) -> None:
        """Run what is due at the clock's present instant."""
        with self._lock:
            self.run(self.clock.now())

    def start(self, every: float) -> None:
        """Tick every `every` real seconds on a thread of its own, until `stop`."""

        def loop() -> None:
            while not self._stop.wait(every):
                try:
                    self.tick()
                except Exception:  # the next tick tries again, as the scheduler process would
                    log.exception("the sandbox's scheduled work failed")

        self._thread = threading.Thread(target=loop, name="sandbox-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
