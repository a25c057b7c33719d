"""`/pm forget @user [to @successor] confirm`: a workspace admin removes a person's personal data on request."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from domain import forget
from domain.errors import InvalidInput, PermissionDenied
from domain.text import user_mention
from handlers.context import db, workspace
from handlers.directory import member, user_ids_in

USAGE = "`/pm forget @person confirm` (open items go to you), or `/pm forget @person to @successor confirm`"


def handle(command: dict[str, Any], text: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    """Forget the person once confirmed; before that, say exactly what will happen."""
    caller = member(context, client, command["user_id"])
    if not caller.is_admin:
        raise PermissionDenied("Only a workspace admin or owner can make pmbot forget a person.")
    words = text.split()
    people = user_ids_in(text)
    if not people or len(people) > 2 or (len(people) == 2 and "to" not in [w.lower() for w in words]):
        raise InvalidInput("Name one person to forget.", hint=f"Say {USAGE}.")
    person, successor = people[0], (people[1] if len(people) == 2 else caller.user_id)
    if successor == person:
        raise InvalidInput("The successor must be someone else.", hint=f"Say {USAGE}.")
    if words[-1].lower() != "confirm":
        what = (
            f"This will delete {user_mention(person)}'s profile, stand-up answers, time away, subscriptions, meeting "
            f"notes and direct messages from pmbot, hand their open actions, risks, blockers and approvals to "
            f"{user_mention(successor)}, and show them as a former member on everything else. It cannot be undone."
        )
        return {"text": f":warning: {what}\nAdd `confirm` to go ahead: {USAGE}."}
    done = forget.forget(db(context), workspace_id=workspace(context).id, user_id=person, successor=successor)
    summary = ", ".join(f"{kind}: {n}" for kind, n in sorted(done.items())) or "there was nothing of theirs"
    return {"text": f":white_check_mark: pmbot has forgotten that person. {summary}."}
