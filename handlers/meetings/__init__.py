"""Meetings: `/meeting`, the lines captured while one runs, the minutes and the agendas."""
