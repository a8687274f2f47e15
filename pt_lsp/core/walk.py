"""A fast walk over a syntax tree, and an index of its nodes by type built in one pass.

``ast.walk`` goes through ``iter_child_nodes``/``iter_fields``, which costs about twice what a
plain loop over ``_fields`` does; over a large code base the walk is the analysis's main cost
after parsing, so every rule shares one index instead of walking the tree again.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from typing import TypeVar, cast

N = TypeVar("N", bound=ast.AST)


def children(node: ast.AST) -> Iterator[ast.AST]:
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    yield item
        elif isinstance(value, ast.AST):
            yield value


class NodeIndex:
    """Nodes by type from one walk; each node's parent on demand (few rules look upwards)."""

    def __init__(self, tree: ast.AST) -> None:
        by_type: dict[type, list[ast.AST]] = defaultdict(list)
        stack = [(tree, 1)]
        deepest = 0
        pop, push, node_type = stack.pop, stack.append, ast.AST
        while stack:  # pre-order, children pushed in reverse: nodes come out in source order
            node, depth = pop()
            by_type[node.__class__].append(node)
            if depth > deepest:
                deepest = depth
            depth += 1
            for name in reversed(node._fields):
                value = getattr(node, name, None)
                if value.__class__ is list:
                    for item in reversed(value):
                        if isinstance(item, node_type):
                            push((item, depth))
                elif isinstance(value, node_type):
                    push((value, depth))
        self._by_type = by_type
        self.depth = deepest  # of the deepest node, the tree's root at 1
        self._tree = tree
        self._parents: dict[int, ast.AST] | None = None

    @property
    def parents(self) -> dict[int, ast.AST]:
        if self._parents is None:
            parents: dict[int, ast.AST] = {}
            stack = [self._tree]
            while stack:
                node = stack.pop()
                for child in children(node):
                    parents[id(child)] = node
                    stack.append(child)
            self._parents = parents
        return self._parents

    def of(self, *kinds: type[N]) -> list[N]:
        """Nodes of the given types, in source order (for one type, as the walk met them)."""
        # Each list holds the nodes of exactly the type it is filed under.
        if len(kinds) == 1:
            return cast("list[N]", self._by_type.get(kinds[0], []))
        found = [node for kind in kinds for node in self._by_type.get(kind, [])]
        return cast("list[N]", sorted(found, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))))


# The deepest tree the rules analyse. Rules and the flow engine recurse through expressions (a few
# frames a level); past this a chain such as ``x.cuda().cuda()...`` could exhaust Python's recursion
# limit (a chain of 75 ``.cuda()`` calls is 150 levels, about 500 frames), so the file is reported
# "too deep to analyse" instead. Real code stays below 100 (the deepest of the ecosystem's 790k
# lines: 91).
MAX_DEPTH = 150

NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes evaluated in ``scope`` itself: nested functions, lambdas and classes are
    yielded but not entered."""
    pending = list(children(scope))
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, NESTED_SCOPES):
            pending.extend(children(node))


def attr_path(node: ast.AST) -> str | None:
    """``self.rnn.hidden`` for a chain of attributes on a name; None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def subtree(node: ast.AST) -> list[ast.AST]:
    """``node`` and every node below it: what ``ast.walk`` yields (in another order), at about
    half its cost, for the rules that look through a whole class or statement."""
    found = []
    stack = [node]
    pop, push, node_type = stack.pop, stack.append, ast.AST
    while stack:
        current = pop()
        found.append(current)
        for name in current._fields:
            value = getattr(current, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        push(item)
            elif isinstance(value, node_type):
                push(value)
    return found


def binds_name(target: ast.AST, name: str) -> bool:
    """Whether the assignment target ``target`` (re)binds ``name`` (``p.data = ...`` does not:
    it only loads ``p``)."""
    if isinstance(target, ast.Name):
        return target.id == name
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(binds_name(e, name) for e in target.elts)
    if isinstance(target, ast.Starred):
        return binds_name(target.value, name)
    return False


def is_self_attr(target: ast.AST, attr: str) -> bool:
    """``self.<attr>``."""
    return (
        isinstance(target, ast.Attribute)
        and target.attr == attr
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    )


def parameter_defaults(arguments: ast.arguments) -> dict[str, ast.expr]:
    """Each parameter that has a default, by name: positional ones (defaults align to the last
    parameters) and keyword-only ones."""
    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args)]
    defaults = dict(zip(names[len(names) - len(arguments.defaults) :], arguments.defaults))
    defaults.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None})
    return defaults
