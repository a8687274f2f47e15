"""``backward()`` is evidence of an autograd graph only where the file uses torch: a NumPy
framework's own layers (``act.backward(delta)``, from a wildcard import of a package found at run
time) are called several times on one object (audit-18 G2: 16 findings in one file). Our
programs: the NumPy cell runs; the torch neighbour raises "Trying to backward through the graph a
second time" and stays reported."""

from __future__ import annotations

import pytest

from tests.flow.programs import reported_lines, run_program

ACTIVATION = """\
import numpy as np
class Tanh:
    def forward(self, x):
        self.out = np.tanh(x)
        return self.out
    def backward(self, delta):
        return delta * (1 - self.out ** 2)
"""

NUMPY_CELL = """\
import numpy as np
from nn.activation import *
class Cell:
    def __init__(self, n):
        self.act = Tanh()
        self.w = np.ones((n, n))
    def forward(self, x):
        return self.act.forward(self.w @ x)
    def backward(self, delta):
        d1 = self.act.backward(delta)
        d2 = self.act.backward(delta) * 2
        return d1 + d2
cell = Cell(3)
cell.forward(np.ones(3))
print("ran", cell.backward(np.ones(3)).shape)
"""

TORCH_NEIGHBOUR = """\
import torch
from nn.activation import *
def step(model, x):
    out = model(x)
    out.backward()
    out.backward()
step(lambda x: (x * x).sum(), torch.ones(3, requires_grad=True))
print("ran")
"""

CASES = {"a NumPy framework's layers": (NUMPY_CELL, None), "a torch output": (TORCH_NEIGHBOUR, 6)}


@pytest.mark.parametrize("case", CASES)
def test_backward_alone_is_evidence_only_with_torch(case):
    source, line = CASES[case]
    assert reported_lines(source, "PTL201", "cell.py") == ([line] if line else [])


@pytest.mark.parametrize("case", CASES)
def test_the_programs_behave_as_the_findings_say(tmp_path, case):
    source, line = CASES[case]
    package = {"nn/__init__.py": "", "nn/activation.py": ACTIVATION}
    run = run_program(tmp_path, source, "cell.py", package)
    assert ("Trying to backward through the graph a second time" in run.stderr) is (line is not None)
    assert run.stdout.startswith("ran") is (line is None)
