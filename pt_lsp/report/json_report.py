"""``--output-format json``: an array of objects with ruff's field names (rows and columns
1-based, ``cell`` set for notebooks)."""

from __future__ import annotations

import json

from pt_lsp.core.document import Pos
from pt_lsp.core.findings import Fix

from .model import Located, absolute, step_file


def _location(pos: Pos) -> dict:
    return {"row": pos.line, "column": pos.col + 1}


def fix_object(fix: Fix | None) -> dict | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability.value,
        "message": fix.title,
        "edits": [
            {"content": edit.content, "location": _location(edit.span.start), "end_location": _location(edit.span.end)}
            for edit in fix.edits
        ],
    }


def finding_object(loc: Located, urls: dict[str, str]) -> dict:
    finding = loc.finding
    return {
        "cell": loc.cell,
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "severity": finding.severity.value,
        "filename": absolute(loc.filename),
        "location": _location(finding.span.start),
        "end_location": _location(finding.span.end),
        "fix": fix_object(finding.fix),
        "url": urls.get(finding.code),
        "noqa_row": finding.span.start.line,
        # The evidence path: the places that decided a flow finding, in program order.
        "related": [
            {
                "message": related.message,
                "filename": absolute(step_file(loc, related)),
                "cell": related.cell,
                "location": _location(related.span.start),
                "end_location": _location(related.span.end),
            }
            for related in finding.related
        ],
    }


def rule_urls() -> dict[str, str]:
    from pt_lsp.core.rule import all_rules

    return {code: rule.url() for code, rule in all_rules().items()}


def format_json(findings: list[Located]) -> str:
    urls = rule_urls()
    return json.dumps([finding_object(loc, urls) for loc in findings], indent=2, ensure_ascii=False) + "\n"
