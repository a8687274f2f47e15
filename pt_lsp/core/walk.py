"""A fast walk over a syntax tree, and an index of its nodes by type built in one pass.

``ast.walk`` goes through ``iter_child_nodes``/``iter_fields``, which costs about twice what a
plain loop over ``_fields`` does; over a large code base the walk is the analysis's main cost
after parsing, so every rule shares one index instead of walking the tree again.
"""

from __future__ import annotations

import ast
import weakref
from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import TypeVar, cast

N = TypeVar("N", bound=ast.AST)


# Fields that never hold a node (names, flags, constants): not worth a getattr per node. A field
# missing here is still walked, with the isinstance check, so a newer grammar costs speed, not nodes.
_SCALAR_FIELDS = frozenset(
    "id attr arg name asname module level type_comment kind conversion is_async simple tag rest lineno".split()
)
_SCALAR_FIELDS_OF = {"Constant": "value", "MatchSingleton": "value", "Global": "names", "Nonlocal": "names"}
_NODE_FIELDS_OF = {"TypeAlias": "name"}  # Python 3.12: the one ``name`` that is a node
# ``ctx`` (Load/Store/Del) and the operators are one shared instance each, not nodes of the
# file: the index skips them (no rule asks for them) but counts the level they add to the depth.
_SINGLETON_FIELDS = frozenset(("ctx", "op", "ops"))


def _fields_of(cls: type) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    """(fields that may hold nodes, the same without the singleton fields and reversed for a
    stack, 1 if the class has a singleton child else 0)."""
    skip, keep = _SCALAR_FIELDS_OF.get(cls.__name__), _NODE_FIELDS_OF.get(cls.__name__)
    fields = tuple(f for f in getattr(cls, "_fields", ()) if (f not in _SCALAR_FIELDS or f == keep) and f != skip)
    walked = tuple(reversed([f for f in fields if f not in _SINGLETON_FIELDS]))
    plan = _PLANS[cls] = (fields, walked, 1 if len(walked) < len(fields) else 0)
    return plan


_PLANS: dict[type, tuple[tuple[str, ...], tuple[str, ...], int]] = {}


def children(node: ast.AST) -> Iterator[ast.AST]:
    """The child nodes of ``node`` in field order (``ast.iter_child_nodes``, at a lower cost)."""
    fields = (_PLANS.get(node.__class__) or _fields_of(node.__class__))[0]
    for name in fields:
        value = getattr(node, name, None)
        if value.__class__ is list:
            for item in value:
                if isinstance(item, ast.AST):
                    yield item
        elif isinstance(value, ast.AST):
            yield value


class NodeIndex:
    """Nodes by type from one walk; each node's parent on demand (few rules look upwards).

    The ``ctx`` and operator singletons (``ast.Load``, ``ast.Add``...) are not indexed."""

    def __init__(self, tree: ast.AST) -> None:
        by_type: dict[type, list[ast.AST]] = {}
        # per class of this tree: (fields to walk, singleton child, where its nodes are filed)
        local: dict[type, tuple[tuple[str, ...], int, Callable[[ast.AST], None]]] = {}
        stack = [(tree, 1)]
        deepest = 0
        pop, push, node_type, plans = stack.pop, stack.append, ast.AST, _PLANS
        while stack:  # pre-order, children pushed in reverse: nodes come out in source order
            node, depth = pop()
            cls = node.__class__
            try:
                walked, extra, add = local[cls]
            except KeyError:
                _, walked, extra = plans.get(cls) or _fields_of(cls)
                filed: list[ast.AST] = []
                by_type[cls] = filed
                walked, extra, add = local[cls] = (walked, extra, filed.append)
            add(node)
            if depth + extra > deepest:
                deepest = depth + extra
            if walked:
                depth += 1
                for name in walked:
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
        self._near: _Near | None = None  # parents of the statements walked so far, before the whole map

    @property
    def parents(self) -> dict[int, ast.AST]:
        """id(child) -> parent node (the singletons have none: they are shared)."""
        if self._parents is None:
            self._parents = _parent_edges(self._tree, {})
            self._near = None
        return self._parents

    def parent(self, node: ast.AST) -> ast.AST | None:
        """``parents.get(id(node))``, walking only the module-level statements on ``node``'s line
        while that answers: most files ask about a few nodes, and a whole-file map costs about
        as much as the index's walk."""
        if self._parents is not None:
            return self._parents.get(id(node))
        if node is self._tree:
            return None
        near = self._near
        if near is None:
            near = self._near = _Near(self._tree)
        found = near.edges.get(id(node))
        if found is None:
            line = getattr(node, "lineno", None)
            if line.__class__ is int and near.walk_at(line):
                found = near.edges.get(id(node))
            if found is None:  # no position, or not below those statements: the whole map answers
                return self.parents.get(id(node))
        return found

    def of(self, *kinds: type[N]) -> list[N]:
        """Nodes of the given types, in source order (for one type, as the walk met them)."""
        # Each list holds the nodes of exactly the type it is filed under.
        if len(kinds) == 1:
            return cast("list[N]", self._by_type.get(kinds[0], []))
        found = [node for kind in kinds for node in self._by_type.get(kind, [])]
        return cast("list[N]", sorted(found, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))))


def _parent_edges(root: ast.AST, parents: dict[int, ast.AST]) -> dict[int, ast.AST]:
    """``parents`` with id(child) -> parent for every node below ``root``."""
    stack = [root]
    pop, push, node_type, plans = stack.pop, stack.append, ast.AST, _PLANS
    while stack:
        node = pop()
        for name in (plans.get(node.__class__) or _fields_of(node.__class__))[1]:
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        parents[id(item)] = node
                        push(item)
            elif isinstance(value, node_type):
                parents[id(value)] = node
                push(value)
    return parents


class _Near:
    """The parent edges of the module-level statements walked so far (each walked once)."""

    def __init__(self, tree: ast.AST) -> None:
        self.tree = tree
        body = getattr(tree, "body", None)
        self.body: list[ast.stmt] = [s for s in body if isinstance(s, ast.stmt)] if isinstance(body, list) else []
        # each statement's lines, its decorators included; statements come in source order
        self.ends = [s.end_lineno or s.lineno for s in self.body]
        self.starts = [min([s.lineno, *(d.lineno for d in getattr(s, "decorator_list", ()))]) for s in self.body]
        self.walked = [False] * len(self.body)
        self.edges: dict[int, ast.AST] = {}

    def walk_at(self, line: int) -> bool:
        """Walk the statements whose lines hold ``line``; False when none does or all were walked."""
        walked = False
        at = bisect_left(self.ends, line)
        while at < len(self.body) and self.starts[at] <= line:
            if not self.walked[at]:
                self.walked[at] = walked = True
                statement = self.body[at]
                self.edges[id(statement)] = self.tree
                _parent_edges(statement, self.edges)
            at += 1
        return walked


# The deepest tree the rules analyse. Rules and the flow engine recurse through expressions (a few
# frames a level); past this a chain such as ``x.cuda().cuda()...`` could exhaust Python's recursion
# limit (a chain of 75 ``.cuda()`` calls is 150 levels, about 500 frames), so the file is reported
# "too deep to analyse" instead. Real code stays below 100 (the deepest of the ecosystem's 790k
# lines: 91).
MAX_DEPTH = 150

NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


# own_nodes of the scopes walked to the end, kept while their tree lives: rules and evidence ask
# for one function's nodes again and again (about half of the nodes walked on torch's source).
# Trees are never changed after parsing, so the list stays true.
_OWN_NODES: weakref.WeakKeyDictionary[ast.AST, list[ast.AST]] = weakref.WeakKeyDictionary()


def own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes evaluated in ``scope`` itself: nested functions, lambdas and classes are
    yielded but not entered."""
    known = _OWN_NODES.get(scope)
    return iter(known) if known is not None else _walk_own(scope)


def _walk_own(scope: ast.AST) -> Iterator[ast.AST]:
    found: list[ast.AST] = []
    keep = found.append
    pending = list(children(scope))
    pop, push, node_type, plans = pending.pop, pending.append, ast.AST, _PLANS
    while pending:
        node = pop()
        keep(node)
        yield node
        if isinstance(node, NESTED_SCOPES):
            continue
        for name in (plans.get(node.__class__) or _fields_of(node.__class__))[0]:  # children(node), inlined
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        push(item)
            elif isinstance(value, node_type):
                push(value)
    _OWN_NODES[scope] = found  # reached only when the caller took every node


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
    """``node`` and every node below it, for the rules that look through a whole class or
    statement (they do not depend on the order): ``breadth_first``."""
    return breadth_first(node)


def breadth_first(node: ast.AST) -> list[ast.AST]:
    """What ``ast.walk(node)`` yields, in its order (breadth first), at about half its cost: for
    callers whose results depend on that order."""
    found = [node]
    at = 0
    keep, node_type, plans = found.append, ast.AST, _PLANS
    while at < len(found):
        current = found[at]
        at += 1
        for name in (plans.get(current.__class__) or _fields_of(current.__class__))[0]:
            value = getattr(current, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        keep(item)
            elif isinstance(value, node_type):
                keep(value)
    return found


def target_names(target: ast.AST) -> list[str]:
    """The names the assignment target ``target`` (re)binds (``p.data = ...`` binds none: it only
    loads ``p``)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in target_names(element)]
    if isinstance(target, ast.Starred):
        return target_names(target.value)
    return []


def binds_name(target: ast.AST, name: str) -> bool:
    """Whether the assignment target ``target`` (re)binds ``name``."""
    return name in target_names(target)


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
