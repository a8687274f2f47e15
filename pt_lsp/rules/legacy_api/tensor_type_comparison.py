"""PTL105 tensor-type-comparison: `x.type()` (a string) compared with a dtype or a tensor class."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TypeGuard

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import primary_text, torch_reference
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.rule import Rule
from pt_lsp.rules.legacy_api.legacy_tensor_constructor import CONSTRUCTORS

DTYPE_NAMES = (
    "float32",
    "float",
    "float64",
    "double",
    "float16",
    "half",
    "bfloat16",
    "uint8",
    "int8",
    "int16",
    "short",
    "int32",
    "int",
    "int64",
    "long",
    "bool",
    "complex64",
    "complex128",
    "cfloat",
    "cdouble",
)
DTYPES = {f"torch.{name}" for name in DTYPE_NAMES}
TENSOR_CLASSES = {"torch.Tensor"}
COMPARISONS = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)
MEMBERSHIP = (ast.In, ast.NotIn)


def _type_call(node: ast.AST) -> TypeGuard[ast.Call]:
    """``x.type()``: no arguments, so it returns the type as a string."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "type"
        and not node.args
        and not node.keywords
    )


def _dtype_or_class(qualname: str | None) -> TypeGuard[str]:
    return qualname in DTYPES or qualname in CONSTRUCTORS or qualname in TENSOR_CLASSES


class TensorTypeComparison(Rule):
    """
    ## What it does
    Flags `x.type()` compared with a dtype or a tensor class: `x.type() == torch.float32`,
    `x.type() is torch.FloatTensor`, `x.type() in (torch.float16, torch.bfloat16)`, and their
    negations.

    ## Why is this bad?
    Without arguments, `Tensor.type()` returns a *string* such as `"torch.FloatTensor"`. A string
    never equals a `torch.dtype` or a class, so the comparison is always `False` (`!=` always
    `True`) and the branch it guards never runs, silently. Torch raises nothing.

    ## Example
    ```python
    if x.type() == torch.float32:
        x = x.half()
    ```

    ## Use instead
    ```python
    if x.dtype == torch.float32:
        x = x.half()
    ```

    ## Fix safety
    The fix compares `x.dtype` with the dtype (`torch.FloatTensor` becomes `torch.float32`);
    for a CUDA class it compares `x.type()` with the class name as a string
    (`"torch.cuda.FloatTensor"`), which keeps the device check. It is unsafe: the guarded code,
    which never ran, starts to run. A comparison with `torch.Tensor` has no fix (what it meant
    is unclear: `isinstance(x, torch.Tensor)`?). String comparisons (`x.type() ==
    "torch.FloatTensor"`) are correct and not flagged.

    ## References
    - [Tensor.type](https://pytorch.org/docs/stable/generated/torch.Tensor.type.html)
    - [torch.dtype](https://pytorch.org/docs/stable/tensor_attributes.html#torch-dtype)
    """

    code = "PTL105"
    name = "tensor-type-comparison"
    summary = "`x.type()` (a string) compared with a dtype or tensor class: always False"
    severity = Severity.ERROR
    per_unit = True  # the server may reuse its findings per function (core/incremental.py)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ".type()" not in ctx.doc.text:
            return
        for compare in ctx.index.of(ast.Compare):
            operands = [compare.left, *compare.comparators]
            for index, op in enumerate(compare.ops):
                left, right = operands[index], operands[index + 1]
                if _type_call(right) and isinstance(op, COMPARISONS):
                    left, right = right, left
                if not _type_call(left):
                    continue
                targets = self.targets(ctx, op, right)
                if targets is None:
                    continue
                always = "True" if isinstance(op, (ast.NotEq, ast.IsNot, ast.NotIn)) else "False"
                yield self.report(
                    ctx,
                    compare,
                    f"`.type()` returns a string such as 'torch.FloatTensor': comparing it with a dtype or "
                    f"tensor class is always {always}; compare `.dtype` instead",
                    fixes=self.fixes(ctx, left, targets),
                )

    def targets(self, ctx: FileContext, op: ast.cmpop, other: ast.expr) -> list[tuple[ast.AST, str]] | None:
        """The dtype or class operands with their qualified names; None when none is one."""
        if isinstance(op, MEMBERSHIP):
            if not isinstance(other, (ast.Tuple, ast.List, ast.Set)) or not other.elts:
                return None
            found: list[tuple[ast.AST, str]] = []
            for element in other.elts:
                qualname = ctx.qualname(element)
                if not _dtype_or_class(qualname):
                    return None
                found.append((element, qualname))
            return found
        qualname = ctx.qualname(other)
        if _dtype_or_class(qualname):
            return [(other, qualname)]
        return None

    def fixes(self, ctx: FileContext, type_call: ast.Call, targets: list[tuple[ast.AST, str]]) -> list[Fix]:
        if any(q in TENSOR_CLASSES for _, q in targets):
            return []
        cuda = [q for _, q in targets if q in CONSTRUCTORS and CONSTRUCTORS[q][1]]
        edits: list[Edit] = []
        if cuda:
            if len(cuda) != len(targets):
                return []  # mixed CUDA classes and dtypes: no single rewrite
            for node, qualname in targets:
                edits.append(Edit(ctx.doc.node_span(node), f'"{qualname}"'))
            return [Fix("Compare with the type name as a string", tuple(edits), Applicability.UNSAFE)]
        if not isinstance(type_call.func, ast.Attribute):  # (never: a `x.type()` call)
            return []
        receiver = type_call.func.value
        edits.append(Edit(ctx.doc.node_span(type_call), f"{primary_text(ctx, receiver)}.dtype"))
        for node, qualname in targets:
            if qualname in CONSTRUCTORS:
                reference = torch_reference(ctx, f"torch.{CONSTRUCTORS[qualname][0]}", node)
                if reference is None:
                    return []
                edits.append(Edit(ctx.doc.node_span(node), reference[0]))
                edits.extend(e for e in reference[1] if e not in edits)
        return [Fix("Compare `.dtype` with the dtype", tuple(edits), Applicability.UNSAFE)]
