"""Block Kit for action items is pure data, and never lets typed text become a mention or a link."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from domain.escalations import Escalated
from domain.reminders import Reminder
from handlers.actions import render
from handlers.escalations import render as render_escalations
from storage.models import ActionEvent, ActionItem, Project
from storage.models.actions import ActionStatus

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> <!here> <@U0BOSS> <#C0ALL> <https://evil.example|click> & *bold*"


def _item(status: str = ActionStatus.OPEN) -> ActionItem:
    item = ActionItem(
        number=7,
        title=HOSTILE,
        notes=HOSTILE,
        owner_id="U0OWNER",
        creator_id="U0MAKER",
        status=status,
        due_at=datetime(2026, 11, 27, 16, 0, tzinfo=UTC),
        created_at=NOW,
        completed_at=NOW if status == ActionStatus.DONE else None,
        completed_by="U0OWNER" if status == ActionStatus.DONE else None,
        permalink=None,
        revision=0,
    )
    item.project = Project(channel_id="C0PROJ", settings={})
    return item


def _rendered() -> list[tuple[str, object]]:
    item, done = _item(), _item(ActionStatus.DONE)
    event = ActionEvent(at=NOW, actor_id="U0MAKER", kind="edited", detail={"title": {"old": HOSTILE, "new": HOSTILE}})
    return [
        render.card(item, now=NOW),
        render.card(done, now=NOW),
        render.assigned(item, by="U0MAKER"),
        render.reminder(item, Reminder("overdue", NOW, "2026-11-23")),
        render_escalations.batch([Escalated(item.project, "action", item, "overdue by 3 working days (level 2)")]),
        render.completed_notice(done),
        render.item_list([item, done], heading=HOSTILE, now=NOW),
        render.details(item, [event], now=NOW),
    ]


def _mrkdwn(node: object) -> list[str]:
    """Every mrkdwn string in a block tree (plain_text is never parsed for mentions by Slack)."""
    if isinstance(node, dict):
        found = [str(node["text"])] if node.get("type") == "mrkdwn" else []
        return found + [t for value in node.values() for t in _mrkdwn(value)]
    if isinstance(node, list):
        return [t for value in node for t in _mrkdwn(value)]
    return []


@pytest.mark.parametrize("index", range(8))
def test_typed_text_is_escaped_everywhere(index: int) -> None:
    """No renderer repeats `<!channel>`, a user or channel mention, or a link that was typed into a title or notes,
    in its mrkdwn or in its notification text."""
    text, blocks = _rendered()[index]
    parsed = " ".join([text, *_mrkdwn(blocks)])
    for raw in ("<!channel>", "<!here>", "<@U0BOSS>", "<#C0ALL>", "<https://evil.example"):
        assert raw not in parsed
    assert "&lt;!channel&gt;" in parsed


def test_card_shows_owner_due_token_and_buttons() -> None:
    """The card names the owner as a mention, the due date as a date token, and offers Done, Snooze and Edit."""
    _, blocks = render.card(_item(), now=NOW)
    fields = json.dumps(blocks[0]["fields"])
    assert "<@U0OWNER>" in fields and f"<!date^{int(datetime(2026, 11, 27, 16, 0, tzinfo=UTC).timestamp())}^" in fields
    kinds = [(e["type"], e.get("action_id")) for e in blocks[-1]["elements"]]
    assert [("button", "action_done"), ("static_select", "action_snooze"), ("button", "action_edit")] == kinds


def test_a_long_list_stays_within_slacks_block_limit() -> None:
    """A list of 200 items renders at most 50 blocks and says how many more there are."""
    _, blocks = render.item_list([_item() for _ in range(200)], heading="Mine", now=NOW)
    assert len(blocks) <= 50
    assert "155 more" in json.dumps(blocks[-1])
