"""`reaching_values(..., join_branches=True)`: past an `if`/`else` each branch of which ends by
assigning the name, the values of those last assignments; anything else answers as before."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.evidence.reaching import reaching_values

SOURCE = """
x = 0
if a:
    x = 1
    x = 2
elif b:
    x = 3
else:
    x = 4
use(x)
y = 0
if a:
    y = 1
use(y)
z = 0
if a:
    z = 1
else:
    z, w = 2, 3
use(z)
if a:
    v = 1
else:
    (v := 2)
use(v)
"""


def _reads(source: str) -> tuple[FileContext, dict[str, ast.Name]]:
    """The file's context and the name read by each ``use(name)``."""
    tree = ast.parse(source)
    reads: dict[str, ast.Name] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "use":
            assert isinstance(node.args[0], ast.Name)
            reads[node.args[0].id] = node.args[0]
    return FileContext("<test>", Document(source), tree), reads


def _constants(values: list[ast.AST] | None) -> list[object] | None:
    return None if values is None else [v.value if isinstance(v, ast.Constant) else ast.dump(v) for v in values]


def test_each_branch_s_last_assignment_reaches_the_read():
    ctx, reads = _reads(SOURCE)
    assert _constants(reaching_values(ctx, reads["x"], join_branches=True)) == [2, 3, 4]
    # without the option: every value assigned in the scope, as before
    assert sorted(_constants(reaching_values(ctx, reads["x"])) or []) == [0, 1, 2, 3, 4]


def test_a_branch_that_keeps_the_earlier_value_or_binds_another_way_answers_as_before():
    ctx, reads = _reads(SOURCE)
    for name in ("y", "z", "v"):
        assert reaching_values(ctx, reads[name], join_branches=True) == reaching_values(ctx, reads[name]), name
    assert sorted(_constants(reaching_values(ctx, reads["y"], join_branches=True)) or []) == [0, 1]
    assert reaching_values(ctx, reads["z"], join_branches=True) is None  # unpacked in a branch
