"""Issue 15: the syntactic gates before PTL203's leaf walks and PTL401's array-store scopes.

Each gate answers "nothing here" only where the full analysis would find nothing; these tests
hold both sides: the gate closed on a file without the construct, and open (with the finding
still made) where the construct is spelt in an unusual way.
"""

from __future__ import annotations

import ast

from rules_helpers import lines, source

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.engine import parse
from pt_lsp.rules.autograd._leaves import LeafEvidence
from pt_lsp.rules.autograd._made_leaves import LeafMaker
from pt_lsp.rules.numpy_interop._array_stores import _may_store, array_stores


def _context(text: str) -> FileContext:
    code = source(text)
    return FileContext("gates.py", Document(code), parse(code))


# A parameter made under another name by a helper of the file: the gate opens on the import
# that spells "Parameter", and the helper's return is followed as before.
ALIASED_PARAMETER = """
import torch
from torch.nn import Parameter as P


def make():
    return P(torch.zeros(3))


w = make()
w.add_(1)
"""

# No call of the file can make a leaf: in-place changes of plain tensors.
NO_LEAF = """
import torch

x = torch.zeros(3)
x.add_(1)
x[0] = 2
y = x.weight
"""


def test_the_leaf_gate_opens_on_an_aliased_parameter_and_the_helper_is_still_followed():
    assert LeafMaker(_context(ALIASED_PARAMETER))._makes_leaves
    assert lines("PTL203", ALIASED_PARAMETER) == [10]


def test_the_leaf_gate_opens_on_requires_grad_keywords_and_methods_only_of_makers():
    assert LeafMaker(_context("import torch\nw = torch.randn(3, requires_grad=True)\n"))._makes_leaves
    assert LeafMaker(_context("w = g().requires_grad_()\n"))._makes_leaves
    # a keyword of some other call is no leaf maker
    assert not LeafMaker(_context("import torch\nw = f(x, requires_grad=True)\n"))._makes_leaves


def test_the_leaf_gate_closes_without_a_maker_and_nothing_is_reported():
    ctx = _context(NO_LEAF)
    leaves = LeafEvidence(ctx)
    assert not leaves.maker._makes_leaves
    assert all(leaves.made_leaf(node) is None for node in ctx.index.of(ast.Call))
    assert lines("PTL203", NO_LEAF) == []


# An array of a written shape, filled row by row inside a function: the store is found.
ROW_STORE = """
import numpy as np


def collect(losses):
    table = np.zeros((len(losses), 2))
    for i, loss in enumerate(losses):
        table[i] = loss
    return table
"""

# Item assignments into dicts and lists, and arrays made without a written shape.
NO_ARRAY = """
import numpy as np

d = {}
d["a"] = 1
rows = np.zeros(shape)
rows[0] = 1
other = np.zeros((3, 2))
"""


def test_the_store_gate_opens_where_a_name_is_both_made_with_a_shape_and_item_assigned():
    ctx = _context(ROW_STORE)
    assert _may_store(ctx)
    assert [node.lineno for node in array_stores(ctx)] == [7]


def test_the_store_gate_closes_where_no_shaped_array_is_item_assigned():
    ctx = _context(NO_ARRAY)
    assert not _may_store(ctx)
    assert array_stores(ctx) == []
