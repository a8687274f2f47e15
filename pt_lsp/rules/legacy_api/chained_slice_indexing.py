"""PTL106 chained-slice-indexing: `x[a:b][c:d]` on a tensor or array, taken for `x[a:b, c:d]`."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from pt_lsp.core import vocabulary
from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import primary_text, source_of
from pt_lsp.core.evidence.bindings import TensorApiEvidence, bound_values
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.rule import Rule

# `x[a:b][c:d]` on one line: a slice, then a second subscript holding a slice
_CHAINED_WINDOWS = re.compile(r":[^\[\]\n]*\]\s*\[[^\[\]\n]*:")

# Factories whose result is one-dimensional (there is no second dimension to mean).
ONE_DIMENSIONAL = {
    "torch.arange",
    "torch.linspace",
    "torch.logspace",
    "torch.randperm",
    "numpy.arange",
    "numpy.linspace",
    "numpy.logspace",
}
SIZED_FACTORIES = vocabulary.SIZED_FACTORIES | {"numpy.zeros", "numpy.ones", "numpy.empty"}


def _one_dimensional(ctx: FileContext, node: ast.AST, depth: int = 0) -> bool:
    """Evidence of a 1-D tensor or array: ``torch.arange(n)``, ``torch.zeros(n)``, ``np.linspace(...)``."""
    if isinstance(node, ast.Call):
        qualname = ctx.qualname(node.func)
        if qualname in ONE_DIMENSIONAL:
            return True
        if (
            qualname in SIZED_FACTORIES
            and len(node.args) == 1
            and not isinstance(node.args[0], (ast.Tuple, ast.List, ast.Starred))
        ):
            return isinstance(node.args[0], (ast.Constant, ast.Name, ast.BinOp))
        return False
    if isinstance(node, ast.Name) and depth < 3:
        values = bound_values(ctx, node)
        return values is not None and bool(values) and all(_one_dimensional(ctx, v, depth + 1) for v in values)
    return False


def _window(node: ast.AST) -> bool:
    """A slice with both bounds and no step: ``a:b`` (``a:`` or ``:b`` trims on purpose)."""
    return isinstance(node, ast.Slice) and node.lower is not None and node.upper is not None and node.step is None


class ChainedSliceIndexing(Rule):
    """
    ## What it does
    Flags two slices in a row, `x[a:b][c:d]`, on a tensor or a NumPy array.

    ## Why is this bad?
    `x[a:b]` is a tensor again, so the second slice `[c:d]` applies to *dimension 0 again*: it
    selects rows `a+c` to `a+d` of `x`, all columns. It does not mean `x[a:b, c:d]` (rows `a:b`,
    columns `c:d`), which is what the code usually wants when it crops a patch or a block. No
    error is raised; the result just has the wrong shape, or the right shape and the wrong
    values when the slices happen to have equal lengths.

    ## Example
    ```python
    patch = image[8:24][8:24]
    ```

    ## Use instead
    ```python
    patch = image[8:24, 8:24]
    ```
    or, when dimension 0 was meant twice, one slice: `image[16:24]`.

    ## Fix safety
    The fix `x[a:b, c:d]` is display-only: it changes which elements are selected, and only a
    person knows whether the second slice was meant for dimension 1. Slices with an open end
    (`x[1:][:n]`) are a common way to trim a sequence twice and are not flagged; nor are lists
    and strings, where chained slicing is the only way.

    ## References
    - [Tensor indexing](https://pytorch.org/cppdocs/notes/tensor_indexing.html)
    - [NumPy: indexing on ndarrays](https://numpy.org/doc/stable/user/basics.indexing.html)
    """

    code = "PTL106"
    name = "chained-slice-indexing"
    summary = "`x[a:b][c:d]` on a tensor or array: the second slice is on dimension 0 again, not `x[a:b, c:d]`"
    severity = Severity.WARNING
    per_unit = True  # the server may reuse its findings per function (core/incremental/)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if not _CHAINED_WINDOWS.search(ctx.doc.text):
            return
        evidence: TensorApiEvidence | None = None
        for outer in ctx.index.of(ast.Subscript):
            inner = outer.value
            if not (isinstance(inner, ast.Subscript) and _window(outer.slice) and _window(inner.slice)):
                continue
            if isinstance(inner.value, ast.Subscript) and _window(inner.value.slice):
                continue  # reported at the innermost pair
            base = inner.value
            if _one_dimensional(ctx, base):
                continue  # a 1-D tensor has only dimension 0: slicing it twice is the only meaning
            evidence = evidence or TensorApiEvidence(ctx)
            if evidence.is_tensor(base):
                what = "tensor"
            elif evidence.is_ndarray(base):
                what = "array"
            else:
                continue
            first, second = source_of(ctx, inner.slice), source_of(ctx, outer.slice)
            replacement = f"{primary_text(ctx, base)}[{first}, {second}]"
            yield self.report(
                ctx,
                outer,
                f"`[{first}][{second}]` slices dimension 0 of the {what} twice; for rows {first} and columns "
                f"{second}, write `[{first}, {second}]`",
                fixes=[
                    Fix(
                        f"Index both dimensions: `[{first}, {second}]`",
                        (Edit(ctx.doc.node_span(outer), replacement),),
                        Applicability.DISPLAY_ONLY,
                    )
                ],
            )
