"""The Slack edge: each feature module registers its listeners on the app."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App, BoltContext

from handlers.context import REGISTRY
from handlers.registry import Listeners, Registered


def register_all(app: App) -> Registered:
    """Register middleware, the error path and every feature's listeners; return what was registered."""
    from handlers import channels, errors, forms, installs, members, messages, middleware
    from handlers.actions import commands as actions
    from handlers.away import commands as away
    from handlers.changes import commands as changes
    from handlers.decisions import commands as decisions
    from handlers.digests import commands as digests
    from handlers.golive import commands as golive
    from handlers.home import tab as home
    from handlers.lessons import commands as lessons
    from handlers.meetings import commands as meetings
    from handlers.milestones import commands as milestones
    from handlers.pm import commands as pm
    from handlers.retros import commands as retros
    from handlers.risks import commands as risks
    from handlers.standups import commands as standups

    middleware.register(app)
    errors.register(app)
    listeners = Listeners(app)
    registered = listeners.registered

    def attach_registry(context: BoltContext, next: Callable[[], None]) -> None:
        """What the features registered (the help catalogue, /pm's subcommands), for the listeners to read."""
        context[REGISTRY] = registered
        next()

    app.middleware(attach_registry)
    for feature in (  # in the order their help is shown
        actions,
        standups,
        risks,
        decisions,
        milestones,
        changes,
        lessons,
        meetings,
        retros,
        golive,
        away,
        digests,
        pm,
        home,
        members,
        channels,
        messages,
        installs,
        forms,
    ):
        feature.register(listeners)
    return listeners.registered
