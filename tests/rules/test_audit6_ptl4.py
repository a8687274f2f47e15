"""PTL401 on audit-6's findings (issue 11), with programs of our own.

G12: an elementwise torch function or tensor method (`torch.add`, `torch.sub`, `.add(b)`), like
its operator, refuses a CPU tensor with dimensions beside a CUDA one, and so do `addmm` and `cat`:
given a CPU matrix product, the result is a CPU tensor or a CUDA run raises the device mismatch
before any `.numpy()`. Each false-alarm program runs on the CPU and raises the mismatch under
fake-cuda; each true neighbour raises NumPy's CUDA error there.
M4: a function of one notebook cell called from a later cell with a device tensor (`np.unique(y)`).
M1: a list of training losses that are on CUDA and require grad, handed to `plt.plot`.
"""

from __future__ import annotations

import contextlib
import io
import sys
import textwrap
import types

import numpy as np
import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.notebook import lint_notebook
from pt_lsp.core.selection import Selection
from pt_lsp.runtime.fake_cuda import MISMATCH, NUMPY_ERROR, fake_cuda


def findings(source: str, code: str = "PTL401") -> list[tuple[int, str]]:
    result = lint_source(textwrap.dedent(source), "<audit6>", selection=Selection.of([code]))
    assert result.errors == []
    return [(f.line, f.message) for f in result.findings if f.code == code]


def run(source: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(textwrap.dedent(source), "<audit6>", "exec"), {"__name__": "audit6"})


def run_on_fake_cuda(source: str) -> str:
    """The error the program raises with CUDA available (fake-cuda), as `pt-lsp run` would see it."""
    with fake_cuda(), pytest.raises((RuntimeError, TypeError)) as raised:
        run(source)
    return str(raised.value)


# The audit's program (rasbt's from-scratch softmax regression): `forward` gets a CPU grid.
CLASSIFIER = """\
    import numpy as np
    import torch

    DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")


    class Classifier:
        def __init__(self):
            self.weights = torch.zeros(3, 2, device=DEVICE)
            self.bias = torch.zeros(3, device=DEVICE)

        def forward(self, x):
            logits = {logits}
            return logits, torch.softmax(logits, dim=1)


    def predict_grid(classifier):
        grid = {grid}
        logits, probas = classifier.forward(grid)
        return np.argmax(probas.detach().numpy(), axis=1)


    print(predict_grid(Classifier()))
    """
CPU_GRID = "torch.tensor(np.random.rand(10, 2)).float()"
MM = "torch.mm(x, self.weights.t())"

# Each is CPU-or-raises on a CPU grid; G12 lists the first five as checked by the audit.
SILENT = {
    "torch.add": f"torch.add({MM}, self.bias)",
    "torch.sub": f"torch.sub({MM}, self.bias)",
    "torch.mul": f"torch.mul({MM}, self.bias)",
    "method .add": f"{MM}.add(self.bias)",
    "torch.addmm": "torch.addmm(self.bias, x, self.weights.t())",
    "torch.add by keyword": f"torch.add(input={MM}, other=self.bias)",
    "bias first, method": f"self.bias.add({MM})",
    "torch.div by keyword": f"torch.div({MM}, other=self.bias + 1)",
    "torch.cat": f"torch.cat([{MM}, self.bias.expand(1, 3)])",
}


@pytest.mark.parametrize("name", SILENT)
def test_a_cpu_matrix_product_in_elementwise_functions_is_never_cuda(name: str) -> None:
    source = CLASSIFIER.format(logits=SILENT[name], grid=CPU_GRID)
    assert findings(source) == []
    run(source)  # as written, on the CPU
    # with CUDA, the op in forward raises before `.numpy()` sees a CUDA tensor
    assert MISMATCH.rstrip("!") in run_on_fake_cuda(source)


NEIGHBOURS = {
    "the grid moved to the device": (f"torch.add({MM}, self.bias)", f"{CPU_GRID}.to(DEVICE)"),
    # a CPU operand without known dimensions may be a 0-dim scalar, which CUDA lets through
    "a CPU tensor of unknown shape": ("torch.add(x, self.weights)", "torch.tensor(2.0)"),
    "a CPU 0-dim scale on a device product": (
        "torch.mul(torch.tensor(2.0), torch.ones(1, 2, device=DEVICE) @ self.weights.t())",
        CPU_GRID,
    ),
}


@pytest.mark.parametrize("name", NEIGHBOURS)
def test_device_results_of_elementwise_functions_stay_reported(name: str) -> None:
    logits, grid = NEIGHBOURS[name]
    source = CLASSIFIER.format(logits=logits, grid=grid)
    assert [line for line, _ in findings(source)] == [20]
    run(source)
    assert NUMPY_ERROR in run_on_fake_cuda(source)


# M4 (audit-5 M1 too): the function is defined in one cell and called from a later one; the
# argument's device reaches it because the cells are linted as one program.
NOTEBOOK = (
    "import numpy as np\nimport torch\n\nDEVICE = torch.device('cuda' if torch.cuda.is_available() else 'cpu')",
    "X_train = torch.randn(20, 2)\ny_train = torch.randint(0, 3, (20,))",
    "def class_markers(X, y, resolution=0.02):\n"
    "    markers = ('s', 'x', 'o')\n"
    "    shown = markers[: len(np.unique(y))]\n"
    "    return [(idx, cl) for idx, cl in enumerate(shown)]",
    "X_train = X_train.to(DEVICE)\ny_train = y_train.to(DEVICE)",
    "print(class_markers(X_train, y_train))",
)


def test_a_device_tensor_reaches_a_function_of_an_earlier_cell() -> None:
    joined, result = lint_notebook(list(enumerate(NOTEBOOK)), "nb.ipynb", Selection.of(["PTL401"]))
    located = [joined.locate(f.line) for f in result.findings]
    assert [(cell.index, line) for cell, line in located] == [(2, 3)]
    assert "`np.unique()`" in result.findings[0].message
    program = "\n\n".join(NOTEBOOK)
    run(program)
    assert NUMPY_ERROR in run_on_fake_cuda(program)


def test_cpu_arguments_from_a_later_cell_stay_silent() -> None:
    cells = [*NOTEBOOK[:3], "print(class_markers(X_train, y_train))"]
    _, result = lint_notebook(list(enumerate(cells)), "nb.ipynb", Selection.of(["PTL401"]))
    assert result.findings == []


# M1: training losses on CUDA that require grad, kept in a list and plotted.
LOSSES = """\
    import matplotlib.pyplot as plt
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    model = nn.Linear(4, 3).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    costs = []
    for _ in range(3):
        cost = F.cross_entropy(model(torch.randn(8, 4).cuda()), torch.randint(0, 3, (8,)).cuda())
        opt.zero_grad()
        cost.backward()
        opt.step()
        costs.append({stored})
    plt.plot(range(len(costs)), costs)
    """


@pytest.fixture
def pyplot(monkeypatch: pytest.MonkeyPatch) -> None:
    """matplotlib is not installed here: `plt.plot` converts each of its arguments with
    `np.asarray`, as matplotlib does (a list of tensors: each tensor's `__array__`, `.numpy()`)."""
    package, module = types.ModuleType("matplotlib"), types.ModuleType("matplotlib.pyplot")
    module.plot = lambda *args: [np.asarray(a) for a in args]  # type: ignore[attr-defined]
    package.pyplot = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "matplotlib", package)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", module)


@pytest.mark.usefixtures("pyplot")
def test_cuda_losses_that_require_grad_get_advice_that_fixes_both_errors() -> None:
    source = LOSSES.format(stored="cost")
    [(line, message)] = findings(source)
    assert line == 15
    assert "on a CUDA device and requires grad" in message
    assert "`.detach().cpu()`" in message and "`.item()`" in message
    assert NUMPY_ERROR in run_on_fake_cuda(source)
    # `.cpu()` alone, as the old advice said, still raises: the grad error
    with pytest.raises(RuntimeError, match="requires grad"):
        with fake_cuda():
            run(source.replace("costs.append(cost)", "costs.append(cost.cpu())"))


@pytest.mark.usefixtures("pyplot")
@pytest.mark.parametrize("stored", ["cost.item()", "cost.detach().cpu()"])
def test_the_advised_fixes_run_and_stay_silent(stored: str) -> None:
    source = LOSSES.format(stored=stored)
    assert findings(source) == [] and findings(source, "PTL402") == []
    with fake_cuda():
        run(source)


@pytest.mark.usefixtures("pyplot")
def test_cuda_tensors_without_grad_keep_the_plain_advice() -> None:
    source = LOSSES.format(stored="cost.detach()")
    [(_, message)] = findings(source)
    assert "requires grad" not in message and message.endswith("move it to the CPU first")
    assert NUMPY_ERROR in run_on_fake_cuda(source)
