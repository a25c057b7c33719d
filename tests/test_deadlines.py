"""Slack's three seconds: no Web API fan-out before the answer; what needs Slack happens after it."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app import PmbotApp
from domain import channels, standups
from domain.workspaces import project_for, workspace_for
from sandbox.standin import FakeSlack
from storage.models import ChannelMember, Standup
from tests.conftest import PEOPLE, PROJECT_CHANNEL, SIGNING_SECRET, RunningServer
from tests.slack_requests import Response, SlackSender
from tests.test_standups import _setup_values

WINDOW = 3.0  # Slack's deadline for an answer
MARGIN = 1.0  # kept in hand for a loaded machine
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PROJECTS = [f"C0P{n:04d}" for n in range(40)]
MINE = PROJECTS[::4]  # the ten project channels U0DEV1 is in


def _timed(send: Any) -> tuple[Response, float]:
    started = time.monotonic()
    response = send()
    return response, time.monotonic() - started


def _unsettled(server: RunningServer, fake: FakeSlack) -> SlackSender:
    """A sender that returns as soon as the app answers, as Slack sees it; its response_urls are the stand-in's."""
    return SlackSender(server.url, SIGNING_SECRET, team_id=FakeSlack.team_id, response_url_base=fake.response_url_base)


def _forty_projects(fake: FakeSlack, session: Session) -> None:
    workspace = workspace_for(session, team_id=FakeSlack.team_id, now=NOW)
    for channel in PROJECTS:
        members = list(PEOPLE) if channel in MINE else [u for u in PEOPLE if u != "U0DEV1"]
        fake.add_channel(channel, name=f"proj-{channel.lower()}", members=[*members, "UBOT"])
        project_for(session, workspace=workspace, channel_id=channel, now=NOW, name=f"proj-{channel.lower()}")
    session.commit()


def _shown(view: dict[str, Any] | None) -> set[str]:
    text = json.dumps(view)
    return {c for c in [*PROJECTS, "C0PRIV"] if f"<#{c}>" in text}


def test_home_opens_and_a_home_button_answers_in_time_with_forty_projects(
    server: RunningServer, app: PmbotApp, slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """With 40 projects and 100 ms a Web API call, App Home and Done on it answer well inside 3 s, and the Home
    tab that gets published shows exactly the projects whose channels the person is in."""
    _forty_projects(fake_slack, session)
    slack.command("/action", "<@U0DEV1|dev-la> ship the thing by friday", user_id="U0LEAD", channel_id=MINE[0])
    fake_slack.slow(0.1)
    quick = _unsettled(server, fake_slack)

    opened, took = _timed(lambda: quick.event({"type": "app_home_opened", "user": "U0DEV1", "tab": "home"}))
    assert (200, True) == (opened.status, took < WINDOW - MARGIN), took
    assert app.settle(timeout=60)
    home = fake_slack.home_view("U0DEV1")
    assert set(MINE) == _shown(home)
    assert home is not None and "ship the thing" in json.dumps(home)

    reads = len(fake_slack.calls_to("conversations.members"))
    done, took = _timed(
        lambda: quick.block_action(
            user_id="U0DEV1",
            action_id="action_done",
            value="A-1",
            container={"type": "view", "view_id": home["id"]},
            view=home,
        )
    )
    assert (200, True) == (done.status, took < WINDOW - MARGIN), took
    assert app.settle(timeout=60)
    refreshed = fake_slack.home_view("U0DEV1")
    assert set(MINE) == _shown(refreshed)
    assert "ship the thing" not in json.dumps(refreshed)
    assert reads == len(fake_slack.calls_to("conversations.members"))  # the rosters are fresh: Slack is not asked


def test_a_person_not_in_a_channel_never_sees_its_project(
    app: PmbotApp, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """Neither the Home tab published at once nor the one after the rosters are read shows a project whose channel
    the person is not in; leaving a channel takes its project off their Home at once, joining puts it on."""
    fake_slack.add_channel("C0PRIV", name="proj-secret", members=["U0LEAD", "UBOT"], is_private=True)
    slack.command("/action", "<@U0DEV1|dev-la> secret task by friday", user_id="U0LEAD", channel_id="C0PRIV")

    def open_home(user: str) -> set[str]:
        slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
        return _shown(fake_slack.home_view(user))

    assert set() == open_home("U0DEV1")
    dev_views = [c.args["view"] for c in fake_slack.calls_to("views.publish") if c.args.get("user_id") == "U0DEV1"]
    assert [] == [v for v in dev_views if "C0PRIV" in json.dumps(v) or "secret task" in json.dumps(v)]
    assert {"C0PRIV"} == open_home("U0LEAD")

    fake_slack.add_channel("C0PRIV", name="proj-secret", members=["U0DEV1", "UBOT"], is_private=True)
    slack.event({"type": "member_left_channel", "user": "U0LEAD", "channel": "C0PRIV", "channel_type": "G"})
    slack.event({"type": "member_joined_channel", "user": "U0DEV1", "channel": "C0PRIV", "channel_type": "G"})
    reads = len(fake_slack.calls_to("conversations.members"))
    assert (set(), {"C0PRIV"}) == (open_home("U0LEAD"), open_home("U0DEV1"))
    assert reads == len(fake_slack.calls_to("conversations.members"))  # the events sufficed
    assert "secret task" in json.dumps(fake_slack.home_view("U0DEV1"))


def test_a_roster_read_before_someone_left_does_not_bring_them_back(session: Session) -> None:
    """A member list Slack gave before a member_left_channel event does not undo the event."""
    workspace = workspace_for(session, team_id="T0ROSTER", now=NOW)
    left_at, read_at = NOW, NOW - timedelta(seconds=5)
    channels.record(session, workspace_id=workspace.id, channel_id="C1", user_id="U1", present=False, now=left_at)
    channels.replace_roster(session, workspace_id=workspace.id, channel_id="C1", members=["U1", "U2"], asked_at=read_at)
    seen = {
        u: channels.channels_of(session, workspace_id=workspace.id, user_id=u, channel_ids=["C1"]) for u in ["U1", "U2"]
    }
    assert {"U1": set(), "U2": {"C1"}} == seen
    assert [] == channels.to_read(session, workspace_id=workspace.id, channel_ids=["C1"], now=NOW)
    assert ["C1"] == channels.to_read(
        session, workspace_id=workspace.id, channel_ids=["C1"], now=NOW + timedelta(days=1)
    )
    assert 2 == len(session.scalars(select(ChannelMember)).all())
    session.rollback()


def _zone(n: int) -> str:
    return "Asia/Tokyo" if n % 2 else "America/Sao_Paulo"


def test_standup_setup_in_a_big_workspace_saves_at_once_and_the_zones_follow(
    server: RunningServer, app: PmbotApp, slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """In a 5,000-person workspace under Slack's rate tiers, the set-up form answers in time and the stand-up is
    saved with its participants; each new person is asked at the project's time until their profile arrives, then
    at their own; users.list is never paged."""
    for n in range(5000):
        fake_slack.add_user(f"U5{n:06d}", name=f"person-{n}", tz=_zone(n))
    newcomers = [f"U5{n:06d}" for n in range(0, 5000, 499)]  # eleven people pmbot has never seen
    fake_slack.enforce_tiers()
    slack.command("/standup", "setup", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    metadata = fake_slack.calls_to("views.open")[-1].args["view"]["private_metadata"]
    fake_slack.slow(0.1)
    fake_slack.slow(0.3, method="users.info")

    submitted, took = _timed(
        lambda: _unsettled(server, fake_slack).view_submission(
            user_id="U0LEAD",
            callback_id="standup_setup",
            private_metadata=metadata,
            values=_setup_values([*PEOPLE, *newcomers]),
        )
    )
    assert (200, b"", True) == (submitted.status, submitted.body, took < WINDOW - MARGIN), took
    standup = _saved(session)  # the form is saved just after its acknowledgement, its profiles fetched after that
    before = {p.user_id: p.tz for p in standups.participants(session, standup)}
    session.rollback()
    assert [*PEOPLE, *newcomers] == list(before)
    assert {"UTC"} == {before[u] for u in newcomers}  # the project's zone until the profile is in

    assert app.settle(timeout=60)
    session.expire_all()
    after = {p.user_id: p.tz for p in standups.participants(session, session.get(Standup, standup.id))}
    session.rollback()
    assert {u: zone for u, (_, zone, _) in PEOPLE.items()} == {u: after[u] for u in PEOPLE}
    assert {u: _zone(int(u[2:])) for u in newcomers} == {u: after[u] for u in newcomers}
    assert [] == fake_slack.calls_to("users.list")


def _saved(session: Session, patience: float = 10.0) -> Standup:
    """The stand-up the set-up form saved, read as soon as it is there."""
    deadline = time.monotonic() + patience
    while (found := session.scalars(select(Standup)).first()) is None and time.monotonic() < deadline:
        session.rollback()
        time.sleep(0.02)
    assert found is not None, "the stand-up form was acknowledged but never saved"
    return found


def test_bots_and_deactivated_accounts_leave_the_standup_once_their_profiles_arrive(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """People picked for a stand-up whom Slack turns out to know as a bot or a deactivated account are dropped when
    their profiles arrive after the answer."""
    fake_slack.add_user("U0ROBOT", name="robot", is_bot=True)
    fake_slack.add_user("U0GONE", name="gone", deleted=True)
    slack.command("/standup", "setup", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    metadata = fake_slack.calls_to("views.open")[-1].args["view"]["private_metadata"]
    picked = ["U0LEAD", "U0ROBOT", "U0DEV1", "U0GONE"]
    slack.view_submission(user_id="U0LEAD", callback_id="standup_setup", private_metadata=metadata,
                          values=_setup_values(picked))  # fmt: skip
    assert ["U0LEAD", "U0DEV1"] == session.scalars(select(Standup.participants)).one()
    session.rollback()


def test_export_answers_at_once_and_the_files_follow(
    app: PmbotApp, server: RunningServer, fake_slack: FakeSlack
) -> None:
    """`/pm export csv` answers "Preparing your export…" inside the window; the files are uploaded after it."""
    fake_slack.slow(0.1)
    quick = _unsettled(server, fake_slack)
    answer, took = _timed(lambda: quick.command("/pm", "export csv", user_id="U0LEAD", channel_id=PROJECT_CHANNEL))
    assert (200, True) == (answer.status, took < WINDOW - MARGIN), took
    assert app.settle(timeout=60)
    assert "Preparing your export" in fake_slack.responses()[0]["text"]
    uploads = fake_slack.uploads()
    expected = {"actions.csv", "risks.csv", "decisions.csv", "meetings.csv", "milestones.csv", "change_requests.csv",
                "lessons.csv"}  # fmt: skip
    assert expected == {u["filename"] for u in uploads}
    assert all(u["completed"] and PROJECT_CHANNEL == u["channel_id"] for u in uploads)
