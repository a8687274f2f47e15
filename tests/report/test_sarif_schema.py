"""SARIF output validated against the official SARIF 2.1.0 schema, and against what GitHub code
scanning accepts beyond it, on findings of every rule (flow findings carry code flows)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from pt_lsp.cli import main
from pt_lsp.core.rule import all_rules

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
FLOW_FAMILIES = ("PTL2", "PTL3", "PTL4", "PTL5")


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> dict:
    """`pt-lsp check --output-format sarif` over every rule's bad examples, one file each."""
    root = tmp_path_factory.mktemp("project")
    for code, rule in all_rules().items():
        if not rule.__module__.startswith("pt_lsp.rules."):
            continue
        for index, example in enumerate(e for e in rule.examples if e.is_bad_for(code)):
            (root / f"{code.lower()}_{index}.py").write_text(example.code, encoding="utf-8")
    out = root / "report.sarif"
    status = _check(root, ["--output-format", "sarif", "--output-file", str(out), "--exit-zero", "--no-cache"])
    assert status == 0
    return json.loads(out.read_text(encoding="utf-8"))


def _check(root: Path, args: list[str]) -> int:
    import os

    here = os.getcwd()
    os.chdir(root)
    try:
        return main(["check", ".", *args])
    finally:
        os.chdir(here)


def test_valid_against_the_official_schema(log):
    validator = jsonschema.Draft4Validator(SCHEMA)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors[:10]] == []


def test_every_rule_is_in_the_log_and_flow_findings_have_code_flows(log):
    (run,) = log["runs"]
    results = run["results"]
    codes = {r["ruleId"] for r in results}
    assert {c for c, r in all_rules().items() if r.__module__.startswith("pt_lsp.rules.")} <= codes
    flows = [r for r in results if r["ruleId"].startswith(FLOW_FAMILIES)]
    assert flows and all(r.get("codeFlows") for r in flows)
    for result in flows:
        (thread,) = result["codeFlows"][0]["threadFlows"]
        last = thread["locations"][-1]["location"]["physicalLocation"]
        assert last == result["locations"][0]["physicalLocation"]  # the path ends at the finding


def test_what_github_code_scanning_requires_beyond_the_schema(log):
    # docs.github.com, "SARIF support for code scanning": a rule for every result, a message, a
    # relative uri with a 1-based start line, at most 25,000 results per run and 1,000 related
    # locations per result, and code flows whose locations each carry a physical location.
    (run,) = log["runs"]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert len(rules) == len(set(rules))
    assert len(run["results"]) <= 25_000
    for result in run["results"]:
        assert result["ruleId"] in rules and rules[result["ruleIndex"]] == result["ruleId"]
        assert result["message"]["text"]
        for location in result["locations"] + result.get("relatedLocations", []):
            physical = location["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            assert not uri.startswith(("/", "file:")) and "\\\\" not in uri, uri
            assert physical["region"]["startLine"] >= 1
        assert len(result.get("relatedLocations", [])) <= 1_000
        for flow in result.get("codeFlows", []):
            for thread in flow["threadFlows"]:
                assert all("physicalLocation" in step["location"] for step in thread["locations"])


RUNTIME_PROGRAM = """\
import torch
w = torch.ones(3, requires_grad=True)
loss = (w * w).sum()
loss.backward()
loss.backward()
"""


def test_pt_lsp_run_writes_sarif_valid_against_the_schema(tmp_path):
    pytest.importorskip("torch")
    script = tmp_path / "twice.py"
    script.write_text(RUNTIME_PROGRAM, encoding="utf-8")
    out = tmp_path / "run.sarif"
    done = subprocess.run(
        [sys.executable, "-m", "pt_lsp", "run", "--output-format", "sarif", "--output-file", str(out), str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0  # the program raises; its exit code is kept
    log = json.loads(out.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft4Validator(SCHEMA).iter_errors(log))
    assert [e.message for e in errors[:10]] == []
    assert any(r["ruleId"] == "PTL201" for r in log["runs"][0]["results"])
