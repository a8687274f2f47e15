"""Which value reaches a read, syntactically: the nearest earlier assignment in straight-line code,
a parameter's arguments at every call site in the file, a local helper's return values, the
constructor argument behind ``obj.attr``.

Each answer is a list of the expressions the read may stand for, or None where the code is not
that simple (a branch or a loop rebinds the name, the helper escapes as a value, ``*args``):
rules then know nothing, never a guess.
"""

from __future__ import annotations

import ast
import weakref
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.evidence.bindings import bound_values
from pt_lsp.core.walk import NESTED_SCOPES, own_nodes, parameter_defaults

Function = ast.FunctionDef | ast.AsyncFunctionDef
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_BODIES = ("body", "orelse", "finalbody")
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


T = TypeVar("T")


@dataclass
class _Block:
    """A statement list indexed once: each statement's position, and for each name the positions
    of the statements that bind it (ascending), so that "the nearest earlier binding" is a bisect."""

    positions: dict[int, int] = field(default_factory=dict)
    binders: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class _FileMemo:
    """What the questions of this module compute once per file: without it each read, call site or
    attribute asked again walks whole blocks or scopes (quadratic in a long script)."""

    bound: dict[int, frozenset[str]] = field(default_factory=dict)
    blocks: dict[tuple[int, str], _Block] = field(default_factory=dict)
    answers: dict[tuple[Any, ...], Any] = field(default_factory=dict)


_memo: PerFile[_FileMemo] = PerFile(lambda ctx: _FileMemo())


def _cached(ctx: FileContext, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per file and ``key`` (node ids in keys are stable: the context keeps the tree)."""
    answers = _memo(ctx).answers
    if key not in answers:
        answers[key] = compute()
    result: T = answers[key]
    return result


def _names_bound(node: ast.AST) -> frozenset[str]:
    """Every name ``node`` (a statement or a header expression) binds in the current scope: the
    names an assignment, import, def, class, except handler or `global` in it binds, in one walk."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return frozenset({node.name}).union(*(_names_bound(d) for d in node.decorator_list))
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return frozenset(a.asname or a.name.split(".")[0] for a in node.names)
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return frozenset(node.names)
    names: set[str] = set()
    for child in [node, *own_nodes(node)]:
        if isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Load):
            names.add(child.id)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            names.add(child.name)
        elif isinstance(child, (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal)):
            names |= _names_bound(child)
        elif isinstance(child, NESTED_SCOPES) and not isinstance(child, ast.Lambda):
            names.add(child.name)
    return frozenset(names)


def _bound_by(ctx: FileContext, node: ast.AST) -> frozenset[str]:
    bound = _memo(ctx).bound
    names = bound.get(id(node))
    if names is None:
        names = bound[id(node)] = _names_bound(node)
    return names


def _block(ctx: FileContext, owner: ast.AST, field_name: str) -> _Block:
    """The statement list ``owner.<field_name>`` (a body, an ``orelse``...), indexed."""
    blocks = _memo(ctx).blocks
    block = blocks.get((id(owner), field_name))
    if block is None:
        block = blocks[(id(owner), field_name)] = _Block()
        for position, stmt in enumerate(getattr(owner, field_name, None) or ()):
            block.positions[id(stmt)] = position
            for name in _bound_by(ctx, stmt):
                block.binders.setdefault(name, []).append(position)
    return block


def _body_binds(ctx: FileContext, function: ast.AST, name: str) -> bool:
    """A statement of ``function``'s body binds ``name`` (the function rebinds it)."""
    return name in _block(ctx, function, "body").binders


def _statement_of(ctx: FileContext, node: ast.AST) -> ast.stmt | None:
    current: ast.AST | None = node
    while current is not None and not isinstance(current, ast.stmt):
        if isinstance(current, ast.Lambda):
            return None
        if isinstance(current, _COMPREHENSIONS) and any(
            isinstance(n, ast.Name) and n.id == getattr(node, "id", None)
            for g in current.generators
            for n in ast.walk(g.target)
        ):
            return None  # the comprehension's own variable
        current = ctx.parent(current)
    return current


def reaching_values(ctx: FileContext, name: ast.Name, join_branches: bool = False) -> list[ast.AST] | None:
    """The values ``name`` may hold where it is read: the nearest earlier ``name = value`` in the
    same block or an enclosing one, where no loop around the read rebinds it; else every value
    assigned to it in its scope (:func:`bound_values`); None for a parameter or anything else.
    ``join_branches``: where the nearest earlier binding is an ``if``/``else`` each branch of
    which ends by assigning the name, the values of those last assignments."""
    stmt = _statement_of(ctx, name)
    if stmt is None:
        return None
    current: ast.AST = stmt
    while True:
        parent = ctx.parent(current)
        if parent is None:
            return bound_values(ctx, name)
        found = next(
            ((f, indexed) for f in _BODIES if id(current) in (indexed := _block(ctx, parent, f)).positions), None
        )
        if found is None:
            return bound_values(ctx, name)  # an except handler, a match case...
        field_name, indexed = found
        binders = indexed.binders.get(name.id, [])
        nearest = bisect_left(binders, indexed.positions[id(current)]) - 1
        if nearest >= 0:
            earlier = getattr(parent, field_name)[binders[nearest]]
            if (
                isinstance(earlier, ast.Assign)
                and len(earlier.targets) == 1
                and isinstance(earlier.targets[0], ast.Name)
            ):
                return [earlier.value]
            joined = _branch_values(ctx, earlier, name.id) if join_branches else None
            return joined if joined is not None else bound_values(ctx, name)
        block = getattr(parent, field_name)
        if isinstance(parent, (ast.Module, *_FUNCTIONS)):
            return None if isinstance(parent, _FUNCTIONS) and parameter_of(ctx, name) else bound_values(ctx, name)
        if isinstance(parent, ast.ClassDef) or (isinstance(parent, ast.Try) and block is not parent.body):
            return bound_values(ctx, name)
        if isinstance(parent, _LOOPS) and name.id in _bound_by(ctx, parent):
            return bound_values(ctx, name)  # a later iteration may see another value
        headers = [getattr(parent, f) for f in parent._fields if f not in (*_BODIES, "handlers")]
        if any(isinstance(h, ast.AST) and name.id in _bound_by(ctx, h) for h in headers) or any(
            isinstance(h, list) and any(isinstance(i, ast.AST) and name.id in _bound_by(ctx, i) for i in h)
            for h in headers
        ):
            return bound_values(ctx, name)
        current = parent


def _branch_values(ctx: FileContext, stmt: ast.stmt, name: str) -> list[ast.AST] | None:
    """The values ``name`` holds after ``if``/``else`` statement ``stmt`` where each branch's last
    binding of it is a plain assignment (or such an ``if``/``else``); None where a branch keeps
    what reached the statement, or binds it another way."""
    if not isinstance(stmt, ast.If):
        return None
    values: list[ast.AST] = []
    for field_name in ("body", "orelse"):
        binders = _block(ctx, stmt, field_name).binders.get(name)
        if not binders:
            return None
        last = getattr(stmt, field_name)[binders[-1]]
        target = last.targets[0] if isinstance(last, ast.Assign) and len(last.targets) == 1 else None
        if isinstance(target, ast.Name) and target.id == name:
            values.append(last.value)
            continue
        inner = _branch_values(ctx, last, name)  # `elif`
        if inner is None:
            return None
        values.extend(inner)
    return values


def _enclosing_function(ctx: FileContext, node: ast.AST) -> Function | None:
    current = ctx.parent(node)
    while current is not None and not isinstance(current, (*_FUNCTIONS, ast.Lambda, ast.ClassDef, ast.Module)):
        current = ctx.parent(current)
    return current if isinstance(current, _FUNCTIONS) else None


def parameter_of(ctx: FileContext, name: ast.Name) -> tuple[Function, str] | None:
    """``(function, parameter)`` when ``name`` reads a parameter its function never rebinds."""
    function = _enclosing_function(ctx, name)
    if function is None:
        return None
    arguments = function.args
    if name.id not in [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]:
        return None
    if _body_binds(ctx, function, name.id):
        return None
    return function, name.id


@PerFile
def _names_by_id(ctx: FileContext) -> dict[str, list[ast.Name]]:
    found: dict[str, list[ast.Name]] = {}
    for node in ctx.index.of(ast.Name):
        found.setdefault(node.id, []).append(node)
    return found


def name_uses(ctx: FileContext, name: str) -> list[ast.Name]:
    """Every ``Name`` node of ``name`` in the file (loads and stores), indexed once per file."""
    return _names_by_id(ctx).get(name, [])


_MODULE_FUNCTIONS: PerFile[dict[int, tuple[ast.AST, bool]]] = PerFile(lambda ctx: {})


def _called_by(ctx: FileContext, node: ast.AST) -> ast.Call | None:
    """The call whose callee ``node`` is (``f`` in ``f(x)``), from the file's calls indexed once:
    the question needs no parents map (a second walk of the whole tree)."""
    calls: dict[int, ast.Call] = _cached(ctx, ("callees",), lambda: {id(c.func): c for c in ctx.index.of(ast.Call)})
    return calls.get(id(node))


def _class_of(ctx: FileContext, function: ast.AST) -> ast.ClassDef | None:
    """The class whose body defines ``function`` directly (its parent), from the classes' bodies
    indexed once."""
    owners: dict[int, ast.ClassDef] = _cached(
        ctx, ("owners",), lambda: {id(s): c for c in ctx.index.of(ast.ClassDef) for s in c.body}
    )
    return owners.get(id(function))


def _module_function(ctx: FileContext, function: ast.AST) -> bool:
    """A plain function defined once at module level (its name is bound by that ``def`` only).
    Memoised per file: each call of a helper asks, and the answer scans the module's statements."""
    memo = _MODULE_FUNCTIONS(ctx)
    known = memo.get(id(function))
    if known is None or known[0] is not function:
        known = memo[id(function)] = (function, _module_function_uncached(ctx, function))
    return known[1]


def _module_function_uncached(ctx: FileContext, function: ast.AST) -> bool:
    module = _block(ctx, ctx.tree, "body")  # a statement of the module's body: no parents map needed
    return (
        isinstance(function, _FUNCTIONS)
        and id(function) in module.positions
        and not function.decorator_list
        and len(module.binders.get(function.name, ())) == 1
    )


def _calls_of(ctx: FileContext, function: Function) -> list[ast.Call] | None:
    """Every call of the module-level ``function`` in the file; None where its name is used any
    other way (passed as a callback, stored) or nowhere. Once per file: each of N call sites may
    ask about the others."""
    return _cached(ctx, ("calls", id(function)), lambda: _find_calls(ctx, function))


def _find_calls(ctx: FileContext, function: Function) -> list[ast.Call] | None:
    if not _module_function(ctx, function):
        return None
    bindings = ctx.names.module_scope.bindings.get(function.name, [])
    if len(bindings) != 1:
        return None  # also rebound (`global f; f = ...` in a function): calls may reach another
    definition = bindings[0]
    calls = []
    for use in name_uses(ctx, function.name):
        if ctx.names.binding(use.id, use) is not definition:
            continue  # another variable of that name
        call = _called_by(ctx, use)
        if call is None:
            return None
        calls.append(call)
    return calls or None


def argument_for(call: ast.Call, function: Function, parameter: str, bound: bool = False) -> ast.expr | None:
    """The expression ``call`` passes for ``parameter`` (or its default); None when unknown.
    ``bound``: ``function`` is a method called on an instance (its first parameter is that)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    arguments = function.args
    positional = [a.arg for a in (*arguments.posonlyargs, *arguments.args)][1 if bound else 0 :]
    if parameter in positional and positional.index(parameter) < len(call.args):
        return call.args[positional.index(parameter)]
    for keyword in call.keywords:
        if keyword.arg == parameter:
            return keyword.value
    defaults = dict(zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults))
    defaults.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None})
    return defaults.get(parameter)


def call_site_arguments(ctx: FileContext, name: ast.Name) -> list[ast.AST] | None:
    """What every call of ``name``'s function passes for the parameter ``name`` reads."""
    found = parameter_of(ctx, name)
    if found is None:
        return None
    return arguments_at_calls(ctx, *found)


def arguments_at_calls(
    ctx: FileContext, function: Function, parameter: str, rebound: bool = False
) -> list[ast.AST] | None:
    """What every call of the module-level ``function`` in this file passes for ``parameter``;
    None where a call is not that plain. The function must not rebind the parameter, unless
    ``rebound`` (the caller reads it where no rebinding has happened yet). Once per file: each
    of the parameter's reads asks."""
    return _cached(
        ctx,
        ("arguments", id(function), parameter, rebound),
        lambda: _arguments_at_calls(ctx, function, parameter, rebound),
    )


def _arguments_at_calls(ctx: FileContext, function: Function, parameter: str, rebound: bool) -> list[ast.AST] | None:
    if not rebound and _body_binds(ctx, function, parameter):
        return None
    calls = _calls_of(ctx, function)
    if calls is None:
        return None
    values = [argument_for(call, function, parameter) for call in calls]
    return [v for v in values if v is not None] if all(v is not None for v in values) else None


def local_function(ctx: FileContext, call: ast.Call) -> Function | None:
    """The module-level function of this file that ``call`` calls by name."""
    if not isinstance(call.func, ast.Name):
        return None
    for stmt in _module_defs(ctx).get(call.func.id, ()):
        binding = ctx.names.binding(call.func.id, call)
        if binding is not None and binding.qualname is None and _module_function(ctx, stmt):
            return stmt
    return None


def _module_defs(ctx: FileContext) -> dict[str, list[Function]]:
    """The module-level ``def`` statements by name, in order: a call of any other name (most calls)
    is answered without the walk of the module's statements that ``_module_function`` needs."""

    def find() -> dict[str, list[Function]]:
        defs: dict[str, list[Function]] = {}
        for stmt in ctx.tree.body:
            if isinstance(stmt, _FUNCTIONS):
                defs.setdefault(stmt.name, []).append(stmt)
        return defs

    return _cached(ctx, ("module defs",), find)


# function -> returned_values(function), kept while its tree lives (trees are never changed):
# a helper is asked again from each of its calls, and an early `return`/`yield` left its
# own_nodes walk unfinished (so not kept by own_nodes either)
_RETURNED: weakref.WeakKeyDictionary[ast.AST, tuple[list[ast.AST] | None]] = weakref.WeakKeyDictionary()


def returned_values(function: Function) -> list[ast.AST] | None:
    """Every value ``function`` returns; None where it may return None implicitly or yields."""
    known = _RETURNED.get(function)
    if known is None:
        known = _RETURNED[function] = (_returned_values(function),)
    return list(known[0]) if known[0] is not None else None


def _returned_values(function: Function) -> list[ast.AST] | None:
    values: list[ast.AST] = []
    for node in own_nodes(function):
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return None
        if isinstance(node, ast.Return):
            if node.value is None:
                return None
            values.append(node.value)
    if not values or not isinstance(function.body[-1], (ast.Return, ast.Raise)):
        return None  # falling off the end returns None
    return values


def identity_argument(ctx: FileContext, call: ast.Call) -> ast.AST | None:
    """What ``call`` passes to a helper of the file that returns one of its parameters as it
    got it (``def init_(m): ...; return m``): that argument."""
    function = local_function(ctx, call)
    returned = returned_values(function) if function is not None else None
    if function is None or not returned:
        return None
    names = {r.id for r in returned if isinstance(r, ast.Name)}
    if len(names) != 1 or len(returned) != sum(isinstance(r, ast.Name) for r in returned):
        return None
    parameter = names.pop()
    arguments = function.args
    if parameter not in [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]:
        return None
    if _body_binds(ctx, function, parameter):
        return None
    return argument_for(call, function, parameter)


def instantiation_arguments(ctx: FileContext, init: Function, name: str) -> list[ast.expr] | None:
    """What every instantiation of ``init``'s class in this file passes for the parameter ``name``
    of ``__init__`` (its default where left out); None where the class is used any other way
    (a base class, a value passed around, ``*args``). Whether ``__init__`` rebinds the parameter
    is the caller's to check."""
    cls = _class_of(ctx, init)
    if cls is None or cls.decorator_list or init.args.vararg or init.args.kwarg:
        return None
    if init.name != "__init__":
        return None
    defaults = parameter_defaults(init.args)
    found: list[ast.expr] = []
    for use in name_uses(ctx, cls.name):
        if not isinstance(use.ctx, ast.Load):
            continue
        call = _called_by(ctx, use)
        if call is None and _super_argument(ctx, use):
            continue  # `super(Net, self).__init__()`: no instantiation
        if call is None or ctx.names.resolve(use.id, use) is not None:
            return None
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return None
        value = argument_for(call, init, name, bound=True)
        found.append(value if value is not None else defaults.get(name, ast.Constant(None)))
    if _class_of(ctx, cls) is not None:  # a nested class: `self.Normalization(...)`, `Outer.Normalization(...)`
        for call in attribute_calls(ctx).get(cls.name, ()):
            if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
                return None
            value = argument_for(call, init, name, bound=True)
            found.append(value if value is not None else defaults.get(name, ast.Constant(None)))
    return found or None


def attribute_calls(ctx: FileContext) -> dict[str, list[ast.Call]]:
    """Calls of ``<x>.<name>(...)`` by ``name``, indexed once per file."""

    def index() -> dict[str, list[ast.Call]]:
        calls: dict[str, list[ast.Call]] = {}
        for call in ctx.index.of(ast.Call):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
                calls.setdefault(call.func.attr, []).append(call)
        return calls

    return _cached(ctx, ("attribute calls",), index)


def _super_argument(ctx: FileContext, use: ast.Name) -> bool:
    """``use`` is the first argument of ``super(...)`` (the file's such calls indexed once)."""
    firsts: set[int] = _cached(
        ctx,
        ("super arguments",),
        lambda: {
            id(c.args[0])
            for c in ctx.index.of(ast.Call)
            if isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == "super" and c.args
        },
    )
    return id(use) in firsts


def local_class(ctx: FileContext, call: ast.Call) -> ast.ClassDef | None:
    """The class of this file that ``call`` instantiates by name (undecorated, no metaclass)."""
    if not isinstance(call.func, ast.Name):
        return None
    info = ctx.classes.get(call.func.id)
    if info is None or info.node.decorator_list or info.node.keywords:
        return None
    binding = ctx.names.binding(call.func.id, call)
    if binding is None or binding.qualname is not None:
        return None
    return info.node


def instance_class(ctx: FileContext, expr: ast.AST, depth: int = 0) -> ast.ClassDef | None:
    """The local class ``expr`` is an instance of: ``Cls(...)``, a name every reaching value of
    which is one, or a parameter every call site passes one for."""
    if depth > 4:
        return None
    if isinstance(expr, ast.Call):
        return local_class(ctx, expr)
    if isinstance(expr, ast.Name):
        values = reaching_values(ctx, expr) or call_site_arguments(ctx, expr)
        if not values:
            return None
        classes = {id(c): c for c in (instance_class(ctx, v, depth + 1) for v in values)}
        return next(iter(classes.values())) if len(classes) == 1 and None not in classes.values() else None
    return None


def _method(cls: ast.ClassDef, name: str) -> Function | None:
    found = [s for s in cls.body if isinstance(s, _FUNCTIONS) and s.name == name]
    return found[0] if len(found) == 1 and not found[0].decorator_list else None


def dunder_returns(ctx: FileContext, expr: ast.AST) -> list[ast.AST] | None:
    """``obj[key]`` on an instance of a local class (no bases) that defines ``__getitem__``:
    the values that method returns."""
    if not isinstance(expr, ast.Subscript):
        return None
    cls = instance_class(ctx, expr.value)
    if cls is None or cls.bases:
        return None
    method = _method(cls, "__getitem__")
    return returned_values(method) if method is not None else None


def constructor_argument(ctx: FileContext, expr: ast.AST) -> ast.expr | None:
    """``obj.attr`` where ``obj = Cls(...)`` and ``Cls.__init__`` stores a parameter in
    ``self.attr`` that nothing else in the class assigns: the argument the constructor got."""
    if not (isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name)):
        return None
    values = reaching_values(ctx, expr.value)
    if not values or len(values) != 1 or not isinstance(values[0], ast.Call):
        return None
    call = values[0]
    cls = local_class(ctx, call)
    init = _method(cls, "__init__") if cls is not None and not cls.bases else None
    if cls is None or init is None:
        return None
    stored: list[str] = []
    for node in _class_stores(cls, expr.attr):
        if node is None:
            return None
        stored.append(node)
    if len(stored) != 1:
        return None
    argument = next((a for a in init.args.args[1:] if a.arg == stored[0]), None)
    if argument is None or _body_binds(ctx, init, argument.arg) or not _stored_at_top(init, expr.attr):
        return None
    scope = _enclosing_function(ctx, expr) or ctx.tree
    if (expr.value.id, expr.attr) in _attributes_stored(ctx, scope):
        return None  # set again from outside
    return argument_for(call, init, argument.arg, bound=True)


def _attributes_stored(ctx: FileContext, scope: ast.AST) -> frozenset[tuple[str, str]]:
    """``(name, attr)`` for every ``name.attr = ...`` (or ``del``) in ``scope``'s own code."""
    return _cached(
        ctx,
        ("stored attributes", id(scope)),
        lambda: frozenset(
            (n.value.id, n.attr)
            for n in own_nodes(scope)
            if isinstance(n, ast.Attribute) and not isinstance(n.ctx, ast.Load) and isinstance(n.value, ast.Name)
        ),
    )


def _stored_at_top(init: Function, attr: str) -> bool:
    """``self.attr = ...`` is a statement of ``__init__``'s body itself (not under a condition)."""
    return any(isinstance(s, ast.Assign) and any(_is_self_attr(t, attr) for t in s.targets) for s in init.body)


def _class_stores(cls: ast.ClassDef, attr: str) -> Iterator[str | None]:
    """For each assignment to ``self.attr`` in the class: the parameter name stored, or None
    for anything else (another value, an augmented assignment, ``setattr``, a ``__setattr__``)."""
    for node in ast.walk(cls):
        if isinstance(node, _FUNCTIONS) and node.name in ("__setattr__", "__getattr__", "__getattribute__"):
            yield None
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
            yield None
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if _is_self_attr(target, attr):
                    ok = isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Name)
                    yield node.value.id if ok and isinstance(node.value, ast.Name) else None
                elif any(_is_self_attr(t, attr) for t in ast.walk(target)):
                    yield None


def _is_self_attr(node: ast.AST, attr: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attr
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )
