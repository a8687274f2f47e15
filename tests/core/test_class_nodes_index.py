"""class_nodes with the node index gives the statement walk's list, in its order (a file of one
class or none: from the index)."""

from __future__ import annotations

import ast

from pt_lsp.core.classes import class_nodes
from pt_lsp.core.walk import NodeIndex

NESTED = """
class A:
    class B:
        pass
def f():
    if x:
        class C: pass
    else:
        class D: pass
    for i in y:
        class E: pass
match v:
    case 1:
        class F: pass
"""

TRY = """
try:
    import fast
except ImportError:
    class Impl: pass
else:
    class Impl(fast.Base): pass
"""


def test_the_index_answers_as_the_statement_walk() -> None:
    for source in (NESTED, TRY, "class One: pass", "x = 1"):
        tree = ast.parse(source)
        assert [id(c) for c in class_nodes(tree, NodeIndex(tree))] == [id(c) for c in class_nodes(tree)]


def test_the_walk_takes_later_blocks_first() -> None:
    tree = ast.parse(NESTED)
    assert [c.name for c in class_nodes(tree, NodeIndex(tree))] == ["A", "B", "D", "C", "E", "F"]
