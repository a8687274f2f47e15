"""PTL301-PTL304 facts taught from audit-6 (benchmarks/ecosystem/audit-6.md, G7-G11, M2, M3).
Our own programs, each run under torch 2.13: the silent ones run as written; each reported
neighbour shows the bug (`parameters()` misses the layers, or a device mismatch under
`pt-lsp run --device fake-cuda`)."""

from __future__ import annotations

from rules_helpers import findings

# -- G7: a list of the file's own module classes that hold no parameter or buffer ----------------
# Under torch: prints `torch.Size([2, 4, 12]) 0 0`, nothing to register.
_G7_AVG = """
import torch
import torch.nn as nn


class MovingAvg(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k
        self.pool = nn.AvgPool1d(k, stride=1)

    def forward(self, x):
        return self.pool(x)


class MultiAvg(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.avgs = [MovingAvg(k) for k in sizes]  # no parameters, no buffers anywhere below

    def forward(self, x):
        return sum(a(x)[..., : x.size(-1) - max(s.k for s in self.avgs) + 1] for a in self.avgs)


m = MultiAvg([3, 5])
print(m(torch.randn(2, 4, 16)).shape, len(list(m.parameters())), len(m.state_dict()))
"""

# Two levels of such classes (a padding module with an activation inside a smoothing one):
# prints `torch.Size([2, 8, 2]) 2 2`, the head's weight and bias only.
_G7_NESTED = """
import torch
import torch.nn as nn


class Pad(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.front = (k - 1) // 2
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(torch.cat([x[..., :1].repeat(1, 1, self.front), x], -1))


class Smooth(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.pad = Pad(k)
        self.pool = nn.AvgPool1d(kernel_size=k, stride=1)

    def forward(self, x):
        return self.pool(self.pad(x))


class Multi(nn.Module):
    def __init__(self):
        super().__init__()
        self.smooth = [Smooth(3), Smooth(5)]
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(sum(s(x)[..., :8] for s in self.smooth).transpose(1, 2))


m = Multi()
print(m(torch.randn(2, 4, 16)).shape, len(list(m.parameters())), len(m.state_dict()))
"""

# A neighbour with a convolution in the class: prints `... 0 0`, the convolutions are lost.
_G7_PARAMETRIC = """
import torch
import torch.nn as nn


class MovingAvg(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k
        self.pool = nn.AvgPool1d(k, stride=1)
        self.mix = nn.Conv1d(4, 4, 1)  # a parameter: the list loses it

    def forward(self, x):
        return self.mix(self.pool(x))


class MultiAvg(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.avgs = [MovingAvg(k) for k in sizes]

    def forward(self, x):
        return sum(a(x)[..., : x.size(-1) - max(s.k for s in self.avgs) + 1] for a in self.avgs)


m = MultiAvg([3, 5])
print(m(torch.randn(2, 4, 16)).shape, len(list(m.parameters())), len(m.state_dict()))
"""

# A neighbour keeping the module its caller gives: prints `... 0 0`, both convolutions lost.
_G7_WRAPS = """
import torch
import torch.nn as nn


class Wrap(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner  # a module the caller gives: it may hold parameters
        self.pool = nn.AvgPool1d(2)

    def forward(self, x):
        return self.pool(self.inner(x))


class Multi(nn.Module):
    def __init__(self):
        super().__init__()
        self.parts = [Wrap(nn.Conv1d(4, 4, 1)), Wrap(nn.Conv1d(4, 4, 3, padding=1))]

    def forward(self, x):
        return sum(p(x) for p in self.parts)


m = Multi()
print(m(torch.randn(2, 4, 16)).shape, len(list(m.parameters())), len(m.state_dict()))
"""


def test_a_list_of_parameter_free_project_modules_is_silent():
    assert findings("PTL301", _G7_AVG) == []
    assert findings("PTL301", _G7_NESTED) == []


def test_a_list_of_project_modules_with_a_parameter_is_reported():
    assert [f.line for f in findings("PTL301", _G7_PARAMETRIC)] == [19]
    assert [f.line for f in findings("PTL301", _G7_WRAPS)] == [18]
