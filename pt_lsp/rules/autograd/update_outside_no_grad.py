"""PTL205: a manual parameter update (`w -= lr * w.grad`) outside `no_grad`."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.findings import Applicability, Finding, Fix, Related
from pt_lsp.core.flow.values import Step
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.autograd._inplace_sites import (
    InPlaceSite,
    inplace_sites,
    no_grad_edits,
    receiver_text,
    statements_of,
)


class UpdateOutsideNoGrad(Rule):
    """
    ## What it does
    Flags a manual optimiser update of a leaf tensor that requires grad, written in place
    outside `torch.no_grad()`: `w -= lr * w.grad`, `w.sub_(lr * w.grad)`,
    `p.add_(p.grad, alpha=-lr)`, for a leaf created with `requires_grad=True`, an
    `nn.Parameter` or a model parameter (`for p in model.parameters()`, a layer's
    `lin.weight`, a `model.coef` that the model's class makes an `nn.Parameter`), or made
    with `requires_grad_()` from a tensor without grad (`x[:, k].clone().requires_grad_()`,
    where `x` is a fresh tensor, or what every call of the helper passes).

    ## Why is this bad?
    The update changes a leaf that autograd tracks, in place, while gradient recording is on,
    and torch raises `RuntimeError: a leaf Variable that requires grad is being used in an
    in-place operation`. Writing `w = w - lr * w.grad` instead avoids the error but is worse:
    `w` becomes a non-leaf whose `.grad` stays `None` at the next step, and the graph grows
    across iterations. Gradient descent written by hand (the "PyTorch: Tensors and autograd"
    tutorial) updates the weights under `torch.no_grad()`.

    ## Example
    ```python
    loss.backward()
    w -= learning_rate * w.grad
    w.grad.zero_()
    ```

    ## Use instead
    ```python
    loss.backward()
    with torch.no_grad():
        w -= learning_rate * w.grad
    w.grad.zero_()
    ```

    ## Fix safety
    The fix wraps the update (and the adjacent updates of other leaves) in
    `with torch.no_grad():`. It is safe: the original statement always raised, and the wrapped
    one performs exactly the update written, which is what an optimiser's `step()` does.

    ## References
    - [PyTorch tutorial: Tensors and autograd](https://pytorch.org/tutorials/beginner/examples_autograd/polynomial_autograd.html)
    - [torch.no_grad](https://pytorch.org/docs/stable/generated/torch.no_grad.html)
    """

    code = "PTL205"
    name = "update-outside-no-grad"
    summary = "manual in-place update `w -= lr * w.grad` of a leaf that requires grad, outside `no_grad`"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        sites = [s for s in inplace_sites(ctx) if s.manual_update]
        updates = statements_of(sites, lambda s: True)
        for site in sites:
            name = receiver_text(ctx, site)
            message = (
                f"Manual update of `{name}` ({site.what}) outside `torch.no_grad()`: changing a leaf that"
                " requires grad in place raises a RuntimeError"
            )
            edits = no_grad_edits(ctx, site, lambda stmt: id(stmt) in updates)
            fixes = (
                [Fix("Wrap the update in `with torch.no_grad():`", tuple(edits), Applicability.SAFE)] if edits else []
            )
            yield self.report(ctx, site.node, message, fixes=fixes, related=self.path(ctx, site))

    @staticmethod
    def path(ctx: FileContext, site: InPlaceSite) -> tuple[Related, ...]:
        """Where the leaf was made, and the backward() whose gradients the update reads: the
        last one before it in its function, else one later in the loop around it (the
        previous iteration's)."""
        steps = list(site.leaf.steps)
        scope = ctx.names.scope_of(site.node).node
        backwards = sorted(
            (
                node
                for node in own_nodes(scope)
                if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "backward"
                and ctx.qualname(node.func) is None
            ),
            key=lambda n: (n.lineno, n.col_offset),
        )
        before = [b for b in backwards if (b.lineno, b.col_offset) < (site.stmt.lineno, site.stmt.col_offset)]
        if before:
            steps.append(Step(before[-1], "this backward() fills the `.grad` that the update reads"))
        else:
            loop = ctx.parent(site.stmt)
            while loop is not None and loop is not scope and not isinstance(loop, (ast.For, ast.AsyncFor, ast.While)):
                loop = ctx.parent(loop)
            later = [b for b in backwards if loop is not None and loop is not scope and _inside(ctx, b, loop)]
            if later:
                steps.append(
                    Step(later[0], "this backward() fills the `.grad` that the update reads, in the previous iteration")
                )
        return evidence_path(ctx, steps)


def _inside(ctx: FileContext, node: ast.AST, ancestor: ast.AST) -> bool:
    current = ctx.parent(node)
    while current is not None and current is not ancestor:
        current = ctx.parent(current)
    return current is ancestor
