"""Helpers for tests that lint a program and run it under torch, as written (dedented, not
stripped: line numbers count the program's leading blank line)."""

from __future__ import annotations

import contextlib
import io
import sys
import textwrap
from typing import Any

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

torch = pytest.importorskip("torch")  # the test modules using these are skipped without it

FREED = "backward through the graph a second time"


def lines(source: str, code: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<program>", selection=Selection.of([code]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == code]


def line_of(source: str, text: str) -> int:
    return next(i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line)


def run(source: str, argv: tuple[str, ...] = ()) -> dict[str, Any]:
    """Execute the program (seeded, ``__name__ == "__main__"``, ``sys.argv`` set) and return its
    namespace."""
    torch.manual_seed(0)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    saved = sys.argv
    sys.argv = ["prog", *argv]
    try:
        exec(compile(textwrap.dedent(source), "<program>", "exec"), namespace)
    finally:
        sys.argv = saved
    return namespace


def run_on_fake_cuda(source: str) -> str | None:
    """The RuntimeError the program raises with CUDA available (pt-lsp's fake-cuda proxy, as
    ``pt-lsp run --device fake-cuda`` runs it), or None when it runs."""
    from pt_lsp.runtime.fake_cuda import fake_cuda  # torch only once the module's skip has passed

    with fake_cuda(), contextlib.redirect_stdout(io.StringIO()):
        try:
            exec(compile(textwrap.dedent(source), "<program>", "exec"), {"__name__": "__main__"})
        except RuntimeError as error:
            return str(error)
    return None
