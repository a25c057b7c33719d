"""The house stays as drawn (docs/architecture.md): its import rules hold, a wrong import breaks them, and no module
imports itself back through others."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sandbox", "bot", "handlers", "domain", "storage")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter's contracts (pyproject.toml) over the packages under `root`."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _copy_of_the_house(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_import_rules_hold() -> None:
    """Every contract in pyproject.toml is kept: layers, features' order, services free of Slack."""
    result = _lint(ROOT)
    assert 0 == result.returncode, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "broken"),
    [
        ("domain/lessons.py", "from handlers.lessons import render", "above storage BROKEN"),
        ("handlers/actions/notices.py", "from handlers.home import tab", "over escalations BROKEN"),
        ("handlers/escalations/render.py", "from handlers.risks import render", "over escalations BROKEN"),
        ("domain/risks.py", "import slack_sdk", "never speak Slack BROKEN"),
        ("sandbox/core.py", "from storage.models import Member", "storage.db) BROKEN"),
        ("handlers/installs.py", "from handlers.home import tab", "instead) BROKEN"),
    ],
)
def test_a_wrong_import_breaks_the_rules(tmp_path: Path, module: str, wrong_import: str, broken: str) -> None:
    """A service importing the Slack edge, a record's feature importing the Home tab, a service importing slack_sdk,
    the sandbox reading the app's tables, the shared edge reaching into a feature: each is refused, by name."""
    house = _copy_of_the_house(tmp_path)
    path = house / module
    path.write_text(path.read_text() + f"\n{wrong_import}  # noqa\n")
    result = _lint(house)
    assert 1 == result.returncode, result.stdout
    broken_lines = [line for line in result.stdout.splitlines() if "BROKEN" in line]
    assert 1 == len(broken_lines) and broken in broken_lines[0], result.stdout


def test_no_module_imports_itself_back() -> None:
    """No import cycle among pmbot's modules (lazy and type-only imports counted)."""
    graph = grimp.build_graph(*PACKAGES)
    cycles = [sorted(group) for group in _strongly_connected(graph) if len(group) > 1]
    assert [] == cycles


def _strongly_connected(graph: grimp.ImportGraph) -> list[set[str]]:
    """Tarjan's strongly connected components of the import graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            found.append(group)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found
