"""How many times a `for` loop runs, where the source says: over a literal, or over `range(...)`
of int literals and module constants bound once. The loop statement asks: a loop that runs once
has no earlier iteration (audit-6 G2); one that runs at least once has no path that skips it
(audit-7 G4)."""

from __future__ import annotations

import ast

from ..walk import NodeIndex


class ModuleInts(dict[str, int]):
    """``module_int_constants``: the names, and the ids of the file's own ``for`` loops."""

    loops: frozenset[int] = frozenset()


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


def runs_once(stmt: ast.For | ast.AsyncFor | ast.While) -> bool:
    """``for _ in range(1)``, ``range(0, 1)`` or over a literal of one item: the body runs once."""
    return trips(stmt) == 1


def runs_at_least_once(stmt: ast.For | ast.AsyncFor | ast.While, constants: ModuleInts) -> bool:
    """``for _ in range(3)``, ``range(N)`` with a module constant ``N = 3`` bound once, or over a
    non-empty literal: the body runs at least once, so no path leaves the loop without it."""
    count = trips(stmt, constants)
    return count is not None and count >= 1


def module_int_constants(module: ast.Module, index: NodeIndex) -> ModuleInts:
    """Names the module binds exactly once, at its top level, to an int literal, and nowhere else
    (no other assignment, loop target, import, ``global``): ``N_STEPS = 3``. Read from ``module``'s
    node index (its binding nodes by type), not from a walk of its own; only the names such a
    top-level statement binds are counted (most modules have none)."""
    loops = frozenset([*map(id, index.of(ast.For)), *map(id, index.of(ast.AsyncFor))])
    constants = ModuleInts()
    constants.loops = loops
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
