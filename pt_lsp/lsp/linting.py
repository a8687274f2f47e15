"""One lint of a text document or of a notebook's cells, turned into per-document diagnostics.

Pure functions of their arguments (text, settings, client features), so they may run in a
worker thread while the event loop keeps reading the client's messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from lsprotocol import types

from pt_lsp.core.document import Document, Span
from pt_lsp.core.engine import lint_source, selected_rules
from pt_lsp.core.findings import Finding
from pt_lsp.core.fixes import applicable
from pt_lsp.core.flow.project_files import take_reads
from pt_lsp.core.incremental import IncrementalLinter
from pt_lsp.core.notebook import JoinedCells, join_cells, lint_notebook
from pt_lsp.core.selection import Selection

from .client import ClientFeatures
from .diagnostics import Locator, Place, SingleDocument, Step, evidence, to_diagnostic
from .settings import Settings


@dataclass(frozen=True)
class Flagged:
    """A finding placed in one document (its span is local to it) and the diagnostic sent for it."""

    finding: Finding
    diagnostic: types.Diagnostic
    steps: tuple[Step, ...] = ()  # its evidence path, placed (for hover)


@dataclass
class DocumentLint:
    uri: str
    version: int | None
    doc: Document
    flagged: list[Flagged] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # rule crashes, for window/logMessage
    result_id: str = ""  # set when stored, for pull diagnostics
    stopped: str | None = None  # the time budget cut the analysis short: partial findings
    reads: frozenset[str] = frozenset()  # other project files the analysis read (absolute paths)

    @property
    def diagnostics(self) -> list[types.Diagnostic]:
        return [item.diagnostic for item in self.flagged]

    def fixable(self, unsafe: bool) -> bool:
        return any(f.finding.fix is not None and applicable(f.finding.fix, unsafe) for f in self.flagged)


def _flag(
    finding: Finding, locator: Locator, path: str, settings: Settings, client: ClientFeatures
) -> tuple[Place, Flagged]:
    place = locator.place(finding.span)
    steps = evidence(finding, place, locator, path, client.encoding)
    diagnostic = to_diagnostic(finding, place, locator, settings, client, steps)
    return place, Flagged(replace(finding, span=place.span), diagnostic, steps)


def lint_document(
    uri: str,
    version: int | None,
    text: str,
    path: str,
    selection: Selection | None,
    settings: Settings,
    client: ClientFeatures,
    incremental: IncrementalLinter | None = None,
) -> DocumentLint:
    """``selection`` None: the project excludes this file; it gets no diagnostics. ``incremental``:
    the document's memo of its last lint (per-function reuse, core/incremental/)."""
    doc = Document(text)
    if selection is None:
        return DocumentLint(uri, version, doc)
    budget = settings.time_budget or None
    if incremental is not None:
        result = incremental.lint(text, path, selection, selected_rules(selection), budget)
    else:
        result = lint_source(text, path, selection, budget=budget)
    locator = SingleDocument(uri, version, doc)
    reads = frozenset(take_reads(path)) if path else frozenset()
    lint = DocumentLint(uri, version, doc, errors=list(result.errors), stopped=result.stopped, reads=reads)
    if result.message:
        lint.errors.append(result.message)  # could not be linted at all
    lint.flagged = [_flag(finding, locator, path, settings, client)[1] for finding in result.findings]
    if settings.runtime_findings:  # the latest `pt-lsp run` beside the static findings
        from .runtime_findings import annotate

        pairs = [(item.finding, item.diagnostic) for item in lint.flagged]
        added = annotate(pairs, doc, version, path, text, client.encoding)
        lint.flagged += [Flagged(finding, diagnostic) for finding, diagnostic in added]
    return lint


@dataclass(frozen=True)
class CellText:
    uri: str
    index: int  # position among the notebook's cells
    version: int | None
    text: str


class CellLocator:
    """Places spans of the joined program in the cell they came from."""

    def __init__(self, joined: JoinedCells, cells: list[CellText]) -> None:
        self.joined = joined
        self.cells = {cell.index: cell for cell in cells}
        self.docs = {cell.uri: Document(cell.text) for cell in cells}

    def place(self, span: Span) -> Place:
        cell, local = self.joined.to_cell_span(span)
        text = self.cells[cell.index]
        return Place(text.uri, text.version, self.docs[text.uri], local, cell.index)


def lint_cells(
    cells: list[CellText], path: str, selection: Selection | None, settings: Settings, client: ClientFeatures
) -> list[DocumentLint]:
    """Lint code cells as one program (each in the context of those before it), per cell."""
    if not cells:
        return []
    sources = [(cell.index, cell.text) for cell in cells]
    if selection is None:
        joined = join_cells(sources)
        locator = CellLocator(joined, cells)
        return [DocumentLint(cell.uri, cell.version, locator.docs[cell.uri]) for cell in cells]
    # A cell that does not parse gets its own PTL000; the others are still linted together.
    joined, result = lint_notebook(sources, path, selection)
    reads = frozenset(take_reads(path)) if path else frozenset()
    locator = CellLocator(joined, cells)
    lints = {cell.uri: DocumentLint(cell.uri, cell.version, locator.docs[cell.uri], reads=reads) for cell in cells}
    first = lints[cells[0].uri]
    first.errors.extend(result.errors)  # reported once per notebook
    for finding in result.findings:
        place, flagged = _flag(finding, locator, path, settings, client)
        lints[place.uri].flagged.append(flagged)
    return list(lints.values())
