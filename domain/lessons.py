"""Lessons learned: recorded in a line or a form, tagged, and found again from any project the reader may see.

A lesson says what we learned (required) and what happened (optional), with up to ten tags (lower-case words) and
the short ids of the project's records it relates to. Search reads every project of the workspace that the caller
may see (the caller's `visible` rule, see domain.visibility): each word in what happened or what was learned, each
tag exactly, newest first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from domain import milestones, sequences
from domain.errors import InvalidInput
from domain.text import escape, plain_from_slack, short_number, without_control
from domain.visibility import unseen
from storage.models import ActionItem, ChangeRequest, Decision, Lesson, LessonTag, Milestone, Project, Risk

TEXT_LIMIT = 3000  # what happened, what we learned: each
TAG_COUNT = 10
TAG_LENGTH = 40
LINK_COUNT = 10
SEARCH_WORDS = 8
SHOWN = 45  # a list or a search shows at most this many

# Fields, spelled as the form's block ids so an error is shown beside its field.
HAPPENED, LEARNED, TAGS, LINKS = "lesson_happened", "lesson_learned", "tags", "links"

# `#word` standing alone: never `<#C123|name>` (a channel Slack linked), never inside a word or a URL.
_TAG = re.compile(r"(?<!\S)#([^\s#<>]+)(?!\S)")
_TAG_WORD = re.compile(r"[^\W_][\w-]*")
Numbered = ActionItem | Risk | Decision | ChangeRequest
_NUMBERED: dict[str, type[Numbered]] = {"A": ActionItem, "R": Risk, "D": Decision, "CR": ChangeRequest}
_NUMBERED_REF = re.compile(r"(CR|[ARD])-?([0-9]{1,9})", re.IGNORECASE)


@dataclass(frozen=True)
class Draft:
    """What a lesson says, before it is recorded."""

    learned: str
    happened: str = ""
    tags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()

    def validate(self) -> Draft:
        """Return the draft tidied (text trimmed, tags lower-case and once each); raise what is wrong with it."""
        learned, happened = without_control(self.learned).strip(), without_control(self.happened).strip()
        if not learned:
            raise InvalidInput("What did we learn? The lesson is empty.", field=LEARNED,
                               hint="Like `/lesson test the restore, not only the backup #backups`.")  # fmt: skip
        for name, text, said in ((LEARNED, learned, "What we learned"), (HAPPENED, happened, "What happened")):
            if len(text) > TEXT_LIMIT:
                raise InvalidInput(f"{said} can be at most {TEXT_LIMIT} characters ({len(text)} now).", field=name)
        tags = tuple(dict.fromkeys(tag_of(t) for t in self.tags))
        if len(tags) > TAG_COUNT:
            raise InvalidInput(f"A lesson has at most {TAG_COUNT} tags ({len(tags)} given).", field=TAGS)
        links = tuple(dict.fromkeys(link_of(r) for r in self.links))
        if len(links) > LINK_COUNT:
            raise InvalidInput(f"Link at most {LINK_COUNT} records.", field=LINKS)
        return replace(self, learned=learned, happened=happened, tags=tags, links=links)


def tag_of(word: str) -> str:
    """A tag as stored: lower case, without its `#`; raise when it is no word."""
    tag = word.strip().removeprefix("#").lower()
    if not _TAG_WORD.fullmatch(tag) or len(tag) > TAG_LENGTH:
        raise InvalidInput(
            f"`#{escape(tag[:TAG_LENGTH])}` is not a tag.",
            hint=f"A tag is one word of letters, digits and dashes, at most {TAG_LENGTH} characters.",
            field=TAGS,
        )
    return tag


def link_of(ref: str) -> str:
    """A related record's short id as people write it (`a-3` -> `A-3`, `m-uat` -> `M-UAT`); raise when it is none."""
    numbered = _NUMBERED_REF.fullmatch(ref.strip())
    if numbered:
        return f"{numbered.group(1).upper()}-{int(numbered.group(2))}"
    code = milestones.parse_ref(ref)
    if code is None:
        raise InvalidInput(f"`{escape(ref.strip()[:20])}` is not a record's id.", field=LINKS,
                           hint="Link records like `A-3 R-2 D-9 M-UAT CR-1`.")  # fmt: skip
    return f"M-{code}"


def words_of(text: str) -> list[str]:
    """The words of a field that lists tags or records: separated by spaces or commas."""
    return [w for w in re.split(r"[\s,]+", text) if w]


def split_tags(said: str, *, name_of: Callable[[str], str] | None = None) -> tuple[str, list[str]]:
    """Read a command's text as Slack sent it: the `#tags` standing alone, and the rest as plain text (people by
    the name `name_of` gives, links with their URL: see `plain_from_slack`).

    A channel Slack linked (`<#C123|general>`) is not a tag: it stays in the text, as `#general`.
    """
    tags = _TAG.findall(said)
    rest = _TAG.sub(" ", said)
    return re.sub(r"[ \t]+", " ", plain_from_slack(rest, name_of=name_of)).strip(), tags


def from_line(said: str, *, name_of: Callable[[str], str] | None = None) -> Draft:
    """A lesson from `/lesson <what we learned> #tag #tag`; `name_of` names the people it mentions."""
    text, tags = split_tags(said, name_of=name_of)
    return Draft(learned=text, tags=tuple(tags))


def create(session: Session, *, project: Project, author: str, draft: Draft, now: datetime) -> Lesson:
    """Record a lesson in the project; its related records must be the project's own."""
    draft = draft.validate()
    for ref in draft.links:
        if not _in_project(session, project, ref):
            raise InvalidInput(f"{ref} is not a record of this channel.", field=LINKS)
    lesson = Lesson(
        workspace_id=project.workspace_id,
        project_id=project.id,
        number=sequences.next_number(session, workspace_id=project.workspace_id, kind="lesson"),
        author_id=author,
        happened=draft.happened,
        learned=draft.learned,
        links=list(draft.links),
        created_at=now,
        tag_rows=[LessonTag(tag=tag, position=n) for n, tag in enumerate(draft.tags)],
    )
    lesson.project = project
    session.add(lesson)
    session.flush()
    return lesson


def _in_project(session: Session, project: Project, ref: str) -> bool:
    letter, _, rest = ref.partition("-")
    if letter == "M":
        return _exists(session, Milestone, Milestone.project_id == project.id, Milestone.code == rest)
    model = _NUMBERED[letter]
    return _exists(session, model, model.project_id == project.id, model.number == int(rest))


def _exists(session: Session, model: type[Numbered | Milestone], *where: ColumnElement[bool]) -> bool:
    return session.scalar(select(model.id).where(*where).limit(1)) is not None


def get(session: Session, *, workspace_id: int, ref: str) -> Lesson:
    """The lesson for a short id like `L-3` (whoever may read it: the caller decides)."""
    number = short_number(ref, "L")
    if number is None:
        raise InvalidInput(f"`{escape(ref[:20])}` is not a lesson id.", hint="Lesson ids look like `L-3`.")
    found = session.scalar(select(Lesson).where(Lesson.workspace_id == workspace_id, Lesson.number == number))
    if found is None:
        raise unseen(f"L-{number}")
    return found


def list_for(session: Session, *, project_id: int, limit: int = SHOWN + 1) -> list[Lesson]:
    """The project's lessons, newest first."""
    stmt = select(Lesson).where(Lesson.project_id == project_id).order_by(Lesson.number.desc()).limit(limit)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Query:
    """What a search asks for: every word (in what happened or what was learned) and every tag."""

    words: tuple[str, ...]
    tags: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join([*self.words, *(f"#{t}" for t in self.tags)])


def query_of(said: str) -> Query:
    """Read `/lesson search <words or #tags>`; raise when it asks for nothing."""
    text, tags = split_tags(said)
    words = tuple(text.split()[:SEARCH_WORDS])
    query = Query(words, tuple(dict.fromkeys(tag_of(t) for t in tags[:TAG_COUNT])))
    if not query.words and not query.tags:
        raise InvalidInput("Search for what?", hint="Like `/lesson search vendor #cutover`.")
    return query


def search(
    session: Session, *, workspace_id: int, query: Query, visible: Callable[[Project], bool], limit: int = SHOWN + 1
) -> list[Lesson]:
    """The workspace's lessons that match, from the projects `visible` allows, newest first."""
    matching = [Lesson.workspace_id == workspace_id, *_matching(query)]
    project_ids = list(session.scalars(select(Lesson.project_id).where(*matching).distinct()))
    projects = list(session.scalars(select(Project).where(Project.id.in_(project_ids)).order_by(Project.id)))
    allowed = [p.id for p in projects if visible(p)]  # asking may read Slack once per project never asked
    if not allowed:
        return []
    stmt = select(Lesson).where(*matching, Lesson.project_id.in_(allowed)).order_by(Lesson.number.desc())
    return list(session.scalars(stmt.limit(limit)))


def _matching(query: Query) -> Iterable[ColumnElement[bool]]:
    for word in query.words:
        yield or_(Lesson.learned.icontains(word, autoescape=True), Lesson.happened.icontains(word, autoescape=True))
    for tag in query.tags:
        yield exists().where(and_(LessonTag.lesson_id == Lesson.id, LessonTag.tag == tag))
