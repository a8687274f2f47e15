"""A model's forward that takes a mode string (``forward(x, mode="train")``) and tests it
(``if mode == "train":``, ``if not mode == "test":``, ``mode in (...)``), called with a constant:
the branch the constant decides is the one that runs (audit-16 Dr-Corgi's shape: the losses set
under ``if not mode == "test":``). An explicit ``net.forward(x)`` runs on ``net`` as ``net(x)``
does: the state its forward keeps is ``net.hidden``, which ``net.init_hidden()`` resets (H-401's
session-14 shape). Our programs, run under torch 2.13: the silent ones run; the reported ones
raise "Trying to backward through the graph a second time"."""

from __future__ import annotations

import pytest

from tests.flow.programs import reported_lines, run_program

DETACH_BY_MODE = """\
import torch, torch.nn as nn
class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(4, 6, batch_first=True)
        self.head = nn.Linear(6, 1)
        self.hidden = torch.zeros(1, 2, 6)
    def forward(self, x, mode="train"):
        if {test}:
            self.hidden = self.hidden.detach()
        out, self.hidden = self.rnn(x, self.hidden)
        return self.head(out).mean()
model = LM()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(3):
    loss = model(torch.randn(2, 5, 4), mode="{mode}")
    opt.zero_grad(); loss.backward(); opt.step()
print("ran")
"""

LOSSES_BY_MODE = """\
import torch, torch.nn as nn
class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(4, 3)
        self.dec = nn.Linear(3, 4)
        self.opt = torch.optim.Adam(self.parameters())
        self.elbo = None
    def forward(self, x, mode="train"):
        z = torch.tanh(self.enc(x))
        out = self.dec(z)
        if not mode == "test":
            self.rc_loss = (out - x).pow(2).mean()
            self.elbo = self.rc_loss + 0.1 * z.pow(2).mean()
    def optimize(self, loss):
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
    def train_model(self, batches):
        for x in batches:
            self.forward(x, mode="{mode}")
            self.optimize(self.elbo)
model = VAE()
model.train_model([torch.randn(5, 4) for _ in range(3)])
print("ran")
"""

EXPLICIT_FORWARD = """\
import torch, torch.nn as nn
class Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(4, 6)
        self.head = nn.Linear(6, 4)
    def init_hidden(self, batch_size):
        self.hidden = (torch.zeros(1, batch_size, 6), torch.zeros(1, batch_size, 6))
    def forward(self, x):
        x, self.hidden = self.rnn(x.unsqueeze(0), self.hidden)
        return torch.sigmoid(self.head(x))
net = Seq()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
net.init_hidden(3)
for step in range(3):
    batch = torch.rand(2, 3, 4)
    {reset}
    opt.zero_grad()
    out = 0
    for i in range(batch.size(0)):
        out = out + net.forward(batch[i]).sum()
    out.backward()
    opt.step()
print("ran")
"""

CASES = {  # program, fields, reported line or None
    "detached when the mode says train": (DETACH_BY_MODE, {"test": 'mode == "train"', "mode": "train"}, None),
    "detached in the modes listed": (DETACH_BY_MODE, {"test": 'mode in ("train", "tune")', "mode": "tune"}, None),
    "never detached in another mode": (DETACH_BY_MODE, {"test": 'mode == "train"', "mode": "valid"}, 17),
    "never detached outside the modes listed": (
        DETACH_BY_MODE,
        {"test": 'mode not in ("valid", "test")', "mode": "test"},
        17,
    ),
    "losses set in every mode but test": (LOSSES_BY_MODE, {"mode": "train"}, None),
    "explicit forward, state reset per batch": (EXPLICIT_FORWARD, {"reset": "net.init_hidden(3)"}, None),
    "explicit forward, state carried": (EXPLICIT_FORWARD, {"reset": "pass"}, 22),
}


def program(case: str) -> str:
    template, fields, _ = CASES[case]
    return template.format(**fields)


@pytest.mark.parametrize("case", CASES)
def test_the_branch_a_mode_constant_decides_is_the_one_read(case):
    line = CASES[case][2]
    assert reported_lines(program(case), "PTL201") == ([line] if line else [])


@pytest.mark.parametrize("case", CASES)
def test_the_programs_behave_as_the_findings_say(tmp_path, case):
    run = run_program(tmp_path, program(case))
    reported = CASES[case][2] is not None
    assert ("Trying to backward through the graph a second time" in run.stderr) is reported, run.stderr[-300:]
    assert (run.stdout.strip() == "ran") is not reported
