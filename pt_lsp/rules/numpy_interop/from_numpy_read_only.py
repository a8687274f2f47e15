"""PTL404: `torch.from_numpy` of a read-only array."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import body_containing, primary_text, statement_index
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.evidence.reaching import call_site_arguments, reaching_values
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.flow.values import Step
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import attr_path
from pt_lsp.rules.numpy_interop._alias_evidence import (
    NOT_WRITING,
    WRITES,
    Write,
    block_writes,
    first_at,
    read_only,
    writes,
)
from pt_lsp.rules.numpy_interop.examples.from_numpy_read_only import EXAMPLES

SHARING_CONVERSIONS = {"torch.from_numpy", "torch.as_tensor", "torch.asarray"}


# `torch.as_tensor(a, device=...)` wraps the array first (torch warns whatever the device); on the
# CPU the tensor keeps sharing its memory
WRAPPING_KEYWORDS = {"torch.as_tensor": {"device"}, "torch.asarray": {"device"}}


def _shares(ctx: FileContext, call: ast.Call) -> bool:
    """A conversion that wraps its array: no keyword, or only a ``device=`` that is the CPU
    (a constant, or a parameter's ``"cpu"`` default that no call of the file overrides)."""
    qualname = ctx.qualname(call.func)
    if qualname not in SHARING_CONVERSIONS:
        return False
    allowed = WRAPPING_KEYWORDS.get(qualname or "", set())
    return all(k.arg in allowed and _cpu(ctx, k.value) for k in call.keywords)


def _cpu(ctx: FileContext, device: ast.expr) -> bool:
    if isinstance(device, ast.Constant):
        return device.value == "cpu"
    if isinstance(device, ast.Name):
        values = reaching_values(ctx, device) or call_site_arguments(ctx, device)
        return bool(values) and all(isinstance(v, ast.expr) and _cpu(ctx, v) for v in values or ())
    return False


class FromNumpyReadOnly(Rule):
    """
    ## What it does
    Flags `torch.from_numpy(a)` (and `torch.as_tensor(a)`, also with a CPU `device=`, which
    also shares memory) where `a` is a read-only array: `np.frombuffer` of a `bytes` object
    (or of a `memoryview` of one),
    `np.memmap(..., mode="r")`, `np.load(..., mmap_mode="r")`, a `np.broadcast_to` view,
    `np.asarray` of a PIL image, or an array made read-only with `a.flags.writeable = False`
    (or `a.flags["WRITEABLE"] = False`); also a view of one (`.reshape()` of a contiguous
    array, `.T`, a slice, `np.asarray(a)`), a `self.a` that the class only ever assigns such
    arrays, an item of a `self.a` list that the class only fills with them (`append`,
    `insert`), `obj.a` where `obj = Cls(arr)` stores its argument, and what a helper of the
    file returns (or is passed) in every case. The flow analysis follows such an array, and
    the `bytes` it views (`f.read()`, `f.read(size)`, `a.tobytes()`, the standard library's
    decoders: `base64.b64decode`, `zlib.decompress`, ...), through returned tuples,
    parameters, list elements and dict items;
    `astype(..., copy=False)` hands the same array back. A `DataLoader` over a dataset class of
    the file runs its `__getitem__` (or `__iter__`) with the instance's attributes, and an
    instance kept as a callable (`self.transform = ToTensor()`) runs its `__call__`.

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
            if len(call.args) != 1 or not _shares(ctx, call):
                continue
            found = read_only(ctx, call.args[0]) or ctx.flow.value(call.args[0]).read_only
            if found is None:
                continue
            array = call.args[0]
            steps = [Step(found.where, f"the array becomes read-only here: {found.reason}")]
            write = self.first_write(ctx, call)
            if write is not None:
                steps.append(Step(write, "the tensor is written in place here: into the read-only memory"))
            yield self.report(
                ctx,
                call,
                f"the array is read-only ({found.reason}), but the tensor that shares its memory is writable: "
                f"an in-place op writes into protected memory; copy the array first",
                related=evidence_path(ctx, steps),
                fixes=[
                    Fix(
                        "Copy the array: `.copy()`",
                        (Edit(ctx.doc.node_span(array), f"{primary_text(ctx, array)}.copy()"),),
                        Applicability.SAFE,
                    )
                ],
            )

    @staticmethod
    def first_write(ctx: FileContext, call: ast.Call) -> Write | None:
        """The first in-place write into the tensor ``call`` makes: a method chained onto it, or
        one on the name it is assigned to, later in the same block (until the name is rebound)."""
        parent = ctx.parent(call)
        if isinstance(parent, ast.Attribute) and parent.value is call:
            outer, method = ctx.parent(parent), parent.attr
            if (
                isinstance(outer, ast.Call)
                and outer.func is parent
                and method.endswith("_")
                and not method.endswith("__")
                and method not in NOT_WRITING
            ):
                return outer
            return None
        if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and parent.value is call):
            return None
        path = attr_path(parent.targets[0])
        body = body_containing(ctx, parent)
        if path is None or body is None:
            return None
        block = block_writes(ctx, body)
        start = block.starts[statement_index(ctx, parent) + 1]
        rebound = first_at(block.rebinds.get(path.split(".")[0], []), start)
        for at in block.write_candidates(path, start, optimizers=False):
            if rebound is not None and at > rebound:
                return None  # rebound: another tensor from there on
            node = block.nodes[at]
            if isinstance(node, WRITES) and writes(ctx, node, path, {}):
                return node
        return None
