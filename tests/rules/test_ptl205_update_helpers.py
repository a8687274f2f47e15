"""PTL205 on update helpers (`def sgd(params, lr): for p in params: p -= lr * p.grad`) that a
file calls with parameters or leaves: the helper names no leaf source, its callers do. Every
program is ours; torch raises at the reported update and runs the silent ones."""

from __future__ import annotations

import pytest
from program_helpers import line_of, lines, run

# -- PTL205: an update helper the file calls with leaves -------------------------------------------
LEAF = "a leaf Variable that requires grad is being used in an in-place operation"
HELPER = """
    import torch
    import torch.nn as nn

    {decorator}def sgd(params, lr):
        for p in params:
            p -= lr * p.grad

    net = nn.Linear(3, 1)
    w = torch.randn(3, requires_grad=True)
    for _ in range(2):
        (net(torch.randn(2, 3)).sum() + w.sum()).backward()
        {call}
    """


@pytest.mark.parametrize("call", ["sgd(net.parameters(), 0.1)", "sgd([w], 0.1)"])
def test_an_update_helper_called_with_leaves_is_reported(call: str) -> None:
    """`sgd(params, lr)` names no leaf source; its caller hands it parameters (or a list of a leaf
    made with requires_grad=True): torch raises at `p -= ...`."""
    source = HELPER.format(decorator="", call=call)
    assert lines(source, "PTL205") == [line_of(source, "p -= lr")]
    with pytest.raises(RuntimeError, match=LEAF):
        run(source)


@pytest.mark.parametrize("decorator", ["@torch.no_grad()\n    ", ""])
def test_an_update_helper_under_no_grad_is_silent(decorator: str) -> None:
    """The helper decorated with `@torch.no_grad()`, or called inside `with torch.no_grad():`:
    torch runs both."""
    call = "sgd(net.parameters(), 0.1)" if decorator else "with torch.no_grad():\n            sgd([w], 0.1)"
    source = HELPER.format(decorator=decorator, call=call)
    assert lines(source, "PTL205") == []
    run(source)
