"""``model.train()`` in a batch loop is nn.Module.train (a mode switch), not the file's own
``def train(config)`` that builds the optimizer (audit-17 M3, our program of the shape): the loop
never resets the gradients and is reported. A method named so of a class of the file that does
reset them (``trainer.train()``) still counts. Run under torch 2.13 with lr=0 (the parameters
never change): the reported program's gradient grows with every step (1x, 2x, 3x the first); the
silent neighbours' stays the same."""

from __future__ import annotations

import pytest

from tests.flow.programs import reported_lines, run_program

PROGRAM = """\
import torch, torch.nn as nn
class Trainer:
    def __init__(self, model, optimizer):
        self.model, self.optimizer = model, optimizer
    def train(self):
        self.model.train()
        {trainer_reset}
def train(steps):
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    trainer = Trainer(model, optimizer)
    x, y = torch.ones(4, 3), torch.zeros(4, 1)
    for step in range(steps):
        {mode_call}
        loss = (model(x) - y).pow(2).mean() + 1.0
        loss.backward()
        optimizer.step()
        print(round(model.bias.grad.abs().sum().item(), 4))
train(3)
"""

CASES = {  # mode switch in the loop, the Trainer's train() reset, reported line or None
    "model.train() is no reset": ("model.train()", "pass", 17),
    "a trainer's train() that resets": ("trainer.train()", "self.optimizer.zero_grad()", None),
    "a trainer's train() that does not": ("trainer.train()", "pass", 17),
}


def program(case: str) -> str:
    mode_call, reset, _ = CASES[case]
    return PROGRAM.format(mode_call=mode_call, trainer_reset=reset)


@pytest.mark.parametrize("case", CASES)
def test_only_a_reset_the_call_runs_counts(case):
    line = CASES[case][2]
    assert reported_lines(program(case), "PTL204") == ([line] if line else [])


@pytest.mark.parametrize("case", CASES)
def test_the_gradient_grows_exactly_where_reported(tmp_path, case):
    run = run_program(tmp_path, program(case))
    grads = [float(line) for line in run.stdout.split()]
    assert len(grads) == 3 and grads[0] > 0
    grows = grads[2] == pytest.approx(3 * grads[0], rel=1e-2)
    assert grows is (CASES[case][2] is not None)
