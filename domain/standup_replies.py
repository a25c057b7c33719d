"""A stand-up answered in plain words, split into one answer per question.

People write `Yesterday: … Today: … Blocker: …` on one line or several, use the configured questions' own words as
labels (`Risks: none`), paste a question before its answer, write a line per question without labels, or say it in
sentences (`Yesterday I fixed the login. Blocked by CAB approval.`). Whatever is not labelled stays with what comes
before it, so nothing said is dropped.
"""

from __future__ import annotations

import re
from bisect import bisect_right

# Words that label a part of an update, by the kind of question they answer.
ROLE_LABELS = {
    "done": (
        "yesterday", "what i did(?: yesterday)?", "did", "done", "completed", "finished", "previously", "progress",
        "since last(?: time| update)?", "last time", "accomplished",
    ),
    "next": (
        "today", "tomorrow", "next(?: steps?)?", "plans?(?: for (?:today|tomorrow))?", "to ?do", "todo",
        "what i(?:'ll| will) do(?: today| next)?", "will do", "up next", "focus",
    ),
    "blocker": (
        "blockers?", "blocked(?: by| on)?", "blocking(?: me)?", "impediments?", "obstacles?", "issues?",
        "problems?", "stuck(?: on)?", "help needed", "need help",
    ),
}  # fmt: skip
SHORT_LABELS = {"y": "done", "t": "next", "b": "blocker"}  # `Y: … T: … B: …`, only at the start of a line
# The words that start a sentence or line about one kind of question, without a label.
ROLE_LEADS = {
    "done": re.compile(r"^(?:yesterday|previously|i did|did|done|finished|completed)\b", re.I),
    "next": re.compile(r"^(?:today|tomorrow|next|i will|i'll|will|planning|plan)\b", re.I),
    "blocker": re.compile(
        r"^(?:blocked|blockers?|blocking|no blockers?|nothing blocking|not blocked|waiting (?:on|for)|stuck)\b", re.I
    ),
}
ROLE_QUESTIONS = {
    "blocker": re.compile(r"block|imped|obstacle|stuck", re.I),
    "done": re.compile(r"\b(?:did|done|yesterday|since|accomplish\w*|complet\w*|finish\w*|last|progress)\b", re.I),
    "next": re.compile(r"\b(?:will|next|today|plan\w*|going|tomorrow|focus\w*)\b", re.I),
}
STOP_WORDS = frozenset(
    re.findall(
        r"\w+",
        "what did you do since your last will next anything any are there is the and for with from have has been how "
        "was were that this today yesterday about need want yours",
    )
)
LABEL_END = r"[*_]*\s*:[*_]*"  # `Today:`, `*Today*:`, `*Today:*`
LINE_DASH = r"[*_]*\s*[:\-\u2013\u2014][*_]*"  # at the start of a line a dash labels too: `Today - tests`
SENTENCE = re.compile(r"(?<=[.!?;])\s+")


def roles(questions: list[str]) -> dict[str, int]:
    """Which question answers what was done, what comes next and what blocks (those that have one)."""
    found: dict[str, int] = {}
    for role in ("blocker", "done", "next"):
        taken = set(found.values())
        index = next(
            (i for i, q in enumerate(questions) if i not in taken and ROLE_QUESTIONS[role].search(q)),
            None,
        )
        if index is not None:
            found[role] = index
    return found


def _question_words(questions: list[str]) -> dict[str, int]:
    """Each question's own distinctive words, as labels for it (a word two questions share labels neither)."""
    seen: dict[str, set[int]] = {}
    for i, question in enumerate(questions):
        for word in re.findall(r"[^\W\d_]{3,}", question.lower()):
            if word not in STOP_WORDS:
                seen.setdefault(word, set()).add(i)
    return {word: next(iter(where)) for word, where in seen.items() if len(where) == 1}


def _labels(questions: list[str]) -> list[tuple[str, int]]:
    """(regex, question index) for every label, longest first so `what i did yesterday` wins over `did`."""
    by_role = roles(questions)
    labels = [(re.escape(q.strip().rstrip("?:").strip()) + r"\s*[?:]", i) for i, q in enumerate(questions)]
    labels += [(re.escape(word) + LABEL_END, i) for word, i in _question_words(questions).items()]
    labels += [(phrase + LABEL_END, by_role[role]) for role, phrases in ROLE_LABELS.items() if role in by_role
               for phrase in phrases]  # fmt: skip
    labels += [
        (r"(?<=\n)[ \t>*•\-]*" + phrase + LINE_DASH, by_role[role])
        for role, phrases in ROLE_LABELS.items()
        if role in by_role
        for phrase in phrases
    ]
    labels += [(r"(?<=\n)[ \t>*•\-]*" + short + LABEL_END, by_role[r]) for short, r in SHORT_LABELS.items()
               if r in by_role]  # fmt: skip
    return sorted(labels, key=lambda label: -len(label[0]))


def _labelled(text: str, questions: list[str]) -> list[tuple[int, int, int]]:
    """(start, end, question index) of each label in the text, in order; a line or sentence that opens like a
    blocker (`No blockers`, `Waiting on CAB`) starts the blocker's answer too, its words kept."""
    labels = _labels(questions)
    pattern = re.compile(
        "|".join(f"(?P<q{n}>(?<![\\w'\u2019]){label})" for n, (label, _) in enumerate(labels)), re.IGNORECASE
    )
    marks = [(m.start() - 1, m.end() - 1, labels[int(str(m.lastgroup)[1:])][1]) for m in pattern.finditer("\n" + text)]
    blocker = roles(questions).get("blocker")
    if marks and blocker is not None:
        # a line's start, or a sentence's within a line (`Next: docs. Blocked by CAB`)
        starts_at = r"(?:^|(?<=[.!?;])[ \t]+)[ \t>*•\-]*"
        bullets = [(m.start(), m.end()) for m in re.finditer(starts_at, text, re.MULTILINE)]
        starts = [start for start, _, _ in marks]  # in order, never overlapping

        def labelled_at(at: int) -> bool:
            before = bisect_right(starts, at) - 1
            return before >= 0 and at < marks[before][1]

        marks += [
            (line, words, blocker)  # the bullet goes, the words stay
            for line, words in bullets
            if _lead_role(text[words : words + 40]) == "blocker" and not labelled_at(words)
        ]
    return sorted(set(marks))


def _lead_role(piece: str) -> str | None:
    return next((role for role, lead in ROLE_LEADS.items() if lead.match(piece.lstrip(" \t>*•-"))), None)


def _clean(text: str) -> str:
    return text.strip().strip(",;|*_").strip()


def split(text: str, questions: list[str]) -> list[str]:
    """Split a plain reply into one answer per question (empty where nothing was said)."""
    answers: list[list[str]] = [[] for _ in questions]
    if not questions:
        return []
    marks = _labelled(text, questions)
    if marks:
        if _clean(text[: marks[0][0]]):
            answers[0].append(_clean(text[: marks[0][0]]))
        for (_, end, index), following in zip(marks, [*(m[0] for m in marks[1:]), len(text)], strict=True):
            if _clean(text[end:following]):
                answers[index].append(_clean(text[end:following]))
        return ["\n".join(parts) for parts in answers]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    pieces = lines if len(lines) > 1 else [s for s in SENTENCE.split(text.strip()) if s.strip()]
    by_role = roles(questions)
    leads = [by_role.get(role) if role else None for role in map(_lead_role, pieces)]
    if 1 < len(lines) <= len(questions) and all(index in (None, n) for n, index in enumerate(leads)):
        return [*lines, *[""] * (len(questions) - len(lines))]  # a line per question, in order
    if not any(index is not None for index in leads):
        return [text.strip(), *[""] * (len(questions) - 1)]
    index = 0  # a piece without a lead word continues the one before it
    for piece, lead in zip(pieces, leads, strict=True):
        index = lead if lead is not None else index
        answers[index].append(piece)
    return [("\n" if len(lines) > 1 else " ").join(parts) for parts in answers]
