"""The workspace a first start shows: #proj-apollo, five people in five time zones, and some work in it; and
#proj-payments, whose API milestone #proj-apollo's UAT waits for.

The action items, risks, decisions, milestones and the change request are made through the real app (signed slash
commands and a form, as the people would type them), so the channels show pmbot's own cards. The payments API slips
past its baseline, so #proj-apollo hears of it through the dependency, and a change request to move the UAT waits
for the Berlin lead's approval in their DM. Sprint 14's retro has three people's notes, revealed; the payments
cutover is live, with its steps in the timeline's thread.
"""

from __future__ import annotations

import logging
from typing import Any

from sandbox import interactions, people
from sandbox.core import Sandbox
from sandbox.standin import FakeSlack

log = logging.getLogger(__name__)

# id, handle, full name, time zone, locale
PEOPLE = [
    ("U0LAX", "pm-la", "Project manager", "America/Los_Angeles", "en-US"),
    ("U0BER", "lead-berlin", "Tech lead", "Europe/Berlin", "en-GB"),
    ("U0KOL", "dev-kolkata", "Backend developer", "Asia/Kolkata", "en-IN"),
    ("U0KTM", "dev-kathmandu", "Ops engineer", "Asia/Kathmandu", "en-US"),
    ("U0AKL", "dev-auckland", "Designer", "Pacific/Auckland", "en-NZ"),
]
CHANNEL_ID, CHANNEL_NAME = "C0APOLLO", "proj-apollo"
PAYMENTS_ID, PAYMENTS_NAME = "C0PAYMENTS", "proj-payments"
PAYMENTS_PEOPLE = ["U0LAX", "U0KOL", "U0KTM"]

# who types what, in order
SCRIPT = [
    ("U0BER", "Welcome to #proj-apollo :wave: Kick-off is done. Let's keep actions, risks and decisions here."),
    ("U0BER", "/pm config leads @lead-berlin"),
    ("U0BER", "/pm config tz Europe/Berlin"),  # the lead's zone: nobody on the team works in UTC
    ("U0BER", "/action @dev-kolkata send the vendor contract draft by friday 5pm"),
    ("U0KTM", "/action @pm-la book the demo room tomorrow 10am"),
    ("U0AKL", "/action update the on-call runbook in 3 days"),
    ("U0BER", "/risk vendor may slip the API delivery p:4 i:4 @dev-kolkata"),
    ("U0LAX", "/risk on-call rota has gaps over the holidays p:2 i:3"),
    ("U0BER", "/decision we use PostgreSQL in production"),
    ("U0KTM", "/decision release train every second Tuesday"),
    ("U0KOL", "I'll have the contract draft ready before the weekend. Anything we must add about <SLAs> & support?"),
    ("U0BER", '/milestone "UAT sign-off" in 6 weeks @lead-berlin'),
    ("U0LAX", "Payments squad: the partner API lives here.", PAYMENTS_ID),
    ("U0LAX", "/pm config leads @pm-la", PAYMENTS_ID),
    ("U0LAX", "/pm config tz America/Los_Angeles", PAYMENTS_ID),
    ("U0LAX", '/milestone M-API "Payments API ready" in 5 weeks @dev-kolkata', PAYMENTS_ID),
    ("U0BER", "/milestone depends M-UAT on #proj-payments M-API"),
    ("U0KOL", "/milestone move M-API in 7 weeks: the vendor's sandbox keys arrive two weeks late", PAYMENTS_ID),
    ("U0BER", "/retro start Sprint 14"),
]

# A form someone fills in after the script: who, where, the command that opens it, and what they type (by block id).
FORMS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("U0LAX", CHANNEL_ID, "/change Move UAT sign-off by two weeks", {
        "category": "schedule",
        "description": "UAT needs the payments API; M-API now lands two weeks later.",
        "justification": "Testing without the real API would have to be repeated.",
        "impact_days": "14",
        "impact_cost": "None: the same people, two weeks later.",
        "milestones": ["M-UAT"],
    }),
    # Sprint 14's retro: three people add their notes now rather than wait for their prompts.
    ("U0KOL", CHANNEL_ID, "/retro notes", {
        "retro_went_well": "The vendor answered within a day every time",
        "retro_to_improve": "Flaky integration tests on main\nReviews waited two days",
    }),
    ("U0AKL", CHANNEL_ID, "/retro notes", {
        "retro_went_well": "Design reviews across time zones worked async",
        "retro_ideas": "Pair on reviews when one waits a day",
    }),
    ("U0BER", CHANNEL_ID, "/retro notes", {
        "retro_to_improve": "Flaky integration tests: quarantine them",
        "retro_ideas": "Demo every second Friday",
    }),
]  # fmt: skip

# typed after the forms
LATER = [
    ("U0BER", "/retro reveal"),
    # The payments cutover, live: its steps go into the timeline's thread as people mark them.
    ("U0LAX", '/golive plan "Payments cutover" in 3 hours', PAYMENTS_ID),
    ("U0LAX", "/golive step G-1 owner 3 @dev-kathmandu", PAYMENTS_ID),
    ("U0LAX", "/golive step G-1 owner 5 @dev-kolkata", PAYMENTS_ID),
    ("U0LAX", "/golive start G-1", PAYMENTS_ID),
    ("U0LAX", "/golive skip G-1 2 the dry run was folded into Friday's rehearsal", PAYMENTS_ID),
    ("U0KTM", "/golive done G-1 3 checksums match on both replicas", PAYMENTS_ID),
    ("U0KOL", "/golive failed G-1 5 card refunds answer 502", PAYMENTS_ID),
]


def people_and_channels(fake: FakeSlack) -> None:
    """The five people, the project channel the Berlin lead created, with them and the bot in it, and the payments
    channel of three of them."""
    for user_id, name, real_name, tz, locale in PEOPLE:
        fake.add_user(user_id, name=name, real_name=real_name, tz=tz, locale=locale)
    members = [p[0] for p in PEOPLE] + [fake.bot_user_id]
    fake.add_channel(CHANNEL_ID, name=CHANNEL_NAME, members=members, creator="U0BER")  # the lead who welcomes all
    fake.add_channel(PAYMENTS_ID, name=PAYMENTS_NAME, members=[*PAYMENTS_PEOPLE, fake.bot_user_id], creator="U0LAX")


def conversation(sb: Sandbox) -> None:
    """Type the script (into #proj-apollo unless a line names its channel), fill in the forms, then type what comes
    after them, through the real app."""
    for user_id, text, *where in SCRIPT:
        answer = people.send(sb, user_id, where[0] if where else CHANNEL_ID, text)
        if not answer.get("ok"):
            log.warning("seeding the sandbox: %r by %s was not taken: %s", text, user_id, answer)
    for user_id, channel, text, typed in FORMS:
        people.send(sb, user_id, channel, text)
        view_id = sb.top_view(user_id)
        view = sb.fake.view(view_id) if view_id else None
        answer = interactions.submit(sb, user_id, view_id, filled(view, typed)) if view_id and view else {}
        if not answer.get("ok"):
            log.warning("seeding the sandbox: the form of %r by %s was not taken: %s", text, user_id, answer)
    for user_id, text, *where in LATER:
        answer = people.send(sb, user_id, where[0] if where else CHANNEL_ID, text)
        if not answer.get("ok"):
            log.warning("seeding the sandbox: %r by %s was not taken: %s", text, user_id, answer)


def filled(view: dict[str, Any], typed: dict[str, Any]) -> dict[str, Any]:
    """A form's state as Slack sends it: each input as it opened, with `typed` put in (a select's option by its
    label's start, a date as ISO text, anything else as the text typed)."""
    state: dict[str, Any] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        if block.get("type") != "input" or "action_id" not in element:
            continue
        kind, wanted = element["type"], typed.get(block["block_id"])
        value: dict[str, Any] = {"type": kind}
        options = element.get("options") or []
        if kind in ("static_select", "multi_static_select"):
            labels = wanted if isinstance(wanted, list) else [wanted] if wanted else []
            picked = [o for o in options if any(str(o["text"]["text"]).lower().startswith(str(w).lower())
                                                or o["value"] == w for w in labels)]  # fmt: skip
            if kind == "static_select":
                value["selected_option"] = (picked or [element.get("initial_option")])[0]
            else:
                value["selected_options"] = picked or element.get("initial_options") or []
        elif kind == "datepicker":
            value["selected_date"] = wanted or element.get("initial_date")
        elif kind in ("users_select", "multi_users_select"):
            value["selected_user" if kind == "users_select" else "selected_users"] = wanted or element.get(
                "initial_user" if kind == "users_select" else "initial_users"
            )
        else:
            value["value"] = wanted if wanted is not None else element.get("initial_value")
        state[block["block_id"]] = {element["action_id"]: value}
    return state
