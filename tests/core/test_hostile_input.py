"""Hostile input: deep chains, malformed notebooks, a TCP address that is not ours. Each gives a
clear one-line message, never a traceback or an internal error (issue 16)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.filefix import NotebookFile, Unlintable
from pt_lsp.core.fixes import fix_source
from pt_lsp.core.notebook import code_cells
from pt_lsp.core.walk import MAX_DEPTH

# A program where every rule family has something to look at; CHAIN is replaced by a long chain.
PROGRAM = """\
import numpy as np
import torch
import torch.nn as nn
from torch.utils.tensorboard import SummaryWriter


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Linear(3, 3)
        self.layers = [nn.Linear(2, 2)]
        self.c = CHAIN

    def forward(self, x):
        y = CHAIN
        self.fc = nn.Linear(3, 3)
        return y


def train(model, opt, x):
    w = torch.zeros(3, requires_grad=True)
    for i in range(10):
        out = model(x)
        loss = CHAIN
        loss.backward()
        loss.backward()
        w += CHAIN
        z = (CHAIN).numpy()
        a = np.asarray(CHAIN)
        t = torch.from_numpy(a)
        t.add_(1)
        w.data = CHAIN
        if CHAIN:
            y = x.data
        opt.step()


# at module level: the program ends right after the event (PTL501 reports only there)
writer = SummaryWriter()
writer.add_scalar("a", CHAIN)
"""

CHAINS = {
    "cuda": lambda n: "x" + ".cuda()" * n,
    "data": lambda n: "x" + ".data" * n,
    "add": lambda n: " + ".join(["x"] * n),
    "index": lambda n: "x" + "[0]" * n,
    "neg": lambda n: "-" * n + "x",
}


def _at_stack_depth(frames: int, call):
    return call() if frames == 0 else _at_stack_depth(frames - 1, call)


@pytest.mark.parametrize("shape, count", [("cuda", 325), ("data", 488), ("add", 489), ("index", 400), ("neg", 300)])
def test_a_long_chain_is_too_deep_to_analyse_not_a_crash(shape, count):
    result = lint_source(PROGRAM.replace("CHAIN", CHAINS[shape](count)))
    assert result.errors == []
    assert result.message is not None and result.message.startswith("too deep to analyse")
    assert result.findings == []


@pytest.mark.parametrize("shape", sorted(CHAINS))
def test_the_deepest_chain_analysed_leaves_room_on_a_deep_stack(shape):
    """Just under the cap the rules run, even called from 300 frames down (a server's stack)."""
    count = 1
    while lint_source(PROGRAM.replace("CHAIN", CHAINS[shape](count + 1))).message is None:
        count += 1
    text = PROGRAM.replace("CHAIN", CHAINS[shape](count))
    result = _at_stack_depth(300, lambda: lint_source(text))
    assert result.message is None and result.errors == []
    assert {f.code for f in result.findings} >= {"PTL102", "PTL201", "PTL301", "PTL501"}  # the rules ran
    assert count * (2 if shape == "cuda" else 1) > MAX_DEPTH - 20  # and the chain was long


def test_fixing_a_file_too_deep_to_analyse_changes_nothing():
    text = PROGRAM.replace("CHAIN", CHAINS["data"](488))
    outcome = fix_source(text, unsafe=True)
    assert outcome.text == text and outcome.errors == [] and outcome.fixed == []
    assert outcome.message is not None and outcome.message.startswith("too deep to analyse")


def _notebook(**changes) -> dict:
    nb = {
        "cells": [{"cell_type": "code", "source": ["import torch\n", "x = torch.zeros(3)\n"], "metadata": {}}],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    nb.update(changes)
    return nb


WELL_TYPED_ENOUGH = {
    "metadata a list": _notebook(metadata=[1]),
    "language_info a string": _notebook(metadata={"language_info": "python"}),
    "language name a number": _notebook(metadata={"language_info": {"name": 3}}),
    "a cell that is not an object": _notebook(cells=[1, {"cell_type": "code", "source": "x = 1\n"}]),
}

MALFORMED = {
    "source list of numbers": (_notebook(cells=[{"cell_type": "code", "source": [1, 2]}]), "cell 1 is not text"),
    "source a number": (_notebook(cells=[{"cell_type": "code", "source": 5}]), "cell 1 is not text"),
    "cells an object": (_notebook(cells={"a": 1}), "no 'cells' list"),
}


@pytest.mark.parametrize("name", sorted(WELL_TYPED_ENOUGH))
def test_notebook_metadata_of_the_wrong_type_is_read_as_python(name):
    notebook = NotebookFile.decode(json.dumps(WELL_TYPED_ENOUGH[name]).encode())
    assert notebook.code_cells()[-1][1].strip() != ""


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_notebook_is_unlintable_with_a_reason(name):
    data, reason = MALFORMED[name]
    with pytest.raises(Unlintable, match=reason):
        NotebookFile.decode(json.dumps(data).encode())


def test_a_notebook_with_a_huge_integer_is_unlintable():
    raw = json.dumps(_notebook())[:-1] + ', "x": ' + "9" * 5000 + "}"
    with pytest.raises(Unlintable, match="too long"):
        NotebookFile.decode(raw.encode())


def test_code_cells_of_notebook_json_skips_what_is_not_a_code_cell():
    data = _notebook(cells=[1, {"cell_type": "code", "source": ["a = 1\n", 2]}, {"cell_type": "code", "source": 3}])
    assert code_cells(json.dumps(data)) == [(1, "a = 1\n"), (2, "")]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pt_lsp", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=60)


def test_the_cli_reports_hostile_files_in_one_line_each(tmp_path):
    for name, data in WELL_TYPED_ENOUGH.items():
        (tmp_path / f"{name.replace(' ', '_')}.ipynb").write_text(json.dumps(data))
    for name, (data, _) in MALFORMED.items():
        (tmp_path / f"bad_{name.replace(' ', '_')}.ipynb").write_text(json.dumps(data))
    (tmp_path / "huge_int.ipynb").write_text(json.dumps(_notebook())[:-1] + ', "x": ' + "9" * 5000 + "}")
    (tmp_path / "chain.py").write_text(PROGRAM.replace("CHAIN", CHAINS["cuda"](325)))
    for args in (("check", "."), ("check", "--fix", "--unsafe-fixes", ".")):
        run = _cli(*args, cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        assert "Traceback" not in run.stderr and "error:" not in run.stderr
        skipped = [line for line in run.stderr.splitlines() if line.startswith("warning: skipping")]
        assert len(skipped) >= len(MALFORMED) + 1, run.stderr
    assert "chain.py: too deep to analyse" in _cli("check", ".", cwd=tmp_path).stderr


def test_server_tcp_on_an_address_not_ours_is_one_line_and_exit_2(tmp_path):
    run = _cli("server", "--tcp", "1.2.3.4:80", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "cannot listen on 1.2.3.4:80" in run.stderr
