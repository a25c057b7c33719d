"""Outbox keys of go-lives' messages: the plan's card, the owners' heads-ups and step DMs, the poll, the live
message and its thread, the closing summary, the retro offered and the minutes posted in the channel."""

from __future__ import annotations


def _golive(golive_id: int) -> str:
    return f"golive:{golive_id}:"


def planned(golive_id: int) -> str:
    """The runbook posted in the channel when it is planned."""
    return f"{_golive(golive_id)}planned"


def planned_update(golive_id: int, revision: int) -> str:
    """That runbook brought up to the go-live's revision."""
    return f"{planned(golive_id)}:r{revision}"


def heads_up(golive_id: int, step_id: int, owner: str, moment: str) -> str:
    """A step's owner told it is coming (a new owner is told too)."""
    return f"{_golive(golive_id)}step:{step_id}:heads-up:{owner}:{moment}"


def step_due(golive_id: int, step_id: int, owner: str, moment: str) -> str:
    """A step's owner told it is time, with the step's buttons."""
    return f"{step_due_prefix(golive_id, step_id)}{owner}:{moment}"


def step_due_prefix(golive_id: int, step_id: int) -> str:
    """What every step DM of a step starts with (a step moved before its time is told again)."""
    return f"{_golive(golive_id)}step:{step_id}:due:"


def step_due_update(posted: str, change: str) -> str:
    """A step DM (its key `posted`) brought up to the step's outcome (`r2`: its revision), or to the go-live's end."""
    return f"{posted}:{change}"


def poll(golive_id: int, approver: str) -> str:
    """An approver asked: go or no-go?"""
    return f"{_golive(golive_id)}poll:{approver}"


def poll_update(golive_id: int, approver: str, step: str) -> str:
    """That DM showing their vote, or the decision (`step` unique to the change)."""
    return f"{poll(golive_id, approver)}:{step}"


def result(golive_id: int) -> str:
    """The poll's result in the channel."""
    return f"{_golive(golive_id)}result"


def no_go_told(golive_id: int, lead: str) -> str:
    """A lead told of a no-go in their DM."""
    return f"{_golive(golive_id)}no-go:{lead}"


def live(golive_id: int) -> str:
    """The channel's "G-1 ... is live" message, whose thread is the timeline."""
    return f"{_golive(golive_id)}live"


def live_update(golive_id: int, revision: int) -> str:
    """The live message brought up to the go-live's revision."""
    return f"{live(golive_id)}:r{revision}"


def timeline(golive_id: int, step_id: int, revision: int) -> str:
    """A reply in the live thread: a step's change."""
    return f"{_golive(golive_id)}timeline:{step_id}:r{revision}"


def timeline_update(golive_id: int, step_id: int, revision: int, change: str) -> str:
    """That reply brought up to date (`action`: the action item the failed step became)."""
    return f"{timeline(golive_id, step_id, revision)}:{change}"


def step_note(golive_id: int, step_id: int, revision: int, said: str) -> str:
    """A note added to a step marked already, as a reply in the thread (`said`: a digest of who and what, so the
    same note from the same person is added once)."""
    return f"{_golive(golive_id)}step-note:{step_id}:r{revision}:{said}"


def all_finished(golive_id: int, user: str) -> str:
    """Whoever planned the go-live told every step is finished and they can end it (once)."""
    return f"{_golive(golive_id)}all-finished:{user}"


def closing(golive_id: int) -> str:
    """The closing summary in the live thread."""
    return f"{_golive(golive_id)}closing"


def retro_offer(golive_id: int) -> str:
    """The channel message that offers a retro once the go-live ended."""
    return f"{_golive(golive_id)}retro-offer"


def minutes(golive_id: int, revision: int) -> str:
    """The timeline posted in the channel as minutes, as the go-live stood at `revision` (once for each)."""
    return f"{_golive(golive_id)}minutes:r{revision}"


def told(golive_id: int, user: str, click: str) -> str:
    """An answer only the person who clicked sees (`click` tells one click from another)."""
    return f"{_golive(golive_id)}told:{user}:{click}"
