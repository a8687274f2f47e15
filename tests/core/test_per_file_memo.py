"""PerFile (core/context.py): a value built once per FileContext and freed with it."""

from __future__ import annotations

import ast
import gc
import weakref

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.document import Document

SOURCE = "import torch\nx = torch.zeros(3)\n"


def _context() -> FileContext:
    return FileContext("train.py", Document(SOURCE), ast.parse(SOURCE))


def test_a_value_is_built_once_per_context_and_not_shared():
    built: list[FileContext] = []

    @PerFile
    def names(ctx: FileContext) -> list[str]:
        built.append(ctx)
        return [n.id for n in ctx.index.of(ast.Name)]

    first, second = _context(), _context()
    assert names(first) is names(first)
    assert names(second) is not names(first)
    assert built == [first, second]


def test_a_lazily_filled_table_is_per_context():
    table: PerFile[dict[str, int]] = PerFile(lambda ctx: {})
    first, second = _context(), _context()
    table(first)["x"] = 1
    assert table(first) == {"x": 1}
    assert table(second) == {}


def test_the_value_dies_with_its_context_even_when_it_refers_back_to_it():
    holds: PerFile[list[FileContext]] = PerFile(lambda ctx: [ctx])
    ctx = _context()
    alive = weakref.ref(ctx)
    assert holds(ctx)[0] is ctx  # a WeakKeyDictionary value like this one would keep its key forever
    del ctx
    gc.collect()
    assert alive() is None
