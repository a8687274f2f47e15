"""Test-only rules, loaded into the server under test with ``PT_LSP_EXTRA_RULES=fake_rules``.

They exercise the server's machinery (ranges, fixes, related places, crashes, slowness) with
behaviour these tests define, independent of how the real rules evolve. Each keys on a name no
real program uses, so they never fire on the real-rule examples.
"""

from __future__ import annotations

import ast
import time

from pt_lsp.core.findings import Applicability, Edit, Fix, Related, Severity
from pt_lsp.core.rule import Rule


def _calls(ctx, name: str):
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
            yield node


class LegacyApiCall(Rule):
    """
    ## What it does
    Flags calls to `legacy_api(...)` (a test-only rule).

    ## Why is this bad?
    It exists so that the language server's tests have a rule with two fixes.

    ## Example
    ```python
    legacy_api(x)
    ```

    ## Use instead
    ```python
    modern_api(x)
    ```

    ## Fix safety
    Renaming to `modern_api` is safe; `unchecked_api` is unsafe.

    ## References
    - none
    """

    code = "PTL901"
    name = "legacy-api-call"
    severity = Severity.WARNING

    def check(self, ctx):
        for call in _calls(ctx, "legacy_api"):
            callee = ctx.doc.node_span(call.func)
            yield self.report(
                ctx,
                call,
                "`legacy_api()` is deprecated",
                fixes=[
                    Fix("Replace with `modern_api`", (Edit(callee, "modern_api"),), Applicability.SAFE),
                    Fix("Replace with `unchecked_api`", (Edit(callee, "unchecked_api"),), Applicability.UNSAFE),
                ],
            )


class RiskyApiCall(Rule):
    """Flags `risky_api(...)`; its only fix is unsafe (fix-all applies it only when asked)."""

    code = "PTL902"
    name = "risky-api-call"

    def check(self, ctx):
        for call in _calls(ctx, "risky_api"):
            fix = Fix(
                "Replace with `careful_api`", (Edit(ctx.doc.node_span(call.func), "careful_api"),), Applicability.UNSAFE
            )
            yield self.report(ctx, call, "`risky_api()` may lose data", fixes=[fix])


class CalledTwice(Rule):
    """Flags a second `consume(x)` of the same name; points at the first (like PTL201)."""

    code = "PTL903"
    name = "consumed-twice"

    def check(self, ctx):
        seen: dict[str, ast.Call] = {}
        for call in sorted(_calls(ctx, "consume"), key=lambda c: (c.lineno, c.col_offset)):
            if not call.args or not isinstance(call.args[0], ast.Name):
                continue
            first = seen.setdefault(call.args[0].id, call)
            if first is not call:
                related = Related(ctx.doc.node_span(first), "first consumed here")
                yield self.report(ctx, call, f"`{call.args[0].id}` is consumed twice", related=[related])


class CrashesOnMarker(Rule):
    """Raises while checking any module that mentions `crash_here` (crash containment)."""

    code = "PTL990"
    name = "crashes-on-marker"

    def check(self, ctx):
        if any(isinstance(n, ast.Name) and n.id == "crash_here" for n in ast.walk(ctx.tree)):
            raise RuntimeError("deliberate test crash")
        return []


class SlowOnMarker(Rule):
    """Takes seconds on any module that mentions `slow_here` (cancellation)."""

    code = "PTL991"
    name = "slow-on-marker"

    def check(self, ctx):
        if any(isinstance(n, ast.Name) and n.id == "slow_here" for n in ast.walk(ctx.tree)):
            time.sleep(2)
        return []
