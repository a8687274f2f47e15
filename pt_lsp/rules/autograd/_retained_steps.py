"""How sure PTL201 is of a backward through a kept graph whose parameters a step updated.

The flow engine ties a stepped optimizer to modules (``core/flow/optimizers.py``): *built* from
their ``parameters()`` in the file, or *named* after them (``critic_optim`` of a function
parameter ``critic``). Measured under torch 2.13 (tests/flow/test_audit9_retain_then_step.py),
only a built tie on a node proven to have saved the module's weights always raises; a step of an
optimizer of unknown parameters between two backwards of one loss runs when its model is off the
graph or is one layer applied to data. So the finding is an error for a built tie on a proven
node, and a warning worded as likely for the rest (a name tie, or a callable parameter's output).
"""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext
from pt_lsp.core.findings import Severity
from pt_lsp.core.flow.facts import GraphState
from pt_lsp.core.flow.lattice import Grade
from pt_lsp.core.flow.optimizers import optimizer_tie
from pt_lsp.core.walk import attr_path
from pt_lsp.rules.autograd._freed_graph_cases import BackwardEvent


def stepped_grade(ctx: FileContext, event: BackwardEvent) -> tuple[Severity, str | None]:
    """The severity of a stepped-graph event, and the modules to name where it is only likely."""
    step = event.step
    path = attr_path(step.func.value) if step is not None and hasattr(step.func, "value") else None
    tie = optimizer_tie(ctx, path) if path else None
    if tie is None:
        return Severity.WARNING, None
    proven = (
        tie.built
        and not _per_iteration(ctx, step, path or "")
        and any(
            record.call is event.call
            and record.step is step
            and record.graph is GraphState.STEPPED
            and any(node.evidence is Grade.PROVEN for node in record.hit)
            for record in ctx.flow.backwards
        )
    )
    if proven:
        return Severity.ERROR, None
    named = ", ".join(f"`{module}`" for module in sorted(tie.modules))
    return Severity.WARNING, None if tie.built else named


def _per_iteration(ctx: FileContext, step: ast.Call | None, path: str) -> bool:
    """Whether the stepped path is rooted at a loop's or comprehension's target in the step's
    function (``agent.actor_optimizer`` in ``for agent in agents``): the analysis folds the
    objects of all iterations into one, so the kept graph may be another agent's (a list of
    per-agent outputs each backwarded once runs under torch)."""
    root = path.split(".")[0]
    if step is None or "." not in path or root == "self":
        return False
    scope = ctx.names.scope_of(step).node
    targets = [
        loop.target
        for loop in (*ctx.index.of(ast.For), *ctx.index.of(ast.AsyncFor), *ctx.index.of(ast.comprehension))
        if isinstance(loop, (ast.For, ast.AsyncFor, ast.comprehension))
        and (isinstance(loop, ast.comprehension) or ctx.names.scope_of(loop).node is scope)
    ]
    return any(isinstance(name, ast.Name) and name.id == root for target in targets for name in ast.walk(target))


def likely_message(step: str, modules: str | None) -> str:
    """The message of a stepped-graph finding resting on a name or a callable's output."""
    owner = f" (of {modules}, by its name)" if modules else ""
    return (
        f"Backward through a graph kept before `{step}`, which likely updated parameters the graph saved{owner}: "
        "torch then raises 'modified by an inplace operation'; call `step()` after the last backward"
    )
