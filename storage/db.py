"""Engines and the unit of work: one session per request or job, committed or rolled back at the edge."""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_WAIT_SECONDS = 30  # how long a writer waits for the one before it (SQLite's busy timeout, and ours)
READ_ONLY = "pmbot_read_only"  # execution option: a transaction that only reads (no write lock on SQLite)
WRITER = "pmbot_writer"  # a pooled SQLite connection's mark: it holds this process's turn to write


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings pmbot relies on for this backend."""
    if url.startswith("sqlite"):
        kwargs.setdefault("pool_size", 20)  # the web threads, the answers' and the sender's, each with a connection
        engine = create_engine(url, connect_args={"timeout": SQLITE_WAIT_SECONDS, "check_same_thread": False}, **kwargs)
        writers = WriterQueue(SQLITE_WAIT_SECONDS)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", functools.partial(_sqlite_begin, writers))
        event.listen(engine, "checkin", functools.partial(_sqlite_checkin, writers))
        return engine
    # Keepalives notice a dead server or a half-open connection (the scheduler's lock lives on one).
    kwargs.setdefault(
        "connect_args", {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
    )
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 module begins transactions lazily (before the first INSERT/UPDATE/DELETE), so a
    # SAVEPOINT issued first would start and then commit a transaction of its own. Take control of BEGIN
    # instead (SQLAlchemy's documented recipe), so every unit of work is one real transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the scheduler read while a request writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class WriterQueue:
    """One writer at a time in this process, first come first served.

    SQLite has one writer per database file. Left to SQLite, waiting writers poll in its busy handler, sleeping
    up to 100 ms between tries, so whoever polls at the right moment wins and the unlucky wait seconds. Here they
    queue in arrival order and each is handed the turn the moment the one before it is done; other processes
    (the scheduler beside `serve`) still meet SQLite's busy timeout.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Event] = deque()

    def acquire(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Event()
            self._waiting.append(turn)
        try:
            if turn.wait(self.timeout):
                return
        except BaseException:  # interrupted while queued: leave the queue, or pass on a turn just handed over
            if not self._leave(turn):
                self.release()
            raise
        if self._leave(turn):
            raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))

    def _leave(self, turn: threading.Event) -> bool:
        """Take `turn` out of the queue; answer True if it was still queued, else (it was handed the turn just now)
        keep the turn and answer False."""
        with self._mutex:
            if turn in self._waiting:
                self._waiting.remove(turn)
                return True
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()  # the turn passes straight to the next writer
            else:
                self._held = False


def _sqlite_begin(writers: WriterQueue, conn: Any) -> None:
    """A read-only transaction reads a snapshot and takes no lock; any other waits its turn to write, then takes
    SQLite's write lock up front (IMMEDIATE), so it can never fail upgrading a read to a write."""
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
        return
    pooled = conn.connection
    if not pooled.info.get(WRITER):  # a connection keeps its turn until it goes back to the pool
        writers.acquire()
        pooled.info[WRITER] = True
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_checkin(writers: WriterQueue, _dbapi_connection: Any, record: Any) -> None:
    if record.info.pop(WRITER, False):
        writers.release()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory for an engine (objects stay readable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session; commit if the block succeeds, roll back if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_only(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session for reading only: on SQLite it takes no write lock and waits for no writer."""
    session = factory()
    try:
        session.connection(execution_options={READ_ONLY: True})
        yield session
    finally:
        session.rollback()
        session.close()


def database_is_reachable(engine: Engine) -> bool:
    """Return whether a trivial query succeeds right now."""
    try:
        with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
