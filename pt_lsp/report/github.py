"""``--output-format github``: workflow commands that GitHub Actions shows as annotations."""

from __future__ import annotations

from .model import Located


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_finding(loc: Located) -> str:
    finding = loc.finding
    span = finding.span
    properties = ",".join(
        [
            f"title={_escape_property(f'pt-lsp ({finding.code})')}",
            f"file={_escape_property(loc.filename)}",
            f"line={span.start.line}",
            f"col={span.start.col + 1}",
            f"endLine={span.end.line}",
            f"endColumn={span.end.col + 1}",
        ]
    )
    where = f"cell {loc.cell}: " if loc.cell is not None else ""
    level = "error" if finding.severity.value == "error" else "warning"
    return f"::{level} {properties}::{_escape_data(f'{where}{finding.code} {finding.message}')}"


def format_github(findings: list[Located]) -> str:
    return "".join(format_finding(loc) + "\n" for loc in findings)
