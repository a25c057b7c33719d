"""Lessons learned: `/lesson`, its form, the card in the channel, and search across the projects one may see."""
