"""Issue 15, same answers: during a `pt-lsp check` batch (nothing written, the project's files
unchanged) the scans for constructions of a class (``files_naming``) read each file's words once
per file list, not once per scan: torch's source asks for 157 scans of the same 400 files (0.23 ->
0.09 s of CPU). The server and --fix (no batch) look the files up each time, as before. The
programs are test_audit9_numpy's DDPG / Trainer / main (torch runs them there)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pt_lsp.commands import check as check_module
from pt_lsp.commands.lint_file import CHECK, FileTask
from pt_lsp.core.flow import project_files as project
from pt_lsp.core.selection import Selection
from tests.flow.test_audit9_numpy import DDPG, MAIN, TRAINER

SELECTION = Selection.of(["PTL401", "PTL402"])


def _project(folder: Path) -> list[str]:
    (folder / "pyproject.toml").write_text("")
    files = {"ddpg.py": DDPG, "trainer.py": TRAINER.format(kept="actor_loss"), "main.py": MAIN}
    for name, text in files.items():
        (folder / name).write_text(text)
    return sorted(str(folder / name) for name in files)


def _counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    asked: Counter[str] = Counter()
    real = project._identifiers

    def identifiers(path: str) -> tuple[frozenset[bytes], frozenset[bytes]]:
        asked[path] += 1
        return real(path)

    monkeypatch.setattr(project, "_identifiers", identifiers)
    return asked


def test_a_batch_reads_each_file_once_and_finds_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path)
    asked = _counted(monkeypatch)
    paths = [str(tmp_path / "trainer.py")] * 3  # three analyses that ask for Trainer's constructions
    outcomes = check_module.run_tasks([FileTask(path, SELECTION, CHECK) for path in paths], 1)
    assert [[f.finding.line for f in o.findings if f.finding.code == "PTL402"] for o in outcomes] == [[15]] * 3
    assert asked, "no constructions scan: the program no longer tests the memo"
    assert set(asked.values()) == {1}


@pytest.mark.parametrize(("name", "stem"), [("Trainer", "trainer"), ("DDPG", "ddpg"), ("Missing", "trainer")])
def test_the_files_found_are_those_found_one_by_one(tmp_path: Path, name: str, stem: str) -> None:
    files = _project(tmp_path)
    own = str(tmp_path / f"{stem}.py")
    alone = project.files_naming(files, name, stem, own)
    project.files_unchanged(True)
    try:
        batched = [project.files_naming(files, name, stem, own) for _ in range(2)]
    finally:
        project.files_unchanged(False)
    assert batched == [alone, alone] and own not in alone
    assert project._NAMED == {}  # forgotten with the batch
