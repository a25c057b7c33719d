"""The App Home tab: each person's dashboard."""
