"""own_nodes keeps the nodes of a scope walked to the end, and gives the same nodes again."""

from __future__ import annotations

import ast
import gc
import weakref
from itertools import islice

from pt_lsp.core import walk
from pt_lsp.core.walk import own_nodes

SOURCE = """
def train(model, data):
    total = 0
    for x, y in data:
        loss = model(x).sub(y).pow(2).mean()
        loss.backward()
        total += loss.item()

        def inner(z):
            return z * 2

        scale = lambda v: v + 1
    return [scale(t) for t in range(total)]
"""


def _function() -> ast.FunctionDef:
    node = ast.parse(SOURCE).body[0]
    assert isinstance(node, ast.FunctionDef)
    return node


def test_a_second_walk_gives_the_same_nodes_in_the_same_order():
    function = _function()
    first = list(own_nodes(function))
    assert function in walk._OWN_NODES
    second = list(own_nodes(function))
    assert [id(n) for n in second] == [id(n) for n in first]
    assert any(isinstance(n, ast.FunctionDef) for n in first)  # the nested def is yielded...
    assert not any(isinstance(n, ast.Return) and isinstance(n.value, ast.BinOp) for n in first)  # ...not entered


def test_a_walk_left_early_keeps_nothing():
    function = _function()
    assert len(list(islice(own_nodes(function), 3))) == 3
    assert function not in walk._OWN_NODES
    assert len(list(own_nodes(function))) > 3


def test_the_kept_nodes_go_with_their_tree():
    function = _function()
    nodes = list(own_nodes(function))
    assert function in walk._OWN_NODES
    probes = [weakref.ref(function), weakref.ref(nodes[0])]
    del function, nodes
    gc.collect()
    assert all(probe() is None for probe in probes)  # the memo kept neither the scope nor its nodes alive
