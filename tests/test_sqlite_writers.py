"""SQLite as SQLite wants it: reads take no write lock, and writers in one process queue in arrival order."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from storage.db import WriterQueue, database_is_reachable, make_engine, read_only, session_factory, unit_of_work
from storage.migrate import upgrade
from storage.models import Workspace

HELD_SECONDS = 20  # what a wait could take at most; never reached when the test passes


def test_a_read_and_the_health_check_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    """While one transaction holds SQLite's write lock, a read-only session and /healthz's check still answer."""
    engine = make_engine(f"sqlite:///{tmp_path / 'pmbot.db'}")
    upgrade(engine)
    factory = session_factory(engine)
    with unit_of_work(factory) as writer:
        writer.add(Workspace(team_id="T1", name="one", created_at=datetime(2026, 12, 2, tzinfo=UTC)))
        writer.flush()  # the write lock is held until this block ends
        seen: list[object] = []

        def read() -> None:
            with read_only(factory) as session:
                seen.append(session.scalars(select(Workspace.team_id)).all())
            seen.append(database_is_reachable(engine))

        reader = threading.Thread(target=read)
        reader.start()
        reader.join(HELD_SECONDS)
        assert [[], True] == seen  # answered while the writer held on, from the snapshot before its write
    with read_only(factory) as session:
        assert ["T1"] == session.scalars(select(Workspace.team_id)).all()
    engine.dispose()


def test_writers_take_their_turns_in_the_order_they_came() -> None:
    """Five writers queued behind a sixth get the turn first come, first served, each as the one before leaves."""
    queue, order, arrived = WriterQueue(timeout=HELD_SECONDS), [], []
    queue.acquire()
    threads = []
    for n in range(5):

        def write(n: int = n) -> None:
            queue.acquire()
            order.append(n)
            queue.release()

        threads.append(threading.Thread(target=write))
        threads[-1].start()
        while len(queue._waiting) < n + 1:  # wait until it is queued before the next one comes
            threading.Event().wait(0.001)
        arrived.append(n)
    queue.release()
    for thread in threads:
        thread.join(HELD_SECONDS)
    assert arrived == order == [0, 1, 2, 3, 4]


def test_a_writer_that_waits_too_long_is_told_the_database_is_locked_and_loses_its_place() -> None:
    queue = WriterQueue(timeout=0.05)
    queue.acquire()
    try:
        queue.acquire()
    except Exception as error:
        assert "database is locked" in str(error)
    else:
        raise AssertionError("a second writer got the turn while the first held it")
    assert 0 == len(queue._waiting)
    queue.release()
    queue.acquire()  # free again
    queue.release()
