"""Notebook cells: each diagnostic reaches the editor exactly once, pushed or pulled.

VS Code (1.99) pulls diagnostics for notebook cells like for any document; Neovim pulls text
documents only. The server pushes cells' diagnostics until the client pulls a cell; from then
on, only pulls answer, and what was pushed to cells is cleared. The recorded VS Code profile of
pytest-lsp (1.65) predates pull diagnostics: as VS Code 1.99 it also declares
``textDocument/diagnostic`` and ``workspace/diagnostic/refresh``.
"""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsp_editor import Editor, open_notebook, replace_in_cell
from lsp_session import CONFIG, start, with_notebooks
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

pytestmark = pytest.mark.asyncio

CELLS = [
    (types.NotebookCellKind.Code, "import torch\nt = make()\nconsume(t)\n"),
    (types.NotebookCellKind.Code, "s = '😀'; consume(t)\n"),
    (types.NotebookCellKind.Code, "print('clean')\n"),
]
EXPECTED = [[], ["PTL903"], []]  # codes per cell: the second consume(t) is flagged


def vscode_1_99() -> types.ClientCapabilities:
    caps = with_notebooks(client_capabilities("visual-studio-code"))
    assert caps.text_document is not None and caps.workspace is not None
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities(
        dynamic_registration=True, related_document_support=False
    )
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return caps


PROFILES = {
    "visual-studio-code": lambda: with_notebooks(client_capabilities("visual-studio-code")),  # 1.65: push only
    "visual-studio-code-1.99": vscode_1_99,
    "neovim": lambda: with_notebooks(client_capabilities("neovim")),
}


@pytest_lsp.fixture(config=CONFIG, params=list(PROFILES))
async def nb_client(lsp_client: LanguageClient, request, tmp_path):
    lsp_client.editor = await start(lsp_client, tmp_path, PROFILES[request.param]())  # type: ignore[attr-defined]
    yield
    if lsp_client._server is not None and lsp_client._server.returncode is None:
        await lsp_client.shutdown_session()


@pytest.fixture
def ed(nb_client: LanguageClient) -> Editor:
    return nb_client.editor  # type: ignore[attr-defined]


def pushed(ed: Editor, uri: str) -> list[types.Diagnostic]:
    """What the editor shows from pushes for ``uri``: the latest notification's diagnostics."""
    items = [params for params in ed.published.items if params.uri == uri]
    return list(items[-1].diagnostics) if items else []


async def settle(ed: Editor) -> None:
    """Let a pending lint (debounced after a change) finish and its notifications arrive."""
    await asyncio.sleep(0.5)
    await ed.debug_info()  # answered after whatever the server sent before it


def shown(ed: Editor, cells: list[str], pulled: dict[str, list[types.Diagnostic]]) -> list[list[str]]:
    """The codes the editor shows per cell: pushed and pulled diagnostics together."""
    return [sorted(str(d.code) for d in pushed(ed, uri) + pulled.get(uri, [])) for uri in cells]


async def test_cells_are_pushed_once_to_a_client_that_does_not_pull_them(ed: Editor):
    _, cells = open_notebook(ed, CELLS)
    await ed.published.wait_for(lambda p: p.uri == cells[1] and p.diagnostics)
    await settle(ed)
    assert shown(ed, cells, {}) == EXPECTED
    assert (await ed.debug_info()).notebookCellsPulled is False


async def test_cells_pulled_are_not_pushed_too(ed: Editor):
    if not ed.pull:
        pytest.skip("a client without pull diagnostics cannot pull cells")
    _, cells = open_notebook(ed, CELLS)
    # Pushed before the client pulled a cell (a client that never pulls cells needs them) ...
    await ed.published.wait_for(lambda p: p.uri == cells[1] and p.diagnostics)
    pulled = {uri: list((await ed.pull_report(uri)).items) for uri in cells}
    # ... and cleared by the time the first pull is answered.
    assert pushed(ed, cells[1]) == []
    assert shown(ed, cells, pulled) == EXPECTED
    assert (await ed.debug_info()).notebookCellsPulled is True


async def test_after_a_pull_edits_are_pulled_not_pushed(ed: Editor):
    if not ed.pull:
        pytest.skip("a client without pull diagnostics cannot pull cells")
    notebook, cells = open_notebook(ed, CELLS)
    pulled = {uri: list((await ed.pull_report(uri)).items) for uri in cells}  # at once: maybe before any push
    await settle(ed)
    assert shown(ed, cells, pulled) == EXPECTED
    # Adding a consume(t) to the first cell flags it there; the second cell keeps its own.
    mark, refreshes = len(ed.published.items), len(ed.client.refreshes.items)  # type: ignore[attr-defined]
    replace_in_cell(ed, notebook, 2, cells[2], "print('clean')", "consume(t)")
    pulled[cells[2]] = list((await ed.pull_report(cells[2])).items)
    await settle(ed)
    assert shown(ed, cells, pulled) == [[], ["PTL903"], ["PTL903"]]
    assert [p for p in ed.published.items[mark:] if p.diagnostics] == []  # nothing pushed any more
    # Removing the first consume(t) changes the second cell's diagnostics, not its text: a
    # client that can be asked to refresh is asked, so that it pulls that cell again.
    replace_in_cell(ed, notebook, 3, cells[0], "consume(t)", "print(t)")
    if ed.client.capabilities.workspace.diagnostics is not None:  # type: ignore[union-attr]
        await ed.client.refreshes.wait_for(lambda _: True, after=refreshes)  # type: ignore[attr-defined]
    pulled = {uri: list((await ed.pull_report(uri)).items) for uri in cells}
    await settle(ed)
    assert shown(ed, cells, pulled) == [[], [], ["PTL903"]]
    assert [p for p in ed.published.items[mark:] if p.diagnostics] == []


BROKEN = [
    (types.NotebookCellKind.Code, "import torch\nt = make()\n"),
    (types.NotebookCellKind.Code, "def broken(:\n    pass\n"),
    (types.NotebookCellKind.Code, "%matplotlib inline\nconsume(t)\nconsume(t)\n"),
]


async def test_a_cell_that_does_not_parse_does_not_hide_the_others(ed: Editor):
    _, cells = open_notebook(ed, BROKEN)
    if ed.pull:
        pulled = {uri: list((await ed.pull_report(uri)).items) for uri in cells}
    else:
        await ed.published.wait_for(lambda p: p.uri == cells[2] and p.diagnostics)
        await settle(ed)
        pulled = {}
    assert shown(ed, cells, pulled) == [[], ["PTL000"], ["PTL903"]]
