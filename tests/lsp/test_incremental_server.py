"""The server's incremental lints (core/incremental/, on with PT_LSP_INCREMENTAL=1): a document's
memo lives while it is open, an edit inside one function reuses the others' findings, and the
diagnostics are those of a whole-file lint."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.workspace import Workspace

from pt_lsp.core.selection import Selection
from pt_lsp.lsp import documents
from pt_lsp.lsp.client import ClientFeatures
from pt_lsp.lsp.documents import Linter, key_of
from pt_lsp.lsp.settings import Settings

PROGRAM = """\
import torch


def legacy(t):
    t = torch.zeros(3)
    return t.new(2)


def other(x):
    y = x + 1
    return y
"""


class Host:
    def __init__(self, root: Path) -> None:
        self.client = ClientFeatures()
        self.settings = Settings(lint_in_thread=False)
        self.workspace = Workspace(root.as_uri())

    def selection_for(self, path: str) -> Selection | None:
        return Selection()

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        pass

    def notify_user(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        pass

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None:
        pass

    def workspace_diagnostic_refresh(self, params: None) -> None:
        pass


def _lint(linter: Linter, host: Host, uri: str, version: int, text: str) -> list[tuple]:
    if version == 0:
        item = types.TextDocumentItem(uri=uri, language_id="python", version=0, text=text)
        host.workspace.put_text_document(item)
    else:
        change = types.TextDocumentContentChangeWholeDocument(text=text)
        identifier = types.VersionedTextDocumentIdentifier(uri=uri, version=version)
        host.workspace.update_text_document(identifier, change)
    [lint] = asyncio.run(linter.lint(key_of(uri)))
    return [(d.code, d.range.start.line, d.message) for d in lint.diagnostics]


@pytest.mark.parametrize("incremental", [True, False])
def test_an_edit_inside_one_function_gives_a_whole_file_lints_diagnostics(tmp_path, monkeypatch, incremental):
    monkeypatch.setattr(documents, "INCREMENTAL", incremental)
    host = Host(tmp_path)
    linter = Linter(host)
    uri = (tmp_path / "legacy.py").as_uri()
    first = _lint(linter, host, uri, 0, PROGRAM)
    assert [(code, line) for code, line, _ in first] == [("PTL104", 5)]
    edited = PROGRAM.replace("    y = x + 1\n", "    y = x + 1\n    y = y * 2\n\n")
    second = _lint(linter, host, uri, 1, edited)
    assert second == first  # `legacy` did not move: its finding is the same
    moved = "\n\n" + edited.replace("def legacy(t):\n", "def legacy(t):\n    t = t\n")
    third = _lint(linter, host, uri, 2, moved)
    assert [(code, line) for code, line, _ in third] == [("PTL104", 8)]
    memo = linter.incremental.get(key_of(uri))
    if incremental:
        assert memo is not None and memo.memo is not None
    else:
        assert memo is None
    linter.forget(uri)
    assert key_of(uri) not in linter.incremental


def test_typing_in_one_function_reuses_the_findings_of_the_others(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "INCREMENTAL", True)
    host = Host(tmp_path)
    linter = Linter(host)
    uri = (tmp_path / "legacy.py").as_uri()
    _lint(linter, host, uri, 0, PROGRAM)
    edited = PROGRAM.replace("    y = x + 1\n", "    y = x + 1\n    y = y * 2\n")
    assert [(c, line) for c, line, _ in _lint(linter, host, uri, 1, edited)] == [("PTL104", 5)]
    stats = linter.incremental[key_of(uri)].stats
    assert not stats.full and (stats.units, stats.analysed) == (2, 1)
