"""PTL204 on gradient descent written by hand: ``w -= lr * w.grad`` in a loop that calls
``backward()`` and never resets ``w.grad``. Each program is run under torch: a reported one
learns a different model than its neighbour that resets the gradient (``backward()`` adds to
``.grad``, so each update uses the sum of all earlier gradients), and each silent one resets,
rebuilds its leaf, or hands the tensor to code this file cannot see."""

from __future__ import annotations

import pytest
from program_helpers import line_of, lines, run
from rules_helpers import fixed

# Linear regression by hand, the autograd tutorials' loop: {update} is the update block.
REGRESSION = """
import torch

x = torch.linspace(-1, 1, 50).unsqueeze(1)
y = 3 * x + 0.5
w = torch.zeros(1, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.1
for epoch in range(100):
    loss = ((x @ w + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
{update}
final = loss.item()
"""

UNRESET = "        w -= lr * w.grad\n        b -= lr * b.grad"

REPORTED = {
    "module_loop_no_grad": REGRESSION.format(update=UNRESET),
    "data_attributes": REGRESSION.format(
        update="        w.data -= lr * w.grad.data\n        b.data -= lr * b.grad.data"
    ),
    "in_place_methods": REGRESSION.format(update="        w.sub_(lr * w.grad)\n        b.data.add_(b.grad, alpha=-lr)"),
    "loop_over_parameters": """
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(1, 1)
x = torch.linspace(-1, 1, 50).unsqueeze(1)
y = 3 * x + 0.5


def train(model, epochs, lr):
    for epoch in range(epochs):
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad.data
    return loss.item()


final = train(model, 100, 0.1)
""",
    "full_batch_accumulated_per_epoch": """
import torch

x = torch.linspace(-1, 1, 60).unsqueeze(1)
y = 3 * x + 0.5
w = torch.zeros(1, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for epoch in range(100):
    for xb, yb in zip(x.split(20), y.split(20)):
        loss = ((xb @ w + b - yb) ** 2).mean() / 3
        loss.backward()  # three batches summed into one full-batch gradient: on purpose
    with torch.no_grad():
        w -= 0.1 * w.grad
        b -= 0.1 * b.grad
final = ((x @ w + b - y) ** 2).mean().item()
""",
}

RESET = {
    "zeroed_after": REGRESSION.format(update=UNRESET + "\n        w.grad.zero_()\n        b.grad.zero_()"),
    "set_to_none": REGRESSION.format(update=UNRESET + "\n    w.grad = None\n    b.grad = None"),
    "zeroed_by_a_helper": """
import torch


def clear(*tensors):
    for t in tensors:
        t.grad = None


x = torch.linspace(-1, 1, 50).unsqueeze(1)
y = 3 * x + 0.5
w = torch.zeros(1, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for epoch in range(100):
    loss = ((x @ w + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        b -= 0.1 * b.grad
    clear(w, b)
final = loss.item()
""",
    "module_zero_grad": """
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(1, 1)
x = torch.linspace(-1, 1, 50).unsqueeze(1)
y = 3 * x + 0.5
for epoch in range(100):
    model.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
final = loss.item()
""",
    "leaf_rebuilt_each_iteration": """
import torch

x = torch.linspace(-1, 1, 50).unsqueeze(1)
y = 3 * x + 0.5
w = torch.zeros(1, 1, requires_grad=True)
for epoch in range(100):
    loss = ((x @ w + 0.5 - y) ** 2).mean()
    loss.backward()
    w = (w - 0.1 * w.grad).detach().requires_grad_()
final = loss.item()
""",
    "accumulated_then_reset_every_k": """
import torch

x = torch.linspace(-1, 1, 50).unsqueeze(1)
y = 3 * x + 0.5
w = torch.zeros(1, 1, requires_grad=True)
for step in range(200):
    loss = ((x @ w + 0.5 - y) ** 2).mean() / 2
    loss.backward()
    if step % 2 == 1:
        with torch.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
final = loss.item()
""",
}


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_reported_and_learns_another_model_than_its_reset_neighbour(name: str) -> None:
    program = REPORTED[name]
    found = lines(program, "PTL204")
    assert found
    repaired = fixed("PTL204", program)
    assert "grad = None" in repaired
    compile(repaired, "<fixed>", "exec")
    assert lines(repaired, "PTL204") == []
    unreset, reset = run(program)["final"], run(repaired)["final"]
    assert reset < 1e-3 < unreset  # the fixed loop converges; the accumulating one does not


def test_the_finding_is_on_each_update() -> None:
    program = REPORTED["module_loop_no_grad"]
    assert lines(program, "PTL204") == [line_of(program, "w -= lr"), line_of(program, "b -= lr")]


@pytest.mark.parametrize("name", sorted(RESET))
def test_reset_or_rebuilt_leaves_are_silent_and_converge(name: str) -> None:
    program = RESET[name]
    assert lines(program, "PTL204") == []
    assert run(program)["final"] < 1e-3


def test_a_tensor_handed_to_another_module_may_be_reset_there() -> None:
    """``sgd_step`` comes from a module this file cannot see (it may reset the gradient): silent."""
    program = """
import torch
from optim_utils import sgd_step

w = torch.zeros(1, 1, requires_grad=True)
x, y = torch.randn(8, 1), torch.randn(8, 1)
for epoch in range(10):
    loss = ((x @ w - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    sgd_step(w)
"""
    assert lines(program, "PTL204") == []
