"""The Slack edge: each feature module registers its listeners on the app."""

from __future__ import annotations

from slack_bolt import App

from handlers.registry import Listeners, Registered


def register_all(app: App) -> Registered:
    """Register middleware, the error path and every feature's listeners; return what was registered."""
    from handlers import (
        actions,
        channels,
        decisions,
        digests,
        errors,
        forms,
        help,
        home,
        installs,
        meetings,
        members,
        messages,
        middleware,
        risks,
        standups,
    )

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
