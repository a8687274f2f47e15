"""The report of `pt-lsp run`, through the reporters of `pt-lsp check`: JSON is check's schema
with ``source`` ("runtime" or "static"), ``crosscheck``, ``count`` and ``confirms`` added; text
is the full format plus the cross-check; SARIF and GitHub annotations carry the runtime findings."""

from __future__ import annotations

import json
import linecache
import os

from pt_lsp.report.github import format_github
from pt_lsp.report.json_report import finding_object, rule_urls
from pt_lsp.report.model import Located, plural
from pt_lsp.report.sarif import sarif_log
from pt_lsp.report.text import format_full, format_location

from .crosscheck import CONFIRMED, NO_SYMPTOM, NOT_CHECKED, NOT_REACHED, RUNTIME_ONLY, StaticFinding
from .session import RunResult

FORMATS = ("text", "json", "sarif", "github")


def display_path(filename: str) -> str:
    relative = os.path.relpath(filename)
    return filename if relative.startswith("..") else relative


def _located(filename: str, finding: object) -> Located:
    return Located(display_path(filename), finding)  # type: ignore[arg-type]


def _static_object(static: StaticFinding) -> dict:
    loc = _located(static.filename, static.finding)
    return {
        "code": static.finding.code,
        "message": static.finding.message,
        "filename": os.path.abspath(static.filename),
        "location": {"row": loc.row, "column": loc.column},
        "end_location": {"row": static.finding.span.end.line, "column": static.finding.span.end.col + 1},
    }


def json_objects(result: RunResult) -> list[dict]:
    urls = rule_urls()
    objects = []
    for entry in result.findings:
        data = finding_object(_located(entry.filename, entry.finding), urls)
        confirmed = result.crosscheck.confirms.get(id(entry))
        data.update(
            source="runtime",
            crosscheck=_status(result, confirmed),
            count=entry.count,
            confirms=None if confirmed is None else _static_object(confirmed),
        )
        objects.append(data)
    for static in result.crosscheck.static:
        data = finding_object(_located(static.filename, static.finding), urls)
        data.update(source="static", crosscheck=static.status)
        objects.append(data)
    return objects


def _status(result: RunResult, confirmed: StaticFinding | None) -> str | None:
    """A runtime finding's cross-check status; None where `--no-crosscheck` compared nothing."""
    if not result.crosscheck.ran:
        return None
    return CONFIRMED if confirmed else RUNTIME_ONLY


def format_json(result: RunResult) -> str:
    return json.dumps(json_objects(result), indent=2, ensure_ascii=False) + "\n"


def format_sarif(result: RunResult) -> str:
    log = sarif_log([_located(entry.filename, entry.finding) for entry in result.findings])
    for entry, sarif_result in zip(result.findings, log["runs"][0]["results"]):
        confirmed = result.crosscheck.confirms.get(id(entry))
        sarif_result["properties"] = {
            "source": "runtime",
            "crosscheck": _status(result, confirmed),
            "count": entry.count,
        }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def format_annotations(result: RunResult) -> str:
    return format_github([_located(entry.filename, entry.finding) for entry in result.findings])


def _lines(filename: str) -> list[str]:
    return linecache.getlines(filename)


def _outcome(result: RunResult) -> str:
    if result.stopped is not None:
        return f"stopped at the first finding (--fail-fast), exit code {result.exit_code}"
    if result.exception is not None:
        return f"raised {type(result.exception).__name__}, exit code {result.exit_code}"
    return f"exit code {result.exit_code}"


def format_text(result: RunResult) -> str:
    out = [f"pt-lsp run {result.program.label}: {_outcome(result)}", ""]
    for entry in result.findings:
        loc = _located(entry.filename, entry.finding)
        block = format_full(loc, False, _lines(entry.filename)).rstrip("\n")
        out.append(block.replace(f": {entry.finding.code} ", f": {entry.finding.code} [runtime] ", 1))
        if entry.count > 1:
            out.append(f"  = note: seen {entry.count} times")
        confirmed = result.crosscheck.confirms.get(id(entry))
        if confirmed is not None:
            out.append(
                f"  = confirms: {format_location(_located(confirmed.filename, confirmed.finding))}: "
                f"{confirmed.finding.code} {confirmed.finding.message}"
            )
        elif result.crosscheck.ran:
            out.append("  = static: not found by `pt-lsp check`")
        out.append("")
    if result.crosscheck.ran:
        out.extend(_crosscheck_lines(result))
    for note in result.notes + result.crosscheck.errors:
        out.append(f"note: {note}")
    out.append(
        f"Found {plural(len(result.findings), 'runtime finding')}." if result.findings else "No runtime findings."
    )
    return "\n".join(out) + "\n"


def _crosscheck_lines(result: RunResult) -> list[str]:
    counts = result.crosscheck.counts(result.findings)
    out = [
        f"Cross-check with `pt-lsp check` on the files that ran ({plural(len(result.checked), 'rule')} "
        "checked at run time):",
        f"  {counts[CONFIRMED]} confirmed at run time",
        f"  {counts[NO_SYMPTOM]} on lines that ran without a symptom (candidate false alarms)",
    ]
    out.extend(_static_lines(result, NO_SYMPTOM))
    out.append(f"  {counts[RUNTIME_ONLY]} runtime only (missed by the static analysis)")
    out.append(f"  {counts[NOT_REACHED]} on lines the run never reached")
    out.extend(_static_lines(result, NOT_REACHED))
    if counts[NOT_CHECKED]:
        out.append(f"  {counts[NOT_CHECKED]} of rules without a runtime check")
    out.append("")
    return out


def _static_lines(result: RunResult, status: str) -> list[str]:
    return [
        f"    {format_location(_located(s.filename, s.finding))}: {s.finding.code} {s.finding.message}"
        for s in result.crosscheck.static
        if s.status == status
    ]


def render(result: RunResult, output_format: str) -> str:
    if output_format == "json":
        return format_json(result)
    if output_format == "sarif":
        return format_sarif(result)
    if output_format == "github":
        return format_annotations(result)
    return format_text(result)
