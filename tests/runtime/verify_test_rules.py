"""Test-only rules (codes PTL9xx) for exercising verify before, and independently of, the real rules.

Defining a Rule subclass with a code registers it globally, so the ``make_rule`` fixture removes
its rules from the registry again: other test modules iterate ``all_rules()``.
"""

from __future__ import annotations

import ast
import contextlib

import pytest

from pt_lsp.core import rule as rule_module
from pt_lsp.core.findings import Applicability, Edit, Fix
from pt_lsp.core.rule import Rule


class NumpyCallRule(Rule):
    """Flags every ``x.numpy()`` but ``x.cpu().numpy()``; fix: ``x.cpu().numpy()``."""

    name = "test-numpy-call"
    applicability = Applicability.SAFE

    def check(self, ctx):
        for node in ast.walk(ctx.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "numpy":
                receiver = node.func.value
                if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute):
                    if receiver.func.attr == "cpu":
                        continue  # what the fix writes: the fix converges
                end = ctx.doc.node_span(node.func).end
                at = type(end)(end.line, end.col - len(".numpy"))  # just before ".numpy"
                fix = Fix("Copy to the CPU first", (Edit.insert(at, ".cpu()"),), self.applicability)
                yield self.report(ctx, node, "`.numpy()` call", [fix])


class DataAttributeRule(Rule):
    """Flags every read of ``x.data``; fix: ``x.detach()``."""

    name = "test-data-attribute"
    applicability = Applicability.SAFE

    def check(self, ctx):
        for node in ast.walk(ctx.tree):
            if isinstance(node, ast.Attribute) and node.attr == "data" and isinstance(node.ctx, ast.Load):
                value = ctx.doc.node_span(node.value)
                span = ctx.doc.node_span(node)
                fix = Fix("Use .detach()", (Edit(type(span)(value.end, span.end), ".detach()"),), self.applicability)
                yield self.report(ctx, node, "`.data` read", [fix])


@contextlib.contextmanager
def registered():
    """Yields make(code, base, *examples, applicability=None); unregisters those rules on exit."""
    made: list[str] = []

    def make(code: str, base: type[Rule], *examples, applicability: Applicability | None = None):
        namespace = {"code": code, "examples": tuple(examples)}
        if applicability is not None:
            namespace["applicability"] = applicability
        made.append(code)
        return type(f"Rule{code}", (base,), namespace)

    try:
        yield make
    finally:
        for code in made:
            rule_module._REGISTRY.pop(code, None)


@pytest.fixture
def make_rule():
    """A per-test make(code, base, *examples); import this fixture into the test module."""
    with registered() as make:
        yield make
