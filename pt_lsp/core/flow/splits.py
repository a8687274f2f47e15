"""One flag, several tests: the statements that hold them run once per value of the flag.

A flag the program never changes while it runs: ``self.shared`` set only in ``__init__`` and
tested in ``play()`` and in the method calling it (audit-10 G2), ``opt.loss_type`` of an options
object whose attribute the file never assigns, compared with ``"gan"``, ``"ac"``... in a chain
of tests that decides which outputs a pass assigns and another that decides whether they are
used (audit-10 G4). The analysis of a branch joins its two sides, so the next test of the same
flag would pair the side one test took with the other side of the next, a path the program
cannot take. Here the function's statements from the first test to the last (a loop around them
whole: its iterations take one value too) run once per value the tests tell apart, every test
decided (``Expressions.known_truth`` asks ``decided``), and the ends are joined.

Which values: the constants the tests compare the flag with, and one other value (two, truthy
and falsy, where a test reads the flag's truth): at most ``MAX_VALUES`` runs. One split at a
time (a split inside one that runs is not split): the work grows by that factor at most. The
scan reads the file's tests, the stores of the flags' attributes and the statements above the
tests; only files that backward are scanned, and only statements that call ``backward()`` split
(the false alarms were PTL201's: about 5 % of the lint time of a training-code sample went to
splits before that)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..walk import NodeIndex, attr_path, subtree
from .state import State, join_states

if TYPE_CHECKING:
    from .evaluator import Expressions
    from .graph import GraphNodes

MAX_VALUES = 6  # runs of one split: `opt.loss_type` in five named values and any other
_DEVICE_WORDS = ("cuda", "gpu", "device")  # a CUDA flag's branches are both read (device rules)
_STATE = frozenset({"training"})  # set by torch (`model.eval()`), never by an assignment of the file
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Module)
_BLOCKS = ("body", "orelse", "finalbody")

Chain = list[tuple[list[ast.stmt], int]]  # outermost first: each block above a node, and where in it


class _Other:
    """A value of the flag that no test names: truthy or falsy where a test reads its truth."""

    def __init__(self, truth: bool | None) -> None:
        self.truth = truth


@dataclass
class Split:
    """``length`` statements of a block, from the one ``split_ranges`` files it under."""

    length: int
    runs: list[dict[int, bool]]  # per value of the flag: id(test) -> its truth
    direct: list[ast.expr]  # the tests in the statements themselves


def split_ranges(tree: ast.Module, index: NodeIndex, text: str) -> dict[int, Split]:
    """id(first statement) -> its ``Split``, for every flag of the file tested in two places of
    one function (or of the module's body)."""
    if ".backward(" not in text or "setattr(" in text or "__dict__" in text:
        return {}
    by_path: dict[str, list[ast.expr]] = {}
    steps: dict[str, Steps] = {}
    for test in [node.test for node in index.of(ast.If)] + [node.test for node in index.of(ast.IfExp)]:
        for path, parts in _flag_paths(test).items():
            by_path.setdefault(path, []).append(test)
            steps[path] = parts
    by_path = {
        path: tests
        for path, tests in by_path.items()
        if len(tests) >= 2 and not any(word in path.lower() for word in _DEVICE_WORDS)
    }
    if not by_path:
        return {}
    constant = _constant_paths({path: steps[path] for path in by_path}, index)
    found: dict[int, Split] = {}
    taken: set[tuple[int, int]] = set()  # (id(block), position): one split per statement
    for path, tests in sorted(by_path.items(), key=lambda item: -len(item[1])):
        if path not in constant:
            continue
        values = _values(path, tests)
        if values is None:
            continue
        by_scope: dict[int, list[tuple[ast.expr, Chain]]] = {}
        scopes: dict[int, ast.AST] = {}
        for test in tests:
            scope, chain = _chain(index, test)
            if scope is not None and chain:
                by_scope.setdefault(id(scope), []).append((test, chain))
                scopes[id(scope)] = scope
        own = _own_calls(path, by_scope, scopes, index)
        root, prefixes = steps[path][0], _inner_prefixes(steps[path])
        for scope_id in [*by_scope, *(key for key in own if key not in by_scope)]:
            sites, calls = by_scope.get(scope_id, []), own.get(scope_id, [])
            if len(sites) + len(calls) < 2 or not _fits(path, scopes[scope_id]):
                continue
            chains = [chain for _, chain in sites] + [chain for chain, _ in calls]
            # the outermost statements that hold the tests (a loop around them whole), else the
            # innermost block, where the flag's object is rebound in the outer ones
            for block, low, high in (_outermost(chains), _common(chains)):
                if not any(_changes(stmt, root, prefixes) for stmt in block[low : high + 1]):
                    break
            else:
                continue
            if any((id(block), position) in taken for position in range(low, high + 1)):
                continue
            if not any(_backwards(stmt) for stmt in block[low : high + 1]):
                continue  # no backward between the tests: nothing PTL201 reads (and the work is kept)
            decided_tests = [test for test, _ in sites] + [test for _, more in calls for test in more]
            runs: list[dict[int, bool]] = []
            for value in values:
                decided = {}
                for test in decided_tests:
                    truth = _decide(test, path, value)
                    if truth is not None:
                        decided[id(test)] = truth
                if decided and decided not in runs:
                    runs.append(decided)
            if len(runs) < 2:
                continue
            taken.update((id(block), position) for position in range(low, high + 1))
            found[id(block[low])] = Split(high - low + 1, runs, [test for test, _ in sites])
    return found


def _backwards(stmt: ast.stmt) -> bool:
    """``stmt`` calls ``backward()`` (``loss.backward()``, ``torch.autograd.backward``)."""
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "backward"
        for node in subtree(stmt)
    )


def _changes(stmt: ast.stmt, root: str, prefixes: frozenset[str] = frozenset()) -> bool:
    """``stmt`` rebinds ``root`` (the flag's object) or, for an object other than ``self``,
    calls one of its methods (``env.step()`` may change ``env.done``; ``self.m()`` is
    everywhere, and what the class's methods assign is read from the file), or a method of an
    object on the way to the flag (``self.env.step()`` for ``self.env.done``)."""
    for node in subtree(stmt):
        if isinstance(node, ast.Name) and node.id == root and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, (ast.Global, ast.Nonlocal)) and root in node.names:
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = attr_path(node.func.value)
            if owner is not None and (owner == root != "self" or owner in prefixes):
                return True
    return False


def flag_path(node: ast.AST) -> str | None:
    """A name read through attributes and constant subscripts, at least one: ``self.F``,
    ``opt.train.F``, ``self.config["use_icm"]``, ``config["k"]`` (audit-15 G2), as the source
    would write it; None for anything else."""
    steps = flag_steps(node)
    return None if steps is None else _written(steps)


def _written(steps: Steps) -> str:
    root, accessors = steps
    return root + "".join(f".{name}" if kind == "attr" else f"[{name!r}]" for kind, name in accessors)


Steps = tuple[str, tuple[tuple[str, "str | int"], ...]]  # the name, then ("attr", name) / ("key", value)


def flag_steps(node: ast.AST) -> Steps | None:
    """``flag_path``'s parts: the name, and each attribute or constant key after it, in order."""
    accessors: list[tuple[str, str | int]] = []
    while True:
        if isinstance(node, ast.Attribute):
            accessors.append(("attr", node.attr))
            node = node.value
        elif isinstance(node, ast.Subscript) and _key(node) is not None:
            key = _key(node)
            assert key is not None
            accessors.append(("key", key))
            node = node.value
        else:
            break
    if not isinstance(node, ast.Name) or not accessors:
        return None
    return node.id, tuple(reversed(accessors))


def _key(node: ast.Subscript) -> str | int | None:
    key = node.slice
    if isinstance(key, ast.Constant) and isinstance(key.value, (str, int)) and not isinstance(key.value, bool):
        return key.value
    return None


def _inner_prefixes(steps: Steps) -> frozenset[str]:
    """The attribute paths between the name and the flag (``self.env`` for ``self.env.done``)."""
    found, current = set(), steps[0]
    for kind, name in steps[1][:-1]:
        if kind != "attr":
            break
        current += f".{name}"
        found.add(current)
    return frozenset(found)


def _flag_paths(test: ast.expr) -> dict[str, Steps]:
    """The flag paths ``test`` compares with constants or reads the truth of, with their steps."""
    found: dict[str, Steps] = {}
    stack = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BoolOp):
            stack.extend(node.values)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            stack.append(node.operand)
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            steps = flag_steps(node)
            if steps is not None:
                found[_written(steps)] = steps
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            steps = flag_steps(node.left)
            if steps is not None and _constants(node.comparators[0]) is not None:
                found[_written(steps)] = steps
    return found


def _constants(node: ast.expr) -> list[object] | None:
    """A constant, or a tuple, list or set display of constants: their values."""
    if isinstance(node, ast.Constant):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and all(isinstance(e, ast.Constant) for e in node.elts):
        return [e.value for e in node.elts if isinstance(e, ast.Constant)]
    return None


def _values(path: str, tests: list[ast.expr]) -> list[object] | None:
    """The values of ``path`` that the tests tell apart; None where there are too many."""
    named: list[object] = []
    truth_read = False
    for test in tests:
        stack = [test]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.BoolOp):
                stack.extend(node.values)
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                stack.append(node.operand)
            elif isinstance(node, (ast.Attribute, ast.Subscript)) and flag_path(node) == path:
                truth_read = True
            elif isinstance(node, ast.Compare) and len(node.ops) == 1 and flag_path(node.left) == path:
                for value in _constants(node.comparators[0]) or ():
                    if not any(type(value) is type(seen) and value == seen for seen in named):
                        named.append(value)
    others = [_Other(True), _Other(False)] if truth_read else [_Other(None)]
    values = [*named, *others]
    return values if len(values) <= MAX_VALUES else None


def _decide(test: ast.expr, path: str, value: object) -> bool | None:
    """The truth of ``test`` where ``path`` holds ``value``; None where it depends on more."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        truth = _decide(test.operand, path, value)
        return None if truth is None else not truth
    if isinstance(test, ast.BoolOp):
        results = [_decide(operand, path, value) for operand in test.values]
        stop = isinstance(test.op, ast.Or)  # the operand value that decides the whole
        if stop in results:
            return stop
        return None if None in results else not stop
    if isinstance(test, (ast.Attribute, ast.Subscript)) and flag_path(test) == path:
        return value.truth if isinstance(value, _Other) else bool(value)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and flag_path(test.left) == path:
        constants = _constants(test.comparators[0])
        op = test.ops[0]
        if constants is None:
            return None
        if isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)) and isinstance(test.comparators[0], ast.Constant):
            same = not isinstance(value, _Other) and type(value) is type(constants[0]) and value == constants[0]
            return same if isinstance(op, (ast.Eq, ast.Is)) else not same
        if isinstance(op, (ast.In, ast.NotIn)) and not isinstance(test.comparators[0], ast.Constant):
            inside = not isinstance(value, _Other) and any(type(value) is type(c) and value == c for c in constants)
            return inside if isinstance(op, ast.In) else not inside
    return None


def _constant_paths(steps: dict[str, Steps], index: NodeIndex) -> set[str]:
    """The paths that stay as they are while the program runs: ``self.F`` where the file assigns
    ``F``, and only as ``self.F`` in ``__init__``; ``opt.F`` (``opt`` not ``self``) where the file
    never assigns an attribute ``F`` (``opt`` handed to a function is taken to keep its options;
    torch's ``training`` is not read). Past the first step (``self.config["k"]``, ``opt.train.F``):
    no attribute of that name, no item of that key, is stored outside ``__init__`` and the
    module's own statements outside loops (they run before or after a function's loop), and no
    container of that name is changed by a method there (``config.update(...)``)."""
    attrs: dict[str, set[str]] = {}  # attribute name -> the paths with a step of it
    keys: dict[str | int, set[str]] = {}  # constant key -> the paths with a step of it
    containers: dict[str, set[str]] = {}  # name of an object whose item is read -> those paths
    bad: set[str] = set()
    for path, (root, accessors) in steps.items():
        if any(kind == "attr" and name in _STATE for kind, name in accessors):
            bad.add(path)
            continue
        before = root
        for kind, name in accessors:
            if kind == "attr":
                attrs.setdefault(str(name), set()).add(path)
            else:
                keys.setdefault(name, set()).add(path)
                containers.setdefault(before, set()).add(path)
            before = str(name)
    good: set[str] = set()  # `self.F` assigned in `__init__`
    for node in index.of(ast.Attribute):
        if node.attr in attrs and not isinstance(node.ctx, ast.Load):
            on_self = isinstance(node.value, ast.Name) and node.value.id == "self"
            in_init = _in_init(index, node)
            for path in attrs[node.attr]:
                if steps[path][1][0] != ("attr", node.attr):
                    if not (in_init or _set_up(index, node)):
                        bad.add(path)  # a later step: `opt.train.F = ...`
                elif in_init and on_self and path.startswith("self."):
                    good.add(path)
                else:
                    bad.add(path)
    for item in index.of(ast.Subscript) if keys else ():
        key = _key(item)
        if key in keys and not isinstance(item.ctx, ast.Load) and not (_in_init(index, item) or _set_up(index, item)):
            bad.update(keys[key])  # `config["k"] = ...`, `del config["k"]`
    for call in index.of(ast.Call) if containers else ():
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in _MUTATORS:
            owner = func.value
            held = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else None
            if held in containers and not (_in_init(index, call) or _set_up(index, call)):
                bad.update(containers[held])
    constant = set(steps) - bad
    return {path for path in constant if not path.startswith("self.") or path in good}


_MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__"})


def _set_up(index: NodeIndex, node: ast.AST) -> bool:
    """``node`` is in the module's own statements, in no loop (``CONFIG["aux"] = args.aux``)."""
    parent = index.parent(node)
    while parent is not None:
        if isinstance(parent, (*_SCOPES[:-1], ast.For, ast.AsyncFor, ast.While)):
            return False
        parent = index.parent(parent)
    return True


def _in_init(index: NodeIndex, node: ast.AST) -> bool:
    scope = _scope(index, node)
    return isinstance(scope, ast.FunctionDef) and scope.name == "__init__"


def _scope(index: NodeIndex, node: ast.AST) -> ast.AST | None:
    parent = index.parent(node)
    while parent is not None and not isinstance(parent, _SCOPES):
        parent = index.parent(parent)
    return parent


def _chain(index: NodeIndex, node: ast.AST) -> tuple[ast.AST | None, Chain]:
    """The scope of ``node`` and, outermost first, each statement block above it with the
    position of the statement that holds ``node``."""
    chain: Chain = []
    parent = index.parent(node)
    while parent is not None:
        if isinstance(node, ast.stmt):
            for name in _BLOCKS:
                block = getattr(parent, name, None)
                if isinstance(block, list):
                    position = next((i for i, item in enumerate(block) if item is node), None)
                    if position is not None:
                        chain.append((block, position))
                        break
        if isinstance(parent, _SCOPES):
            chain.reverse()
            return parent, chain
        node, parent = parent, index.parent(parent)
    return None, []


def _fits(path: str, scope: ast.AST) -> bool:
    """``self.F`` is read in a method whose first parameter is ``self`` (not in ``__init__``)."""
    if not path.startswith("self."):
        return True
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) or scope.name == "__init__":
        return False
    params = [*scope.args.posonlyargs, *scope.args.args]
    return bool(params) and params[0].arg == "self"


def _own_calls(
    path: str, by_scope: dict[int, list[tuple[ast.expr, Chain]]], scopes: dict[int, ast.AST], index: NodeIndex
) -> dict[int, list[tuple[Chain, list[ast.expr]]]]:
    """The calls of functions of the file that test the flag too (one level of calls), each with
    its chain and the tests of the callee, by the scope that makes them (``scopes`` gets the
    callers that test nothing themselves: `self.collect()` then `self.update()`, each testing it).
    For a flag of ``self``: ``self.m(...)`` in a method, ``m`` a method of the same class. For
    another: ``f(...)``, ``f`` a function of the module, that reads the flag's name where the
    caller does: a global neither binds, or its parameter given the caller's name
    (``rollout(env, args)`` in ``main(args)``)."""
    on_self = path.startswith("self.")
    root = re.split(r"[.\[]", path, maxsplit=1)[0]
    testers: dict[tuple[int, str], tuple[ast.AST, list[ast.expr]]] = {}  # (id(owner), name) -> callee, its tests
    stored: dict[int, set[str]] = {}
    for scope_id, sites in by_scope.items():
        scope, owner = scopes[scope_id], index.parent(scopes[scope_id])
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and isinstance(
            owner, ast.ClassDef if on_self else ast.Module
        ):
            if on_self or root not in _stored_names(scope, stored):
                testers[(id(owner), scope.name)] = (scope, [test for test, _ in sites])
    if not testers:
        return {}
    names = {name for _, name in testers}
    found: dict[int, list[tuple[Chain, list[ast.expr]]]] = {}
    for node in index.of(ast.Call):
        func = node.func
        if on_self:
            if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"):
                continue
            name = func.attr
        elif isinstance(func, ast.Name):
            name = func.id
        else:
            continue
        if name not in names:
            continue
        where, chain = _chain(index, node)
        if where is None or not chain:
            continue
        owner = index.parent(where) if on_self else _module(index, where)
        callee = testers.get((id(owner), name))
        if callee is None or callee[0] is where or not (on_self or _same_flag(root, where, callee[0], node, stored)):
            continue
        found.setdefault(id(where), []).append((chain, callee[1]))
        scopes.setdefault(id(where), where)
    return found


def _module(index: NodeIndex, node: ast.AST) -> ast.AST | None:
    while not isinstance(node, ast.Module):
        parent = index.parent(node)
        if parent is None:
            return None
        node = parent
    return node


def _same_flag(root: str, caller: ast.AST, callee: ast.AST, call: ast.Call, stored: dict[int, set[str]]) -> bool:
    """``callee`` reads ``root`` as the object the caller names so at ``call``."""
    assert isinstance(callee, (ast.FunctionDef, ast.AsyncFunctionDef))
    params = _parameters(callee)
    if root not in params:  # a global of the callee: and of the caller
        return isinstance(caller, ast.Module) or root not in _stored_names(caller, stored) | _parameters(caller)
    positional = [a.arg for a in (*callee.args.posonlyargs, *callee.args.args)]
    given = [kw.value for kw in call.keywords if kw.arg == root]
    if root in positional and positional.index(root) < len(call.args):
        given.append(call.args[positional.index(root)])
    return len(given) == 1 and isinstance(given[0], ast.Name) and given[0].id == root


def _parameters(function: ast.AST) -> set[str]:
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return set()
    arguments = function.args
    found = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
    return {a.arg for a in found if a is not None}


def _stored_names(scope: ast.AST, cache: dict[int, set[str]]) -> set[str]:
    """The names ``scope`` binds (or declares global) anywhere in it."""
    found = cache.get(id(scope))
    if found is None:
        found = cache[id(scope)] = set()
        for node in subtree(scope):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                found.add(node.id)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                found.update(node.names)
    return found


def _outermost(chains: list[Chain]) -> tuple[list[ast.stmt], int, int]:
    """The function's (or module's) own statements from the first that holds a site to the last."""
    positions = [chain[0][1] for chain in chains]
    return chains[0][0][0], min(positions), max(positions)


def _common(chains: list[Chain]) -> tuple[list[ast.stmt], int, int]:
    """The deepest block holding every site, and the first and last positions there."""
    depth = 0
    while True:
        first = chains[0][depth]
        level = [chain[depth] if depth < len(chain) else None for chain in chains]
        if any(item is None or item[0] is not first[0] for item in level):
            block, position = chains[0][depth - 1]  # the sites part in the statement above
            return block, position, position
        positions = [item[1] for item in level if item is not None]
        if min(positions) != max(positions) or any(depth + 1 >= len(chain) for chain in chains):
            return first[0], min(positions), max(positions)
        depth += 1


class _Runs(Protocol):
    """What ``run_split`` needs of the statements' interpreter (statements.py)."""

    expressions: Expressions
    graph: GraphNodes

    def exec_block(self, body: list[ast.stmt], state: State | None) -> State | None: ...


def run_split(split: Split, block: list[ast.stmt], state: State, runs: _Runs) -> State | None:
    """``block`` (the statements of ``split``) run once per value of the flag, the ends joined;
    as one run where the state already decides a test (a flag known from the arguments)."""
    expressions = runs.expressions
    known = {id(test): truth for test in split.direct if (truth := expressions.known_truth(test, state)) is not None}
    if known:
        expressions.decided = known  # (what the state says: and no split of these statements again)
        try:
            return runs.exec_block(block, state)
        finally:
            expressions.decided = {}
    ends: list[State | None] = []
    last = len(split.runs) - 1
    for number, decided in enumerate(split.runs):
        expressions.decided = decided
        try:
            ends.append(runs.exec_block(block, state.copy() if number < last else state))
        finally:
            expressions.decided = {}
        runs.graph.uid += 1  # a call followed in each run is not replayed from another run's summary
    return join_states(ends)
