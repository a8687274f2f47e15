"""Small test-only rules with fixes, so that the CLI's fix machinery is tested independently of
the real rules (which are written in parallel). They are *not* registered on import: the
``fake_rules`` fixture puts them into the registry for one test and takes them out again."""

from __future__ import annotations

import ast

from pt_lsp.core.document import Pos
from pt_lsp.core.findings import Applicability, Edit, Fix
from pt_lsp.core.rule import Rule


class NumpyCall(Rule):
    """
    ## What it does
    Flags every `.numpy()` call (test rule).

    ## Why is this bad?
    It is a test.
    """

    name = "numpy-call"
    summary = "every `.numpy()` call"

    def check(self, ctx):
        for node in ast.walk(ctx.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "numpy":
                inner = node.func.value
                if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "cpu":
                    continue
                end = ctx.doc.node_span(node.func.value).end
                fix = Fix("Insert `.cpu()`", (Edit.insert(end, ".cpu()"),))
                yield self.report(ctx, node, "`.numpy()` call", [fix])


class DataAttribute(Rule):
    """
    ## What it does
    Flags `.data` (test rule with an unsafe fix).
    """

    name = "data-attribute"
    summary = "`.data`"

    def check(self, ctx):
        for node in ast.walk(ctx.tree):
            if isinstance(node, ast.Attribute) and node.attr == "data":
                span = ctx.doc.node_span(node)
                start = Pos(span.end.line, span.end.col - len("data"))
                fix = Fix("Use `.detach()`", (Edit(type(span)(start, span.end), "detach()"),), Applicability.UNSAFE)
                yield self.report(ctx, node, "`.data` access", [fix])


class StepWithoutZeroGrad(Rule):
    """
    ## What it does
    Flags a `step()` statement not preceded by `zero_grad()`; the fix inserts a line.
    """

    name = "step-without-zero-grad"
    summary = "`step()` without `zero_grad()` just before"

    def check(self, ctx):
        for node in ast.walk(ctx.tree):
            if (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "step"
            ):
                if ctx.doc.line_text(node.lineno - 1).strip() == "zero_grad()":
                    continue
                line = ctx.doc.line_text(node.lineno)
                indent = line[: len(line) - len(line.lstrip())]
                fix = Fix("Insert `zero_grad()`", (Edit.insert(Pos(node.lineno, 0), f"{indent}zero_grad()\n"),))
                yield self.report(ctx, node, "`step()` without `zero_grad()`", [fix])


class Crashes(Rule):
    """
    ## What it does
    Crashes on files that mention CRASH (test rule).
    """

    name = "crashes"
    summary = "crashes"

    def check(self, ctx):
        if "CRASH" in ctx.doc.text:
            raise RuntimeError("boom")
        return ()


FAKE_RULES = {"PTL901": NumpyCall, "PTL902": DataAttribute, "PTL903": StepWithoutZeroGrad, "PTL904": Crashes}
for _code, _rule in FAKE_RULES.items():
    _rule.code = _code  # set after the class body, so that defining them registered nothing
