"""Helpers for tests that lint a program and run it under torch, as written (dedented, not
stripped: line numbers count the program's leading blank line)."""

from __future__ import annotations

import contextlib
import io
import sys
import textwrap
import warnings
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


def run_strictly(source: str, cuda: bool = False, filename: str = "<ours>") -> None:
    """Execute the program with UserWarnings as errors (a deprecated call must not pass for a
    working one), on fake CUDA where ``cuda``; output discarded."""
    from pt_lsp.runtime.fake_cuda import fake_cuda

    code = compile(textwrap.dedent(source), filename, "exec")
    scope = {"__name__": "__main__", "print": lambda *a, **k: None}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        with fake_cuda() if cuda else contextlib.nullcontext():
            exec(code, scope)


def failing_line(source: str, error: type[BaseException], match: str, cuda: bool = False) -> int:
    """The line of the program where ``run_strictly`` raises ``error`` (the test fails if not)."""
    with pytest.raises(error, match=match) as raised:
        run_strictly(source, cuda)
    tb, line = raised.tb, 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<ours>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
