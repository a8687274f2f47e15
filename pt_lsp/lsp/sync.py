"""Text and notebook document synchronisation: when to lint, when to clear.

pygls' built-in handlers have already updated its workspace when these run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from .guard import guarded

if TYPE_CHECKING:
    from .state import PtLanguageServer

NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithNotebook(notebook="*", cells=[types.NotebookCellLanguage(language="python")])
    ],
    save=True,
)


def _debounce(ls: PtLanguageServer) -> float:
    return ls.settings.debounce_ms / 1000


@guarded()
def did_open(ls: PtLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.linter.schedule(params.text_document.uri, 0)  # at once: the user just looked at it


@guarded()
def did_change(ls: PtLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.linter.schedule(params.text_document.uri, _debounce(ls))


@guarded()
def did_save(ls: PtLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.linter.schedule(params.text_document.uri, 0)
    ls.linter.relint_dependents(params.text_document.uri)


@guarded()
def did_close(ls: PtLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.linter.forget(params.text_document.uri)


@guarded()
def did_open_notebook(ls: PtLanguageServer, params: types.DidOpenNotebookDocumentParams) -> None:
    ls.linter.schedule(params.notebook_document.uri, 0)


@guarded()
def did_change_notebook(ls: PtLanguageServer, params: types.DidChangeNotebookDocumentParams) -> None:
    ls.linter.schedule(params.notebook_document.uri, _debounce(ls))


@guarded()
def did_save_notebook(ls: PtLanguageServer, params: types.DidSaveNotebookDocumentParams) -> None:
    ls.linter.schedule(params.notebook_document.uri, 0)


@guarded()
def did_close_notebook(ls: PtLanguageServer, params: types.DidCloseNotebookDocumentParams) -> None:
    ls.linter.forget(params.notebook_document.uri)
