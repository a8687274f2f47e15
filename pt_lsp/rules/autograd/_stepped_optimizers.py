"""Which optimizer a ``step()`` call steps, and how sure PTL204 is that it is a `torch.optim`
optimizer (made by one, a subclass of one that keeps its ``step``, a loop over a container of
them, another library's optimizer on a model's parameters, or only its name), with the file's
assignments indexed once. ``missing_zero_grad`` keeps the loops, the evidence path and the fix;
``_grad_resets`` what resets the gradients."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.walk import attr_path, own_nodes

NOT_OPTIMIZERS = ("torch.optim.lr_scheduler", "torch.optim.swa_utils")


# -- what is stepped -----------------------------------------------------------------------
def stepped_optimizer(call: ast.Call) -> ast.expr | None:
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "step"):
        return None
    receiver = optimizer_path(func.value)
    if receiver is None:
        return None
    if receiver.rsplit(".", 1)[-1].lower().endswith("scaler"):
        return call.args[0] if len(call.args) == 1 and attr_path(call.args[0]) and not call.keywords else None
    if call.args or call.keywords:
        return None  # step(closure): the closure evaluates (and usually resets) the gradients
    return func.value


def optimizer_path(optimizer: ast.expr) -> str | None:
    """``opt``, ``self.opt``; for an item of a container path, by a constant or a name,
    its source text (``opts['g']``, ``self.optimizers[i]``)."""
    path = attr_path(optimizer)
    if path is not None or not isinstance(optimizer, ast.Subscript) or attr_path(optimizer.value) is None:
        return path
    index = optimizer.slice
    if isinstance(index, ast.Name) or (isinstance(index, ast.Constant) and type(index.value) in (int, str)):
        return ast.unparse(optimizer)
    return None


def optimizer_evidence(ctx: FileContext, optimizer: ast.expr) -> str | None:
    if isinstance(optimizer, ast.Subscript):
        return _item_verdict(ctx, optimizer)
    path = attr_path(optimizer)
    if path is None:
        return None
    verdicts = _VERDICTS(ctx)
    if path not in verdicts:  # it depends on the path only: asked once per path, not per step()
        verdicts[path] = _optimizer_verdict(ctx, path)
    if verdicts[path] is None and isinstance(optimizer, ast.Name):
        return _passed_optimizer(ctx, optimizer)
    return verdicts[path]


def _passed_optimizer(ctx: FileContext, optimizer: ast.Name) -> str | None:
    """A parameter of the function around the step that the function never rebinds and that every
    call of it in this file passes an optimizer for (``fit(model, make_opt(model), data)``,
    ``train(net, torch.optim.SGD(...))``): the weakest evidence of the arguments."""
    function = ctx.names.scope_of(optimizer).node
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    name = optimizer.id
    positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
    if name not in positional and name not in [a.arg for a in function.args.kwonlyargs]:
        return None
    if any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in own_nodes(function)):
        return None
    verdicts: set[str | None] = set()
    for call in _calls_by_name(ctx).get(function.name, []):
        params = positional
        if params and params[0] in ("self", "cls") and isinstance(call.func, ast.Attribute):
            params = params[1:]
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return None
        passed = next((k.value for k in call.keywords if k.arg == name), None)
        if passed is None and name in params and params.index(name) < len(call.args):
            passed = call.args[params.index(name)]
        verdicts.add(_argument_verdict(ctx, passed))
    if not verdicts or None in verdicts:
        return None
    return "name" if "name" in verdicts else "library" if "library" in verdicts else "torch.optim"


def _argument_verdict(ctx: FileContext, passed: ast.expr | None) -> str | None:
    if isinstance(passed, ast.Call):
        qualname = ctx.qualname(passed.func) or ""
        if _is_torch_optimizer(qualname) or optimizer_subclass(ctx, passed.func) or optimizer_factory(ctx, passed.func):
            return "torch.optim"
        return "library" if library_optimizer(qualname, passed) else None
    path = attr_path(passed) if passed is not None else None
    return _optimizer_verdict(ctx, path) if path is not None else None


@PerFile
def _calls_by_name(ctx: FileContext) -> dict[str, list[ast.Call]]:
    """The file's calls by the name called (``f(...)``, ``obj.f(...)``), indexed once per file."""
    found: dict[str, list[ast.Call]] = {}
    for call in ctx.index.of(ast.Call):
        func = call.func
        callee = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if callee is not None:
            found.setdefault(callee, []).append(call)
    return found


def _optimizer_verdict(ctx: FileContext, path: str) -> str | None:
    found = None
    for assign in assignments_to(ctx, path):
        if isinstance(assign.value, ast.Call):
            qualname = ctx.qualname(assign.value.func) or ""
            if (
                _is_torch_optimizer(qualname)
                or optimizer_subclass(ctx, assign.value.func)
                or optimizer_factory(ctx, assign.value.func)
            ):
                found = found or "torch.optim"
            elif library_optimizer(qualname, assign.value):
                found = "library"
            else:
                return None  # bound to something else as well
    if found:
        return found
    if "." not in path and iterated_optimizers(ctx, path):
        return "torch.optim"
    last = path.rsplit(".", 1)[-1].lower()
    if "optim" in last and not any(_defines_step(info.node) for info in ctx.class_list):
        return "name"
    return None


def iterated_optimizers(ctx: FileContext, name: str) -> bool:
    """``name`` is only ever bound by loops over a container of `torch.optim` optimizers
    (``for opt in optimizers.values()``, ``for _, opt in optimizers.items()``, a list)."""
    loops: list[ast.For | ast.AsyncFor | ast.comprehension] = [
        *ctx.index.of(ast.For),
        *ctx.index.of(ast.AsyncFor),
        *ctx.index.of(ast.comprehension),
    ]
    loops = [loop for loop in loops if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(loop.target))]
    if not loops:
        return False
    for loop in loops:
        container: ast.expr = loop.iter
        method: str | None = None
        target = loop.target
        if isinstance(container, ast.Call) and isinstance(container.func, ast.Attribute) and not container.args:
            method = container.func.attr
            container = container.func.value
        if method == "items" and isinstance(target, ast.Tuple) and len(target.elts) == 2:
            if not (isinstance(target.elts[1], ast.Name) and target.elts[1].id == name):
                return False
        elif not (method in (None, "values") and isinstance(target, ast.Name)):
            return False
        assigned = assignments_to(ctx, attr_path(container), ctx.names.scope_of(loop).node)
        if not assigned or not all(_holds_optimizers(ctx, a.value, method) for a in assigned):
            return False
    return True


def _holds_optimizers(ctx: FileContext, value: ast.AST, method: str | None) -> bool:
    """A list or dict (display or comprehension) whose every element is a `torch.optim` optimizer;
    a dict only where its values are iterated (``method``), a list only where it is itself."""
    if isinstance(value, (ast.List, ast.Tuple)) and method is None:
        elements: list[ast.AST] = list(value.elts)
    elif isinstance(value, ast.ListComp) and method is None:
        elements = [value.elt]
    elif isinstance(value, ast.Dict) and method is not None and None not in value.keys:
        elements = list(value.values)
    elif isinstance(value, ast.DictComp) and method is not None:
        elements = [value.value]
    else:
        return False
    for element in elements:
        qualname = ctx.qualname(element.func) or "" if isinstance(element, ast.Call) else ""
        if not qualname.startswith("torch.optim.") or qualname.startswith(NOT_OPTIMIZERS):
            return False
    return bool(elements)


def _item_verdict(ctx: FileContext, item: ast.Subscript) -> str | None:
    """An item of a dict or list that every assignment of the file builds of `torch.optim`
    optimizers only (``opts = {"g": Adam(...), "d": Adam(...)}``, a list comprehension)."""
    container = attr_path(item.value)
    assigned = assignments_to(ctx, container, ctx.names.scope_of(item).node)
    if optimizer_path(item) is None or not assigned:
        return None
    for assign in assigned:
        method = "values" if isinstance(assign.value, (ast.Dict, ast.DictComp)) else None
        if not _holds_optimizers(ctx, assign.value, method):
            return None
    return "torch.optim"


def _is_torch_optimizer(qualname: str) -> bool:
    return qualname.startswith("torch.optim.") and not qualname.startswith(NOT_OPTIMIZERS)


def library_optimizer(qualname: str, call: ast.Call) -> bool:
    """An optimizer of another library built on a model's parameters, which steps as torch's do
    (``AnalogSGD(model.parameters(), lr=0.1)`` from ``aihwkit.optim``, ``torch_optimizer.RAdam``,
    ``bitsandbytes.optim.Adam8bit``): imported from a module named for optimizers, or named as
    one of the usual algorithms, and given ``<x>.parameters()`` first."""
    if not qualname or qualname.startswith("torch."):
        return False
    *modules, name = qualname.split(".")
    if not modules or not (any("optim" in m.lower() for m in modules) or name.lower().endswith(_ALGORITHMS)):
        return False
    first = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "params"), None)
    return (
        isinstance(first, ast.Call)
        and isinstance(first.func, ast.Attribute)
        and first.func.attr in ("parameters", "named_parameters")
    )


# the usual algorithms' names, as libraries spell their classes (`FusedAdam`, `Adam8bit` aside)
_ALGORITHMS = ("sgd", "adam", "adamw", "adamax", "rmsprop", "adagrad", "adadelta", "lamb", "lars", "lion", "radam")


def optimizer_subclass(ctx: FileContext, func: ast.expr) -> bool:
    """A class of this file derived (through its local bases) from a `torch.optim` optimizer, that
    neither it nor a local base gives its own ``step``: it steps as the torch class does, without
    resetting the gradients (``class WarmSGD(torch.optim.SGD)`` that only adds a method)."""
    info = ctx.classes.get(func.id) if isinstance(func, ast.Name) and ctx.qualname(func) is None else None
    if info is None or info.method("step") is not None:
        return False
    seen: set[int] = set()
    pending = [info]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if any(_is_torch_optimizer(ctx.qualname(base) or "") for base in current.node.bases):
            return True
        pending.extend(current.local_bases)
    return False


def optimizer_factory(ctx: FileContext, func: ast.expr) -> bool:
    """A function of this file or of another project file every return of which builds a
    `torch.optim` optimizer, directly or through a local bound once to one
    (``def build_optimizer(model, lr): return torch.optim.SGD(model.parameters(), lr=lr)``)."""
    function: ast.AST | None = None
    names = ctx.names
    if isinstance(func, ast.Name) and ctx.qualname(func) is None:
        defined = [
            s for s in ctx.tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == func.id
        ]
        function = defined[0] if len(defined) == 1 else None  # a module-level function of this file
    elif isinstance(func, (ast.Name, ast.Attribute)) and ctx.project.enabled:
        qualname = ctx.qualname(func)
        entity = ctx.project.resolve(qualname, None) if qualname and not qualname.startswith("torch.") else None
        if isinstance(entity, (ast.FunctionDef, ast.AsyncFunctionDef)):
            unit = ctx.project.unit_of(entity)
            if unit is not None:
                function, names = entity, unit.names
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    returns = [n for n in own_nodes(function) if isinstance(n, ast.Return)]
    if not returns:
        return False
    for ret in returns:
        value = ret.value
        if isinstance(value, ast.Name):
            bound = [
                n.value
                for n in own_nodes(function)
                if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == value.id for t in n.targets)
            ]
            value = bound[0] if len(bound) == 1 else None
        if not (isinstance(value, ast.Call) and _is_torch_optimizer(names.qualname(value.func) or "")):
            return False
    return True


def _defines_step(cls: ast.ClassDef) -> bool:
    """A class of this file with its own ``step``: a wrapper that may reset gradients itself."""
    return any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "step" for s in cls.body)


_VERDICTS: PerFile[dict[str, str | None]] = PerFile(lambda ctx: {})
_ANY_SCOPE = 0


def assignments_to(ctx: FileContext, path: str | None, scope: ast.AST | None = None) -> list[ast.Assign]:
    """The assignments to ``path`` (``opt``, ``self.opt``) in source order: in the file, or in
    ``scope`` where it has some (a file of n training functions has n optimizers named ``opt``).
    Indexed once per file, where a scan per optimizer step would make the rule quadratic."""
    if path is None:
        return []
    found = _assignments_by_path(ctx)
    return (scope is not None and found.get((path, id(scope)))) or found.get((path, _ANY_SCOPE), [])


@PerFile
def _assignments_by_path(ctx: FileContext) -> dict[tuple[str, int], list[ast.Assign]]:
    """(path, id of its scope or ``_ANY_SCOPE``) -> the file's assignments to it, in source order."""
    by_path: dict[tuple[str, int], list[ast.Assign]] = {}
    for assign in ctx.index.of(ast.Assign):
        scope = id(ctx.names.scope_of(assign).node)
        for target_path, one in sorted(bound_paths(assign).items()):
            by_path.setdefault((target_path, _ANY_SCOPE), []).append(one)
            by_path.setdefault((target_path, scope), []).append(one)
    return by_path


def bound_paths(assign: ast.Assign) -> dict[str, ast.Assign]:
    """The paths ``assign`` binds, each with an assignment of its own value: ``assign`` itself,
    or for ``o1, o2 = SGD(...), SGD(...)`` (a tuple target of a display of as many items, no
    starred one) an assignment of the matching item, placed where ``assign`` is."""
    bound: dict[str, ast.Assign] = {}
    for target in assign.targets:
        path = attr_path(target)
        if path is not None:
            bound.setdefault(path, assign)
            continue
        value = assign.value
        if not (
            isinstance(target, (ast.Tuple, ast.List))
            and isinstance(value, (ast.Tuple, ast.List))
            and len(target.elts) == len(value.elts)
            and not any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts))
        ):
            continue
        for element, item in zip(target.elts, value.elts, strict=True):
            path = attr_path(element)
            if path is not None and path not in bound:
                bound[path] = ast.copy_location(ast.Assign(targets=[element], value=item, type_comment=None), assign)
    return bound
