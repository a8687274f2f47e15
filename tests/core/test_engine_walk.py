"""The shared node index and the walks of core/walk.py against ``ast``'s own walk: the same nodes,
in the same order, the same depth and parents; only the shared ``ctx``/operator singletons are
left out of the index."""

import ast
import pathlib
import sys

import pytest

from pt_lsp.core.walk import NodeIndex, children, own_nodes, subtree

SINGLETONS = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)

EVERY_SHAPE = """
from __future__ import annotations
import torch as T, os.path
from .x import *
from a import (b as c, d)
global_ = [i async for i in f() if i] if False else {k: v for k, v in x.items()}
@deco(1, *a, k=2, **kw)
async def f(a: int = 1, /, b=-2, *c, d: "x" = ~3, e, **g) -> None:  # type: ignore
    global q
    nonlocal_ = lambda x, *y, z=1, **w: (x, y)
    async with a as (b, *c), d:
        async for i, j in k:
            await i
    try:
        raise E from None
    except (A, B) as e:
        del a.b, c[1:2:3]
    else:
        pass
    finally:
        return f"{a!r:>{w}} {b=}"
    x: list[int] = 1
    x += 1; x @= y; x = y = not a and b or c < d <= e is not f in g
    while (n := n - 1) > 0:
        break
    else:
        continue
    assert x, "msg"
    yield x; yield from y
    match p:
        case {"k": 1, **rest}: pass
        case Point(x=0, y=[1, *others]) | None as q if q: pass
        case [a, b, *_]: pass
        case True: pass
        case -1 | 1.5 | 1j | "s" | b"b" | K.C: pass
class K(B, metaclass=M):
    x = {1, 2}; y = (...,); z = a if b else c; s = a[b, c:d, ...]
"""

TRY_STAR = "try:\n    pass\nexcept* ValueError as e:\n    pass\n"


def reference(tree):
    """Pre-order nodes and the deepest level (singletons included), by ``ast.iter_child_nodes``."""
    order, deepest, parents = [], 0, {}
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        order.append(node)
        deepest = max(deepest, depth)
        kids = list(ast.iter_child_nodes(node))
        for kid in kids:
            parents[id(kid)] = node
        stack.extend((kid, depth + 1) for kid in reversed(kids))
    return order, deepest, parents


def sources():
    yield "every shape", EVERY_SHAPE
    if sys.version_info >= (3, 11):
        yield "try star", TRY_STAR
    if sys.version_info >= (3, 12):
        yield "type alias", "type Pair[T: int, *Ts, **P] = tuple[T, T]\n"
    yield "a deep chain", "x" + ".cuda()" * 40 + "\n"
    package = pathlib.Path(__file__).resolve().parents[2] / "pt_lsp"
    for path in sorted(package.rglob("*.py"))[::7]:
        yield str(path.relative_to(package)), path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "source"), list(sources()), ids=lambda v: v if len(v) < 60 else "")
def test_the_index_files_every_node_in_source_order_and_measures_the_depth_with_the_singletons(name, source):
    tree = ast.parse(source)
    order, deepest, parents = reference(tree)
    index = NodeIndex(tree)
    assert index.depth == deepest
    expected = {}
    for node in order:
        if not isinstance(node, SINGLETONS):
            expected.setdefault(type(node), []).append(node)
    assert {kind: [id(n) for n in nodes] for kind, nodes in index._by_type.items()} == {
        kind: [id(n) for n in nodes] for kind, nodes in expected.items()
    }
    for node in order:
        if not isinstance(node, SINGLETONS):
            assert index.parents.get(id(node)) is parents.get(id(node))
            assert list(children(node)) == list(ast.iter_child_nodes(node))
    assert {id(n) for n in subtree(tree)} == {id(n) for n in ast.walk(tree)}
    assert len(subtree(tree)) == len(list(ast.walk(tree)))


def test_the_index_leaves_the_singletons_out_but_the_walks_for_rules_keep_them():
    tree = ast.parse("x = a + b\n")
    index = NodeIndex(tree)
    assert index.of(ast.Store) == [] and index.of(ast.Add) == []
    assert [type(n) for n in index.of(ast.Name)] == [ast.Name] * 3
    assert any(isinstance(n, ast.Store) for n in subtree(tree))
    assert any(isinstance(n, ast.Add) for n in own_nodes(tree))
    assert index.depth == 5  # Module > Assign > BinOp > Name > Load


def reference_own_nodes(scope):
    pending = list(ast.iter_child_nodes(scope))
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            pending.extend(ast.iter_child_nodes(node))


@pytest.mark.parametrize(("name", "source"), list(sources())[:4], ids=lambda v: v if len(v) < 60 else "")
def test_own_nodes_yields_what_the_reference_does_in_the_same_order(name, source):
    tree = ast.parse(source)
    for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda)))]:
        assert [id(n) for n in own_nodes(scope)] == [id(n) for n in reference_own_nodes(scope)]


def test_own_nodes_stays_out_of_nested_scopes():
    tree = ast.parse("def f():\n    a = 1\n    def g():\n        b = 2\n    h = lambda: c\n")
    function = tree.body[0]
    names = {n.id for n in own_nodes(function) if isinstance(n, ast.Name)}
    assert names == {"a", "h"}
