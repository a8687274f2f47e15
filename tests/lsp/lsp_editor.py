"""A tiny editor model for driving pt-lsp like a real client does.

It keeps each open document's text and version, sends incremental changes, applies the
server's WorkspaceEdits the way an editor would (as incremental changes, last edit first),
and gets diagnostics the way the client under test would: waiting for the push notification
of the current version, or pulling them when the client supports pull diagnostics.
Columns are computed here independently of the server, in the negotiated encoding.
"""

from __future__ import annotations

import asyncio
import itertools
import pathlib
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

TIMEOUT = 30.0  # seconds; generous for slow CI machines, never reached when things work


def units(text: str, encoding: str) -> int:
    """Length of ``text`` in the code units of ``encoding``."""
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def char_index(line: str, character: int, encoding: str) -> int:
    """Code-point index in ``line`` of a column given in ``encoding`` units."""
    for index in range(len(line) + 1):
        if units(line[:index], encoding) >= character:
            return index
    return len(line)


def offset_of(text: str, position: types.Position, encoding: str) -> int:
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    return start + char_index(line, position.character, encoding)


def position_of(text: str, offset: int, encoding: str) -> types.Position:
    before = text[:offset].split("\n")
    return types.Position(line=len(before) - 1, character=units(before[-1], encoding))


def find_range(text: str, needle: str, encoding: str, occurrence: int = 0) -> types.Range:
    """The range of the ``occurrence``-th ``needle`` in ``text``, in ``encoding`` units."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return types.Range(start=position_of(text, start, encoding), end=position_of(text, start + len(needle), encoding))


def apply_text_edits(text: str, edits: list[types.TextEdit], encoding: str) -> str:
    spans = sorted(
        ((offset_of(text, e.range.start, encoding), offset_of(text, e.range.end, encoding), e.new_text) for e in edits),
        reverse=True,
    )
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


class Recorder:
    """Notifications of one kind, with a way to wait until one matching a predicate arrives."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._arrived = asyncio.Event()

    def add(self, item: Any) -> None:
        self.items.append(item)
        self._arrived.set()

    async def wait_for(self, predicate: Callable[[Any], bool], after: int = 0, timeout: float = TIMEOUT) -> Any:
        """The newest item matching ``predicate`` among those after the first ``after``."""

        async def first_match() -> Any:
            while True:
                for item in reversed(self.items[after:]):
                    if predicate(item):
                        return item
                self._arrived.clear()
                await self._arrived.wait()

        return await asyncio.wait_for(first_match(), timeout)


class Editor:
    def __init__(self, client: LanguageClient, root: pathlib.Path, result: types.InitializeResult) -> None:
        self.client = client
        self.root = root
        self.result = result
        encoding = result.capabilities.position_encoding
        self.encoding = getattr(encoding, "value", encoding) or "utf-16"
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self._names = itertools.count(1)

    @property
    def published(self) -> Recorder:
        return self.client.published  # type: ignore[attr-defined]

    @property
    def logs(self) -> Recorder:
        return self.client.logs  # type: ignore[attr-defined]

    @property
    def pull(self) -> bool:
        caps = self.client.capabilities
        return bool(caps and caps.text_document and caps.text_document.diagnostic is not None)

    # -- documents ---------------------------------------------------------------------------
    def uri(self, name: str | None = None) -> str:
        return (self.root / (name or f"doc{next(self._names)}.py")).as_uri()

    def open(self, text: str, name: str | None = None) -> str:
        uri = self.uri(name)
        self.texts[uri], self.versions[uri] = text, 1
        item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        return uri

    def _send(self, uri: str, changes: list[types.TextDocumentContentChangeEvent]) -> None:
        self.versions[uri] += 1
        document = types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri])
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(text_document=document, content_changes=changes)
        )

    def replace(self, uri: str, old: str, new: str) -> None:
        """Type over the first ``old`` with ``new`` (one incremental change)."""
        text = self.texts[uri]
        change = types.TextDocumentContentChangePartial(range=find_range(text, old, self.encoding), text=new)
        self.texts[uri] = text.replace(old, new, 1)
        self._send(uri, [change])

    def apply(self, uri: str, edits: list[types.TextEdit]) -> None:
        """Apply the server's edits locally and send them as the editor would: last first."""
        text = self.texts[uri]
        ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
        self.texts[uri] = apply_text_edits(text, edits, self.encoding)
        self._send(uri, [types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in ordered])

    def apply_workspace_edit(self, edit: types.WorkspaceEdit) -> None:
        for uri, edits in text_edits_by_uri(edit).items():
            self.apply(uri, edits)

    def close(self, uri: str) -> None:
        params = types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        self.client.text_document_did_close(params)

    # -- diagnostics -------------------------------------------------------------------------
    async def wait_published(
        self, uri: str, version: int | None = None, after: int = 0
    ) -> types.PublishDiagnosticsParams:
        return await self.published.wait_for(
            lambda p: p.uri == uri and (version is None or p.version == version), after
        )

    async def wait_cleared(self, uri: str) -> types.PublishDiagnosticsParams:
        """The notification that clears ``uri`` (sent without a version, when it is closed)."""
        return await self.published.wait_for(lambda p: p.uri == uri and p.version is None)

    async def pull_report(self, uri: str, previous: str | None = None):
        params = types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri), previous_result_id=previous
        )
        return await self.client.text_document_diagnostic_async(params)

    async def diagnostics(self, uri: str, after: int = 0) -> list[types.Diagnostic]:
        """The diagnostics for the current version of ``uri``, as this client would get them.
        ``after``: for push, only a notification after that many (a notebook cell's
        diagnostics change when an earlier cell changes, without a new version of its own)."""
        if self.pull:
            report = await self.pull_report(uri)
            return list(report.items)
        return list((await self.wait_published(uri, self.versions[uri], after)).diagnostics)

    async def code_actions(
        self,
        uri: str,
        diagnostics: list[types.Diagnostic],
        only: list[str] | None = None,
        range_: types.Range | None = None,
    ):
        range_ = range_ or (
            diagnostics[0].range
            if diagnostics
            else types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
        )
        params = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=range_,
            context=types.CodeActionContext(diagnostics=diagnostics, only=only),
        )
        return await self.client.text_document_code_action_async(params) or []

    async def debug_info(self):
        """The server's ``pt-lsp/debugInfo`` (an object with attribute access)."""
        return await self.client.protocol.send_request_async("pt-lsp/debugInfo", {})


def text_edits_by_uri(edit: types.WorkspaceEdit) -> dict[str, list[types.TextEdit]]:
    result: dict[str, list[types.TextEdit]] = {}
    for change in edit.document_changes or []:
        assert isinstance(change, types.TextDocumentEdit), change
        result.setdefault(change.text_document.uri, []).extend(change.edits)
    for uri, edits in (edit.changes or {}).items():
        result.setdefault(uri, []).extend(edits)
    return result


def open_notebook(ed: Editor, cells: list[tuple[types.NotebookCellKind, str]]) -> tuple[str, list[str]]:
    """Open a notebook of ``cells`` (kind, text); returns its uri and its cells' uris."""
    notebook_uri = ed.uri("analysis.ipynb")
    cell_uris = [f"{notebook_uri}#cell{index}" for index in range(len(cells))]
    for uri, (_, text) in zip(cell_uris, cells):
        ed.texts[uri], ed.versions[uri] = text, 1
    ed.client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=notebook_uri,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[types.NotebookCell(kind=kind, document=uri) for uri, (kind, _) in zip(cell_uris, cells)],
            ),
            cell_text_documents=[
                types.TextDocumentItem(
                    uri=uri,
                    language_id="python" if kind == types.NotebookCellKind.Code else "markdown",
                    version=1,
                    text=text,
                )
                for uri, (kind, text) in zip(cell_uris, cells)
            ],
        )
    )
    return notebook_uri, cell_uris


def replace_in_cell(ed: Editor, notebook_uri: str, version: int, cell_uri: str, old: str, new: str) -> None:
    """Type over the first ``old`` in a cell with ``new``: notebook version ``version``."""
    text = ed.texts[cell_uri]
    change = types.TextDocumentContentChangePartial(range=find_range(text, old, ed.encoding), text=new)
    ed.texts[cell_uri] = text.replace(old, new, 1)
    ed.versions[cell_uri] += 1
    cell = types.VersionedTextDocumentIdentifier(uri=cell_uri, version=ed.versions[cell_uri])
    ed.client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=notebook_uri, version=version),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[types.NotebookDocumentCellContentChanges(document=cell, changes=[change])]
                )
            ),
        )
    )
