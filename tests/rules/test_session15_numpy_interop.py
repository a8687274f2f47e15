"""Session 15 (H-401): PTL401-404 facts from our own programs rebuilt from real reports and from
audit-17's false alarm G2. Every program is ours; each reported one fails under torch 2.13 at the
marked line, run here (under fake-cuda where it needs CUDA); each silent one runs cleanly.

- A with-item ``A and B`` / ``A or B`` / ``A if c else B`` enters one of its operands: grad is off
  in the block when one of them may be ``torch.no_grad()`` (audit-17 G2:
  ``with np.errstate(...) and torch.no_grad():``, the ``and`` yields the no_grad object).
"""

from __future__ import annotations

import pytest
from program_helpers import failing_line, run_strictly
from rules_helpers import found, marked

# -- with-items that evaluate to torch.no_grad() ---------------------------------------------
NO_GRAD_ITEMS = {
    "errstate and no_grad (audit-17 G2)": """\
    import numpy as np
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
    with np.errstate(invalid="ignore") and torch.no_grad():
        xs = torch.linspace(0.0, 1.0, 5).reshape(-1, 1)
        ys = model(xs).squeeze().numpy()
    print(ys.shape)
""",
    "a context or no_grad": """\
    import torch
    import torch.nn as nn

    model = nn.Linear(3, 1)
    ctx = None
    with ctx or torch.no_grad():
        out = model(torch.randn(2, 3)).numpy()
    print(out.shape)
""",
    "no_grad if evaluating else nullcontext": """\
    import contextlib
    import torch
    import torch.nn as nn

    model = nn.Linear(3, 1)
    evaluating = True
    with torch.no_grad() if evaluating else contextlib.nullcontext():
        out = model(torch.randn(2, 3)).numpy()
    print(out.shape)
""",
}


@pytest.mark.parametrize("program", NO_GRAD_ITEMS.values(), ids=NO_GRAD_ITEMS.keys())
def test_a_with_item_that_may_be_no_grad_is_silent(program: str) -> None:
    """torch ran each: the block entered the no_grad object, ``.numpy()`` worked."""
    run_strictly(program)
    assert found(program, "PTL402") == {}


GRAD_ON_ITEMS = {
    "errstate only": """\
    import numpy as np
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
    with np.errstate(invalid="ignore"):
        xs = torch.linspace(0.0, 1.0, 5).reshape(-1, 1)
        ys = model(xs).squeeze().numpy()  # fails
    print(ys.shape)
""",
    "errstate and enable_grad": """\
    import numpy as np
    import torch
    import torch.nn as nn

    model = nn.Linear(3, 1)
    with np.errstate(all="ignore") and torch.enable_grad():
        out = model(torch.randn(2, 3)).numpy()  # fails
    print(out.shape)
""",
    "enable_grad if training else enable_grad": """\
    import torch
    import torch.nn as nn

    model = nn.Linear(3, 1)
    training = False
    with torch.no_grad():
        with torch.enable_grad() if training else torch.set_grad_enabled(True):
            out = model(torch.randn(2, 3)).numpy()  # fails
    print(out.shape)
""",
}


@pytest.mark.parametrize("program", GRAD_ON_ITEMS.values(), ids=GRAD_ON_ITEMS.keys())
def test_a_with_item_that_keeps_grad_on_is_reported(program: str) -> None:
    line = failing_line(program, RuntimeError, "requires grad")
    assert line == marked(program)
    assert found(program, "PTL402") == {line: ["PTL402"]}
