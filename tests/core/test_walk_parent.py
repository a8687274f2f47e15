"""NodeIndex.parent (module-level statements walked on demand) answers as the whole-file map."""

from __future__ import annotations

import ast
import random

from pt_lsp.core.walk import NodeIndex

SOURCE = """
import torch

@decorate(torch.zeros(1))
@other
def f(x, *, y=[1, 2], **kw):
    return [a for a in x if a], lambda z: z + 1

a = 1; b = f(a)

class C(Base, metaclass=M):
    w: int = 3

    def m(self):
        with open("p") as h, g() as (u, v):
            match h:
                case [1, *rest] if rest:
                    pass
        return {k: v for k, v in {}.items()}, f"{self.w!r:>{a}}"

try:
    pass
except ValueError as error:
    raise
"""


def test_parent_answers_as_the_whole_map_in_any_order() -> None:
    tree = ast.parse(SOURCE)
    full = NodeIndex(tree).parents
    nodes = [*ast.walk(tree), ast.Name("x"), ast.Load()]
    for seed in range(5):
        random.Random(seed).shuffle(nodes)
        index = NodeIndex(tree)
        for node in nodes:
            assert index.parent(node) is full.get(id(node)), ast.dump(node)[:60]


def test_a_query_near_one_statement_walks_only_that_statement() -> None:
    tree = ast.parse(SOURCE)
    index = NodeIndex(tree)
    target = next(n for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value == 3)
    parent = index.parent(target)
    assert isinstance(parent, ast.AnnAssign)
    assert index._parents is None  # no whole-file map was needed
    assert index.parent(tree) is None and index._parents is None
    decorator = tree.body[1].decorator_list[0]
    assert index.parent(decorator) is tree.body[1] and index._parents is None
    assert index.parent(ast.Name("elsewhere", lineno=9, col_offset=0)) is None  # not below the statements
