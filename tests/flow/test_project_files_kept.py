"""Speed without new answers: a `pt-lsp check` run walks the project's file list once (not in
every analysis of a plain class's constructions), the server and --fix look again each time,
and `walk.breadth_first` is `ast.walk` in the same order. The programs are test_audit9_numpy's
DDPG / Trainer / main (torch runs them there: the trainer's kept losses raise in np.mean)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pt_lsp.commands import check as check_module
from pt_lsp.commands.lint_file import CHECK, FIX, FileTask
from pt_lsp.core.engine import lint_source
from pt_lsp.core.flow import project_files as project
from pt_lsp.core.selection import Selection
from pt_lsp.core.walk import breadth_first
from tests.flow.test_audit9_numpy import DDPG, MAIN, TRAINER

SELECTION = Selection.of(["PTL401", "PTL402"])


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text)


def counted_walks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    walked: list[str] = []
    real = project._walk

    def walk(top: str, files: list[str], skipped: str | None) -> None:
        walked.append(top)
        real(top, files, skipped)

    monkeypatch.setattr(project, "_walk", walk)
    return walked


def lines(outcome) -> list[int]:
    assert outcome.errors == []
    return [f.finding.line for f in outcome.findings if f.finding.code == "PTL402"]


def test_a_check_run_walks_the_project_once_and_finds_the_same(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    write(tmp_path, {"ddpg.py": DDPG, "trainer.py": TRAINER.format(kept="actor_loss"), "main.py": MAIN})
    walked = counted_walks(monkeypatch)
    paths = [str(tmp_path / "trainer.py")] * 2  # two analyses that ask for Trainer's constructions
    outcomes = check_module.run_tasks([FileTask(path, SELECTION, CHECK) for path in paths], 1)
    assert [lines(o) for o in outcomes] == [[15], [15]]
    assert walked == [str(tmp_path)]
    # one analysis at a time (the server): each walks again, and answers the same
    walked.clear()
    for path in paths:
        lint_source(Path(path).read_text(), path, selection=SELECTION)
    assert walked == [str(tmp_path)] * 2


def test_after_a_run_a_new_construction_is_seen(tmp_path):
    """What a run kept goes with it: a file added afterwards counts in the next analysis."""
    (tmp_path / "pyproject.toml").write_text("")
    write(tmp_path, {"ddpg.py": DDPG, "trainer.py": TRAINER.format(kept="actor_loss")})
    trainer = str(tmp_path / "trainer.py")
    assert [lines(o) for o in check_module.run_tasks([FileTask(trainer, SELECTION, CHECK)] * 2, 1)] == [[], []]
    write(tmp_path, {"main.py": MAIN})
    result = lint_source(Path(trainer).read_text(), trainer, selection=SELECTION)
    assert [f.line for f in result.findings if f.code == "PTL402"] == [15]


def test_a_fix_run_keeps_nothing(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    write(tmp_path, {"ddpg.py": DDPG, "trainer.py": TRAINER.format(kept="actor_loss"), "main.py": MAIN})
    walked = counted_walks(monkeypatch)
    paths = [str(tmp_path / "trainer.py")] * 2
    check_module.run_tasks([FileTask(path, SELECTION, FIX) for path in paths], 1)
    assert walked == [str(tmp_path)] * 2
    assert project._UNCHANGED is None


def test_breadth_first_is_ast_walk_in_its_order():
    tree = ast.parse(DDPG + TRAINER.format(kept="actor_loss") + "x = {a: b for a, b in y if a}\n" + MAIN)
    for node in (tree, *tree.body):
        expected = list(ast.walk(node))
        found = breadth_first(node)
        assert len(found) == len(expected)
        assert all(a is b for a, b in zip(found, expected))
