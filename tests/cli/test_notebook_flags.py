"""--fixable, --unfixable, --extend-fixable and --target-version on notebooks: as on a `.py` file
with the same code (issue 14). Each case runs on a file and on a notebook whose cells hold that
code, and the two reports must agree finding for finding."""

from __future__ import annotations

import json

import pytest

# cell 1 | cell 2: the file is the cells one after the other
CELLS = ["import x\nif (n := 3) > 2:\n    w = x.ones()\n", "y = x.numpy()\nz = w.data\n"]


def notebook(cells: list[str]) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}
                for source in cells
            ],
            "metadata": {"language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("".join(CELLS))
    (tmp_path / "a.ipynb").write_text(notebook(CELLS))
    return tmp_path


def cells_of(path) -> list[str]:
    return ["".join(cell["source"]) for cell in json.loads(path.read_text())["cells"]]


def report(cli, name: str, *flags: str) -> list[tuple]:
    """(code, line in the file, column, message, fix offered) of each finding; a notebook's
    lines are counted through its cells, so that they compare with the file's."""
    run = cli("check", name, "--select", "PTL000,PTL9", "--no-cache", "--output-format", "json", *flags)
    assert run.code in (0, 1), run.err
    offsets = [0]
    for cell in CELLS:
        offsets.append(offsets[-1] + cell.count("\n"))
    rows = []
    for item in json.loads(run.out):
        line = item["location"]["row"] + (offsets[item["cell"] - 1] if item.get("cell") else 0)
        rows.append((item["code"], line, item["location"]["column"], item["message"], item["fix"] is not None))
    return sorted(rows)


CHECKS = [
    (),
    ("--unfixable", "PTL901"),
    ("--fixable", "PTL902"),
    ("--fixable", "PTL902", "--extend-fixable", "PTL901"),
    ("--target-version", "py37"),
    ("--target-version", "py38"),
    ("--target-version", "py37", "--unfixable", "PTL9"),
]


@pytest.mark.parametrize("flags", CHECKS, ids=" ".join)
def test_check_reports_a_notebook_as_the_same_file(cli, project, fake_rules, flags):
    assert report(cli, "a.ipynb", *flags) == report(cli, "a.py", *flags)


def test_the_cases_differ_where_they_should(cli, project, fake_rules):
    """The comparison above is only worth something if the flags change the notebook's report."""
    plain = report(cli, "a.ipynb")
    assert [(code, fix) for code, *_, fix in plain] == [("PTL901", True), ("PTL902", True)]
    assert [fix for *_, fix in report(cli, "a.ipynb", "--unfixable", "PTL901")] == [False, True]
    assert [fix for *_, fix in report(cli, "a.ipynb", "--fixable", "PTL902")] == [False, True]
    assert [fix for *_, fix in report(cli, "a.ipynb", "--fixable", "PTL902", "--extend-fixable", "PTL901")] == [
        True,
        True,
    ]
    old = report(cli, "a.ipynb", "--target-version", "py37")
    assert [(code, line) for code, line, *_ in old] == [("PTL000", 2), ("PTL901", 4), ("PTL902", 5)]
    assert "SyntaxError under Python 3.7 (target-version): Assignment expressions" in old[0][3]
    assert report(cli, "a.ipynb", "--target-version", "py38") == plain


def test_the_target_version_finding_is_in_its_cell(cli, project):
    run = cli("check", "a.ipynb", "--select", "PTL000", "--target-version", "py37", "--no-cache")
    assert run.code == 1
    assert "a.ipynb:cell 1:2:" in run.out and "PTL000 SyntaxError under Python 3.7 (target-version)" in run.out
    (project / "pyproject.toml").write_text('[tool.pt-lsp]\ntarget-version = "py37"\n')
    assert "(target-version)" in cli("check", "a.ipynb", "--select", "PTL000", "--no-cache").out


FIXES = [
    (("--unfixable", "PTL901"), False),
    (("--fixable", "PTL902"), False),  # PTL902's fix is unsafe: nothing either
    (("--fixable", "PTL901"), True),
    (("--fixable", "PTL902", "--extend-fixable", "PTL901"), True),
    (("--unfixable", "PTL9", "--extend-fixable", "PTL901"), False),  # unfixable wins, as in ruff
]


@pytest.mark.parametrize(("flags", "fixed"), FIXES, ids=lambda v: " ".join(v) if isinstance(v, tuple) else str(v))
def test_fix_applies_only_fixable_rules_to_a_notebook_as_to_a_file(cli, project, fake_rules, flags, fixed):
    notebook_run = cli("check", "a.ipynb", "--select", "PTL9", "--fix", "--no-cache", *flags)
    file_run = cli("check", "a.py", "--select", "PTL9", "--fix", "--no-cache", *flags)
    cells = cells_of(project / "a.ipynb")
    assert "".join(cells) == (project / "a.py").read_text()
    assert (cells[1] == "y = x.cpu().numpy()\nz = w.data\n") is fixed
    assert cells[0] == CELLS[0]
    assert notebook_run.code == file_run.code == 1  # PTL902 is left in both
    assert "PTL902" in notebook_run.out and "PTL902" in file_run.out


def test_fix_keeps_the_target_version_finding(cli, project, fake_rules):
    """--fix reports what is left, --target-version's PTL000 included, for files and notebooks."""
    for name in ("a.ipynb", "a.py"):
        run = cli("check", name, "--select", "PTL000,PTL901", "--fix", "--target-version", "py37", "--no-cache")
        assert run.code == 1, (name, run.out)
        assert "PTL000 SyntaxError under Python 3.7 (target-version)" in run.out, (name, run.out)
    assert cells_of(project / "a.ipynb")[1].startswith("y = x.cpu().numpy()")


def test_extend_fixable_adds_to_the_project_fixable(cli, project, fake_rules):
    (project / "pyproject.toml").write_text('[tool.pt-lsp]\nfixable = ["PTL902"]\n')
    cli("check", "a.ipynb", "--select", "PTL9", "--fix", "--no-cache")
    assert cells_of(project / "a.ipynb") == CELLS
    cli("check", "a.ipynb", "--select", "PTL9", "--fix", "--no-cache", "--extend-fixable", "PTL901")
    assert cells_of(project / "a.ipynb")[1].startswith("y = x.cpu().numpy()")


def test_extend_fixable_keeps_the_project_extend_fixable(cli, project, fake_rules):
    (project / "pyproject.toml").write_text('[tool.pt-lsp]\nfixable = ["PTL903"]\nextend-fixable = ["PTL902"]\n')
    cli("check", "a.ipynb", "--select", "PTL9", "--fix", "--unsafe-fixes", "--no-cache", "--extend-fixable", "PTL901")
    assert cells_of(project / "a.ipynb")[1] == "y = x.cpu().numpy()\nz = w.detach()\n"


def test_extend_fixable_is_in_help_and_checks_its_codes(cli):
    assert "--extend-fixable" in cli("check", "--help").out
    run = cli("check", "--extend-fixable", "PTL99")
    assert run.code == 2 and "PTL99" in run.err


def test_ignore_noqa_reports_a_notebook_as_the_same_file(cli, project, fake_rules):
    silenced = [CELLS[0], "y = x.numpy()\nz = w.data  # noqa: PTL902\n"]
    (project / "a.py").write_text("".join(silenced))
    (project / "a.ipynb").write_text(notebook(silenced))
    assert [code for code, *_ in report(cli, "a.ipynb")] == ["PTL901"]
    assert [code for code, *_ in report(cli, "a.ipynb", "--ignore-noqa")] == ["PTL901", "PTL902"]
    for flags in ((), ("--ignore-noqa",)):
        assert report(cli, "a.ipynb", *flags) == report(cli, "a.py", *flags)
