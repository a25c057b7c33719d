"""Retrospectives: notes from each person in their own time, revealed together, voted, made action items."""
