"""Findings -> LSP diagnostics.

Each diagnostic carries its fixes in ``data``, already converted to LSP ranges, so that a code
action needs no second analysis (the client hands ``data`` back untouched).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Protocol

from lsprotocol import types

from pt_lsp.core.document import Document, Span
from pt_lsp.core.findings import Finding, Fix, Severity
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


@functools.cache
def _code_description(code: str) -> types.CodeDescription | None:
    # Cached: all_rules() lists the rules package on every call. Rules are all registered
    # at start-up (built-in and PT_LSP_EXTRA_RULES), before the first lint.
    rule = all_rules().get(code)
    return types.CodeDescription(href=rule.url()) if rule is not None else None


def to_diagnostic(
    finding: Finding, place: Place, locator: Locator, settings: Settings, client: ClientFeatures
) -> types.Diagnostic:
    """The diagnostic of ``finding``, whose span ``locator`` has already placed at ``place``."""
    related = None
    if client.related_information and finding.related:
        related = []
        for item in finding.related:
            where = locator.place(item.span)
            location = types.Location(uri=where.uri, range=to_range(where.doc, where.span, client.encoding))
            related.append(types.DiagnosticRelatedInformation(location=location, message=item.message))
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
