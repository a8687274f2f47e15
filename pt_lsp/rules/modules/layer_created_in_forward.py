"""PTL304: a layer with parameters built inside `forward`."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Pos
from pt_lsp.core.edits import indentation, newline_of, source_of, statement_of
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Related, Severity
from pt_lsp.core.flow.values import Step
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._module_evidence import (
    Function,
    is_init_call,
    is_self_attr,
    methods_reached_from,
)
from pt_lsp.rules.modules.examples.layer_created_in_forward import EXAMPLES

PARAMETERISED = {
    f"torch.nn.{n}"
    for n in (
        "Linear Bilinear LazyLinear Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d LazyConv1d "
        "LazyConv2d LazyConv3d Embedding EmbeddingBag RNN LSTM GRU RNNCell LSTMCell GRUCell BatchNorm1d BatchNorm2d "
        "BatchNorm3d SyncBatchNorm LayerNorm GroupNorm RMSNorm PReLU MultiheadAttention Transformer "
        "TransformerEncoderLayer TransformerDecoderLayer"
    ).split()
}
# Layers whose parameters start from constants (norm weights 1 and biases 0, PReLU's 0.25), not
# random draws: a fresh one per call computes the same untrained function, it is not random.
CONSTANT_INIT = {
    f"torch.nn.{n}"
    for n in "BatchNorm1d BatchNorm2d BatchNorm3d SyncBatchNorm LayerNorm GroupNorm RMSNorm PReLU".split()
}

AFFINE_FLAGS = ("affine", "elementwise_affine")


REGISTERING_METHODS = {"append", "extend", "insert", "add_module", "register_module", "update", "__setitem__"}


class LayerCreatedInForward(Rule):
    """
    ## What it does
    Flags a layer with parameters (`nn.Linear`, `nn.Conv2d`, `nn.LSTM`, `nn.BatchNorm1d`,
    `nn.LayerNorm`, ...) constructed inside `forward` of an `nn.Module`, or in a method that
    `forward` calls, unless it is stored on the module (`self.head = nn.Linear(...)`, the lazy
    initialisation pattern). Layers without parameters (`nn.ReLU()`, `nn.Dropout()`,
    `nn.Flatten()`) are harmless there and are not reported.

    ## Why is this bad?
    A layer made in `forward` gets fresh random weights on every call: the model's output is random
    (a norm layer or `nn.PReLU` starts from the same constants each time, so its output is not
    random but never learns), its weights are not in `model.parameters()` (so the optimizer never
    trains them) nor in `state_dict()`, and they are never moved by `model.to(device)`. Training
    runs without an error; the loss simply does not go down.

    ## Example
    ```python
    def forward(self, x):
        x = self.features(x)
        return nn.Linear(512, 10)(x)
    ```

    ## Use instead
    ```python
    def __init__(self):
        super().__init__()
        ...
        self.classifier = nn.Linear(512, 10)

    def forward(self, x):
        return self.classifier(self.features(x))
    ```

    ## Fix safety
    The fix is display-only: it shows the layer created once in `__init__` as an attribute and
    used in `forward`. Applying it changes the model's parameters, its `state_dict()` keys and
    its outputs, and needs the layer's sizes to be known in `__init__`.

    ## References
    - [PyTorch tutorial: build the neural network](https://pytorch.org/tutorials/beginner/basics/buildmodel_tutorial.html)
    - [torch.nn.Module](https://pytorch.org/docs/stable/generated/torch.nn.Module.html)
    """

    code = "PTL304"
    name = "layer-created-in-forward"
    severity = Severity.WARNING  # a fresh random layer per call is occasionally meant (random features)
    summary = "a layer with parameters constructed inside `forward`: new random weights on every call"
    examples = EXAMPLES

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if "forward" not in ctx.doc.text:
            return
        for info in ctx.class_list:
            forward = info.methods.get("forward")
            if not info.is_module or forward is None:
                continue
            reached = methods_reached_from(info, forward)
            for method in reached:
                for node in own_nodes(method):
                    if isinstance(node, ast.Call) and self.parameterised(ctx, node) and not self.stored(ctx, node):
                        qualname = ctx.qualname(node.func)
                        assert qualname is not None  # parameterised: one of PARAMETERISED
                        layer = qualname.rsplit(".", 1)[-1]
                        where = "`forward`" if method is forward else f"`{method.name}` (called from `forward`)"
                        fresh = (
                            "its weights start from their initial values on every call"
                            if qualname in CONSTANT_INIT
                            else "it gets new random weights on every call"
                        )
                        message = (
                            f"`nn.{layer}` is created inside {where}: {fresh}, which are never trained nor in"
                            " `parameters()`; create it in `__init__`"
                        )
                        related = self.path(ctx, forward, reached, method, node, layer)
                        fixes = self.fixes(ctx, info, method, node, layer)
                        yield self.report(ctx, node, message, fixes=fixes, related=related)

    @staticmethod
    def path(
        ctx: FileContext, forward: Function, reached: list[Function], method: Function, call: ast.Call, layer: str
    ) -> tuple[Related, ...]:
        """How `forward` reaches the construction, the construction, and where the new layer runs."""
        steps: list[Step] = []
        callee = method
        while callee is not forward and len(steps) < 3:
            site = next(
                (
                    (caller, node)
                    for caller in reached
                    for node in own_nodes(caller)
                    if isinstance(node, ast.Call) and is_self_attr(node.func, callee.name)
                ),
                None,
            )
            if site is None:
                break
            steps.append(Step(site[1], f"`{site[0].name}` calls `{callee.name}` here"))
            callee = site[0]
        # Program order: `forward` calls the helpers first, then the helper makes the layer.
        callers = [Related(ctx.doc.node_span(step.node), step.message) for step in reversed(steps)]
        steps = []
        where = "`forward`" if method is forward else f"`{method.name}`"
        weights = "initial" if f"torch.nn.{layer}" in CONSTANT_INIT else "random"
        steps.append(Step(call, f"a new `nn.{layer}` with {weights} weights is made here on every call of {where}"))
        parent = ctx.parent(call)
        if isinstance(parent, ast.Call) and parent.func is call:
            steps.append(Step(parent, "it is applied here, then thrown away"))
        stmt = statement_of(ctx, call)
        if (
            isinstance(stmt, ast.Assign)
            and stmt.value is call
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            name = stmt.targets[0].id
            for node in own_nodes(method):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == name
                    and (node.lineno, node.col_offset) > (stmt.lineno, stmt.col_offset)
                ):
                    steps.append(Step(node, f"`{name}` is applied here with those untrained weights"))
                    break
        return (*callers, *evidence_path(ctx, steps))

    @staticmethod
    def parameterised(ctx: FileContext, call: ast.Call) -> bool:
        if ctx.qualname(call.func) not in PARAMETERISED:
            return False
        return not any(
            k.arg in AFFINE_FLAGS and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in call.keywords
        )

    @staticmethod
    def stored(ctx: FileContext, call: ast.Call) -> bool:
        """Kept on the module: assigned to ``self.x`` (lazily created once) or registered."""
        stmt = statement_of(ctx, call)
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(is_self_attr(t) or (isinstance(t, ast.Subscript) and is_self_attr(t.value)) for t in targets):
                return True
        current = ctx.parent(call)
        while current is not None and current is not stmt:
            if isinstance(current, ast.Call):
                func = current.func
                if isinstance(func, ast.Name) and func.id == "setattr":
                    return True
                if isinstance(func, ast.Attribute) and func.attr in REGISTERING_METHODS:
                    return True
            current = ctx.parent(current)
        return False

    def fixes(self, ctx: FileContext, info: ClassInfo, method: Function, call: ast.Call, layer: str) -> list[Fix]:
        init = info.methods.get("__init__")
        if init is None:
            return []
        super_stmt = next((s for s in init.body if is_init_call(s)), None)
        arguments = method.args
        local = {
            a.arg
            for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
            if a is not None
        }
        local |= {n.id for n in own_nodes(method) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        if super_stmt is None or any(isinstance(n, ast.Name) and n.id in local for n in ast.walk(call)):
            return []  # its sizes come from forward's inputs: they are not known in __init__
        stmt = statement_of(ctx, call)
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", layer).lower()
        if (
            isinstance(stmt, ast.Assign)
            and stmt.value is call
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            name = stmt.targets[0].id
        end = super_stmt.end_lineno or super_stmt.lineno
        line = f"{indentation(ctx, super_stmt)}self.{name} = {source_of(ctx, call)}{newline_of(ctx)}"
        edits = (Edit.insert(Pos(end + 1, 0), line), Edit(ctx.doc.node_span(call), f"self.{name}"))
        return [Fix(f"Create it once in `__init__` as `self.{name}`", edits, Applicability.DISPLAY_ONLY)]
