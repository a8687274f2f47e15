"""PTL302: a plain tensor attribute of an `nn.Module` that `forward` uses."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import alone_on_lines, source_of
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.rule import Rule
from pt_lsp.rules.modules._module_evidence import (
    init_assignments,
    methods_reached_from,
    self_attribute_uses,
    super_init_line,
    tensor_value,
)
from pt_lsp.rules.modules.examples.unregistered_buffer import EXAMPLES

# Methods that handle device moves themselves: the attribute may follow the module.
MOVE_OVERRIDES = {"_apply", "to", "cuda", "_load_from_state_dict", "state_dict"}
MOVES_AT_USE = {"to", "cuda", "cpu", "type_as", "to_dense"}


class UnregisteredBuffer(Rule):
    """
    ## What it does
    Flags, in an `nn.Module` subclass, a tensor made by a torch factory and assigned to a
    plain attribute in `__init__` (`self.mask = torch.tril(torch.ones(8, 8))`,
    `self.mean = torch.tensor([0.485, 0.456, 0.406])`) that `forward` (or a method it calls)
    uses, where it is neither an `nn.Parameter` nor registered with `register_buffer`.
    Tensors with `requires_grad=True` are PTL301; 0-dimensional tensors, tensors created with an
    explicit `device=`, attributes reassigned outside `__init__` (caches, recurrent state) and
    uses that move the tensor themselves (`self.mask.to(x.device)`) are not reported.

    ## Why is this bad?
    `nn.Module` moves, casts and saves only its parameters and buffers. A plain tensor
    attribute stays on the CPU after `model.to("cuda")`, so `forward` fails on the GPU with
    "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and
    cpu!"; it is not converted by `model.half()`, and it is missing from `state_dict()`, so a
    checkpoint does not contain it.

    ## Example
    ```python
    class Normalize(nn.Module):
        def __init__(self):
            super().__init__()
            self.mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)

        def forward(self, x):
            return x - self.mean
    ```

    ## Use instead
    ```python
    self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1))
    ```
    or `self.register_buffer("mean", ..., persistent=False)` to keep it out of `state_dict()`.

    ## Fix safety
    Both fixes are unsafe: a persistent buffer adds a key to `state_dict()`, so loading an
    older checkpoint with `strict=True` fails on the missing key; either kind of buffer now
    follows `model.half()` / `model.double()` casts as well as device moves.

    ## References
    - [torch.nn.Module.register_buffer](https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.register_buffer)
    - [PyTorch forums: tensors in a module not moved by .cuda()](https://discuss.pytorch.org/t/why-model-to-device-wouldnt-put-tensors-on-a-custom-layer-to-the-same-device/17964)
    """

    code = "PTL302"
    name = "unregistered-buffer"
    summary = "a plain tensor attribute of an `nn.Module` used in `forward` (not a buffer)"
    severity = Severity.WARNING
    examples = EXAMPLES

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if "torch" not in ctx.doc.text or "forward" not in ctx.doc.text:
            return
        for info in ctx.class_list:
            init = info.methods.get("__init__")
            forward = info.method("forward")
            if not info.is_module or init is None or forward is None:
                continue
            if any(info.method(name) is not None for name in MOVE_OVERRIDES):
                continue
            reached = methods_reached_from(info, forward)
            super_line = super_init_line(init)
            for attr, stmt in init_assignments(info, init).items():
                if not self.plain_tensor(ctx, stmt.value):
                    continue
                uses = [u for m in reached for u in self_attribute_uses(m, attr)]
                if not uses or all(self.moved_at_use(ctx, use) for use in uses):
                    continue
                message = (
                    f"`self.{attr}` is a plain tensor attribute used in `forward`: `model.to(device)` does not"
                    f" move it and `state_dict()` does not save it; register it as a buffer"
                )
                yield self.report(ctx, stmt, message, fixes=self.fixes(ctx, stmt, attr, super_line))

    @staticmethod
    def plain_tensor(ctx: FileContext, value: ast.expr) -> bool:
        if not tensor_value(ctx, value):
            return False
        for node in ast.walk(value):
            # requires_grad=True tensors are PTL301's; a tensor created with an explicit device
            # belongs to code that places its tensors itself (a simulation given `device=`).
            if isinstance(node, ast.Call) and (
                any(k.arg in ("requires_grad", "device") for k in node.keywords)
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "requires_grad_")
            ):
                return False
        return True

    @staticmethod
    def moved_at_use(ctx: FileContext, use: ast.Attribute) -> bool:
        parent = ctx.parent(use)
        return isinstance(parent, ast.Attribute) and parent.attr in MOVES_AT_USE

    def fixes(self, ctx: FileContext, stmt: ast.Assign, attr: str, super_line: int | None) -> list[Fix]:
        if super_line is None or stmt.lineno <= super_line or not alone_on_lines(ctx, [stmt]):
            return []
        value = source_of(ctx, stmt.value)
        span = ctx.doc.node_span(stmt)
        persistent = Fix(
            f'Register `{attr}` as a buffer: `self.register_buffer("{attr}", ...)`',
            (Edit(span, f'self.register_buffer("{attr}", {value})'),),
            Applicability.UNSAFE,
        )
        transient = Fix(
            f"Register `{attr}` as a non-persistent buffer (kept out of `state_dict()`)",
            (Edit(span, f'self.register_buffer("{attr}", {value}, persistent=False)'),),
            Applicability.UNSAFE,
        )
        return [persistent, transient]
