"""Tests generated from every registered rule's examples (Fixit style): adding a rule adds tests.

For each rule and example: the rule alone reports exactly the marked (line, code) pairs; where
the example states its fixed source, applying the preferred fixes (unsafe ones included) yields
exactly that source, which parses, and a second lint offers nothing more to fix. Each rule carries
enough examples and documents itself in Ruff's sections.
"""

from __future__ import annotations

import ast
import re

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.fixes import applicable, fix_source
from pt_lsp.core.rule import DOC_SECTIONS, all_rules
from pt_lsp.core.selection import Selection

MIN_BAD = MIN_GOOD = 6
MIN_RUNNABLE = 2

RULES = all_rules()
CASES = [
    pytest.param(code, index, id=f"{code}-{index}-{re.sub(r'[^a-z0-9]+', '-', example.title.lower())[:40]}")
    for code, rule in RULES.items()
    for index, example in enumerate(rule.examples)
]
FIXED_CASES = [case for case in CASES if RULES[case.values[0]].examples[case.values[1]].fixed is not None]


def _example(code: str, index: int):
    return RULES[code].examples[index]


@pytest.mark.parametrize(("code", "index"), CASES)
def test_example_reports_exactly_the_marked_lines(code, index):
    example = _example(code, index)
    result = lint_source(example.code, path=f"<{code} example>", selection=Selection.of([code]))
    assert result.errors == []
    # One marker per line and code: two calls on one line are two findings on one marked line.
    found = sorted({(f.line, f.code) for f in result.findings})
    assert found == sorted(set(example.expected))


@pytest.mark.parametrize(("code", "index"), FIXED_CASES)
def test_fixed_example_matches_the_stated_source(code, index):
    example = _example(code, index)
    selection = Selection.of([code])
    outcome = fix_source(example.code, path=f"<{code} example>", selection=selection, unsafe=True)
    assert outcome.errors == []
    assert outcome.text == example.fixed
    ast.parse(outcome.text)
    compile(outcome.text, f"<{code} fixed>", "exec", dont_inherit=True)  # not only parses: compiles
    assert outcome.converged
    again = lint_source(outcome.text, selection=selection)
    assert [f for f in again.findings if f.fix is not None and applicable(f.fix, unsafe=True)] == []


@pytest.mark.parametrize(("code", "index"), FIXED_CASES)
def test_fixed_example_keeps_every_other_rule_parsing(code, index):
    """All rules' fixes together on a rule's bad example still give code that parses."""
    outcome = fix_source(_example(code, index).code, unsafe=True)
    ast.parse(outcome.text)
    compile(outcome.text, f"<{code} fixed>", "exec", dont_inherit=True)  # not only parses: compiles
    assert outcome.converged


@pytest.mark.parametrize("code", list(RULES))
def test_rule_has_enough_bad_and_good_examples(code):
    rule = RULES[code]
    bad = [e for e in rule.examples if e.is_bad_for(code)]
    good = [e for e in rule.examples if not e.is_bad_for(code)]
    assert len(bad) >= MIN_BAD, f"{code} has {len(bad)} bad examples"
    assert len(good) >= MIN_GOOD, f"{code} has {len(good)} good examples"
    assert len([e for e in bad if e.runtime is not None]) >= MIN_RUNNABLE
    assert len([e for e in good if e.runtime is not None]) >= MIN_RUNNABLE


@pytest.mark.parametrize("code", list(RULES))
def test_rule_documents_every_ruff_section(code):
    rule = RULES[code]
    headings = re.findall(r"^## (.+?)\s*$", rule.documentation(), flags=re.MULTILINE)
    assert headings == list(DOC_SECTIONS)
    assert rule.name and rule.summary and rule.code.startswith("PTL")


@pytest.mark.parametrize("code", list(RULES))
def test_examples_have_unique_titles_and_sources(code):
    examples = RULES[code].examples
    assert len({e.title for e in examples}) == len(examples)
    assert len({e.code for e in examples}) == len(examples)
