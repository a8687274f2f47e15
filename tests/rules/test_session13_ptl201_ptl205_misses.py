"""Misses of PTL201 and PTL205, taught with our own programs (each run under torch 2.13 in the tests).

- PTL201: one field of a named tuple state detached in place (``state.h.detach_()``), the other
  carried into the next iteration's cell: torch raises "Trying to backward through the graph a
  second time". The field is its item (flow/calls.py rebind_field), so a later ``state = State(h,
  c)`` leaves no stale detached path behind. Detaching both fields runs and stays silent.
- PTL205: an attribute's dict of parameters made by hand (``self.params[f"W{i}"] =
  torch.randn(..., requires_grad=True)``, ``self.params["w"] = ...``) updated with ``p -= lr *
  p.grad`` outside ``no_grad``: torch raises "a leaf Variable that requires grad is being used in
  an in-place operation" (flow/items.py keeps the leaves as the dict's element). The same update
  under ``torch.no_grad()`` runs and stays silent."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection


def reported(source: str, code: str) -> list[int]:
    result = lint_source(source, "<misses>", selection=Selection.of([code]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == code]


def run(source: str) -> None:
    torch.manual_seed(0)
    namespace: dict[str, Any] = {"__name__": "misses"}
    exec(compile(source, "<misses>", "exec"), namespace)


ONE_FIELD_CARRIED = {
    "namedtuple_h_only": """\
from collections import namedtuple

import torch, torch.nn as nn

State = namedtuple("State", "h c")
cell = nn.LSTMCell(3, 5)
head = nn.Linear(5, 1)
opt = torch.optim.SGD([*cell.parameters(), *head.parameters()], lr=0.01)
state = State(torch.zeros(2, 5), torch.zeros(2, 5))
for step in range(4):
    h, c = cell(torch.randn(2, 3), (state.h, state.c))
    state = State(h, c)
    loss = head(state.h).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    state.h.detach_()
    pass
print("ok")
""",
    "typed_namedtuple_on_self_hidden_only": """\
from typing import NamedTuple

import torch
import torch.nn as nn


class Memory(NamedTuple):
    hidden: torch.Tensor
    cell: torch.Tensor


class Agent:
    def __init__(self):
        self.lstm = nn.LSTMCell(4, 6)
        self.value = nn.Linear(6, 1)
        self.opt = torch.optim.Adam([*self.lstm.parameters(), *self.value.parameters()])
        self.memory = Memory(torch.zeros(1, 6), torch.zeros(1, 6))

    def learn(self, steps):
        for _ in range(steps):
            h, c = self.lstm(torch.randn(1, 4), (self.memory.hidden, self.memory.cell))
            self.memory = Memory(h, c)
            loss = self.value(self.memory.hidden).pow(2).sum()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            self.memory.hidden.detach_()
            pass


Agent().learn(4)
print("ok")
""",
}

BOTH_FIELDS_DETACHED = {
    "namedtuple_h_only": """\
from collections import namedtuple

import torch, torch.nn as nn

State = namedtuple("State", "h c")
cell = nn.LSTMCell(3, 5)
head = nn.Linear(5, 1)
opt = torch.optim.SGD([*cell.parameters(), *head.parameters()], lr=0.01)
state = State(torch.zeros(2, 5), torch.zeros(2, 5))
for step in range(4):
    h, c = cell(torch.randn(2, 3), (state.h, state.c))
    state = State(h, c)
    loss = head(state.h).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    state.h.detach_()
    state.c.detach_()
print("ok")
""",
    "typed_namedtuple_on_self_hidden_only": """\
from typing import NamedTuple

import torch
import torch.nn as nn


class Memory(NamedTuple):
    hidden: torch.Tensor
    cell: torch.Tensor


class Agent:
    def __init__(self):
        self.lstm = nn.LSTMCell(4, 6)
        self.value = nn.Linear(6, 1)
        self.opt = torch.optim.Adam([*self.lstm.parameters(), *self.value.parameters()])
        self.memory = Memory(torch.zeros(1, 6), torch.zeros(1, 6))

    def learn(self, steps):
        for _ in range(steps):
            h, c = self.lstm(torch.randn(1, 4), (self.memory.hidden, self.memory.cell))
            self.memory = Memory(h, c)
            loss = self.value(self.memory.hidden).pow(2).sum()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            self.memory.hidden.detach_()
            self.memory.cell.detach_()


Agent().learn(4)
print("ok")
""",
}

UPDATED_OUTSIDE = {
    "params_dict_fstring": """\
import torch


class MLP:
    def __init__(self, sizes):
        self.params = {}
        for i in range(len(sizes) - 1):
            self.params[f"W{i}"] = torch.randn(sizes[i], sizes[i + 1], requires_grad=True)
            self.params[f"b{i}"] = torch.zeros(sizes[i + 1], requires_grad=True)
        self.n = len(sizes) - 1

    def forward(self, x):
        for i in range(self.n):
            x = x @ self.params[f"W{i}"] + self.params[f"b{i}"]
            if i < self.n - 1:
                x = torch.relu(x)
        return x

    def step(self, lr):
        for name, p in self.params.items():
            p -= lr * p.grad
            p.grad.zero_()


net = MLP([3, 5, 1])
for it in range(2):
    loss = net.forward(torch.randn(4, 3)).pow(2).mean()
    loss.backward()
    net.step(0.01)
print("ok")
""",
    "params_key_loop": """\
import torch


class Net:
    def __init__(self):
        self.params = {}
        for k in ("w1", "w2"):
            self.params[k] = torch.randn(3, 3, requires_grad=True)

    def update(self, lr):
        for k in self.params:
            self.params[k] -= lr * self.params[k].grad


net = Net()
loss = (torch.randn(2, 3) @ net.params["w1"] @ net.params["w2"]).sum()
loss.backward()
net.update(0.1)
print("ok")
""",
    "params_constant_keys": """\
import torch


class LogReg:
    def __init__(self, d):
        self.params = {}
        self.params["w"] = torch.zeros(d, 1, requires_grad=True)
        self.params["b"] = torch.zeros(1, requires_grad=True)

    def loss(self, x, y):
        z = x @ self.params["w"] + self.params["b"]
        return torch.nn.functional.binary_cross_entropy_with_logits(z, y)

    def sgd(self, lr):
        for key in ["w", "b"]:
            self.params[key] -= lr * self.params[key].grad


model = LogReg(3)
model.loss(torch.randn(5, 3), torch.rand(5, 1)).backward()
model.sgd(0.1)
print("ok")
""",
}

UPDATED_UNDER_NO_GRAD = {
    "params_dict_fstring": """\
import torch


class MLP:
    def __init__(self, sizes):
        self.params = {}
        for i in range(len(sizes) - 1):
            self.params[f"W{i}"] = torch.randn(sizes[i], sizes[i + 1], requires_grad=True)
            self.params[f"b{i}"] = torch.zeros(sizes[i + 1], requires_grad=True)
        self.n = len(sizes) - 1

    def forward(self, x):
        for i in range(self.n):
            x = x @ self.params[f"W{i}"] + self.params[f"b{i}"]
            if i < self.n - 1:
                x = torch.relu(x)
        return x

    def step(self, lr):
        with torch.no_grad():
            for name, p in self.params.items():
                p -= lr * p.grad
                p.grad.zero_()


net = MLP([3, 5, 1])
for it in range(2):
    loss = net.forward(torch.randn(4, 3)).pow(2).mean()
    loss.backward()
    net.step(0.01)
print("ok")
""",
    "params_key_loop": """\
import torch


class Net:
    def __init__(self):
        self.params = {}
        for k in ("w1", "w2"):
            self.params[k] = torch.randn(3, 3, requires_grad=True)

    def update(self, lr):
        with torch.no_grad():
            for k in self.params:
                self.params[k] -= lr * self.params[k].grad


net = Net()
loss = (torch.randn(2, 3) @ net.params["w1"] @ net.params["w2"]).sum()
loss.backward()
net.update(0.1)
print("ok")
""",
    "params_constant_keys": """\
import torch


class LogReg:
    def __init__(self, d):
        self.params = {}
        self.params["w"] = torch.zeros(d, 1, requires_grad=True)
        self.params["b"] = torch.zeros(1, requires_grad=True)

    def loss(self, x, y):
        z = x @ self.params["w"] + self.params["b"]
        return torch.nn.functional.binary_cross_entropy_with_logits(z, y)

    def sgd(self, lr):
        with torch.no_grad():
            for key in ["w", "b"]:
                self.params[key] -= lr * self.params[key].grad


model = LogReg(3)
model.loss(torch.randn(5, 3), torch.rand(5, 1)).backward()
model.sgd(0.1)
print("ok")
""",
}


@pytest.mark.parametrize("name", sorted(ONE_FIELD_CARRIED))
def test_one_field_detached_in_place_the_other_carried_reported(name: str) -> None:
    source = ONE_FIELD_CARRIED[name]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        run(source)
    assert len(reported(source, "PTL201")) == 1


@pytest.mark.parametrize("name", sorted(BOTH_FIELDS_DETACHED))
def test_both_fields_detached_in_place_silent(name: str) -> None:
    source = BOTH_FIELDS_DETACHED[name]
    run(source)
    assert reported(source, "PTL201") == []


@pytest.mark.parametrize("name", sorted(UPDATED_OUTSIDE))
def test_a_hand_made_parameter_dict_updated_outside_no_grad_reported(name: str) -> None:
    source = UPDATED_OUTSIDE[name]
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        run(source)
    assert len(reported(source, "PTL205")) == 1


@pytest.mark.parametrize("name", sorted(UPDATED_UNDER_NO_GRAD))
def test_the_same_update_under_no_grad_silent(name: str) -> None:
    source = UPDATED_UNDER_NO_GRAD[name]
    run(source)
    assert reported(source, "PTL205") == []
