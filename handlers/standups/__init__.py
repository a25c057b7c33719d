"""Stand-ups: `/standup`, the answer and away forms, the day's thread and the ticks."""
