"""PTL203's gates asked faster give the answers the slower forms gave: a function's name counted
as a whole word (``str.find`` instead of a regular expression over the whole file), the lines of
a scope holding a leaf word (found once per file, asked by bisect), a function's bindings walked
once for every name asked."""

from __future__ import annotations

import ast
import re
import textwrap

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.engine import lint_source
from pt_lsp.core.evidence.grad_mode import GradMode
from pt_lsp.core.selection import Selection
from pt_lsp.rules.autograd import _flow_leaves
from pt_lsp.rules.autograd._inplace_sites import _whole_words


def _regex_count(text: str, word: str) -> int:
    return len(re.findall(rf"\b{re.escape(word)}\b", text))


def test_whole_words_count_as_the_word_boundary_pattern_does():
    texts = [
        "step",
        "step step",
        "def step(x):\n    return step_size * x\n\nstep(1)",
        "_step step_ stepping mystep step1 step",
        "aaa aa aa",
        "été step été",
        "xstep\nstep\n",
        "step.step[step]",
        "",
    ]
    for text in texts:
        for word in ("step", "aa", "été", "_step", "step1"):
            expected = _regex_count(text, word)
            assert _whole_words(text, word, 100) == expected, (text, word)
            assert _whole_words(text, word, 2) == min(expected, 2), (text, word)


def _context(source: str) -> FileContext:
    text = textwrap.dedent(source)
    return FileContext("<test>", Document(text), ast.parse(text))


LEAF_WORDS = """\
import torch

W = torch.zeros(3, requires_grad=True)
n = 0


class Model:
    def __init__(self):
        self.w = torch.nn.Parameter(torch.ones(2))

    def scale(self, k):
        return k * 2


def plain(x):
    return x + 1
"""


def test_a_scope_has_a_leaf_word_where_one_of_its_lines_holds_one():
    ctx = _context(LEAF_WORDS)
    lines = ctx.doc.lines
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.stmt):
            own = lines[node.lineno - 1 : node.end_lineno]
            expected = any(word in line for line in own for word in _flow_leaves._LEAF_SOURCES)
            assert _flow_leaves._has_leaf_word(ctx, node) == expected, ast.unparse(node)
    model = next(n for n in ctx.tree.body if isinstance(n, ast.ClassDef))
    init, scale = model.body
    assert _flow_leaves._has_leaf_word(ctx, model) and _flow_leaves._has_leaf_word(ctx, init)
    assert not _flow_leaves._has_leaf_word(ctx, scale)
    assert _flow_leaves._leaf_word_lines(ctx) == [3, 9]


FED = """\
import torch

W = torch.randn(3, requires_grad=True)
b = torch.zeros(3, requires_grad=True)


def shrink():
    for t in [W, b]:
        t.mul_(0.5)


def grow(u):
    for t in [W, u]:
        t.add_(1)


shrink()
grow(W)
"""


def test_a_loop_over_module_leaves_is_still_reported_and_one_over_a_parameter_is_not():
    result = lint_source(FED, "fed.py", Selection.of(["PTL203"]))
    assert [f.line for f in result.findings] == [9]
    ctx = _context(FED)
    shrink, grow = (n for n in ctx.tree.body if isinstance(n, ast.FunctionDef))
    assert _flow_leaves._module_level(ctx, shrink, "t")
    assert not _flow_leaves._module_level(ctx, grow, "t")
    bindings, loops = _flow_leaves._bindings_of(ctx, shrink)
    assert list(bindings) == ["t"] and loops[id(bindings["t"][0])] is shrink.body[0]


NO_LEAF_SOURCE = """\
import torch


def scale(layer, t):
    t.add_(1)
    return layer.weight
"""


def test_no_walk_up_to_the_function_where_the_flow_can_find_no_leaf(monkeypatch):
    """A file naming no leaf source (no requires_grad=True, Parameter(, parameters(): the flow
    finds no leaf there, so the site's grad mode is not looked up either; with one it is."""
    asked: list[ast.AST] = []
    original = GradMode.enclosing_mode

    def counted(self: GradMode, node: ast.AST) -> tuple[bool | None, ast.AST | None]:
        asked.append(node)
        return original(self, node)

    monkeypatch.setattr(GradMode, "enclosing_mode", counted)
    assert lint_source(NO_LEAF_SOURCE, "plain.py", Selection.of(["PTL203"])).findings == []
    assert asked == []
    with_source = NO_LEAF_SOURCE + "\nW = torch.zeros(3, requires_grad=True)\n"
    assert lint_source(with_source, "leafy.py", Selection.of(["PTL203"])).findings == []
    assert asked
