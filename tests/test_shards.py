"""Workspaces split into ranges: each worker's tick does the scheduled work of its range, and all ranges do it all."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bench.standups_data import START, populate, teams
from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from storage.db import read_only
from storage.models import Member, OutboxMessage, StandupAnswer, Workspace
from storage.shards import END, Shard, factory_for, split, unsharded

MONDAY_NOON = START + timedelta(hours=12)  # some zones' 09:30 prompts have passed, not all


@given(st.lists(st.integers(1, 10_000), unique=True, min_size=1, max_size=60), st.integers(1, 12))
def test_ranges_cover_every_id_once_and_share_them_evenly(ids: list[int], count: int) -> None:
    shards = split(ids, count)
    assert 0 == shards[0].first and END == shards[-1].last
    assert all(a.last + 1 == b.first for a, b in itertools.pairwise(shards))
    held = [sum(shard.holds(i) for i in ids) for shard in shards]
    assert len(ids) == sum(held)
    assert max(held) - min(held) <= 1
    assert all(sum(shard.holds(i) for shard in shards) == 1 for i in [*ids, 0, 10_001, END])


def test_only_processed_events_belong_to_no_workspace() -> None:
    """Every table but Slack's event ids is narrowed to a shard, through its own workspace or its parent's."""
    assert ["processed_event"] == unsharded()


@pytest.fixture
def workspaces(factory: sessionmaker[Session]) -> list[int]:
    """Five workspaces, each with two stand-ups of three people (zones from Honolulu to Tokyo)."""
    return [populate(factory, teams(2, 6, 6), team_id=f"T{n:04d}") for n in range(5)]


def test_a_shard_sees_and_queues_only_its_workspaces(
    engine: Engine, factory: sessionmaker[Session], workspaces: list[int], settings: Settings
) -> None:
    """Each range's tick queues its own workspaces' prompts; together they queue all; an unsharded tick after them
    finds nothing left to queue."""
    client = make_client(settings, patient=False)
    shards = split(workspaces, 3)
    for shard in shards:
        with read_only(factory_for(engine, shard)) as session:
            seen = set(session.scalars(select(Workspace.id)))
            members = set(session.scalars(select(Member.workspace_id)))
            assert {w for w in workspaces if shard.holds(w)} == seen == members
        before = _queued(factory)
        report = run_due(factory_for(engine, shard), client, now=MONDAY_NOON, deliver=False)
        new = _queued(factory) - before
        assert {w for _, w in new} <= {w for w in workspaces if shard.holds(w)}
        assert report.queued["stand-ups"] == len(new) > 0
    assert set(workspaces) == {w for _, w in _queued(factory)}
    assert 0 == sum(run_due(factory, client, now=MONDAY_NOON, deliver=False).queued.values())


def test_a_childs_rows_are_narrowed_through_its_parent(
    engine: Engine, factory: sessionmaker[Session], workspaces: list[int]
) -> None:
    """A stand-up's answers have no workspace column of their own: a shard sees those of its stand-ups only."""
    outside = Shard(workspaces[-1] + 1)
    with read_only(factory_for(engine, outside)) as session:
        assert [] == list(session.scalars(select(StandupAnswer)))
        assert [] == list(session.scalars(select(Workspace)))
    with read_only(factory_for(engine, Shard(workspaces[0], workspaces[0]))) as session:
        assert [workspaces[0]] == list(session.scalars(select(Workspace.id)))


def _queued(factory: sessionmaker[Session]) -> set[tuple[str, int]]:
    with read_only(factory) as session:
        return set(session.execute(select(OutboxMessage.key, OutboxMessage.workspace_id)).all())
