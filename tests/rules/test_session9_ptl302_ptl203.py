"""PTL302 and PTL203 on other people's programs (session 9, issue 11).

Each program below is ours, written in the shape of one real report or audit finding (its
``# Source:`` line); the line the report is about carries ``# bug: PTLxxx`` and a true finding
past the line where the run stops carries ``# also: PTLxxx``. Each raises the reported error under
torch 2.13 (on the CPU, or with CUDA available under pt-lsp's fake-cuda) or, where the harm is
silent, checks it itself and raises; each fixed neighbour runs and draws no finding.

Reports read (12, with code): PTL302 pranz24/pytorch-soft-actor-critic#21, torchgeo/torchgeo#3232,
OpenNMT/OpenNMT-py#240, jason9693/MusicTransformer-pytorch (audit-10 R22); PTL203
Hunter-DDM/knowledge-neurons#14, PingoLH/FCHarDNet#61, Atcold/NYU-DLSP20#765,
dasguptar/treelstm.pytorch#26, pytorch/pytorch#5833, official-stockfish/nnue-pytorch#75,
Alex-Fabbri/lang2logic-PyTorch#1. Reported before this session: 9 of 11 shapes (all PTL203 ones,
the SAC noise and the NMT mask); taught here, each with a silent neighbour:

- ``torch.cat(cols)`` of a local list bound to ``[]`` and filled only by ``cols.append(<plain
  tensor>)`` is a plain tensor (CROMA's ALiBi bias built pair by pair, torchgeo#3232);
- ``requires_grad=False`` makes a plain tensor; a ``self.E = None`` placeholder in ``__init__``'s
  body before the real assignment is no second binding (audit-10 M3);
- a method that returns the attribute (``return self.E[start:]``) counts as moving it where every
  call of the method in the class moves the result (``self._left(n).to(q.device)``);
- a table drawn at random, moved at its use, in a file that saves or loads a state dict and seeds
  nothing, is reported for the state dict alone: the reloaded model computes with another draw
  (audit-10 R22, the Music Transformer's relative table); a deterministic table is not;
- a ``torch.distributions`` object (any torch class but the tensor types) is not a tensor
  (audit-10 G5: ``register_buffer`` refuses it);
- PTL203's message names "a leaf Variable" (not "a view of ...") for an item assignment whose
  index is only bare ``:`` and ``...``: torch writes the leaf itself (FCHarDNet#61).
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

BUG = re.compile(r"#\s*(bug|also):\s*(PTL\d{3})")
ERROR = re.compile(r"^#\s*error:\s*(.+?)\s*$", re.MULTILINE)


def lint(source: str, code: str) -> list[tuple[int, str]]:
    result = lint_source(textwrap.dedent(source), "<session9>", selection=Selection.of([code]))
    assert result.errors == []
    return sorted((f.line, f.message) for f in result.findings if f.code == code)


def findings(source: str, code: str) -> list[int]:
    return [line for line, _ in lint(source, code)]


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

    code = compile(textwrap.dedent(source), "<session9>", "exec")
    device = fake_cuda() if "# device: fake-cuda" in source else contextlib.nullcontext()
    with device, contextlib.redirect_stdout(io.StringIO()):
        exec(code, {"__name__": "session9"})


def fixed(source: str, old: str, new: str) -> str:
    assert old in source
    return source.replace(old, new)


P302_SAC_DETERMINISTIC_NOISE = """\
# Source: https://github.com/pranz24/pytorch-soft-actor-critic/pull/21
# Pattern: a deterministic policy keeps its exploration noise as a plain tensor and refills it
# with `normal_()` in `sample()`, which runs `forward`; the policy is moved to the GPU.
# device: fake-cuda
# error: Expected all tensors to be on the same device
import torch
import torch.nn as nn
import torch.nn.functional as F


class DetPolicy(nn.Module):
    def __init__(self, n_in, n_act, hidden=16):
        super().__init__()
        self.l1 = nn.Linear(n_in, hidden)
        self.head = nn.Linear(hidden, n_act)
        self.noise = torch.Tensor(n_act)  # bug: PTL302

    def forward(self, s):
        return torch.tanh(self.head(F.relu(self.l1(s))))

    def sample(self, s):
        mean = self.forward(s)
        eps = self.noise.normal_(0.0, std=0.1).clamp(-0.25, 0.25)
        return mean + eps


dev = "cuda" if torch.cuda.is_available() else "cpu"
pi = DetPolicy(4, 2).to(dev)
print(pi.sample(torch.randn(3, 4, device=dev)).shape)
"""

P302_CROMA_ALIBI_CAT = """\
# Source: https://github.com/torchgeo/torchgeo/pull/3232
# Pattern: a 2-D ALiBi attention bias is built by a helper that appends one column per pair of
# patches to a list and joins them with `torch.cat`; the encoder keeps it as a plain attribute
# and adds it to the attention logits; the model is moved to the GPU.
# device: fake-cuda
# error: Expected all tensors to be on the same device
import itertools
import math

import torch
import torch.nn as nn


def alibi_2d(heads, patches):
    side = int(math.sqrt(patches))
    pts = list(itertools.product(range(side), range(side)))
    slopes = torch.Tensor([2 ** (-8 * (h + 1) / heads) for h in range(heads)]).unsqueeze(1)
    cols = []
    for a in pts:
        for b in pts:
            d = math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2)
            cols.append(d * slopes * -1)
    bias = torch.cat(cols, dim=1)
    return bias.view(1, heads, patches, patches)


class Encoder(nn.Module):
    def __init__(self, dim=8, heads=2, patches=4):
        super().__init__()
        self.heads = heads
        self.qk = nn.Linear(dim, 2 * dim)
        self.bias = alibi_2d(heads, patches)  # bug: PTL302

    def forward(self, x):
        q, k = self.qk(x).chunk(2, dim=-1)
        b, n, _ = q.shape
        q = q.view(b, n, self.heads, -1).transpose(1, 2)
        k = k.view(b, n, self.heads, -1).transpose(1, 2)
        return (q @ k.transpose(-1, -2) + self.bias).softmax(-1)


dev = "cuda" if torch.cuda.is_available() else "cpu"
m = Encoder().to(dev)
print(m(torch.randn(2, 4, 8, device=dev)).shape)
"""

P302_NMT_NUMPY_MASK = """\
# Source: https://github.com/OpenNMT/OpenNMT-py/pull/240
# Pattern: a decoder layer keeps the subsequent-position mask, made with NumPy and converted by
# `torch.from_numpy` in a helper, as a plain attribute; the decoder is moved to the GPU.
# device: fake-cuda
# error: Expected all tensors to be on the same device
import numpy as np
import torch
import torch.nn as nn

MAX_LEN = 32


def subsequent_mask(size):
    m = np.triu(np.ones((1, size, size)), k=1).astype("uint8")
    m = torch.from_numpy(m)
    return m


class DecoderLayer(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.mask = subsequent_mask(MAX_LEN)  # bug: PTL302

    def forward(self, x, pad_mask):
        n = pad_mask.size(1)
        dec_mask = torch.gt(pad_mask + self.mask[:, :n, :n].expand_as(pad_mask), 0)
        return self.proj(x).masked_fill(dec_mask[..., :1], 0.0)


dev = "cuda" if torch.cuda.is_available() else "cpu"
layer = DecoderLayer().to(dev)
pad = torch.zeros(2, 5, 5, dtype=torch.uint8, device=dev)
print(layer(torch.randn(2, 5, 8, device=dev), pad).shape)
"""

P302_RELATIVE_TABLE_NOT_SAVED = """\
# Source: audit-10 R22 (jason9693/MusicTransformer-pytorch custom/layers.py:61)
# Pattern: a relative-attention layer first sets its table to None, then draws it with
# `torch.randn(..., requires_grad=False)`; a helper slices it and the caller moves the slice to
# the queries' device, so the GPU run works, but `state_dict()` never holds the table: a model
# rebuilt and loaded from the checkpoint attends with another draw.
# error: outputs differ after a save and load
import io

import torch
import torch.nn as nn


class RelAttn(nn.Module):
    def __init__(self, d=8, max_len=16):
        super().__init__()
        self.table = None
        self.max_len = max_len
        self.proj = nn.Linear(d, d)
        self.table = torch.randn([max_len, d], requires_grad=False)  # bug: PTL302

    def forward(self, x):
        q = self.proj(x)
        rel = self._left(x.size(1)).to(q.device)
        return q @ rel.t()

    def _left(self, n):
        start = max(0, self.max_len - n)
        part = self.table[start:, :]
        return part


a = RelAttn()
buf = io.BytesIO()
torch.save(a.state_dict(), buf)
buf.seek(0)
b = RelAttn()
b.load_state_dict(torch.load(buf))
x = torch.randn(2, 5, 8)
if not torch.allclose(a(x), b(x)):
    raise RuntimeError("outputs differ after a save and load")
"""

P302_TABLE_REQUIRES_GRAD_FALSE = """\
# Source: audit-10 M3 (r6_nomove): the same table used where it is, with `requires_grad=False`
# device: fake-cuda
# error: Expected all tensors to be on the same device
import torch
import torch.nn as nn


class RelAttn(nn.Module):
    def __init__(self, d=4, max_len=6):
        super().__init__()
        self.q = nn.Linear(d, d)
        self.E = torch.randn(max_len, d, requires_grad=False)  # bug: PTL302

    def forward(self, x):
        return self.q(x) @ self.E.t()


dev = "cuda" if torch.cuda.is_available() else "cpu"
m = RelAttn().to(dev)
print(m(torch.randn(2, 4, device=dev)).shape)
"""

P203_EDIT_NEURON_COLUMN = """\
# Source: https://github.com/Hunter-DDM/knowledge-neurons/issues/14
# Pattern: a knowledge-editing script subtracts a vector from one column of a dense layer's weight
# reached through the encoder's layer list, outside `no_grad`.
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.dense = nn.Linear(4 * d, d)


class Enc(nn.Module):
    def __init__(self, d=8, n=2):
        super().__init__()
        self.layer = nn.ModuleList([Block(d) for _ in range(n)])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Enc()


model = Net()
delta = torch.randn(8)
layer, pos = 1, 3
model.encoder.layer[layer].dense.weight[:, pos] -= delta * 0.5  # bug: PTL203
"""

P203_CONV_WEIGHT_WHOLE_SLICE = """\
# Source: https://github.com/PingoLH/FCHarDNet/issues/61
# Pattern: a script folds weights into a fresh convolution by assigning every element through
# bare slices, `conv.weight[:, :, :, :] = W[:, :, :, :]`, outside `no_grad`.
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch
import torch.nn as nn

W = torch.randn(4, 3, 3, 3)
cconv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
cconv.weight[:, :, :, :] = W[:, :, :, :]  # bug: PTL203
"""

P203_SINUSOID_INTO_EMBEDDING = """\
# Source: https://github.com/Atcold/NYU-DLSP20/issues/765
# Pattern: a helper writes sinusoidal values into the position embedding's weight it is handed,
# `out[:, 0::2] = torch.FloatTensor(np.sin(...))`, called from the module's `__init__`.
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import numpy as np
import torch
import torch.nn as nn


def sinusoidal_into(n_pos, dim, out):
    theta = np.array([[p / np.power(10000, 2 * (j // 2) / dim) for j in range(dim)] for p in range(n_pos)])
    out[:, 0::2] = torch.FloatTensor(np.sin(theta[:, 0::2]))  # bug: PTL203
    out[:, 1::2] = torch.FloatTensor(np.cos(theta[:, 1::2]))  # also: PTL203
    out.detach_()
    out.requires_grad = False


class Embeddings(nn.Module):
    def __init__(self, vocab, dim, max_pos=16):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(max_pos, dim)
        sinusoidal_into(max_pos, dim, self.pos.weight)

    def forward(self, ids):
        p = torch.arange(ids.size(1)).unsqueeze(0)
        return self.tok(ids) + self.pos(p)


emb = Embeddings(50, 8)
print(emb(torch.randint(0, 50, (2, 5))).shape)
"""

P203_EMBEDDING_COPY_IN_INIT = """\
# Source: https://github.com/dasguptar/treelstm.pytorch/pull/26
# Pattern: the model copies pretrained vectors into its embedding with `self.emb.weight.copy_()`
# in `__init__` (the `.data` was dropped when porting to 0.4); the freeze flag is off.
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch
import torch.nn as nn


class TreeModel(nn.Module):
    def __init__(self, vocab, dim, init_emb, freeze=False):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        if freeze:
            self.emb.weight.requires_grad = False
        self.emb.weight.copy_(init_emb)  # bug: PTL203
        self.out = nn.Linear(dim, 2)

    def forward(self, ids):
        return self.out(self.emb(ids).mean(1))


glove = torch.randn(20, 6)
model = TreeModel(20, 6, glove)
print(model(torch.randint(0, 20, (2, 4))).shape)
"""

P203_EMBEDDING_ROW_ASSIGNMENT = """\
# Source: https://github.com/pytorch/pytorch/issues/5833
# Pattern: one row of an embedding's weight is set to zero by item assignment.
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch

emb = torch.nn.Embedding(10, 20)
emb.weight[1] = 0  # bug: PTL203
"""

P203_ZERO_VIRTUAL_FEATURES = """\
# Source: https://github.com/official-stockfish/nnue-pytorch/pull/75
# Pattern: a method the constructor calls zeroes the input layer's columns of the virtual
# features through a name for the weight, outside `no_grad`.
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
import torch.nn as nn


class FeatureNet(nn.Module):
    def __init__(self, n_real=12, n_virtual=4, hidden=8):
        super().__init__()
        self.n_real = n_real
        self.input = nn.Linear(n_real + n_virtual, hidden)
        self.out = nn.Linear(hidden, 1)
        self._zero_virtual()

    def _zero_virtual(self):
        w = self.input.weight
        w[:, self.n_real :] = 0.0  # bug: PTL203

    def forward(self, x):
        return self.out(torch.relu(self.input(x)))


net = FeatureNet()
print(net(torch.randn(2, 16)).shape)
"""

P203_ENCODER_OUTPUT_BUFFER = """\
# Source: https://github.com/Alex-Fabbri/lang2logic-PyTorch/issues/1
# Pattern: the encoder's outputs are collected into a tensor made with `requires_grad=True`, one
# time step per item assignment.
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
import torch.nn as nn

enc = nn.LSTMCell(5, 6)
batch = torch.randn(3, 4, 5)
outs = torch.zeros((3, 4, 6), requires_grad=True)
h = c = torch.zeros(3, 6)
for t in range(batch.size(1)):
    h, c = enc(batch[:, t], (h, c))
    outs[:, t, :] = h  # bug: PTL203
outs.sum().backward()
"""

REAL = {
    "sac_noise": P302_SAC_DETERMINISTIC_NOISE,
    "croma_alibi": P302_CROMA_ALIBI_CAT,
    "nmt_mask": P302_NMT_NUMPY_MASK,
    "relative_table_saved": P302_RELATIVE_TABLE_NOT_SAVED,
    "requires_grad_false": P302_TABLE_REQUIRES_GRAD_FALSE,
    "edit_neuron": P203_EDIT_NEURON_COLUMN,
    "conv_whole_slice": P203_CONV_WEIGHT_WHOLE_SLICE,
    "sinusoid_helper": P203_SINUSOID_INTO_EMBEDDING,
    "embedding_copy": P203_EMBEDDING_COPY_IN_INIT,
    "embedding_row": P203_EMBEDDING_ROW_ASSIGNMENT,
    "zero_virtual": P203_ZERO_VIRTUAL_FEATURES,
    "encoder_outputs": P203_ENCODER_OUTPUT_BUFFER,
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


def test_the_message_quotes_the_error_torch_raises() -> None:
    """A bare-slice index writes the leaf itself; a bounded one, a view (torch 2.13's texts)."""
    whole = lint(P203_CONV_WEIGHT_WHOLE_SLICE, "PTL203")
    assert len(whole) == 1 and '"a leaf Variable that requires grad' in whole[0][1]
    row = lint(P203_EMBEDDING_ROW_ASSIGNMENT, "PTL203")
    assert len(row) == 1 and '"a view of a leaf Variable' in row[0][1]
    ellipsis = fixed(P203_CONV_WEIGHT_WHOLE_SLICE, "cconv.weight[:, :, :, :] = W[:, :, :, :]", "cconv.weight[...] = W")
    assert '"a leaf Variable that requires grad' in lint(ellipsis, "PTL203")[0][1]
    bounded = fixed(
        P203_CONV_WEIGHT_WHOLE_SLICE, "cconv.weight[:, :, :, :] = W[:, :, :, :]", "cconv.weight[:2] = W[:2]"
    )
    assert '"a view of a leaf Variable' in lint(bounded, "PTL203")[0][1]
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable"):
        run(bounded)
    with pytest.raises(RuntimeError, match="^a leaf Variable"):
        run(ellipsis)


def test_the_relative_table_message_is_about_the_state_dict() -> None:
    (line, message), *rest = lint(P302_RELATIVE_TABLE_NOT_SAVED, "PTL302")
    assert rest == []
    assert "drawn at random" in message and "state_dict()" in message
    assert "model.to(device)" not in message  # the caller moves it: the device is right


# the fixes: each runs (fake CUDA where the bug needed it) and draws no finding
CROMA_REGISTERED = fixed(
    P302_CROMA_ALIBI_CAT,
    "self.bias = alibi_2d(heads, patches)  # bug: PTL302",
    'self.register_buffer("bias", alibi_2d(heads, patches))',
)
RELATIVE_TABLE_REGISTERED = fixed(
    fixed(P302_RELATIVE_TABLE_NOT_SAVED, "        self.table = None\n", ""),
    "self.table = torch.randn([max_len, d], requires_grad=False)  # bug: PTL302",
    'self.register_buffer("table", torch.randn([max_len, d]))',
)
REQUIRES_GRAD_FALSE_REGISTERED = fixed(
    P302_TABLE_REQUIRES_GRAD_FALSE,
    "self.E = torch.randn(max_len, d, requires_grad=False)  # bug: PTL302",
    'self.register_buffer("E", torch.randn(max_len, d))',
)
CONV_UNDER_NO_GRAD = fixed(
    P203_CONV_WEIGHT_WHOLE_SLICE,
    "cconv.weight[:, :, :, :] = W[:, :, :, :]  # bug: PTL203",
    "with torch.no_grad():\n    cconv.weight[:, :, :, :] = W[:, :, :, :]",
)


@pytest.mark.parametrize(
    ("source", "code"),
    [
        (CROMA_REGISTERED, "PTL302"),
        (RELATIVE_TABLE_REGISTERED, "PTL302"),
        (REQUIRES_GRAD_FALSE_REGISTERED, "PTL302"),
        (CONV_UNDER_NO_GRAD, "PTL203"),
    ],
    ids=["croma", "relative-table", "requires-grad-false", "conv-no-grad"],
)
def test_the_fix_runs_and_draws_no_finding(source: str, code: str) -> None:
    run(source)
    assert findings(source, code) == []


# a column placed where it is made: the joined bias is the code's own business
CROMA_COLUMNS_PLACED = fixed(
    fixed(P302_CROMA_ALIBI_CAT, "def alibi_2d(heads, patches):", "def alibi_2d(heads, patches, device):"),
    "cols.append(d * slopes * -1)",
    "cols.append((d * slopes * -1).to(device))",
).replace("self.bias = alibi_2d(heads, patches)", "self.bias = alibi_2d(heads, patches, 'cpu')")
# the list is handed on before it is joined: what it holds is not only the appended columns
CROMA_LIST_HANDED_ON = fixed(
    P302_CROMA_ALIBI_CAT, "    bias = torch.cat(cols, dim=1)", "    fill(cols)\n    bias = torch.cat(cols, dim=1)"
)


def test_a_join_of_placed_or_unknown_items_is_not_plain() -> None:
    assert findings(CROMA_COLUMNS_PLACED, "PTL302") == []
    assert findings(CROMA_LIST_HANDED_ON, "PTL302") == []


# A deterministic table moved by the caller: nothing is lost (it is rebuilt the same way) and the
# device is right: silent. The same table where one caller does not move it: reported.
_DETERMINISTIC_TABLE = """\
# device: fake-cuda
import io

import torch
import torch.nn as nn


class RelAttn(nn.Module):
    def __init__(self, d=8, max_len=16):
        super().__init__()
        self.max_len = max_len
        self.proj = nn.Linear(d, d)
        self.table = torch.arange(max_len * d).float().view(max_len, d) / (max_len * d)

    def forward(self, x):
        q = self.proj(x)
        rel = self._left(x.size(1)).to(q.device)
        return q @ rel.t()

    def _left(self, n):
        return self.table[max(0, self.max_len - n) :, :]


dev = "cuda" if torch.cuda.is_available() else "cpu"
a = RelAttn().to(dev)
buf = io.BytesIO()
torch.save(a.state_dict(), buf)
buf.seek(0)
b = RelAttn().to(dev)
b.load_state_dict(torch.load(buf))
x = torch.randn(2, 5, 8, device=dev)
assert torch.allclose(a(x), b(x))
"""


def test_a_deterministic_table_moved_by_every_caller_is_silent() -> None:
    run(_DETERMINISTIC_TABLE)
    assert findings(_DETERMINISTIC_TABLE, "PTL302") == []
    unmoved = fixed(_DETERMINISTIC_TABLE, "rel = self._left(x.size(1)).to(q.device)", "rel = self._left(x.size(1))")
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        run(unmoved)
    assert findings(unmoved, "PTL302") == [13]


def test_a_drawn_table_moved_at_use_needs_a_checkpoint_and_no_seed() -> None:
    """Without a state dict in the file nothing shows the loss; with a seed the rebuilt table
    may be the same draw: both unknown, silent. A placeholder after the draw leaves None."""
    no_checkpoint = (
        P302_RELATIVE_TABLE_NOT_SAVED.split("a = RelAttn()")[0] + "print(RelAttn()(torch.randn(2, 5, 8)).shape)\n"
    )
    run(no_checkpoint)
    assert findings(no_checkpoint, "PTL302") == []
    seeded = fixed(P302_RELATIVE_TABLE_NOT_SAVED, "a = RelAttn()", "torch.manual_seed(0)\na = RelAttn()")
    assert findings(seeded, "PTL302") == []
    assert findings(_PLACEHOLDER_LAST, "PTL302") == []
    run(_PLACEHOLDER_LAST)


_PLACEHOLDER_LAST = """\
import torch
import torch.nn as nn


class MaybeTable(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)
        self.table = torch.randn(16, 8)
        self.table = None  # the table is switched off: None is what lasts

    def forward(self, x):
        if self.table is None:
            return self.proj(x)
        return self.proj(x) @ self.table.t()


print(MaybeTable()(torch.randn(2, 8)).shape)
"""


# audit-10 G5: a distribution object kept as an attribute; its samples are moved where they are
# used. register_buffer refuses it. The neighbour keeps the distribution's parameters as plain
# tensors and builds the distribution in forward: its samples stay on the CPU.
_DISTRIBUTION_ATTRIBUTE = """\
# device: fake-cuda
import torch
import torch.nn as nn


class Jitter(nn.Module):
    def __init__(self):
        super().__init__()
        self.dist = torch.distributions.MultivariateNormal(torch.tensor([1.0, 0.0]), covariance_matrix=torch.eye(2) * 0.1)

    def forward(self, x):
        return x * self.dist.sample((x.shape[0],)).to(x.device)


dev = "cuda" if torch.cuda.is_available() else "cpu"
m = Jitter().to(dev)
print(m(torch.ones(3, 2, device=dev)).shape)
try:
    m.register_buffer("d2", m.dist)
except TypeError:
    pass
else:
    raise AssertionError("register_buffer took a distribution")
"""
_DISTRIBUTION_FROM_PLAIN_TENSORS = """\
# device: fake-cuda
import torch
import torch.nn as nn
from torch.distributions import Normal


class Jitter(nn.Module):
    def __init__(self):
        super().__init__()
        self.loc = torch.tensor([1.0, 0.0])
        self.scale = torch.tensor([0.3, 0.3])

    def forward(self, x):
        return x * Normal(self.loc, self.scale).sample((x.shape[0],))


dev = "cuda" if torch.cuda.is_available() else "cpu"
m = Jitter().to(dev)
print(m(torch.ones(3, 2, device=dev)).shape)
"""


def test_a_distribution_object_is_not_a_tensor() -> None:
    run(_DISTRIBUTION_ATTRIBUTE)
    assert findings(_DISTRIBUTION_ATTRIBUTE, "PTL302") == []
    imported = fixed(
        _DISTRIBUTION_ATTRIBUTE,
        "self.dist = torch.distributions.MultivariateNormal(",
        "self.dist = MultivariateNormal(",
    ).replace("import torch.nn as nn\n", "import torch.nn as nn\nfrom torch.distributions import MultivariateNormal\n")
    run(imported)
    assert findings(imported, "PTL302") == []


def test_plain_tensors_a_distribution_is_built_from_in_forward_are_reported() -> None:
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        run(_DISTRIBUTION_FROM_PLAIN_TENSORS)
    assert findings(_DISTRIBUTION_FROM_PLAIN_TENSORS, "PTL302") == [10, 11]


# unit8co/darts#3052's kind (taught here): a cache `forward` builds once, while it is None; the
# file runs the model (a dry run), moves it and runs it again. Our program: a rotary table.
P302_ROTARY_CACHE_AFTER_MOVE = """\
# Source: https://github.com/unit8co/darts/issues/3052 (the shape; our program is a rotary cache)
# device: fake-cuda
# error: Expected all tensors to be on the same device
import torch
import torch.nn as nn


class RotaryBlock(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.cos = None
        self.sin = None

    def forward(self, x):
        if self.cos is None:
            t = torch.arange(x.size(1), device=x.device).float()
            angles = t[:, None] * torch.linspace(0.1, 1.0, x.size(-1), device=x.device)
            self.cos = angles.cos()  # bug: PTL302
            self.sin = torch.sin(angles)  # also: PTL302
        h = self.proj(x)
        return h * self.cos + h.flip(-1) * self.sin


block = RotaryBlock()
with torch.no_grad():
    block(torch.randn(1, 5, 8))  # a dry run on the CPU
dev = "cuda" if torch.cuda.is_available() else "cpu"
block = block.to(dev)
print(block(torch.randn(2, 5, 8, device=dev)).shape)
"""


def test_a_cache_built_once_is_reported_where_the_file_moves_the_model_between_runs() -> None:
    bugs = marked(P302_ROTARY_CACHE_AFTER_MOVE)["PTL302"]
    assert findings(P302_ROTARY_CACHE_AFTER_MOVE, "PTL302") == bugs
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        run(P302_ROTARY_CACHE_AFTER_MOVE)
    message = lint(P302_ROTARY_CACHE_AFTER_MOVE, "PTL302")[0][1]
    assert "(line 27)" in message and "(line 29)" in message  # the dry run, the move


def test_the_registered_cache_runs_and_draws_no_finding() -> None:
    from pt_lsp.core.fixes import fix_source

    outcome = fix_source(textwrap.dedent(P302_ROTARY_CACHE_AFTER_MOVE), selection=Selection.of(["PTL302"]), unsafe=True)
    assert 'self.register_buffer("cos", None, persistent=False)' in outcome.text
    run(outcome.text)
    assert findings(outcome.text, "PTL302") == []


def test_a_cache_is_silent_without_a_move_between_runs_or_when_rebuilt_per_device() -> None:
    no_move = fixed(P302_ROTARY_CACHE_AFTER_MOVE, "block = block.to(dev)", "print(dev)").replace(
        "block = RotaryBlock()", "block = RotaryBlock().to(dev)"
    )
    no_move = no_move.replace('dev = "cuda"', "pass  #").replace(
        "import torch.nn as nn\n", 'import torch.nn as nn\n\ndev = "cuda" if torch.cuda.is_available() else "cpu"\n'
    )
    assert findings(no_move, "PTL302") == []
    per_device = fixed(
        P302_ROTARY_CACHE_AFTER_MOVE, "if self.cos is None:", "if self.cos is None or self.cos.device != x.device:"
    )
    run(per_device)
    assert findings(per_device, "PTL302") == []
    moved_first = fixed(
        P302_ROTARY_CACHE_AFTER_MOVE,
        "with torch.no_grad():\n    block(torch.randn(1, 5, 8))  # a dry run on the CPU\n",
        "",
    )
    assert findings(moved_first, "PTL302") == []


# Po-Hsun-Su/pytorch-ssim#19's window (taught here): a Gaussian window built by helpers (a legacy
# `torch.Tensor` of a list, `mm` of two plain tensors, the old `Variable` wrapper) and kept as a
# plain attribute of a loss module; the window-making function is our own.
P302_SSIM_WINDOW_VARIABLE = """\
# Source: https://github.com/Po-Hsun-Su/pytorch-ssim/issues/19
# device: fake-cuda
# error: Expected all tensors to be on the same device
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Variable


def gaussian(size, sigma):
    g = torch.Tensor([math.exp(-((x - size // 2) ** 2) / (2 * sigma**2)) for x in range(size)])
    return g / g.sum()


def create_window(size, channel):
    w1 = gaussian(size, 1.5).unsqueeze(1)
    w2 = w1.mm(w1.t()).float().unsqueeze(0).unsqueeze(0)
    window = Variable(w2.expand(channel, 1, size, size).contiguous())
    return window


class SSIMLoss(nn.Module):
    def __init__(self, size=5, channel=3):
        super().__init__()
        self.channel = channel
        self.window = create_window(size, channel)  # bug: PTL302

    def forward(self, a, b):
        mu1 = F.conv2d(a, self.window, padding=2, groups=self.channel)
        mu2 = F.conv2d(b, self.window, padding=2, groups=self.channel)
        return (mu1 - mu2).pow(2).mean()


dev = "cuda" if torch.cuda.is_available() else "cpu"
crit = SSIMLoss().to(dev)
print(crit(torch.rand(1, 3, 8, 8, device=dev), torch.rand(1, 3, 8, 8, device=dev)))
"""


def test_a_window_made_through_variable_and_mm_is_a_plain_tensor() -> None:
    assert findings(P302_SSIM_WINDOW_VARIABLE, "PTL302") == marked(P302_SSIM_WINDOW_VARIABLE)["PTL302"]
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        run(P302_SSIM_WINDOW_VARIABLE)
    registered = fixed(
        P302_SSIM_WINDOW_VARIABLE,
        "self.window = create_window(size, channel)  # bug: PTL302",
        'self.register_buffer("window", create_window(size, channel))',
    )
    run(registered)
    assert findings(registered, "PTL302") == []


def test_a_window_multiplied_by_a_placed_tensor_or_made_trainable_is_not_reported() -> None:
    placed = fixed(P302_SSIM_WINDOW_VARIABLE, "w2 = w1.mm(w1.t())", "w2 = w1.mm(w1.t().to(torch.device('cpu')))")
    assert findings(placed, "PTL302") == []
    trainable = fixed(
        P302_SSIM_WINDOW_VARIABLE,
        "Variable(w2.expand(channel, 1, size, size).contiguous())",
        "Variable(w2.expand(channel, 1, size, size).contiguous(), requires_grad=True)",
    )
    assert findings(trainable, "PTL302") == []  # a trainable tensor: PTL301's question


# Two attributes bound by one tuple assignment in `__init__` are two plain bindings (reported at
# each target, with no fix: the statement holds both); a pair `forward` rebinds (a recurrent
# state) is not.
_NORMALISE_PAIR = """\
# device: fake-cuda
import torch
import torch.nn as nn


class Normalise(nn.Module):
    def __init__(self):
        super().__init__()
        self.mean, self.std = torch.tensor([0.5, 0.4, 0.3]).view(3, 1, 1), torch.tensor([0.2, 0.2, 0.2]).view(3, 1, 1)

    def forward(self, x):
        return (x - self.mean) / self.std


dev = "cuda" if torch.cuda.is_available() else "cpu"
print(Normalise().to(dev)(torch.rand(2, 3, 4, 4, device=dev)).shape)
"""
_STATE_PAIR = """\
import torch
import torch.nn as nn


class Cell(nn.Module):
    def __init__(self, n=4):
        super().__init__()
        self.cell = nn.LSTMCell(n, n)
        self.h, self.c = torch.zeros(1, n), torch.zeros(1, n)

    def forward(self, x):
        self.h, self.c = self.cell(x, (self.h.detach(), self.c.detach()))
        return self.h


print(Cell()(torch.randn(1, 4)).shape)
"""


def test_a_tuple_assignment_in_init_binds_each_attribute() -> None:
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        run(_NORMALISE_PAIR)
    result = lint_source(textwrap.dedent(_NORMALISE_PAIR), "<session9>", selection=Selection.of(["PTL302"]))
    assert [(f.line, f.span.start.col) for f in result.findings] == [(9, 8), (9, 19)]
    assert all(f.fixes == () for f in result.findings)
    run(_STATE_PAIR)
    assert findings(_STATE_PAIR, "PTL302") == []


# pytorch/vision#481's kind (taught here): an initialisation loop over `self.modules()` (or a
# function `model.apply` runs) changes `m.weight` / `m.bias` in place inside `isinstance` tests,
# once `.data` is dropped. Inside `if isinstance(m, nn.Conv2d):` `m` is such a layer; its weight
# is always a parameter, its bias and a norm layer's weight are where every construction in the
# file keeps them.
P203_INIT_LOOP_ISINSTANCE = """\
# Source: https://github.com/pytorch/vision/pull/481
# error: a leaf Variable that requires grad is being used in an in-place operation
import math

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 2)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                m.weight.normal_(0, math.sqrt(2.0 / n))  # bug: PTL203
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.fill_(1)  # also: PTL203
                m.bias.zero_()  # also: PTL203
            elif isinstance(m, nn.Linear):
                m.bias.zero_()  # also: PTL203

    def forward(self, x):
        return self.fc(self.bn(self.conv(x)).mean((2, 3)))


net = Net()
print(net(torch.randn(2, 3, 8, 8)).shape)
"""

_APPLY_INIT = """\
import torch
import torch.nn as nn


def init_weights(m):
    if isinstance(m, (nn.Linear, nn.Conv1d)):
        m.weight.uniform_(-0.1, 0.1)
        if m.bias is not None:
            m.bias.fill_(0.0)


model = nn.Sequential(nn.Conv1d(2, 4, 3), nn.Flatten(), nn.Linear(8, 2, bias=False))
model.apply(init_weights)
print(model(torch.randn(1, 2, 4)).shape)
"""


def test_an_init_loop_over_modules_is_reported_inside_its_isinstance_tests() -> None:
    source = P203_INIT_LOOP_ISINSTANCE
    assert findings(source, "PTL203") == sorted(marked(source)["PTL203"])
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad"):
        run(source)
    data = source.replace(".normal_(", ".data.normal_(").replace(".fill_(1)", ".data.fill_(1)")
    data = data.replace(".zero_()", ".data.zero_()")
    run(data)
    assert findings(data, "PTL203") == []


def test_a_function_model_apply_runs_is_reported_and_silent_under_no_grad() -> None:
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad"):
        run(_APPLY_INIT)
    assert findings(_APPLY_INIT, "PTL203") == [7, 9]
    off = fixed(_APPLY_INIT, "model.apply(init_weights)", "with torch.no_grad():\n    model.apply(init_weights)")
    run(off)
    assert findings(off, "PTL203") == []
    decorated = fixed(_APPLY_INIT, "def init_weights(m):", "@torch.no_grad()\ndef init_weights(m):")
    run(decorated)
    assert findings(decorated, "PTL203") == []


def test_a_bias_or_norm_weight_that_may_be_none_is_not_reported() -> None:
    """`bias=False` somewhere in the file (or `affine=False`): `m.bias` may be None there, and the
    program fails on None, not on autograd; a layer class the file never builds: unknown."""
    unguarded = fixed(
        _APPLY_INIT, "        if m.bias is not None:\n            m.bias.fill_(0.0)", "        m.bias.fill_(0.0)"
    )
    assert findings(unguarded, "PTL203") == [7]
    no_affine = fixed(P203_INIT_LOOP_ISINSTANCE, "nn.BatchNorm2d(8)", "nn.BatchNorm2d(8, affine=False)")
    assert 20 not in findings(no_affine, "PTL203") and 21 not in findings(no_affine, "PTL203")
    elsewhere = fixed(_APPLY_INIT, "nn.Conv1d(2, 4, 3), nn.Flatten(), nn.Linear(8, 2, bias=False)", "*layers")
    elsewhere = fixed(elsewhere, "isinstance(m, (nn.Linear, nn.Conv1d))", "isinstance(m, nn.GroupNorm)")
    elsewhere = fixed(
        elsewhere, "        if m.bias is not None:\n            m.bias.fill_(0.0)", "        m.bias.fill_(0.0)"
    )
    assert findings(elsewhere, "PTL203") == []


# A conversion with dimensions scaled by a number is still a plain tensor (anchors in grid units).
_ANCHORS_SCALED = """\
# device: fake-cuda
import torch
import torch.nn as nn


class YoloLayer(nn.Module):
    def __init__(self, anchors, stride):
        super().__init__()
        self.anchors = torch.tensor(anchors).float() / stride
        self.conv = nn.Conv2d(8, 3 * 6, 1)

    def forward(self, x):
        p = self.conv(x).view(x.size(0), 3, 6, x.size(2), x.size(3))
        return p[:, :, 2:4].exp() * self.anchors.view(1, 3, 2, 1, 1)


dev = "cuda" if torch.cuda.is_available() else "cpu"
layer = YoloLayer([(10, 13), (16, 30), (33, 23)], 8).to(dev)
print(layer(torch.randn(1, 8, 4, 4, device=dev)).shape)
"""


def test_a_conversion_scaled_by_a_number_is_reported_and_a_placed_one_is_not() -> None:
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        run(_ANCHORS_SCALED)
    assert findings(_ANCHORS_SCALED, "PTL302") == [9]
    registered = fixed(
        _ANCHORS_SCALED,
        "self.anchors = torch.tensor(anchors).float() / stride",
        'self.register_buffer("anchors", torch.tensor(anchors).float() / stride)',
    )
    run(registered)
    assert findings(registered, "PTL302") == []
    placed = fixed(
        _ANCHORS_SCALED, "torch.tensor(anchors).float() / stride", "torch.tensor(anchors).float().to(dev) / stride"
    )
    placed = fixed(
        placed, "class YoloLayer", 'dev = "cuda" if torch.cuda.is_available() else "cpu"\n\n\nclass YoloLayer'
    )
    run(placed)
    assert findings(placed, "PTL302") == []


# `forward` returning the attribute: `model(x)` runs it and hands the result on unmoved, whatever
# a method of the class does with `self.forward(x)`: still reported.
_FORWARD_RETURNS_TABLE = """\
# device: fake-cuda
import torch
import torch.nn as nn


class PE(nn.Module):
    def __init__(self, n=16, d=8):
        super().__init__()
        self.pe = torch.randn(n, d)

    def forward(self, x):
        return self.pe[: x.size(1)]

    def embed(self, x):
        return x + self.forward(x).to(x.device)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pos = PE()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return self.fc(x + self.pos(x))


dev = "cuda" if torch.cuda.is_available() else "cpu"
print(Net().to(dev)(torch.randn(2, 5, 8, device=dev)).shape)
"""


def test_a_table_forward_returns_is_not_moved_by_the_class_own_calls() -> None:
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        run(_FORWARD_RETURNS_TABLE)
    assert findings(_FORWARD_RETURNS_TABLE, "PTL302") == [9]
