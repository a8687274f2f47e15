"""scripts/ecosystem.py: finding keys, baseline diffs and the report, on synthetic findings (no network)."""

from __future__ import annotations

import importlib.util
import json
import stat
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ecosystem.py"


def _load():
    # scripts/ is not a package: load the command by path (registered so that dataclasses can resolve it)
    spec = importlib.util.spec_from_file_location("ecosystem_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


eco = _load()


def rows(*items):
    """(path, row, column, code, text, message) tuples, as to_findings builds them."""
    return [(path, row, 1, code, text, f"msg {code}") for path, row, code, text in items]


def test_keys_survive_an_unrelated_line_shift():
    before = eco.with_occurrences(
        "p", rows(("a.py", 10, "PTL102", "w.data.zero_()"), ("a.py", 20, "PTL101", "v = Variable(x)"))
    )
    # three lines inserted above both findings: rows move, keys must not
    after = eco.with_occurrences(
        "p", rows(("a.py", 13, "PTL102", "w.data.zero_()"), ("a.py", 23, "PTL101", "v = Variable(x)"))
    )
    comparison = eco.compare(before, after)
    assert not comparison.changed
    assert [f.row for f in after] == [13, 23]


def test_identical_lines_get_distinct_occurrences_in_source_order():
    found = eco.with_occurrences(
        "p",
        rows(
            ("a.py", 9, "PTL102", "x = w.data"),
            ("a.py", 5, "PTL102", "x = w.data"),
            ("b.py", 5, "PTL102", "x = w.data"),
        ),
    )
    by_path = {(f.path, f.row): f.occurrence for f in found}
    assert by_path == {("a.py", 5): 0, ("a.py", 9): 1, ("b.py", 5): 0}
    assert len({f.key() for f in found}) == 3


def test_removing_one_of_two_duplicates_reports_one_removal():
    before = eco.with_occurrences("p", rows(("a.py", 5, "PTL102", "x = w.data"), ("a.py", 9, "PTL102", "x = w.data")))
    after = eco.with_occurrences("p", rows(("a.py", 5, "PTL102", "x = w.data")))
    comparison = eco.compare(before, after)
    assert comparison.added == []
    assert [(f.row, f.occurrence) for f in comparison.removed] == [(9, 1)]


def test_added_and_removed_and_rule_counts():
    baseline = eco.with_occurrences(
        "p", rows(("a.py", 1, "PTL101", "import Variable"), ("a.py", 2, "PTL102", "w.data"))
    )
    current = eco.with_occurrences("p", rows(("a.py", 2, "PTL102", "w.data"), ("b.py", 7, "PTL201", "loss.backward()")))
    comparison = eco.compare(baseline, current)
    assert [(f.path, f.code) for f in comparison.added] == [("b.py", "PTL201")]
    assert [(f.path, f.code) for f in comparison.removed] == [("a.py", "PTL101")]
    assert comparison.before == {"PTL101": 1, "PTL102": 1}
    assert comparison.after == {"PTL102": 1, "PTL201": 1}
    table = "\n".join(eco.rule_table(comparison))
    assert "PTL101          1 ->      0     +0       -1" in table
    assert "PTL201          0 ->      1     +1       -0" in table


def test_a_changed_line_text_is_a_removal_and_an_addition():
    before = eco.with_occurrences("p", rows(("a.py", 4, "PTL102", "y = w.data")))
    after = eco.with_occurrences("p", rows(("a.py", 4, "PTL102", "z = w.data")))
    comparison = eco.compare(before, after)
    assert len(comparison.added) == len(comparison.removed) == 1


def test_baseline_round_trip(tmp_path):
    project = eco.Project("demo", "1.0", "sdist")
    findings = eco.with_occurrences(
        "demo",
        rows(("m.py", 3, "PTL103", "t = torch.FloatTensor(3)"), ("m.py", 8, "PTL103", "t = torch.FloatTensor(3)")),
    )
    run = eco.ProjectRun(project, files=2, lines=40, findings=findings)
    path = tmp_path / "baseline.json"
    path.write_text(eco.baseline_json([run]), encoding="utf-8")
    projects, loaded = eco.load_baseline(path)
    assert projects == {"demo": {"version": "1.0", "files": 2, "lines": 40}}
    assert loaded == sorted(findings, key=eco.Finding.key)
    assert not eco.compare(loaded, findings).changed


def test_a_baseline_of_another_format_is_refused(tmp_path):
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"format": 99, "projects": {}, "findings": []}))
    with pytest.raises(SystemExit):
        eco.load_baseline(path)


def test_to_findings_reads_the_stripped_line_and_a_relative_path(tmp_path):
    (tmp_path / "pkg").mkdir()
    source = tmp_path / "pkg" / "train.py"
    source.write_text("import torch\n\n    loss.backward()   \n")
    raw = [
        {"code": "PTL201", "filename": str(source), "location": {"row": 3, "column": 5}, "message": "m", "cell": None}
    ]
    (finding,) = eco.to_findings("demo", tmp_path, raw)
    assert (finding.path, finding.text, finding.row) == ("pkg/train.py", "loss.backward()", 3)


def test_to_findings_in_a_notebook_uses_the_cell_source(tmp_path):
    notebook = tmp_path / "nb.ipynb"
    cells = [
        {"cell_type": "markdown", "source": ["# title"]},
        {"cell_type": "code", "source": ["a = 1\n", "b = w.data\n"]},
    ]
    notebook.write_text(json.dumps({"cells": cells}))
    raw = [
        {"code": "PTL102", "filename": str(notebook), "location": {"row": 2, "column": 5}, "message": "m", "cell": 2}
    ]
    (finding,) = eco.to_findings("demo", tmp_path, raw)
    assert (finding.path, finding.text) == ("nb.ipynb#cell2", "b = w.data")


# -- main, end to end with a fake pt-lsp and a pre-filled cache --------------------------------------


FAKE_PT_LSP = """\
#!{python}
import json, os, sys
root = sys.argv[2]
findings = json.load(open(os.environ["FAKE_FINDINGS"]))
for item in findings:
    item["filename"] = os.path.join(root, item["filename"])
print(json.dumps(findings))
if os.environ.get("FAKE_STDERR"):
    print(os.environ["FAKE_STDERR"], file=sys.stderr)
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A project list of two projects, their sources already in the cache, and a fake pt-lsp."""
    projects = tmp_path / "projects.toml"
    projects.write_text(
        textwrap.dedent(
            """\
            [[project]]
            name = "one"
            version = "1.0"

            [[project]]
            name = "two"
            version = "2.0"
            dist = "wheel"
            """
        )
    )
    cache = tmp_path / "cache"
    for slug, root in (("one-1.0", "one-1.0"), ("two-2.0", "")):
        folder = cache / "src" / slug
        (folder / root).mkdir(parents=True, exist_ok=True)
        (folder / root / "train.py").write_text("import torch\nx = w.data\ny = w.data\n")
        (folder / eco.COMPLETE_MARKER).write_text("done\n")
    fake = tmp_path / "fake-pt-lsp"
    fake.write_text(FAKE_PT_LSP.format(python=sys.executable))
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    findings = tmp_path / "findings.json"
    monkeypatch.setenv("FAKE_FINDINGS", str(findings))
    monkeypatch.delenv("FAKE_EXIT", raising=False)
    monkeypatch.delenv("FAKE_STDERR", raising=False)

    def set_findings(*rows_):
        items = [
            {"code": code, "filename": "train.py", "location": {"row": row, "column": 5}, "message": "m", "cell": None}
            for code, row in rows_
        ]
        findings.write_text(json.dumps(items))

    def run(*extra):
        argv = ["--projects", str(projects), "--cache", str(cache), "--baseline", str(tmp_path / "baseline.json")]
        return eco.main([*argv, "--pt-lsp", str(fake), *extra])

    return set_findings, run, tmp_path / "baseline.json"


def test_main_writes_a_baseline_then_reports_no_change(world, capsys):
    set_findings, run, baseline = world
    set_findings(("PTL102", 2), ("PTL102", 3))
    assert run("--update-baseline") == 0
    data = json.loads(baseline.read_text())
    assert {f["project"] for f in data["findings"]} == {"one", "two"}
    assert data["projects"]["one"] == {"version": "1.0", "files": 1, "lines": 3}
    capsys.readouterr()
    assert run("--fail-on-change") == 0
    out = capsys.readouterr().out
    assert "0 added, 0 removed" in out
    assert "total" in out and "6" in out  # 2 projects x 3 lines


def test_main_fails_on_change_only_when_asked(world, capsys):
    set_findings, run, _ = world
    set_findings(("PTL102", 2))
    run("--update-baseline")
    set_findings(("PTL102", 2), ("PTL102", 3))
    capsys.readouterr()
    assert run() == 0
    assert run("--fail-on-change") == 1
    out = capsys.readouterr().out
    assert "+ one:one-1.0/train.py:3 PTL102 m" not in out  # paths are relative to the project root
    assert "+ one:train.py:3 PTL102 m" in out
    assert "+ two:train.py:3 PTL102 m" in out


def test_only_leaves_the_other_projects_baseline_alone(world, capsys):
    set_findings, run, baseline = world
    set_findings(("PTL102", 2))
    run("--update-baseline")
    set_findings()
    assert run("--only", "one", "--update-baseline", "--fail-on-change") == 1
    data = json.loads(baseline.read_text())
    assert [f["project"] for f in data["findings"]] == ["two"]
    assert set(data["projects"]) == {"one", "two"}


def test_internal_errors_are_counted(world, capsys, monkeypatch):
    set_findings, run, _ = world
    set_findings()
    monkeypatch.setenv("FAKE_EXIT", "2")
    monkeypatch.setenv("FAKE_STDERR", "error: x.py: internal error: KeyError: 'a' (rule.py:3)")
    assert run("--only", "one") == 0
    out = capsys.readouterr().out
    assert "internal error in one: error: x.py: internal error: KeyError" in out
    total = next(line for line in out.splitlines() if line.startswith("total"))
    assert total.split()[-1] == "1"  # the total row's internal-error column


def test_an_unknown_project_name_is_refused(world):
    _, run, _ = world
    with pytest.raises(SystemExit):
        run("--only", "nope")
