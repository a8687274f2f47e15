"""``.grad.data`` and ``.data`` are not torch's in a NumPy autograd framework of a course's own
(CMU 11-785's ``mytorch``; audit-18 G10): a file that imports its own ``Tensor`` class and never
torch is reported only where the flow proves a torch tensor. The torch neighbour, and a helper
that imports nothing of torch but takes names wholesale from another module (``from utils import
*``; DCGAN's ``weights_init`` in a ``utils.py`` without imports is common), keep the syntactic
evidence."""

from __future__ import annotations

import pytest

from tests.flow.programs import reported_lines, run_program

OPTIMIZER = """\
{imports}


class SGD:
    def __init__(self, params, lr=0.1):
        self.params, self.lr = params, lr

    def step(self):
        for t in self.params:
            t.data = t.data - self.lr * t.grad.data
"""

TENSOR_CLASS = """\
import numpy as np


class Tensor:
    def __init__(self, data):
        self.data = np.asarray(data, dtype=float)
        self.grad = None
"""

RUN = """\
w = Tensor([1.0, 2.0]){grad}
SGD([w]).step()
print("ran", w.data.tolist())
"""

CASES = {  # imports, whether the update is reported
    "a NumPy framework's own tensors": ("import numpy as np\nfrom mytorch.tensor import Tensor", False),
    "torch's tensors": ("import torch\nfrom torch import Tensor", True),
    "names taken wholesale from another module": ("from mytorch.tensor import *", True),
}


def program(case: str) -> str:
    return OPTIMIZER.format(imports=CASES[case][0])


@pytest.mark.parametrize("case", CASES)
def test_syntactic_evidence_needs_torch_in_view(case):
    source = program(case)
    update = source.splitlines().index("            t.data = t.data - self.lr * t.grad.data") + 1
    assert sorted(set(reported_lines(source, "PTL102", "sgd.py"))) == ([update] if CASES[case][1] else [])


@pytest.mark.parametrize("case", CASES)
def test_the_programs_run(tmp_path, case):
    grad = ".requires_grad_(); w.grad = torch.ones(2)" if CASES[case][0].startswith("import torch") else ""
    grad = grad or "; w.grad = Tensor([0.5, 0.5])"
    package = {"mytorch/__init__.py": "", "mytorch/tensor.py": TENSOR_CLASS}
    run = run_program(tmp_path, program(case) + "\n" + RUN.format(grad=grad), "sgd.py", package)
    assert run.stdout.startswith("ran"), run.stderr[-300:]
