"""PTL404: `torch.from_numpy` of a read-only array."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import primary_text
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.rule import Rule
from pt_lsp.rules.numpy_interop._alias_evidence import (
    read_only_reason,
)
from pt_lsp.rules.numpy_interop.examples.from_numpy_read_only import EXAMPLES

SHARING_CONVERSIONS = {"torch.from_numpy", "torch.as_tensor", "torch.asarray"}


class FromNumpyReadOnly(Rule):
    """
    ## What it does
    Flags `torch.from_numpy(a)` (and `torch.as_tensor(a)`, which also shares memory) where `a`
    is a read-only array: `np.frombuffer` of a `bytes` object, a `np.broadcast_to` view,
    `np.asarray` of a PIL image, or an array made read-only with `a.flags.writeable = False`.

    ## Why is this bad?
    Tensors have no read-only flag. Torch warns once ("The given NumPy array is not writable,
    and PyTorch does not support non-writable tensors. This means writing to this tensor will
    result in undefined behavior") and hands out a writable tensor over the protected memory.
    An in-place op then writes into it: into an immutable Python `bytes` object, or, through a
    broadcast view, into the one row every row repeats, so one assignment changes all of them.
    Data-loading code (a transform that normalises in place) is where it happens.

    ## Example
    ```python
    frame = np.frombuffer(payload, dtype=np.uint8)
    image = torch.from_numpy(frame)
    image.div_(255)
    ```

    ## Use instead
    ```python
    image = torch.from_numpy(frame.copy())
    ```
    (or `torch.tensor(frame)`, which copies).

    ## Fix safety
    The fix copies the array first (`a.copy()`); it is safe: the values are the same, and the
    only writes it changes are the ones into protected memory, whose effect was undefined.

    ## References
    - [torch.from_numpy](https://pytorch.org/docs/stable/generated/torch.from_numpy.html)
    - [numpy.ndarray.flags (writeable)](https://numpy.org/doc/stable/reference/generated/numpy.ndarray.flags.html)
    """

    code = "PTL404"
    name = "from-numpy-read-only"
    summary = "`torch.from_numpy` of a read-only array: the tensor is writable and writes into protected memory"
    severity = Severity.WARNING
    examples = EXAMPLES

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        text = ctx.doc.text
        if "from_numpy" not in text and "as_tensor" not in text and "asarray" not in text:
            return
        for call in ctx.index.of(ast.Call):
            if len(call.args) != 1 or call.keywords or ctx.qualname(call.func) not in SHARING_CONVERSIONS:
                continue
            reason = read_only_reason(ctx, call.args[0])
            if reason is None:
                continue
            array = call.args[0]
            yield self.report(
                ctx,
                call,
                f"the array is read-only ({reason}), but the tensor that shares its memory is writable: "
                f"an in-place op writes into protected memory; copy the array first",
                fixes=[
                    Fix(
                        "Copy the array: `.copy()`",
                        (Edit(ctx.doc.node_span(array), f"{primary_text(ctx, array)}.copy()"),),
                        Applicability.SAFE,
                    )
                ],
            )
