"""The outputs of a forward out of view unpacked through a name (``pred = model(x); loss_f,
loss_b = pred``) are the forward's outputs, whose sharing is unknown, as when unpacked at the call
(``loss_f, loss_b = model(x)``): audit-18 G1, a bidirectional LM of another module made by a
function that assigns a global. Our programs, run under torch 2.13: backwarding each loss once
runs; backwarding one loss twice raises "Trying to backward through the graph a second time" and
stays reported."""

from __future__ import annotations

import pytest

from tests.flow.programs import reported_lines, run_program

MODELS = """\
import torch
from torch import nn


class BiLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 8)
        self.lstm_f = nn.LSTM(8, 8, batch_first=True)
        self.lstm_b = nn.LSTM(8, 8, batch_first=True)
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        hf, _ = self.lstm_f(self.embed(x))
        hb, _ = self.lstm_b(self.embed(x.flip(1)))
        return self.head(hf).pow(2).mean(), self.head(hb).pow(2).mean()
"""

MAIN = """\
import torch

import bilm_models


def create_model():
    global model, optimizer
    model = bilm_models.BiLM()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def train(batches):
    for x in batches:
        optimizer.zero_grad()
        {unpack}
        loss_f.backward()
        {second}.backward()
        optimizer.step()
    print("ran")


create_model()
train([torch.randint(0, 20, (4, 6)) for _ in range(2)])
"""

CASES = {  # how the outputs are unpacked, the second loss backwarded, reported line or None
    "through a name, each loss once": ("pred = model(x); loss_f, loss_b = pred", "loss_b", None),
    "at the call, each loss once": ("loss_f, loss_b = model(x)", "loss_b", None),
    "through a name, one loss twice": ("pred = model(x); loss_f, loss_b = pred", "(loss_f + loss_b)", 17),
}


def program(case: str) -> str:
    unpack, second, _ = CASES[case]
    return MAIN.format(unpack=unpack, second=second)


@pytest.mark.parametrize("case", CASES)
def test_unpacked_outputs_of_a_forward_out_of_view(case, tmp_path):
    (tmp_path / "bilm_models.py").write_text(MODELS)
    line = CASES[case][2]
    assert reported_lines(program(case), "PTL201", str(tmp_path / "main.py")) == ([line] if line else [])


@pytest.mark.parametrize("case", CASES)
def test_the_programs_behave_as_the_findings_say(tmp_path, case):
    run = run_program(tmp_path, program(case), "main.py", {"bilm_models.py": MODELS})
    reported = CASES[case][2] is not None
    assert ("Trying to backward through the graph a second time" in run.stderr) is reported
    assert (run.stdout.strip() == "ran") is not reported
