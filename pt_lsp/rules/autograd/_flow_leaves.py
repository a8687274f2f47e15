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
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from itertools import accumulate

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.evidence.reaching import reaching_values
from pt_lsp.core.flow.lattice import Device
from pt_lsp.core.walk import breadth_first, own_nodes
from pt_lsp.rules.autograd._leaves import LeafEvidence
from pt_lsp.rules.autograd._made_leaves import Leaf

# Words of the file without which the flow knows no leaf (before its whole-file analysis).
_LEAF_SOURCES = ("requires_grad=True", "requires_grad = True", "requires_grad_(", "Parameter(", "parameters(")
# Receivers that are never a tensor (no flow query for them).
_NOT_TENSORS = (ast.Constant, ast.JoinedStr, ast.List, ast.Dict, ast.Set, ast.Tuple)
# Values a name may be bound to that the flow never makes a tensor.
_DISPLAYS = (*_NOT_TENSORS, ast.ListComp, ast.SetComp, ast.DictComp)


def flow_site_leaf(
    ctx: FileContext,
    leaves: LeafEvidence,
    node: ast.AST,
    receiver: ast.expr,
    functional: bool,
    counts: Callable[[ast.AST], bool] | None = None,
) -> tuple[ast.expr, Leaf] | None:
    """The leaf the site ``node`` changes and the expression that holds it: ``receiver`` (its
    subscripts stripped), or where that is a container (``weights["w1"].fill_(0)``,
    ``params[0] += 1``), the item of it that is a tensor. ``counts``: whether a leaf found at
    ``node`` (held, as every leaf of the flow) would count there; where not, the flow is not asked."""
    if not flow_may_find_leaves(ctx, leaves):
        return None
    if not (_near_a_leaf_source(ctx, node) or _manual_update(node)):
        return None  # no flow query where no leaf can be (the flow's analysis is the cost)
    written = _written(node, functional)
    chain = [receiver]
    while written is not None and written is not receiver and isinstance(written, ast.Subscript):
        chain.insert(1, written)  # outwards from the receiver
        written = written.value
    if all(_rebound_attribute(ctx, e) for e in chain) or (
        len(chain) == 1 and (_bound_to_displays(ctx, receiver) or _displays_updated(ctx, receiver))
    ):
        return None  # no expression of the chain holds a leaf: known without the flow's analysis
    if counts is not None and not counts(node):
        return None
    for expr in chain:
        if isinstance(expr, ast.Subscript) and not isinstance(expr.ctx, ast.Load) and expr is not _read_target(node):
            break  # an item assignment's target: no value read (`params["w"] += 1` reads it first)
        found = flow_leaf(ctx, leaves, expr, near=True)
        if found is not None:
            return expr, found
        if ctx.flow.value(expr).is_tensor:
            return None  # an index of a tensor: a view of the same tensor, decided above
    return None


def _read_target(node: ast.AST) -> ast.expr | None:
    """The target an augmented assignment reads before it writes (``params["w"] += 1``)."""
    return node.target if isinstance(node, ast.AugAssign) else None


def flow_may_find_leaves(ctx: FileContext, leaves: LeafEvidence) -> bool:
    """Whether :func:`flow_site_leaf` may find a leaf anywhere in the file (its first test, on the
    file alone: a file that freezes nothing and names a leaf source)."""
    return not leaves.freeze.freezes and _may_make_leaves(ctx)


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


def _bound_to_displays(ctx: FileContext, receiver: ast.expr) -> bool:
    """A name that every value reaching it binds to a literal, a display or a comprehension (a
    counter, a string, a dict filled item by item): no tensor, for the flow either (its value
    there is the join of those values). Not a name some function declares global or nonlocal."""
    if not isinstance(receiver, ast.Name) or receiver.id in _declared_names(ctx):
        return False
    values = reaching_values(ctx, receiver)
    return bool(values) and all(isinstance(value, _DISPLAYS) for value in values or ())


def _displays_updated(ctx: FileContext, receiver: ast.expr) -> bool:
    """A name that its function (or the module) binds only to literals, displays and
    comprehensions, and changes only by augmented assignments (``i = 0 ... i += 1``, ``s = ""
    ... s += f"..."``, ``seen = set() ... seen |= new``): no tensor that requires grad without a
    graph, for the flow either: updating a value that is no tensor gives no tensor, or a graph
    node (``total += w``), never a leaf. Not a name some function declares global or nonlocal."""
    if not isinstance(receiver, ast.Name) or receiver.id in _declared_names(ctx):
        return False
    scope = ctx.parent(receiver)
    while scope is not None and not isinstance(scope, _NAME_SCOPES):
        scope = ctx.parent(scope)
    if scope is None:
        scope = ctx.tree
    elif not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False  # a class body, a lambda or a comprehension
    known = _DISPLAY_NAMES(ctx)
    if id(scope) not in known:
        known[id(scope)] = _names_of_displays(ctx, scope)
    return receiver.id in known[id(scope)]


def _names_of_displays(ctx: FileContext, scope: ast.AST) -> frozenset[str]:
    """The names ``scope`` binds only as :func:`_displays_updated` asks: one walk per scope."""
    kept: set[str] = set()
    other: set[str] = set()
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        arguments = scope.args
        every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
        other.update(a.arg for a in every if a is not None)
    for node in own_nodes(scope):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                continue
            parent = ctx.parent(node)
            if isinstance(parent, ast.AugAssign) or (
                isinstance(parent, (ast.Assign, ast.AnnAssign))
                and node is not parent.value
                and isinstance(parent.value, _DISPLAYS)
            ):
                kept.add(node.id)
            elif not (isinstance(parent, ast.AnnAssign) and parent.value is None):  # `n: int` binds nothing
                other.add(node.id)  # a loop, an unpacking, a `with`, a walrus, `del`, another value
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            other.update(node.names)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any(a.name == "*" for a in node.names):
                return frozenset()  # `from m import *` may bind any name
            other.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler)):
            other.add(node.name or "")
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)):
            other.add(node.name or "")
        elif isinstance(node, ast.MatchMapping):
            other.add(node.rest or "")
    return frozenset(kept - other)


@PerFile
def _declared_names(ctx: FileContext) -> frozenset[str]:
    declarations: list[ast.Global | ast.Nonlocal] = [*ctx.index.of(ast.Global), *ctx.index.of(ast.Nonlocal)]
    return frozenset(name for node in declarations for name in node.names)


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
    scope = ctx.parent(node)
    while scope is not None and not isinstance(scope, _SCOPES):
        scope = ctx.parent(scope)
    if scope is None:
        return True  # module level: the file's words were checked
    if _names_a_leaf_source(ctx, scope):
        return True
    function = scope if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
    root = _root_name(node)
    if function is None or root is None:
        return False
    # A function of no leaf word of its own, changing a name it may be handed a leaf in: a
    # parameter of a function the file calls from near a leaf source (`update(theta, ...)` at
    # module level), or a name bound to what a function of the file naming one returns
    # (`W = init_params(6)`, `w, b = init(3)`).
    fed = _FED(ctx)
    key = (id(function), root)
    if key not in fed:
        if root in _parameter_names(function):
            fed[key] = _called_near_a_leaf(ctx, function)
        else:
            fed[key] = root in _made_by_leaf_makers(ctx, function) or _module_level(ctx, function, root)
    return fed[key]


def _module_level(ctx: FileContext, function: ast.FunctionDef | ast.AsyncFunctionDef, root: str) -> bool:
    """``root`` is a name of the module that a statement naming a leaf source binds or flags
    (``W = torch.randn(3, requires_grad=True)``), which the function neither binds nor takes; or
    the function binds it only as the target of a loop over a display of such names
    (``for t in [W, b]:``)."""
    if root in _parameter_names(function):
        return False
    bindings, loops = _bindings_of(ctx, function)
    if root not in bindings:
        return root in _leafy_globals(ctx)
    for name in bindings[root]:
        loop = loops.get(id(name))
        if loop is None or not isinstance(loop.iter, (ast.List, ast.Tuple)) or not loop.iter.elts:
            return False
        if not all(
            isinstance(e, ast.Name) and e.id != root and _module_level(ctx, function, e.id) for e in loop.iter.elts
        ):
            return False
    return True


def _bindings_of(
    ctx: FileContext, function: ast.FunctionDef | ast.AsyncFunctionDef
) -> tuple[dict[str, list[ast.Name]], dict[int, ast.For | ast.AsyncFor]]:
    """The names ``function`` binds (nested scopes included), with their binding nodes, and its
    loops by the id of their target: one walk per function, not two per name asked."""
    known = _BINDINGS(ctx)
    if id(function) not in known:
        bindings: dict[str, list[ast.Name]] = {}
        loops: dict[int, ast.For | ast.AsyncFor] = {}
        for node in breadth_first(function):  # ast.walk's order, at about half its cost
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                bindings.setdefault(node.id, []).append(node)
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                loops[id(node.target)] = node
        known[id(function)] = bindings, loops
    return known[id(function)]


@PerFile
def _leafy_globals(ctx: FileContext) -> frozenset[str]:
    """Names a module-level statement naming a leaf source binds or flags (``W = torch.randn(3,
    requires_grad=True)``, ``theta.requires_grad_(True)``)."""
    found: set[str] = set()
    for stmt in ctx.tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or not _has_leaf_word(ctx, stmt):
            continue
        for node in breadth_first(stmt):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                found.add(node.id)
            elif isinstance(node, ast.Attribute) and node.attr.startswith("requires_grad"):
                base = node.value
                while isinstance(base, (ast.Attribute, ast.Subscript, ast.Call)):
                    base = base.func if isinstance(base, ast.Call) else base.value
                if isinstance(base, ast.Name):
                    found.add(base.id)
    return frozenset(found)


def _root_name(node: ast.AST) -> str | None:
    """The name a site or receiver changes, where it is a bare name (its items and views
    stripped): ``t`` of ``t.mul_(k)``, ``t -= 1``, ``t[i] = 0``, ``state["w"].mul_(0.99)``; not
    for ``tracer.cache[key] = v`` (an attribute on the way), ``d["key"] = v`` (a dict's entry
    stored) or ``errors += [...]`` (a list grown). ``self`` is not counted: a class
    of no leaf word is not handed one."""
    if isinstance(node, ast.AugAssign):
        if isinstance(node.value, (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.JoinedStr)):
            return None
        node = node.target
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value  # the receiver of `t.mul_(k)`
    elif (
        isinstance(node, ast.Subscript)
        and isinstance(node.ctx, ast.Store)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        return None  # `d["key"] = v` stores a dict's entry
    while isinstance(node, (ast.Subscript, ast.Call)):
        if isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node.func, ast.Attribute):
            node = node.func.value  # a view of it: `t.view(-1)[0] = 1`
        else:
            return None
    return node.id if isinstance(node, ast.Name) and node.id not in ("self", "cls") else None


def _parameter_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    arguments = function.args
    return {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}


def _names_a_leaf_source(ctx: FileContext, scope: ast.AST | None) -> bool:
    """``scope`` or a function or class around it names a leaf source."""
    texts = _SCOPE_TEXTS(ctx)
    while scope is not None:
        if isinstance(scope, _SCOPES):
            known = texts.get(id(scope))
            if known is None:
                known = texts[id(scope)] = _has_leaf_word(ctx, scope)
            if known:
                return True
        scope = ctx.parent(scope)
    return False


def _has_leaf_word(ctx: FileContext, node: ast.stmt) -> bool:
    """A line of ``node`` (``def`` or ``class`` line to its last) holds a leaf word."""
    lines = _leaf_word_lines(ctx)
    at = bisect_left(lines, node.lineno)
    return at < len(lines) and lines[at] <= (node.end_lineno or node.lineno)


_LEAF_WORD = re.compile("|".join(re.escape(word) for word in _LEAF_SOURCES))


@PerFile
def _leaf_word_lines(ctx: FileContext) -> list[int]:
    """The numbers of the file's lines that hold a leaf word, ascending: found once per file (a
    scope asked for each of its lines again, a class and each of its methods)."""
    ends = list(accumulate(map(len, ctx.doc.lines)))  # the offset just past each line
    return sorted({bisect_right(ends, match.start()) + 1 for match in _LEAF_WORD.finditer(ctx.doc.text)})


def _called_near_a_leaf(ctx: FileContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A call of ``function``'s name (``name(...)``, ``obj.name(...)``) at module level or in a
    function or class that names a leaf source (one level: a caller's own callers are not read)."""
    for call in _CALLS_BY_NAME(ctx).get(function.name, ()):
        scope = ctx.parent(call)
        while scope is not None and not isinstance(scope, _SCOPES):
            scope = ctx.parent(scope)
        if scope is None or _names_a_leaf_source(ctx, scope):
            return True
    return False


def _made_by_leaf_makers(ctx: FileContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    """The names ``function`` binds to what a call of a function of the file naming a leaf source
    returns (``W = init_params(6)``, ``w, b = init(3)``)."""
    makers = _LEAF_MAKERS(ctx)
    if not makers:
        return frozenset()
    known = _MADE(ctx)
    if id(function) not in known:
        known[id(function)] = _made_by(function, makers)
    return known[id(function)]


def _made_by(function: ast.FunctionDef | ast.AsyncFunctionDef, makers: frozenset[str]) -> frozenset[str]:
    found: set[str] = set()
    for node in breadth_first(function):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _called_name(node.value) in makers:
            for target in node.targets:
                elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
                found.update(e.id for e in elements if isinstance(e, ast.Name))
    return frozenset(found)


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


@PerFile
def _calls_by_name(ctx: FileContext) -> dict[str, list[ast.Call]]:
    found: dict[str, list[ast.Call]] = {}
    for call in ctx.index.of(ast.Call):
        name = _called_name(call)
        if name is not None:
            found.setdefault(name, []).append(call)
    return found


@PerFile
def _leaf_makers(ctx: FileContext) -> frozenset[str]:
    """The names of the file's functions and methods whose own text names a leaf source."""
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = [
        *ctx.index.of(ast.FunctionDef),
        *ctx.index.of(ast.AsyncFunctionDef),
    ]
    return frozenset(f.name for f in functions if _has_leaf_word(ctx, f))


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_CALLS_BY_NAME = _calls_by_name
_LEAF_MAKERS = _leaf_makers
_SCOPE_TEXTS: PerFile[dict[int, bool]] = PerFile(lambda ctx: {})  # id(def or class) -> has a leaf word
_MADE: PerFile[dict[int, frozenset[str]]] = PerFile(lambda ctx: {})  # id(function) -> names made by makers
# id(function) -> (name -> its binding nodes, id(loop target) -> loop)
_BINDINGS: PerFile[dict[int, tuple[dict[str, list[ast.Name]], dict[int, ast.For | ast.AsyncFor]]]] = PerFile(
    lambda ctx: {}
)
_NAME_SCOPES = (*_SCOPES, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_DISPLAY_NAMES: PerFile[dict[int, frozenset[str]]] = PerFile(lambda ctx: {})  # id(scope) -> _names_of_displays
_FED: PerFile[dict[tuple[int, str], bool]] = PerFile(lambda ctx: {})  # (id(function), name) -> may hold a leaf
