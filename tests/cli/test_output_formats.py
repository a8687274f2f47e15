"""Each --output-format, and --statistics."""

from __future__ import annotations

import json
import os

import pytest

SOURCE = "y = x.numpy()\nz = w.data\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(SOURCE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_json_has_ruff_fields(cli, project, fake_rules, only_fakes):
    run = cli("check", "a.py", *only_fakes, "--output-format", "json")
    assert run.code == 1
    items = json.loads(run.out)
    assert [item["code"] for item in items] == ["PTL901", "PTL902"]
    first = items[0]
    for key in ("code", "message", "filename", "location", "end_location", "fix", "url", "noqa_row", "cell"):
        assert key in first
    assert first["filename"] == os.path.join(str(project), "a.py")
    assert first["location"] == {"row": 1, "column": 5}
    assert first["end_location"] == {"row": 1, "column": 14}
    assert first["noqa_row"] == 1
    assert first["cell"] is None
    assert first["fix"] == {
        "applicability": "safe",
        "message": "Insert `.cpu()`",
        "edits": [{"content": ".cpu()", "location": {"row": 1, "column": 6}, "end_location": {"row": 1, "column": 6}}],
    }
    assert items[1]["fix"]["applicability"] == "unsafe"


def test_json_without_findings_is_an_empty_array(cli, tmp_path, fake_rules, only_fakes):
    (tmp_path / "ok.py").write_text("x = 1\n")
    run = cli("check", tmp_path, *only_fakes, "--output-format", "json")
    assert run.code == 0
    assert json.loads(run.out) == []


def test_json_url_for_real_rules(cli, tmp_path):
    (tmp_path / "a.py").write_text("import torch\nfrom torch.autograd import Variable\nv = Variable(torch.ones(2))\n")
    items = json.loads(cli("check", tmp_path, "--select", "PTL101", "--output-format", "json").out)
    assert items and all(item["code"] == "PTL101" for item in items)
    assert all(item["url"] and "ptl101" in item["url"] for item in items)


def test_sarif_structure(cli, project, fake_rules, only_fakes):
    run = cli("check", "a.py", *only_fakes, "--output-format", "sarif")
    assert run.code == 1
    log = json.loads(run.out)
    assert log["version"] == "2.1.0"
    assert "sarif" in log["$schema"] and log["$schema"].endswith(".json")
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "pt-lsp"
    rules = {rule["id"]: rule for rule in driver["rules"]}
    for code in ("PTL901", "PTL902", "PTL101", "PTL401", "PTL000"):
        assert code in rules
        assert rules[code]["name"]
        assert rules[code]["shortDescription"]["text"]
        assert rules[code]["fullDescription"]["text"]
    assert rules["PTL401"]["helpUri"].startswith("https://")
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["PTL901", "PTL902"]
    first = results[0]
    assert first["level"] == "error"
    assert first["message"]["text"] == "`.numpy()` call"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "a.py"
    assert location["region"] == {"startLine": 1, "startColumn": 5, "endLine": 1, "endColumn": 14}
    assert driver["rules"][first["ruleIndex"]]["id"] == "PTL901"


def test_github_annotations(cli, project, fake_rules, only_fakes):
    run = cli("check", "a.py", *only_fakes, "--output-format", "github")
    lines = run.out.splitlines()
    assert (
        lines[0]
        == "::error title=pt-lsp (PTL901),file=a.py,line=1,col=5,endLine=1,endColumn=14::PTL901 `.numpy()` call"
    )
    assert lines[1].startswith("::error title=pt-lsp (PTL902),file=a.py,line=2,col=5,")
    assert len(lines) == 2


def test_text_output_is_sorted_by_path_and_position(cli, project, fake_rules, only_fakes):
    (project / "b.py").write_text("y = x.numpy()\n")
    run = cli("check", ".", *only_fakes)
    lines = run.out.splitlines()
    assert lines[:3] == [
        "a.py:1:5: PTL901 [*] `.numpy()` call",
        "a.py:2:5: PTL902 `.data` access",
        "b.py:1:5: PTL901 [*] `.numpy()` call",
    ]
    assert lines[3] == "Found 3 errors."


def test_statistics(cli, project, fake_rules, only_fakes):
    (project / "b.py").write_text("y = x.numpy()\n")
    run = cli("check", ".", *only_fakes, "--statistics")
    assert run.code == 1
    assert run.out.splitlines() == ["2\tPTL901\t[*] numpy-call", "1\tPTL902\t[ ] data-attribute"]
    run = cli("check", ".", *only_fakes, "--statistics", "--output-format", "json")
    assert json.loads(run.out) == [
        {"code": "PTL901", "name": "numpy-call", "count": 2, "fixable": True},
        {"code": "PTL902", "name": "data-attribute", "count": 1, "fixable": False},
    ]


def test_stdin_filename_names_the_source(cli, fake_rules, only_fakes):
    run = cli("check", "--stdin-filename", "pkg/model.py", *only_fakes, stdin=SOURCE.encode())
    assert run.code == 1
    assert run.out.splitlines()[0] == "pkg/model.py:1:5: PTL901 [*] `.numpy()` call"


def test_sarif_related_location_of_the_earlier_backward(cli, tmp_path, monkeypatch):
    (tmp_path / "twice.py").write_text(
        "import torch\nw = torch.ones(2, requires_grad=True)\nloss = (w * 2).sum()\nloss.backward()\nloss.backward()\n"
    )
    monkeypatch.chdir(tmp_path)
    log = json.loads(cli("check", "twice.py", "--select", "PTL201", "--output-format", "sarif").out)
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "PTL201"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    # The evidence path ends with the earlier backward (it starts where the graph was built).
    related = result["relatedLocations"][-1]["physicalLocation"]
    assert related["artifactLocation"]["uri"] == "twice.py"
    assert related["region"]["startLine"] == 4
    assert "backward()" in result["relatedLocations"][-1]["message"]["text"]
