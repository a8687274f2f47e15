"""PTL304 and layers made once: cached on the module by a decorator of the file, or created
lazily by a mock forward pass in ``__init__`` before any optimizer (audit-10 G3).

Our programs (written for these tests), each run under torch 2.13 (CPU): what each printed is in
the comment above it.
"""

from __future__ import annotations

from rules_helpers import lines

CODE = "PTL304"

# "parameters: 4 head trained: True same output twice: True": the decorator stores the head on the
# module (``setattr`` registers it) on the mock call in ``__init__``; the optimizer holds it.
CACHED_HEAD = """
import functools

import torch
import torch.nn as nn


def kept_as(name):
    def decorate(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            if getattr(self, name, None) is not None:
                return getattr(self, name)
            made = method(self, *args, **kwargs)
            setattr(self, name, made)
            return made

        return run

    return decorate


class Embedder(nn.Module):
    def __init__(self, width=5):
        super().__init__()
        self.trunk = nn.Linear(width, 7)
        self.head = None
        self(torch.zeros(1, width))  # builds the head once, with the right input size

    @kept_as("head")
    def make_head(self, features):
        hidden = nn.Linear(features.shape[-1], 4)
        head = nn.Sequential(hidden, nn.Tanh())
        return head.to(features.device)

    def forward(self, x):
        features = self.trunk(x)
        return self.make_head(features)(features)


model = Embedder()
opt = torch.optim.SGD(model.parameters(), lr=0.5)
before = model.head[0].weight.detach().clone()
x = torch.randn(3, 5)
model(x).pow(2).sum().backward()
opt.step()
print("parameters:", len(list(model.parameters())),
      "head trained:", not torch.equal(before, model.head[0].weight),
      "same output twice:", torch.equal(model(x), model(x)))
"""

# "parameters: 4 head trained: False same output twice: True": without the mock call the head is
# made on the first real call, after the optimizer took the parameters: never updated.
CACHED_HEAD_NO_MOCK = """
import functools

import torch
import torch.nn as nn


def kept_as(name):
    def decorate(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            if getattr(self, name, None) is not None:
                return getattr(self, name)
            made = method(self, *args, **kwargs)
            setattr(self, name, made)
            return made

        return run

    return decorate


class Embedder(nn.Module):
    def __init__(self, width=5):
        super().__init__()
        self.trunk = nn.Linear(width, 7)
        self.head = None

    @kept_as("head")
    def make_head(self, features):
        hidden = nn.Linear(features.shape[-1], 4)
        head = nn.Sequential(hidden, nn.Tanh())
        return head.to(features.device)

    def forward(self, x):
        features = self.trunk(x)
        return self.make_head(features)(features)


model = Embedder()
opt = torch.optim.SGD(model.parameters(), lr=0.5)
x = torch.randn(3, 5)
model(x).pow(2).sum().backward()
before = model.head[0].weight.detach().clone()
opt.step()
print("parameters:", len(list(model.parameters())),
      "head trained:", not torch.equal(before, model.head[0].weight),
      "same output twice:", torch.equal(model(x), model(x)))
"""

# "parameters: 2 same output twice: False": a decorator that does not cache; a new head per call.
LOGGED_HEAD = """
import functools

import torch
import torch.nn as nn


def kept_as(name):
    def decorate(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            print("calling", name, getattr(self, name, None) is None)
            return method(self, *args, **kwargs)

        return run

    return decorate


class Embedder(nn.Module):
    def __init__(self, width=5):
        super().__init__()
        self.trunk = nn.Linear(width, 7)
        self.head = None
        self(torch.zeros(1, width))  # builds the head once, with the right input size

    @kept_as("head")
    def make_head(self, features):
        hidden = nn.Linear(features.shape[-1], 4)
        head = nn.Sequential(hidden, nn.Tanh())
        return head.to(features.device)

    def forward(self, x):
        features = self.trunk(x)
        return self.make_head(features)(features)


model = Embedder()
opt = torch.optim.SGD(model.parameters(), lr=0.5)
before = None
x = torch.randn(3, 5)
model(x).pow(2).sum().backward()
opt.step()
print("parameters:", len(list(model.parameters())),
      "same output twice:", torch.equal(model(x), model(x)))
"""

# "parameters: 2 same output twice: False": ``setattr(self, name, None)`` before the call stores
# nothing; the method runs, and makes a new head, on every call.
STORED_FIRST = """
import functools

import torch
import torch.nn as nn


def kept_as(name):
    def decorate(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            if getattr(self, name, None) is not None:
                return getattr(self, name)
            setattr(self, name, None)
            made = method(self, *args, **kwargs)
            return made

        return run

    return decorate


class Embedder(nn.Module):
    def __init__(self, width=5):
        super().__init__()
        self.trunk = nn.Linear(width, 7)
        self.head = None
        self(torch.zeros(1, width))  # builds the head once, with the right input size

    @kept_as("head")
    def make_head(self, features):
        hidden = nn.Linear(features.shape[-1], 4)
        head = nn.Sequential(hidden, nn.Tanh())
        return head.to(features.device)

    def forward(self, x):
        features = self.trunk(x)
        return self.make_head(features)(features)


model = Embedder()
opt = torch.optim.SGD(model.parameters(), lr=0.5)
before = None
x = torch.randn(3, 5)
model(x).pow(2).sum().backward()
opt.step()
print("parameters:", len(list(model.parameters())),
      "same output twice:", torch.equal(model(x), model(x)))
"""

# "out trained: True": the lazy ``if self.out is None`` layer is made by ``__init__``'s mock pass.
LAZY_MOCK = """
import torch
import torch.nn as nn


class Probe(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 3)
        self.out = None
        self.forward(torch.zeros(2, 6))  # creates self.out

    def forward(self, x):
        h = self.body(x)
        if self.out is None:
            self.out = nn.Linear(h.shape[1], 2)
        return self.out(h)


probe = Probe()
opt = torch.optim.Adam(probe.parameters(), lr=0.1)
before = probe.out.weight.detach().clone()
probe(torch.randn(4, 6)).sum().backward()
opt.step()
print("out trained:", not torch.equal(before, probe.out.weight))
"""

# "out trained: False": the same without the mock pass; the optimizer was built before ``out``.
LAZY_NO_MOCK = """
import torch
import torch.nn as nn


class Probe(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 3)
        self.out = None

    def forward(self, x):
        h = self.body(x)
        if self.out is None:
            self.out = nn.Linear(h.shape[1], 2)
        return self.out(h)


probe = Probe()
opt = torch.optim.Adam(probe.parameters(), lr=0.1)

probe(torch.randn(4, 6)).sum().backward()
before = probe.out.weight.detach().clone()
opt.step()
print("out trained:", not torch.equal(before, probe.out.weight))
"""


def test_a_layer_cached_on_the_module_by_a_decorator_and_made_in_init_is_silent():
    assert lines(CODE, CACHED_HEAD) == []


def test_the_cached_layer_made_after_the_optimizer_is_reported():
    found = lines(CODE, CACHED_HEAD_NO_MOCK)
    assert found == [30]


def test_a_decorator_that_does_not_cache_leaves_the_layer_reported():
    assert lines(CODE, LOGGED_HEAD) == [28]


def test_a_decorator_that_stores_before_calling_the_method_is_not_a_cache():
    assert lines(CODE, STORED_FIRST) == [31]


def test_a_lazy_layer_made_by_a_mock_pass_in_init_is_silent():
    assert lines(CODE, LAZY_MOCK) == []


def test_the_lazy_layer_without_the_mock_pass_is_reported():
    assert lines(CODE, LAZY_NO_MOCK) == [14]
