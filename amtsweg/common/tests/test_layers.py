"""The layers contract (pyproject.toml, docs/adr/0014-import-layers.md) refuses an upward import.

import-linter runs on a copy of the source tree (Python files only) in which a few imports against the
layers were planted; the unchanged copy must pass, so the failures come from exactly those imports. In a
subprocess: the running tests have already imported the real ``amtsweg``, and import-linter analyses
whatever package the interpreter finds first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# (file to append to, the planted function, what import-linter must report)
UPWARD = [
    # Reference data reaching up to the rules that use it, inside a function (those count too).
    (
        "catalog/selectors.py",
        "def _planted():\n    from amtsweg.jurisdiction import selectors\n",
        "amtsweg.catalog is not allowed to import amtsweg.jurisdiction",
    ),
    # The web base using an app.
    (
        "web/clients.py",
        "def _planted():\n    from amtsweg.hub import selectors\n",
        "amtsweg.web is not allowed to import amtsweg.hub",
    ),
    # The hub reporting to operations (its metrics go the other way, amtsweg.hub.metrics).
    (
        "hub/selectors.py",
        "def _planted():\n    from amtsweg.ops import metrics\n",
        "amtsweg.hub is not allowed to import amtsweg.ops",
    ),
    # The hub reading the submissions above it.
    (
        "hub/selectors.py",
        "def _planted_too():\n    from amtsweg.submissions import access\n",
        "amtsweg.hub is not allowed to import amtsweg.submissions",
    ),
]


def _source_copy(target: Path) -> None:
    def not_python(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if n == "__pycache__" or (not n.endswith(".py") and not (Path(folder) / n).is_dir())]

    shutil.copytree(ROOT / "amtsweg", target / "amtsweg", ignore=not_python)
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")


def _lint(folder: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}
    env.pop("PYTHONPATH", None)  # lint-imports puts its working directory first on the path
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=folder, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("layers")
    _source_copy(folder)
    return folder


def test_the_unchanged_tree_keeps_the_contract(tree):
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_upward_imports_break_the_contract(tree, tmp_path):
    planted = tmp_path / "planted"
    shutil.copytree(tree, planted)
    for relative, code, _ in UPWARD:
        with (planted / "amtsweg" / relative).open("a") as module:
            module.write("\n\n" + code)
    result = _lint(planted)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0, output
    for _, _, message in UPWARD:
        assert message in output


def test_a_new_app_needs_its_place_in_the_layers(tree, tmp_path):
    unplaced = tmp_path / "unplaced"
    shutil.copytree(tree, unplaced)
    (unplaced / "amtsweg" / "newapp").mkdir()
    (unplaced / "amtsweg" / "newapp" / "__init__.py").write_text("")
    result = _lint(unplaced)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0, output
    assert "not listed as layers" in output and "amtsweg.newapp" in output
