"""Lint scheduling: per-document debounce, versions, the result cache and publishing.

A *unit* is what gets linted as one program: a text document, or a notebook (all its code
cells together). Each lint is keyed by the versions it saw and the settings generation; the
newest version wins: a lint that finishes after its document changed again is dropped, and a
pending debounce is cancelled by the next change.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import itertools
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import unquote

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace import Workspace

from pt_lsp.core.incremental import IncrementalLinter
from pt_lsp.core.selection import Selection

from .client import ClientFeatures
from .linting import CellText, DocumentLint, lint_cells, lint_document
from .settings import Settings

logger = logging.getLogger(__name__)
# Per-function incremental lints (core/incremental/): sound, but off by default while the rules
# that do most of the work on real files (PTL102, PTL203, ...) read whole files and cannot be
# reused per function: then the bookkeeping only costs (benchmarks/results/lsp-latency.txt).
INCREMENTAL = os.environ.get("PT_LSP_INCREMENTAL", "0") == "1"
STALE_NOTICE = "stale"  # key of the once-per-document notice that the time budget ran out
T = TypeVar("T")


def key_of(uri: str) -> str:
    """The form pygls' workspace keys documents by (clients differ in percent-encoding)."""
    return unquote(uri)


def path_of(uri: str) -> str:
    return to_fs_path(uri) or uri


def is_python(language_id: str | None, uri: str) -> bool:
    return (language_id or "python") == "python" or uri.endswith((".py", ".pyi"))


@dataclass(frozen=True)
class Job:
    key: tuple[object, ...]  # versions seen + settings generation: equal keys give equal results
    run: Callable[[], list[DocumentLint]]


class LintHost(Protocol):
    """What the linter needs of the server (``state.PtLanguageServer``), named here so that
    this module does not import the server's."""

    client: ClientFeatures
    settings: Settings

    @property
    def workspace(self) -> Workspace: ...

    def selection_for(self, path: str) -> Selection | None: ...

    def log(self, message: str, kind: types.MessageType = ...) -> None: ...

    def notify_user(self, message: str, kind: types.MessageType = ...) -> None: ...

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None: ...

    def workspace_diagnostic_refresh(self, params: None) -> Any: ...


def _changed_unedited(previous: dict[str, DocumentLint], lints: list[DocumentLint]) -> bool:
    """Whether a document kept its version but not its diagnostics."""
    for lint in lints:
        before = previous.get(key_of(lint.uri))
        if before is not None and before.version == lint.version and before.diagnostics != lint.diagnostics:
            return True
    return False


class Linter:
    def __init__(self, server: LintHost) -> None:
        self.server = server
        self.generation = 0  # bumped by every change of settings or pyproject.toml
        self.results: dict[str, DocumentLint] = {}  # by document/cell uri (key_of)
        self._keys: dict[str, tuple[object, ...]] = {}  # unit -> key of its stored results
        self._members: dict[str, list[str]] = {}  # unit -> uris its last lint produced
        self._pending: dict[str, asyncio.Task] = {}
        self._logged: dict[str, set[str]] = {}  # unit -> errors already logged
        self._ids = itertools.count(1)
        self._executor: ThreadPoolExecutor | None = None
        self._notebook_units: set[str] = set()
        self._pushed: dict[str, str] = {}  # key_of(uri) -> uri, for uris last pushed with diagnostics
        # text document unit -> the memo of its last lint: an edit re-analyses the functions it touches
        self.incremental: dict[str, IncrementalLinter] = {}
        self.cells_pulled = False  # the client has pulled the diagnostics of a notebook cell
        # unit -> how many times a project file its last lint read was saved since: part of the
        # lint's key, so the unit is analysed again although none of its own text changed
        self._dependency_saves: dict[str, int] = {}

    # -- units -------------------------------------------------------------------------------
    @property
    def _workspace(self):
        return self.server.workspace

    def _is_notebook(self, unit: str) -> bool:
        return unit in self._notebook_units or self._workspace.get_notebook_document(notebook_uri=unit) is not None

    def pushes(self, unit: str) -> bool:
        """Whether diagnostics of ``unit`` are pushed. A text document's: only to clients that
        do not pull. A notebook's cells: until the client pulls a cell. Some clients that pull
        text documents do not pull notebook cells (they would show none), others (VS Code)
        do (pushing as well would show each diagnostic twice); only what a client does tells."""
        if self._is_notebook(unit):
            return not self.cells_pulled
        return not self.server.client.pull_diagnostics

    def note_pull(self, uri: str) -> None:
        """The client pulled the diagnostics of ``uri``. The first time it pulls a notebook
        cell, cells are no longer pushed, and what was pushed to cells is cleared."""
        if self.cells_pulled or self._workspace.get_notebook_document(cell_uri=uri) is None:
            return
        self.cells_pulled = True
        cells = {member for unit in self._notebook_units for member in self._members.get(unit, [])}
        for key, pushed in list(self._pushed.items()):
            if key in cells or key == key_of(uri):
                self._publish(pushed, None, [])

    def unit_of(self, uri: str) -> str:
        notebook = self._workspace.get_notebook_document(cell_uri=uri)
        return key_of(notebook.uri) if notebook is not None else key_of(uri)

    def open_units(self) -> list[str]:
        ws = self._workspace
        cells = {key_of(cell.document) for nb in ws.notebook_documents.values() for cell in nb.cells}
        texts = [uri for uri in ws.text_documents if uri not in cells]
        return texts + list(ws.notebook_documents)

    def _job(self, unit: str) -> Job | None:
        ws, settings, client = self._workspace, self.server.settings, self.server.client
        notebook = ws.get_notebook_document(notebook_uri=unit)
        if notebook is not None:
            self._notebook_units.add(unit)
            cells = []
            for index, cell in enumerate(notebook.cells):
                text = ws.text_documents.get(key_of(cell.document))
                if cell.kind == types.NotebookCellKind.Code and text is not None and is_python(text.language_id, ""):
                    cells.append(CellText(cell.document, index, text.version, text.source))
            key: tuple[object, ...] = (
                "notebook",
                notebook.version,
                tuple((c.uri, c.version) for c in cells),
                self.generation,
                self._dependency_saves.get(unit, 0),
            )
            path = path_of(notebook.uri)
            selection = self.server.selection_for(path)
            return Job(key, lambda: lint_cells(cells, path, selection, settings, client))
        doc = ws.text_documents.get(unit)
        if doc is None or not is_python(doc.language_id, doc.uri):
            return None
        uri, version, source, path = doc.uri, doc.version, doc.source, path_of(doc.uri)
        key = ("text", version, len(source), self.generation, self._dependency_saves.get(unit, 0))
        selection = self.server.selection_for(path)
        memo = self.incremental.setdefault(unit, IncrementalLinter()) if INCREMENTAL else None
        return Job(key, lambda: [lint_document(uri, version, source, path, selection, settings, client, memo)])

    # -- linting -----------------------------------------------------------------------------
    async def lint(self, unit: str, accept_stale: bool = False) -> list[DocumentLint] | None:
        """The current lint of ``unit`` (cached when nothing changed). None when the unit is not
        open, or when it changed while being linted and ``accept_stale`` is False."""
        job = self._job(unit)
        if job is None:
            return None
        if self._keys.get(unit) == job.key:
            return [self.results[uri] for uri in self._members.get(unit, []) if uri in self.results]
        lints = await self.run_blocking(functools.partial(self._run_and_free, job.run))
        current = self._job(unit)
        if current is None or current.key != job.key:
            return lints if accept_stale else None  # stale: a newer version is on its way
        previous = {uri: self.results[uri] for uri in self._members.get(unit, []) if uri in self.results}
        removed = self._store(unit, job.key, lints)
        self._report_errors(unit, lints)
        if removed and self.pushes(unit):
            for uri in removed:
                self._publish(uri, None, [])
        if not self.pushes(unit) and self._is_notebook(unit) and _changed_unedited(previous, lints):
            self._refresh_cells()
        return lints

    def _refresh_cells(self) -> None:
        """A cell's diagnostics changed although the cell did not (an earlier cell did): a
        client that pulls cells re-pulls only the cell it edited unless asked to refresh."""
        if self.server.client.diagnostic_refresh:
            self.server.workspace_diagnostic_refresh(None)

    async def run_blocking(self, job: Callable[[], T]) -> T:
        """Run CPU-bound ``job`` in the lint thread (or inline, per the ``lintInThread`` setting)."""
        if not self.server.settings.lint_in_thread:
            return job()
        if self._executor is None:
            # One worker: lints queue instead of competing for the GIL.
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pt-lsp-lint")
        return await asyncio.get_running_loop().run_in_executor(self._executor, job)

    def _run_and_free(self, run: Callable[[], list[DocumentLint]]) -> list[DocumentLint]:
        """``run``, then its analysis freed. The flow engine's parts refer to one another and to
        the file's context (its syntax tree, names, facts), so every lint leaves a cycle of
        thousands of objects. It outlives the lint's many young collections and reaches the oldest
        generation, which Python collects only once that has grown by a quarter: until then each
        lint's analysis stays, and the heap's peak crept up (RSS +8.5 MB over 10,000 edits). Also
        when the lint was cancelled meanwhile (an edit came): its result is dropped, not its cycle."""
        try:
            return run()
        finally:
            self._collect_garbage()

    def _collect_garbage(self) -> None:
        """One full collection, queued in the lint thread behind the lint: it does not delay the
        diagnostics, and the next lint waits for it instead of racing it for the GIL."""
        if self._executor is None:
            _collect()
            return
        with contextlib.suppress(RuntimeError):  # the executor is shut down: the server is exiting
            self._executor.submit(_collect)

    def _store(self, unit: str, key: tuple, lints: list[DocumentLint]) -> list[str]:
        """Keep ``lints`` as the unit's results; returns the uris that no longer have any."""
        uris = [key_of(lint.uri) for lint in lints]
        removed = [uri for uri in self._members.get(unit, []) if uri not in uris]
        for uri in removed:
            self.results.pop(uri, None)
        for lint in lints:
            lint.result_id = str(next(self._ids))
            self.results[key_of(lint.uri)] = lint
        self._keys[unit], self._members[unit] = key, uris
        return removed

    def _report_errors(self, unit: str, lints: list[DocumentLint]) -> None:
        logged = self._logged.setdefault(unit, set())
        for lint in lints:
            for error in lint.errors:
                if error not in logged:  # once per document, not on every keystroke
                    logged.add(error)
                    self.server.log(f"{path_of(lint.uri)}: {error}", types.MessageType.Error)
            if lint.stopped and STALE_NOTICE not in logged:
                # The diagnostics shown are partial: say so once, where the user looks.
                logged.add(STALE_NOTICE)
                self.server.notify_user(
                    f"pt-lsp: {path_of(lint.uri)}: {lint.stopped}. The diagnostics shown are partial; "
                    "raise the `timeBudget` setting to analyse this file fully.",
                    types.MessageType.Warning,
                )

    # -- push diagnostics ----------------------------------------------------------------------
    def schedule(self, uri: str, delay: float) -> None:
        """Lint the unit holding ``uri`` after ``delay`` seconds, replacing any pending lint."""
        unit = self.unit_of(uri)
        if not self.pushes(unit) and not self._is_notebook(unit):
            return  # the client asks when it wants them (notebooks: see _refresh_cells)
        pending = self._pending.pop(unit, None)
        if pending is not None:
            pending.cancel()
        task = asyncio.get_running_loop().create_task(self._lint_and_publish(unit, delay))
        self._pending[unit] = task
        task.add_done_callback(lambda done: self._pending.pop(unit, None) if self._pending.get(unit) is done else None)

    async def _lint_and_publish(self, unit: str, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            lints = await self.lint(unit)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug of ours must not kill the server or go unnoticed
            logger.exception("linting %s failed", unit)
            self.server.log(f"internal error while linting {unit}; see the server log", types.MessageType.Error)
            return
        if not self.pushes(unit):
            return  # the client started pulling meanwhile
        for lint in lints or []:
            self._publish(lint.uri, lint.version, lint.diagnostics)

    def _publish(self, uri: str, version: int | None, diagnostics: list[types.Diagnostic]) -> None:
        if diagnostics:
            self._pushed[key_of(uri)] = uri
        else:
            self._pushed.pop(key_of(uri), None)
        params = types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        self.server.text_document_publish_diagnostics(params)

    def forget(self, uri: str) -> None:
        """A unit was closed: stop its pending lint and clear its diagnostics."""
        unit = key_of(uri)
        pending = self._pending.pop(unit, None)
        if pending is not None:
            pending.cancel()
        self._keys.pop(unit, None)
        self._logged.pop(unit, None)
        self._dependency_saves.pop(unit, None)
        self.incremental.pop(unit, None)
        pushes = self.pushes(unit)
        self._notebook_units.discard(unit)
        for member in self._members.pop(unit, [key_of(uri)]):
            lint = self.results.pop(member, None)
            if pushes:
                self._publish(lint.uri if lint else uri, None, [])

    def relint_dependents(self, uri: str) -> None:
        """``uri`` was saved: the open units whose last lint read that file from disk (``from
        models import Net`` in ``train.py``) are analysed again, as the CLI's cache would."""
        saved, unit_saved = os.path.abspath(path_of(uri)), self.unit_of(uri)
        dependents = [
            unit
            for unit in self.open_units()
            if unit != unit_saved
            and any(saved in self.results[m].reads for m in self._members.get(unit, []) if m in self.results)
        ]
        for unit in dependents:
            self._dependency_saves[unit] = self._dependency_saves.get(unit, 0) + 1
            self.incremental.pop(unit, None)  # its per-function memo holds the old file's facts
            if self.pushes(unit):
                self.schedule(unit, 0)
        if any(not self.pushes(unit) for unit in dependents) and self.server.client.diagnostic_refresh:
            self.server.workspace_diagnostic_refresh(None)  # pulling clients ask again

    def relint_all(self) -> None:
        """Settings or a pyproject.toml changed: every open unit's results are out of date."""
        self.generation += 1
        if self.server.client.pull_diagnostics and self.server.client.diagnostic_refresh:
            self.server.workspace_diagnostic_refresh(None)
        for unit in self.open_units():
            if self.pushes(unit):
                self.schedule(unit, 0)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


_frozen = False


def _collect() -> None:
    """A full collection; after the first one, what is alive then (modules, rules, the server's
    own objects: most of the heap) is frozen, so each later collection walks only the objects
    made since instead of the whole start-up heap (about two thirds of its cost)."""
    global _frozen
    gc.collect()
    if not _frozen:
        gc.freeze()
        _frozen = True
