"""What a person meant by a command's text: the one rule every slash command uses before it records anything.

A text is *doubtful* when it looks like a subcommand said slightly wrong rather than a title: a synonym or a
near-miss of a subcommand followed by what that subcommand takes (`complete A-9`, `serach kafka`, `lsit`), a
subcommand with a bare number where an id belongs (`done 9`), an id alone (`A-9`), or an id and a verb in either
order (`A-9 done`, `frobnicate A-4`). Pure: text in, a `Doubt` (or None) out.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

NOTHING = r"$"
ONE_ID = r"{id}$"
ID_THEN = r"{id}(?:\s|$)"
SOME_TEXT = r"\S"
CLOSENESS = 0.75  # difflib's ratio: `lsit`/`list` 0.75, `serach`/`search` 0.83, `least`/`list` 0.67
AT_WORD = re.compile(r"(?<![\w<@|.])@([\w][\w.\-]*\w|\w)")
NOT_PEOPLE = frozenset({"here", "channel", "everyone"})


@dataclass(frozen=True)
class Grammar:
    """A command's subcommands, each with the shape of what follows it, its synonyms, and its id letter."""

    command: str
    takes: Mapping[str, str]  # subcommand -> regex (with `{id}`) the rest must match for the text to be it
    synonyms: Mapping[str, str] = field(default_factory=dict)
    letter: str = ""  # "A" for A-17; "" when the command has no ids
    an_id_alone: str = "show"  # what an id said alone means

    def id_pattern(self) -> str:
        return rf"{self.letter}-?\d{{1,9}}"

    def fits(self, word: str, rest: str) -> bool:
        """Return whether `rest` is what subcommand `word` takes."""
        pattern = self.takes[word].replace("{id}", self.id_pattern())
        return re.match(pattern, rest, re.IGNORECASE) is not None


@dataclass(frozen=True)
class Doubt:
    """Why a text was not taken as written: `meant` is the text to run instead, or None when only asking."""

    said: str
    meant: str | None
    known: tuple[str, ...]


def doubt(grammar: Grammar, text: str) -> Doubt | None:
    """Return the doubt about `text` said to `grammar.command`, or None when it reads as written."""
    text = " ".join(text.split())
    word, _, rest = text.partition(" ")
    lowered = word.lower()
    if lowered in grammar.takes and grammar.fits(lowered, rest):
        return None
    known = tuple(w for w in grammar.takes if w != "help")
    meant = _meant(grammar, lowered, rest)
    if meant is not None:
        return Doubt(text, meant, known)
    if grammar.letter and (_an_id_and_a_word(grammar, text) or (lowered in grammar.takes and not rest)):
        return Doubt(text, None, known)
    return None


def _meant(grammar: Grammar, word: str, rest: str) -> str | None:
    """The subcommand text a near-miss, a synonym, a bare number or a lone id stands for."""
    ident = re.compile(rf"^{grammar.id_pattern()}$", re.IGNORECASE)
    if grammar.letter and ident.match(word) and not rest:
        return f"{grammar.an_id_alone} {_id(grammar, word)}"
    if grammar.letter and ident.match(word) and " " not in rest:  # `A-9 done`, `A-9 complete`
        for name in _candidates(grammar, rest.lower()):
            if found := _fitting(grammar, name, _id(grammar, word)):
                return found
    for name in _candidates(grammar, word):
        if found := _fitting(grammar, name, rest):
            return found
    return None


def _candidates(grammar: Grammar, word: str) -> list[str]:
    """The subcommands `word` may stand for: itself, its synonym, or the closest spelling of either."""
    if word in grammar.takes:
        return [word]
    if word in grammar.synonyms:
        return [grammar.synonyms[word]]
    if len(word) < 3:
        return []
    close = difflib.get_close_matches(word, [*grammar.takes, *grammar.synonyms], n=2, cutoff=CLOSENESS)
    return list(dict.fromkeys(grammar.synonyms.get(c, c) for c in close if not _a_longer_word(word, c)))


def _a_longer_word(word: str, name: str) -> bool:
    """`research`, `searches`, `listing`: a word of its own that holds the subcommand whole, not a slip of it."""
    return len(word) - len(name) >= 2 and (word.startswith(name) or word.endswith(name))


def _fitting(grammar: Grammar, name: str, rest: str) -> str | None:
    """`name rest` if rest (a bare number read as an id) is what `name` takes."""
    if grammar.letter and (number := re.match(r"^#?(\d{1,9})\b", rest)):
        rest = f"{grammar.letter}-{int(number.group(1))}{rest[number.end() :]}"
    if grammar.fits(name, rest):
        return f"{name} {rest}".strip()
    return None


def _an_id_and_a_word(grammar: Grammar, text: str) -> bool:
    """`frobnicate A-4`, `A-4 frobnicate`: two words, one of them an id."""
    words = text.split(" ")
    ident = re.compile(rf"^{grammar.id_pattern()}$", re.IGNORECASE)
    return len(words) == 2 and any(ident.match(w) for w in words) and not all(ident.match(w) for w in words)


def _id(grammar: Grammar, said: str) -> str:
    digits = re.sub(r"\D", "", said)
    return f"{grammar.letter}-{int(digits)}"


def unknown_subcommand(grammar: Grammar, word: str) -> str | None:
    """For a command that records nothing from free text: the subcommand an unknown word is closest to."""
    found = _candidates(grammar, word.lower())
    return found[0] if found else None


def unknown_mentions(text: str) -> list[str]:
    """Return the `@names` Slack left as typed: with escaping on, it does that only for names it could not find."""
    names = (m.group(1) for m in AT_WORD.finditer(text))
    return list(dict.fromkeys(n for n in names if n.lower() not in NOT_PEOPLE))


ANY_PERSON = r"(?:$|all$|mine$|<@[UW][A-Z0-9]+(?:\|[^>]*)?>$)"
ACTION = Grammar(
    "/action",
    takes={
        "list": ANY_PERSON,
        "done": ONE_ID,
        "snooze": ID_THEN,
        "reassign": ID_THEN,
        "delete": ONE_ID,
        "show": ONE_ID,
        "help": NOTHING,
    },
    synonyms={
        **dict.fromkeys(("complete", "completed", "close", "closed", "finish", "finished", "resolve"), "done"),
        **dict.fromkeys(("remove", "rm", "cancel", "drop"), "delete"),
        **dict.fromkeys(("view", "open", "details", "info"), "show"),
        **dict.fromkeys(("postpone", "defer", "later"), "snooze"),
        **dict.fromkeys(("assign", "give", "handover"), "reassign"),
        "ls": "list",
    },
    letter="A",
)
RISK = Grammar(
    "/risk",
    takes={
        "list": r"(?:$|all$|mine$|high$)",
        "show": ID_THEN,
        "update": r"{id}\s+\S",
        "close": ID_THEN,
        "matrix": NOTHING,
        "help": NOTHING,
    },
    synonyms={
        **dict.fromkeys(("resolve", "resolved", "done", "closed"), "close"),
        **dict.fromkeys(("edit", "change", "set"), "update"),
        **dict.fromkeys(("view", "details", "info"), "show"),
        **dict.fromkeys(("heatmap", "heat", "map"), "matrix"),
        "ls": "list",
    },
    letter="R",
)
DECISION = Grammar(
    "/decision",
    takes={
        "list": r"(?:$|pending$|all$)",
        "show": ID_THEN,
        "search": SOME_TEXT,
        "revise": r"{id}\s+\S",
        "supersede": r"{id}\s+\S",
        "help": NOTHING,
    },
    synonyms={
        **dict.fromkeys(("edit", "amend", "change", "reword"), "revise"),
        **dict.fromkeys(("replace", "replaces", "overrule"), "supersede"),
        **dict.fromkeys(("view", "details", "info"), "show"),
        "ls": "list",
    },
    letter="D",
)
STANDUP = Grammar(
    "/standup",
    takes=dict.fromkeys(
        ("help", "setup", "show", "pause", "resume", "away", "holiday", "answer", "report", "stats"), ""
    ),
    synonyms={
        "configure": "setup",
        "config": "setup",
        "settings": "setup",
        "stop": "pause",
        "start": "resume",
        "vacation": "away",
        "leave": "away",
        "statistics": "stats",
    },
)
MEETING = Grammar(
    "/meeting",
    takes=dict.fromkeys(("start", "end", "minutes", "schedule", "help"), ""),
    synonyms={"begin": "start", "stop": "end", "finish": "end", "close": "end", "notes": "minutes"},
)
PM = Grammar(
    "/pm",
    takes=dict.fromkeys(("help", "status", "config", "settings", "export", "forget", "away", "delegate"), ""),
    synonyms={
        "setup": "config",
        "configure": "config",
        "rag": "status",
        **dict.fromkeys(("vacation", "leave", "ooo", "holiday"), "away"),
        **dict.fromkeys(("delegation", "deputy", "standin"), "delegate"),
    },
)
LESSON = Grammar(
    "/lesson",
    takes={"list": NOTHING, "show": r"(?:{id}|#?\d{1,9})(?:\s|$)", "search": SOME_TEXT, "help": NOTHING},
    synonyms={
        **dict.fromkeys(("view", "details", "info"), "show"),
        **dict.fromkeys(("find", "lookup"), "search"),
        "ls": "list",
    },
    letter="L",
)
CHANGE = Grammar(
    "/change",
    takes={
        "list": r"(?:$|waiting$|all$)",
        "show": ID_THEN,
        "search": SOME_TEXT,
        "approvers": r"(?:$|(?:scope|schedule|cost|resources?)(?:\s|$))",
        "withdraw": ID_THEN,
        "help": NOTHING,
    },
    synonyms={
        **dict.fromkeys(("view", "details", "info"), "show"),
        **dict.fromkeys(("cancel", "retract"), "withdraw"),
        **dict.fromkeys(("find", "lookup"), "search"),
        "approver": "approvers",
        "ls": "list",
    },
    letter="CR",
)
GOLIVE = Grammar(
    "/golive",
    takes=dict.fromkeys(
        ("plan", "list", "show", "minutes", "step", "approvers", "done", "failed", "skip", "start", "end", "help"), ""
    ),
    synonyms={
        **dict.fromkeys(("new", "create", "schedule"), "plan"),
        **dict.fromkeys(("view", "details", "runbook"), "show"),
        **dict.fromkeys(("timeline", "log"), "minutes"),
        **dict.fromkeys(("steps", "task"), "step"),
        **dict.fromkeys(("fail", "fails"), "failed"),
        **dict.fromkeys(("skipped", "skips"), "skip"),
        **dict.fromkeys(("finish", "stop", "cancel"), "end"),
        "approver": "approvers",
        "begin": "start",
        "ls": "list",
    },
)
RETRO = Grammar(
    "/retro",
    takes=dict.fromkeys(("start", "show", "list", "notes", "reveal", "close", "help"), ""),
    synonyms={
        **dict.fromkeys(("begin", "new", "run"), "start"),
        **dict.fromkeys(("view", "status"), "show"),
        **dict.fromkeys(("note", "add"), "notes"),
        **dict.fromkeys(("end", "finish", "stop"), "close"),
        "ls": "list",
    },
)
PM_CONFIG = Grammar(
    "/pm config",
    takes=dict.fromkeys(("tz", "hours", "days", "leads", "escalation", "stakeholders", "report"), ""),
    synonyms={
        **dict.fromkeys(("timezone", "time_zone", "zone"), "tz"),
        **dict.fromkeys(("lead", "leaders"), "leads"),
        **dict.fromkeys(("escalations",), "escalation"),
        **dict.fromkeys(("stakeholder",), "stakeholders"),
        **dict.fromkeys(("reports",), "report"),
        "workdays": "days",
    },
)
