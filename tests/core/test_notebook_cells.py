"""Notebook cells: IPython syntax turned into Python line for line, broken cells left out."""

from __future__ import annotations

import ast

import pytest

from pt_lsp.core import rule as rule_module
from pt_lsp.core.document import Pos, Span
from pt_lsp.core.findings import Edit, Finding, Fix
from pt_lsp.core.notebook import ipython_to_python, join_cells, lint_notebook
from pt_lsp.core.rule import Rule
from pt_lsp.core.selection import Selection

VARIABLE = "x = torch.autograd.Variable(torch.ones(1))"


def lines_of(code: str) -> list[str]:
    return code.split("\n")


def test_magics_shell_and_help_become_pass_at_the_same_indentation():
    source = (
        "%matplotlib inline\n!pip install torch\nfor i in r:\n    !echo $i\n    %timeit f()\nx?\nx??\n?x\nimport torch"
    )
    code, masked, skipped = ipython_to_python(source)
    assert lines_of(code) == [
        "pass",
        "pass",
        "for i in r:",
        "    pass",
        "    pass",
        "pass",
        "pass",
        "pass",
        "import torch",
    ]
    assert masked == {1, 2, 4, 5, 6, 7, 8}
    assert not skipped
    ast.parse(code)


def test_assignments_from_magics_keep_their_targets():
    code, masked, _ = ipython_to_python("files = !ls\nt = %timeit -o f()\na[0], b.c = !ls\nprint(files)")
    assert lines_of(code) == ["files = None", "t = None", "a[0], b.c = None", "print(files)"]
    assert masked == {1, 2, 3}


def test_time_keeps_its_statement_at_its_columns():
    source = "%time y = model(x)\n    %time f()\nt = %time g()\n%time for i in r: pass\nu = %time v = 1"
    code, masked, _ = ipython_to_python(source)
    assert lines_of(code) == ["_ =   y = model(x)", "    _ =   f()", "t =       g()", "pass", "u = None"]
    assert masked == {1, 2, 3, 4, 5}
    assert lines_of(code)[0].index("model") == source.index("model")


def test_only_statement_starts_are_ipython():
    """A ``%`` continuing an expression, or ``!`` / ``?`` in a string or comment, is Python."""
    source = (
        'f("loss=%.3f" % loss)\nd["k"] = "=%s" % v\n'
        + "y = (1\n% 2)\ns = '''\n!not a shell\n%s'''\nd = {'a?': 1}  # what?\nz = 1 \\\n  % 2"
    )
    code, masked, _ = ipython_to_python(source)
    assert code == source
    assert masked == frozenset()


def test_a_continued_magic_line_is_masked_whole():
    code, masked, _ = ipython_to_python("!pip install \\\n    torch\nx = 1")
    assert lines_of(code) == ["pass", "", "x = 1"]
    assert masked == {1, 2}


def test_a_bash_cell_is_skipped_and_a_time_cell_keeps_its_body():
    code, masked, skipped = ipython_to_python("%%bash\necho $(( 1 +\nls")
    assert skipped and code == "\n\n" and masked == {1, 2, 3}
    code, masked, skipped = ipython_to_python("\n%%time\nx = f()\n!ls")
    assert not skipped
    assert lines_of(code) == ["", "", "x = f()", "pass"]
    assert masked == {2, 4}


def test_other_lines_keep_their_columns_and_later_cells_their_lines():
    cells = [(0, "import torch\n%load_ext autoreload\n!ls"), (2, "x?\n" + VARIABLE)]
    joined = join_cells(cells)
    assert lines_of(joined.text)[4] == VARIABLE
    cell, local = joined.locate(5)
    assert (cell.index, local) == (2, 2)


def test_a_broken_cell_is_left_out_and_reported_in_its_own_lines():
    cells = [(0, "import torch"), (1, "# broken\ndef f(:\n    pass"), (3, VARIABLE)]
    joined, result = lint_notebook(cells, "nb.ipynb", Selection.of(["PTL000", "PTL101"]))
    assert [c.index for c in joined.broken] == [1]
    assert lines_of(joined.text)[1:4] == ["", "", ""]  # the broken cell's lines, blank
    located = [(f.code, *joined.to_cell_span(f.span)) for f in result.findings]
    assert [(code, cell.index, span.start) for code, cell, span in located] == [
        ("PTL000", 1, Pos(2, 6)),
        ("PTL101", 3, Pos(1, 4)),
    ]


def test_a_broken_cell_is_not_reported_when_ptl000_is_not_selected():
    _, result = lint_notebook([(0, "def f(:"), (1, "import torch\n" + VARIABLE)], "nb.ipynb", Selection.of(["PTL101"]))
    assert [f.code for f in result.findings] == ["PTL101"]


def test_a_magic_is_not_a_syntax_error_and_x_bang_ls_stays_bound():
    """PTL000 nowhere; a later use of ``files`` sees a bound name (pyflakes-like rules stay quiet)."""
    cells = [(0, "%matplotlib inline\nfiles = !ls\nobj?"), (1, "print(files)\n!pip install torch")]
    joined, result = lint_notebook(cells, "nb.ipynb", Selection.of(["PTL000"]))
    assert result.findings == []
    assert joined.broken == ()
    tree = ast.parse(joined.text)
    assigned = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign) for t in node.targets}
    assert "files" in assigned


class _RewritesLoops(Rule, register=False):
    """Test rule: a fix that rewrites a whole ``for`` statement (so it may cover a magic line)."""

    code = "PTL996"
    name = "rewrites-loops"

    def check(self, ctx):
        for node in ast.walk(ctx.tree):
            if isinstance(node, ast.For):
                span = Span(Pos(node.lineno, node.col_offset), Pos(node.end_lineno, node.end_col_offset))
                yield Finding(self.code, self.name, "loop", span, fixes=(Fix("rewrite", (Edit(span, "pass"),)),))


@pytest.fixture
def loop_rule(monkeypatch):
    rule_module.all_rules()
    monkeypatch.setitem(rule_module._REGISTRY, _RewritesLoops.code, _RewritesLoops)


def test_no_fix_edits_a_magic_line(loop_rule):
    cells = [(0, "for i in r:\n    !echo $i"), (1, "for i in r:\n    print(i)")]
    joined, result = lint_notebook(cells, "nb.ipynb", Selection.of(["PTL996"]))
    by_cell = {joined.to_cell_span(f.span)[0].index: f for f in result.findings}
    assert by_cell[0].fixes == ()  # the loop holds a shell escape
    assert len(by_cell[1].fixes) == 1


def test_touches_masked():
    joined = join_cells([(0, "x = 1\n%time f()\ny = 2"), (1, "z = 3")])
    assert joined.touches_masked(Span(Pos(2, 0), Pos(2, 4)))
    assert joined.touches_masked(Span(Pos(1, 0), Pos(3, 0)))  # deletes lines 1 and 2
    assert not joined.touches_masked(Span(Pos(1, 0), Pos(2, 0)))  # deletes line 1 only
    assert not joined.touches_masked(Span(Pos(3, 0), Pos(4, 5)))


def test_lines_named_in_messages_are_the_cells_lines_not_the_joined_programs():
    """audit-3: PTL403 in a notebook said "changed in place on line 71", a line of the cells joined;
    the user sees cells, so the message names the cell and the line in it (the span is mapped too)."""
    cells = [
        (0, "import torch\nimport numpy as np"),
        (2, "a = torch.ones(3)\nb = a.numpy()"),
        (3, "print('next')\na += 1\nprint(a, b)"),
    ]
    _, result = lint_notebook(cells, "nb.ipynb", Selection.of(["PTL403"]))
    (finding,) = result.findings
    assert "changed in place in cell 4, line 2 before" in finding.message
    assert "read in cell 4, line 3:" in finding.message
    assert "line 7" not in finding.message and "line 8" not in finding.message
