"""Escalations of overdue action items and rising risks, gathered per lead and sent together."""
