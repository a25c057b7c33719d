"""Domain errors: the one vocabulary for "the user asked for something we cannot do".

Every error here carries a message written for the person who typed the command; the single
``@app.error`` handler shows it to them ephemerally. Anything that is not a ``PmbotError`` is a bug:
it is logged with an id and the user is told that id.
"""

from __future__ import annotations


class PmbotError(Exception):
    """A problem the user can fix; ``str(err)`` is shown to them as-is (mrkdwn)."""

    def __init__(self, message: str, *, hint: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.field = field  # the modal input (block_id) the message belongs beside, if any

    def user_text(self) -> str:
        """Return the message and, where there is one, the hint on how to say it."""
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class InvalidInput(PmbotError):
    """The text or form could not be understood."""


class DueDateError(InvalidInput):
    """A date or time phrase could not be read, or names a moment in the past."""


class NotFound(PmbotError):
    """The item, project or person named does not exist (here)."""


class PermissionDenied(PmbotError):
    """The caller may not do this to this item."""


class Conflict(PmbotError):
    """The item changed under the caller (for example, it is already done)."""
