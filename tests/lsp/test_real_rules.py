"""The server over the real rules: tags, related places, fixes, fix-all on a buggy program."""

from __future__ import annotations

import ast

import pytest
from lsp_editor import Editor
from lsprotocol import types

pytestmark = pytest.mark.asyncio

BUGGY = """import torch
from torch.autograd import Variable
w = torch.ones(2, requires_grad=True)
v = Variable(torch.ones(1))
w.data.zero_()
loss = (w * 2).sum()
loss.backward()
loss.backward()
x = torch.randn(3, device="cuda")
y = x.numpy()
"""


async def resolved(ed: Editor, action: types.CodeAction) -> types.CodeAction:
    return action if action.edit is not None else await ed.client.code_action_resolve_async(action)


async def test_tags_and_related_places(ed: Editor):
    diagnostics = await ed.diagnostics(ed.open(BUGGY))
    by_code = {}
    for diagnostic in diagnostics:
        by_code.setdefault(diagnostic.code, []).append(diagnostic)
    assert {"PTL101", "PTL102", "PTL201", "PTL401"} <= set(by_code)
    for code in ("PTL101", "PTL102"):  # legacy APIs: editors strike them through
        assert all(list(d.tags) == [types.DiagnosticTag.Deprecated] for d in by_code[code])
    assert not by_code["PTL401"][0].tags
    [second_backward] = by_code["PTL201"]
    assert second_backward.range.start.line == 7
    if ed.client.capabilities.text_document.publish_diagnostics.related_information:
        # the evidence path (where the graph is built, ...) ends at the earlier backward()
        assert second_backward.related_information[-1].location.range.start.line == 6


async def test_w_data_zero_quick_fix(ed: Editor):
    uri = ed.open("import torch\nw = torch.ones(2, requires_grad=True)\nw.data.zero_()\n")
    [diagnostic] = [d for d in await ed.diagnostics(uri) if d.code == "PTL102"]
    assert diagnostic.range.start.line == 2
    [preferred] = [a for a in await ed.code_actions(uri, [diagnostic]) if a.is_preferred]
    ed.apply_workspace_edit(preferred.edit)
    assert "no_grad" in ed.texts[uri]
    assert [d for d in await ed.diagnostics(uri) if d.code == "PTL102"] == []


async def test_fix_all_on_a_buggy_program_leaves_nothing_to_fix(ed: Editor):
    uri = ed.open(BUGGY)
    await ed.diagnostics(uri)
    [fix_all] = await ed.code_actions(uri, [], only=["source.fixAll"])
    ed.apply_workspace_edit((await resolved(ed, fix_all)).edit)
    ast.parse(ed.texts[uri])  # the fixed program parses
    remaining = await ed.diagnostics(uri)
    preferred = [d.data["fixes"][0] for d in remaining if d.data["fixes"]]
    assert [f for f in preferred if f["applicability"] == "safe"] == []
    assert await ed.code_actions(uri, [], only=["source.fixAll"]) == []
