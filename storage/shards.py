"""Workspaces split into shards, so that several workers each run the scheduled work of a share of them.

A session made by `factory_for(engine, shard)` sees only its shard's workspaces: every ORM statement it runs (select,
update, delete, and the relationships they load) gets the criterion "this row's workspace is in the shard", on the
tables that name a workspace and, through their parent, on those that belong to one (a stand-up's answers, a
milestone's events). The scheduled jobs run unchanged under it, so the same code ticks every workspace in one process
or a share of them in each of many. A shard is a range of workspace ids (`split` makes them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, event, select
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from storage.db import session_factory
from storage.models import Base, Workspace

SHARD = "pmbot_shard"  # Session.info key


END = 2**31 - 1  # the largest workspace id (an INTEGER column)


@dataclass(frozen=True)
class Shard:
    """One share of the workspaces: those whose id is between `first` and `last`, both included."""

    first: int = 0
    last: int = END

    def holds(self, workspace_id: int) -> bool:
        return self.first <= workspace_id <= self.last

    def __str__(self) -> str:
        return f"workspaces {self.first}..{'' if self.last == END else self.last}"


def split(workspace_ids: Sequence[int], count: int) -> list[Shard]:
    """Ranges of ids that together cover every id, each holding about as many of these workspaces as the others (a
    workspace added later falls in one of them too). Ranges, not id modulo count: a range is an index probe."""
    ids = sorted(set(workspace_ids))
    count = max(1, min(count, len(ids)))
    size, extra = divmod(len(ids), count)
    shards, first, start = [], 0, 0
    for n in range(count):
        start += size + (1 if n < extra else 0)
        last = END if n == count - 1 else ids[start - 1]
        shards.append(Shard(first, last))
        first = last + 1
    return shards


def factory_for(engine: Engine, shard: Shard) -> sessionmaker[Session]:
    """A session factory whose sessions see only `shard`'s workspaces."""
    factory = session_factory(engine)
    factory.kw["info"] = {SHARD: shard}
    return factory


Criterion = Callable[[Shard], ColumnElement[bool]]


def _criteria() -> dict[type[Any], Criterion]:
    """For each mapped class, how to say "in the shard": its own workspace column, or its parent's."""
    found: dict[type[Any], Criterion] = {}
    classes = {mapper.class_.__table__.name: mapper.class_ for mapper in Base.registry.mappers}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        table = cls.__table__
        if cls is Workspace:
            found[cls] = _own(table.c.id)
        elif "workspace_id" in table.c:
            found[cls] = _own(cls.workspace_id)
        else:
            for column in table.c:
                parents = [fk.column.table.name for fk in column.foreign_keys]
                parent = classes.get(parents[0]) if parents else None
                if parent is not None and "workspace_id" in parent.__table__.c:
                    found[cls] = _through(getattr(cls, column.name), parent)
                    break
    return found


def _own(workspace: Any) -> Criterion:
    return lambda shard: workspace.between(shard.first, shard.last)


def _through(column: Any, parent: type[Any]) -> Criterion:
    return lambda shard: column.in_(select(parent.id).where(parent.workspace_id.between(shard.first, shard.last)))


CRITERIA = _criteria()
_OPTIONS: dict[Shard, list[Any]] = {}


def _options(shard: Shard) -> list[Any]:
    """The loader criteria of every class for one shard (plain expressions: the shard's numbers are bound
    parameters, so one cached statement serves every shard)."""
    options = _OPTIONS.get(shard)
    if options is None:
        options = [with_loader_criteria(cls, make(shard), include_aliases=True) for cls, make in CRITERIA.items()]
        _OPTIONS[shard] = options
    return options


def unsharded() -> list[str]:
    """The tables no shard narrows (they belong to no workspace): what every shard sees whole."""
    return sorted(m.class_.__table__.name for m in Base.registry.mappers if m.class_ not in CRITERIA)


@event.listens_for(Session, "do_orm_execute")
def _only_the_shard(state: ORMExecuteState) -> None:
    shard = state.session.info.get(SHARD)
    if shard is None or state.is_column_load or state.is_relationship_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(*_options(shard))
