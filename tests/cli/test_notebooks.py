"""Notebooks: code cells linted as one program, findings per cell, fixes inside the JSON."""

from __future__ import annotations

import json

import pytest


def notebook(*cells, language="python"):
    """cells: ("code", source) or ("markdown", source); sources stored as lists of lines."""
    out = []
    for number, (kind, source) in enumerate(cells, start=1):
        cell = {"cell_type": kind, "metadata": {"tags": [f"t{number}"]}, "source": source.splitlines(keepends=True)}
        if kind == "code":
            cell["execution_count"] = number
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": [f"out {number}\n"]}]
        out.append(cell)
    return {
        "cells": out,
        "metadata": {"kernelspec": {"name": "python3"}, "language_info": {"name": language}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write(path, data):
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.fixture
def nb_path(tmp_path):
    path = tmp_path / "train.ipynb"
    write(
        path,
        notebook(
            ("markdown", "# Training ✓"),
            ("code", "import torch\n%matplotlib inline\nx = torch.ones(3)"),
            ("markdown", "Plot it"),
            ("code", "!pip list\nstep()\ny = x.numpy()\nz = x.data"),
        ),
    )
    return path


def test_findings_are_located_per_cell(cli, nb_path, fake_rules, only_fakes):
    run = cli("check", nb_path, *only_fakes)
    assert run.code == 1
    lines = run.out.splitlines()
    assert f"{nb_path}:cell 4:2:1: PTL903 [*] `step()` without `zero_grad()`" in lines
    assert f"{nb_path}:cell 4:3:5: PTL901 [*] `.numpy()` call" in lines
    assert f"{nb_path}:cell 4:4:5: PTL902 `.data` access" in lines


def test_json_has_the_cell_and_cell_relative_rows(cli, nb_path, fake_rules, only_fakes):
    items = json.loads(cli("check", nb_path, *only_fakes, "--output-format", "json").out)
    numpy = next(item for item in items if item["code"] == "PTL901")
    assert numpy["cell"] == 4
    assert numpy["filename"] == str(nb_path)
    assert numpy["location"] == {"row": 3, "column": 5}
    assert numpy["fix"]["edits"][0]["location"] == {"row": 3, "column": 6}


def test_cells_are_one_program(cli, tmp_path):
    """A tensor moved to CUDA in one cell is still there in a later cell (real rule PTL401)."""
    path = tmp_path / "nb.ipynb"
    write(
        path,
        notebook(
            ("code", "import torch\nx = torch.ones(3).cuda()"),
            ("markdown", "text"),
            ("code", "y = x.numpy()"),
        ),
    )
    items = json.loads(cli("check", path, "--select", "PTL401", "--output-format", "json").out)
    assert [(item["code"], item["cell"], item["location"]["row"]) for item in items] == [("PTL401", 3, 1)]


def test_fix_keeps_outputs_and_metadata(cli, nb_path, fake_rules, only_fakes):
    before = json.loads(nb_path.read_text(encoding="utf-8"))
    run = cli("check", nb_path, *only_fakes, "--fix")
    assert "Found 3 errors (2 fixed, 1 remaining)." in run.out
    assert f"{nb_path}:cell 4:5:5: PTL902" in run.out  # reported in the fixed cell's lines
    after = json.loads(nb_path.read_text(encoding="utf-8"))
    assert "".join(after["cells"][3]["source"]) == "!pip list\nzero_grad()\nstep()\ny = x.cpu().numpy()\nz = x.data"
    for index in (0, 1, 2):
        assert after["cells"][index] == before["cells"][index]
    for key in ("outputs", "metadata", "execution_count"):
        assert after["cells"][3][key] == before["cells"][3][key]
    assert after["metadata"] == before["metadata"]
    assert nb_path.read_text(encoding="utf-8").startswith('{\n "cells": [\n')  # layout kept
    assert "Training ✓" in nb_path.read_text(encoding="utf-8")


def test_fixes_in_several_cells_that_change_line_counts(cli, tmp_path, fake_rules, only_fakes):
    path = tmp_path / "nb.ipynb"
    write(
        path,
        notebook(
            ("code", "step()\na = x.numpy()"),
            ("code", "step()\nstep()"),
            ("code", "b = x.numpy()\nstep()"),
        ),
    )
    cli("check", path, *only_fakes, "--fix")
    cells = ["".join(cell["source"]) for cell in json.loads(path.read_text())["cells"]]
    assert cells == [
        "zero_grad()\nstep()\na = x.cpu().numpy()",
        "zero_grad()\nstep()\nzero_grad()\nstep()",
        "b = x.cpu().numpy()\nzero_grad()\nstep()",
    ]
    assert cli("check", path, *only_fakes).code == 0


def test_diff_of_a_notebook_writes_nothing(cli, nb_path, fake_rules, only_fakes):
    before = nb_path.read_bytes()
    run = cli("check", nb_path, *only_fakes, "--diff")
    assert run.code == 1
    assert f"--- {nb_path}:cell 4" in run.out
    assert "+y = x.cpu().numpy()" in run.out
    assert nb_path.read_bytes() == before


def test_a_cell_that_does_not_parse_is_untouched_and_the_others_fixed(cli, tmp_path, fake_rules):
    path = tmp_path / "nb.ipynb"
    write(path, notebook(("code", "y = x.numpy()"), ("code", "def f(:")))
    run = cli("check", path, "--fix")
    assert f"{path}:cell 2:1:7: PTL000" in run.out
    cells = ["".join(cell["source"]) for cell in json.loads(path.read_text())["cells"]]
    assert cells == ["y = x.cpu().numpy()", "def f(:"]


def test_notebook_of_a_non_python_kernel_never_run_is_skipped(cli, tmp_path, fake_rules, only_fakes):
    # a notebook saved before its kernel ran has no language_info, only the kernelspec's language
    path = tmp_path / "s.ipynb"
    data = notebook(("code", "let x = 1"), ("code", "y = x.numpy()"))
    data["metadata"] = {"kernelspec": {"display_name": "Swift", "language": "swift", "name": "swift"}}
    write(path, data)
    run = cli("check", path, *only_fakes)
    assert run.code == 0, run.out
    assert "PTL000" not in run.out and "notebook language is swift, not Python" in run.err
    data["metadata"] = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    write(path, data)
    assert "PTL000" in cli("check", path, "--select", "PTL000").out  # a Python kernel's cell 1 does not parse


def test_non_python_notebook_is_skipped(cli, tmp_path, fake_rules, only_fakes):
    path = tmp_path / "r.ipynb"
    write(path, notebook(("code", "x <- 1"), language="R"))
    run = cli("check", path, *only_fakes)
    assert run.code == 0
    assert "not Python" in run.err
