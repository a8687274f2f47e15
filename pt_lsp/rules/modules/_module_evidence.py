"""What an `nn.Module` class's methods do with `self` (PTL302, PTL303, PTL304).

Walks are limited to one class's methods, and run only for module classes of files that
mention what the rules look for.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TypeGuard

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.evidence.reaching import instantiation_arguments, parameter_of
from pt_lsp.core.evidence.tensors import TENSOR_FACTORIES, TENSOR_METHODS
from pt_lsp.core.findings import Related
from pt_lsp.core.flow.values import Step
from pt_lsp.core.walk import own_nodes

Function = ast.FunctionDef | ast.AsyncFunctionDef
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
NOT_TENSOR_FUNCTIONS = (
    "torch.nn.",
    "torch.load",
    "torch.device",
    "torch.Size",
    "torch.Generator",
    "torch.jit.",
    "torch.cuda.",
    "torch.distributed.",
    "torch.utils.",
    "torch.hub.",
    "torch.is_",
    "torch.get_",
    "torch.set_",
    "torch.manual_seed",
    "torch.finfo",
    "torch.iinfo",
    "torch.compile",
    "torch.no_grad",
    "torch.autograd.",
)
SHAPELESS = {"torch.tensor", "torch.as_tensor", "torch.from_numpy", "torch.Tensor", "torch.scalar_tensor"}
LEGACY_SIZED = {"torch.Tensor"}  # `torch.Tensor(n)`, `torch.Tensor(n, m)`: sizes, or data (a list, an array)
REGISTRATIONS = {"register_buffer", "register_parameter", "register_module", "add_module"}


def _int(node: ast.Constant) -> bool:
    return type(node.value) is int


def is_self_attr(node: ast.AST, attr: str | None = None) -> TypeGuard[ast.Attribute]:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
        and (attr is None or node.attr == attr)
    )


# dtype casts the shared vocabulary lacks: `torch.triu(torch.ones(n, n), 1).bool()`, a causal mask
CASTS = frozenset({"bool", "byte", "char", "short"})


def tensor_value(ctx: FileContext, expr: ast.AST, depth: int = 0) -> bool:
    """``expr`` makes a tensor of at least one dimension from torch factories (``torch.ones(3)``,
    ``torch.tril(torch.ones(8, 8))``, ``torch.arange(10).float() / 10``)."""
    if depth > 6:
        return False
    if isinstance(expr, ast.BinOp):
        return tensor_value(ctx, expr.left, depth + 1) or tensor_value(ctx, expr.right, depth + 1)
    if isinstance(expr, ast.Subscript):
        # `torch.linspace(0, 1, n)[..., None]`, `torch.eye(4)[:, :2]`: a view keeps dimensions
        # where the index has a slice, an Ellipsis or a None (a plain index may leave a scalar).
        parts = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        keeps = any(
            isinstance(p, ast.Slice) or (isinstance(p, ast.Constant) and (p.value is None or p.value is Ellipsis))
            for p in parts
        )
        return keeps and tensor_value(ctx, expr.value, depth + 1)
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    qualname = ctx.qualname(func) or passed_function(ctx, func)
    if qualname is None:
        return (
            isinstance(func, ast.Attribute)
            and (func.attr in TENSOR_METHODS or func.attr in CASTS)
            and func.attr != "requires_grad_"
            and tensor_value(ctx, func.value, depth + 1)
        )
    if qualname == "torch.nn.Parameter":
        return False
    if qualname == "torch.autograd.Variable":  # the legacy wrapper hands its tensor back
        return bool(expr.args) and tensor_value(ctx, expr.args[0], depth + 1)
    if qualname in SHAPELESS:
        first = expr.args[0] if expr.args else None
        if qualname in LEGACY_SIZED and first is not None and (not isinstance(first, ast.Constant) or _int(first)):
            return True  # `torch.Tensor(n)`: the legacy constructor reads an int as a size (1-D)
        if qualname == "torch.from_numpy" and first is not None and not isinstance(first, ast.Constant):
            return True  # an array: a 0-d one (np.array(3.0)) is rare next to the tables people load
        return isinstance(first, (ast.List, ast.Tuple, ast.ListComp))  # not a 0-dim scalar
    if qualname in TENSOR_FACTORIES:
        if expr.args and isinstance(expr.args[0], ast.Tuple) and not expr.args[0].elts:
            return False  # torch.zeros(()): a scalar
        return bool(expr.args) or any(k.arg == "size" for k in expr.keywords)
    if qualname.rsplit(".", 1)[-1][:1].isupper():
        # a torch class other than the tensor types (a distribution, an optimizer) makes an
        # object that holds tensors, not a tensor: `register_buffer` refuses it (audit-10 G5)
        return False
    if qualname.startswith("torch.") and not qualname.startswith(NOT_TENSOR_FUNCTIONS):
        # `torch.stack([torch.zeros(d), torch.ones(d)])`: the tensors may come in a list
        items = [e for a in expr.args for e in (a.elts if isinstance(a, (ast.List, ast.Tuple)) else [a])]
        return any(tensor_value(ctx, a, depth + 1) for a in items)
    return False


def passed_function(ctx: FileContext, func: ast.AST) -> str | None:
    """The torch function a callable parameter of ``__init__`` stands for (``window_fn(n)``):
    the one every instantiation of the class in the file passes, or leaves as the default
    (``window_fn=torch.hann_window``)."""
    found = parameter_of(ctx, func) if isinstance(func, ast.Name) else None
    if found is None or found[0].name != "__init__":
        return None
    passed = instantiation_arguments(ctx, *found)
    names = {ctx.qualname(value) for value in passed or ()}
    name = names.pop() if len(names) == 1 else None
    return name if name is not None and name.startswith("torch.") else None


def init_assignments(info: ClassInfo, init: ast.AST) -> dict[str, ast.Assign]:
    """``self.attr = value`` statements of ``__init__`` for attributes the class assigns exactly
    once, there, and never registers, unpacks or changes elsewhere."""
    counts: dict[str, int] = {}
    found: dict[str, ast.Assign] = {}
    excluded: set[str] = set()
    filled: set[str] = set()  # written through a subscript in `__init__`
    placeholders, placeholder_lines = _placeholders(init)
    for method in _class_methods(info):
        for node in own_nodes(method):
            if id(node) in placeholders:
                continue
            if isinstance(node, ast.Assign) and method is init and _pairs(node):
                for pair in _pairs(node):  # `self.mean, self.std = a, b`: two plain bindings
                    target = pair.targets[0]
                    if isinstance(target, ast.Attribute):
                        counts[target.attr] = counts.get(target.attr, 0) + 1
                        found[target.attr] = pair
                continue
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if is_self_attr(target):
                        counts[target.attr] = counts.get(target.attr, 0) + 1
                        if method is init and isinstance(node, ast.Assign) and len(node.targets) == 1:
                            found[target.attr] = node
                        else:
                            excluded.add(target.attr)
                    elif method is init and isinstance(target, ast.Subscript) and is_self_attr(target.value):
                        filled.add(target.value.attr)  # `self.alpha[0] += a`: the same tensor, written in place
                    else:
                        excluded.update(n.attr for n in ast.walk(target) if is_self_attr(n))
            elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                if name in REGISTRATIONS | {"setattr", "delattr"} and node.args:
                    key = node.args[1] if name in ("setattr", "delattr") and len(node.args) > 1 else node.args[0]
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        excluded.add(key.value)
    return {
        a: s
        for a, s in found.items()
        if counts.get(a) == 1
        and a not in excluded
        and (a not in filled or _torch_call(s.value))  # a dict or list filled by key is no plain tensor
        and all(p < s.lineno for p in placeholder_lines.get(a, ()))
    }


def _torch_call(value: ast.expr) -> bool:
    """``torch.zeros(n)`` (also through ``.view(...)``-style methods): a tensor a torch function made."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        if isinstance(value.func.value, ast.Name) and value.func.value.id == "torch":
            return True
        value = value.func.value
    return False


def _pairs(node: ast.Assign) -> list[ast.Assign]:
    """``self.a, self.b = x, y`` as ``self.a = x`` and ``self.b = y`` (each located at its target,
    so a finding points at it and no fix applies to a fragment of the line); [] for any other
    assignment. Made once per statement: the same nodes answer every question."""
    made: list[ast.Assign] | None = node.__dict__.get("_pt_lsp_pairs")
    if made is not None:
        return made
    made = []
    target, value = node.targets[0], node.value
    if (
        len(node.targets) == 1
        and isinstance(target, ast.Tuple)
        and isinstance(value, ast.Tuple)
        and len(target.elts) == len(value.elts)
        and all(is_self_attr(t) for t in target.elts)
        and not any(isinstance(v, ast.Starred) for v in value.elts)
    ):
        for t, v in zip(target.elts, value.elts):
            pair = ast.Assign(targets=[t], value=v)
            made.append(ast.copy_location(pair, t))
    node.__dict__["_pt_lsp_pairs"] = made
    return made


def _placeholders(init: ast.AST) -> tuple[set[int], dict[str, list[int]]]:
    """``self.E = None`` statements of ``__init__``'s own body (not in a branch), by id, and their
    lines by attribute: a placeholder that a later statement replaces binds nothing that lasts."""
    ids: set[int] = set()
    lines: dict[str, list[int]] = {}
    for stmt in getattr(init, "body", ()):
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and is_self_attr(stmt.targets[0])
            and isinstance(stmt.value, ast.Constant)
            and stmt.value.value is None
        ):
            ids.add(id(stmt))
            lines.setdefault(stmt.targets[0].attr, []).append(stmt.lineno)
    return ids, lines


def _class_methods(info: ClassInfo) -> Iterator[Function]:
    yield from info.methods.values()


def methods_reached_from(info: ClassInfo, start: Function, limit: int = 12) -> list[Function]:
    """``start`` and the methods of the class it calls as ``self.name(...)``, transitively."""
    reached, pending = [start], [start]
    while pending and len(reached) < limit:
        method = pending.pop()
        for node in own_nodes(method):
            if isinstance(node, ast.Call) and is_self_attr(node.func):
                callee = info.method(node.func.attr)
                if callee is not None and all(callee is not r for r in reached):
                    reached.append(callee)
                    pending.append(callee)
    return reached


def self_attribute_uses(method: ast.AST, attr: str) -> list[ast.Attribute]:
    return [n for n in own_nodes(method) if is_self_attr(n, attr) and isinstance(n.ctx, ast.Load)]


def is_init_call(stmt: ast.stmt) -> bool:
    """``super().__init__(...)``, ``super(Net, self).__init__()`` or ``nn.Module.__init__(self)``
    (not ``super(Net).__init__()``, which initialises only an unbound ``super`` object)."""
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Attribute)
        and stmt.value.func.attr == "__init__"
        and unbound_super(stmt.value) is None
    )


def unbound_super(node: ast.AST) -> ast.Call | None:
    """The ``super(Net)`` of ``super(Net).__init__(...)``: with one argument ``super`` is bound to
    no instance, so ``__init__`` is the ``super`` object's own and the base's never runs."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__"):
        return None
    receiver = node.func.value
    if (
        isinstance(receiver, ast.Call)
        and isinstance(receiver.func, ast.Name)
        and receiver.func.id == "super"
        and len(receiver.args) == 1
        and not receiver.keywords
        and not isinstance(receiver.args[0], ast.Starred)
    ):
        return receiver
    return None


def super_init_line(init: Function) -> int | None:
    for stmt in init.body:
        if is_init_call(stmt):
            return stmt.lineno
    return None


def assignment_path(ctx: FileContext, steps: list[Step], stmt: ast.stmt, message: str) -> tuple[Related, ...]:
    """``steps`` and the assignment ``stmt`` in program order: an assignment takes effect after
    its value is evaluated, so it follows the steps inside it."""
    path = list(evidence_path(ctx, steps))
    span = ctx.doc.node_span(stmt)
    index = sum(1 for r in path if r.span.start < span.end)
    path.insert(index, Related(span, message))
    return tuple(path)
