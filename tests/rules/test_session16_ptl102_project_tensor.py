"""A course's NumPy autograd framework (audit-18 G10: CMU 11-785's ``mytorch``): its optimizer
``mytorch/optim/sgd.py`` imports only from its own package, whose ``tensor.py`` defines ``class
Tensor`` over NumPy arrays: ``t.grad.data`` there is an array's, not torch's, and PTL102 is silent
(the file never imports torch). The same optimizer in a package without a Tensor class of its
own, or in a file that imports torch, stays reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

TENSOR = """\
import numpy as np


class Tensor:
    def __init__(self, data, requires_grad=False):
        self.data = np.array(data)
        self.grad = None
        self.requires_grad = requires_grad
"""

OPTIMIZER = """\
class Optimizer:
    def __init__(self, params):
        self.params = list(params)
"""

SGD = """\
{imports}import numpy as np

from {package}.optim.optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=0.001, momentum=0.0):
        super().__init__(params)
        self.lr, self.momentum = lr, momentum
        self.momentums = [np.zeros(t.shape) for t in self.params]

    def step(self):
        for idx, t in enumerate(self.params):
            self.momentums[idx] = self.momentum * self.momentums[idx] - np.multiply(self.lr, t.grad.data)
            t.data = np.add(t.data, self.momentums[idx])
"""


def _lint(tmp_path: Path, package: str, tensor_class: bool, imports: str = "") -> list[int]:
    optim = tmp_path / package / "optim"
    optim.mkdir(parents=True)
    (tmp_path / package / "tensor.py").write_text(TENSOR if tensor_class else "import numpy as np\n")
    (optim / "optimizer.py").write_text(OPTIMIZER)
    sgd = optim / "sgd.py"
    sgd.write_text(SGD.format(package=package, imports=imports))
    result = lint_source(sgd.read_text(), str(sgd), selection=Selection.of(["PTL102"]))
    return sorted({f.line for f in result.findings})


@pytest.mark.parametrize("package", ["mytorch", "autograd_hw"])
def test_a_package_with_its_own_tensor_class(tmp_path: Path, package: str) -> None:
    assert _lint(tmp_path, package, tensor_class=True) == []


def test_a_package_without_one_stays_reported(tmp_path: Path) -> None:
    assert _lint(tmp_path, "mytorch", tensor_class=False) == [14]


def test_a_file_that_imports_torch_stays_reported(tmp_path: Path) -> None:
    assert _lint(tmp_path, "mytorch", tensor_class=True, imports="import torch\n") == [15]


def test_a_tensor_class_added_later_is_seen(tmp_path: Path) -> None:
    """The package's files are remembered by modification time and size (the server lints at
    every change): writing the Tensor class into tensor.py is seen at the next lint."""
    assert _lint(tmp_path, "mytorch", tensor_class=False) == [14]
    (tmp_path / "mytorch" / "tensor.py").write_text(TENSOR)
    sgd = tmp_path / "mytorch" / "optim" / "sgd.py"
    result = lint_source(sgd.read_text(), str(sgd), selection=Selection.of(["PTL102"]))
    assert result.findings == []
