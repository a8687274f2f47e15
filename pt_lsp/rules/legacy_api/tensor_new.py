"""PTL104: `x.new(...)`, uninitialised memory or an alias of its argument."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import primary_text, source_of
from pt_lsp.core.evidence.bindings import (
    TensorApiEvidence,
    is_list_data,
    is_sizes,
    numeric_literal,
)
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.rule import Rule


class TensorNew(Rule):
    """
    ## What it does
    Flags `x.new(...)` on a tensor: `x.new(2, 3)` (sizes), `x.new([1, 2])` (data),
    `x.new(other_tensor)`.

    ## Why is this bad?
    `Tensor.new` is a legacy, undocumented constructor with the same two-faced signature as
    `torch.Tensor`: with sizes it returns uninitialised memory, with a list it copies, and with a
    tensor it returns an *alias* of that tensor (writing into the "new" tensor changes the
    original) or raises `TypeError: expected TensorOptions(...)` when the dtypes differ. The
    documented methods say which one is meant: `new_empty`, `new_zeros`, `new_full`,
    `new_tensor`.

    ## Example
    ```python
    hidden = x.new(num_layers, batch, size).zero_()
    mask = scores.new(lengths)
    ```

    ## Use instead
    ```python
    hidden = x.new_empty(num_layers, batch, size).zero_()   # or x.new_zeros(...)
    mask = scores.new_tensor(lengths)
    ```

    ## Fix safety
    Sizes become `x.new_empty(...)` and literal data `x.new_tensor(...)`: both keep the dtype
    and device of `x` and are safe. A tensor argument becomes `x.new_tensor(t)`, a copy in the
    dtype of `x`: unsafe, because `x.new(t)` aliased `t` (or raised) and code may rely on the
    alias. With an argument that may be either sizes or data, there is no fix.

    ## References
    - [Tensor.new_empty](https://pytorch.org/docs/stable/generated/torch.Tensor.new_empty.html)
    - [Tensor.new_tensor](https://pytorch.org/docs/stable/generated/torch.Tensor.new_tensor.html)
    - [Creation ops: new_* methods](https://pytorch.org/docs/stable/tensors.html)
    """

    code = "PTL104"
    name = "tensor-new"
    summary = (
        "`x.new(...)`: a legacy constructor (uninitialised memory, or an alias) instead of `new_empty`/`new_tensor`"
    )
    severity = Severity.WARNING
    per_unit = True  # the server may reuse its findings per function (core/incremental.py)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ".new(" not in ctx.doc.text:
            return
        evidence = TensorApiEvidence(ctx)
        for call in ctx.index.of(ast.Call):
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr == "new"):
                continue
            if ctx.qualname(func) is not None or not evidence.is_tensor(func.value):
                continue
            fix = self.fix(ctx, evidence, call)
            yield self.report(
                ctx,
                call,
                "`Tensor.new(...)` is a legacy constructor: sizes give uninitialised memory, a tensor gives an alias; "
                "use `new_empty(...)`, `new_zeros(...)` or `new_tensor(...)`",
                fixes=[fix] if fix else [],
            )

    def fix(self, ctx: FileContext, evidence: TensorApiEvidence, call: ast.Call) -> Fix | None:
        if call.keywords or not isinstance(call.func, ast.Attribute):  # (check passes `x.new(...)` only)
            return None
        args = call.args
        receiver = primary_text(ctx, call.func.value)
        span = ctx.doc.node_span(call)
        if not args or len(args) >= 2 or isinstance(args[0], ast.Starred) or is_sizes(ctx, args[0]):
            sizes = ", ".join(source_of(ctx, a) for a in args) or "0"
            return Fix("Use `new_empty(...)`", (Edit(span, f"{receiver}.new_empty({sizes})"),), Applicability.SAFE)
        data = args[0]
        text = f"{receiver}.new_tensor({source_of(ctx, data)})"
        if numeric_literal(data)[0] or is_list_data(ctx, data):
            return Fix("Use `new_tensor(...)`", (Edit(span, text),), Applicability.SAFE)
        if evidence.is_tensor(data):
            return Fix("Use `new_tensor(...)` (a copy, not an alias)", (Edit(span, text),), Applicability.UNSAFE)
        return None
