"""Slack's limits hold for what is sent: user text is measured after escaping, and never cut inside `&amp;`.

`&`, `<` and `>` grow fivefold or fourfold when escaped, so 2,000 `&` typed into a decision's links once became a
10,074-character context element that Slack refused (invalid_blocks). Here every field is filled to pmbot's own
limits with those characters and sent through the real endpoint to the stand-in, which refuses what Slack refuses.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.text import clip, escaped
from sandbox.standin import FakeSlack, rules
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BROKEN_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")  # an `&` that does not start a whole entity: a cut one


def _v(**value: Any) -> dict[str, Any]:
    return {"value": value}


def _text(value: str) -> dict[str, Any]:
    return _v(type="plain_text_input", value=value)


def _submit(slack: SlackSender, fake: FakeSlack, command: str, callback_id: str, values: dict[str, Any]) -> None:
    slack.command(command, "", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    view = fake.calls_to("views.open")[-1].args["view"]
    response = slack.view_submission(
        user_id="U0LEAD", callback_id=callback_id, private_metadata=view["private_metadata"], values=values
    )
    assert 200 == response.status and not response.body, response.text


LINKS = "\n".join(["https://docs.example/?" + "&" * 2000, *(f"https://x.example/{n}&" for n in range(9))])


def _record_everything_at_its_longest(slack: SlackSender, fake: FakeSlack) -> None:
    """D-1 (a 2,000-`&` link among ten, 1,000 `<`, 2,900 `&` of context), R-1 and A-1 (300 `<` titles)."""
    _submit(slack, fake, "/decision", "decision_create", {
        "statement": _text("<" * 1000),
        "context": _text("&" * 2900),
        "options": _text(">" * 2900),
        "rationale": _text("&" * 2900),
        "status": _v(type="static_select", selected_option={"value": "proposed"}),
        "approver": _v(type="users_select", selected_user="U0DEV2"),
        "links": _text(LINKS),
    })  # fmt: skip
    _submit(slack, fake, "/risk", "risk_create", {
        "title": _text("<" * 300),
        "description": _text("&" * 2900),
        "probability": _v(type="static_select", selected_option={"value": "5"}),
        "impact": _v(type="static_select", selected_option={"value": "5"}),
        "owner": _v(type="users_select", selected_user="U0DEV1"),
        "mitigation": _text("<" * 2900),
        "contingency": _text("&" * 2900),
    })  # fmt: skip
    slack.command("/action", "<@U0DEV1|dev-la> " + "&lt;" * 290, user_id="U0LEAD", channel_id=PROJECT_CHANNEL)


def _texts(payload: Any) -> list[str]:
    """Every mrkdwn text object in a message or view."""
    if isinstance(payload, list):
        return [t for item in payload for t in _texts(item)]
    if not isinstance(payload, dict):
        return []
    own = [payload["text"]] if payload.get("type") == "mrkdwn" and isinstance(payload.get("text"), str) else []
    return own + [t for value in payload.values() for t in _texts(value)]


def test_escaping_is_measured_on_the_escaped_text() -> None:
    """2,000 `&` cut to 3,000 characters are 599 whole `&amp;` and an ellipsis; a mention is never cut."""
    assert "&amp;" * 599 + "…" == escaped("&" * 2000, 3000)
    assert "&lt;" * 2 == escaped("<<", 8)
    assert "x…" == clip("x<@U0LEAD>", 8)
    assert "x<@U0LEAD>" == clip("x<@U0LEAD>", 10)


@pytest.mark.parametrize("ask", ["show", "list"])
def test_records_full_of_characters_slack_escapes_are_sent_and_never_refused(
    ask: str, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """Cards, DMs, shows, lists and the Home tab of records at their longest: Slack refuses none of them."""
    with frozen(MONDAY):
        _record_everything_at_its_longest(slack, fake_slack)
        answers = [
            slack.command(command, f"{ask} {ref}" if ask == "show" else "list", user_id="U0LEAD",
                          channel_id=PROJECT_CHANNEL).json()
            for command, ref in (("/decision", "D-1"), ("/risk", "R-1"), ("/action", "A-1"))
        ]  # fmt: skip
        slack.event({"type": "app_home_opened", "user": "U0DEV2", "channel": "DU0DEV2", "tab": "home"})
    assert [None, None, None] == [rules.check("chat.postEphemeral", {"channel": "C", **a}) for a in answers]
    refused = [c for c in fake_slack.calls if c.status != 200 or (isinstance(c.answer, dict) and not c.answer["ok"])]
    assert [] == [(c.method, c.answer) for c in refused]
    sent = [c.args for c in fake_slack.calls if c.method in rules.MESSAGE_METHODS | rules.VIEW_METHODS]
    assert len(sent) >= 5  # the three cards, the approval and owner DMs, the forms and the Home tab
    shown = _texts([*sent, *answers])
    assert [] == [t[:80] for t in shown if BROKEN_ENTITY.search(t)]
    if ask == "show":
        assert 1 == sum("https://docs.example/?&amp;&amp;" in t for t in _texts(answers[0]))
