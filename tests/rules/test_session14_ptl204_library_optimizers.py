"""PTL204 on optimizers of other libraries (a real report: a hardware-aware training library's
examples stepped its `AnalogSGD(model.parameters(), lr=0.1)` without `zero_grad()`, and the loss
went back up after five iterations). Here a stand-in package `optlib.optim` holds an `AnalogSGD`
that steps as torch's SGD does; the program is run under torch with it importable: without a
reset the loss does not converge, with one it does."""

from __future__ import annotations

import sys

import pytest
from program_helpers import lines, run

LIBRARY = "import torch\n\n\nclass AnalogSGD(torch.optim.SGD):\n    pass\n"

PROGRAM = """
import torch
from torch.nn.functional import mse_loss

from optlib.optim import AnalogSGD

torch.manual_seed(0)
x = torch.randn(32, 4)
y = x @ torch.tensor([[1.0, -2.0], [0.5, 0.0], [0.0, 1.0], [2.0, 1.0]])
model = torch.nn.Linear(4, 2)
opt = AnalogSGD(model.parameters(), lr=0.1)
for epoch in range(60):
{reset}    loss = mse_loss(model(x), y)
    loss.backward()
    opt.step()
final = loss.item()
"""


@pytest.fixture
def optlib(tmp_path, monkeypatch):
    package = tmp_path / "optlib"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "optim.py").write_text(LIBRARY)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for name in [m for m in sys.modules if m == "optlib" or m.startswith("optlib.")]:
        del sys.modules[name]


def test_a_library_optimizer_on_parameters_without_reset_is_reported(optlib) -> None:
    unreset, reset = PROGRAM.format(reset=""), PROGRAM.format(reset="    opt.zero_grad()\n")
    assert lines(unreset, "PTL204") == [unreset.splitlines().index("    opt.step()") + 1]
    assert lines(reset, "PTL204") == []
    assert run(reset)["final"] < 1e-3 < run(unreset)["final"]


@pytest.mark.parametrize(
    "made",
    [
        "Trainer(model.parameters(), lr=0.1)",  # not named for an optimizer, not from an optim module
        "AnalogSGD(model, lr=0.1)",  # not given the model's parameters
        "AnalogSGD(params, lr=0.1)",  # parameters of unknown origin
    ],
)
def test_other_objects_are_not_taken_for_optimizers(made: str) -> None:
    program = PROGRAM.format(reset="").replace("AnalogSGD(model.parameters(), lr=0.1)", made)
    program = program.replace("from optlib.optim import AnalogSGD", "from trainers import AnalogSGD, Trainer")
    assert lines(program, "PTL204") == []
