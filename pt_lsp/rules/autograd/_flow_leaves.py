"""A leaf that requires grad as the flow analysis knows it (PTL203, PTL205): where the syntactic
evidence of :mod:`._leaves` stops at a container, an attribute of a plain class, a method's
return or an unpacking, the flow still follows the tensor there.

A value counts when the flow proves it is a tensor on the CPU that requires grad and depends on
no graph node: a leaf (``torch.randn(3, requires_grad=True)``, a parameter) or the CPU
tensor itself handed back by ``.cpu()`` / ``.to("cpu")``. A CUDA (or maybe-CUDA) value may be a
copy made by ``.cuda()`` / ``.to(device)``, a graph node: not counted; nor a value converted by
``.to(dtype)`` / ``.type(...)`` where the receiver's binding or the making of the leaf shows one
(the flow keeps no graph node for them). Nothing counts in a file
that switches ``requires_grad`` off somewhere: the flow does not see every freeze (a loop over
``model.parameters()`` does not reach ``model.fc.weight``); nor an attribute (``self.w``,
``self.table.values``) that the file binds anywhere but in an ``__init__`` (``self.w =
self.w.detach()`` in another method, ``table.values = ...`` outside the class): the flow reads a
method's ``self`` as ``__init__`` leaves it.
"""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.evidence.reaching import reaching_values
from pt_lsp.core.flow.lattice import Device
from pt_lsp.rules.autograd._leaves import Leaf, LeafEvidence

# Words of the file without which the flow knows no leaf (before its whole-file analysis).
_LEAF_SOURCES = ("requires_grad=True", "requires_grad = True", "requires_grad_(", "Parameter(", "parameters(")
# Receivers that are never a tensor (no flow query for them).
_NOT_TENSORS = (ast.Constant, ast.JoinedStr, ast.List, ast.Dict, ast.Set, ast.Tuple)


def flow_site_leaf(
    ctx: FileContext, leaves: LeafEvidence, node: ast.AST, receiver: ast.expr, functional: bool
) -> tuple[ast.expr, Leaf] | None:
    """The leaf the site ``node`` changes and the expression that holds it: ``receiver`` (its
    subscripts stripped), or where that is a container (``weights["w1"].fill_(0)``,
    ``params[0] += 1``), the item of it that is a tensor."""
    if leaves.freeze.freezes or not _may_make_leaves(ctx):
        return None
    if not (_near_a_leaf_source(ctx, node) or _manual_update(node)):
        return None  # no flow query where no leaf can be (the flow's analysis is the cost)
    written = _written(node, functional)
    chain = [receiver]
    while written is not None and written is not receiver and isinstance(written, ast.Subscript):
        chain.insert(1, written)  # outwards from the receiver
        written = written.value
    for expr in chain:
        if isinstance(expr, ast.Subscript) and not isinstance(expr.ctx, ast.Load):
            break
        found = flow_leaf(ctx, leaves, expr, near=True)
        if found is not None:
            return expr, found
        if ctx.flow.value(expr).is_tensor:
            return None  # an index of a tensor: a view of the same tensor, decided above
    return None


def _manual_update(node: ast.AST) -> bool:
    """``p -= lr * p.grad`` (``p.sub_(lr * p.grad)``): an update helper (``sgd(params, lr)``) names no
    leaf source, its callers do; such sites are few, so the flow is asked for them anywhere."""
    if isinstance(node, ast.AugAssign):
        operands: list[ast.expr] = [node.value]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        operands = [*node.args, *(k.value for k in node.keywords)]
    else:
        return False
    return any(isinstance(n, ast.Attribute) and n.attr == "grad" for o in operands for n in ast.walk(o))


def _written(node: ast.AST, functional: bool) -> ast.expr | None:
    """The expression a site writes into, with its subscripts."""
    if isinstance(node, ast.Call) and functional:
        return node.args[0] if node.args else None  # `F.relu(w, inplace=True)`
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.value
    if isinstance(node, ast.AugAssign):
        return node.target
    if isinstance(node, ast.Subscript):
        return node.value  # an item assignment writes into what is indexed
    return None


def flow_leaf(ctx: FileContext, leaves: LeafEvidence, receiver: ast.expr, near: bool = False) -> Leaf | None:
    """The leaf ``receiver`` holds by the flow analysis, or None (``near``: the gate was passed)."""
    if isinstance(receiver, _NOT_TENSORS) or leaves.freeze.freezes or not _may_make_leaves(ctx):
        return None
    if not (near or _near_a_leaf_source(ctx, receiver)):
        return None
    value = ctx.flow.value(receiver)
    if not (value.is_tensor and value.requires_grad is True and not value.history and value.device is Device.CPU):
        return None
    if _converted(ctx, receiver, value.steps) or _rebound_attribute(ctx, receiver):
        return None
    parameter = any("parameter" in step.message.lower() for step in value.steps)
    # held: a change inside a function counts only where the file calls it (see _runs_here)
    return Leaf("parameter" if parameter else "tensor", steps=value.steps, held=True)


def _converted(ctx: FileContext, receiver: ast.expr, steps: tuple[object, ...]) -> bool:
    """A ``.to(...)`` / ``.type(...)`` (other than to the CPU) that the receiver's name is bound
    to, or that is applied to the call that made the leaf: a new tensor, a graph node."""
    made = [getattr(step, "node", None) for step in steps]
    values = reaching_values(ctx, receiver) if isinstance(receiver, ast.Name) else None
    for node in (*(values or ()), *made):
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if _conversion(node):
                return True
            node = node.func.value  # `torch.ones(3).to(torch.float64).requires_grad_()`
        parent = ctx.parent(node) if isinstance(node, ast.AST) else None
        while isinstance(parent, ast.Attribute):
            call = ctx.parent(parent)
            if not isinstance(call, ast.Call) or call.func is not parent:
                break
            if _conversion(call):
                return True
            parent = ctx.parent(call)
    return False


def _conversion(call: ast.Call) -> bool:
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in ("to", "type"):
        return False
    arguments = [*call.args, *(k.value for k in call.keywords)]
    return not all(isinstance(a, ast.Constant) and a.value == "cpu" for a in arguments)


def _rebound_attribute(ctx: FileContext, expr: ast.expr) -> bool:
    """An attribute on the way to ``expr`` that the file binds outside an ``__init__``."""
    outside = _attributes_bound_outside_init(ctx)
    while isinstance(expr, (ast.Attribute, ast.Subscript)):
        if isinstance(expr, ast.Attribute) and (expr.attr in outside or "*" in outside):
            return True
        expr = expr.value
    return False


@PerFile
def _attributes_bound_outside_init(ctx: FileContext) -> frozenset[str]:
    """Attribute names the file stores other than as ``self.<name> = ...`` in an ``__init__``
    ("*" where it calls ``setattr``)."""
    names: set[str] = set()
    for node in ctx.index.of(ast.Attribute):
        if not isinstance(node.ctx, ast.Store):
            continue
        function = ctx.names.scope_of(node).node
        in_init = isinstance(function, ast.FunctionDef) and function.name == "__init__"
        if not (in_init and isinstance(node.value, ast.Name) and node.value.id == "self"):
            names.add(node.attr)
    if "setattr(" in ctx.doc.text:
        names.add("*")
    return frozenset(names)


@PerFile
def _may_make_leaves(ctx: FileContext) -> bool:
    text = ctx.doc.text
    return any(word in text for word in _LEAF_SOURCES)


def _near_a_leaf_source(ctx: FileContext, node: ast.AST) -> bool:
    """Whether the code around ``node`` can hand it a leaf: a site at module level (the file has a
    leaf word), or one whose function or class names a leaf source (``requires_grad=True``,
    ``nn.Parameter(``, ``.parameters(``). Elsewhere (most of a library's in-place ops) the flow is
    not asked: its per-function analysis is what PTL203 would cost there (torch's source: 15 -> 37
    CPU seconds with PTL203 alone before this gate)."""
    texts = _SCOPE_TEXTS(ctx)
    scope = ctx.parent(node)
    while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        scope = ctx.parent(scope)
    if scope is None:
        return True  # module level: the file's words were checked
    while scope is not None:
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            known = texts.get(id(scope))
            if known is None:
                lines = ctx.doc.lines[scope.lineno - 1 : scope.end_lineno or scope.lineno]
                known = texts[id(scope)] = any(word in line for line in lines for word in _LEAF_SOURCES)
            if known:
                return True
        scope = ctx.parent(scope)
    return False


_SCOPE_TEXTS: PerFile[dict[int, bool]] = PerFile(lambda ctx: {})  # id(def or class) -> has a leaf word
