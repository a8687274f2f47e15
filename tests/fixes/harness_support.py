"""Shared by the fix-safety tests: the harness module and test rules that do not register.

A ``Rule`` subclass registers itself when it has a ``code`` at class creation; these test rules
get their code afterwards, so they never appear in ``all_rules()`` and cannot disturb the tests
generated from the real rules. They are run through ``lint_source(..., rules=[...])``.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from pt_lsp.core.document import Pos, Span
from pt_lsp.core.engine import lint_source
from pt_lsp.core.findings import Applicability, Edit, FileResult, Finding, Fix
from pt_lsp.core.rule import Rule

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
# The harness lives in scripts/ (a command, not a package); imported by name from there.
fix_harness = importlib.import_module("fix_harness")
fix_statements = importlib.import_module("fix_statements")

CORPUS = REPO / "tests" / "corpus" / "files"
PROGRAMS = Path(__file__).resolve().parent / "programs"


def unregistered_rule(code: str, check: Callable) -> type[Rule]:
    rule = type(f"Rule{code}", (Rule,), {"check": lambda self, ctx: list(check(self, ctx))})
    rule.code, rule.name = code, "test-rule"
    return rule


def lint_with(*rules: type[Rule]) -> Callable[[str, str], FileResult]:
    return lambda text, path: lint_source(text, path, rules=rules)


def numpy_calls(ctx) -> Iterable[ast.Call]:
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "numpy":
            yield node


def finding(rule, ctx, node: ast.AST, *edits: Edit, applicability=Applicability.SAFE) -> Finding:
    return rule.report(ctx, node, "test finding", fixes=[Fix("test fix", tuple(edits), applicability)])


def at(line: int, col: int) -> Pos:
    return Pos(line, col)


def span(line: int, col: int, end_line: int, end_col: int) -> Span:
    return Span(Pos(line, col), Pos(end_line, end_col))


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("case_*.py"))
