"""The workspace a first start shows: #proj-apollo, five people in five time zones, and some work in it.

The action items, risks and decisions are made through the real app (signed slash commands, as the
people would type them), so the channel shows pmbot's own cards.
"""

from __future__ import annotations

import logging

from sandbox import people
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
]


def people_and_channels(fake: FakeSlack) -> None:
    """The five people, and the project channel the Berlin lead created, with them and the bot in it."""
    for user_id, name, real_name, tz, locale in PEOPLE:
        fake.add_user(user_id, name=name, real_name=real_name, tz=tz, locale=locale)
    members = [p[0] for p in PEOPLE] + [fake.bot_user_id]
    fake.add_channel(CHANNEL_ID, name=CHANNEL_NAME, members=members, creator="U0BER")  # the lead who welcomes all


def conversation(sb: Sandbox) -> None:
    """Type the script into #proj-apollo through the real app."""
    for user_id, text in SCRIPT:
        answer = people.send(sb, user_id, CHANNEL_ID, text)
        if not answer.get("ok"):
            log.warning("seeding the sandbox: %r by %s was not taken: %s", text, user_id, answer)
