"""The scheduled work is one explicit registry, and nothing below the wiring imports the wiring."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from handlers import schedule
from handlers.schedule import JOBS, Job, in_order

ROOT = Path(__file__).resolve().parent.parent
LOWER_LAYERS = ("handlers", "domain", "storage")


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", LOWER_LAYERS)
def test_no_lower_layer_imports_bot(package: str) -> None:
    """No module in handlers/, domain/ or storage/ imports `bot`: the wiring sits on top, the jobs below it."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imported_modules(path) if m == "bot" or m.startswith("bot."))
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    assert {} == {path: modules for path, modules in offenders.items() if modules}


def test_every_job_is_listed_once_under_a_unique_name() -> None:
    """Each job module's producer is in the registry exactly once, and no two jobs share a name."""
    names = [job.name for job in JOBS]
    functions = [job.run for job in JOBS]
    assert len(names) == len(set(names))
    assert len(functions) == len(set(functions))
    job_modules = {".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "handlers").glob("*/jobs.py")}
    assert job_modules == {job.run.__module__ for job in JOBS if job.name != "housekeeping"}


def test_jobs_run_in_the_listed_order_with_escalations_last() -> None:
    """The registry keeps the order the features ran in; escalations gather what the others queued, so run last."""
    expected = [
        "housekeeping",
        "action reminders",
        "decision nudges",
        "digests",
        "status reports",
        "meetings",
        "milestones",
        "change nudges",
        "risk reviews",
        "stand-ups",
        "retros",
        "go-lives",
        "away",
        "escalations",
    ]
    assert expected == [job.name for job in in_order(JOBS)]
    assert [Job("escalations", schedule.escalation_jobs.send_held_escalations, late=True)] == [
        job for job in JOBS if job.late
    ]


def test_late_jobs_run_after_the_others_whatever_the_listing() -> None:
    """A late job listed first still runs after every other job."""

    def first(session: object, now: object) -> int:
        return 0

    late, early = Job("late", first, late=True), Job("early", first)
    assert [early, late] == in_order([late, early])
