"""Run a test's program under torch (on the CPU, or on fake CUDA), as the rule tests that check
what torch does with a program they lint: UserWarnings are errors (a deprecated call must not pass
for a working one), and a failure is located at its line in the program."""

from __future__ import annotations

import textwrap
import warnings

import pytest

from pt_lsp.runtime.fake_cuda import fake_cuda


def run(source: str, cuda: bool = False, filename: str = "<ours>") -> None:
    code = compile(textwrap.dedent(source), filename, "exec")
    scope = {"__name__": "__main__", "print": lambda *a, **k: None}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        if cuda:
            with fake_cuda():
                exec(code, scope)
        else:
            exec(code, scope)


def failing_line(source: str, error: type[BaseException], match: str, cuda: bool = False) -> int:
    """The line of the program where it raises ``error`` (the test fails if it does not)."""
    with pytest.raises(error, match=match) as raised:
        run(source, cuda)
    tb, line = raised.tb, 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<ours>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
