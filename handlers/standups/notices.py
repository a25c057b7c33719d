"""What follows from a stand-up answer: the day's thread in the channel, the answer in it, the prompt DM updated."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from domain import actions, outbox, standups
from handlers import outgoing
from handlers.standups import keys, render
from storage.models import Blocker, SourceKind, Standup, StandupAnswer


def key(standup: Standup, what: keys.Kind | str, day: date, user: str | None = None) -> str:
    """The outbox key of a stand-up message: one per stand-up, kind, day (and person)."""
    return keys.message(standup.id, keys.Kind(what), day, user)


def summary_sent(session: Session, standup: Standup, day: date) -> bool:
    """Return whether the day's summary has been queued."""
    return summary_time(session, standup, day) is not None


def summary_time(session: Session, standup: Standup, day: date) -> datetime | None:
    """Return when the day's summary was due, if it has been queued."""
    found = outbox.find(session, workspace_id=standup.workspace_id, key=key(standup, keys.Kind.SUMMARY, day))
    return found.not_before if found else None


def ensure_thread(session: Session, standup: Standup, day: date, *, now: datetime) -> str:
    """Queue the day's thread parent in the channel (once); return its key."""
    thread = key(standup, keys.Kind.THREAD, day)
    text, blocks = render.thread_parent(standup, day)
    outgoing.post(
        session,
        workspace_id=standup.workspace_id,
        key=thread,
        channel=standup.project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )
    return thread


def publish_answer(
    session: Session, standup: Standup, answer: StandupAnswer, *, new: bool, now: datetime
) -> Blocker | None:
    """Track its blocker, post (or update) the answer in the day's thread, and mark the prompt DM answered."""
    blocker = standups.track_blocker(session, standup, answer, now=now)
    text, blocks = render.answer_message(standup, answer, blocker, made=_made(session, blocker))
    answer_key = key(standup, keys.Kind.ANSWER, answer.day, answer.user_id)
    channel = standup.project.channel_id
    if new:
        thread = ensure_thread(session, standup, answer.day, now=now)
        outgoing.post(
            session,
            workspace_id=standup.workspace_id,
            key=answer_key,
            channel=channel,
            text=text,
            blocks=blocks,
            now=now,
            thread_of=thread,
        )
    else:
        outgoing.update(
            session,
            workspace_id=standup.workspace_id,
            key=keys.answer_edit(answer_key, now),
            of_key=answer_key,
            conversation=channel,
            text=text,
            blocks=blocks,
            now=now,
        )
    close_prompt(session, standup, answer.day, answer.user_id, skipped=False, now=now)
    return blocker


def blocker_answers(
    session: Session, standup: Standup, day: date, user: str, blocks: list[dict[str, Any]], *, noted: int | None = None
) -> dict[int, dict[str, Any]]:
    """What stands under each blocker a prompt asks about, as the blocker stands now (not as the message a click
    came from showed it): its buttons while open and unanswered, "noted" once its person said they still are
    (`noted` just now), who resolved it once resolved."""
    prompt_key = key(standup, keys.Kind.PROMPT, day, user)
    answers = {}
    for blocker_id in render.blockers_in(blocks):
        blocker = session.get(Blocker, blocker_id)
        if blocker is None or blocker.workspace_id != standup.workspace_id:
            continue
        said = keys.answered_blocker(prompt_key, blocker_id, "still")
        still = blocker_id == noted or outbox.find(session, workspace_id=standup.workspace_id, key=said) is not None
        answers[blocker_id] = render.blocker_answer(blocker, day, noted=still)
    return answers


def refresh_prompt(
    session: Session,
    standup: Standup,
    day: date,
    user: str,
    *,
    update_key: str,
    now: datetime,
    noted: int | None = None,
    clicked: tuple[str, str, dict[str, Any]] | None = None,
) -> None:
    """Bring the blockers of a person's prompt DM up to date (answered or not, it keeps them): rebuilt from the
    prompt as pmbot last wrote it, or else from the `clicked` (channel, ts, message) it came from."""
    prompt_key = key(standup, keys.Kind.PROMPT, day, user)
    latest = outbox.find(session, workspace_id=standup.workspace_id, key=keys.closed(prompt_key)) or outbox.find(
        session, workspace_id=standup.workspace_id, key=prompt_key
    )
    if latest is None and clicked is None:
        return
    shown = latest.payload if latest is not None else clicked[2] if clicked else {}
    blocks = list(shown.get("blocks") or [])
    blocks = render.with_answers(blocks, blocker_answers(session, standup, day, user, blocks, noted=noted))
    where: dict[str, Any] = (
        {"of_key": prompt_key} if latest is not None else {"channel": clicked[0], "ts": clicked[1]} if clicked else {}
    )
    outgoing.update(
        session,
        workspace_id=standup.workspace_id,
        key=update_key,
        conversation=user,
        text=str(shown.get("text") or "Stand-up"),
        blocks=blocks,
        now=now,
        **where,
    )


def close_prompt(session: Session, standup: Standup, day: date, user: str, *, skipped: bool, now: datetime) -> None:
    """Replace the buttons of the prompt DM, and of its reminder, with a note (those that went out); the prompt
    keeps its due list and its blockers, as they stand."""
    sent = outbox.find(session, workspace_id=standup.workspace_id, key=key(standup, keys.Kind.PROMPT, day, user))
    plate = render.plate_blocks(list((sent.payload if sent else {}).get("blocks") or []))
    plate = render.with_answers(plate, blocker_answers(session, standup, day, user, plate))
    text, blocks = render.answered_note(standup, day, skipped=skipped, plate=plate)
    for what in (keys.Kind.PROMPT, keys.Kind.REMIND):
        dm_key = key(standup, what, day, user)
        if outbox.find(session, workspace_id=standup.workspace_id, key=dm_key) is None:
            continue
        outgoing.update(
            session,
            workspace_id=standup.workspace_id,
            key=keys.closed(dm_key),
            of_key=dm_key,
            conversation=user,
            text=text,
            blocks=blocks if what == keys.Kind.PROMPT else blocks[:1],  # the rest stays on the prompt alone
            now=now,
        )


def _made(session: Session, blocker: Blocker | None) -> str | None:
    """The id of the action item made from the blocker, if one was."""
    if blocker is None:
        return None
    item = actions.made_from(session, workspace_id=blocker.workspace_id, kind=SourceKind.STANDUP, source_id=blocker.id)
    return item.ref if item is not None else None


def refresh_blocker(
    session: Session,
    standup: Standup,
    answer: StandupAnswer,
    blocker: Blocker,
    *,
    now: datetime,
    status: str | None = None,
) -> None:
    """Re-render the answer message after its blocker was resolved (or, `status` "action", made an action item)."""
    text, blocks = render.answer_message(standup, answer, blocker, made=_made(session, blocker))
    answer_key = key(standup, keys.Kind.ANSWER, answer.day, answer.user_id)
    outgoing.update(
        session,
        workspace_id=standup.workspace_id,
        key=keys.blocker_update(answer_key, blocker.id, status or blocker.status),
        of_key=answer_key,
        conversation=standup.project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )
