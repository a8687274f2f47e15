"""Small helpers for the targeted rule tests: lint or fix a snippet with one rule selected."""

from __future__ import annotations

import ast
import textwrap

from pt_lsp.core.engine import lint_source
from pt_lsp.core.findings import Finding
from pt_lsp.core.fixes import applicable, fix_source
from pt_lsp.core.selection import Selection


def source(text: str) -> str:
    return textwrap.dedent(text).strip("\n") + "\n"


def findings(code: str, text: str) -> list[Finding]:
    result = lint_source(source(text), selection=Selection.of([code]))
    assert result.errors == []
    return [f for f in result.findings if f.code == code]


def lines(code: str, text: str) -> list[int]:
    return [f.line for f in findings(code, text)]


def fixed(code: str, text: str, unsafe: bool = True) -> str:
    """Apply the preferred fixes; the result must parse and leave nothing applicable to fix."""
    selection = Selection.of([code])
    outcome = fix_source(source(text), selection=selection, unsafe=unsafe)
    assert outcome.errors == []
    assert outcome.converged
    ast.parse(outcome.text)
    again = lint_source(outcome.text, selection=selection)
    assert [f for f in again.findings if f.fix is not None and applicable(f.fix, unsafe)] == []
    return outcome.text
