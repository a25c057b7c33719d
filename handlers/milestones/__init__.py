"""Milestones: `/milestone`, baselines and forecasts, slip alerts that reach dependent projects, the timeline."""
