"""Hover with the rule's documentation; notebook cells linted in the context of earlier cells."""

from __future__ import annotations

import pytest
from lsp_editor import Editor, find_range, open_notebook
from lsprotocol import types

pytestmark = pytest.mark.asyncio


async def hover_at(ed: Editor, uri: str, position: types.Position) -> types.Hover | None:
    params = types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    return await ed.client.text_document_hover_async(params)


async def test_hover_on_a_flagged_span_explains_the_rule(ed: Editor):
    text = "s = '😀 中文'; legacy_api(s)\n"
    uri = ed.open(text)
    [diagnostic] = await ed.diagnostics(uri)
    inside = types.Position(line=0, character=diagnostic.range.start.character + 3)
    hover = await hover_at(ed, uri, inside)
    assert hover.range == diagnostic.range
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "**PTL901** `legacy-api-call`" in hover.contents.value
    assert "## Why is this bad?" in hover.contents.value  # the rule's documentation
    assert "#ptl901" in hover.contents.value  # and the link to it


async def test_hover_elsewhere_says_nothing(ed: Editor):
    uri = ed.open("s = '😀 中文'; legacy_api(s)\n")
    await ed.diagnostics(uri)
    assert await hover_at(ed, uri, types.Position(line=0, character=1)) is None


async def test_hover_on_a_real_rule(ed: Editor):
    text = 'import torch\nx = torch.randn(3, device="cuda")\ny = x.numpy()\n'
    uri = ed.open(text)
    [diagnostic] = [d for d in await ed.diagnostics(uri) if d.code == "PTL401"]
    hover = await hover_at(ed, uri, diagnostic.range.start)
    assert "PTL401" in hover.contents.value and "## What it does" in hover.contents.value


# -- notebooks --------------------------------------------------------------------------------
NOTEBOOK_CELLS = [
    (types.NotebookCellKind.Code, "import torch\nt = make()\nconsume(t)\n"),
    (types.NotebookCellKind.Markup, "# consume(t) in markdown is not code\n"),
    (types.NotebookCellKind.Code, "%time print(1)\ns = '😀'; consume(t)\n"),
    (types.NotebookCellKind.Code, "print('clean')\n"),
]


async def test_notebook_cells_are_analysed_in_order(ed: Editor):
    _, cells = open_notebook(ed, NOTEBOOK_CELLS)
    first, third, fourth = [await ed.diagnostics(cells[index]) for index in (0, 2, 3)]
    assert first == [] and fourth == []  # (the markdown cell is not Python: not linted)
    [diagnostic] = third
    # the second consume(t) is in cell 3; the first, in cell 1, makes it a finding
    assert diagnostic.code == "PTL903"
    assert diagnostic.range == find_range(NOTEBOOK_CELLS[2][1], "consume(t)", ed.encoding)
    if diagnostic.related_information:  # clients that show related places get the other cell
        [related] = diagnostic.related_information
        assert related.location.uri == cells[0]
        assert related.location.range == find_range(NOTEBOOK_CELLS[0][1], "consume(t)", ed.encoding)


async def test_editing_a_cell_updates_the_cells_after_it(ed: Editor):
    notebook_uri, cells = open_notebook(ed, NOTEBOOK_CELLS)
    assert len(await ed.diagnostics(cells[2])) == 1
    # remove the first consume(t) from cell 1: cell 3's finding goes away
    old = NOTEBOOK_CELLS[0][1]
    mark = len(ed.published.items)
    ed.texts[cells[0]] = old.replace("consume(t)", "print(t)")
    ed.versions[cells[0]] += 1
    ed.client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=notebook_uri, version=2),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(uri=cells[0], version=ed.versions[cells[0]]),
                            changes=[
                                types.TextDocumentContentChangePartial(
                                    range=find_range(old, "consume(t)", ed.encoding), text="print(t)"
                                )
                            ],
                        )
                    ]
                )
            ),
        )
    )
    assert await ed.diagnostics(cells[2], after=mark) == []


async def test_quick_fix_in_a_cell_edits_that_cell(ed: Editor):
    cells_text = [(types.NotebookCellKind.Code, "x = 1\n"), (types.NotebookCellKind.Code, "y = '中'; legacy_api(x)\n")]
    _, cells = open_notebook(ed, cells_text)
    [diagnostic] = await ed.diagnostics(cells[1])
    actions = await ed.code_actions(cells[1], [diagnostic])
    [fix] = [a for a in actions if a.is_preferred]
    ed.apply_workspace_edit(fix.edit)
    assert ed.texts[cells[1]] == "y = '中'; modern_api(x)\n"


async def test_closing_a_notebook_clears_its_cells(ed: Editor):
    notebook_uri, cells = open_notebook(ed, NOTEBOOK_CELLS)
    assert len(await ed.diagnostics(cells[2])) == 1
    ed.client.notebook_document_did_close(
        types.DidCloseNotebookDocumentParams(
            notebook_document=types.NotebookDocumentIdentifier(uri=notebook_uri),
            cell_text_documents=[types.TextDocumentIdentifier(uri=uri) for uri in cells],
        )
    )
    if ed.pull:
        report = await ed.pull_report(cells[2])  # a closed cell has nothing to report
        assert list(report.items) == []
    else:
        assert list((await ed.wait_cleared(cells[2])).diagnostics) == []


async def test_fix_all_in_a_cell_fixes_that_cell(ed: Editor):
    cells_text = [
        (types.NotebookCellKind.Code, "x = legacy_api(1)\n"),
        (types.NotebookCellKind.Code, "y = '😀'; legacy_api(x) + legacy_api(2)\nrisky_api(3)\n"),
    ]
    _, cells = open_notebook(ed, cells_text)
    assert len(await ed.diagnostics(cells[1])) == 3
    [fix_all] = await ed.code_actions(cells[1], [], only=["source.fixAll"])
    ed.apply_workspace_edit(fix_all.edit)
    # the safe fixes of this cell; the unsafe one stays, and so does the other cell
    assert ed.texts[cells[1]] == "y = '😀'; modern_api(x) + modern_api(2)\nrisky_api(3)\n"
    assert ed.texts[cells[0]] == cells_text[0][1]


async def test_notebook_cells_are_pushed_even_to_clients_that_pull(ed: Editor):
    # Some clients that pull diagnostics for text documents do not pull them for notebook
    # cells: until a client pulls a cell, the server pushes cells to every client.
    _, cells = open_notebook(ed, NOTEBOOK_CELLS)
    published = await ed.wait_published(cells[2])
    [diagnostic] = published.diagnostics
    assert diagnostic.code == "PTL903"
