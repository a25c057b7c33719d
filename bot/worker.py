"""`pmbot worker`: the scheduled work and the sending as tasks that any number of workers share (PostgreSQL).

The task engine is procrastinate, on the PostgreSQL pmbot already uses: its jobs live in tables of their own
(migration 0024), so there is no broker to run. Every worker process runs the same loop:

- `pmbot.clock`, a periodic task, is deferred once per tick however many workers run (procrastinate keeps one
  job per period). It deletes data past its keeping time, splits the workspaces into a range per live worker
  (`storage.shards`) and defers one `pmbot.tick` per range, unless the previous round is not done (so that no
  workspace is ticked by two jobs at once), and wakes the sending.
- `pmbot.tick` runs every scheduled job (`handlers.schedule.JOBS`) for one range of workspaces.
- `pmbot.deliver` sends what the outbox holds for a while, in three slots per live worker: one running and one
  waiting per slot, so the sending spreads over the workers. The outbox stays the source of truth: a claim leases
  each message to one sender, in order per conversation; a sender checks its claim before each few sends; the pace
  Slack asks for is kept in the database for every sender.
- `pmbot.recover` retries the jobs of a worker that stopped beating (killed, or its machine gone) and frees the
  messages it had claimed, so its share of the work goes on elsewhere within seconds.

The tasks are the functions `pmbot serve` and `pmbot scheduler` already run in-process (`bot.jobs.run_due`, the
`Sender`); on SQLite there are no workers, and everything runs in-process as before.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import procrastinate
from procrastinate import exceptions as task_errors
from procrastinate.job_context import JobContext
from procrastinate.jobs import Status
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import purge, run_due
from bot.notifier import ClientFor, Sender
from domain import outbox
from domain.clock import utcnow
from domain.lifecycle import Policy
from storage.db import database_is_reachable, read_only, unit_of_work
from storage.models import OutboxMessage, Workspace
from storage.shards import Shard, factory_for, split
from storage.workers import STALLED_SECONDS, live_ids

log = logging.getLogger(__name__)
T = TypeVar("T")

# A tick is CPU work: one range of workspaces per live worker (more ranges only repeat each job's fixed queries: a
# benchmark of 8 ranges cost twice one pass), up to this many.
MAX_SHARDS = 16
# Sending waits on Slack, not on the CPU: three sending jobs per live worker at once (of --concurrency 4, one left for
# ticks, which also go first), up to this many.
SLOTS_PER_WORKER, MAX_SLOTS = 3, 64
TICK_PRIORITY = 10  # a waiting tick goes before waiting sending jobs
CONTROL_PRIORITY = 20  # the clock and the recovery go before both
SHUTDOWN_SECONDS = 3.0  # after SIGTERM, running jobs have this long; then sending stops (before others take over)
DELIVER_SECONDS = 10.0  # one sending job's time before it hands over to the next (another worker may take it)
HEARTBEAT_SECONDS = 2.0  # how often a worker says it is alive
TICKS_PENDING = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :task AND status IN ('todo', 'doing')"
QUEUE_TICKS, QUEUE_SENDING = "ticks", "sending"
TASK_CLOCK, TASK_TICK, TASK_DELIVER, TASK_RECOVER = "pmbot.clock", "pmbot.tick", "pmbot.deliver", "pmbot.recover"


def conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL (procrastinate speaks psycopg directly)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError("the task engine needs PostgreSQL")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def cron_every(seconds: int) -> str:
    """A cron line (with procrastinate's sixth field for seconds) for about every `seconds`."""
    if seconds < 60:
        step = next(s for s in range(max(1, seconds), 61) if 60 % s == 0)
        return f"* * * * * */{step}"
    minutes = max(1, round(seconds / 60))
    step = next(m for m in range(minutes, 61) if 60 % m == 0)
    return f"*/{step} * * * *"


@dataclass
class Health:
    """What `/healthz` of a worker tells of its own jobs: how many run, how many are done."""

    running: int = 0
    done: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def begin(self) -> None:
        with self._lock:
            self.running += 1

    def end(self) -> None:
        with self._lock:
            self.running -= 1
            self.done += 1


@dataclass
class Runtime:
    """What the tasks of one worker process share: the database, the Slack clients, the limits."""

    engine: Engine
    factory: sessionmaker[Session]
    clients: ClientFor
    policy: Policy | None = None
    health: Health = field(default_factory=Health)

    def tick(self, shard: Shard) -> int:
        report = run_due(factory_for(self.engine, shard), self.clients, now=utcnow(), deliver=False)
        return sum(report.queued.values())

    def deliver(self, worker_id: int | None, stop: threading.Event) -> bool:
        """Send for a while, claiming as this worker (its claims are freed for others if it dies), until `stop`;
        return whether due messages are left that a next job may send soon (the slot goes on)."""
        if not self.alive(worker_id):  # taken for dead (a long pause): its claims are others' now; it sends nothing
            log.error("this worker (%s) no longer counts as alive; it leaves the sending to the others", worker_id)
            return False
        sender = Sender(self.factory, self.clients, owner=owner(worker_id))
        report = sender.deliver_due(now=utcnow(), budget=DELIVER_SECONDS, stop=stop)
        if report.failed or report.gave_up:
            log.info("sending (%s): sent %d, failed %d (retried later), gave up %d",
                     owner(worker_id), report.sent, report.failed, report.gave_up)  # fmt: skip
        if stop.is_set():
            return False
        pause = sender.next_pause(now=utcnow())
        # A pause longer than a job (a long Retry-After) is left to the clock's next wake, not spun on.
        return bool(report.skipped) or (pause is not None and pause <= DELIVER_SECONDS)

    def alive(self, worker_id: int | None) -> bool:
        with read_only(self.factory) as session:
            return worker_id in live_ids(session)

    def free_claims_of_the_dead(self) -> int:
        with unit_of_work(self.factory) as session:
            return outbox.release_abandoned(session, live={owner(worker_id) for worker_id in live_ids(session)})

    def ranges(self, count: int) -> list[Shard]:
        with read_only(self.factory) as session:
            ids = list(session.scalars(select(Workspace.id).order_by(Workspace.id)))
        return split(ids, count)

    def purge(self) -> None:
        if self.policy is None:
            return
        try:
            with unit_of_work(self.factory) as session:
                purged = purge(session, now=utcnow(), policy=self.policy)
            if purged:
                log.info("deleted data past its keeping time: %s", purged)
        except Exception:
            log.exception("deleting data past its keeping time failed")


async def _in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run pmbot's synchronous code in the worker's thread pool, off its event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))


def _runtime(context: JobContext) -> Runtime:
    runtime = context.additional_context.get("pmbot")
    if not isinstance(runtime, Runtime):
        raise RuntimeError("a pmbot task ran outside `pmbot worker`")
    return runtime


async def _defer(app: procrastinate.App, task: str, *, lock: str, queue: str, priority: int = 0, **kwargs: Any) -> bool:
    """Defer a job unless one with the same lock already waits; return whether it was deferred."""
    try:
        configured = app.configure_task(task, lock=lock, queueing_lock=lock, queue=queue, priority=priority)
        await configured.defer_async(**kwargs)
        return True
    except task_errors.AlreadyEnqueued:
        return False


async def wake_sending(app: procrastinate.App, slots: Iterable[int]) -> int:
    """Make sure a sending job waits in each of these slots; return how many were added."""
    added = 0
    for slot in slots:
        added += await _defer(app, TASK_DELIVER, lock=f"deliver:{slot}", queue=QUEUE_SENDING, slot=slot)
    return added


async def clock(context: JobContext, timestamp: int) -> None:
    """Once per tick, whichever worker takes it: purge, then a tick job per range of workspaces (a range per live
    worker), and sending jobs in as many slots as the live workers take."""
    runtime = _runtime(context)
    assert context.app is not None
    await _in_thread(runtime.purge)
    state = await _in_thread(queue_state, runtime.factory, now=utcnow())
    workers = max(1, state.workers)
    slots = min(MAX_SLOTS, SLOTS_PER_WORKER * workers)
    # One round of ticks at a time: a round still waiting or running keeps its ranges (which move as workspaces and
    # workers come and go), so that no workspace is ticked by two jobs at once.
    shards = [] if state.ticks_pending else await _in_thread(runtime.ranges, min(MAX_SHARDS, workers))
    if state.ticks_pending:
        log.info("the previous round of ticks is not done (%d jobs); this tick waits for it", state.ticks_pending)
    for index, shard in enumerate(shards):
        await _defer(
            context.app, TASK_TICK, lock=f"tick:{index}", queue=QUEUE_TICKS, priority=TICK_PRIORITY,
            first=shard.first, last=shard.last, at=timestamp, slots=slots,
        )  # fmt: skip
    await wake_sending(context.app, range(slots))
    figures = state.as_dict(utcnow())
    log.info("queue: %d messages due (the oldest %ss late), jobs %s, %d workers",
             figures["due_messages"], figures["oldest_due_seconds"], figures["jobs"], figures["workers"])  # fmt: skip


async def tick(context: JobContext, *, first: int, last: int, at: int, slots: int = SLOTS_PER_WORKER) -> int:
    """The scheduled work of one range of workspaces; then the sending is woken for what it queued."""
    runtime = _runtime(context)
    assert context.app is not None
    shard, instant = Shard(first, last), datetime.fromtimestamp(at, UTC)
    runtime.health.begin()
    try:
        queued = await _in_thread(runtime.tick, shard)
    finally:
        runtime.health.end()
    log.info("tick %s of %s: queued %d, done %.2fs after its instant",
             shard, instant.isoformat(), queued, (utcnow() - instant).total_seconds())  # fmt: skip
    if queued:
        await wake_sending(context.app, range(slots))
    return queued


async def deliver(context: JobContext, *, slot: int) -> None:
    """Send for a while; if due messages are left, this slot goes on in a next job (any worker may take it)."""
    runtime = _runtime(context)
    assert context.app is not None
    runtime.health.begin()
    stop = threading.Event()
    watch = asyncio.create_task(_set_when_aborted(context, stop))
    try:
        more = await _in_thread(runtime.deliver, context.job.worker_id, stop)
    finally:
        watch.cancel()
        runtime.health.end()
    if more:
        await wake_sending(context.app, [slot])


async def _set_when_aborted(context: JobContext, stop: threading.Event) -> None:
    """Set `stop` once the worker asks its jobs to end (a SIGTERM past the grace period): no new sends after it."""
    while not context.should_abort():
        await asyncio.sleep(0.2)
    stop.set()


def owner(worker_id: int | None) -> str:
    """The name a worker's claims on the outbox carry (`domain.outbox.release_abandoned` frees a dead one's)."""
    return f"w{worker_id or 0}"


async def recover(context: JobContext, timestamp: int) -> None:
    """Retry the running jobs of workers that stopped beating: their share goes on elsewhere. A job whose twin already
    waits (the same queueing lock: the next clock deferred it again) is ended instead, as failed. The messages they
    had claimed are freed at once for the others (those Slack may already have are looked for before a new post)."""
    runtime = _runtime(context)
    assert context.app is not None
    freed = await _in_thread(runtime.free_claims_of_the_dead)
    if freed:
        log.warning("freed %d messages claimed by workers that stopped", freed)
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_SECONDS):
        assert job.id is not None
        try:
            await manager.retry_job(job)
            log.warning("job %s (%s) was running on a worker that stopped; retried", job.id, job.task_name)
        except task_errors.UniqueViolation:
            await manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=True)
            log.warning("job %s (%s) was running on a worker that stopped; a twin waits, so it ends here",
                        job.id, job.task_name)  # fmt: skip


def make_queue(database_url: str, *, tick_seconds: int) -> procrastinate.App:
    """The task engine on pmbot's PostgreSQL database, with pmbot's tasks."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url)))
    app.periodic(cron=cron_every(tick_seconds), periodic_id="tick", priority=CONTROL_PRIORITY)(
        app.task(name=TASK_CLOCK, queue=QUEUE_TICKS, pass_context=True)(clock)
    )
    app.periodic(cron=cron_every(max(1, int(STALLED_SECONDS // 2))), periodic_id="recover", priority=CONTROL_PRIORITY)(
        app.task(name=TASK_RECOVER, queue=QUEUE_TICKS, pass_context=True)(recover)
    )
    app.task(name=TASK_TICK, queue=QUEUE_TICKS, pass_context=True)(tick)
    app.task(name=TASK_DELIVER, queue=QUEUE_SENDING, pass_context=True)(deliver)
    return app


@dataclass(frozen=True)
class QueueState:
    """How far behind the work is: for `pmbot status`, the logs and a worker's /healthz."""

    due_messages: int
    oldest_due: datetime | None
    jobs: dict[str, int]  # procrastinate job status -> count (waiting: "todo", running: "doing")
    workers: int  # alive, by their heartbeat
    ticks_pending: int = 0  # tick jobs waiting or running

    def as_dict(self, now: datetime) -> dict[str, Any]:
        late = None if self.oldest_due is None else round((now - self.oldest_due).total_seconds(), 1)
        return {"due_messages": self.due_messages, "oldest_due_seconds": late, "jobs": self.jobs,
                "workers": self.workers}  # fmt: skip


def queue_state(factory: sessionmaker[Session], *, now: datetime) -> QueueState:
    """Messages due and not sent, the oldest of them, the task engine's jobs by status and its live workers."""
    with read_only(factory) as session:
        due = OutboxMessage.sent_at.is_(None) & OutboxMessage.gave_up.is_(False) & (OutboxMessage.not_before <= now)
        count, oldest = session.execute(
            select(func.count(), func.min(OutboxMessage.not_before)).where(due, OutboxMessage.method != outbox.HELD)
        ).one()
        jobs: dict[str, int] = {}
        workers = ticks = 0
        if session.get_bind().dialect.name == "postgresql":
            rows = session.execute(text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status"))
            jobs = {str(status): int(n) for status, n in rows}
            workers = len(live_ids(session))
            ticks = int(session.scalar(text(TICKS_PENDING), {"task": TASK_TICK}) or 0)
    return QueueState(int(count), oldest, jobs, workers, ticks)


def serve_health(port: int, runtime: Runtime, stop: threading.Event) -> ThreadingHTTPServer:
    """GET /healthz on `port`: 200 with the worker's and the queue's state while the database answers, else 503."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/healthz":
                self.send_error(404)
                return
            ok = not stop.is_set() and database_is_reachable(runtime.engine)
            body: dict[str, Any] = {"ok": ok, "role": "worker", "running": runtime.health.running,
                                    "done": runtime.health.done}  # fmt: skip
            if ok:
                body.update(queue_state(runtime.factory, now=utcnow()).as_dict(utcnow()))
            data = json.dumps(body, default=str).encode()
            self.send_response(200 if ok else 503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("healthz: " + format, *args)

    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    threading.Thread(target=server.serve_forever, name="pmbot-healthz", daemon=True).start()
    return server


def run(
    database_url: str,
    runtime: Runtime,
    *,
    concurrency: int,
    tick_seconds: int,
    health_port: int | None = None,
) -> None:
    """Run one worker until SIGINT or SIGTERM: it takes jobs of every pmbot queue, `concurrency` at a time."""
    queue = make_queue(database_url, tick_seconds=tick_seconds)
    stop = threading.Event()
    server = serve_health(health_port, runtime, stop) if health_port else None

    async def main() -> None:
        # The tasks run pmbot's synchronous code in threads: one per job at once, and a few for the engine's own.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(concurrency + 4, "pmbot-task"))
        async with queue.open_async():
            await queue.run_worker_async(
                concurrency=concurrency,
                name="pmbot-worker",
                additional_context={"pmbot": runtime},
                update_heartbeat_interval=HEARTBEAT_SECONDS,
                stalled_worker_timeout=STALLED_SECONDS,
                delete_jobs="successful",
                shutdown_graceful_timeout=SHUTDOWN_SECONDS,
                install_signal_handlers=True,
            )

    try:
        asyncio.run(main())
    finally:
        stop.set()
        if server is not None:
            server.shutdown()
