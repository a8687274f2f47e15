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


def found(text: str, *codes: str, path: str = "<ours>") -> dict[int, list[str]]:
    """The codes reported on each line of ``text`` (dedented, not stripped), with ``codes`` selected."""
    result = lint_source(textwrap.dedent(text), path, selection=Selection.of(list(codes)))
    assert result.errors == []
    by_line: dict[int, list[str]] = {}
    for finding in result.findings:
        by_line.setdefault(finding.line, []).append(finding.code)
    return by_line


def marked(text: str, marker: str = "# fails") -> int:
    """The one line of ``text`` (dedented) that ends with ``marker``."""
    (line,) = [i for i, row in enumerate(textwrap.dedent(text).splitlines(), 1) if row.endswith(marker)]
    return line
