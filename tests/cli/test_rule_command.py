"""`pt-lsp rule CODE` and `pt-lsp rule --all`."""

from __future__ import annotations

import json

from pt_lsp.commands.rule_cmd import COLUMN, fix_kind
from pt_lsp.core.rule import all_rules


def test_rule_prints_documentation(cli):
    run = cli("rule", "PTL401")
    assert run.code == 0
    assert run.out.startswith("# numpy-on-cuda-tensor (PTL401)")
    assert "## What it does" in run.out and "## Why is this bad?" in run.out
    assert all_rules()["PTL401"].documentation().strip() in run.out


def test_rule_by_name_and_lower_case(cli):
    assert cli("rule", "ptl401").out == cli("rule", "numpy-on-cuda-tensor").out


def test_unknown_rule(cli):
    run = cli("rule", "PTL999")
    assert run.code == 2
    assert "unknown rule" in run.err


def test_rule_all_lists_every_rule_with_fix_column(cli, fake_rules):
    run = cli("rule", "--all")
    assert run.code == 0
    for code, rule in all_rules().items():
        line = next(line for line in run.out.splitlines() if line.startswith(code))
        assert rule.name in line
        # issue 14: the column says how --fix treats the rule's fixes (it said "yes" for any fix)
        assert line.split()[2] == COLUMN[fix_kind(rule)]
        assert (line.split()[2] == "no") == (not rule.has_fix())
    assert "PTL000" in run.out
    lines = {line.split()[0]: line.split()[2] for line in run.out.splitlines()[1:]}
    assert lines["PTL106"] == "display"  # a display-only fix is never applied: not "yes"
    assert lines["PTL201"] == "unsafe"  # every PTL201 fix needs --unsafe-fixes


def test_rule_json(cli):
    entry = json.loads(cli("rule", "PTL201", "--output-format", "json").out)
    assert entry["code"] == "PTL201" and entry["name"] == "backward-through-freed-graph"
    assert "## What it does" in entry["explanation"]
    entries = json.loads(cli("rule", "--all", "--output-format", "json").out)
    assert {e["code"] for e in entries} >= {"PTL000", *all_rules()}
    assert all(isinstance(e["fixable"], bool) for e in entries)


def test_rule_without_code(cli):
    assert cli("rule").code == 2


def test_rule_says_how_its_fix_applies(cli):
    unsafe = cli("rule", "PTL201").out
    assert "Fix is available." not in unsafe  # all of PTL201's fixes are unsafe
    assert "Fix is available with `--unsafe-fixes`" in unsafe
    assert "Fix is display-only" in cli("rule", "PTL106").out
    entry = json.loads(cli("rule", "PTL106", "--output-format", "json").out)
    assert entry["fixable"] is False and entry["fix_availability"] == "display-only"
