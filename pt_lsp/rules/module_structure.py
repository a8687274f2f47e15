"""PTL303 and PTL304: how an `nn.Module` builds its submodules."""
from __future__ import annotations

import ast
import builtins
import re

from pt_lsp.core.document import Pos, Span
from pt_lsp.core.findings import Applicability, Edit, Fix, Related, Severity
from pt_lsp.core.rule import Rule

from ._edits import alone_on_lines, indentation, newline_of, source_of, statement_of
from ._layer_examples import LAYER_EXAMPLES
from ._module_evidence import (
    is_init_call,
    is_self_attr,
    methods_reached_from,
    own_nodes,
)
from ._super_init_examples import SUPER_INIT_EXAMPLES

PARAMETERISED = {f"torch.nn.{n}" for n in (
    "Linear Bilinear LazyLinear Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d LazyConv1d "
    "LazyConv2d LazyConv3d Embedding EmbeddingBag RNN LSTM GRU RNNCell LSTMCell GRUCell BatchNorm1d BatchNorm2d "
    "BatchNorm3d SyncBatchNorm LayerNorm GroupNorm RMSNorm PReLU MultiheadAttention Transformer "
    "TransformerEncoderLayer TransformerDecoderLayer").split()}
AFFINE_FLAGS = ("affine", "elementwise_affine")
REGISTERING_METHODS = {"append", "extend", "insert", "add_module", "register_module", "update", "__setitem__"}


def _module_value(ctx, value: ast.AST | None) -> str | None:
    """What a module attribute value is: "module" (an nn layer or local module class) or
    "parameter" (``nn.Parameter``); None for anything else."""
    if not isinstance(value, ast.Call):
        return None
    qualname = ctx.qualname(value.func)
    if qualname == "torch.nn.Parameter":
        return "parameter"
    if qualname and qualname.startswith("torch.nn.") and not qualname.startswith("torch.nn.functional") \
            and qualname.rsplit(".", 1)[-1][:1].isupper():
        return "module"
    if qualname is None and isinstance(value.func, ast.Name):
        info = ctx.classes.get(value.func.id)
        if info is not None and info.is_module:
            return "module"
    return None


class ModuleBeforeSuperInit(Rule):
    """
    ## What it does
    Flags, in the `__init__` of an `nn.Module` subclass, a submodule (`self.fc = nn.Linear(...)`)
    or parameter (`self.w = nn.Parameter(...)`) assigned before `super().__init__()` runs, or
    in an `__init__` that never calls it; and `super(Other, self).__init__()` naming a class
    that is not this class or one of its bases (a copy-paste leftover).

    ## Why is this bad?
    `nn.Module.__setattr__` registers submodules and parameters in dictionaries that
    `nn.Module.__init__` creates. Before it ran, the assignment raises `AttributeError: cannot
    assign module before Module.__init__() call` (or "cannot assign parameters before
    Module.__init__() call"). `super(Other, self)` with an unrelated class raises `TypeError:
    super(type, obj): obj must be an instance or subtype of type`, and a `NameError` once
    `Other` has been renamed.

    ## Example
    ```python
    class Net(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(10, 2)
            super().__init__()
    ```

    ## Use instead
    ```python
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(10, 2)
    ```

    ## Fix safety
    Moving `super().__init__()` before the first such assignment, inserting it where it is
    missing, and replacing `super(Other, self)` by `super()` are safe where the class derives
    from `nn.Module` directly: the original code raised, and `nn.Module.__init__` reads nothing
    the moved statements set. Where the base is a class of this file, whose `__init__` might
    read attributes set before it, moving is unsafe.

    ## References
    - [torch.nn.Module](https://pytorch.org/docs/stable/generated/torch.nn.Module.html)
    - [Python: super()](https://docs.python.org/3/library/functions.html#super)
    """

    code = "PTL303"
    name = "module-before-super-init"
    summary = "submodule or parameter assigned before `super().__init__()`; `super(Other, self)` naming another class"
    examples = SUPER_INIT_EXAMPLES

    def check(self, ctx):
        if "__init__" not in ctx.doc.text:
            return
        for info in ctx.class_list:
            init = info.methods.get("__init__")
            if not info.is_module or init is None:
                continue
            yield from self.early_assignments(ctx, info, init)
            yield from self.foreign_super(ctx, info)

    def early_assignments(self, ctx, info, init):
        body = init.body
        index = next((i for i, stmt in enumerate(body) if is_init_call(stmt)), None)
        if index is None and any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                                 and n.func.attr == "__init__" for n in own_nodes(init)):
            return  # the base __init__ runs somewhere inside a block: order unknown
        before = body if index is None else body[:index]
        offending = []
        for stmt in before:
            for node in [stmt, *own_nodes(stmt)]:
                if isinstance(node, ast.Assign) and any(is_self_attr(t) for t in node.targets):
                    what = _module_value(ctx, node.value)
                    if what:
                        offending.append((node, what))
        if not offending:
            return
        fix = self.move_fix(ctx, info, init, index, offending[0][0]) if index is not None \
            else self.insert_fix(ctx, info, init)
        for node, what in offending:
            attr = next(t.attr for t in node.targets if is_self_attr(t))
            where = "before `super().__init__()` runs" if index is not None else "but `__init__` never calls `super().__init__()`"
            kind = "a submodule" if what == "module" else "a parameter"
            message = (f"`self.{attr}` is assigned {kind} {where}: nn.Module raises \"cannot assign"
                       f" {'module' if what == 'module' else 'parameters'} before Module.__init__() call\"")
            related = [Related(ctx.doc.node_span(body[index]), "`super().__init__()` runs only here")] \
                if index is not None else []
            yield self.report(ctx, node, message, fixes=[fix] if fix else [], related=related)

    def _direct_module(self, ctx, info) -> bool:
        return bool(info.node.bases) and all(ctx.qualname(b) == "torch.nn.Module" for b in info.node.bases)

    def move_fix(self, ctx, info, init, index: int, first: ast.stmt) -> Fix | None:
        call_stmt = init.body[index]
        anchor = next(s for s in init.body if s.lineno <= first.lineno <= (s.end_lineno or s.lineno))
        params = {a.arg for a in (*init.args.posonlyargs, *init.args.args, *init.args.kwonlyargs,
                                  init.args.vararg, init.args.kwarg) if a is not None}
        reassigned = {n.id for s in init.body[:index] for n in ast.walk(s)
                      if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        used = {n.id for n in ast.walk(call_stmt) if isinstance(n, ast.Name)} - {"super", info.name}
        if not used <= params or used & reassigned or any(
                isinstance(n, ast.Attribute) and is_self_attr(n) for n in ast.walk(call_stmt)):
            return None
        if not alone_on_lines(ctx, [call_stmt]) or not alone_on_lines(ctx, [anchor]):
            return None
        end = call_stmt.end_lineno or call_stmt.lineno
        delete = Edit.delete(Span(Pos(call_stmt.lineno, 0), Pos(end + 1, 0)))
        text = f"{indentation(ctx, anchor)}{source_of(ctx, call_stmt)}{newline_of(ctx)}"
        insert = Edit.insert(Pos(anchor.lineno, 0), text)
        safety = Applicability.SAFE if self._direct_module(ctx, info) else Applicability.UNSAFE
        return Fix("Call `super().__init__()` before assigning submodules", (insert, delete), safety)

    def insert_fix(self, ctx, info, init) -> Fix | None:
        if not self._direct_module(ctx, info):
            return None
        body = init.body
        first = body[1] if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str) else body[0]
        if first.lineno == init.lineno or not alone_on_lines(ctx, [first]):
            return None
        text = f"{indentation(ctx, first)}super().__init__(){newline_of(ctx)}"
        return Fix("Call `super().__init__()` first", (Edit.insert(Pos(first.lineno, 0), text),), Applicability.SAFE)

    def foreign_super(self, ctx, info):
        ancestors = _local_ancestors(info)
        for method in info.methods.values():
            for node in own_nodes(method):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
                        and len(node.args) == 2 and isinstance(node.args[0], ast.Name)):
                    continue
                named = node.args[0].id
                if named == info.name or named in ancestors:
                    continue
                other = ctx.classes.get(named)
                unbound = ctx.names.binding(named, node) is None and "import *" not in ctx.doc.text \
                    and not hasattr(builtins, named)
                if other is None and not unbound:
                    continue  # an imported class: it may be a base of a base
                if other is not None and ctx.qualname(node.args[0]) is not None:
                    continue
                first = method.args.args[0].arg if method.args.args else None
                fix = None
                if isinstance(node.args[1], ast.Name) and node.args[1].id == first:
                    fix = Fix("Use `super()`", (Edit(ctx.doc.node_span(node), "super()"),), Applicability.SAFE)
                problem = ("is not defined in this file (NameError)" if unbound else
                           f"is not `{info.name}` or one of its bases (TypeError)")
                yield self.report(ctx, node, f"`super({named}, ...)` in class `{info.name}`: `{named}` {problem}",
                                  fixes=[fix] if fix else [])


def _local_ancestors(info) -> set[str]:
    found, pending = set(), list(info.local_bases)
    while pending:
        base = pending.pop()
        if base.name not in found:
            found.add(base.name)
            pending.extend(base.local_bases)
    for base in info.node.bases:  # names of imported bases count as ancestors too
        if isinstance(base, ast.Name):
            found.add(base.id)
    return found


class LayerCreatedInForward(Rule):
    """
    ## What it does
    Flags a layer with parameters (`nn.Linear`, `nn.Conv2d`, `nn.LSTM`, `nn.BatchNorm1d`,
    `nn.LayerNorm`, ...) constructed inside `forward` of an `nn.Module`, or in a method that
    `forward` calls, unless it is stored on the module (`self.head = nn.Linear(...)`, the lazy
    initialisation pattern). Layers without parameters (`nn.ReLU()`, `nn.Dropout()`,
    `nn.Flatten()`) are harmless there and are not reported.

    ## Why is this bad?
    A layer made in `forward` gets fresh random weights on every call: the model's output is
    random, its weights are not in `model.parameters()` (so the optimizer never trains them)
    nor in `state_dict()`, and they are never moved by `model.to(device)`. Training runs
    without an error; the loss simply does not go down.

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
    examples = LAYER_EXAMPLES

    def check(self, ctx):
        if "forward" not in ctx.doc.text:
            return
        for info in ctx.class_list:
            forward = info.methods.get("forward")
            if not info.is_module or forward is None:
                continue
            for method in methods_reached_from(info, forward):
                for node in own_nodes(method):
                    if isinstance(node, ast.Call) and self.parameterised(ctx, node) and not self.stored(ctx, node):
                        layer = ctx.qualname(node.func).rsplit(".", 1)[-1]
                        where = "`forward`" if method is forward else f"`{method.name}` (called from `forward`)"
                        message = (f"`nn.{layer}` is created inside {where}: it gets new random weights on every"
                                   " call, which are never trained nor in `parameters()`; create it in `__init__`")
                        yield self.report(ctx, node, message, fixes=self.fixes(ctx, info, method, node, layer))

    @staticmethod
    def parameterised(ctx, call: ast.Call) -> bool:
        if ctx.qualname(call.func) not in PARAMETERISED:
            return False
        return not any(k.arg in AFFINE_FLAGS and isinstance(k.value, ast.Constant) and k.value.value is False
                       for k in call.keywords)

    @staticmethod
    def stored(ctx, call: ast.Call) -> bool:
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

    def fixes(self, ctx, info, method, call: ast.Call, layer: str):
        init = info.methods.get("__init__")
        if init is None:
            return []
        super_stmt = next((s for s in init.body if is_init_call(s)), None)
        arguments = method.args
        local = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                 arguments.vararg, arguments.kwarg) if a is not None}
        local |= {n.id for n in own_nodes(method) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        if super_stmt is None or any(isinstance(n, ast.Name) and n.id in local for n in ast.walk(call)):
            return []  # its sizes come from forward's inputs: they are not known in __init__
        stmt = statement_of(ctx, call)
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", layer).lower()
        if isinstance(stmt, ast.Assign) and stmt.value is call and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
        end = super_stmt.end_lineno or super_stmt.lineno
        line = f"{indentation(ctx, super_stmt)}self.{name} = {source_of(ctx, call)}{newline_of(ctx)}"
        edits = (Edit.insert(Pos(end + 1, 0), line), Edit(ctx.doc.node_span(call), f"self.{name}"))
        return [Fix(f"Create it once in `__init__` as `self.{name}`", edits, Applicability.DISPLAY_ONLY)]
