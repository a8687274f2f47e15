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


# -- G8: each item of the list is also given to a registering container in `__init__` ------------
# Under torch: 4 parameters, both layers registered through `self.fc`.
_G8_NOISY = """
import torch
import torch.nn as nn


class Noisy(nn.Module):
    def __init__(self):
        super().__init__()
        self.noisy_layers = [nn.Linear(4, 8), nn.Linear(8, 2)]
        self.fc = nn.Sequential(self.noisy_layers[0], nn.ReLU(), self.noisy_layers[1])  # registered here

    def forward(self, x):
        return self.fc(x)

    def weight_norms(self):
        return [layer.weight.norm().item() for layer in self.noisy_layers]


m = Noisy()
print(len(list(m.parameters())), m(torch.randn(3, 4)).shape, m.weight_norms())
"""

# Every item through a comprehension given to `nn.ModuleList`: 6 parameters, all three layers.
_G8_COMPREHENSION = """
import torch
import torch.nn as nn


class Stack(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.blocks = [nn.Linear(4, 4) for _ in range(n)]
        self.body = nn.ModuleList([self.blocks[i] for i in range(n)])

    def forward(self, x):
        for block in self.blocks:
            x = torch.relu(block(x))
        return x


m = Stack(3)
print(len(list(m.parameters())), m(torch.randn(3, 4)).shape)
"""

# A neighbour where the middle item is given to no container: 4 of 6 parameters, one layer lost.
_G8_ONE_LEFT = """
import torch
import torch.nn as nn


class Noisy(nn.Module):
    def __init__(self):
        super().__init__()
        self.noisy_layers = [nn.Linear(4, 8), nn.Linear(8, 8), nn.Linear(8, 2)]
        self.fc = nn.Sequential(self.noisy_layers[0], nn.ReLU(), self.noisy_layers[2])  # the middle one is lost

    def forward(self, x):
        return self.fc(x) + self.noisy_layers[1](torch.ones(x.size(0), 8))[:, :2]


m = Noisy()
print(len(list(m.parameters())), m(torch.randn(3, 4)).shape)
"""


def test_items_registered_through_a_sequential_are_silent():
    assert findings("PTL301", _G8_NOISY) == []
    assert findings("PTL301", _G8_COMPREHENSION) == []


def test_an_item_left_out_of_the_sequential_is_reported():
    assert [f.line for f in findings("PTL301", _G8_ONE_LEFT)] == [8]


# -- M2: a `Sequential` built from the list in `forward` and called at once registers nothing ------
# Under torch: prints `0 torch.Size([1, 4, 8, 8])`: the convolution is never trained.
_M2_CALLED = """
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin, cout, dropout=0.0):
        super().__init__()
        self.layers = [nn.Conv2d(cin, cout, 3, padding=1)]


    def forward(self, x):
        return nn.Sequential(*self.layers)(x)


b = Block(3, 4)
print(len(list(b.parameters())), b(torch.randn(1, 3, 8, 8)).shape)
"""

# The list filled by `append`, with a norm layer: prints `0 torch.Size([2, 8, 8, 8])`.
_M2_APPENDED = """
import torch
import torch.nn as nn


class Down(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.steps = []
        self.steps.append(nn.Conv2d(cin, cout, 4, 2, 1))
        self.steps.append(nn.BatchNorm2d(cout))
        self.steps.append(nn.LeakyReLU(0.2))

    def forward(self, x):
        return nn.Sequential(*self.steps)(x)


d = Down(3, 8)
print(len(list(d.parameters())), d(torch.randn(2, 3, 16, 16)).shape)
"""

# The neighbour that stays silent: the `Sequential` is built once in `__init__` and kept (2 parameters).
_M2_KEPT = """
import torch
import torch.nn as nn


class Down(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.steps = [nn.Conv2d(cin, cout, 4, 2, 1), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*self.steps)

    def forward(self, x):
        return self.body(x)


d = Down(3, 8)
print(len(list(d.parameters())), d(torch.randn(2, 3, 16, 16)).shape)
"""


def test_a_sequential_built_and_called_in_forward_registers_nothing():
    assert [f.line for f in findings("PTL301", _M2_CALLED)] == [8]
    assert [f.line for f in findings("PTL301", _M2_APPENDED)] == [8]


def test_a_sequential_kept_in_init_registers_the_list():
    assert findings("PTL301", _M2_KEPT) == []


# -- G10: moved at the use after a slice or shape ops -------------------------------------------
# Under `pt-lsp run --device fake-cuda`: prints `torch.Size([2, 8, 4])` (each read moved).
_G10_MOVED = """
import torch
import torch.nn as nn


class PosEnc(nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.table = torch.randn(n, d)
        self.idx = torch.arange(n).long()

    def forward(self, x):
        pe = self.table[: x.size(1)].unsqueeze(0)
        idx = self.idx.repeat(x.size(0), 1).to(x.device)
        return (x + pe.to(x.device)).gather(1, idx[:, : x.size(1), None].expand_as(x))


m = PosEnc(16, 4).to("cuda")
print(m(torch.randn(2, 8, 4, device="cuda")).shape)
"""

# Index with `None`/`...`, then permute/contiguous/transpose before the move: runs the same.
_G10_CHAIN = """
import torch
import torch.nn as nn


class PosEnc(nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.table = torch.randn(n, d)

    def forward(self, x):
        pe = self.table[None, : x.size(1), ...].permute(0, 2, 1).contiguous()
        return x + pe.transpose(1, 2).to(x.device)


m = PosEnc(16, 4).to("cuda")
print(m(torch.randn(2, 8, 4, device="cuda")).shape)
"""

# A neighbour whose second read is not moved: "Expected all tensors to be on the same device".
_G10_ONE_READ_LEFT = """
import torch
import torch.nn as nn


class PosEnc(nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.table = torch.randn(n, d)

    def forward(self, x):
        pe = self.table[: x.size(1)].unsqueeze(0)
        return x + pe.to(x.device) + pe[..., :1]  # the second read is not moved


m = PosEnc(16, 4).to("cuda")
print(m(torch.randn(2, 8, 4, device="cuda")).shape)
"""


def test_a_tensor_moved_after_slices_and_shape_ops_is_silent():
    assert findings("PTL302", _G10_MOVED) == []
    assert findings("PTL302", _G10_CHAIN) == []


def test_a_read_left_on_the_cpu_after_a_slice_is_reported():
    assert [f.line for f in findings("PTL302", _G10_ONE_READ_LEFT)] == [8]


# -- G9: `torch.*_like(t)` and `torch.polar` are made where their tensor arguments are ---------------
# Under `pt-lsp run --device fake-cuda`: prints `torch.Size([2, 8])`.
_G9_HELPER = """
import torch
import torch.nn as nn


def rotary_table(dim, n, device):
    inv = 1.0 / (10000 ** (torch.arange(0, dim, 2).float() / dim)).to(device)
    t = torch.arange(n, device=device)
    freqs = torch.outer(t, inv).float()
    table = torch.polar(torch.ones_like(freqs), freqs)
    return table


class Model(nn.Module):
    def __init__(self, dim, n, device):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.freqs = rotary_table(dim, n, device=device)  # made on the target device

    def forward(self, x, pos):
        return self.proj(x) * self.freqs[pos].real.repeat_interleave(2, -1)


m = Model(8, 16, "cuda").to("cuda")
print(m(torch.randn(2, 8, device="cuda"), 3).shape)
"""

# In `__init__` itself, `ones_like` of a tensor made with `device=`: prints `torch.Size([2, 8])`.
_G9_IN_INIT = """
import torch
import torch.nn as nn


class Gate(nn.Module):
    def __init__(self, n, device):
        super().__init__()
        self.proj = nn.Linear(n, n)
        pos = torch.arange(n, device=device).float()
        self.gate = torch.ones_like(pos) * 0.5 + pos / n  # on `device`, like `pos`

    def forward(self, x):
        return self.proj(x) * self.gate


m = Gate(8, "cuda").to("cuda")
print(m(torch.randn(2, 8, device="cuda")).shape)
"""

# The neighbour without `device`: "Expected all tensors to be on the same device".
_G9_CPU = """
import torch
import torch.nn as nn


def rotary_table(dim, n):
    inv = 1.0 / (10000 ** (torch.arange(0, dim, 2).float() / dim))
    t = torch.arange(n)
    freqs = torch.outer(t, inv).float()
    table = torch.polar(torch.ones_like(freqs), freqs)
    return table


class Model(nn.Module):
    def __init__(self, dim, n):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.freqs = rotary_table(dim, n)  # made on the CPU: `ones_like` of a CPU tensor

    def forward(self, x, pos):
        return self.proj(x) * self.freqs[pos].real.repeat_interleave(2, -1)


m = Model(8, 16).to("cuda")
print(m(torch.randn(2, 8, device="cuda"), 3).shape)
"""


def test_a_like_factory_of_a_placed_tensor_is_placed():
    assert findings("PTL302", _G9_HELPER) == []
    assert findings("PTL302", _G9_IN_INIT) == []


def test_a_like_factory_of_a_cpu_tensor_is_reported():
    assert [f.line for f in findings("PTL302", _G9_CPU)] == [17]


# -- G11: a layer kept on the module through a local (`setattr(self, name, mlp)`) -----------------
# Under torch: prints `4 4` (parameters after the first and the second call: built once, kept).
_G11_SETATTR = """
import torch
import torch.nn as nn


class PatchHead(nn.Module):
    def __init__(self, nc=8):
        super().__init__()
        self.nc = nc
        self.mlp_init = False

    def create_mlp(self, feats):
        for i, f in enumerate(feats):
            mlp = nn.Sequential(*[nn.Linear(f.shape[1], self.nc), nn.ReLU()])
            setattr(self, "mlp_%d" % i, mlp)
        self.mlp_init = True

    def forward(self, feats):
        if not self.mlp_init:
            self.create_mlp(feats)  # once, on the first call
        return [getattr(self, "mlp_%d" % i)(f) for i, f in enumerate(feats)]


head = PatchHead()
head([torch.randn(2, 4), torch.randn(2, 6)])
n = len(list(head.parameters()))
head([torch.randn(2, 4), torch.randn(2, 6)])
print(n, len(list(head.parameters())))
"""

# Through two locals (a list, then an `nn.Sequential` of it) and `add_module`: prints `4 4`.
_G11_ADD_MODULE = """
import torch
import torch.nn as nn


class PatchHead(nn.Module):
    def __init__(self, nc=8):
        super().__init__()
        self.nc = nc
        self.built = False

    def build(self, feats):
        for i, f in enumerate(feats):
            layers = [nn.Linear(f.shape[1], self.nc), nn.ReLU()]
            mlp = nn.Sequential(*layers)
            self.add_module("mlp_%d" % i, mlp)
        self.built = True

    def forward(self, feats):
        if not self.built:
            self.build(feats)
        return [getattr(self, "mlp_%d" % i)(f) for i, f in enumerate(feats)]


head = PatchHead()
head([torch.randn(2, 4), torch.randn(2, 6)])
n = len(list(head.parameters()))
head([torch.randn(2, 4), torch.randn(2, 6)])
print(n, len(list(head.parameters())))
"""

# The neighbour that keeps the local nowhere: prints `0 False` (no parameters, a new random
# layer on each call).
_G11_DROPPED = """
import torch
import torch.nn as nn


class PatchHead(nn.Module):
    def __init__(self, nc=8):
        super().__init__()
        self.nc = nc

    def project(self, feats):
        out = []
        for f in feats:
            mlp = nn.Sequential(*[nn.Linear(f.shape[1], self.nc), nn.ReLU()])  # kept nowhere
            out.append(mlp(f))
        return out

    def forward(self, feats):
        return self.project(feats)


head = PatchHead()
x = [torch.randn(2, 4), torch.randn(2, 6)]
print(len(list(head.parameters())), torch.equal(head(x)[0], head(x)[0]))
"""


def test_a_layer_kept_through_a_local_is_stored():
    assert findings("PTL304", _G11_SETATTR) == []
    assert findings("PTL304", _G11_ADD_MODULE) == []


def test_a_layer_in_a_local_kept_nowhere_is_reported():
    assert [f.line for f in findings("PTL304", _G11_DROPPED)] == [13]


# -- M3: a list of layers returned by a function nested in `__init__` -----------------------------
# Under torch: prints `0 torch.Size([1, 16, 4, 4])`: both convolutions are never trained.
_M3_NESTED = """
import torch
import torch.nn as nn


class Disc(nn.Module):
    def __init__(self):
        super().__init__()

        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 4, 2, 1), nn.LeakyReLU(0.2)]

        self.lyr1 = block(3, 8)
        self.lyr2 = block(8, 16)

    def forward(self, x):
        for layer in self.lyr1 + self.lyr2:
            x = layer(x)
        return x


d = Disc()
print(len(list(d.parameters())), d(torch.randn(1, 3, 16, 16)).shape)
"""

# Filled by `append` under a flag inside the nested function: prints `0 torch.Size([1, 8, 8, 8])`.
_M3_APPENDED = """
import torch
import torch.nn as nn


class Disc(nn.Module):
    def __init__(self):
        super().__init__()

        def block(cin, cout, norm=True):
            layers = [nn.Conv2d(cin, cout, 4, 2, 1)]
            if norm:
                layers.append(nn.BatchNorm2d(cout))
            layers.append(nn.LeakyReLU(0.2))
            return layers

        self.lyr1 = block(3, 8, norm=False)

    def forward(self, x):
        for layer in self.lyr1:
            x = layer(x)
        return x


d = Disc()
print(len(list(d.parameters())), d(torch.randn(1, 3, 16, 16)).shape)
"""

# The neighbours that stay silent: a nested function returning an `nn.Sequential`, and one
# returning pooling layers only: prints `2 torch.Size([1, 8, 2, 2])`, the convolution registered.
_M3_SEQUENTIAL = """
import torch
import torch.nn as nn


class Disc(nn.Module):
    def __init__(self):
        super().__init__()

        def block(cin, cout):
            return nn.Sequential(*[nn.Conv2d(cin, cout, 4, 2, 1), nn.LeakyReLU(0.2)])

        self.lyr1 = block(3, 8)

        def pools(n):
            return [nn.MaxPool2d(2) for _ in range(n)]

        self.pools = pools(2)

    def forward(self, x):
        x = self.lyr1(x)
        for pool in self.pools:
            x = pool(x)
        return x


d = Disc()
print(len(list(d.parameters())), d(torch.randn(1, 3, 16, 16)).shape)
"""


def test_a_list_returned_by_a_nested_function_is_followed():
    assert [f.line for f in findings("PTL301", _M3_NESTED)] == [12, 13]
    assert [f.line for f in findings("PTL301", _M3_APPENDED)] == [16]


def test_a_nested_function_returning_a_sequential_or_pooling_is_silent():
    assert findings("PTL301", _M3_SEQUENTIAL) == []


# -- M2, as the notebook spells it: the list grown by `+=` (the same list, extended in place) ------
# Under torch: prints `0 torch.Size([1, 4, 8, 8])`.
_M2_GROWN = """
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin, cout, dropout=0.0):
        super().__init__()
        self.layers = [nn.Conv2d(cin, cout, 3, padding=1)]
        self.layers += [nn.ReLU()]

    def forward(self, x):
        return nn.Sequential(*self.layers)(x)


b = Block(3, 4)
print(len(list(b.parameters())), b(torch.randn(1, 3, 8, 8)).shape)
"""

# The neighbour that stays silent: grown by `+=`, then kept in an `nn.Sequential` (2 parameters).
_M2_GROWN_KEPT = """
import torch
import torch.nn as nn


class Up(nn.Module):
    def __init__(self, cin, cout, dropout=0.0):
        super().__init__()
        self.layers = [nn.ConvTranspose2d(cin, cout, 4, 2, 1), nn.ReLU()]
        if dropout:
            self.layers += [nn.Dropout(dropout)]
        self.body = nn.Sequential(*self.layers)

    def forward(self, x):
        return self.body(x)


u = Up(3, 4, 0.5)
print(len(list(u.parameters())), u(torch.randn(1, 3, 8, 8)).shape)
"""


def test_a_list_grown_by_plus_equals_is_still_the_plain_list():
    assert [f.line for f in findings("PTL301", _M2_GROWN)] == [8]
    assert findings("PTL301", _M2_GROWN_KEPT) == []


# -- G10 in simple-nmt's spelling: a size check reads no device --------------------------------
# Under `pt-lsp run --device fake-cuda`: prints `torch.Size([2, 8, 4])`.
_G10_SIZE_READ = """
import torch
import torch.nn as nn


class PosEnc(nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.pos_enc = torch.randn(n, d)

    def forward(self, x, init_pos=0):
        assert x.size(-1) == self.pos_enc.size(-1) and x.size(1) <= self.pos_enc.shape[0]
        pos_enc = self.pos_enc[init_pos : init_pos + x.size(1)].unsqueeze(0)
        return x + pos_enc.to(x.device)


m = PosEnc(16, 4).to("cuda")
print(m(torch.randn(2, 8, 4, device="cuda")).shape)
"""

# The neighbour adding the slice unmoved: "Expected all tensors to be on the same device".
_G10_SIZE_READ_UNMOVED = """
import torch
import torch.nn as nn


class PosEnc(nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.pos_enc = torch.randn(n, d)

    def forward(self, x, init_pos=0):
        assert x.size(-1) == self.pos_enc.size(-1)
        return x + self.pos_enc[init_pos : init_pos + x.size(1)].unsqueeze(0)


m = PosEnc(16, 4).to("cuda")
print(m(torch.randn(2, 8, 4, device="cuda")).shape)
"""


def test_size_and_shape_reads_need_no_device():
    assert findings("PTL302", _G10_SIZE_READ) == []
    assert [f.line for f in findings("PTL302", _G10_SIZE_READ_UNMOVED)] == [8]
