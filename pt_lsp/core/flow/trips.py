"""How many times a `for` loop runs, where the source says: over a literal, or over `range(...)`
of int literals and module constants bound once. The loop statement asks: a loop that runs once
has no earlier iteration (audit-6 G2); one that runs at least once has no path that skips it
(audit-7 G4)."""

from __future__ import annotations

import ast

from ..walk import NodeIndex, attr_path, subtree


class ModuleInts(dict[str, int]):
    """``module_int_constants``: the names, and the ids of the file's own ``for`` loops."""

    loops: frozenset[int] = frozenset()
    index: NodeIndex | None = None  # the file's, for names bound once in a function (bound_once)
    once: dict[str, ast.AST | None] | None = None  # bound_once's answer, made on the first question


NO_CONSTANTS = ModuleInts()


def trips(stmt: ast.For | ast.AsyncFor | ast.While, constants: ModuleInts = NO_CONSTANTS) -> int | None:
    """How many times the body runs, where the source says; None where it does not."""
    if isinstance(stmt, ast.While):
        return None
    it = stmt.iter
    if isinstance(it, (ast.List, ast.Tuple)):
        return None if any(isinstance(e, ast.Starred) for e in it.elts) else len(it.elts)
    if not over_range(stmt):
        return None
    assert isinstance(it, ast.Call)
    bounds: list[int] = []
    for arg in it.args:
        if isinstance(arg, ast.Constant) and type(arg.value) is int:
            bounds.append(arg.value)
        elif isinstance(arg, ast.Name) and arg.id in constants and id(stmt) in constants.loops:
            bounds.append(constants[arg.id])  # (a loop of this file: an imported file has its own names)
        else:
            return None
    if len(bounds) == 3 and bounds[2] == 0:
        return None  # range() raises
    return len(range(*bounds))


def over_range(stmt: ast.For | ast.AsyncFor) -> bool:
    """``for t in range(...)`` (positional arguments): the target takes ints."""
    it = stmt.iter
    return (
        isinstance(it, ast.Call)
        and isinstance(it.func, ast.Name)
        and it.func.id == "range"
        and 1 <= len(it.args) <= 3
        and not it.keywords
        and not any(isinstance(arg, ast.Starred) for arg in it.args)
    )


def range_start(stmt: ast.For | ast.AsyncFor) -> int | None:
    """The first value ``for t in range(...)`` gives where the source says: 0 for ``range(n)``, a
    literal start otherwise (``range(0, steps, r)``); None where it does not."""
    if not over_range(stmt):
        return None
    assert isinstance(stmt.iter, ast.Call)
    args = stmt.iter.args
    if len(args) == 1:
        return 0
    first = args[0]
    return first.value if isinstance(first, ast.Constant) and type(first.value) is int else None


def endless(stmt: ast.For | ast.AsyncFor | ast.While) -> bool:
    """``while True:`` (or ``while 1:``): no path leaves it but a ``break``, a ``return`` or a
    raise; the code after it is reached only from its breaks (audit-10 G2's rollout returns from
    inside one: its result is the returned tuple, not that joined with a fall-through ``None``)."""
    if not isinstance(stmt, ast.While) or not isinstance(stmt.test, ast.Constant):
        return False
    return bool(stmt.test.value) and type(stmt.test.value) in (bool, int)


def runs_once(stmt: ast.For | ast.AsyncFor | ast.While) -> bool:
    """``for _ in range(1)``, ``range(0, 1)`` or over a literal of one item: the body runs once."""
    return trips(stmt) == 1


def runs_at_least_once(stmt: ast.For | ast.AsyncFor | ast.While, constants: ModuleInts) -> bool:
    """``for _ in range(3)``, ``range(N)`` with a module constant ``N = 3`` bound once, or over a
    non-empty literal: the body runs at least once, so no path leaves the loop without it. Also
    ``range(start)`` and ``range(start, end)`` whose bounds are names the loop's own scope binds
    once, to int expressions known to give a non-empty range (``start = 2``, ``end =
    random.randint(1, 1) + start``; audit-10 G1)."""
    count = trips(stmt, constants)
    if count is not None:
        return count >= 1
    if isinstance(stmt, ast.While) or not over_range(stmt) or id(stmt) not in constants.loops:
        return False
    assert isinstance(stmt.iter, ast.Call)
    bounds = [_interval(arg, stmt, constants, 0) for arg in stmt.iter.args]
    if any(bound is None for bound in bounds):
        return False
    known = [bound for bound in bounds if bound is not None]
    if len(known) == 1:
        return known[0][0] >= 1
    start, stop = known[0], known[1]
    step = known[2] if len(known) == 3 else (1, 1)
    if step[0] != step[1] or step[0] == 0:
        return False
    return stop[0] > start[1] if step[0] > 0 else stop[1] < start[0]


def same_count_each_pass(stmt: ast.For | ast.AsyncFor | ast.While, outer: ast.AST) -> bool:
    """``for _ in range(N)`` inside ``outer`` (a loop of the same function around it) whose bounds
    are int literals or names and attribute paths ``outer`` never stores: it runs the same number of
    times in every pass of ``outer``. A pass that skips it follows passes that skipped it too, so
    no path hands a value it binds from an earlier pass past it (audit-14 G3: a WGAN critic loop
    of ``range(CRITIC_ITERATIONS)`` read from a config module)."""
    if isinstance(stmt, ast.While) or not over_range(stmt):
        return False
    assert isinstance(stmt.iter, ast.Call)
    paths = []
    for arg in stmt.iter.args:
        if isinstance(arg, ast.Constant) and type(arg.value) is int:
            continue
        path = attr_path(arg)
        if path is None or path.startswith("self."):
            return False  # (a method called in the loop may change `self.n_critic`)
        paths.append(path)
    if not paths:
        return False
    nodes = subtree(outer)
    stored = {
        attr_path(n) for n in nodes if isinstance(n, (ast.Name, ast.Attribute)) and not isinstance(n.ctx, ast.Load)
    }
    stored |= {name for n in nodes if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names}
    for path in paths:
        parts = path.split(".")
        if any(".".join(parts[: i + 1]) in stored for i in range(len(parts))):
            return False
    return True


Interval = tuple[int, int]  # the least and the greatest value an int expression may have
_DEPTH = 4  # names bound to names: a short chain is enough (and no cycle is followed)


def _interval(expr: ast.expr, loop: ast.stmt, constants: ModuleInts, depth: int) -> Interval | None:
    """The values ``expr`` (read in ``loop``'s scope) may have, where the source says: int
    literals, module constants, names bound once in the same scope to such expressions,
    ``random.randint(a, b)``, and ``+``, ``-``, ``*`` of those."""
    if isinstance(expr, ast.Constant):
        return (expr.value, expr.value) if type(expr.value) is int else None
    if depth > _DEPTH:
        return None
    if isinstance(expr, ast.Name):
        if expr.id in constants:
            return constants[expr.id], constants[expr.id]
        binding = bound_once(expr.id, constants)
        if not isinstance(binding, ast.Assign) or _scope(binding, constants) is not _scope(loop, constants):
            return None
        return _interval(binding.value, loop, constants, depth + 1)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub, ast.Mult)):
        left = _interval(expr.left, loop, constants, depth + 1)
        right = _interval(expr.right, loop, constants, depth + 1)
        if left is None or right is None:
            return None
        if isinstance(expr.op, ast.Add):
            return left[0] + right[0], left[1] + right[1]
        if isinstance(expr.op, ast.Sub):
            return left[0] - right[1], left[1] - right[0]
        products = [a * b for a in left for b in right]
        return min(products), max(products)
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "randint"
        and isinstance(expr.func.value, ast.Name)
        and expr.func.value.id == "random"
        and len(expr.args) == 2
        and not expr.keywords
        and _imports_random(bound_once("random", constants))
    ):
        low = _interval(expr.args[0], loop, constants, depth + 1)
        high = _interval(expr.args[1], loop, constants, depth + 1)
        if low is None or high is None or low[0] > high[1]:
            return None  # (randint raises on an empty range)
        return low[0], high[1]  # random.randint(a, b) includes b
    return None


def _imports_random(binding: ast.AST | None) -> bool:
    """``random`` is the standard library's module: bound only by ``import random``."""
    return isinstance(binding, ast.Import) and any(a.name == "random" and a.asname is None for a in binding.names)


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.Module)


def _scope(node: ast.AST, constants: ModuleInts) -> ast.AST | None:
    """The function, class or module whose names ``node`` (a statement) binds and reads."""
    index = constants.index
    parent = index.parent(node) if index is not None else None
    while parent is not None and not isinstance(parent, _SCOPES):
        parent = index.parent(parent) if index is not None else None
    return parent


def bound_once(name: str, constants: ModuleInts) -> ast.AST | None:
    """The one statement of the file that binds ``name`` (an assignment, an import), where the
    file binds it exactly once, anywhere, in any way; None otherwise. Every name's bindings are
    counted in one pass over the file's index, on the first question (few files ask)."""
    if constants.once is None:
        constants.once = _bindings(constants.index) if constants.index is not None else {}
    return constants.once.get(name)


def _bindings(index: NodeIndex) -> dict[str, ast.AST | None]:
    """name -> the statement binding it, where exactly one does (an ``=`` of a plain name, an
    import); None where it is bound more than once or otherwise (a loop target, a parameter,
    ``global``, ``del``...)."""
    found: dict[str, ast.AST | None] = {}

    def bind(name: str, by: ast.AST | None) -> None:
        found[name] = by if name not in found else None  # a second binding: not once

    plain = {
        id(assign.targets[0]): assign
        for assign in index.of(ast.Assign)
        if len(assign.targets) == 1 and isinstance(assign.targets[0], ast.Name)
    }
    for node in index.of(ast.Name):
        if not isinstance(node.ctx, ast.Load):
            bind(node.id, plain.get(id(node)))
    for imported in index.of(ast.Import):
        for alias in imported.names:
            bind((alias.asname or alias.name).split(".")[0], imported)
    for imported_from in index.of(ast.ImportFrom):
        for alias in imported_from.names:
            bind(alias.asname or alias.name, None)
    others = [name for scoped in index.of(ast.Global) for name in scoped.names]
    others += [name for scoped in index.of(ast.Nonlocal) for name in scoped.names]
    others += [node.name for node in index.of(ast.FunctionDef)]
    others += [node.name for node in index.of(ast.AsyncFunctionDef)]
    others += [node.name for node in index.of(ast.ClassDef)]
    others += [node.arg for node in index.of(ast.arg)]
    others += [node.name for node in index.of(ast.ExceptHandler) if node.name]
    others += [node.name for node in index.of(ast.MatchAs) if node.name]
    others += [node.name for node in index.of(ast.MatchStar) if node.name]
    others += [node.rest for node in index.of(ast.MatchMapping) if node.rest]
    for name in others:
        bind(name, None)
    return found


def module_int_constants(module: ast.Module, index: NodeIndex) -> ModuleInts:
    """Names the module binds exactly once, at its top level, to an int literal, and nowhere else
    (no other assignment, loop target, import, ``global``): ``N_STEPS = 3``. Read from ``module``'s
    node index (its binding nodes by type), not from a walk of its own; only the names such a
    top-level statement binds are counted (most modules have none)."""
    loops = frozenset([*map(id, index.of(ast.For)), *map(id, index.of(ast.AsyncFor))])
    constants = ModuleInts()
    constants.loops = loops
    constants.index = index
    bindings = [found for found in map(_int_binding, module.body) if found is not None]
    wanted = {name for name, _ in bindings}
    if not wanted:
        return constants
    bound: dict[str, int] = {}
    for node in index.of(ast.Name):
        if node.id in wanted and not isinstance(node.ctx, ast.Load):
            bound[node.id] = bound.get(node.id, 0) + 1
    # bound elsewhere too (weight 2: never once): global/nonlocal, imports, definitions, parameters
    others = [name for scoped in index.of(ast.Global) for name in scoped.names]
    others += [name for scoped in index.of(ast.Nonlocal) for name in scoped.names]
    others += [(alias.asname or alias.name).split(".")[0] for node in index.of(ast.Import) for alias in node.names]
    others += [(alias.asname or alias.name).split(".")[0] for node in index.of(ast.ImportFrom) for alias in node.names]
    others += [node.name for node in index.of(ast.FunctionDef)]
    others += [node.name for node in index.of(ast.AsyncFunctionDef)]
    others += [node.name for node in index.of(ast.ClassDef)]
    others += [node.arg for node in index.of(ast.arg)]
    for name in others:
        if name in wanted:
            bound[name] = bound.get(name, 0) + 2
    for name, value in bindings:
        if bound.get(name) == 1:
            constants[name] = value
    return constants


def _int_binding(stmt: ast.stmt) -> tuple[str, int] | None:
    """``N = 3``: the name and the int."""
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and isinstance(stmt.value, ast.Constant)
        and type(stmt.value.value) is int
    ):
        return stmt.targets[0].id, stmt.value.value
    return None
