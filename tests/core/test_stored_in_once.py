"""Issue 15: ``stored_in`` (what a class assigns to ``self.<attr>``) walks a class once per file
for all its attributes, with the same answers as the walk per attribute it replaced.

The real case is torch's own ``testing/_internal/distributed/distributed_test.py``: one test class
of thousands of lines, whose ``self.<attr>(...)`` calls each asked for a walk of the whole class
(103 walks there, about 1% of a run over torch's source)."""

from __future__ import annotations

import ast

import pytest

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.rules.autograd import _attribute_values
from pt_lsp.rules.autograd._attribute_values import stored_in

_CLASS = """
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, wide):
        super().__init__()
        self.rnn = nn.LSTM(4, 8)
        self.head = nn.Linear(8, 1)
        if wide:
            self.head = nn.Linear(8, 2)  # a second store: both values, in ast.walk's order
        self.gru, self.steps = nn.GRU(4, 8), 0  # an unpacking: no value for either
        self.table[0] = nn.Linear(2, 2)  # an item store: not `self.table` itself
        other.rnn = nn.Linear(1, 1)  # not on `self`

    def reset(self):
        self.steps = 0

        class Inner:
            def __init__(self):
                self.head = None  # a nested class's self: ast.walk sees it too
"""


def _context() -> tuple[FileContext, ast.ClassDef]:
    tree = ast.parse(_CLASS)
    cls = next(node for node in tree.body if isinstance(node, ast.ClassDef))
    return FileContext("model.py", Document(_CLASS), tree), cls


@pytest.mark.parametrize("attr", ["rnn", "head", "gru", "steps", "table", "missing"])
def test_the_answers_are_those_of_the_walk_per_attribute(attr: str) -> None:
    ctx, cls = _context()
    walked = stored_in(cls, attr)
    remembered = stored_in(cls, attr, ctx)
    assert [id(node) for node in remembered] == [id(node) for node in walked]


def test_the_values_found() -> None:
    ctx, cls = _context()
    assert [ast.unparse(v) for v in stored_in(cls, "head", ctx)] == ["nn.Linear(8, 1)", "nn.Linear(8, 2)", "None"]
    assert [ast.unparse(v) for v in stored_in(cls, "rnn", ctx)] == ["nn.LSTM(4, 8)"]
    assert stored_in(cls, "gru", ctx) == [] and stored_in(cls, "steps", ctx) == []  # bound by unpacking


def test_the_class_is_walked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    walks: list[str] = []
    walk = _attribute_values._stores_of

    def counted(cls: ast.ClassDef) -> tuple[dict[str, list[ast.AST]], frozenset[str]]:
        walks.append(cls.name)
        return walk(cls)

    monkeypatch.setattr(_attribute_values, "_stores_of", counted)
    ctx, cls = _context()
    for attr in ("rnn", "head", "gru", "rnn", "missing"):
        stored_in(cls, attr, ctx)
    assert walks == ["Model"]
    stored_in(cls, "head", ctx).clear()  # a caller changing its list changes no later answer
    assert len(stored_in(cls, "head", ctx)) == 3
