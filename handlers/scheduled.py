"""Kept only for bench/, which imports it before timing the jobs: the registry is `handlers.schedule.JOBS`."""

from __future__ import annotations

from handlers.schedule import JOBS

__all__ = ["JOBS"]
