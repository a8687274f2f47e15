"""``--diff``: the unified diff a fix would make, with ruff's ``--- path`` / ``+++ path`` headers."""

from __future__ import annotations

import difflib


def unified_diff(path: str, before: str, after: str, label: str | None = None) -> str:
    """A unified diff of two '\\n'-separated texts; '' when they are equal."""
    if before == after:
        return ""
    name = label or path
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=name, tofile=name
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out) + "\n"


def notebook_cell_diffs(path: str, before: dict[int, str], after: dict[int, str]) -> str:
    """One diff per changed code cell, labelled ``path:cell N``."""
    parts = []
    for index in sorted(after):
        old, new = before.get(index, ""), after[index]
        if old != new:
            # a cell's last line has no newline of its own; do not make the diff say so
            old, new = (text if text.endswith("\n") else text + "\n" for text in (old, new))
            parts.append(unified_diff(path, old, new, f"{path}:cell {index + 1}"))
    return "".join(parts)
