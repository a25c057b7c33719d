"""Block Kit for retros: the start in the channel, each person's prompt and notes form, the board with its votes,
`show` and `list`, the close form and its summary. Notes are never shown with their authors."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from domain import retros
from domain.text import channel_mention, date_token, escape, escaped, plural, truncate, user_mention
from handlers.ids import Action, Block, View
from handlers.render.blocks import button, section, text, text_input
from handlers.render.blocks import input_field as field
from handlers.render.split import MAX_BLOCKS, MAX_SECTION
from storage.models.retros import NoteKind, Retro, RetroNote, RetroStatus

EMOJI = ":mirror:"
KIND_EMOJI: dict[str, str] = {
    NoteKind.WENT_WELL: ":sunny:",
    NoteKind.TO_IMPROVE: ":hammer_and_wrench:",
    NoteKind.IDEA: ":bulb:",
}
FORM_BLOCKS: dict[str, str] = {
    NoteKind.WENT_WELL: Block.RETRO_WENT_WELL,
    NoteKind.TO_IMPROVE: Block.RETRO_TO_IMPROVE,
    NoteKind.IDEA: Block.RETRO_IDEAS,
}
FORM_LABELS: dict[str, str] = {
    NoteKind.WENT_WELL: "What went well? (one per line)",
    NoteKind.TO_IMPROVE: "What should we improve? (one per line)",
    NoteKind.IDEA: "Ideas to try (one per line)",
}


def name(retro: Retro) -> str:
    """`*RT-3* Sprint 15 retro`."""
    return f"*{retro.ref}* {escaped(retro.title, retros.TITLE_LIMIT)}"


def _context(words: str) -> dict[str, Any]:
    return {"type": "context", "elements": [text(words)]}


def started(retro: Retro) -> tuple[str, list[dict[str, Any]]]:
    """The channel's notice: who started it, how many are asked, and when the notes are revealed."""
    asked = sum(1 for p in retro.participants if p.asked_at is not None)
    words = (
        f"{EMOJI} {name(retro)} started by {user_mention(retro.started_by)}. "
        f"I'll ask {plural(asked, 'person', 'people')} in their DMs, each at their own local time, what went well, "
        f"what to improve and what to try. Notes stay private until the reveal, {date_token(retro.collect_until)}."
    )
    return f"{retro.ref} {escaped(retro.title, 100)} started", [section(words)]


def prompt(retro: Retro, *, notes: int = 0) -> tuple[str, list[dict[str, Any]]]:
    """A participant's DM: the question and Add notes; once revealed, where to vote."""
    where = channel_mention(retro.project.channel_id)
    if retro.status != RetroStatus.COLLECTING:
        words = f"{EMOJI} {name(retro)} in {where} is revealed: the notes and the votes are there."
        return f"{retro.ref} is revealed", [section(words)]
    if notes:
        words = (
            f"{EMOJI} Thanks: your {plural(notes, 'note')} for {name(retro)} in {where} are in, private until the "
            f"reveal {date_token(retro.collect_until)}. Add more until then."
        )
    else:
        words = (
            f"{EMOJI} {name(retro)} in {where}: what went well, what should we improve, what could we try? "
            "Only you see your notes until they are revealed together, without names, "
            f"{date_token(retro.collect_until)}."
        )
    actions = {
        "type": "actions",
        "block_id": f"retro-{retro.id}-prompt",
        "elements": [button("Add notes", Action.RETRO_ADD_NOTES, str(retro.id), "primary")],
    }
    return f"{retro.ref} {escaped(retro.title, 100)}: your notes", [section(words), actions]


def few_authors(retro: Retro, *, count: int, authors: int) -> dict[str, Any]:
    """The ephemeral answer to `/retro reveal` when the notes come from too few people to be anonymous: a warning,
    and "Reveal anyway" (nothing is revealed until it is clicked)."""
    words = (
        f":warning: The {plural(count, 'note')} of {name(retro)} come from only "
        f"{plural(authors, 'person', 'people')}: shown without names, they would still be easy to tell apart. "
        f"Nothing is revealed yet: wait for more notes (the reveal is {date_token(retro.collect_until)} by itself), "
        "or reveal them anyway."
    )
    actions = {
        "type": "actions",
        "block_id": f"retro-{retro.id}-reveal",
        "elements": [button("Reveal anyway", Action.RETRO_REVEAL_ANYWAY, str(retro.id), "danger")],
    }
    return {"text": words, "blocks": [section(words), actions]}


def reminder(retro: Retro) -> tuple[str, list[dict[str, Any]]]:
    """The one reminder to someone asked who has not added notes: the reveal is near; Add notes."""
    words = (
        f"{EMOJI} A reminder: {name(retro)} in {channel_mention(retro.project.channel_id)} reveals its notes "
        f"{date_token(retro.collect_until)}, and yours are not in yet. A line or two is plenty; only you "
        "see them until then, and they are shown without your name."
    )
    actions = {
        "type": "actions",
        "block_id": f"retro-{retro.id}-reminder",
        "elements": [button("Add notes", Action.RETRO_ADD_NOTES, str(retro.id), "primary")],
    }
    return f"{retro.ref} {escaped(retro.title, 100)}: notes due soon", [section(words), actions]


def notes_form(retro: Retro, *, from_home: bool = False) -> dict[str, Any]:
    """Three boxes, one note per line, each optional (one note at least); `from_home`: opened from the Home tab,
    which is refreshed once the notes are in."""
    limit = retros.NOTES_EACH * (retros.NOTE_LIMIT + 1)
    blocks: list[dict[str, Any]] = [
        section(
            f"{name(retro)}: one note per line, at most {retros.NOTE_LIMIT} characters each. "
            "Private until the reveal, then shown without your name."
        ),
    ]
    blocks += [
        field(FORM_BLOCKS[kind], FORM_LABELS[kind], text_input("", multiline=True, limit=limit)) for kind in NoteKind
    ]
    return {
        "type": "modal",
        "callback_id": View.RETRO_NOTES,
        "private_metadata": json.dumps({"retro": retro.id, "home": True} if from_home else {"retro": retro.id}),
        "title": {"type": "plain_text", "text": "Retro notes"},
        "submit": {"type": "plain_text", "text": "Add"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _note_line(note: RetroNote, votes: int) -> str:
    counted = f" · *{plural(votes, 'vote')}*" if votes else ""
    became = f" → *{escape(note.action_ref)}*" if note.action_ref else ""
    return f"`#{note.position}` {escaped(note.text, retros.NOTE_LIMIT)}{counted}{became}"


def _kinds(notes: Sequence[RetroNote]) -> list[tuple[str, list[RetroNote]]]:
    return [(kind, [n for n in notes if n.kind == kind]) for kind in NoteKind]


def board(retro: Retro, notes: Sequence[RetroNote], votes: Mapping[int, int]) -> tuple[str, list[dict[str, Any]]]:
    """The revealed notes by kind, each with its votes and (while voting is open) a Vote button; Close below.

    The same number of blocks whatever the votes, so its parts stay the same messages when it is updated."""
    voting = retro.status == RetroStatus.REVEALED
    authors = len({n.author_id for n in notes})
    few = " (from so few, they are easy to tell apart)" if 0 < authors < retros.FEW else ""
    blocks: list[dict[str, Any]] = [
        section(
            f"{EMOJI} {name(retro)}: {plural(len(notes), 'note')} from {plural(authors, 'person', 'people')}, "
            f"shown without names{few}."
        ),
    ]
    for kind, mine in _kinds(notes):
        blocks.append(section(f"{KIND_EMOJI[kind]} *{retros.KIND_WORDS[kind]}*" + ("" if mine else "\n_none_")))
        for note in mine:
            block = section(_note_line(note, votes.get(note.id, 0)))
            if voting:
                block["accessory"] = button("Vote", Action.RETRO_VOTE, f"{retro.id}:#{note.position}")
            blocks.append(block)
    if voting:
        blocks.append(_context(f"Each of you has {plural(retro.votes_each, 'vote')}, one per note: vote for what "
                               "matters most. Then the top notes become action items with owners."))  # fmt: skip
        blocks.append({
            "type": "actions",
            "block_id": f"retro-{retro.id}-board",
            "elements": [button("Close and make actions", Action.RETRO_CLOSE, str(retro.id))],
        })  # fmt: skip
    else:
        blocks.append(_context("Voting is over."))
        closer = user_mention(retro.closed_by) if retro.closed_by else "pmbot"
        blocks.append(_context(f"Closed by {closer} {date_token(retro.closed_at or retro.created_at)}."))
    return f"{retro.ref} {escaped(retro.title, 100)}: the notes", blocks


def show(
    retro: Retro,
    *,
    count: int,
    own: Sequence[RetroNote],
    notes: Sequence[RetroNote] | None,
    votes: Mapping[int, int],
) -> tuple[str, list[dict[str, Any]]]:
    """A retro as `show` gives it: before the reveal only counts (and the reader's own notes); after, every note."""
    states: dict[str, str] = {
        RetroStatus.COLLECTING: f"collecting notes until {date_token(retro.collect_until)}",
        RetroStatus.REVEALED: "revealed: voting is open",
        RetroStatus.CLOSED: "closed",
    }
    status = states.get(retro.status, retro.status)
    done = sum(1 for p in retro.participants if p.done)
    facts = (
        f"{EMOJI} {name(retro)} in {channel_mention(retro.project.channel_id)} · {status}\n"
        f"started by {user_mention(retro.started_by)} {date_token(retro.created_at, '{date_short_pretty}')} · "
        f"{plural(len(retro.participants), 'person', 'people')} asked, {done} gave notes · "
        f"{plural(count, 'note')} in all"
    )
    parts: list[tuple[dict[str, Any], int]] = []
    if notes is None:
        if own:
            lines = [f"{KIND_EMOJI[n.kind]} {escaped(n.text, retros.NOTE_LIMIT)}" for n in own]
            parts = _packed("*Your notes* (only you see them until the reveal)", lines)
        return f"{retro.ref}: {status}", [section(facts), *_within(parts, "notes")]
    for kind, mine in _kinds(notes):
        heading = f"{KIND_EMOJI[kind]} *{retros.KIND_WORDS[kind]}*"
        parts += _packed(heading, [_note_line(n, votes.get(n.id, 0)) for n in mine]) if mine else [
            (section(f"{heading}\n_none_"), 0)]  # fmt: skip
    return f"{retro.ref}: {status}", [section(facts), *_within(parts, "notes", "see the board")]


def _packed(heading: str, lines: Sequence[str]) -> list[tuple[dict[str, Any], int]]:
    """The heading and its lines in as few sections as Slack's section limit allows (a line is never cut), each
    with how many of the lines it holds."""
    parts: list[tuple[dict[str, Any], int]] = []
    words, count = heading, 0
    for line in lines:
        if len(words) + 1 + len(line) > MAX_SECTION:
            parts.append((section(words), count))
            words, count = line, 0
        else:
            words = f"{words}\n{line}"
        count += 1
    return [*parts, (section(words), count)]


def _within(parts: Sequence[tuple[dict[str, Any], int]], what: str, where: str = "") -> list[dict[str, Any]]:
    """The sections that fit in one message beside its first block; past that, how many lines are left out."""
    room = MAX_BLOCKS - 1
    if len(parts) <= room:
        return [block for block, _ in parts]
    left = sum(count for _, count in parts[room - 1 :])
    return [*(block for block, _ in parts[: room - 1]),
            _context(f"…and {left} more {what}" + (f": {where}." if where else "."))]  # fmt: skip


def retro_list(found: Sequence[Retro]) -> tuple[str, list[dict[str, Any]]]:
    """The channel's retros, newest first."""
    heading = "Retros here"
    if not found:
        return heading, [section(f"*{heading}*\nNone yet. Start one with `/retro start sprint 15`.")]
    lines = [f"{name(r)} · {r.status} · {date_token(r.created_at, '{date_short_pretty}')}" for r in found]
    more = ["…and older ones."] if len(found) > retros.SHOWN else []
    blocks = [block for block, _ in _packed(f"*{heading}*", lines[: retros.SHOWN] + more)]
    return f"{heading}: {len(found)}", blocks


def close_form(retro: Retro, top: Sequence[tuple[RetroNote, int]]) -> dict[str, Any]:
    """The top notes by votes, each with an owner (and a due date) to become an action item."""
    blocks: list[dict[str, Any]] = []
    if not top:
        blocks.append(section("No note has a vote, so no action item will be made. Close the retro anyway?"))
    for note, votes in top:
        blocks.append(section(f"{KIND_EMOJI[note.kind]} {_note_line(note, votes)}"))
        blocks.append(field(f"{Block.RETRO_OWNER}_{note.position}", "Owner (none: no action item)",
                            {"type": "users_select"}))  # fmt: skip
        blocks.append(field(f"{Block.RETRO_DUE}_{note.position}", "Due", {"type": "datepicker"}))
    return {
        "type": "modal",
        "callback_id": View.RETRO_CLOSE,
        "private_metadata": json.dumps({"retro": retro.id, "notes": [n.position for n, _ in top]}),
        "title": {"type": "plain_text", "text": truncate(f"Close {retro.ref}", 24)},
        "submit": {"type": "plain_text", "text": "Close retro"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def summary(retro: Retro, made: Sequence[tuple[RetroNote, str | None, str | None]]) -> tuple[str, list[dict[str, Any]]]:
    """The close in the channel: each top note, and the action item it became with its owner."""
    lines = []
    for note, ref, owner in made:
        became = f" → *{escape(ref)}* for {user_mention(owner)}" if ref and owner else " (no owner: no action item)"
        lines.append(f"{KIND_EMOJI[note.kind]} `#{note.position}` {escaped(note.text, retros.NOTE_LIMIT)}{became}")
    body = "\n".join(lines) if lines else "No note had a vote: no action items."
    words = f":checkered_flag: {name(retro)} closed by {user_mention(retro.closed_by or '')}.\n{body}"
    return f"{retro.ref} closed", [section(words)]


def voted(result: retros.VoteResult, retro: Retro) -> tuple[str, list[dict[str, Any]]]:
    """The ephemeral after a vote that changed nothing: already counted, or every vote used (with take-backs)."""
    mine = ", ".join(f"`#{n.position}`" for n in result.mine)
    if result.outcome == retros.Voted.ALREADY:
        words = f"Your vote for `#{result.note.position}` is counted already (once). Your votes: {mine}."
        takes: Collection[RetroNote] = [result.note]
    else:
        words = (
            f"You have used your {plural(retro.votes_each, 'vote')} ({mine}). "
            f"Take one back to vote for `#{result.note.position}`."
        )
        takes = result.mine
    elements = [button(f"Take back #{n.position}", Action.RETRO_UNVOTE, f"{retro.id}:#{n.position}") for n in takes]
    return words, [section(words), {"type": "actions", "elements": elements[:25]}]
