"""Findings -> LSP diagnostics.

Each diagnostic carries its fixes in ``data``, already converted to LSP ranges, so that a code
action needs no second analysis (the client hands ``data`` back untouched). A finding's
evidence path (``Finding.related``, in order) becomes ``relatedInformation`` for clients that
show it; the rule's message is complete without it.
"""

from __future__ import annotations

import functools
import os
import pathlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from lsprotocol import types

from pt_lsp.core.document import Document, Span
from pt_lsp.core.findings import Finding, Fix, Related, Severity
from pt_lsp.core.rule import all_rules

from .client import ClientFeatures
from .positions import range_json, to_range
from .settings import Settings

SOURCE = "pt-lsp"
DEPRECATED_CODES = frozenset({"PTL101", "PTL102"})  # legacy APIs: editors strike them through

LSP_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


@dataclass(frozen=True)
class Place:
    """Where a core span lands in the editor: which document, its text, the span inside it."""

    uri: str
    version: int | None
    doc: Document
    span: Span
    cell: int | None = None  # the notebook cell's index among all cells, for a cell


class Locator(Protocol):
    def place(self, span: Span) -> Place: ...


@dataclass(frozen=True)
class SingleDocument:
    """A plain text document: spans are already in its own coordinates."""

    uri: str
    version: int | None
    doc: Document

    def place(self, span: Span) -> Place:
        return Place(self.uri, self.version, self.doc, span)


def fix_json(fix: Fix, locator: Locator, encoding: str) -> dict:
    edits = []
    for edit in fix.edits:
        place = locator.place(edit.span)
        edits.append(
            {
                "uri": place.uri,
                "version": place.version,
                "range": range_json(to_range(place.doc, place.span, encoding)),
                "newText": edit.content,
            }
        )
    return {"title": fix.title, "applicability": fix.applicability.value, "edits": edits}


@dataclass(frozen=True)
class Step:
    """One step of a finding's evidence path, placed in the editor."""

    location: types.Location
    message: str
    where: str  # for people: "line 4", "cell 1, line 2", "other.py, line 7"


def _foreign_location(path: str, span: Span, encoding: str) -> types.Location:
    """A span in another file than the one linted (read from disk, where it can be, for columns
    in the client's encoding; else they are taken as they are)."""
    uri = pathlib.Path(path).as_uri()
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return types.Location(uri=uri, range=to_range(Document(file.read()), span, encoding))
    except OSError:
        start, end = span.start, span.end
        return types.Location(
            uri=uri,
            range=types.Range(
                start=types.Position(line=max(start.line - 1, 0), character=start.col),
                end=types.Position(line=max(end.line - 1, 0), character=end.col),
            ),
        )


def _step_path(step: Related, linted: str | None) -> str | None:
    """The file of an evidence step when it is not the linted one (None: the linted one)."""
    path = step.path
    if path is None or linted is None:
        return None
    if not os.path.isabs(path):
        path = os.path.join(os.path.dirname(os.path.abspath(linted)), path)
    same = os.path.normcase(os.path.abspath(path)) == os.path.normcase(os.path.abspath(linted))
    return None if same else path


def evidence(finding: Finding, place: Place, locator: Locator, linted: str | None, encoding: str) -> tuple[Step, ...]:
    """The steps of ``finding``'s evidence path, in order; ``place`` is where the finding is."""
    steps = []
    for item in finding.related:
        message = item.message
        foreign = _step_path(item, linted)
        if foreign:
            label = f"{os.path.basename(foreign)}, line {item.span.start.line}"
            steps.append(Step(_foreign_location(foreign, item.span, encoding), message, label))
            continue
        where = locator.place(item.span)
        line = where.span.start.line
        if where.uri != place.uri and where.cell is not None:
            label = f"cell {where.cell + 1}, line {line}"
        else:
            label = f"line {line}"
        location = types.Location(uri=where.uri, range=to_range(where.doc, where.span, encoding))
        steps.append(Step(location, message, label))
    return tuple(steps)


@functools.cache
def _code_description(code: str) -> types.CodeDescription | None:
    # Cached: all_rules() lists the rules package on every call. Rules are all registered
    # at start-up (built-in and PT_LSP_EXTRA_RULES), before the first lint.
    rule = all_rules().get(code)
    return types.CodeDescription(href=rule.url()) if rule is not None else None


def to_diagnostic(
    finding: Finding,
    place: Place,
    locator: Locator,
    settings: Settings,
    client: ClientFeatures,
    steps: Sequence[Step] = (),
) -> types.Diagnostic:
    """The diagnostic of ``finding``, whose span ``locator`` has already placed at ``place``;
    ``steps``: its evidence path (``evidence``)."""
    related = None
    if client.related_information and steps:
        related = [types.DiagnosticRelatedInformation(location=s.location, message=s.message) for s in steps]
    return types.Diagnostic(
        range=to_range(place.doc, place.span, client.encoding),
        message=finding.message,
        severity=LSP_SEVERITY[settings.severity_of(finding.code, finding.severity)],
        code=finding.code,
        code_description=_code_description(finding.code) if client.code_description else None,
        source=SOURCE,
        tags=[types.DiagnosticTag.Deprecated] if finding.code in DEPRECATED_CODES else None,
        related_information=related,
        data={
            "code": finding.code,
            "version": place.version,  # of the text it was computed on: stale ones get no actions
            "fixes": [fix_json(fix, locator, client.encoding) for fix in finding.fixes],
        },
    )
