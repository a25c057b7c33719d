"""The Slack edge: each feature module registers its listeners on the app."""

from __future__ import annotations

from slack_bolt import App

from handlers.registry import Listeners, Registered


def register_all(app: App) -> Registered:
    """Register middleware, the error path and every feature's listeners; return what was registered."""
    from handlers import channels, errors, forms, installs, members, messages, middleware
    from handlers.actions import commands as actions
    from handlers.decisions import commands as decisions
    from handlers.digests import commands as digests
    from handlers.home import tab as home
    from handlers.meetings import commands as meetings
    from handlers.pm import commands as help
    from handlers.risks import commands as risks
    from handlers.standups import commands as standups

    middleware.register(app)
    errors.register(app)
    listeners = Listeners(app)
    for feature in (
        help,
        actions,
        standups,
        risks,
        decisions,
        meetings,
        digests,
        home,
        members,
        channels,
        messages,
        installs,
        forms,
    ):
        feature.register(listeners)
    return listeners.registered
