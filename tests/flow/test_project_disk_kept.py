"""Speed without new answers: during a `pt-lsp check` run (no file written) what import
resolution finds on disk (a module in a folder, a package's ``__init__.py``, the project root)
is looked up once per process, not in every analysis; the server and --fix look every time, and
a module added after a run counts in the next analysis. The programs are test_audit9_numpy's
DDPG / Trainer / main (torch runs them there: the trainer's kept losses raise in np.mean)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pt_lsp.commands import check as check_module
from pt_lsp.commands.lint_file import CHECK, FIX, FileTask
from pt_lsp.core.engine import lint_source
from pt_lsp.core.flow import project
from pt_lsp.core.flow.project_files import found_on_disk
from pt_lsp.core.selection import Selection
from tests.flow.test_audit9_numpy import DDPG, MAIN, TRAINER

SELECTION = Selection.of(["PTL401", "PTL402"])


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text)


def counted_lookups(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The (folder, name) pairs `_module_in` looks for on disk, in order."""
    looked: list[tuple[str, str]] = []
    real = project._module_in

    def _module_in(base: str, name: str) -> project.Module | None:
        looked.append((base, name))
        return real(base, name)

    monkeypatch.setattr(project, "_module_in", _module_in)
    return looked


def lines(outcome) -> list[int]:
    assert outcome.errors == []
    return [f.finding.line for f in outcome.findings if f.finding.code == "PTL402"]


def test_a_check_run_looks_on_disk_once_and_finds_the_same(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    write(tmp_path, {"ddpg.py": DDPG, "trainer.py": TRAINER.format(kept="actor_loss"), "main.py": MAIN})
    looked = counted_lookups(monkeypatch)
    trainer = str(tmp_path / "trainer.py")  # two analyses that resolve main.py's `from ddpg import DDPG`
    outcomes = check_module.run_tasks([FileTask(trainer, SELECTION, CHECK)] * 2, 1)
    assert [lines(o) for o in outcomes] == [[15], [15]]
    assert looked.count((str(tmp_path), "ddpg")) == 1
    assert found_on_disk() is None  # the run's answers went with it
    # one analysis at a time (the server), or a --fix run: each looks again, and answers the same
    looked.clear()
    assert [f.line for f in lint_source(TRAINER.format(kept="actor_loss"), trainer, SELECTION).findings] == [15]
    check_module.run_tasks([FileTask(trainer, SELECTION, FIX)] * 2, 1)
    assert looked.count((str(tmp_path), "ddpg")) == 3


def test_after_a_run_a_new_module_is_found(tmp_path):
    """ddpg.py missing: main.py's DDPG is unknown and nothing is reported; once it is written,
    the next analysis and the next run resolve it."""
    (tmp_path / "pyproject.toml").write_text("")
    write(tmp_path, {"trainer.py": TRAINER.format(kept="actor_loss"), "main.py": MAIN})
    trainer = str(tmp_path / "trainer.py")
    assert [lines(o) for o in check_module.run_tasks([FileTask(trainer, SELECTION, CHECK)] * 2, 1)] == [[], []]
    write(tmp_path, {"ddpg.py": DDPG})
    result = lint_source(Path(trainer).read_text(), trainer, selection=SELECTION)
    assert [f.line for f in result.findings if f.code == "PTL402"] == [15]
    assert [lines(o) for o in check_module.run_tasks([FileTask(trainer, SELECTION, CHECK)] * 2, 1)] == [[15], [15]]
