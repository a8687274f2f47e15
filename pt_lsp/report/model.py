"""What the reporters receive: findings located in a file (and a notebook cell)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pt_lsp.core.findings import Applicability, Finding, Fix, Related


@dataclass(frozen=True)
class Located:
    """A finding in ``filename``; for a notebook, ``cell`` is the 1-based cell number and the
    finding's span (and fix edits) are relative to that cell."""

    filename: str
    finding: Finding
    cell: int | None = None

    @property
    def row(self) -> int:
        return self.finding.span.start.line

    @property
    def column(self) -> int:
        """1-based, like every column the reporters print."""
        return self.finding.span.start.col + 1

    def sort_key(self) -> tuple:
        span = self.finding.span
        return (self.filename, self.cell or 0, span.start, span.end, self.finding.code)


def step_file(loc: Located, related: Related) -> str:
    """The file an evidence step is in: the finding's, or the step's own (relative to it)."""
    if related.path is None:
        return loc.filename
    return related.path if os.path.isabs(related.path) else os.path.join(os.path.dirname(loc.filename), related.path)


def fix_applies(fix: Fix | None, unsafe: bool) -> bool:
    """Whether ``--fix`` (with ``--unsafe-fixes`` when ``unsafe``) would apply ``fix``."""
    if fix is None:
        return False
    return fix.applicability is Applicability.SAFE or (unsafe and fix.applicability is Applicability.UNSAFE)


def hidden_unsafe(fix: Fix | None, unsafe: bool) -> bool:
    """A fix that only ``--unsafe-fixes`` would apply."""
    return fix is not None and not unsafe and fix.applicability is Applicability.UNSAFE


def absolute(filename: str) -> str:
    """The path reporters print; ``-`` (stdin without ``--stdin-filename``) stays ``-`` (ruff)."""
    return filename if filename == "-" else os.path.abspath(filename)


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural_form or word + 's')}"
