"""PTL302 on shapes of real unregistered buffers it missed (session 12, issue 11).

Ten programs of ours were written from shapes common in real training code (focal and weighted
losses, normalisation layers, positional tables, blur kernels, YOLO anchors); three were missed:
- a focal loss's ``alpha`` bound in exclusive branches (``torch.Tensor([a, 1 - a])`` for a number,
  ``torch.Tensor(alpha)`` for a list, ``None`` otherwise): ``init_assignments`` takes only an
  attribute bound once;
- ``torch.tensor(mean)[None, :, None, None]``: an index of ``None`` and slices adds dimensions,
  like ``.view(-1, 1, 1)``;
- a kernel computed with torch functions of plain tensors (``torch.outer(k, k)``), which were read
  as methods of a name ``torch``.
Each reported program raised "Expected all tensors to be on the same device" under
``pt-lsp run --device fake-cuda`` (torch 2.13), checked here too; each neighbour ran there and is
silent: the tensor registered, moved where it is used, a 0-d scalar (which mixes with tensors on
any device), or made on the input's device.
"""

from __future__ import annotations

import pytest
from rules_helpers import findings, fixed

torch = pytest.importorskip("torch")
from program_helpers import run_on_fake_cuda  # noqa: E402

from pt_lsp.runtime.fake_cuda import MISMATCH  # noqa: E402

FOCAL_BRANCHES = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0, alpha=None):
        super().__init__()
        self.gamma = gamma
        if isinstance(alpha, (float, int)):
            self.alpha = torch.Tensor([alpha, 1 - alpha])
        elif isinstance(alpha, list):
            self.alpha = torch.Tensor(alpha)
        else:
            self.alpha = None

    def forward(self, logits, target):
        logp = F.log_softmax(logits, dim=1).gather(1, target.view(-1, 1)).view(-1)
        pt = logp.exp()
        if self.alpha is not None:
            logp = logp * self.alpha.gather(0, target)
        return (-((1 - pt) ** self.gamma) * logp).mean()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
crit = FocalLoss(alpha=[0.25, 0.75]).to(device)
x = torch.randn(4, 2, device=device)
y = torch.tensor([0, 1, 1, 0], device=device)
print(crit(x, y))
"""

FOCAL_REGISTERED = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0, alpha=None):
        super().__init__()
        self.gamma = gamma
        if isinstance(alpha, (float, int)):
            self.register_buffer("alpha", torch.Tensor([alpha, 1 - alpha]))
        elif isinstance(alpha, list):
            self.register_buffer("alpha", torch.Tensor(alpha))
        else:
            self.register_buffer("alpha", None)

    def forward(self, logits, target):
        logp = F.log_softmax(logits, dim=1).gather(1, target.view(-1, 1)).view(-1)
        pt = logp.exp()
        if self.alpha is not None:
            logp = logp * self.alpha.gather(0, target)
        return (-((1 - pt) ** self.gamma) * logp).mean()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
crit = FocalLoss(alpha=[0.25, 0.75]).to(device)
x = torch.randn(4, 2, device=device)
y = torch.tensor([0, 1, 1, 0], device=device)
print(crit(x, y))
"""

FOCAL_MOVED_AT_USE = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0, alpha=None):
        super().__init__()
        self.gamma = gamma
        if isinstance(alpha, (float, int)):
            self.alpha = torch.Tensor([alpha, 1 - alpha])
        elif isinstance(alpha, list):
            self.alpha = torch.Tensor(alpha)
        else:
            self.alpha = None

    def forward(self, logits, target):
        logp = F.log_softmax(logits, dim=1).gather(1, target.view(-1, 1)).view(-1)
        pt = logp.exp()
        if self.alpha is not None:
            logp = logp * self.alpha.to(logits.device).gather(0, target)
        return (-((1 - pt) ** self.gamma) * logp).mean()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
crit = FocalLoss(alpha=[0.25, 0.75]).to(device)
x = torch.randn(4, 2, device=device)
y = torch.tensor([0, 1, 1, 0], device=device)
print(crit(x, y))
"""

FOCAL_SCALAR_BRANCHES = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0, alpha=0.25):
        super().__init__()
        if isinstance(alpha, (list, tuple)):
            self.alpha = torch.tensor(alpha)
        else:
            self.alpha = torch.tensor(alpha)

    def forward(self, logits, target):
        logp = F.log_softmax(logits, dim=1).gather(1, target.view(-1, 1)).view(-1)
        return (-self.alpha * logp).mean()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
crit = FocalLoss(alpha=0.5).to(device)
print(crit(torch.randn(4, 2, device=device), torch.tensor([0, 1, 1, 0], device=device)))
"""

FOCAL_MOVED_IN_FORWARD = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, alpha=None):
        super().__init__()
        if alpha is None:
            self.alpha = torch.ones(2)
        else:
            self.alpha = torch.Tensor(alpha)

    def forward(self, logits, target):
        if self.alpha.device != logits.device:
            self.alpha = self.alpha.to(logits.device)
        logp = F.log_softmax(logits, dim=1).gather(1, target.view(-1, 1)).view(-1)
        return (-self.alpha.gather(0, target) * logp).mean()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
crit = FocalLoss([0.3, 0.7]).to(device)
print(crit(torch.randn(4, 2, device=device), torch.tensor([0, 1, 1, 0], device=device)))
"""

NORMALIZATION_NONE_INDEX = """\
import torch
import torch.nn as nn


class Normalization(nn.Module):
    def __init__(self, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)):
        super().__init__()
        self.mean = torch.tensor(mean)[None, :, None, None]
        self.std = torch.tensor(std)[None, :, None, None]

    def forward(self, img):
        return (img - self.mean) / self.std


class Perceptual(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = Normalization()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return self.conv(self.norm(x))


device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
net = Perceptual().to(device)
print(net(torch.rand(1, 3, 8, 8).to(device)).shape)
"""

NORMALIZATION_REGISTERED = """\
import torch
import torch.nn as nn


class Normalization(nn.Module):
    def __init__(self, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean)[None, :, None, None])
        self.register_buffer("std", torch.tensor(std)[None, :, None, None])

    def forward(self, img):
        return (img - self.mean) / self.std


class Perceptual(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = Normalization()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return self.conv(self.norm(x))


device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
net = Perceptual().to(device)
print(net(torch.rand(1, 3, 8, 8).to(device)).shape)
"""

INTEGER_INDEX_SCALAR = """\
import torch
import torch.nn as nn


class Scale(nn.Module):
    def __init__(self, factors=(2.0, 3.0)):
        super().__init__()
        self.factor = torch.tensor(factors)[0]

    def forward(self, x):
        return x * self.factor


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(Scale().to(device)(torch.ones(2, device=device)))
"""

KERNEL_OF_TORCH_FUNCTIONS = """\
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Smooth(nn.Module):
    def __init__(self, channels, size=3):
        super().__init__()
        self.channels = channels
        self.weight = self.make_kernel(size)

    def make_kernel(self, size):
        k = torch.tensor([math.exp(-((i - size // 2) ** 2)) for i in range(size)])
        k2 = torch.outer(k, k)
        k2 = k2 / k2.sum()
        return k2.view(1, 1, size, size).repeat(self.channels, 1, 1, 1)

    def forward(self, x):
        return F.conv2d(x, self.weight, padding=1, groups=self.channels)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
s = Smooth(3).to(device)
print(s(torch.rand(1, 3, 8, 8, device=device)).shape)
"""

KERNEL_REGISTERED = """\
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Smooth(nn.Module):
    def __init__(self, channels, size=3):
        super().__init__()
        self.channels = channels
        self.register_buffer("weight", self.make_kernel(size))

    def make_kernel(self, size):
        k = torch.tensor([math.exp(-((i - size // 2) ** 2)) for i in range(size)])
        k2 = torch.outer(k, k)
        k2 = k2 / k2.sum()
        return k2.view(1, 1, size, size).repeat(self.channels, 1, 1, 1)

    def forward(self, x):
        return F.conv2d(x, self.weight, padding=1, groups=self.channels)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
s = Smooth(3).to(device)
print(s(torch.rand(1, 3, 8, 8, device=device)).shape)
"""

TORCH_FUNCTION_OF_A_SCALAR = """\
import torch
import torch.nn as nn


class Temp(nn.Module):
    def __init__(self, t=2.0):
        super().__init__()
        self.log_t = torch.log(torch.tensor(t))
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return self.fc(x) / self.log_t.exp()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(Temp().to(device)(torch.ones(2, 3, device=device)).shape)
"""

TORCH_FUNCTION_OF_A_PLACED_TENSOR = """\
import torch
import torch.nn as nn


class Grid(nn.Module):
    def __init__(self, n=4, device="cpu"):
        super().__init__()
        ys = torch.arange(n, device=device)
        self.grid = torch.stack([ys, ys], dim=0)

    def forward(self, x):
        return x + self.grid.sum()


dev = "cuda" if torch.cuda.is_available() else "cpu"
print(Grid(device=dev).to(dev)(torch.ones(2, device=dev)))
"""


REPORTED = [
    (FOCAL_BRANCHES, [11], "in 2 of the branches"),
    (NORMALIZATION_NONE_INDEX, [8, 9], "plain tensor attribute"),
    (KERNEL_OF_TORCH_FUNCTIONS, [12], "plain tensor attribute"),
]
SILENT = [
    FOCAL_REGISTERED,
    FOCAL_MOVED_AT_USE,
    FOCAL_SCALAR_BRANCHES,
    FOCAL_MOVED_IN_FORWARD,
    NORMALIZATION_REGISTERED,
    INTEGER_INDEX_SCALAR,
    KERNEL_REGISTERED,
    TORCH_FUNCTION_OF_A_SCALAR,
]


@pytest.mark.parametrize(("program", "expected", "said"), REPORTED)
def test_missed_shapes_are_reported_and_fail_on_a_gpu(program, expected, said):
    found = findings("PTL302", program)
    assert [f.line for f in found] == expected
    assert all(said in f.message for f in found)
    error = run_on_fake_cuda(program)
    assert error is not None and MISMATCH in error


@pytest.mark.parametrize("program", SILENT)
def test_neighbours_run_on_a_gpu_and_stay_silent(program):
    assert findings("PTL302", program) == []
    assert run_on_fake_cuda(program) is None


def test_a_torch_function_of_a_placed_tensor_is_not_a_plain_tensor():
    """``torch.stack([ys, ys])`` of ``torch.arange(n, device=device)``: on ``device``, whatever the
    attribute's fate (the program still mixes devices after a later ``.to()``, not this rule's
    question): the operands decide, and one of them is placed."""
    assert findings("PTL302", TORCH_FUNCTION_OF_A_PLACED_TENSOR) == []


def test_the_branch_fix_registers_every_branch_and_the_fixed_loss_runs():
    text = fixed("PTL302", FOCAL_BRANCHES)
    compile(text, "<fixed>", "exec")
    assert text.count('self.register_buffer("alpha", ') == 3
    assert 'self.register_buffer("alpha", None)' in text
    assert findings("PTL302", text) == []
    assert run_on_fake_cuda(text) is None


def test_an_identity_test_of_the_attribute_is_no_use_on_a_device():
    """``if self.alpha is not None:`` reads no values: with the one real use moved
    (``self.alpha.to(x.device)``), nothing is left to report."""
    program = """\
    import torch
    import torch.nn as nn


    class Weighted(nn.Module):
        def __init__(self, alpha):
            super().__init__()
            self.alpha = torch.Tensor(alpha)

        def forward(self, x):
            if self.alpha is not None:
                x = x * self.alpha.to(x.device)
            return x
    """
    assert findings("PTL302", program) == []
    assert findings("PTL302", program.replace("self.alpha.to(x.device)", "self.alpha")) != []


# A VAE's prior kept in an attribute (real VAE tutorials do this): `torch.distributions` objects are
# no modules, `model.to(device)` leaves their parameters on the CPU, and `self.N.sample(...)` in
# `forward` gives a CPU tensor. Under fake-cuda the two reported programs raised the device mismatch;
# the neighbours ran (the sample moved at use, a prior given by the caller on the device, the
# tutorial's own workaround of moving `loc`/`scale` by hand, the prior built in `forward` from buffers).
PRIOR_OF_NUMBERS = """\
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, d=4, z=2):
        super().__init__()
        self.mu = nn.Linear(d, z)
        self.logvar = nn.Linear(d, z)
        self.N = torch.distributions.Normal(0, 1)

    def forward(self, x):
        mu, sigma = self.mu(x), torch.exp(0.5 * self.logvar(x))
        return mu + sigma * self.N.sample(mu.shape)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
enc = Encoder().to(device)
print(enc(torch.rand(3, 4, device=device)).shape)
"""

PRIOR_OF_PLAIN_TENSORS = """\
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, d=4, z=2):
        super().__init__()
        self.mu = nn.Linear(d, z)
        self.logvar = nn.Linear(d, z)
        self.N = torch.distributions.Normal(torch.zeros(2), torch.ones(2))

    def forward(self, x):
        mu, sigma = self.mu(x), torch.exp(0.5 * self.logvar(x))
        return mu + sigma * self.N.sample(mu.shape[:1])


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
enc = Encoder().to(device)
print(enc(torch.rand(3, 4, device=device)).shape)
"""

PRIOR_SAMPLE_MOVED = """\
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, d=4, z=2):
        super().__init__()
        self.mu = nn.Linear(d, z)
        self.logvar = nn.Linear(d, z)
        self.N = torch.distributions.Normal(0, 1)

    def forward(self, x):
        mu, sigma = self.mu(x), torch.exp(0.5 * self.logvar(x))
        return mu + sigma * self.N.sample(mu.shape).to(mu.device)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
enc = Encoder().to(device)
print(enc(torch.rand(3, 4, device=device)).shape)
"""

PRIOR_GIVEN_BY_THE_CALLER = """\
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, d=4, z=2, prior=None):
        super().__init__()
        self.mu = nn.Linear(d, z)
        self.logvar = nn.Linear(d, z)
        self.N = prior

    def forward(self, x):
        mu, sigma = self.mu(x), torch.exp(0.5 * self.logvar(x))
        return mu + sigma * self.N.sample(mu.shape[:1])


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
enc = Encoder(prior=torch.distributions.Normal(torch.zeros(2, device=device), torch.ones(2, device=device))).to(device)
print(enc(torch.rand(3, 4, device=device)).shape)
"""

PRIOR_MOVED_BY_HAND = """\
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, d=4, z=2):
        super().__init__()
        self.mu = nn.Linear(d, z)
        self.logvar = nn.Linear(d, z)
        self.N = torch.distributions.Normal(0, 1)
        if torch.cuda.is_available():
            self.N.loc = self.N.loc.cuda()
            self.N.scale = self.N.scale.cuda()

    def forward(self, x):
        mu, sigma = self.mu(x), torch.exp(0.5 * self.logvar(x))
        return mu + sigma * self.N.sample(mu.shape)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
enc = Encoder().to(device)
print(enc(torch.rand(3, 4, device=device)).shape)
"""

PRIOR_OF_BUFFERS = """\
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, d=4, z=2):
        super().__init__()
        self.mu = nn.Linear(d, z)
        self.logvar = nn.Linear(d, z)
        self.register_buffer("loc", torch.zeros(2))
        self.register_buffer("scale", torch.ones(2))

    def forward(self, x):
        mu, sigma = self.mu(x), torch.exp(0.5 * self.logvar(x))
        return mu + sigma * torch.distributions.Normal(self.loc, self.scale).sample(mu.shape[:1])


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
enc = Encoder().to(device)
print(enc(torch.rand(3, 4, device=device)).shape)
"""


@pytest.mark.parametrize("program", [PRIOR_OF_NUMBERS, PRIOR_OF_PLAIN_TENSORS])
def test_a_distribution_kept_in_an_attribute_is_reported(program):
    (finding,) = findings("PTL302", program)
    assert finding.line == 10
    assert "a distribution is no module" in finding.message and "`self.N.sample(...)`" in finding.message
    assert finding.fix is None  # a buffer holds a tensor, not a distribution
    error = run_on_fake_cuda(program)
    assert error is not None and MISMATCH in error


@pytest.mark.parametrize(
    "program", [PRIOR_SAMPLE_MOVED, PRIOR_GIVEN_BY_THE_CALLER, PRIOR_MOVED_BY_HAND, PRIOR_OF_BUFFERS]
)
def test_distributions_placed_or_moved_stay_silent_and_run(program):
    assert findings("PTL302", program) == []
    assert run_on_fake_cuda(program) is None


# `torch.tensor(cfg["anchors"])` where every instantiation passes a module-level dict whose
# "anchors" is a list: a conversion with dimensions (raised the device mismatch under fake-cuda);
# `torch.tensor(cfg["scale"])` of a number is 0-d and mixes with CUDA tensors (the program with
# the anchors registered and the scale left plain ran there).
ANCHORS_FROM_A_CONFIG = """\
import torch
import torch.nn as nn

CFG = {"anchors": [[10, 13], [16, 30], [33, 23]], "classes": 2}


class YoloHead(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.anchors = torch.tensor(cfg["anchors"]).float()
        self.conv = nn.Conv2d(8, len(cfg["anchors"]) * (5 + cfg["classes"]), 1)

    def forward(self, x):
        p = self.conv(x)
        b, _, h, w = p.shape
        p = p.view(b, len(self.anchors), -1, h, w)
        wh = p[:, :, 2:4].exp() * self.anchors.view(1, -1, 2, 1, 1)
        return wh


device = "cuda" if torch.cuda.is_available() else "cpu"
head = YoloHead(CFG).to(device)
print(head(torch.randn(1, 8, 4, 4, device=device)).shape)
"""

ANCHORS_AND_A_SCALAR_FROM_A_CONFIG = """\
import torch
import torch.nn as nn

CFG = {"anchors": [[10, 13], [16, 30], [33, 23]], "classes": 2, "scale": 2.0}


class YoloHead(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.anchors = torch.tensor(cfg["anchors"]).float()
        self.scale = torch.tensor(cfg["scale"])
        self.conv = nn.Conv2d(8, len(cfg["anchors"]) * (5 + cfg["classes"]), 1)

    def forward(self, x):
        p = self.conv(x)
        b, _, h, w = p.shape
        p = p.view(b, len(self.anchors), -1, h, w)
        wh = p[:, :, 2:4].exp() * self.anchors.view(1, -1, 2, 1, 1)
        return wh * self.scale


device = "cuda" if torch.cuda.is_available() else "cpu"
head = YoloHead(CFG).to(device)
print(head(torch.randn(1, 8, 4, 4, device=device)).shape)
"""

ANCHORS_REGISTERED = """\
import torch
import torch.nn as nn

CFG = {"anchors": [[10, 13], [16, 30], [33, 23]], "classes": 2, "scale": 2.0}


class YoloHead(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.register_buffer("anchors", torch.tensor(cfg["anchors"]).float())
        self.scale = torch.tensor(cfg["scale"])
        self.conv = nn.Conv2d(8, len(cfg["anchors"]) * (5 + cfg["classes"]), 1)

    def forward(self, x):
        p = self.conv(x)
        b, _, h, w = p.shape
        p = p.view(b, len(self.anchors), -1, h, w)
        wh = p[:, :, 2:4].exp() * self.anchors.view(1, -1, 2, 1, 1)
        return wh * self.scale


device = "cuda" if torch.cuda.is_available() else "cpu"
head = YoloHead(CFG).to(device)
print(head(torch.randn(1, 8, 4, 4, device=device)).shape)
"""


def test_a_list_from_a_config_dict_is_data_with_dimensions():
    assert [f.line for f in findings("PTL302", ANCHORS_FROM_A_CONFIG)] == [10]
    error = run_on_fake_cuda(ANCHORS_FROM_A_CONFIG)
    assert error is not None and MISMATCH in error
    assert [f.line for f in findings("PTL302", ANCHORS_AND_A_SCALAR_FROM_A_CONFIG)] == [10]  # not the 0-d scale
    assert findings("PTL302", ANCHORS_REGISTERED) == []
    assert run_on_fake_cuda(ANCHORS_REGISTERED) is None


# Three more shapes of real code (session 12): a table made by a static method called through the
# class (`PositionalEncoding.make(d, n)`), loss weights from a parameter that defaults to None and is
# replaced by a list (`if weights is None: weights = [1.0] * n`), and MADE's masks built by comparing
# plain tensors (`(torch.arange(h)[:, None] >= torch.arange(d)[None, :]).float()`). Each raised the
# device mismatch under fake-cuda; the neighbours (registered; a 0-d weight; weights given on the
# device) ran there.
TABLE_FROM_A_STATIC_METHOD = """\
import math

import torch
import torch.nn as nn


class PositionalEncoding(nn.Module):
    def __init__(self, d, max_len=32):
        super().__init__()
        self.table = PositionalEncoding.make(d, max_len)

    @staticmethod
    def make(d, max_len):
        pos = torch.arange(max_len).unsqueeze(1).float()
        div = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
        pe = torch.zeros(max_len, d)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        return pe

    def forward(self, x):
        return x + self.table[: x.size(1)]


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(PositionalEncoding(8).to(device)(torch.zeros(2, 5, 8, device=device)).shape)
"""

TABLE_REGISTERED = """\
import math

import torch
import torch.nn as nn


class PositionalEncoding(nn.Module):
    def __init__(self, d, max_len=32):
        super().__init__()
        self.register_buffer("table", PositionalEncoding.make(d, max_len))

    @staticmethod
    def make(d, max_len):
        pos = torch.arange(max_len).unsqueeze(1).float()
        div = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
        pe = torch.zeros(max_len, d)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        return pe

    def forward(self, x):
        return x + self.table[: x.size(1)]


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(PositionalEncoding(8).to(device)(torch.zeros(2, 5, 8, device=device)).shape)
"""

WEIGHTS_DEFAULTED_TO_A_LIST = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiTaskLoss(nn.Module):
    def __init__(self, n_tasks, weights=None):
        super().__init__()
        if weights is None:
            weights = [1.0] * n_tasks
        self.weights = torch.tensor(weights)

    def forward(self, losses):
        return (self.weights * losses).sum()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
crit = MultiTaskLoss(3).to(device)
print(crit(torch.ones(3, device=device)))
"""

WEIGHTS_DEFAULTED_TO_A_NUMBER = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiTaskLoss(nn.Module):
    def __init__(self, n_tasks, weights=None):
        super().__init__()
        if weights is None:
            weights = 1.0
        self.weights = torch.tensor(weights)

    def forward(self, losses):
        return (self.weights * losses).sum()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
crit = MultiTaskLoss(3).to(device)
print(crit(torch.ones(3, device=device)))
"""

WEIGHTS_GIVEN_ON_THE_DEVICE = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiTaskLoss(nn.Module):
    def __init__(self, n_tasks, weights=None):
        super().__init__()
        if weights is None:
            weights = [1.0] * n_tasks
        self.weights = torch.tensor(weights)

    def forward(self, losses):
        return (self.weights * losses).sum()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
crit = MultiTaskLoss(3, weights=torch.ones(3, device=device)).to(device)
print(crit(torch.ones(3, device=device)))
"""

MASKS_FROM_COMPARISONS = """\
import torch
import torch.nn as nn


class MADE(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.l1 = nn.Linear(d, h)
        self.l2 = nn.Linear(h, d)
        self.m1 = (torch.arange(h)[:, None] % (d - 1) >= torch.arange(d)[None, :]).float()
        self.m2 = (torch.arange(d)[:, None] > torch.arange(h)[None, :] % (d - 1)).float()

    def forward(self, x):
        h = torch.relu(nn.functional.linear(x, self.l1.weight * self.m1, self.l1.bias))
        return nn.functional.linear(h, self.l2.weight * self.m2, self.l2.bias)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(MADE(4, 8).to(device)(torch.rand(2, 4, device=device)).shape)
"""

MASKS_REGISTERED = """\
import torch
import torch.nn as nn


class MADE(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.l1 = nn.Linear(d, h)
        self.l2 = nn.Linear(h, d)
        self.register_buffer("m1", (torch.arange(h)[:, None] % (d - 1) >= torch.arange(d)[None, :]).float())
        self.register_buffer("m2", (torch.arange(d)[:, None] > torch.arange(h)[None, :] % (d - 1)).float())

    def forward(self, x):
        h = torch.relu(nn.functional.linear(x, self.l1.weight * self.m1, self.l1.bias))
        return nn.functional.linear(h, self.l2.weight * self.m2, self.l2.bias)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(MADE(4, 8).to(device)(torch.rand(2, 4, device=device)).shape)
"""


@pytest.mark.parametrize(
    ("program", "expected"),
    [(TABLE_FROM_A_STATIC_METHOD, [10]), (WEIGHTS_DEFAULTED_TO_A_LIST, [11]), (MASKS_FROM_COMPARISONS, [10, 11])],
)
def test_more_real_shapes_are_reported_and_fail_on_a_gpu(program, expected):
    assert [f.line for f in findings("PTL302", program)] == expected
    error = run_on_fake_cuda(program)
    assert error is not None and MISMATCH in error


@pytest.mark.parametrize(
    "program", [TABLE_REGISTERED, WEIGHTS_DEFAULTED_TO_A_NUMBER, WEIGHTS_GIVEN_ON_THE_DEVICE, MASKS_REGISTERED]
)
def test_their_neighbours_stay_silent_and_run(program):
    assert findings("PTL302", program) == []
    assert run_on_fake_cuda(program) is None
