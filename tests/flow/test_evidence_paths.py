"""Flow findings carry their evidence path (issue 19): the places that decided them, in program
order, in every output."""

from __future__ import annotations

import json
import pathlib
import textwrap

import pytest

from pt_lsp.cli import main
from pt_lsp.core.engine import lint_source
from pt_lsp.core.rule import all_rules
from pt_lsp.core.selection import Selection

ISSUE_PROGRAM = textwrap.dedent(
    """\
    import torch
    net = torch.nn.Linear(3, 1)
    if torch.cuda.is_available():
        net = net.cuda()
    x = torch.randn(4, 3)
    h = torch.zeros(4, 1)
    for i in range(3):
        h = net(x) + h
        loss = h.sum()
        loss.backward()
    out = net(x.cuda())
    print(out.numpy())
    """
)


def findings(source: str, code: str):
    result = lint_source(textwrap.dedent(source), "<path>", selection=Selection.of([code]))
    assert result.errors == []
    return result.findings


def steps(finding) -> list[tuple[int, str]]:
    return [(r.span.start.line, r.message) for r in finding.related]


def test_ptl401_is_certain_and_names_the_moves():
    (finding,) = findings(ISSUE_PROGRAM, "PTL401")
    assert "is on a CUDA device" in finding.message and "may" not in finding.message
    path = steps(finding)
    assert (4, "`net` moved to CUDA here (under `torch.cuda.is_available()`)") in path
    assert (11, "`x` moved to CUDA here") in path
    assert [line for line, _ in path] == sorted(line for line, _ in path)


def test_ptl401_run_time_device_names_the_choice():
    source = """\
        import torch
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        y = torch.ones(2).to(device)
        print(y.numpy())
        """
    (finding,) = findings(source, "PTL401")
    assert "may be on a CUDA device" in finding.message
    path = steps(finding)
    assert path[0][0] == 2 and "device chosen at run time" in path[0][1]
    assert path[-1] == (3, "`torch.ones(2)` moved to the device chosen at run time here")


def test_ptl201_carried_state_path():
    (finding,) = findings(ISSUE_PROGRAM, "PTL201")
    path = steps(finding)
    assert (8, "`h` carried to the next iteration here") in path
    assert (10, "the graph is freed by this backward() in the previous iteration") in path


def test_ptl201_two_losses_path_names_the_earlier_backward():
    source = """\
        import torch
        net = torch.nn.Linear(2, 2)
        out = net(torch.ones(1, 2))
        a, b = out.sum(), (out * 2).sum()
        a.backward()
        b.backward()
        """
    (finding,) = findings(source, "PTL201")
    path = steps(finding)
    assert path[-1] == (5, "the graph is freed by this backward()")
    assert any(line == 3 for line, _ in path)  # where the shared graph was built


def test_ptl402_path_names_the_requires_grad_source():
    source = """\
        import torch
        w = torch.zeros(3, requires_grad=True)
        y = w * 2
        print(y.numpy())
        """
    (finding,) = findings(source, "PTL402")
    assert steps(finding) == [(2, "created with `requires_grad=True` here")]


def test_good_example_has_no_finding_and_no_path():
    source = """\
        import torch
        net = torch.nn.Linear(3, 1)
        out = net(torch.randn(4, 3))
        print(out.detach().cpu().numpy())
        """
    assert findings(source, "PTL401") == [] and findings(source, "PTL402") == []


def _run(tmp_path, capsys, fmt: str) -> str:
    path = tmp_path / "train.py"
    path.write_text(ISSUE_PROGRAM)
    assert main(["check", str(path), "--select", "PTL201,PTL401", "--output-format", fmt]) == 1
    return capsys.readouterr().out


def test_json_carries_the_same_steps(tmp_path, capsys):
    report = json.loads(_run(tmp_path, capsys, "json"))
    by_code = {f["code"]: f for f in report}
    related = by_code["PTL401"]["related"]
    assert [r["location"]["row"] for r in related] == [4, 11, 11]
    assert related[0]["message"].startswith("`net` moved to CUDA")
    assert all(set(r) == {"message", "filename", "cell", "location", "end_location"} for r in related)
    assert all(r["cell"] is None for r in related)  # a .py file has no cells
    assert by_code["PTL201"]["related"][-1]["location"] == {"row": 10, "column": 5}


def test_sarif_code_flows_end_at_the_finding(tmp_path, capsys):
    log = json.loads(_run(tmp_path, capsys, "sarif"))
    for result in log["runs"][0]["results"]:
        flow = result["codeFlows"][0]["threadFlows"][0]["locations"]
        related = result["relatedLocations"]
        assert [step["location"]["message"]["text"] for step in flow[:-1]] == [r["message"]["text"] for r in related]
        last = flow[-1]["location"]["physicalLocation"]["region"]
        assert last == result["locations"][0]["physicalLocation"]["region"]
        for step in flow:  # SARIF 2.1.0: threadFlowLocation.location is a location object
            region = step["location"]["physicalLocation"]["region"]
            assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_full_text_prints_notes_and_concise_stays_one_line(tmp_path, capsys):
    full = _run(tmp_path, capsys, "full")
    assert "= note:" in full and "`x` moved to CUDA here" in full
    assert "12 | print(out.numpy())" in full
    concise = _run(tmp_path, capsys, "concise")
    assert "= note:" not in concise
    assert len([line for line in concise.splitlines() if "PTL" in line]) == 2


def test_notebook_paths_name_the_cell_of_each_step(tmp_path, capsys):
    cells = [
        "import torch\nnet = torch.nn.Linear(3, 1).cuda()\n",
        "%matplotlib inline\nx = torch.randn(4, 3).cuda()\n",
        "out = net(x)\nprint(out.numpy())\n",
    ]
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None} for c in cells
        ],
    }
    path = tmp_path / "train.ipynb"
    path.write_text(json.dumps(notebook))
    assert main(["check", str(path), "--select", "PTL401", "--output-format", "json"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)
    assert finding["cell"] == 3 and finding["location"]["row"] == 2
    steps = [(r["cell"], r["location"]["row"], r["message"]) for r in finding["related"]]
    assert (1, 2, "`torch.nn.Linear(3, 1)` moved to CUDA here") in steps
    assert (2, 2, "`torch.randn(4, 3)` moved to CUDA here") in steps
    assert (3, 1, "output of `net` here") in steps


FLOW_CODES = [code for code in all_rules() if code[3] in "2345" and not code.startswith("PTL9")]


@pytest.mark.parametrize("code", FLOW_CODES)
def test_every_flow_rule_documents_an_example_path(code):
    found = all_rules()[code].example_path()
    assert found is not None
    _, steps = found
    assert len(steps) >= 2 and steps[-1].startswith("line ")


def test_rule_command_and_docs_show_the_path(capsys):
    assert main(["rule", "PTL401"]) == 0
    out = capsys.readouterr().out
    # The first bad example with a path: accuracy on the device chosen at run time.
    assert "## Evidence path" in out and "moved to the device chosen at run time here" in out
    docs = (pathlib.Path(__file__).parents[2] / "docs" / "rules.md").read_text()
    assert docs.count("### Evidence path") >= len(FLOW_CODES)


def test_a_step_in_another_file_is_placed_there_in_every_report(tmp_path, monkeypatch):
    from pt_lsp.core.document import Pos, Span
    from pt_lsp.core.findings import Finding, Related
    from pt_lsp.report import json_report, sarif, text
    from pt_lsp.report.model import Located

    monkeypatch.chdir(tmp_path)
    steps = (
        Related(Span(Pos(3, 0), Pos(3, 4)), "defined here", path="model.py"),
        Related(Span(Pos(1, 0), Pos(1, 2)), "used here"),
    )
    finding = Finding("PTL201", "backward-through-freed-graph", "m", Span(Pos(2, 0), Pos(2, 1)), related=steps)
    loc = Located("src/train.py", finding)
    [item] = json.loads(json_report.format_json([loc]))
    assert [r["filename"] for r in item["related"]] == [
        str(tmp_path / "src" / "model.py"),
        str(tmp_path / "src" / "train.py"),
    ]
    [result] = json.loads(sarif.format_sarif([loc]))["runs"][0]["results"]
    uris = [r["physicalLocation"]["artifactLocation"]["uri"] for r in result["relatedLocations"]]
    assert uris == ["src/model.py", "src/train.py"]
    flow = result["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["physicalLocation"]["artifactLocation"]["uri"] for s in flow] == [*uris, "src/train.py"]
    full = text.format_full(loc, False, None)
    assert "= note: src/model.py:3:1: defined here" in full and "= note: src/train.py:1:1: used here" in full
