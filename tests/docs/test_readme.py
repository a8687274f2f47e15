"""The README stays true: its quick start has exactly two commands and its catalog lists every rule."""

import pathlib
import re

from pt_lsp.core.rule import all_rules

README = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_quick_start_has_two_commands_in_one_block():
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert "pt-lsp check examples" in commands[0]
    assert "torch==2.13.0" in commands[1] and "pytest" in commands[1]
    assert "torch==2.13.0" not in commands[0]  # linting needs no torch


def test_catalog_lists_every_rule_with_its_name():
    for code, rule in all_rules().items():
        assert f"| {code} | {rule.name} |" in README, code


def test_every_rule_documents_ruff_sections():
    from pt_lsp.core.rule import DOC_SECTIONS

    for code, rule in all_rules().items():
        if code == "PTL000":
            continue
        doc = rule.documentation()
        missing = [section for section in DOC_SECTIONS if f"## {section}" not in doc]
        assert not missing, (code, missing)


def test_the_verify_figures_are_those_of_the_committed_report():
    """The README quotes the proof and summary lines of benchmarks/results/verify-cpu.txt verbatim."""
    root = pathlib.Path(__file__).resolve().parents[2]
    report = (root / "benchmarks" / "results" / "verify-cpu.txt").read_text(encoding="utf-8").splitlines()
    readme = (root / "README.md").read_text(encoding="utf-8")
    quoted = [line for line in report if line.startswith("Proof: ") or re.fullmatch(r"\d+ rows: .*", line)]
    assert quoted and all(line in readme for line in quoted), quoted
