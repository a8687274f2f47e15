"""``--output-format sarif``: SARIF 2.1.0 as GitHub code scanning accepts it, with the metadata
of every rule (id, name, short and full description, help URI)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pt_lsp
from pt_lsp.core.findings import Severity
from pt_lsp.core.rule import all_rules

from .model import Located, step_file

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.HINT: "note"}


def _uri(filename: str) -> str:
    """A path relative to the working directory (what code scanning resolves against the
    checkout), or a file URI for files outside it."""
    absolute = os.path.abspath(filename)
    relative = os.path.relpath(absolute)
    if relative.startswith(".."):
        return Path(absolute).as_uri()
    return relative.replace(os.sep, "/")


def rule_descriptors() -> list[dict]:
    descriptors = []
    for code, rule in all_rules().items():
        doc = rule.documentation()
        descriptors.append(
            {
                "id": code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary or rule.name},
                "fullDescription": {"text": _first_section(doc) or rule.summary or rule.name},
                "help": {"text": doc, "markdown": doc},
                "helpUri": rule.url(),
                "defaultConfiguration": {"level": LEVELS[rule.severity]},
                "properties": {"fixable": rule.has_fix()},
            }
        )
    return descriptors


def _first_section(doc: str) -> str:
    """The text of the 'What it does' section, for the full description."""
    lines, taking = [], False
    for line in doc.splitlines():
        if line.startswith("## "):
            if taking:
                break
            taking = line[3:].strip().lower() == "what it does"
            continue
        if taking:
            lines.append(line)
    return " ".join(" ".join(lines).split())


def _region(span) -> dict:
    return {
        "startLine": span.start.line,
        "startColumn": span.start.col + 1,
        "endLine": span.end.line,
        "endColumn": span.end.col + 1,
    }


def _result(loc: Located, index: dict[str, int]) -> dict:
    finding = loc.finding
    message = finding.message if loc.cell is None else f"cell {loc.cell}: {finding.message}"
    result: dict[str, object] = {
        "ruleId": finding.code,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(loc.filename)},
                    "region": _region(finding.span),
                }
            }
        ],
    }
    if finding.related:  # the evidence path, e.g. the earlier backward() that freed the graph (PTL201)
        result["relatedLocations"] = [
            {
                "id": number,
                "message": {"text": related.message},
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(step_file(loc, related))},
                    "region": _region(related.span),
                },
            }
            for number, related in enumerate(finding.related, start=1)
        ]
        # The same steps as a code flow (GitHub code scanning: "Show paths"), ending at the finding.
        steps = [(related.message, step_file(loc, related), related.span) for related in finding.related]
        steps.append((message, loc.filename, finding.span))
        result["codeFlows"] = [
            {
                "threadFlows": [
                    {
                        "locations": [
                            {
                                "location": {
                                    "message": {"text": text},
                                    "physicalLocation": {
                                        "artifactLocation": {"uri": _uri(filename)},
                                        "region": _region(span),
                                    },
                                }
                            }
                            for text, filename, span in steps
                        ]
                    }
                ]
            }
        ]
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if finding.fix is not None and loc.cell is None:
        result["fixes"] = [
            {
                "description": {"text": finding.fix.title},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": _uri(loc.filename)},
                        "replacements": [
                            {"deletedRegion": _region(edit.span), "insertedContent": {"text": edit.content}}
                            for edit in finding.fix.edits
                        ],
                    }
                ],
            }
        ]
    return result


def sarif_log(findings: list[Located]) -> dict:
    rules = rule_descriptors()
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pt-lsp",
                        "version": pt_lsp.__version__,
                        "informationUri": "https://github.com/pt-lsp/pt-lsp",
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [_result(loc, index) for loc in findings],
            }
        ],
    }


def format_sarif(findings: list[Located]) -> str:
    return json.dumps(sarif_log(findings), indent=2, ensure_ascii=False) + "\n"
