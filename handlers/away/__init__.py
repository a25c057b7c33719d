"""Away means delegated: a person's delegate, reminders held while away, and one summary on return."""
