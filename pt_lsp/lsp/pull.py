"""Pull diagnostics (``textDocument/diagnostic``): the client asks, with the id of what it has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from .documents import key_of
from .guard import guarded

if TYPE_CHECKING:
    from .state import PtLanguageServer

# inter-file: a saved ``models.py`` changes the diagnostics of an open ``train.py`` that imports it
OPTIONS = types.DiagnosticOptions(identifier="pt-lsp", inter_file_dependencies=True, workspace_diagnostics=False)


def _empty(*_params) -> types.RelatedFullDocumentDiagnosticReport:
    return types.RelatedFullDocumentDiagnosticReport(items=[])


@guarded(fallback=_empty)
async def document_diagnostic(ls: PtLanguageServer, params: types.DocumentDiagnosticParams):
    uri = params.text_document.uri
    ls.linter.note_pull(uri)  # a notebook cell pulled: cells are no longer pushed
    lints = await ls.linter.lint(ls.linter.unit_of(uri), accept_stale=True)
    lint = next((item for item in lints or [] if key_of(item.uri) == key_of(uri)), None)
    if lint is None:
        return _empty()
    if lint.result_id and params.previous_result_id == lint.result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=lint.result_id)
    return types.RelatedFullDocumentDiagnosticReport(items=lint.diagnostics, result_id=lint.result_id or None)
