"""Lint a program of ours and run it under torch in a child process, as a user would
(``python prog.py`` in its folder, beside the other files of its package)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection


def reported_lines(source: str, code: str, name: str = "prog.py") -> list[int]:
    result = lint_source(source, name, selection=Selection.of([code]))
    return [f.line for f in result.findings]


def run_program(
    folder: Path, source: str, name: str = "prog.py", files: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``source`` saved as ``folder/name`` (with ``files``, paths relative to ``folder``)."""
    pytest.importorskip("torch")
    for path, text in (files or {}).items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    (folder / name).write_text(source)
    return subprocess.run([sys.executable, name], cwd=folder, capture_output=True, text=True, timeout=120)
