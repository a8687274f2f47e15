"""PTL403: a `.numpy()` snapshot read after the tensor changed in place (they share memory)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import body_containing, statement_index
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.flow.values import Step
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import attr_path as path_of
from pt_lsp.rules.numpy_interop._inplace_writes import (
    WRITES,
    Write,
    block_writes,
    first_at,
    optimizers_over,
    writes,
)

# Calls that return the same memory as their receiver (for a CPU tensor).
ALIASING = {"detach"}


class NumpyAliasMutation(Rule):
    """
    ## What it does
    Flags a snapshot `a = t.numpy()` (also `t.detach().numpy()`) that is read after `t` is
    changed in place: `t.add_(...)`, `t += ...`, `t[i] = ...`, `nn.init.*_(t)`, or
    `optimizer.step()` for a parameter of the model the optimizer updates.

    ## Why is this bad?
    `Tensor.numpy()` does not copy: the array and the CPU tensor share memory. Every in-place
    change of the tensor shows in the array, so a "before" snapshot taken with `.numpy()` holds
    the *new* values: a weight change computed as `after - before` is all zeros, a comparison of
    old and new parameters finds them equal. No error is raised.

    ## Example
    ```python
    before = model.weight.detach().numpy()
    optimizer.step()
    update = model.weight.detach().numpy() - before   # always 0
    ```

    ## Use instead
    ```python
    before = model.weight.detach().numpy().copy()
    ```
    (or `model.weight.detach().clone().numpy()`).

    ## Fix safety
    The fix appends `.copy()` to the snapshot. It is unsafe: reads of the array after the
    in-place change now see the old values, which is what a snapshot means, but code that relied
    on the live view changes behaviour.

    ## References
    - [torch.Tensor.numpy: "the returned ndarray and the tensor will share their storage"](https://pytorch.org/docs/stable/generated/torch.Tensor.numpy.html)
    - [PyTorch and NumPy bridge](https://pytorch.org/tutorials/beginner/blitz/tensor_tutorial.html#bridge-with-numpy)
    """

    code = "PTL403"
    name = "numpy-alias-mutation"
    summary = "a `.numpy()` snapshot read after the tensor changed in place: it shares memory and changed too"
    severity = Severity.WARNING

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ".numpy()" not in ctx.doc.text:
            return
        for assign in ctx.index.of(ast.Assign):
            target = assign.targets[0]
            if len(assign.targets) != 1 or not isinstance(target, ast.Name):
                continue
            call = assign.value
            if not (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "numpy"
                and not call.args
                and not call.keywords
            ):
                continue
            source = call.func.value
            while (
                isinstance(source, ast.Call)
                and isinstance(source.func, ast.Attribute)
                and source.func.attr in ALIASING
                and not source.args
            ):
                source = source.func.value
            path = path_of(source)
            if path is None or not ctx.flow.value(source).is_tensor:
                continue
            if path.split(".")[0] == target.id:
                # `probs = probs.numpy()`: the tensor has no name left, so no one reads it after a
                # write through the array, and a later `probs[...] = 0` is that write, not the tensor's
                continue
            found = self.write_then_read(ctx, assign, path, target.id)
            if found is None:
                continue
            write, read = found
            array = target.id
            end = ctx.doc.node_span(call).end
            yield self.report(
                ctx,
                call,
                f"`{array}` shares memory with `{path}`, which is changed in place on line {write.lineno} before "
                f"`{array}` is read on line {read.lineno}: the array sees the new values; take a copy",
                fixes=[Fix("Append `.copy()`", (Edit.insert(end, ".copy()"),), Applicability.UNSAFE)],
                related=evidence_path(  # (the snapshot itself is the finding's place)
                    ctx,
                    [
                        Step(write, f"`{path}` changed in place here: `{array}` changes with it"),
                        Step(read, f"`{array}` read here: it holds the new values"),
                    ],
                ),
            )

    @staticmethod
    def write_then_read(ctx: FileContext, assign: ast.Assign, path: str, array: str) -> tuple[Write, ast.Name] | None:
        body = body_containing(ctx, assign)
        if body is None:
            return None
        optimizers = optimizers_over(ctx, ctx.index.of(ast.Assign)) if ".step()" in ctx.doc.text else {}
        block = block_writes(ctx, body)
        start = block.starts[statement_index(ctx, assign) + 1]
        # rebound: another object from there on (`+=` on a tensor is in place)
        rebounds = [first_at(block.rebinds.get(name, []), start) for name in (array, path.split(".")[0])]
        stop = min((at for at in rebounds if at is not None), default=len(block.nodes))
        for at in block.write_candidates(path, start, optimizers=bool(optimizers)):
            if at > stop:
                return None
            write = block.nodes[at]
            if isinstance(write, WRITES) and writes(ctx, write, path, optimizers):
                read = first_at(block.loads.get(array, []), at)
                if read is None or read > stop:
                    return None
                name = block.nodes[read]
                return (write, name) if isinstance(name, ast.Name) else None
        return None
