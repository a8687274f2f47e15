"""Loop-invariant branches: an ``if``/``elif`` chain whose tests read nothing the loop assigns takes
the same branch on every iteration of that loop.

So a name that only *other* branches of the chain assign was not assigned by any earlier
iteration either, on the path through this branch: it still holds what it held before the loop.
Without this, ``if self.mode == "a": loss = ...`` / ``elif self.mode == "b": loss = ...`` with no
``else`` hands one iteration's ``loss`` (its graph freed by that iteration's ``backward()``) to a
next iteration that takes neither branch, a path no run can take (audit-4 F1).

The tests read names and ``obj.attr`` paths the loop body never stores to; a call (a method may
change anything) makes a test variant. A name is reset only where no statement of the loop body
outside the chain assigns it.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..walk import attr_path, subtree

# id(if node) -> (names reset on the way into its body, names reset into its else branch, the
# same for names reset only where they were unbound before the loop)
Resets = dict[int, tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]]


@dataclass(frozen=True)
class _Chain:
    links: tuple[ast.If, ...]  # the `if` and each `elif`, outermost first
    branches: tuple[list[ast.stmt], ...]  # each link's body, then the final else ([] falls through)


def loop_resets(loop: ast.For | ast.AsyncFor | ast.While) -> Resets:
    """The names each branch of each chain in ``loop``'s body (nested loops included) resets
    when the chain is invariant in ``loop``."""
    total = _store_counts(node for stmt in loop.body for node in subtree(stmt))
    reading = _self_reading_stores(node for stmt in loop.body for node in subtree(stmt))
    if not isinstance(loop, ast.While):
        # the header binds its target on every iteration, outside any chain (`for x, y in batches:`
        # then `if use_cuda: x = x.cuda()`: `x` on the other branch is this iteration's; audit-11 G3)
        total.update(_store_counts(subtree(loop.target)))
    stored = frozenset(total)
    resets: Resets = {}
    for chain in _chains(loop.body):
        if not all(_invariant(link.test, stored) for link in chain.links):
            continue
        counts = [_store_counts(node for stmt in branch for node in subtree(stmt)) for branch in chain.branches]
        inside: Counter[str] = Counter()
        reading_inside: Counter[str] = Counter()
        for branch in chain.branches:
            reading_inside.update(_self_reading_stores(node for stmt in branch for node in subtree(stmt)))
        for count in counts:
            inside.update(count)
        # assigned in some branch, and by no statement of the loop body outside the chain
        only_here = frozenset(name for name, number in inside.items() if total[name] == number and "." not in name)
        # ... or outside it only by statements that read the name first (`out, y = f(out, y)`):
        # where it was unbound before the loop, those raise NameError rather than bind it (audit-6 G3)
        if_unbound = frozenset(
            name
            for name, number in inside.items()
            if "." not in name and total[name] - number == reading[name] - reading_inside[name]
        )
        per_branch = [only_here - set(count) for count in counts]
        per_branch_unbound = [if_unbound - only_here - set(count) for count in counts]
        for number, link in enumerate(chain.links):
            last = number == len(chain.links) - 1
            resets[id(link)] = (
                per_branch[number],
                per_branch[number + 1] if last else frozenset(),
                per_branch_unbound[number],
                per_branch_unbound[number + 1] if last else frozenset(),
            )
    return {key: value for key, value in resets.items() if any(value)}


def _chains(body: list[ast.stmt]) -> Iterator[_Chain]:
    """The if/elif chains among the statements of a loop body (nested blocks and loops included,
    functions and classes not: they run when called)."""
    elif_links: set[int] = set()
    for node in _own_statements(body):
        if not isinstance(node, ast.If) or id(node) in elif_links:
            continue
        links, branches = [node], [node.body]
        current = node
        while len(current.orelse) == 1 and isinstance(current.orelse[0], ast.If):
            current = current.orelse[0]
            elif_links.add(id(current))
            links.append(current)
            branches.append(current.body)
        branches.append(current.orelse)
        yield _Chain(tuple(links), tuple(branches))


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of ``body`` and of the blocks inside it, outer before inner, not those of
    nested functions or classes."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            block = getattr(stmt, field, None)
            if isinstance(block, list):
                stack.extend(reversed(block))
        for handler in getattr(stmt, "handlers", ()):
            stack.extend(reversed(handler.body))
        for case in getattr(stmt, "cases", ()):
            stack.extend(reversed(case.body))


# String methods that only read their receiver: `self.gan_type.find("WGAN") >= 0` (audit-7 G7).
_READING_METHODS = frozenset("find rfind index rindex count startswith endswith lower upper casefold strip".split())


def _invariant(test: ast.expr, stored: frozenset[str]) -> bool:
    """A test of constants, names and attribute paths (compared, combined, negated, or read by a
    string method with constant arguments) that the loop body never assigns, nor any prefix of them."""
    for node in subtree(test):
        if isinstance(node, ast.Call) and (_reads_string(node) or _reads_type(node)):
            continue
        if isinstance(node, (ast.Call, ast.Subscript, ast.NamedExpr, ast.Await, ast.Lambda)):
            return False
        if isinstance(node, (ast.Name, ast.Attribute)):
            path = attr_path(node)
            if path is None:
                return False
            parts = path.split(".")
            if any(".".join(parts[: i + 1]) in stored for i in range(len(parts))):
                return False
    return True


def _reads_string(call: ast.Call) -> bool:
    """``path.find("GP")``: a reading string method of a name or attribute path, constant arguments."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in _READING_METHODS
        and isinstance(func.value, (ast.Name, ast.Attribute))
        and not call.keywords
        and all(isinstance(arg, ast.Constant) for arg in call.args)
    )


def _reads_type(call: ast.Call) -> bool:
    """``isinstance(model, (MLP, Net))``: a builtin that only reads the class of a name or attribute
    path (the names are checked like the test's others; audit-14 G2)."""
    func = call.func
    if not (isinstance(func, ast.Name) and func.id in ("isinstance", "issubclass")) or call.keywords:
        return False
    if len(call.args) != 2:
        return False
    subject, classes = call.args
    parts = classes.elts if isinstance(classes, ast.Tuple) else [classes]
    return isinstance(subject, (ast.Name, ast.Attribute)) and all(
        isinstance(p, (ast.Name, ast.Attribute)) for p in parts
    )


def _self_reading_stores(nodes: Iterable[ast.AST]) -> Counter[str]:
    """How often each name is bound among ``nodes`` by a statement that reads it first
    (``out = f(out)``, ``n += 1``)."""
    found: Counter[str] = Counter()
    for node in nodes:
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            found[node.target.id] += 1
        elif isinstance(node, ast.Assign):
            read = {n.id for n in subtree(node.value) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            for target in node.targets:
                for name in subtree(target):
                    if isinstance(name, ast.Name) and isinstance(name.ctx, ast.Store) and name.id in read:
                        found[name.id] += 1
    return found


def _store_counts(nodes: Iterable[ast.AST]) -> Counter[str]:
    """How often each name and ``obj.attr`` path is bound among ``nodes``."""
    found: Counter[str] = Counter()
    for node in nodes:
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            path = attr_path(node)
            if path is not None:
                found[path] += 1
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[node.name] += 1
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            found.update(node.names)
    return found
