"""Where a record came from, when not from its own command: a meeting, a stand-up blocker, a retro, a go-live step.

Its own module, so that the shared edge (the registry's protocol) and the features naming a source need not import
a feature's service to say where something came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import SourceKind


@dataclass(frozen=True)
class Source:
    """Where an item came from: a meeting, a stand-up blocker, a retro or a go-live step (its id), named in words as
    it was then (the meeting's title, "Sprint 15 retro")."""

    kind: SourceKind
    id: int
    label: str
