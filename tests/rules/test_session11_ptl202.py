"""PTL202 in session 11 (issue 11): shapes through recurrent layers and unpacking. Each program
is ours, written for the shape, and run under torch 2.13 here: the reported ones raise "grad can be
implicitly created only for scalar outputs" at the reported line; the neighbours (the same program
reduced to one element, or a shape of one element) run and print "ran".

The facts taught: what `nn.LSTM` / `nn.GRU` / `nn.RNN` return (`out` keeps the input's leading
dimensions, `h_n` / `c_n` are (D * num_layers, N, H)), also through a nested unpacking
`out, (h, c) = lstm(x)`; an int index of a tensor of known rank drops its first dimension
(`h_n[-1]`); `t.unsqueeze(0)` of any tensor has a first dimension of one, so `torch.cat` of k
such parts along dim 0 has k rows; a criterion kept in a dict display is called as `d["key"](...)`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

# name: (what torch computes at the reported line, program, line)
REPORTED = {
    "lstm_last_step": (
        "the last step of an LSTM output unpacked from `out, _ = lstm(x)`: (4, 16)",
        """\
import torch
import torch.nn as nn

lstm = nn.LSTM(8, 16, batch_first=True)
x = torch.randn(4, 5, 8)
out, _ = lstm(x)
out[:, -1].backward()
""",
        7,
    ),
    "gru_hidden": (
        "`h[-1]` of a two-layer GRU's h_n: the last layer's state, (3, 12)",
        """\
import torch
import torch.nn as nn

gru = nn.GRU(6, 12, num_layers=2)
x = torch.randn(10, 3, 6)
out, h = gru(x)
h[-1].backward()
""",
        7,
    ),
    "cat_logprobs": (
        "`torch.cat` of per-step `log_prob(a).unsqueeze(0)` (rank unknown, first size one) times the rewards: 10 values",
        """\
import torch
import torch.nn as nn

policy = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
log_probs = []
rewards = []
for step in range(10):
    state = torch.randn(4)
    dist = torch.distributions.Categorical(logits=policy(state))
    a = dist.sample()
    log_probs.append(dist.log_prob(a).unsqueeze(0))
    rewards.append(1.0)
loss = -torch.cat(log_probs) * torch.tensor(rewards)
loss.backward()
""",
        14,
    ),
    "lstm_h_n": (
        "h_n from a nested unpacking `_, (h_n, c_n) = lstm(x)`: (1, 4, 16)",
        """\
import torch
import torch.nn as nn

lstm = nn.LSTM(8, 16, batch_first=True)
x = torch.randn(4, 5, 8)
_, (h_n, c_n) = lstm(x)
h_n.backward()
""",
        7,
    ),
    "lstm_out_linear_head": (
        "a one-output head on `out[:, -1, :]` of a batch-first LSTM: (4, 1)",
        """\
import torch
import torch.nn as nn

lstm = nn.LSTM(8, 16, batch_first=True)
head = nn.Linear(16, 1)
x = torch.randn(4, 5, 8)
out, _ = lstm(x)
pred = head(out[:, -1, :])
pred.backward()
""",
        9,
    ),
    "encoder_hidden_last": (
        "an encoder module returning `hidden[-1]` of `outputs, (hidden, cell) = self.lstm(...)`: (3, 24)",
        """\
import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self, n_tokens=50, emb=16, hid=24):
        super().__init__()
        self.embedding = nn.Embedding(n_tokens, emb)
        self.lstm = nn.LSTM(emb, hid, num_layers=2, batch_first=True)

    def forward(self, src):
        embedded = self.embedding(src)
        outputs, (hidden, cell) = self.lstm(embedded)
        return hidden[-1]


enc = Encoder()
src = torch.randint(0, 50, (3, 11))
code = enc(src)
code.backward()
""",
        20,
    ),
    "rnn_last_output": (
        "`outputs = rnn(x)[0]` then `outputs[-1]`: the last step of every sequence, (4, 9)",
        """\
import torch
import torch.nn as nn

rnn = nn.RNN(3, 9)
inputs = torch.randn(12, 4, 3)
outputs = rnn(inputs)[0]
last = outputs[-1]
last.backward()
""",
        8,
    ),
    "cell_state": (
        "the cell state of an unbatched LSTM input: (1, 10)",
        """\
import torch
import torch.nn as nn

lstm = nn.LSTM(4, 10)
x = torch.randn(7, 4)  # unbatched sequence
out, (h, c) = lstm(x)
c.backward()
""",
        7,
    ),
    "loss_table_in_train": (
        'a loss with reduction="none" read from a module-level dict of criteria: (5, 2)',
        """\
import torch
import torch.nn as nn

criteria = {"l1": nn.L1Loss(reduction="none"), "ce": nn.CrossEntropyLoss()}
model = nn.Linear(6, 2)


def train_step(x, y):
    loss = criteria["l1"](model(x), y)
    loss.backward()


train_step(torch.randn(5, 6), torch.randn(5, 2))
""",
        10,
    ),
    "losses_dict": (
        'a BCELoss(reduction="none") called as `losses["bce"](...)`: (8, 1)',
        """\
import torch
import torch.nn as nn

losses = {"bce": nn.BCELoss(reduction="none"), "mse": nn.MSELoss(reduction="none")}
net = nn.Sequential(nn.Linear(5, 1), nn.Sigmoid())
x, y = torch.randn(8, 5), torch.rand(8, 1)
loss = losses["bce"](net(x), y)
loss.backward()
""",
        8,
    ),
}
# The fixed neighbours: each reported program reduced (`.sum()`), and shapes of one element.
NEIGHBOURS = {
    "lstm_last_step reduced": """\
import torch
import torch.nn as nn

lstm = nn.LSTM(8, 16, batch_first=True)
x = torch.randn(4, 5, 8)
out, _ = lstm(x)
(out[:, -1]).sum().backward()
""",
    "gru_hidden reduced": """\
import torch
import torch.nn as nn

gru = nn.GRU(6, 12, num_layers=2)
x = torch.randn(10, 3, 6)
out, h = gru(x)
(h[-1]).sum().backward()
""",
    "cat_logprobs reduced": """\
import torch
import torch.nn as nn

policy = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
log_probs = []
rewards = []
for step in range(10):
    state = torch.randn(4)
    dist = torch.distributions.Categorical(logits=policy(state))
    a = dist.sample()
    log_probs.append(dist.log_prob(a).unsqueeze(0))
    rewards.append(1.0)
loss = -torch.cat(log_probs) * torch.tensor(rewards)
(loss).sum().backward()
""",
    "lstm_h_n reduced": """\
import torch
import torch.nn as nn

lstm = nn.LSTM(8, 16, batch_first=True)
x = torch.randn(4, 5, 8)
_, (h_n, c_n) = lstm(x)
(h_n).sum().backward()
""",
    "lstm_out_linear_head reduced": """\
import torch
import torch.nn as nn

lstm = nn.LSTM(8, 16, batch_first=True)
head = nn.Linear(16, 1)
x = torch.randn(4, 5, 8)
out, _ = lstm(x)
pred = head(out[:, -1, :])
(pred).sum().backward()
""",
    "encoder_hidden_last reduced": """\
import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self, n_tokens=50, emb=16, hid=24):
        super().__init__()
        self.embedding = nn.Embedding(n_tokens, emb)
        self.lstm = nn.LSTM(emb, hid, num_layers=2, batch_first=True)

    def forward(self, src):
        embedded = self.embedding(src)
        outputs, (hidden, cell) = self.lstm(embedded)
        return hidden[-1]


enc = Encoder()
src = torch.randint(0, 50, (3, 11))
code = enc(src)
(code).sum().backward()
""",
    "rnn_last_output reduced": """\
import torch
import torch.nn as nn

rnn = nn.RNN(3, 9)
inputs = torch.randn(12, 4, 3)
outputs = rnn(inputs)[0]
last = outputs[-1]
(last).sum().backward()
""",
    "cell_state reduced": """\
import torch
import torch.nn as nn

lstm = nn.LSTM(4, 10)
x = torch.randn(7, 4)  # unbatched sequence
out, (h, c) = lstm(x)
(c).sum().backward()
""",
    "loss_table_in_train reduced": """\
import torch
import torch.nn as nn

criteria = {"l1": nn.L1Loss(reduction="none"), "ce": nn.CrossEntropyLoss()}
model = nn.Linear(6, 2)


def train_step(x, y):
    loss = criteria["l1"](model(x), y)
    loss.mean().backward()


train_step(torch.randn(5, 6), torch.randn(5, 2))
""",
    "losses_dict reduced": """\
import torch
import torch.nn as nn

losses = {"bce": nn.BCELoss(reduction="none"), "mse": nn.MSELoss(reduction="none")}
net = nn.Sequential(nn.Linear(5, 1), nn.Sigmoid())
x, y = torch.randn(8, 5), torch.rand(8, 1)
loss = losses["bce"](net(x), y)
loss.mean().backward()
""",
    "hidden_one_unit": """\
import torch
import torch.nn as nn

gru = nn.GRU(4, 1)
x = torch.randn(5, 1, 4)  # one sequence, one hidden unit: h_n[-1] is (1, 1)
_, h = gru(x)
h[-1].backward()
""",
    "cat_one_step": """\
import torch
import torch.nn as nn

critic = nn.Linear(4, 1)
vals = []
for t in range(1):
    vals.append(critic(torch.randn(4)).sum().unsqueeze(0))
torch.cat(vals).backward()
""",
    "list_last": """\
import torch
import torch.nn as nn

lstm = nn.LSTM(3, 8)
x = torch.randn(4, 2, 3)
history = []
out, _ = lstm(x)
history.append(out.mean())
history[-1].backward()
""",
    "loss_table_replaced": """\
import torch
import torch.nn as nn

criteria = {"l1": nn.L1Loss(reduction="none")}
criteria["l1"] = nn.L1Loss()
model = nn.Linear(6, 2)
loss = criteria["l1"](model(torch.randn(5, 6)), torch.randn(5, 2))
loss.backward()
""",
}


def ptl202_lines(code: str) -> list[int]:
    result = lint_source(code, "prog.py", selection=Selection.of(["PTL202"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL202"]


def run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "prog.py"
    path.write_text(code + 'print("ran")\n')
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("shape", sorted(REPORTED))
def test_a_recurrent_or_unpacked_output_with_several_elements_is_reported_and_raises(
    tmp_path: Path, shape: str
) -> None:
    _, code, line = REPORTED[shape]
    assert ptl202_lines(code) == [line]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "grad can be implicitly created only for scalar outputs" in proc.stderr


@pytest.mark.parametrize("shape", sorted(NEIGHBOURS))
def test_a_reduced_or_one_element_neighbour_is_silent_and_runs(tmp_path: Path, shape: str) -> None:
    code = NEIGHBOURS[shape]
    assert ptl202_lines(code) == []
    proc = run(tmp_path, code)
    assert proc.returncode == 0 and proc.stdout.strip() == "ran", proc.stderr


# `torch.autograd.backward(tensors)` without `grad_tensors` fails as `t.backward()` does (torch
# 2.13: "grad can be implicitly created only for scalar outputs"); with `grad_tensors`, or on a
# one-element tensor, it runs.
FUNCTION_FORM = """\
import torch
from torch.autograd import backward

w = torch.randn(4, requires_grad=True)
y = w * torch.arange(4.0)
CALL
print("ran")
"""


@pytest.mark.parametrize("call", ["torch.autograd.backward(y)", "backward([y])"])
def test_the_function_form_without_grad_tensors_is_reported_and_raises(tmp_path: Path, call: str) -> None:
    code = FUNCTION_FORM.replace("CALL", call)
    result = lint_source(code, "prog.py", selection=Selection.of(["PTL202"]))
    assert [(f.line, "`torch.autograd.backward()` without `grad_tensors`" in f.message) for f in result.findings] == [
        (6, True)
    ]
    path = tmp_path / "prog.py"
    path.write_text(code)
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode != 0 and "grad can be implicitly created only for scalar outputs" in proc.stderr


@pytest.mark.parametrize(
    "call", ["torch.autograd.backward(y, grad_tensors=torch.ones_like(y))", "backward(y.sum())", "backward([y, y])"]
)
def test_the_function_form_with_grad_tensors_or_a_scalar_is_silent(tmp_path: Path, call: str) -> None:
    code = FUNCTION_FORM.replace("CALL", call)
    assert ptl202_lines(code) == []
    if "[y, y]" not in call:  # (two tensors: not read, whatever their shapes)
        path = tmp_path / "prog.py"
        path.write_text(code)
        proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0 and proc.stdout.strip() == "ran", proc.stderr


def test_the_function_form_fix_passes_grad_tensors() -> None:
    code = FUNCTION_FORM.replace("CALL", "torch.autograd.backward(y)")
    result = lint_source(code, "prog.py", selection=Selection.of(["PTL202"]))
    (finding,) = result.findings
    assert [fix.title for fix in finding.fixes] == ["Pass `grad_tensors=torch.ones_like(y)`"]


# A head's width the code states as a constant elsewhere (one row: only the width proves it). torch
# 2.13: the reported programs raise "grad can be implicitly created only for scalar outputs"; the
# neighbours (a width of one, or one the code changes: a dict item stored again, an attribute
# assigned in `__init__`) run.
WIDTHS = {
    "module constant": (
        """\
import torch
import torch.nn as nn

NUM_CLASSES = 10
head = nn.Linear(32, NUM_CLASSES)


def train_step(batch):
    logits = head(batch)
    logits.backward()


train_step(torch.randn(1, 32))
""",
        10,
    ),
    "len of a display": (
        """\
import torch
import torch.nn as nn

classes = ["cat", "dog", "bird"]
clf = nn.Linear(16, len(classes))
out = clf(torch.randn(1, 16))
out.backward()
""",
        7,
    ),
    "dict item": (
        """\
import torch
import torch.nn as nn

cfg = {"hidden": 32, "n_out": 4}
net = nn.Sequential(nn.Linear(8, cfg["hidden"]), nn.ReLU(), nn.Linear(cfg["hidden"], cfg["n_out"]))
pred = net(torch.randn(1, 8))
pred.backward()
""",
        7,
    ),
    "class attribute": (
        """\
import torch
import torch.nn as nn


class Policy(nn.Module):
    n_actions = 6

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, self.n_actions)

    def forward(self, s):
        return self.fc(s)


q = Policy()(torch.randn(1, 12))
q.backward()
""",
        17,
    ),
}
WIDTH_NEIGHBOURS = {
    "class attribute a subclass rebinds": """\
import torch
import torch.nn as nn


class Head(nn.Module):
    n_out = 6

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, self.n_out)

    def forward(self, s):
        return self.fc(s)


class ValueHead(Head):
    n_out = 1


v = ValueHead()(torch.randn(1, 12))
v.backward()
""",
    "module constant of one": """\
import torch
import torch.nn as nn

NUM_CLASSES = 1
head = nn.Linear(32, NUM_CLASSES)


def train_step(batch):
    logits = head(batch)
    logits.backward()


train_step(torch.randn(1, 32))
""",
    "len of a one-item display": """\
import torch
import torch.nn as nn

classes = ["positive"]
clf = nn.Linear(16, len(classes))
out = clf(torch.randn(1, 16))
out.backward()
""",
    "dict item stored again": """\
import torch
import torch.nn as nn

cfg = {"hidden": 32, "n_out": 4}
cfg["n_out"] = 1
net = nn.Sequential(nn.Linear(8, cfg["hidden"]), nn.ReLU(), nn.Linear(cfg["hidden"], cfg["n_out"]))
pred = net(torch.randn(1, 8))
pred.backward()
""",
    "class attribute of one": """\
import torch
import torch.nn as nn


class Policy(nn.Module):
    n_actions = 1

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, self.n_actions)

    def forward(self, s):
        return self.fc(s)


q = Policy()(torch.randn(1, 12))
q.backward()
""",
    "class attribute assigned in __init__": """\
import torch
import torch.nn as nn


class Policy(nn.Module):
    n_actions = 6

    def __init__(self, single=False):
        super().__init__()
        if single:
            self.n_actions = 1
        self.fc = nn.Linear(12, self.n_actions)

    def forward(self, s):
        return self.fc(s)


q = Policy(single=True)(torch.randn(1, 12))
q.backward()
""",
}


@pytest.mark.parametrize("shape", sorted(WIDTHS))
def test_a_width_stated_as_a_constant_is_reported_and_raises(tmp_path: Path, shape: str) -> None:
    code, line = WIDTHS[shape]
    assert ptl202_lines(code) == [line]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "grad can be implicitly created only for scalar outputs" in proc.stderr


@pytest.mark.parametrize("shape", sorted(WIDTH_NEIGHBOURS))
def test_a_width_of_one_or_changed_is_silent_and_runs(tmp_path: Path, shape: str) -> None:
    code = WIDTH_NEIGHBOURS[shape]
    assert ptl202_lines(code) == []
    proc = run(tmp_path, code)
    assert proc.returncode == 0 and proc.stdout.strip() == "ran", proc.stderr
