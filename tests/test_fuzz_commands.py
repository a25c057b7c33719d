"""Hostile and random text in every slash command, through the real HTTP endpoint: pmbot answers and never breaks.

Whatever is typed, each request must be answered in time (never a 5xx, a crash notice or a stack trace) with
something Slack would accept; nothing pmbot says or posts may ping a crowd (`<!channel>`, `<!here>`, `<!everyone>`,
`<!subteam^...>`); text that cannot be used is refused with an ephemeral error; and nothing is half-saved, judged
by the row count of every table, read from the database before and after each request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, literal, select, union_all

from bot.app import PmbotApp
from handlers.actions import commands as actions
from handlers.changes import commands as changes
from handlers.decisions import commands as decisions
from handlers.errors import UNAVAILABLE
from handlers.ids import Command
from handlers.lessons import commands as lessons
from handlers.milestones import commands as milestones
from handlers.retros import commands as retros
from handlers.risks import commands as risks
from handlers.standups import commands as standups
from sandbox.standin import Call, FakeSlack
from sandbox.standin import rules as slack_rules
from storage.models import Base, OutboxMessage
from tests.conftest import PEOPLE, PROJECT_CHANNEL, RunningServer, sender_for
from tests.slack_requests import Response, SlackSender
from tests.test_standups import _setup_values

CALLER = "U0LEAD"  # a workspace admin, so every subcommand gets as far as reading its text
BROADCAST = re.compile(r"<!(?:channel|here|everyone|subteam\^)", re.IGNORECASE)
CRASH = ("Traceback", "Something went wrong on my side", UNAVAILABLE.split(".")[0])
REFUSED_BY_SLACK = {"no_text", "msg_too_long", "invalid_blocks", "invalid_arguments"}

# The sharpest of each kind: these go through every subcommand; the rest through every command.
SHARP = [
    "\u0645\u0631\u062d\u0628\u0627 \U0001f469\u200d\U0001f469\u200d\U0001f467 \u202eevil\u202c z\u0336a\u0308\u200b",
    "nul\x00 and \x01\x1f\x7f",
    "<!channel> " * 1_000,
    "&lt;!channel&gt; <https://example.com|<!here>> <!subteam^S1|@team>",
    "%_\\% ' OR '1'='1",
    "in 99999999 days",
    "\u00b2",  # a superscript two: str.isdigit() says yes, int() says no
    "p:" + "9" * 10_000,  # int() reads at most 4,300 digits
    "America",  # a folder of time zones, not one
]
# Right-to-left text with an override, combining marks, emoji sequences, zero-width characters, and the code
# points either side of the surrogates (all of them valid UTF-8).
UNICODE = [
    "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd \u202eevil\u202c done",
    "e\u0301\u0301\u0301 z\u0336a\u0308\u0324l\u034fg\u0489o",
    "\U0001f680\U0001f525 ship it \U0001f469\u200d\U0001f469\u200d\U0001f467 \U0001f1e9\U0001f1ea",
    "zero\u200bwidth\u200c\u200d\u2060\ufeffjoin",
    "\ud7ff\ue000\ufffd\uffff\U00010000\U0010ffff",
]
CONTROL = ["".join(map(chr, range(0x20))) + "\x7f", "nul\x00in the middle", "tabs\tand\nnew\r\nlines\x0b\x0c"]
LONG = ["x" * 10_000, "\U0001f680" * 2_500]
# Slack's mention and mrkdwn syntax, as Slack sends it and as it never would.
SLACK = [
    "<!channel> deploy now",
    "<!here|here> look",
    "<!everyone>",
    "<!subteam^S123|@team> ping",
    "<!subteam^S123>",
    "<@U123> owns it",
    "<@U0DEV1|dev-la> <@U0DEV2>",
    "<#C123|x>",
    "<https://x|y> and <https://example.com|<!channel>>",
    "*bold* _italic_ ~strike~ `code` ```block``` > quote",
    "&lt;!channel&gt; &amp;lt;!here&amp;gt; &",
    "<<!channel>> <!channel <!chan\u200bnel> <!CHANNEL>",
    "<!date^1700000000^{date}|x> <mailto:a@b.c|mail>",
]
SQL = ["'; DROP TABLE actions; --", "'; DROP TABLE action_item; --", "%", "_", "\\"]
DATES = [
    "32/13",
    "yesterday tomorrow",
    "by in 99999999 days",
    "0/0/0000 00:00",
    "Feb 30",
    "9999-12-31 - 0001-01-01",
    "tomorrow 99pm",
    "next next next friday 25:61",
    "until -1 days",
]
NUMBERS = [
    "0",
    "-1",
    str(2**31),
    str(2**63),
    "9" * 400,
    "1e308 NaN inf -0",
    "A-0",
    "A-999999999",
    "A-99999999999999999999",
    "R-2147483648",
    "D-9223372036854775808",
    "M-18446744073709551616",
    "p:0 i:99999999999999999999",
    "p:-1 i:5 p:9",
    "R-\u00b2 D-\u00b2",
    "A-\u0661\u0662 R-\u0661",  # Arabic-Indic digits
]
# Words that are almost settings.
SETTINGS = ["Europe/Berlin/../../etc/passwd", "24:00-00:00", "sun-sun,mon-", "mitigation: title:"]
HOSTILE = [*SHARP, *UNICODE, *CONTROL, *LONG, *SLACK, *SQL, *DATES, *NUMBERS, *SETTINGS]

NO_NEW_ROWS = "no new rows"
REFUSED = "refused"


@dataclass(frozen=True)
class Template:
    """Where the text goes, `command` `prefix`<text>, and what must hold once pmbot has read it.

    `expect` is REFUSED (an ephemeral error; nothing saved, posted or opened), NO_NEW_ROWS (a read, or a change
    in place), or a table: either nothing changed at all, or that table grew (the thing itself was saved).
    `words` are the command's subcommands: a text starting with one is that subcommand, not what `prefix` reads.
    `after` is said next, so that the following request starts from the same place.
    """

    command: str
    prefix: str
    expect: str
    words: frozenset[str] = frozenset()
    after: str = ""


TEMPLATES = [
    Template(Command.ACTION, "", "action_item", frozenset({*actions.SUBCOMMANDS, "help"})),
    Template(Command.ACTION, "list ", NO_NEW_ROWS),
    Template(Command.ACTION, "done A-1 ", REFUSED),
    Template(Command.ACTION, "snooze A-1 ", "action_event"),
    Template(Command.ACTION, "reassign A-1 ", "action_event"),
    Template(Command.ACTION, "show A-1 ", REFUSED),
    Template(Command.ACTION, "delete A-1 ", REFUSED),
    Template(Command.STANDUP, "", REFUSED, frozenset(standups.SUBCOMMANDS)),
    Template(Command.STANDUP, "away ", "away"),
    Template(Command.STANDUP, "holiday ", "holiday"),
    Template(Command.STANDUP, "report ", NO_NEW_ROWS),
    Template(Command.STANDUP, "show ", NO_NEW_ROWS),
    Template(Command.STANDUP, "stats ", NO_NEW_ROWS),
    Template(Command.STANDUP, "setup ", NO_NEW_ROWS),
    Template(Command.STANDUP, "answer ", NO_NEW_ROWS),
    Template(Command.STANDUP, "pause ", NO_NEW_ROWS, after="resume"),
    Template(Command.RISK, "", "risk", frozenset(risks.SUBCOMMANDS)),
    Template(Command.RISK, "list ", NO_NEW_ROWS),
    Template(Command.RISK, "show ", NO_NEW_ROWS),
    Template(Command.RISK, "update R-1 ", "risk_event"),
    Template(Command.RISK, "close R-2 ", "risk_event"),  # R-1 stays open for `update`
    Template(Command.RISK, "matrix ", NO_NEW_ROWS),
    Template(Command.DECISION, "", "decision", frozenset(decisions.SUBCOMMANDS)),
    Template(Command.DECISION, "list ", NO_NEW_ROWS),
    Template(Command.DECISION, "show ", NO_NEW_ROWS),
    Template(Command.DECISION, "search ", NO_NEW_ROWS),
    Template(Command.DECISION, "revise D-1 ", "decision_revision"),
    Template(Command.DECISION, "supersede D-2 ", "decision"),  # D-1 stays current for `revise`
    Template(Command.MEETING, "", REFUSED, frozenset({"start", "end", "minutes", "schedule", "help"})),
    Template(Command.MEETING, "start ", "meeting", after="end"),
    Template(Command.MEETING, "end ", REFUSED),
    Template(Command.MEETING, "minutes ", NO_NEW_ROWS),
    Template(Command.MEETING, "schedule ", "meeting_series"),
    Template(Command.MILESTONE, "", "milestone", frozenset(milestones.SUBCOMMANDS)),
    Template(Command.MILESTONE, "list ", NO_NEW_ROWS),
    Template(Command.MILESTONE, "show ", NO_NEW_ROWS),
    Template(Command.MILESTONE, "search ", NO_NEW_ROWS),
    Template(Command.MILESTONE, "move M-UAT ", "milestone_event"),
    Template(Command.MILESTONE, "link M-UAT ", "milestone_link"),
    Template(Command.MILESTONE, "depends M-UAT on ", "milestone_dependency"),
    Template(Command.MILESTONE, "done ", REFUSED),
    Template(Command.CHANGE, "", NO_NEW_ROWS, frozenset(changes.SUBCOMMANDS)),  # the form, its title filled in
    Template(Command.CHANGE, "list ", NO_NEW_ROWS),
    Template(Command.CHANGE, "show ", NO_NEW_ROWS),
    Template(Command.CHANGE, "search ", NO_NEW_ROWS),
    Template(Command.CHANGE, "approvers ", NO_NEW_ROWS),
    Template(Command.CHANGE, "withdraw ", REFUSED),
    Template(Command.LESSON, "", "lesson", frozenset(lessons.SUBCOMMANDS)),
    Template(Command.LESSON, "list ", NO_NEW_ROWS),
    Template(Command.LESSON, "show ", NO_NEW_ROWS),
    Template(Command.LESSON, "search ", NO_NEW_ROWS),
    # retros (add /retro templates below this line)
    Template(Command.RETRO, "", REFUSED, frozenset(retros.SUBCOMMANDS)),
    Template(Command.RETRO, "start ", "retro"),
    Template(Command.RETRO, "show ", NO_NEW_ROWS),
    Template(Command.RETRO, "list ", NO_NEW_ROWS),
    Template(Command.RETRO, "reveal ", NO_NEW_ROWS),
    # go-lives (add /golive templates below this line)
    Template(
        Command.GOLIVE,
        "",
        REFUSED,
        frozenset(
            {"plan", "list", "show", "minutes", "step", "approvers", "done", "failed", "skip", "start", "end", "help"}
        ),
    ),
    Template(Command.GOLIVE, "plan ", "golive"),
    Template(Command.GOLIVE, "list ", NO_NEW_ROWS),
    Template(Command.GOLIVE, "show ", NO_NEW_ROWS),
    Template(Command.GOLIVE, "minutes ", NO_NEW_ROWS),
    Template(Command.GOLIVE, "minutes G-1 ", NO_NEW_ROWS),  # only `post` posts: any other word is refused
    Template(Command.GOLIVE, "step G-1 add ", "golive_step"),
    Template(Command.GOLIVE, "approvers G-1 ", NO_NEW_ROWS),
    Template(Command.GOLIVE, "done G-1 ", NO_NEW_ROWS),
    # away (add /pm away and delegate templates below this line)
    Template(Command.PM, "away ", "away", frozenset({"help", "show", "list", "cancel", "back", "none", "off"})),
    Template(Command.PM, "away cancel ", NO_NEW_ROWS),
    Template(Command.PM, "delegate ", "delegation", frozenset({"help", "none", "nobody", "clear", "leads"})),
    Template(Command.PM, "status ", REFUSED, frozenset({"set", "clear", "help"})),
    Template(Command.PM, "status set ", NO_NEW_ROWS),
    Template(Command.PM, "status set amber ", NO_NEW_ROWS),
    Template(Command.PM, "status clear ", NO_NEW_ROWS),
    Template(Command.DIGEST, "", REFUSED, frozenset({"help", "preview", "send", "subscribe", "unsubscribe"})),
    Template(Command.DIGEST, "preview ", NO_NEW_ROWS),
    Template(Command.DIGEST, "send ", "outbox_message"),
    Template(Command.DIGEST, "subscribe ", "digest_subscription"),
    Template(
        Command.PM, "", REFUSED, frozenset({"help", "?", "status", "config", "settings", "export", "away", "delegate"})
    ),
    *(
        Template(Command.PM, f"config {setting}", NO_NEW_ROWS)
        for setting in ("", "tz ", "hours ", "days ", "leads ", "escalation ", "stakeholders ")
    ),
    Template(Command.PM, "export ", NO_NEW_ROWS),
]
BY_COMMAND = {command: [t for t in TEMPLATES if t.command == command] for command in Command}


@dataclass
class Outcome:
    """One request and everything it led to."""

    response: Response
    seconds: float
    answer: dict[str, Any]  # the JSON answer, {"text": body} for a plain one, {} for none
    calls: list[Call]  # what pmbot asked of Slack while answering
    fake_errors: list[str]  # the fake's own failures meanwhile (a request it could not even decode)
    before: dict[str, int]
    after: dict[str, int]

    def grown(self) -> list[str]:
        return sorted(t for t, n in self.after.items() if n > self.before[t])


# What the delivery loop keeps as it sends earlier messages, at its own pace: not a record a command made.
SENDING_BOOKKEEPING = frozenset({"slack_pace"})


def row_counts(engine: Engine) -> dict[str, int]:
    """The number of rows in every table of records, in one query."""
    tables = [t for t in Base.metadata.sorted_tables if t.name not in SENDING_BOOKKEEPING]
    query = union_all(*(select(literal(t.name), func.count()).select_from(t) for t in tables))
    with engine.connect() as conn:
        return {str(name): int(count) for name, count in conn.execute(query)}


def queued_texts(engine: Engine) -> set[str]:
    """The texts of every message queued so far: a call carrying one is an earlier request's paced delivery."""
    with engine.connect() as conn:
        return {str(payload.get("text")) for payload in conn.scalars(select(OutboxMessage.payload))}


@dataclass
class Fuzzer:
    """Says things to pmbot as the caller in the project channel, and tells what went wrong."""

    slack: SlackSender
    fake: FakeSlack
    engine: Engine
    counts: dict[str, int] = field(default_factory=dict)  # as the last request left them

    def send(self, command: str, text: str) -> Outcome:
        before = self.counts or row_counts(self.engine)
        earlier = queued_texts(self.engine)  # what `serve` may still be delivering in the background
        calls, errors, started = len(self.fake.calls), len(self.fake.server_errors), time.monotonic()
        response = self.slack.command(
            command, text, user_id=CALLER, channel_id=PROJECT_CHANNEL, channel_name="proj-apollo"
        )
        seconds, body = time.monotonic() - started, response.text
        answer = response.json() if body.startswith("{") else ({"text": body} if body else {})
        self.counts = row_counts(self.engine)
        mine = [c for c in self.fake.calls[calls:] if c.args.get("text") not in earlier]
        return Outcome(response, seconds, answer, mine, self.fake.server_errors[errors:], before, self.counts)

    def say(self, template: Template, text: str) -> list[str]:
        """Send `text` through `template`; return what went wrong, each line naming the request."""
        said = f"{template.command} {(template.prefix + text)[:80]!r}"
        outcome = self.send(template.command, template.prefix + text)
        found = _named(said, outcome, problems(outcome, expectation(template, text)))
        if template.after:
            then = self.send(template.command, template.after)
            found += _named(f"{said}, then {template.after!r}", then, problems(then, ""))
        return found


def _named(said: str, outcome: Outcome, found: list[str]) -> list[str]:
    return [f"{said}: {problem} (answer {str(outcome.answer)[:200]!r})" for problem in found]


def strings(value: Any, *, mrkdwn_only: bool = False) -> Iterator[str]:
    """Every string in a payload; with `mrkdwn_only`, not those in plain_text objects or a text input's typed value
    (which never ping)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings(item, mrkdwn_only=mrkdwn_only)
    elif isinstance(value, dict) and not (mrkdwn_only and value.get("type") in ("plain_text", "plain_text_input")):
        for item in value.values():
            yield from strings(item, mrkdwn_only=mrkdwn_only)


def problems(outcome: Outcome, expect: str) -> list[str]:
    """What went wrong with one request, in words; empty when everything held."""
    said = [outcome.answer, *(c.args for c in outcome.calls)]
    found = [f"HTTP {outcome.response.status}"] if outcome.response.status != 200 else []
    found += [f"the fake Slack failed: {error.splitlines()[-1]}" for error in outcome.fake_errors]
    found += [f"pings a crowd: {m[0]!r}" for s in strings(said, mrkdwn_only=True) if (m := BROADCAST.search(s))]
    found += [f"crash notice {marker!r}" for marker in CRASH if any(marker in s for s in strings(said))]
    found += [f"Slack refused {c.method}: {c.answer['error']}" for c in outcome.calls if _refused_by_slack(c)]
    if outcome.answer and (error := slack_rules.check("chat.postEphemeral", {"channel": "C", **outcome.answer})):
        found.append(f"Slack would refuse the answer: {error}")
    if slack_rules.answered_too_late(outcome.seconds):
        found.append(f"answered after {outcome.seconds:.1f} s")
    opened = any(c.method == "views.open" for c in outcome.calls)
    if not str(outcome.answer.get("text") or "").strip() and not outcome.answer.get("blocks") and not opened:
        found.append("no answer")
    if shrunk := sorted(t for t, n in outcome.after.items() if n < outcome.before[t]):
        found.append(f"rows gone from {shrunk}")
    changed = outcome.before != outcome.after
    if expect == REFUSED:
        posted = [c.method for c in outcome.calls if c.method.startswith(("chat.", "files.", "views."))]
        if changed or posted or outcome.answer.get("blocks"):
            found.append(f"not refused: rows added to {outcome.grown()}, called {posted}, or blocks")
        if outcome.answer.get("response_type") != "ephemeral":
            found.append("a refusal that is not ephemeral")
    elif expect == NO_NEW_ROWS and changed:
        found.append(f"rows added to {outcome.grown()}")
    elif expect and changed and expect not in outcome.grown():
        found.append(f"half-saved: {outcome.grown()} grew but {expect} did not")
    return found


def _refused_by_slack(call: Call) -> bool:
    return isinstance(call.answer, dict) and call.answer.get("error") in REFUSED_BY_SLACK


def expectation(template: Template, text: str) -> str:
    """What must hold for `text` said through `template`; "" when only the rules for every request apply."""
    first = (text.split() or [""])[0].lower()
    if not text.strip() or (not template.prefix and first in template.words):
        return ""  # the command's help or form, or a real subcommand: not what this template reads
    return template.expect


@pytest.fixture
def fuzzer(server: RunningServer, app: PmbotApp, fake_slack: FakeSlack, engine: Engine) -> Fuzzer:
    """A project with a stand-up, A-1, R-1, R-2, D-1, D-2, the meeting M-1, the milestones M-UAT and M-API, every
    person already known to pmbot, and a sender whose response_url is the fake's (so anything said that way is
    recorded too)."""
    name, tz, locale = PEOPLE[CALLER]
    fake_slack.add_user(CALLER, name=name, tz=tz, locale=locale, is_admin=True)
    slack = sender_for(server, app, fake_slack)
    setting_up = Fuzzer(slack, fake_slack, engine)
    for command, text in [
        (Command.PM, f"config leads <@{CALLER}|{name}>"),
        *((Command.ACTION, f"list <@{user}>") for user in PEOPLE),
        (Command.ACTION, "send the deck by friday 5pm"),
        (Command.RISK, "vendor may slip p:3 i:4"),
        (Command.RISK, "the staging keys expire p:2 i:2"),
        (Command.DECISION, "we use PostgreSQL in production"),
        (Command.DECISION, "we release on Thursdays"),
        (Command.MILESTONE, '"UAT sign-off" in 26 weeks'),
        (Command.MILESTONE, 'M-API "API ready" in 20 weeks'),
        (Command.MEETING, "start Sprint review"),
        (Command.MEETING, "end"),
        (Command.STANDUP, "setup"),
    ]:
        assert [] == problems(setting_up.send(command, text), ""), (command, text)
    metadata = fake_slack.calls_to("views.open")[-1].args["view"]["private_metadata"]
    submitted = slack.view_submission(
        user_id=CALLER, callback_id="standup_setup", private_metadata=metadata, values=_setup_values(list(PEOPLE))
    )
    assert 200 == submitted.status and not submitted.body, submitted.text
    return Fuzzer(slack, fake_slack, engine)


def test_hostile_text_is_read_safely_by_every_command(fuzzer: Fuzzer) -> None:
    """Every hostile text reaches every command, each time through the next of its subcommands, and is answered
    or refused safely."""
    found: list[str] = []
    for index, text in enumerate(HOSTILE):
        for templates in BY_COMMAND.values():
            found += fuzzer.say(templates[index % len(templates)], text)
    assert [] == found, "\n".join(found)


def test_the_sharpest_text_is_read_safely_by_every_subcommand(fuzzer: Fuzzer) -> None:
    """The sharpest hostile text of each kind, through every command and every subcommand, is answered or refused
    safely."""
    found = [problem for text in SHARP for template in TEMPLATES for problem in fuzzer.say(template, text)]
    assert [] == found, "\n".join(found)


PIECES = st.sampled_from(
    [*UNICODE, *CONTROL, *SLACK, *SQL, *DATES, *NUMBERS, *SETTINGS, *(s for s in SHARP if len(s) < 100), "A-1", "by"]
)
WORDS = st.text(st.characters(codec="utf-8"), max_size=30)
TEXT = st.one_of(
    WORDS,
    st.lists(st.one_of(PIECES, WORDS), min_size=1, max_size=6).map(" ".join),
    st.builds(lambda piece, times: piece * times, st.one_of(PIECES, WORDS), st.integers(1, 1_000)),
).filter(str.strip)  # blank text is the bare subcommand (`done A-1` completes it): the feature tests cover that


@settings(
    max_examples=200,
    deadline=None,
    database=None,  # nothing written into the working tree
    derandomize=True,  # the same examples on every run and machine
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(template=st.sampled_from(TEMPLATES), text=TEXT)
def test_random_text_is_read_safely_by_every_command(fuzzer: Fuzzer, template: Template, text: str) -> None:
    """Random text mixed with hostile pieces, through any command or subcommand, is answered or refused safely.

    The project is set up once per database and the examples follow one another in it, as people's commands do.
    """
    found = fuzzer.say(template, text)
    assert [] == found, "\n".join(found)
