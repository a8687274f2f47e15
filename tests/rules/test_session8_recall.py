"""PTL202, PTL203 and PTL302 on real reports found in session 8 (issue 11): a tuned set.

Each program below is ours, written in the shape of one real report (its ``# Source:`` line);
the line the report is about carries ``# bug: PTLxxx`` and a true finding past the line where
the run stops carries ``# also: PTLxxx``. Each raises the reported error under torch 2.13 (on
the CPU, or with CUDA available under pt-lsp's fake-cuda), each fixed neighbour runs and draws no
finding. 11 reports (1 PTL202, 4 PTL203, 6 PTL302); reported before this session: 4 (the PTL202
tutorial vector, the PTL203 bias view and layer weight entry, the PTL302 focal-loss weight), now
all 11; taught here (the general facts, each with a silent
neighbour):

- a tensor passed to a module's constructor is plain when every instantiation passes arithmetic
  of plain tensors, also through a parameter of the enclosing module's ``__init__`` that every
  instantiation of that module gives a plain tensor (lda2vec's unigram distribution);
- a method that only ``__init__`` calls, as a statement, sets its attributes at construction
  exactly as ``__init__`` does (DCLS's ``_init_tmp_variables``); a method ``forward`` also calls
  (a cache it rebuilds) does not count;
- the ``__init__`` of a module base without a ``forward`` stores attributes of each subclass that
  runs it (flamo's DSP base and its filters); a base that moves them itself (``_apply``) does not;
- a torch function given ``inplace=True`` (``F.relu``, ``F.dropout``), a torch function ending in
  ``_`` (``torch.relu_``) and a layer built with ``inplace=True`` write their input in place (not
  ``torch.nn.init.*_``, which runs under ``no_grad``); the leaf a name holds is the one reaching
  the change, though the name is rebound later (``x = F.relu(x, inplace=True)``); a tensor of
  ``torch.from_numpy`` does not require grad, so ``requires_grad_()`` makes it a leaf;
- a factory given ``requires_grad=data.requires_grad`` makes a leaf that requires grad where the
  analysis shows ``data`` does (ncnet's preallocated output); the message for an item assignment
  is torch's "a view of a leaf Variable ...";
- a list or dict attribute that ``__init__`` binds once to plain tensors (a display, or an empty
  container it fills there), also to registered buffers read back (``getattr(self, name)``), and
  that ``forward`` reads, keeps CPU tensors after ``model.to(device)`` (pytorch#29807, #43815);
  a container ``forward`` fills (a cache), of numbers, or whose items the loop moves, does not.
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap

import pytest

from pt_lsp.core.document import Document
from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

BUG = re.compile(r"#\s*(bug|also):\s*(PTL\d{3})")
ERROR = re.compile(r"^#\s*error:\s*(.+?)\s*$", re.MULTILINE)


def findings(source: str, code: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<session8>", selection=Selection.of([code]))
    assert result.errors == []
    return sorted(f.line for f in result.findings if f.code == code)


def marked(source: str, kinds: tuple[str, ...] = ("bug", "also")) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for number, line in enumerate(textwrap.dedent(source).splitlines(), 1):
        match = BUG.search(line)
        if match and match.group(1) in kinds:
            found.setdefault(match.group(2), []).append(number)
    return found


def run(source: str) -> None:
    """Run ``source`` under torch, with fake CUDA when its header asks for it."""
    pytest.importorskip("torch")
    from pt_lsp.runtime.fake_cuda import fake_cuda

    code = compile(textwrap.dedent(source), "<session8>", "exec")
    device = fake_cuda() if "# device: fake-cuda" in source else contextlib.nullcontext()
    with device, contextlib.redirect_stdout(io.StringIO()):
        exec(code, {"__name__": "session8"})


P202_VECTOR_BACKWARD_BLOG = """\
# Source: https://blog.youkuaiyun.com/qq_37397652/article/details/136591668
# Pattern: a tutorial squares a shifted input element-wise and calls backward() on the result,
# a vector of three elements; torch wants a `gradient=` (a vector-Jacobian product) or a scalar.
# error: grad can be implicitly created only for scalar outputs
import torch

x = torch.randn(3, requires_grad=True)
shifted = x + 2
out = shifted * shifted * 2
out.backward()  # bug: PTL202
print(x.grad)
"""


P203_YOLO_PRUNE_INITIALIZE_BIASES = """\
# Source: https://github.com/xhwNobody/yolov5_prune_sfp/issues/17
# Pattern: a pruned detector's constructor calls `_initialize_biases`, which views each head
# convolution's bias as (anchors, outputs) and adds the objectness and class priors to the view
# in place, outside `torch.no_grad()` (the fix in the thread wraps the additions in no_grad).
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import math

import torch
from torch import nn


class Head(nn.Module):
    def __init__(self, nc=4, na=3, channels=(16, 32)):
        super().__init__()
        self.nc, self.na, self.no = nc, na, nc + 5
        self.stride = torch.tensor([8.0, 16.0])
        self.m = nn.ModuleList(nn.Conv2d(c, self.no * self.na, 1) for c in channels)

    def forward(self, feats):
        return [conv(f) for conv, f in zip(self.m, feats)]


class Detector(nn.Module):
    def __init__(self, nc=4):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.down = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.head = Head(nc)
        self._initialize_biases()

    def _initialize_biases(self):
        m = self.head
        for mi, s in zip(m.m, m.stride):
            b = mi.bias.view(m.na, -1)
            b[:, 4] += math.log(8 / (640 / s) ** 2)  # bug: PTL203
            b[:, 5:] += math.log(0.6 / (m.nc - 0.99))  # also: PTL203

    def forward(self, x):
        a = self.stem(x)
        return self.head([a, self.down(a)])


model = Detector()
print([o.shape for o in model(torch.randn(1, 3, 32, 32))])
"""


P302_FOCAL_LOSS_POS_WEIGHT = """\
# Source: https://github.com/gnn-tracking/gnn_tracking/pull/449
# Pattern: an edge-classification focal loss keeps the `pos_weight` tensor it is given as a plain
# attribute; the loss is a child of the model that is moved to the GPU, the weight stays on the
# CPU and the positive term fails. The fix builds the weight on the input's device in `forward`.
# error: Expected all tensors to be on the same device
# device: fake-cuda
import torch
from torch import nn


class EdgeWeightFocalLoss(nn.Module):
    def __init__(self, alpha=0.25, gamma=2.0, pos_weight=None):
        super().__init__()
        self.alpha, self.gamma = alpha, gamma
        self.pos_weight = pos_weight  # bug: PTL302

    def forward(self, w, y):
        pos = -self.alpha * self.pos_weight * (1 - w).pow(self.gamma) * y * w.clamp_min(1e-6).log()
        neg = -(1 - self.alpha) * w.pow(self.gamma) * (1 - y) * (1 - w).clamp_min(1e-6).log()
        return (pos + neg).mean()


class EdgeClassifier(nn.Module):
    def __init__(self, dim=6):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(dim, 16), nn.ReLU(), nn.Linear(16, 1))
        self.loss_fn = EdgeWeightFocalLoss(pos_weight=torch.tensor([2.0]))

    def forward(self, edges, y):
        w = torch.sigmoid(self.mlp(edges)).squeeze(-1)
        return self.loss_fn(w, y)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = EdgeClassifier().to(device)
loss = model(torch.randn(10, 6, device=device), torch.randint(0, 2, (10,), device=device).float())
loss.backward()
print(loss.item())
"""


P302_LDA2VEC_WORD_DISTRIBUTION = """\
# Source: https://github.com/TropComplique/lda2vec-pytorch/issues/14
# Pattern: a negative-sampling loss module keeps the unigram distribution it is constructed with
# as a plain attribute and draws noise words from it with `torch.multinomial` in `forward`; with
# the model on the GPU the noise indices are on the CPU and the embedding lookup fails. The
# reporter moved the noise to the device in `forward`.
# error: Expected all tensors to be on the same device
# device: fake-cuda
import torch
from torch import nn


class NegativeSamplingLoss(nn.Module):
    def __init__(self, vocab_size, dim, word_distribution, num_sampled=5):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim)
        self.word_distribution = word_distribution  # bug: PTL302
        self.num_sampled = num_sampled

    def forward(self, pivot_words, target_words):
        batch_size, window = target_words.size()
        pivots = self.embedding(pivot_words)
        targets = self.embedding(target_words)
        noise = torch.multinomial(self.word_distribution, batch_size * window * self.num_sampled, replacement=True)
        noise = noise.view(batch_size, window * self.num_sampled)
        negatives = self.embedding(noise).neg()
        pos = torch.bmm(targets, pivots.unsqueeze(2)).sigmoid().log().sum()
        neg = torch.bmm(negatives, pivots.unsqueeze(2)).sigmoid().log().sum()
        return -(pos + neg) / batch_size


class TopicModel(nn.Module):
    def __init__(self, counts, dim=8):
        super().__init__()
        freq = counts.float() ** 0.75
        self.neg = NegativeSamplingLoss(len(counts), dim, freq / freq.sum())

    def forward(self, pivots, targets):
        return self.neg(pivots, targets)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
counts = torch.randint(1, 50, (30,))
model = TopicModel(counts).to(device)
loss = model(torch.randint(0, 30, (4,), device=device), torch.randint(0, 30, (4, 3), device=device))
loss.backward()
print(loss.item())
"""


P302_DCLS_TMP_VARIABLES_HELPER = """\
# Source: https://github.com/K-H-Ismail/Dilated-Convolution-with-Learnable-Spacings-PyTorch/pull/8
# Pattern: a kernel-construction module builds its index grid and its limit tensor in a helper
# method that `__init__` calls (`self._init_tmp_variables()`), as plain attributes; after
# `model.cuda()` they stay on the CPU and `forward` fails adding the limit to a CUDA tensor. The
# maintainer: register them with `register_buffer` as the other modules do.
# error: Expected all tensors to be on the same device
# device: fake-cuda
import torch
from torch import nn


class ConstructKernel1d(nn.Module):
    def __init__(self, out_channels, in_channels, kernel_count, dilated_kernel_size):
        super().__init__()
        self.out_channels, self.in_channels = out_channels, in_channels
        self.kernel_count, self.dilated_kernel_size = kernel_count, dilated_kernel_size
        self._init_tmp_variables()

    def _init_tmp_variables(self):
        self.idx = torch.arange(self.dilated_kernel_size).view(1, 1, 1, -1).float()  # also: PTL302
        self.lim = torch.tensor(self.dilated_kernel_size).view(1)  # bug: PTL302

    def forward(self, weight, positions):
        p = positions + self.lim // 2
        dist = (self.idx - p.unsqueeze(-1)).abs()
        kernel = (weight.unsqueeze(-1) * torch.relu(1 - dist)).sum(2)
        return kernel


class Dcls1d(nn.Module):
    def __init__(self, channels=4, kernel_count=3, dilated_kernel_size=7):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(channels, channels, kernel_count))
        self.positions = nn.Parameter(torch.rand(channels, channels, kernel_count))
        self.kernel = ConstructKernel1d(channels, channels, kernel_count, dilated_kernel_size)

    def forward(self, x):
        k = self.kernel(self.weight, self.positions)
        return torch.nn.functional.conv1d(x, k, padding=k.size(-1) // 2)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Dcls1d().to(device)
out = model(torch.randn(2, 4, 32, device=device))
out.sum().backward()
print(out.shape)
"""


P203_RELU_DROPOUT_INPLACE_LEAF = """\
# Source: https://github.com/pytorch/pytorch/issues/727
# Pattern: a leaf input that requires grad goes through `F.relu(x, inplace=True)` and then
# `F.dropout(x, inplace=True)`; torch refuses to change the leaf in place. The maintainer: remove
# the `inplace` flags (a leaf cannot be changed in place, and dropout in place would also
# overwrite the output relu saved for backward).
# error: a leaf Variable that requires grad is being used in an in-place operation
import numpy as np
import torch
import torch.nn.functional as F

x = torch.from_numpy(np.random.randn(4, 6, 10, 10)).float().requires_grad_()
x = F.relu(x, inplace=True)  # bug: PTL203
x = F.dropout(x, p=0.1, inplace=True)
result = torch.sum(x)
result.backward()
print(result.item())
"""


P203_NCNET_CONV4D_OUTPUT_BUFFER = """\
# Source: https://github.com/ignacio-rocco/ncnet/issues/12
# Pattern: a 4-D convolution written as a loop of 3-D convolutions preallocates its output with
# `requires_grad=data.requires_grad` and writes each slice into it; when the input comes from a
# feature extractor with trainable weights, the buffer is a leaf that requires grad and the first
# slice assignment fails (evaluation without `torch.no_grad()`). The output should join the graph
# through the slices written into it: preallocated without `requires_grad`.
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
import torch.nn.functional as F
from torch import nn


def conv4d(data, filters, padding=1):
    b, c, h, w, d, t = data.size()
    data = data.permute(2, 0, 1, 3, 4, 5).contiguous()
    filters = filters.permute(2, 0, 1, 3, 4, 5).contiguous()
    c_out = filters.size(1)
    output = torch.zeros(h, b, c_out, w, d, t, requires_grad=data.requires_grad)
    zeros = torch.zeros(padding, b, c, w, d, t)
    padded = torch.cat((zeros, data, zeros), 0)
    for i in range(h):
        output[i] = sum(  # bug: PTL203
            F.conv3d(padded[i + p], filters[p], padding=padding) for p in range(filters.size(0))
        )
    return output.permute(1, 2, 0, 3, 4, 5)


class Conv4d(nn.Module):
    def __init__(self, in_channels, out_channels, k=3):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, k, k, k, k) * 0.1)

    def forward(self, x):
        return conv4d(x, self.weight)


class NeighConsensus(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Conv2d(3, 2, 3, padding=1)
        self.conv = Conv4d(1, 1)

    def forward(self, a, b):
        fa, fb = self.features(a), self.features(b)
        corr = torch.einsum("bchw,bcxy->bhwxy", fa, fb).unsqueeze(1)
        return self.conv(corr)


model = NeighConsensus().eval()
print(model(torch.randn(1, 3, 4, 4), torch.randn(1, 3, 4, 4)).shape)
"""


P203_LAYER_WEIGHT_ENTRY_ASSIGNMENT = """\
# Source: https://discuss.pytorch.org/t/layer-weight-vs-weight-data/24271/2
# Pattern: an entry of a linear layer's weight is set by chained indexing, `lin.weight[0][0] = 1.`,
# outside `torch.no_grad()` (the answer: do it under `with torch.no_grad():`, not via `.data`).
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
from torch import nn

lin = nn.Linear(10, 2)
lin.weight[0][0] = 1.0  # bug: PTL203
x = torch.randn(1, 10)
output = lin(x)
output.mean().backward()
print(lin.weight.grad.shape)
"""


P302_FLAMO_DSP_BASE_ENVELOPE = """\
# Source: https://github.com/gdalsanto/flamo/pull/30
# Pattern: a differentiable-DSP library's base module keeps tensors derived in its constructor
# (an anti-aliasing decay envelope over the FFT bins) as plain attributes; a filter subclass
# uses them in `forward`, and after `model.to("cuda")` the first forward mixes devices. The PR
# moves the plain tensor attributes with the module.
# error: Expected all tensors to be on the same device
# device: fake-cuda
import torch
from torch import nn


class DSP(nn.Module):
    def __init__(self, size, nfft=64, alias_decay_db=0.0):
        super().__init__()
        self.size, self.nfft = size, nfft
        self.param = nn.Parameter(torch.randn(*size))
        gamma = 10 ** (-abs(alias_decay_db) / nfft / 20)
        self.alias_envelope = gamma ** torch.arange(0, -nfft, -1)  # bug: PTL302


class Gain(DSP):
    def __init__(self, size, nfft=64):
        super().__init__(size, nfft=nfft, alias_decay_db=20.0)

    def forward(self, x):
        spectrum = torch.fft.rfft(x * self.alias_envelope, n=self.nfft)
        return torch.einsum("...i,oi->...o", spectrum.real, self.param)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Gain((2, 33)).to(device)
print(model(torch.randn(4, 64, device=device)).shape)
"""


P302_BUFFER_ALIAS_LIST = """\
# Source: https://github.com/pytorch/pytorch/issues/29807
# Pattern: a module registers tensors as buffers and keeps a plain list of them as well; after
# `.cuda()` the buffers are replaced by CUDA copies but the list still holds the CPU tensors, and
# `forward`, which reads the list, mixes devices. The maintainers: read the buffers, not the list.
# error: Expected all tensors to be on the same device
# device: fake-cuda
import torch
from torch import nn


class Scales(nn.Module):
    def __init__(self, n=4):
        super().__init__()
        self.scales = []  # bug: PTL302
        for i in range(n):
            self.register_buffer(f"scale_{i}", torch.rand(1, 3))
            self.scales.append(getattr(self, f"scale_{i}"))

    def forward(self, x):
        return torch.stack([x * s for s in self.scales]).sum(0)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Scales().to(device)
print(model(torch.randn(2, 3, device=device)).shape)
"""


P302_BUFFER_ALIAS_DICT = """\
# Source: https://github.com/pytorch/pytorch/issues/43815
# Pattern: a module keeps a dict of tensors and registers each one as a buffer under a derived
# name; `.cuda()` copies the buffers to the device and rebinds the attributes, the dict still holds
# the CPU tensors, and a `forward` that reads the dict mixes devices. The answer: buffers are moved
# by copy, so read them through the module's attributes.
# error: Expected all tensors to be on the same device
# device: fake-cuda
import torch
from torch import nn


class Offsets(nn.Module):
    def __init__(self):
        super().__init__()
        self.data = {"a": torch.Tensor([1.0]), "b": torch.Tensor([1.0, 2.0, 3.0])}  # bug: PTL302
        for name in self.data:
            self.register_buffer("data_" + name, self.data[name])
        self.proj = nn.Linear(3, 3)

    def forward(self, x):
        return self.proj(x + self.data["b"]) * self.data["a"]


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Offsets().to(device)
print(model(torch.randn(2, 3, device=device)).shape)
"""


REAL = {
    "tutorial-vector": P202_VECTOR_BACKWARD_BLOG,
    "yolo-bias-view": P203_YOLO_PRUNE_INITIALIZE_BIASES,
    "focal-pos-weight": P302_FOCAL_LOSS_POS_WEIGHT,
    "lda2vec-distribution": P302_LDA2VEC_WORD_DISTRIBUTION,
    "dcls-init-helper": P302_DCLS_TMP_VARIABLES_HELPER,
    "relu-inplace-leaf": P203_RELU_DROPOUT_INPLACE_LEAF,
    "ncnet-output-buffer": P203_NCNET_CONV4D_OUTPUT_BUFFER,
    "layer-weight-entry": P203_LAYER_WEIGHT_ENTRY_ASSIGNMENT,
    "flamo-base-envelope": P302_FLAMO_DSP_BASE_ENVELOPE,
    "buffer-alias-list": P302_BUFFER_ALIAS_LIST,
    "buffer-alias-dict": P302_BUFFER_ALIAS_DICT,
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_the_real_bug_is_reported_on_its_line_and_nowhere_unmarked(name: str) -> None:
    source = REAL[name]
    bugs, every = marked(source, ("bug",)), marked(source)
    assert bugs, "each program marks its bug"
    for code, lines in bugs.items():
        found = findings(source, code)
        assert set(lines) <= set(found)
        assert set(found) <= set(every[code])


@pytest.mark.parametrize("name", sorted(REAL))
def test_the_real_bug_raises_the_reported_error_under_torch(name: str) -> None:
    source = REAL[name]
    error = ERROR.search(source)
    assert error is not None
    with pytest.raises(RuntimeError, match=re.escape(error.group(1))):
        run(source)


def fixed(source: str, old: str, new: str) -> str:
    assert old in source
    return source.replace(old, new)


# the fixes the threads converged on: each runs (fake CUDA where the bug needed it), no finding
LDA2VEC_FIXED = fixed(
    P302_LDA2VEC_WORD_DISTRIBUTION,
    "self.word_distribution = word_distribution  # bug: PTL302",
    'self.register_buffer("word_distribution", word_distribution)',
)
DCLS_FIXED = fixed(
    fixed(
        P302_DCLS_TMP_VARIABLES_HELPER,
        "self.lim = torch.tensor(self.dilated_kernel_size).view(1)  # bug: PTL302",
        'self.register_buffer("lim", torch.tensor(self.dilated_kernel_size).view(1))',
    ),
    "self.idx = torch.arange(self.dilated_kernel_size).view(1, 1, 1, -1).float()  # also: PTL302",
    'self.register_buffer("idx", torch.arange(self.dilated_kernel_size).view(1, 1, 1, -1).float())',
)
# a distribution placed on the input's device where the model is built: not a plain CPU tensor
LDA2VEC_PLACED = fixed(
    P302_LDA2VEC_WORD_DISTRIBUTION,
    "self.neg = NegativeSamplingLoss(len(counts), dim, freq / freq.sum())",
    "self.neg = NegativeSamplingLoss(len(counts), dim, (freq / freq.sum()).to(counts.device))",
).replace("model = TopicModel(counts).to(device)", "model = TopicModel(counts.to(device)).to(device)")
# the helper also runs from `forward` (a cache rebuilt there): not construction only
DCLS_REBUILT = fixed(
    P302_DCLS_TMP_VARIABLES_HELPER,
    "        p = positions + self.lim // 2",
    "        self._init_tmp_variables()\n        p = positions + self.lim // 2",
)


@pytest.mark.parametrize("source", [LDA2VEC_FIXED, DCLS_FIXED], ids=["lda2vec", "dcls"])
def test_the_registered_fix_runs_and_draws_no_finding(source: str) -> None:
    run(source)
    assert findings(source, "PTL302") == []


def test_a_constructor_argument_placed_on_a_device_is_not_plain() -> None:
    """torch: the distribution follows ``counts`` onto the (fake) CUDA device; the run passes."""
    run(LDA2VEC_PLACED)
    assert findings(LDA2VEC_PLACED, "PTL302") == []


def test_a_helper_forward_also_calls_is_not_construction_only() -> None:
    """The rebuilt attributes are still CPU tensors (torch raises the mismatch there too), but
    the attribute is then a cache forward rebuilds: not this fact, and left silent."""
    assert findings(DCLS_REBUILT, "PTL302") == []


TRAINABLE = """\
import torch
from torch import nn


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.scale = torch.ones(3)  # here
        self.scale.requires_grad_()

    def forward(self, x):
        return self.fc(x) * self.scale


model = Scaled()
assert all(p is not model.scale for p in model.parameters())
opt = torch.optim.SGD(model.parameters(), lr=0.5)
model(torch.randn(4, 3)).pow(2).sum().backward()
opt.step()
assert torch.equal(model.scale, torch.ones(3))  # it has a gradient but no optimizer steps it
"""


def test_a_trainable_plain_tensor_without_an_optimizer_is_told_to_be_a_parameter() -> None:
    """torch: ``model.parameters()`` does not list ``scale``; the optimizer built from them
    leaves it at ones although it has a gradient. The advice is ``nn.Parameter``, not a buffer
    (a buffer would stop it training at all), and no buffer fix is offered."""
    run(TRAINABLE)
    result = lint_source(TRAINABLE, "<session8>", selection=Selection.of(["PTL302"]))
    [finding] = [f for f in result.findings if f.code == "PTL302"]
    assert finding.line == 9
    assert "nn.Parameter" in finding.message and "register it as a buffer" not in finding.message
    assert not finding.fixes
    constant = TRAINABLE.replace("        self.scale.requires_grad_()\n", "")
    [plain] = [f for f in lint_source(constant, "<s8>", selection=Selection.of(["PTL302"])).findings]
    assert "register it as a buffer" in plain.message and plain.fixes


RELU_FIXED = P203_RELU_DROPOUT_INPLACE_LEAF.replace(", inplace=True)", ")").replace("  # bug: PTL203", "")
NCNET_FIXED = fixed(
    P203_NCNET_CONV4D_OUTPUT_BUFFER,
    "output = torch.zeros(h, b, c_out, w, d, t, requires_grad=data.requires_grad)",
    "output = torch.zeros(h, b, c_out, w, d, t)",
)
# the same helper on data that does not require grad: the copied flag is False, the buffer no leaf
NCNET_NO_GRAD_INPUT = (
    P203_NCNET_CONV4D_OUTPUT_BUFFER.split("class Conv4d")[0]
    + "print(conv4d(torch.randn(1, 1, 3, 3, 3, 3), torch.randn(1, 1, 3, 3, 3, 3)).shape)\n"
)
LAYER_FIXED = fixed(
    P203_LAYER_WEIGHT_ENTRY_ASSIGNMENT,
    "lin.weight[0][0] = 1.0  # bug: PTL203",
    "with torch.no_grad():\n    lin.weight[0][0] = 1.0",
)
REBOUND_FIRST = """\
import torch

w = torch.zeros(3, requires_grad=True)
w = w * 2
w.add_(1)
w.sum().backward()
"""
INIT_FUNCTIONS = """\
import torch
from torch import nn

w = torch.empty(3, 4, requires_grad=True)
nn.init.normal_(w, 0.0, 0.02)
nn.init.zeros_(w)
b = torch.zeros(4, requires_grad=True)
torch.nn.utils.clip_grad_norm_([w, b], 1.0)
(w.sum() + b.sum()).backward()
"""


@pytest.mark.parametrize(
    "source",
    [RELU_FIXED, NCNET_FIXED, NCNET_NO_GRAD_INPUT, LAYER_FIXED, REBOUND_FIRST, INIT_FUNCTIONS],
    ids=["relu-out-of-place", "ncnet-plain-buffer", "ncnet-plain-input", "layer-no-grad", "rebound", "init"],
)
def test_ptl203_neighbours_run_and_draw_no_finding(source: str) -> None:
    """torch runs each: activations out of place; a buffer without ``requires_grad`` (it joins the
    graph through the slices), or copying the flag of data that does not require grad; the entry
    set under ``no_grad``; an in-place change of ``w * 2`` (no leaf: the leaf's name was rebound
    before it); ``torch.nn.init`` functions and ``clip_grad_norm_`` (they do not write under
    autograd)."""
    run(source)
    assert findings(source, "PTL203") == []


def test_a_layer_built_in_place_writes_its_leaf_input() -> None:
    """torch: ``nn.ReLU(inplace=True)`` called on a leaf that requires grad raises the leaf
    error; built without ``inplace`` the same call runs, silent."""
    source = """\
    import torch
    from torch import nn

    x = torch.randn(4, 6, requires_grad=True)
    act = nn.ReLU(inplace=True)
    y = act(x)  # here
    y.sum().backward()
    """
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        run(source)
    assert findings(source, "PTL203") == [6]
    plain = source.replace("nn.ReLU(inplace=True)", "nn.ReLU()")
    run(plain)
    assert findings(plain, "PTL203") == []


def test_dropping_inplace_is_the_fix_and_the_second_pass_is_clean() -> None:
    """The fix of ``F.relu(x, inplace=True)`` on a leaf drops the flag; the fixed text compiles and
    draws no PTL203 finding (the in-place dropout after it is on relu's output, no leaf)."""
    source = textwrap.dedent(P203_RELU_DROPOUT_INPLACE_LEAF)
    result = lint_source(source, "<s8>", selection=Selection.of(["PTL203"]))
    [finding] = result.findings
    [fix] = finding.fixes
    [edit] = fix.edits
    start, end = (Document(source).offset(p) for p in (edit.span.start, edit.span.end))
    fixed_source = source[:start] + edit.content + source[end:]
    compile(fixed_source, "<fixed>", "exec")
    assert "F.relu(x)" in fixed_source
    assert findings(fixed_source, "PTL203") == []


FLAMO_FIXED = fixed(
    P302_FLAMO_DSP_BASE_ENVELOPE,
    "self.alias_envelope = gamma ** torch.arange(0, -nfft, -1)  # bug: PTL302",
    'self.register_buffer("alias_envelope", gamma ** torch.arange(0, -nfft, -1))',
)
# the base moves its plain tensors itself, as the flamo PR does: `_apply` is behind `.to()`
FLAMO_APPLY = fixed(
    P302_FLAMO_DSP_BASE_ENVELOPE,
    "class Gain(DSP):",
    "    def _apply(self, fn, recurse=True):\n"
    "        super()._apply(fn, recurse)\n"
    "        self.alias_envelope = fn(self.alias_envelope)\n"
    "        return self\n\n\nclass Gain(DSP):",
)


@pytest.mark.parametrize("source", [FLAMO_FIXED, FLAMO_APPLY], ids=["buffer", "apply"])
def test_a_base_that_registers_or_moves_its_tensors_is_silent(source: str) -> None:
    """torch (fake CUDA): with the envelope registered, or moved by the base's ``_apply``, the
    filter runs on the device."""
    run(source)
    assert findings(source, "PTL302") == []


LIST_BY_NAME = fixed(
    fixed(P302_BUFFER_ALIAS_LIST, "        self.scales = []  # bug: PTL302\n", ""),
    "        for i in range(n):\n            self.register_buffer",
    "        self.n = n\n        for i in range(n):\n            self.register_buffer",
)
LIST_BY_NAME = fixed(
    fixed(LIST_BY_NAME, '            self.scales.append(getattr(self, f"scale_{i}"))\n', ""),
    "[x * s for s in self.scales]",
    '[x * getattr(self, f"scale_{i}") for i in range(self.n)]',
)
LIST_MOVED_IN_LOOP = fixed(
    P302_BUFFER_ALIAS_LIST, "[x * s for s in self.scales]", "[x * s.to(x.device) for s in self.scales]"
)
DICT_BY_NAME = fixed(P302_BUFFER_ALIAS_DICT, 'self.data["b"]) * self.data["a"]', "self.data_b) * self.data_a")
CACHE_AND_SIZES = """\
import torch
from torch import nn


class Pyramid(nn.Module):
    def __init__(self):
        super().__init__()
        self.sizes = [1, 2, 4]
        self.grids = []
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        if not self.grids:
            self.grids.extend(torch.ones(4, device=x.device) * s for s in self.sizes)
        return sum(self.proj(x) * g for g in self.grids)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(Pyramid().to(device)(torch.randn(2, 4, device=device)).shape)
"""


@pytest.mark.parametrize(
    "source",
    [LIST_BY_NAME, LIST_MOVED_IN_LOOP, DICT_BY_NAME, CACHE_AND_SIZES],
    ids=["buffers-by-name", "moved-in-loop", "dict-unused-in-forward", "cache-and-numbers"],
)
def test_container_neighbours_run_and_draw_no_finding(source: str) -> None:
    """torch (fake CUDA): the buffers read by name, each item moved in the loop, the dict left out
    of ``forward``, a cache ``forward`` fills on the input's device and a list of numbers all run."""
    run(source)
    assert findings(source, "PTL302") == []
