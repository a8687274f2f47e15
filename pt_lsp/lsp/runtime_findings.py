"""The ``runtimeFindings`` setting: what the latest `pt-lsp run` saw, beside the static diagnostics.

`pt-lsp run` writes its JSON report to ``.pt-lsp/run.json`` (in the folder it ran from; found here
by walking up from the linted file). For a file the report covers, a static diagnostic the run
confirmed says so ("confirmed at runtime"), one on a line that ran without the symptom says that,
and each runtime finding the static pass missed becomes a diagnostic of its own. A report older
than the file on disk, or a buffer that differs from the file it ran, is not used: its lines may
no longer be the file's. No torch here: the report is plain JSON.
"""

from __future__ import annotations

import json
import os
import pathlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lsprotocol import types

from pt_lsp.core.document import Document, Pos, Span
from pt_lsp.core.findings import Finding, Related, Severity

from .positions import to_range

REPORT = os.path.join(".pt-lsp", "run.json")
RUNTIME_SOURCE = "pt-lsp (runtime)"
TAGS = {"confirmed": "confirmed at runtime", "no-symptom": "ran at runtime without a symptom"}
_SEVERITIES = {s.value: s for s in Severity}


@dataclass(frozen=True)
class _Report:
    path: str
    stamp: tuple[int, int]  # mtime_ns, size: reread when it changes
    entries: tuple[dict[str, Any], ...]


_cache: dict[str, _Report] = {}


def find_report(path: str) -> str | None:
    """The nearest ``.pt-lsp/run.json`` above ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        candidate = os.path.join(folder, REPORT)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def load(report_path: str) -> tuple[dict[str, Any], ...] | None:
    """The report's findings (cached by modification time and size); None if it cannot be read."""
    try:
        stat = os.stat(report_path)
    except OSError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(report_path)
    if cached is not None and cached.stamp == stamp:
        return cached.entries
    try:
        with open(report_path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(data, list):
        return None
    entries = tuple(e for e in data if isinstance(e, dict) and isinstance(e.get("filename"), str))
    _cache[report_path] = _Report(report_path, stamp, entries)
    return entries


def _current(path: str, text: str, report_path: str) -> bool:
    """The buffer is the file on disk, and the file has not changed since the run."""
    try:
        if os.stat(path).st_mtime_ns > os.stat(report_path).st_mtime_ns:
            return False
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read().replace("\r\n", "\n") == text
    except (OSError, UnicodeDecodeError):
        return False


def _span(entry: dict[str, Any]) -> Span:
    start, end = entry.get("location") or {}, entry.get("end_location") or entry.get("location") or {}
    line = int(start.get("row", 1))
    return Span(
        Pos(line, max(int(start.get("column", 1)) - 1, 0)),
        Pos(int(end.get("row", line)), max(int(end.get("column", 1)) - 1, 0)),
    )


def _key(code: str, span: Span) -> tuple[str, int, int]:
    return code, span.start.line, span.start.col


def annotate(
    flagged: Sequence[tuple[Finding, types.Diagnostic]],
    doc: Document,
    version: int | None,
    path: str,
    text: str,
    encoding: str,
) -> list[tuple[Finding, types.Diagnostic]]:
    """Tag the static diagnostics with the latest run's outcome; give back the runtime-only findings
    of this file as new ones."""
    report_path = find_report(path)
    if report_path is None:
        return []
    entries = load(report_path)
    if not entries or not _current(path, text, report_path):
        return []
    here = os.path.normcase(os.path.abspath(path))
    mine = [e for e in entries if os.path.normcase(e["filename"]) == here]
    status = {_key(str(e.get("code")), _span(e)): e.get("crosscheck") for e in mine if e.get("source") == "static"}
    for finding, diagnostic in flagged:
        tag = TAGS.get(str(status.get(_key(finding.code, finding.span))))
        if tag:
            diagnostic.message = f"{diagnostic.message} ({tag})"
    return [
        _runtime_only(entry, doc, version, path, encoding)
        for entry in mine
        if entry.get("source") == "runtime" and entry.get("crosscheck") == "runtime-only"
    ]


def _runtime_only(
    entry: dict[str, Any], doc: Document, version: int | None, path: str, encoding: str
) -> tuple[Finding, types.Diagnostic]:
    code = str(entry.get("code"))
    span = _span(entry)
    related = tuple(
        Related(_span(step), str(step.get("message", "")), path=step.get("filename"))
        for step in entry.get("related") or ()
        if isinstance(step, dict)
    )
    finding = Finding(
        code,
        str(entry.get("name", code)),
        f"{entry.get('message', '')} (seen at runtime; not found by the static analysis)",
        span,
        _SEVERITIES.get(str(entry.get("severity")), Severity.ERROR),
        related=related,
    )
    information = [
        types.DiagnosticRelatedInformation(
            location=types.Location(
                uri=pathlib.Path(step.path or path).as_uri(), range=to_range(doc, step.span, encoding)
            ),
            message=step.message,
        )
        for step in related
    ]
    diagnostic = types.Diagnostic(
        range=to_range(doc, span, encoding),
        message=finding.message,
        severity=types.DiagnosticSeverity.Error
        if finding.severity is Severity.ERROR
        else types.DiagnosticSeverity.Warning,
        code=code,
        source=RUNTIME_SOURCE,
        related_information=information or None,
        data={"code": code, "version": version, "fixes": []},
    )
    return finding, diagnostic
