"""The shared fix-building helpers of pt_lsp.core.edits."""

from __future__ import annotations

import ast

from rules_helpers import source

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.edits import (
    add_import_edit,
    add_keyword,
    indent_unit,
    no_grad_block,
    primary_text,
    remove_import_name,
    text_in_place_of,
    torch_reference,
)
from pt_lsp.core.fixes import apply_edits


def context(text: str) -> FileContext:
    text = source(text)
    return FileContext("<test>", Document(text), ast.parse(text))


def last_statement(ctx: FileContext) -> ast.stmt:
    return ctx.tree.body[-1]


def test_torch_reference_follows_the_files_imports():
    cases = {
        "import torch.nn as nn\nx = 1\n": "nn.ModuleList",
        "from torch import nn\nx = 1\n": "nn.ModuleList",
        "import torch as T\nx = 1\n": "T.nn.ModuleList",
        "import torch.nn\nx = 1\n": "torch.nn.ModuleList",
        "from torch.nn import ModuleList\nx = 1\n": "ModuleList",
    }
    for text, expected in cases.items():
        ctx = context(text)
        assert torch_reference(ctx, "torch.nn.ModuleList", last_statement(ctx)) == (expected, [])


def test_torch_reference_adds_import_torch_unless_the_name_is_taken():
    ctx = context('"""Doc."""\nfrom __future__ import annotations\nfrom torch.nn import Module\nx = 1\n')
    name, edits = torch_reference(ctx, "torch.no_grad", last_statement(ctx))
    assert name == "torch.no_grad"
    assert apply_edits(ctx.doc.text, edits).splitlines()[2] == "import torch"
    taken = context("from torch.nn import Module\ntorch = None\nx = 1\n")
    assert torch_reference(taken, "torch.no_grad", last_statement(taken)) is None
    # An import binding `torch` to something else (found by the fuzzer: `import torch` added above
    # it was rebound at once, and the fix was offered again on every round).
    for imported in ("from torch import torch", "import numpy as torch", "from x import y as torch"):
        rebound = context(f"{imported}\nx = 1\n")
        assert torch_reference(rebound, "torch.no_grad", last_statement(rebound)) is None, imported


def test_add_keyword_lands_after_the_parentheses_around_the_last_argument():
    cases = {
        "f(a, (b))\n": "f(a, (b), retain_graph=True)\n",
        "f(( None ))\n": "f(( None ), retain_graph=True)\n",
        "f(a, ((b)  # note )\n  ),\n)\n": "f(a, ((b)  # note )\n  ), retain_graph=True,\n)\n",
        "f(a, b)\n": "f(a, b, retain_graph=True)\n",
        "f()\n": "f(retain_graph=True)\n",
    }
    for text, expected in cases.items():
        ctx = context(text)
        call = ctx.tree.body[0].value
        assert isinstance(call, ast.Call)
        edit = add_keyword(ctx, call, "retain_graph=True")
        assert edit is not None
        fixed = apply_edits(text, [edit])
        assert fixed == expected, text
        compile(fixed, "<fixed>", "exec")


def test_import_goes_above_the_decorators_of_the_first_definition():
    ctx = context("@decorate\ndef f():\n    pass\n")
    assert apply_edits(ctx.doc.text, [add_import_edit(ctx, "import torch")]).startswith("import torch\n@decorate")


def test_parentheses_where_precedence_needs_them():
    ctx = context("y = f(a + b).sum()\nz = f(a + b)\nw = f(-1)\n")
    inner = [n for n in ast.walk(ctx.tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "f"]
    by_line = {call.lineno: call for call in inner}
    assert text_in_place_of(ctx, by_line[1].args[0], by_line[1]) == "(a + b)"
    assert text_in_place_of(ctx, by_line[2].args[0], by_line[2]) == "a + b"
    assert primary_text(ctx, by_line[3].args[0]) == "(-1)"


def test_indent_unit_detects_tabs_and_two_spaces():
    assert indent_unit(context("if x:\n\ty = 1\n")) == "\t"
    assert indent_unit(context("if x:\n  y = 1\n")) == "  "
    assert indent_unit(context("y = 1\n")) == "    "


def test_no_grad_block_keeps_comments_and_continuation_lines():
    ctx = context("""
        import torch
        def f(p, q):
            p.add_(q,  # step
                   alpha=-1)
            p.zero_()
    """)
    body = ctx.tree.body[1].body
    new = apply_edits(ctx.doc.text, no_grad_block(ctx, body))
    assert new == source("""
        import torch
        def f(p, q):
            with torch.no_grad():
                p.add_(q,  # step
                       alpha=-1)
                p.zero_()
    """)
    ast.parse(new)


def test_remove_import_name_in_every_position():
    for text, expected in {
        "from m import a, b, c\n": "from m import b, c\n",
        "from m import b, a, c\n": "from m import b, c\n",
        "from m import b, c, a\n": "from m import b, c\n",
        "from m import a\nx = 1\n": "x = 1\n",
        "x = 1\nfrom m import a": "x = 1\n",
    }.items():
        ctx = context(text) if text.endswith("\n") else FileContext("<t>", Document(text), ast.parse(text))
        stmt = next(s for s in ctx.tree.body if isinstance(s, ast.ImportFrom))
        alias = next(a for a in stmt.names if a.name == "a")
        assert apply_edits(ctx.doc.text, [remove_import_name(ctx, stmt, alias)]) == expected
