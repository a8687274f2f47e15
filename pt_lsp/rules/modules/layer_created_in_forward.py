"""PTL304: a layer with parameters built inside `forward`."""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from collections.abc import Iterator

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.document import Pos
from pt_lsp.core.edits import indentation, newline_of, source_of, statement_of
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.evidence.reaching import name_uses, reaching_values
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Related, Severity
from pt_lsp.core.flow.values import Step
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._cached_layers import caching_key, returned, runs_forward_in_init
from pt_lsp.rules.modules._fresh_parameters import fresh_parameter
from pt_lsp.rules.modules._imported_models import imported_lazy
from pt_lsp.rules.modules._mode_layers import MODE_LAYERS, fresh_mode_layers
from pt_lsp.rules.modules._module_evidence import (
    Function,
    is_init_call,
    is_self_attr,
    methods_reached_from,
)

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
    for n in "BatchNorm1d BatchNorm2d BatchNorm3d SyncBatchNorm LayerNorm GroupNorm RMSNorm PReLU Parameter".split()
}

AFFINE_FLAGS = ("affine", "elementwise_affine")


REGISTERING_METHODS = {
    "append",
    "extend",
    "insert",
    "add_module",
    "register_module",
    "register_parameter",  # `nn.Parameter(...)` registered in `forward`: kept, as a layer added is
    "update",
    "__setitem__",
}


class LayerCreatedInForward(Rule):
    """
    ## What it does
    Flags a layer with parameters (`nn.Linear`, `nn.Conv2d`, `nn.LSTM`, `nn.BatchNorm1d`,
    `nn.LayerNorm`, ..., also `nn.Parameter(torch.ones(n))` of a tensor made right there by a
    torch factory, not with `requires_grad=False`) constructed inside `forward` of an
    `nn.Module`, or in a method that
    `forward` calls, unless it is stored on the module once (also registered there:
    `self.register_parameter("w", ...)`, `self.add_module(...)`): the lazy initialisation pattern,
    `self.head = nn.Linear(...)` under a guard on the module's state (`if self.head is None:`,
    `if not hasattr(self, "head"):`), or returned by a method that a decorator of the file
    caches on the module (`@singleton("head")` whose wrapper returns `getattr(self, "head")`
    once set, else calls the method and `setattr`s its result). An assignment to `self.head` in
    `forward` with no such guard is reported (it runs on every call), and so is a lazy layer of a
    model whose optimizer was built from `model.parameters()` before the model's first call (the
    optimizer never sees the layer), unless `__init__` runs `forward` (a mock pass); where the
    model's class is in another file of the project (`from cell import LiquidCell` in `train.py`),
    the finding is at the optimizer, in the file that builds it. Layers
    without parameters (`nn.ReLU()`, `nn.Flatten()`) are harmless there and are not reported,
    except those whose behaviour `train()`/`eval()` switch: a dropout layer (`nn.Dropout(0.5)(x)`,
    `nn.Dropout2d`, `nn.AlphaDropout`, ...) or `nn.RReLU` made and applied in `forward` is
    reported, since a new module is in training mode and `model.eval()` never reaches it.

    ## Why is this bad?
    A layer made in `forward` gets fresh random weights on every call: the model's output is random
    (a norm layer or `nn.PReLU` starts from the same constants each time, so its output is not
    random but never learns), its weights are not in `model.parameters()` (so the optimizer never
    trains them) nor in `state_dict()`, and they are never moved by `model.to(device)`. Training
    runs without an error; the loss simply does not go down. An optimizer takes the parameters
    the model has when it is built: a layer created lazily after that is never updated by it.

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

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if "parameters()" in ctx.doc.text and "optim" in ctx.doc.text:
            # a model of another file: this file may have no `forward`
            yield from imported_lazy(self, ctx, _early_optimizer)
        if "forward" not in ctx.doc.text:
            return
        early: dict[int, tuple[str, ast.Call, ast.Call] | None] = {}  # per forward, found once
        for info in ctx.class_list:
            forward = info.methods.get("forward")
            if not info.is_module or forward is None:
                continue
            reached = methods_reached_from(info, forward)
            for method in reached:
                yield from self.mode_layers(ctx, forward, method)
                key = caching_key(ctx, method) if method.decorator_list and method is not forward else None
                for node in own_nodes(method):
                    if not (isinstance(node, ast.Call) and self.parameterised(ctx, node)):
                        continue
                    if key is not None and returned(ctx, node, method):
                        # made on the first call only, kept as `self.<key>` by the file's decorator
                        if id(forward) not in early:
                            early[id(forward)] = _early_optimizer(ctx, info, forward)
                        cached = ast.Attribute(value=ast.Name(id="self", ctx=ast.Load()), attr=key, ctx=ast.Store())
                        yield from self.after_optimizer(ctx, early[id(forward)], node, cached)
                        continue
                    target = self.attribute_target(ctx, node)
                    if target is not None and method is forward and not self.guarded(ctx, node, forward):
                        yield self.rebuilt(ctx, info, forward, node, target)
                        continue
                    if target is not None:
                        if id(forward) not in early:
                            early[id(forward)] = _early_optimizer(ctx, info, forward)
                        yield from self.after_optimizer(ctx, early[id(forward)], node, target)
                    if not self.stored(ctx, node):
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

    def mode_layers(self, ctx: FileContext, forward: Function, method: Function) -> Iterator[Finding]:
        """A dropout layer made and applied in what `forward` reaches: always in training mode."""
        where = "`forward`" if method is forward else f"`{method.name}` (called from `forward`)"
        for call, applied in fresh_mode_layers(ctx, method):
            if method is forward and self.guarded(ctx, call, forward):
                continue  # made once, lazily: in the mode of the first call, which eval() then reaches
            qualname = ctx.qualname(call.func) or ""
            layer, functional = qualname.rsplit(".", 1)[-1], MODE_LAYERS[qualname]
            message = (
                f"`nn.{layer}` is created inside {where}: a new module is in training mode, and `model.eval()`"
                f" does not reach it, so it stays active at inference; create it in `__init__`, or call"
                f" `{functional}`"
            )
            steps = [
                Step(call, f"a new `nn.{layer}` is made here on every call, in training mode"),
                Step(applied, "applied here: it drops (or randomises) activations even after `model.eval()`"),
            ]
            yield self.report(ctx, call, message, related=evidence_path(ctx, steps))

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
        name = _named_by(stmt, call)
        if stmt is not None and name is not None:
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
    def attribute_target(ctx: FileContext, call: ast.Call) -> ast.Attribute | None:
        """``self.x`` when the layer is (part of) the value assigned to it: ``self.x = nn.Linear(...)``."""
        stmt = statement_of(ctx, call)
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and is_self_attr(stmt.targets[0]):
            return stmt.targets[0]
        if isinstance(stmt, ast.AnnAssign) and is_self_attr(stmt.target):
            return stmt.target
        return None

    @staticmethod
    def guarded(ctx: FileContext, call: ast.Call, forward: Function) -> bool:
        """The construction runs only when the module's state asks for it (lazy initialisation):
        under an ``if``/``while`` or conditional expression testing ``self`` (``if self.fc is
        None``, ``if not hasattr(self, "fc")``, ``self.fc or ...``), after an ``if`` on ``self``
        that returns, or in an exception handler (``except AttributeError``)."""
        child: ast.AST = call
        current = ctx.parent(call)
        while current is not None:
            if isinstance(current, (ast.If, ast.While, ast.IfExp)) and child is not current.test:
                if _mentions_self(current.test):
                    return True
            elif isinstance(current, ast.BoolOp) and any(_mentions_self(v) for v in current.values if v is not child):
                return True
            elif isinstance(current, ast.ExceptHandler):
                return True
            for block in ("body", "orelse", "finalbody"):
                siblings = getattr(current, block, None)
                if isinstance(siblings, list) and child in siblings:
                    for earlier in siblings[: siblings.index(child)]:
                        if isinstance(earlier, ast.If) and _mentions_self(earlier.test) and _returns(earlier.body):
                            return True
            if current is forward:
                break
            child, current = current, ctx.parent(current)
        return False

    def rebuilt(
        self, ctx: FileContext, info: ClassInfo, forward: Function, call: ast.Call, target: ast.Attribute
    ) -> Finding:
        """``self.x = nn.Linear(...)`` run on every call of ``forward``: no guard makes it lazy."""
        qualname = ctx.qualname(call.func)
        assert qualname is not None  # parameterised: one of PARAMETERISED
        layer = qualname.rsplit(".", 1)[-1]
        fresh = "its initial" if qualname in CONSTANT_INIT else "new random"
        message = (
            f"`self.{target.attr}` is assigned a new `nn.{layer}` on every call of `forward` ({fresh} weights each"
            f" time, never trained: an optimizer holds at most the first one's); create it in `__init__`, or build"
            f" it once under `if self.{target.attr} is None:`"
        )
        steps = [Step(call, f"a new `nn.{layer}` is made here on every call, with no guard making it once")]
        use = next(
            (
                n
                for n in own_nodes(forward)
                if isinstance(n, ast.Call)
                and is_self_attr(n.func, target.attr)
                and (n.lineno, n.col_offset) > (call.lineno, call.col_offset)
            ),
            None,
        )
        if use is not None:
            steps.append(Step(use, f"`self.{target.attr}` is applied here with those untrained weights"))
        return self.report(ctx, call, message, related=evidence_path(ctx, steps))

    def after_optimizer(
        self, ctx: FileContext, found: tuple[str, ast.Call, ast.Call] | None, call: ast.Call, target: ast.Attribute
    ) -> Iterator[Finding]:
        """A layer made lazily in ``forward`` of a model whose optimizer was built from its
        ``parameters()`` before any call (``found``): the optimizer never sees the layer."""
        if found is None:
            return
        name, instance, optimizer = found
        qualname = ctx.qualname(call.func)
        layer = qualname.rsplit(".", 1)[-1] if qualname else "layer"
        message = (
            f"`self.{target.attr}` (`nn.{layer}`) is created in `forward` on its first call, but the optimizer was"
            f" built from `{name}.parameters()` before that call: it never updates this layer's weights; build the"
            " optimizer after a first forward pass, or create the layer in `__init__`"
        )
        steps = [
            Step(instance, f"`{name}` is built here, without `self.{target.attr}`'s parameters"),
            Step(optimizer, f"the optimizer takes `{name}`'s parameters here, before `forward` has run"),
            Step(call, f"`self.{target.attr}` is created here only when `forward` first runs"),
        ]
        yield self.report(ctx, call, message, related=evidence_path(ctx, steps))

    @staticmethod
    def parameterised(ctx: FileContext, call: ast.Call) -> bool:
        if fresh_parameter(ctx, call):
            return True  # `nn.Parameter(torch.ones(n))`: a new parameter, as a layer's are
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
        return _stored_through_local(ctx, stmt)

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
        name = _named_by(statement_of(ctx, call), call) or re.sub(r"(?<!^)(?=[A-Z])", "_", layer).lower()
        end = super_stmt.end_lineno or super_stmt.lineno
        line = f"{indentation(ctx, super_stmt)}self.{name} = {source_of(ctx, call)}{newline_of(ctx)}"
        edits = (Edit.insert(Pos(end + 1, 0), line), Edit(ctx.doc.node_span(call), f"self.{name}"))
        return [Fix(f"Create it once in `__init__` as `self.{name}`", edits, Applicability.DISPLAY_ONLY)]


def _stored_through_local(ctx: FileContext, stmt: ast.stmt | None, depth: int = 0) -> bool:
    """``mlp = nn.Sequential(*[nn.Linear(...), ...])`` whose value reaches ``setattr(self, name,
    mlp)``, ``self.x = mlp`` or ``self.add_module(name, mlp)`` in the same function, also through
    a container built from it (``layers = [...]``, ``mlp = nn.Sequential(*layers)``): kept on the
    module as if the layer were written there."""
    if depth > 3:
        return False
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
        return False
    scope = ctx.parent(stmt)
    while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        scope = ctx.parent(scope)
    if scope is None:
        return False
    start, end = (scope.lineno, scope.col_offset), (scope.end_lineno or 0, scope.end_col_offset or 0)
    for use in name_uses(ctx, stmt.targets[0].id):  # indexed once per file
        if not (isinstance(use.ctx, ast.Load) and start <= (use.lineno, use.col_offset) <= end):
            continue
        if not any(v is stmt.value for v in reaching_values(ctx, use) or ()):
            continue
        if _keeps_on_self(ctx, use):
            return True
        wrapped = _wrapping_assignment(ctx, use)
        if wrapped is not None and _stored_through_local(ctx, wrapped, depth + 1):
            return True
    return False


def _wrapping_assignment(ctx: FileContext, use: ast.Name) -> ast.Assign | None:
    """``mlp = nn.Sequential(*layers)``, ``blocks = [layer, act]``: the assignment of a container
    the module ``use`` names goes into unchanged (not ``y = layer(x)``, a tensor)."""
    current: ast.AST = use
    parent = ctx.parent(use)
    while isinstance(parent, (ast.List, ast.Tuple, ast.Starred)) or (
        isinstance(parent, ast.Call) and current in parent.args and ctx.qualname(parent.func) in _CONTAINERS
    ):
        current, parent = parent, ctx.parent(parent)
    if current is use or not isinstance(parent, ast.Assign) or parent.value is not current:
        return None
    return parent


_CONTAINERS = {"torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"}


def _keeps_on_self(ctx: FileContext, use: ast.Name) -> bool:
    parent = ctx.parent(use)
    if isinstance(parent, ast.Assign) and parent.value is use:
        return any(is_self_attr(t) or (isinstance(t, ast.Subscript) and is_self_attr(t.value)) for t in parent.targets)
    if not (isinstance(parent, ast.Call) and use in parent.args):
        return False
    func = parent.func
    if isinstance(func, ast.Name) and func.id == "setattr":
        first = parent.args[0]
        return isinstance(first, ast.Name) and first.id == "self" and parent.args.index(use) == 2
    return (
        isinstance(func, ast.Attribute)
        and func.attr in REGISTERING_METHODS
        and (is_self_attr(func.value) or (isinstance(func.value, ast.Name) and func.value.id == "self"))
    )


def _named_by(stmt: ast.stmt | None, call: ast.Call) -> str | None:
    """The local name ``stmt`` binds to the layer ``call`` makes (``fc = nn.Linear(...)``)."""
    if isinstance(stmt, ast.Assign) and stmt.value is call and len(stmt.targets) == 1:
        target = stmt.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    return None


def _mentions_self(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "self" for n in ast.walk(node))


def _returns(body: list[ast.stmt]) -> bool:
    return any(isinstance(n, (ast.Return, ast.Raise)) for stmt in body for n in (stmt, *own_nodes(stmt)))


# Methods of a model that do not run its forward: an optimizer built after them is still early.
_NO_FORWARD = {"to", "cuda", "cpu", "train", "eval", "float", "double", "half", "bfloat16", "apply", "zero_grad"}
_NO_FORWARD |= {"parameters", "named_parameters", "requires_grad_", "share_memory", "type"}


def _holders(ctx: FileContext, info: ClassInfo, forward: Function) -> set[str]:
    """Module classes of this file whose instances run ``forward`` of ``info``: the class, its
    subclasses that keep that ``forward``, and classes building one of those in ``__init__``."""
    holders = {c.name for c in ctx.class_list if c.is_module and c.method("forward") is forward}
    grew = True
    while grew:
        grew = False
        for other in ctx.class_list:
            init = other.methods.get("__init__")
            if other.name in holders or not other.is_module or init is None:
                continue
            if any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in holders
                for n in own_nodes(init)
            ):
                holders.add(other.name)
                grew = True
    return holders


def _constructed(ctx: FileContext, value: ast.AST, holders: set[str], imported: bool = False) -> ast.Call | None:
    """``Net(...)`` in ``Net(...).to(device)`` and the like, for a class of ``holders`` (of this
    file, or the ``imported`` one another file defines)."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in _NO_FORWARD:
        value = value.func.value
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in holders
        and (imported or ctx.qualname(value.func) is None)
    ):
        return value
    return None


def _is_optimizer(ctx: FileContext, call: ast.AST | None) -> bool:
    qualname = ctx.qualname(call.func) if isinstance(call, ast.Call) else None
    return (
        qualname is not None
        and qualname.startswith("torch.optim.")
        and qualname.count(".") == 2
        and qualname.rsplit(".", 1)[-1][:1].isupper()
    )


def _early_optimizer(
    ctx: FileContext, info: ClassInfo, forward: Function, imported: str | None = None
) -> tuple[str, ast.Call, ast.Call] | None:
    """``(name, construction, optimizer)``: ``name = Net(...)`` and, later in the same scope and
    before anything that might call the model, ``torch.optim.X(name.parameters(), ...)`` outside
    loops. Any other use of ``name`` first (a call, an argument) may run ``forward``: None.
    ``imported``: the name this file's import binds to ``info``, a class of another file."""
    holders = {imported} if imported is not None else _holders(ctx, info, forward)
    for stmt in ctx.index.of(ast.Assign):
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            continue
        instance = _constructed(ctx, stmt.value, holders, imported is not None)
        if instance is None:
            continue
        built = ctx.classes.get(instance.func.id) if isinstance(instance.func, ast.Name) else None
        if built is not None and runs_forward_in_init(built):
            continue  # a mock pass in `__init__` creates the lazy layers before any optimizer
        name = stmt.targets[0].id
        scope = ctx.parent(stmt)
        while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            scope = ctx.parent(scope)
        if scope is None:
            continue
        end = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
        # the name's later uses, and the calls of this file's functions (which may call the model)
        names, calls, call_positions = _scope_uses(ctx, scope)
        index = bisect_right(call_positions, end)
        first_call = calls[index] if index < len(calls) else None
        uses: list[ast.expr] = [n for n in names.get(name, ()) if (n.lineno, n.col_offset) > end]
        if first_call is not None:
            uses = [n for n in uses if (n.lineno, n.col_offset) < call_positions[index]]
            uses.append(first_call)
        for use in uses:
            if not isinstance(use, ast.Name):
                break  # `warm_up()`: it may run the model
            attribute = ctx.parent(use)
            if not isinstance(use.ctx, ast.Load) or not (
                isinstance(attribute, ast.Attribute) and attribute.attr in _NO_FORWARD
            ):
                break  # rebound, called, or passed on: forward may have run
            method_call = ctx.parent(attribute)
            optimizer = ctx.parent(method_call) if method_call is not None else None
            while isinstance(optimizer, (ast.List, ast.Tuple, ast.Dict, ast.Starred, ast.keyword)) or (
                isinstance(optimizer, ast.Call) and isinstance(optimizer.func, ast.Name) and optimizer.func.id == "list"
            ):
                optimizer = ctx.parent(optimizer)
            if attribute.attr in ("parameters", "named_parameters") and _is_optimizer(ctx, optimizer):
                assert isinstance(optimizer, ast.Call)
                if not _in_loop(ctx, optimizer, scope):
                    return name, instance, optimizer
                break
    return None


_Uses = tuple[dict[str, list[ast.Name]], list[ast.Call], list[tuple[int, int]]]
_USES: PerFile[dict[int, _Uses]] = PerFile(lambda ctx: {})


def _scope_uses(ctx: FileContext, scope: ast.AST) -> _Uses:
    """``scope``'s own names by identifier and its calls of this file's functions, each in source
    order: one walk per scope, however many models it builds."""
    by_scope = _USES(ctx)
    found = by_scope.get(id(scope))
    if found is None:
        names: dict[str, list[ast.Name]] = {}
        calls: list[ast.Call] = []
        for node in own_nodes(scope):
            if isinstance(node, ast.Name):
                names.setdefault(node.id, []).append(node)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and _local_callable(ctx, node.func):
                calls.append(node)
        for found_names in names.values():
            found_names.sort(key=lambda n: (n.lineno, n.col_offset))
        calls.sort(key=lambda n: (n.lineno, n.col_offset))
        found = by_scope[id(scope)] = (names, calls, [(c.lineno, c.col_offset) for c in calls])
    return found


def _local_callable(ctx: FileContext, func: ast.Name) -> bool:
    """A function of this file or a name bound in it (not a builtin, an import or a class: a
    class built between the model and its optimizer is not handed the model)."""
    binding = ctx.names.binding(func.id, func)
    return binding is not None and binding.qualname is None and func.id not in ctx.classes


def _in_loop(ctx: FileContext, node: ast.AST, scope: ast.AST) -> bool:
    current = ctx.parent(node)
    while current is not None and current is not scope:
        if isinstance(current, (ast.For, ast.AsyncFor, ast.While, ast.comprehension)):
            return True
        current = ctx.parent(current)
    return False
