"""What the server keeps per edit is bounded by what is open, not by how many versions it has seen
(issue 16's soak: RSS flat after warm-up). Structural checks, with the automatic garbage
collector off so that nothing is freed by luck of timing; benchmarks/soak_server.py measures RSS."""

from __future__ import annotations

import asyncio
import gc
import threading
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.workspace import Workspace

from pt_lsp.core.context import FileContext
from pt_lsp.core.flow.interpreter import Interpreter
from pt_lsp.core.selection import Selection
from pt_lsp.lsp import documents
from pt_lsp.lsp.client import ClientFeatures
from pt_lsp.lsp.documents import Linter, key_of
from pt_lsp.lsp.settings import Settings

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "files"
# A GAN's training loop: PTL201 comes from the flow engine, whose parts refer to one another.
PROGRAM = (CORPUS / "case_gan_mnist_no_detach.py").read_text(encoding="utf-8")


class Host:
    """The part of the server the linter talks to."""

    def __init__(self, root: Path, lint_in_thread: bool) -> None:
        self.client = ClientFeatures()
        self.settings = Settings(lint_in_thread=lint_in_thread)
        self.workspace = Workspace(root.as_uri())
        self.published: list[types.PublishDiagnosticsParams] = []

    def selection_for(self, path: str) -> Selection | None:
        return Selection()

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        pass

    def notify_user(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        pass

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None:
        self.published.append(params)

    def workspace_diagnostic_refresh(self, params: None) -> None:
        pass


def _alive(kind: type) -> int:
    return sum(1 for item in gc.get_objects() if isinstance(item, kind))


@pytest.fixture
def no_automatic_gc():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


@pytest.mark.parametrize("lint_in_thread", [True, False])
def test_each_lints_analysis_is_freed_when_the_lint_ends(tmp_path, no_automatic_gc, lint_in_thread):
    host = Host(tmp_path, lint_in_thread)
    linter = Linter(host)
    uri = (tmp_path / "train.py").as_uri()
    host.workspace.put_text_document(types.TextDocumentItem(uri=uri, language_id="python", version=0, text=PROGRAM))
    before = (_alive(FileContext), _alive(Interpreter))
    alive: list[tuple[int, int]] = []
    codes: list[set[str]] = []

    async def edit_and_lint() -> None:
        for version in range(1, 7):
            change = types.TextDocumentContentChangeWholeDocument(text=f"{PROGRAM}# edit {version}\n")
            host.workspace.update_text_document(types.VersionedTextDocumentIdentifier(uri=uri, version=version), change)
            lints = await linter.lint(key_of(uri))
            assert lints is not None and lints[0].version == version
            codes.append({item.finding.code for item in lints[0].flagged})
            await linter.run_blocking(lambda: None)  # the lint thread runs one job at a time, in order
            alive.append((_alive(FileContext) - before[0], _alive(Interpreter) - before[1]))

    try:
        asyncio.run(edit_and_lint())
    finally:
        linter.close()
    assert all("PTL201" in found for found in codes)  # the flow engine ran: there was an analysis to free
    # Without the collection after each lint, every version's context and interpreter stayed: 1, 2, ... 6.
    assert alive == [(0, 0)] * 6


def test_a_lint_cancelled_by_an_edit_while_it_runs_is_freed_too(tmp_path, no_automatic_gc, monkeypatch):
    host = Host(tmp_path, lint_in_thread=True)
    linter = Linter(host)
    uri = (tmp_path / "train.py").as_uri()
    host.workspace.put_text_document(types.TextDocumentItem(uri=uri, language_id="python", version=0, text=PROGRAM))
    running, go_on = threading.Event(), threading.Event()
    real = documents.lint_document

    def held_lint(*args):  # in the lint thread: waits until the task awaiting it is cancelled
        running.set()
        go_on.wait(timeout=60)
        return real(*args)

    monkeypatch.setattr(documents, "lint_document", held_lint)
    before = _alive(FileContext)

    async def cancel_midway() -> bool:
        task = asyncio.create_task(linter.lint(key_of(uri)))
        while not running.is_set():
            await asyncio.sleep(0.01)
        task.cancel()  # what schedule() does when the next edit comes
        go_on.set()
        try:
            await task
        except asyncio.CancelledError:
            pass
        await linter.run_blocking(lambda: None)  # behind the lint (it was still running)
        await linter.run_blocking(lambda: None)  # behind what the lint queued when it ended
        return task.cancelled()

    try:
        cancelled = asyncio.run(cancel_midway())
    finally:
        linter.close()
    assert cancelled and running.is_set()
    assert _alive(FileContext) == before  # its result was dropped, and its analysis freed


def test_a_lint_after_the_executor_is_shut_down_does_not_raise(tmp_path, no_automatic_gc):
    host = Host(tmp_path, lint_in_thread=True)
    linter = Linter(host)
    uri = (tmp_path / "train.py").as_uri()
    host.workspace.put_text_document(types.TextDocumentItem(uri=uri, language_id="python", version=0, text="x = 1\n"))

    async def lint_twice() -> None:
        await linter.run_blocking(lambda: None)  # starts the lint thread
        linter.close()
        linter._collect_garbage()  # the queued collection is refused quietly: the server is exiting

    asyncio.run(lint_twice())
    assert linter._executor is not None and linter._executor._shutdown
