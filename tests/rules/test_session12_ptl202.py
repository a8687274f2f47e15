"""PTL202 in session 12 (issue 11: other shapes of the same bug). Each program is ours, written for
the shape, and run under torch 2.13 by the tests below: the reported ones raise "grad can be
implicitly created only for scalar outputs" at the reported line; the neighbours run.

The general facts taught: an int index of any call whose result has a known shape drops its first
dimension (`Net()(x)[0]`); `torch.linspace` / `torch.arange` of literal counts have one stated
dimension, and `requires_grad_()` keeps a shape; `nn.DataParallel(m)` outputs what `m` does; a
method of a local class called on an instance (`model.compute_loss(x)`) is read with that
instance (`self(x)` inside it: the class's own forward); a list comprehension over a counted
iterable (a `range` of literals, a display, a counted comprehension) has that many items for
`torch.stack`; builtin `sum` of a display is its items' broadcast sum; a loss class's
`if self.reduction == "mean": return ...` (in `forward` or a method it calls) cannot run for an
instance built with another string;
`torch.FloatTensor` / `torch.Tensor` of a display, `F.cosine_similarity` / `F.pairwise_distance`,
`t.max(dim)[0]`, `torch.einsum` and NumPy makers with stated sizes (through `torch.from_numpy`,
`torch.tensor(array)`) have the shapes torch gives them; `ae.encoder` of a local class instance
is what the class stores in `self.encoder`; `self.loss = ...` then `self.loss.backward()` in one
method reads the stored value; item k of `torch.autograd.grad(out, inputs)` has the shape of
input k (an `nn.Linear`'s `.weight` is (out, in)); `t.chunk(n, dim)` / `t.split(size, dim)` /
`t.unbind(dim)` items keep `t`'s other dimensions; a lambda bound to a name (also handed to a
function) is read with the arguments of the call.
"""

from __future__ import annotations

import pytest

from tests.rules.program_helpers import lines, run

NON_SCALAR = "grad can be implicitly created only for scalar outputs"

# name: (what torch computes at the reported line, program)
REPORTED = {
    "a01_net_output_row": (
        "`Net()(x)[0]`: the first row of a local model's (4, 5) output, 5 values",
        """import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 12)
        self.fc2 = nn.Linear(12, 5)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


x = torch.randn(4, 6)
Net()(x)[0].backward()
""",
    ),
    "f1c_forward_row_in_fn": (
        "`net.forward(images)[1]` in a helper: one row of a (3, 7) output",
        """import torch
import torch.nn as nn


class Head(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.fc = nn.Linear(6, classes)

    def forward(self, x):
        return self.fc(x)


def saliency(net, images):
    net.forward(images)[1].backward()


saliency(Head(7), torch.randn(3, 6, requires_grad=True))
""",
    ),
    "b09_pinn_grad": (
        "`autograd.grad(u, x)` of a (50, 1) output: `torch.linspace(0, 1, 50).view(-1, 1)` rows through a one-output head",
        """import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(1, 20), nn.Tanh(), nn.Linear(20, 1))
x = torch.linspace(0, 1, 50).view(-1, 1).requires_grad_()
u = net(x)
du = torch.autograd.grad(u, x, create_graph=True)[0]
""",
    ),
    "f3a_dataparallel_named": (
        "`nn.DataParallel(net)` gives net's (3, 4) output",
        """import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 4))
model = nn.DataParallel(net)
out = model(torch.randn(3, 5))
out.backward()
""",
    ),
    "r02_module_compute_loss": (
        "`model.compute_loss(...)`, a method of a local module calling `self(tokens)`, returns 28 per-token losses",
        """import torch
import torch.nn as nn
import torch.nn.functional as F


class Tagger(nn.Module):
    def __init__(self, vocab=50, dim=16, tags=5):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.out = nn.Linear(dim, tags)

    def forward(self, tokens):
        return self.out(self.emb(tokens))

    def compute_loss(self, tokens, tags):
        logits = self(tokens)
        return F.cross_entropy(logits.view(-1, logits.size(-1)), tags.view(-1), reduction="none")


model = Tagger()
opt = torch.optim.Adam(model.parameters())
for step in range(2):
    tokens = torch.randint(0, 50, (4, 7))
    tags = torch.randint(0, 5, (4, 7))
    opt.zero_grad()
    loss = model.compute_loss(tokens, tags)
    loss.backward()
    opt.step()
""",
    ),
    "f4a_method_self_forward": (
        "a method returning `(self.forward(x) - x) ** 2`: (4, 8)",
        """import torch
import torch.nn as nn


class AE(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.enc = nn.Linear(d, 3)
        self.dec = nn.Linear(3, d)

    def forward(self, x):
        return self.dec(torch.relu(self.enc(x)))

    def reconstruction_error(self, x):
        return (self.forward(x) - x) ** 2


ae = AE()
err = ae.reconstruction_error(torch.randn(4, 8))
err.backward()
""",
    ),
    "a24_list_comp_stack": (
        "`torch.stack` of a comprehension over a 5-item comprehension: 5 losses",
        """import torch
import torch.nn as nn

crit = nn.CrossEntropyLoss()
model = nn.Linear(4, 3)
batch = [(torch.randn(1, 4), torch.tensor([i % 3])) for i in range(5)]
losses = [crit(model(x), y) for x, y in batch]
total = torch.stack(losses)
total.backward()
""",
    ),
    "f5b_stack_comp_display": (
        "`torch.stack` of a comprehension over a 2-item list display: 2 losses",
        """import torch
import torch.nn as nn

model = nn.Linear(2, 1)
pairs = [(torch.randn(3, 2), torch.randn(3, 1)), (torch.randn(3, 2), torch.randn(3, 1))]
per_pair = [nn.functional.mse_loss(model(x), y) for x, y in pairs]
torch.stack(per_pair).backward()
""",
    ),
    "b18_sum_of_none_losses": (
        "builtin `sum` of a list of two (4, 3) per-element losses",
        """import torch
import torch.nn as nn

crit = nn.L1Loss(reduction="none")
a = torch.randn(4, 3, requires_grad=True)
parts = [crit(a, torch.zeros(4, 3)), crit(a * 2, torch.ones(4, 3))]
total = sum(parts)
total.backward()
""",
    ),
    "g01_focal_loss_class_reduction": (
        'a loss class built with its default `reduction="none"`: the `mean`/`sum` returns cannot run, the (8,) loss is returned',
        """import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0, reduction="none"):
        super().__init__()
        self.gamma = gamma
        self.reduction = reduction

    def forward(self, logits, target):
        ce = F.cross_entropy(logits, target, reduction="none")
        pt = torch.exp(-ce)
        loss = (1 - pt) ** self.gamma * ce
        if self.reduction == "mean":
            return loss.mean()
        if self.reduction == "sum":
            return loss.sum()
        return loss


crit = FocalLoss()
logits = torch.randn(8, 3, requires_grad=True)
loss = crit(logits, torch.randint(0, 3, (8,)))
loss.backward()
""",
    ),
    "f7b_reduce_method": (
        'a loss class built with `reduction="none"` whose `self._reduce(x)` method returns x unreduced: (12,)',
        """import torch
import torch.nn as nn


class BinaryFocal(nn.Module):
    def __init__(self, gamma=2.0, reduction="mean"):
        super().__init__()
        self.gamma = gamma
        self.reduction = reduction

    def forward(self, p, target):
        p_t = torch.where(target == 1, p, 1 - p)
        return self._reduce(-((1 - p_t) ** self.gamma) * torch.log(p_t))

    def _reduce(self, x):
        if self.reduction == "mean":
            return x.mean()
        elif self.reduction == "sum":
            return x.sum()
        return x


crit = BinaryFocal(reduction="none")
p = torch.sigmoid(torch.randn(12, requires_grad=True))
loss = crit(p, torch.randint(0, 2, (12,)))
loss.backward()
""",
    ),
    "b12_lambda_loss": (
        "`loss_fn = lambda a, b: (a - b) ** 2` on a (3, 2) output",
        """import torch
import torch.nn as nn

loss_fn = lambda a, b: (a - b) ** 2
model = nn.Linear(2, 2)
loss = loss_fn(model(torch.randn(3, 2)), torch.zeros(3, 2))
loss.backward()
""",
    ),
    "f8a_lambda_in_fn": (
        "a lambda handed to a training function as `loss_fn`: `(pred - target).abs()` of (4, 2)",
        """import torch
import torch.nn as nn


def train(model, loss_fn, x, y):
    out = model(x)
    loss = loss_fn(out, y)
    loss.backward()


sq = lambda pred, target: (pred - target).abs()
train(nn.Linear(3, 2), sq, torch.randn(4, 3), torch.randn(4, 2))
""",
    ),
    "f7a_loss_class_else_branch": (
        'a loss class built with `reduction="none"` whose `!= "none"` branch reduces: (2, 3, 8, 8)',
        """import torch
import torch.nn as nn


class CharbonnierLoss(nn.Module):
    def __init__(self, eps=1e-3, reduction="mean"):
        super().__init__()
        self.eps = eps
        self.reduction = reduction

    def forward(self, pred, target):
        loss = torch.sqrt((pred - target) ** 2 + self.eps**2)
        if self.reduction != "none":
            return loss.mean()
        else:
            return loss


net = nn.Conv2d(3, 3, 3, padding=1)
crit = CharbonnierLoss(reduction="none")
img = torch.randn(2, 3, 8, 8)
crit(net(img), img).backward()
""",
    ),
    "g05_floattensor_display": (
        "`torch.FloatTensor([[1.0], [2.0], [3.0]])`: (3, 1)",
        """import torch

w = torch.randn(1, requires_grad=True)
x = torch.FloatTensor([[1.0], [2.0], [3.0]])
y = torch.FloatTensor([[2.0], [4.0], [6.0]])
loss = torch.abs(x * w - y)
loss.backward()
""",
    ),
    "g11_cosine_rows": (
        "`F.cosine_similarity` of two (5, 4) tensors: 5 values",
        """import torch
import torch.nn as nn
import torch.nn.functional as F

enc = nn.Linear(6, 4)
a, b = torch.randn(5, 6), torch.randn(5, 6)
loss = 1 - F.cosine_similarity(enc(a), enc(b))
loss.backward()
""",
    ),
    "g13_max_values_rows": (
        "`out.max(1)[0]`: the maximum of each of 6 rows",
        """import torch
import torch.nn as nn

model = nn.Linear(4, 3)
out = model(torch.randn(6, 4))
best = out.max(1)[0]
best.backward()
""",
    ),
    "g14_einsum_batch": (
        '`torch.einsum("bi,bi->b", a, b)`: 7 values',
        """import torch

a = torch.randn(7, 3, requires_grad=True)
b = torch.randn(7, 3)
score = torch.einsum("bi,bi->b", a, b)
score.backward()
""",
    ),
    "h02_training_step_method": (
        '`model.training_step(batch, 0)` returns `F.mse_loss(self(x), y, reduction="none")`: (8, 2)',
        """import torch
import torch.nn as nn
import torch.nn.functional as F


class LitRegressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 2)

    def forward(self, x):
        return self.layer(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self(x), y, reduction="none")
        return loss


model = LitRegressor()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
batch = (torch.randn(8, 4), torch.randn(8, 2))
loss = model.training_step(batch, 0)
loss.backward()
""",
    ),
    "h03_self_attr_loss": (
        "`self.loss_D = (pred_real - 1) ** 2` then `self.loss_D.backward()` in the same method: (4, 1)",
        """import torch
import torch.nn as nn


class GAN:
    def __init__(self):
        self.D = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
        self.opt_D = torch.optim.Adam(self.D.parameters())

    def backward_D(self, real):
        pred_real = self.D(real)
        self.loss_D = (pred_real - 1) ** 2
        self.loss_D.backward()


GAN().backward_D(torch.randn(4, 2))
""",
    ),
    "h07_from_numpy_sizes": (
        "`torch.from_numpy(np.random.rand(10, 2))` rows through a one-output Linear: (10, 1)",
        """import numpy as np
import torch
import torch.nn as nn

X = torch.from_numpy(np.random.rand(10, 2)).float()
Y = torch.from_numpy(np.random.rand(10, 1)).float()
model = nn.Linear(2, 1)
loss = (model(X) - Y) ** 2
loss.backward()
""",
    ),
    "h08_submodule_from_outside": (
        "`ae.encoder(x)`: the Sequential the class stores in `self.encoder`, (5, 3)",
        """import torch
import torch.nn as nn


class AE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 3))
        self.decoder = nn.Linear(3, 8)

    def forward(self, x):
        return self.decoder(self.encoder(x))


ae = AE()
code = ae.encoder(torch.randn(5, 8))
code.backward()
""",
    ),
    "h12_torch_tensor_np_array": (
        "`torch.tensor(np.array(<3 x 2 display>))`: (3, 2)",
        """import numpy as np
import torch

data = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
x = torch.tensor(data, dtype=torch.float32, requires_grad=True)
y = x * 3
y.backward()
""",
    ),
    "j01_grad_of_grad": (
        "`(gx,) = torch.autograd.grad(y, x)`: the gradient has x's shape, (5,)",
        """import torch

x = torch.randn(5, requires_grad=True)
y = (x ** 3).sum()
(gx,) = torch.autograd.grad(y, x, create_graph=True)
gx.backward()
""",
    ),
    "j04_vae_kl_per_sample": (
        "`mu, logvar = h.chunk(2, dim=-1)` of (16, 8), KL summed over dim 1 only: 16 values",
        """import torch
import torch.nn as nn
import torch.nn.functional as F


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(20, 8)
        self.dec = nn.Linear(4, 20)

    def forward(self, x):
        mu, logvar = self.enc(x).chunk(2, dim=-1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.dec(z), mu, logvar


model = VAE()
x = torch.rand(16, 20)
recon, mu, logvar = model(x)
rec = F.mse_loss(recon, x)
kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
(rec + kl).backward()
""",
    ),
    "j05_hvp_tuple_grads": (
        "`autograd.grad(grads, model.weight)` of the (1, 3) weight's gradient",
        """import torch
import torch.nn as nn

model = nn.Linear(3, 1)
loss = model(torch.randn(4, 3)).pow(2).mean()
grads = torch.autograd.grad(loss, model.weight, create_graph=True)[0]
hvp = torch.autograd.grad(grads, model.weight)
""",
    ),
    "j08_norm_of_grad_per_sample": (
        "the gradient penalty per sample, `g` of x's (10, 2) shape: 10 values",
        """import torch
import torch.nn as nn

D = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
x = torch.randn(10, 2, requires_grad=True)
out = D(x).sum()
(g,) = torch.autograd.grad(out, x, create_graph=True)
penalty = (g.norm(2, dim=1) - 1) ** 2
penalty.backward()
""",
    ),
}

# name: (why it runs, program)
SILENT = {
    "k1a_element_of_call": (
        "one element `[-1, 0]` of the model's output",
        """import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
model(torch.randn(5, 4))[-1, 0].backward()
""",
    ),
    "k1b_one_output_row": (
        "a row of a one-output Linear's (5, 1) output: one value",
        """import torch
import torch.nn as nn

nn.Linear(4, 1)(torch.randn(5, 4))[2].backward()
""",
    ),
    "k2a_linspace_one_point": (
        "`torch.linspace(0, 1, 1)`: one point, one output",
        """import torch
import torch.nn as nn

x = torch.linspace(0, 1, 1).view(-1, 1).requires_grad_()
net = nn.Sequential(nn.Linear(1, 20), nn.Tanh(), nn.Linear(20, 1))
u = net(x)
du = torch.autograd.grad(u, x, create_graph=True)[0]
""",
    ),
    "k2b_grad_outputs_given": (
        "`grad_outputs=torch.ones_like(u)` given",
        """import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(1, 20), nn.Tanh(), nn.Linear(20, 1))
x = torch.linspace(0, 1, 50).view(-1, 1).requires_grad_()
u = net(x)
du = torch.autograd.grad(u, x, grad_outputs=torch.ones_like(u), create_graph=True)[0]
""",
    ),
    "k3_dataparallel_reduced": (
        "the DataParallel output reduced by `.mean()`",
        """import torch
import torch.nn as nn

model = nn.DataParallel(nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 4)))
out = model(torch.randn(3, 5))
out.mean().backward()
""",
    ),
    "k4_method_loss_reduced": (
        "the method returns a mean loss",
        """import torch
import torch.nn as nn
import torch.nn.functional as F


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return self.fc(x)

    def loss(self, x, y):
        return F.smooth_l1_loss(self(x), y)


m = Regressor()
l = m.loss(torch.randn(7, 3), torch.randn(7, 2))
l.backward()
""",
    ),
    "k5_stack_comp_one": (
        "a comprehension over `range(1)`: one loss stacked; an `if` in the other: its count unknown, reduced anyway",
        """import torch
import torch.nn as nn

crit = nn.CrossEntropyLoss()
model = nn.Linear(4, 3)
batch = [(torch.randn(1, 4), torch.tensor([i % 3])) for i in range(1)]
losses = [crit(model(x), y) for x, y in batch]
torch.stack(losses).backward()
torch.stack([crit(model(x), y) for x, y in batch if True]).sum().backward()
""",
    ),
    "k6_sum_of_scalars": (
        "builtin `sum` of two scalar losses",
        """import torch
import torch.nn.functional as F

p = torch.randn(4, requires_grad=True)
l1 = F.l1_loss(p, torch.zeros(4))
l2 = (p ** 2).mean()
sum([l1, l2]).backward()
""",
    ),
    "k7_loss_class_mean": (
        'the focal loss class built with `reduction="mean"`',
        """import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0, reduction="none"):
        super().__init__()
        self.gamma = gamma
        self.reduction = reduction

    def forward(self, logits, target):
        ce = F.cross_entropy(logits, target, reduction="none")
        pt = torch.exp(-ce)
        loss = (1 - pt) ** self.gamma * ce
        if self.reduction == "mean":
            return loss.mean()
        if self.reduction == "sum":
            return loss.sum()
        return loss


crit = FocalLoss(reduction="mean")
logits = torch.randn(8, 3, requires_grad=True)
loss = crit(logits, torch.randint(0, 3, (8,)))
loss.backward()
""",
    ),
    "n05_floattensor_one": (
        "`torch.FloatTensor([[3.0]])`: one element",
        """import torch

w = torch.randn(1, requires_grad=True)
x = torch.FloatTensor([[3.0]])
y = torch.FloatTensor([[6.0]])
loss = torch.abs(x * w - y)
loss.backward()
""",
    ),
    "n11_cosine_one_row": (
        "`F.cosine_similarity` of one row each: one value",
        """import torch
import torch.nn as nn
import torch.nn.functional as F

enc = nn.Linear(6, 4)
a, b = torch.randn(1, 6), torch.randn(1, 6)
loss = 1 - F.cosine_similarity(enc(a), enc(b))
loss.backward()
""",
    ),
    "n13_max_one_row": (
        "`out.max(1)[0]` of one row: one value",
        """import torch
import torch.nn as nn

model = nn.Linear(4, 3)
out = model(torch.randn(1, 4))
best = out.max(1)[0]
best.backward()
""",
    ),
    "n14_einsum_full": (
        '`torch.einsum("bi,bi->", a, b)`: a scalar',
        """import torch

a = torch.randn(7, 3, requires_grad=True)
b = torch.randn(7, 3)
score = torch.einsum("bi,bi->", a, b)
score.backward()
""",
    ),
    "n03_self_attr_mean": (
        "`self.loss_D` stored reduced by `.mean()`",
        """import torch
import torch.nn as nn


class GAN:
    def __init__(self):
        self.D = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))

    def backward_D(self, real):
        pred_real = self.D(real)
        self.loss_D = ((pred_real - 1) ** 2).mean()
        self.loss_D.backward()


GAN().backward_D(torch.randn(4, 2))
""",
    ),
    "n07_from_numpy_one_row": (
        "one NumPy row through a one-output Linear: one value",
        """import numpy as np
import torch
import torch.nn as nn

X = torch.from_numpy(np.random.rand(1, 2)).float()
Y = torch.from_numpy(np.random.rand(1, 1)).float()
model = nn.Linear(2, 1)
loss = (model(X) - Y) ** 2
loss.backward()
""",
    ),
    "n08_submodule_reduced": (
        "the encoder's output reduced by `.sum()`",
        """import torch
import torch.nn as nn


class AE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 3))
        self.decoder = nn.Linear(3, 8)

    def forward(self, x):
        return self.decoder(self.encoder(x))


ae = AE()
code = ae.encoder(torch.randn(5, 8))
code.pow(2).sum().backward()
""",
    ),
    "n12_np_array_one": (
        "`np.array([[2.0]])`: one element",
        """import numpy as np
import torch

data = np.array([[2.0]])
x = torch.tensor(data, dtype=torch.float32, requires_grad=True)
y = x * 3
y.backward()
""",
    ),
    "n21_grad_of_scalar_input": (
        "the gradient of a 0-dim input: one element",
        """import torch

x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
(gx,) = torch.autograd.grad(y, x, create_graph=True)
gx.backward()
""",
    ),
    "n22_chunk_one_row": (
        "chunks of one row: one KL value",
        """import torch
import torch.nn as nn

enc = nn.Linear(20, 2)
mu, logvar = enc(torch.rand(1, 20)).chunk(2, dim=-1)
kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
kl.backward()
""",
    ),
    "n23_hvp_one_weight": (
        "the gradient of a (1, 1) weight: one element",
        """import torch
import torch.nn as nn

model = nn.Linear(1, 1)
loss = model(torch.randn(4, 1)).pow(2).mean()
grads = torch.autograd.grad(loss, model.weight, create_graph=True)[0]
hvp = torch.autograd.grad(grads, model.weight)
""",
    ),
    "n24_penalty_mean": (
        "the penalty reduced by `.mean()`",
        """import torch
import torch.nn as nn

D = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
x = torch.randn(10, 2, requires_grad=True)
out = D(x).sum()
(g,) = torch.autograd.grad(out, x, create_graph=True)
penalty = ((g.norm(2, dim=1) - 1) ** 2).mean()
penalty.backward()
""",
    ),
    "n25_reduce_method_sum": (
        'the same loss class built with `reduction="sum"`',
        """import torch
import torch.nn as nn


class BinaryFocal(nn.Module):
    def __init__(self, gamma=2.0, reduction="mean"):
        super().__init__()
        self.gamma = gamma
        self.reduction = reduction

    def forward(self, p, target):
        p_t = torch.where(target == 1, p, 1 - p)
        return self._reduce(-((1 - p_t) ** self.gamma) * torch.log(p_t))

    def _reduce(self, x):
        if self.reduction == "mean":
            return x.mean()
        elif self.reduction == "sum":
            return x.sum()
        return x


crit = BinaryFocal(reduction="sum")
p = torch.sigmoid(torch.randn(12, requires_grad=True))
loss = crit(p, torch.randint(0, 2, (12,)))
loss.backward()
""",
    ),
    "n27_lambda_mean": (
        "the lambda reduces with `.mean()`",
        """import torch
import torch.nn as nn

loss_fn = lambda a, b: ((a - b) ** 2).mean()
model = nn.Linear(2, 2)
loss = loss_fn(model(torch.randn(3, 2)), torch.zeros(3, 2))
loss.backward()
""",
    ),
    "n26_reduction_set_after": (
        '`crit.reduction = "mean"` set after the construction: the mean branch runs',
        """import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0, reduction="none"):
        super().__init__()
        self.gamma = gamma
        self.reduction = reduction

    def forward(self, logits, target):
        ce = F.cross_entropy(logits, target, reduction="none")
        loss = (1 - torch.exp(-ce)) ** self.gamma * ce
        if self.reduction == "mean":
            return loss.mean()
        return loss


crit = FocalLoss()
crit.reduction = "mean"
logits = torch.randn(8, 3, requires_grad=True)
crit(logits, torch.randint(0, 3, (8,))).backward()
""",
    ),
}


def _reported_line(source: str) -> int:
    """The last line calling `backward(` or `autograd.grad(`: where torch raises."""
    found = [i for i, line in enumerate(source.splitlines(), 1) if "backward(" in line or "autograd.grad(" in line]
    return found[-1]


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_reported_and_torch_raises(name: str) -> None:
    _, source = REPORTED[name]
    assert lines(source, "PTL202") == [_reported_line(source)]
    with pytest.raises(RuntimeError, match=NON_SCALAR):
        run(source)


@pytest.mark.parametrize("name", sorted(SILENT))
def test_neighbour_silent_and_runs(name: str) -> None:
    _, source = SILENT[name]
    assert lines(source, "PTL202") == []
    run(source)
