"""Module and legacy-API rules on patterns from real code (issue 11, audit F6 in
benchmarks/ecosystem/audit.md). Each miss is a program of ours, written after the real code,
that fails or misbehaves under torch (noted beside it) and must be reported; each false alarm
runs as written and must stay silent."""

from __future__ import annotations

import ast
import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.names import Names, star_exports
from pt_lsp.core.selection import Selection


def codes(source: str, code: str) -> list[tuple[int, str]]:
    result = lint_source(textwrap.dedent(source), "<real>", selection=Selection.of([code]))
    assert result.errors == []
    return [(f.line, f.code) for f in result.findings]


MISSES = {
    # state_dict() lacks `pe`, model.double() leaves it float32 (checked with torch 2.13, CPU).
    "PTL302: a local tensor assigned to self (positional encoding)": (
        "PTL302",
        """\
        import math
        import torch
        from torch import nn

        class PositionalEncoding(nn.Module):
            def __init__(self, d_model, max_len=50):
                super().__init__()
                pe = torch.zeros(max_len, d_model)
                position = torch.arange(0, max_len).unsqueeze(1).float()
                div_term = torch.exp(torch.arange(0, d_model, 2).float() * -(math.log(10000.0) / d_model))
                pe[:, 0::2] = torch.sin(position * div_term)
                pe[:, 1::2] = torch.cos(position * div_term)
                pe = pe.unsqueeze(0)
                self.pe = pe

            def forward(self, x):
                return x + self.pe[:, : x.size(1)]
        """,
        [(14, "PTL302")],
    ),
    # AttributeError: cannot assign module before Module.__init__() call
    "PTL303: an nn.Module argument stored before super().__init__()": (
        "PTL303",
        """\
        from torch import nn

        class Discriminator(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 1)

        class WGANLoss(nn.Module):
            def __init__(self, disc):
                self.disc = disc
                super().__init__()

            def forward(self, x):
                return self.disc(x).mean()

        loss = WGANLoss(Discriminator())
        """,
        [(10, "PTL303")],
    ),
    "PTL303: the argument is annotated as a module": (
        "PTL303",
        """\
        from torch import nn

        class Loss(nn.Module):
            def __init__(self, disc: nn.Module):
                self.disc = disc
                super().__init__()
        """,
        [(5, "PTL303")],
    ),
    # list(Net([4, 3, 2]).parameters()) == []
    "PTL301: an unrelated setattr does not excuse a plain list": (
        "PTL301",
        """\
        from torch import nn

        class Net(nn.Module):
            def __init__(self, sizes):
                super().__init__()
                self.layers = [nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])]
                setattr(self, "scale", 2.0)

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return x * self.scale
        """,
        [(6, "PTL301")],
    ),
    # y.requires_grad is True: volatile did nothing (torch warns "volatile was removed")
    "PTL101: volatile=True through a lambda wrapper of Variable": (
        "PTL101",
        """\
        import torch
        from torch import autograd

        USE_CUDA = torch.cuda.is_available()
        Variable = lambda *args, **kwargs: autograd.Variable(*args, **kwargs).cuda() if USE_CUDA else autograd.Variable(*args, **kwargs)

        w = torch.ones(3, requires_grad=True)
        x = Variable(torch.ones(3), volatile=True)
        y = (w * x).sum()
        """,
        [(5, "PTL101"), (5, "PTL101"), (8, "PTL101")],
    ),
    # outputs.requires_grad is True: the helper hands volatile on, and it does nothing.
    "PTL101: volatile=True through a def helper that passes **kwargs on": (
        "PTL101",
        """\
        import torch
        from torch import autograd

        def to_var(x, **kwargs):
            return autograd.Variable(x.cuda() if torch.cuda.is_available() else x, **kwargs)

        net = torch.nn.Linear(3, 1)
        outputs = net(to_var(torch.ones(2, 3), volatile=True))
        """,
        [(5, "PTL101"), (8, "PTL101")],
    ),
    # On CUDA: "Expected all tensors to be on the same device" in forward (checked on fake-cuda).
    "PTL302: a view of a factory's tensor ([..., None]) kept as a plain attribute": (
        "PTL302",
        """\
        import torch
        from torch import nn

        class PhaseVocoder(nn.Module):
            def __init__(self, n_freq, hop):
                super().__init__()
                self.phase_advance = torch.linspace(0, 3.14 * hop, n_freq)[..., None]

            def forward(self, spec):
                return spec + self.phase_advance
        """,
        [(7, "PTL302")],
    ),
    # padded.data is a tensor's: the functional op returns one whatever x is.
    "PTL102: .data of a functional op's output, its input an unknown argument": (
        "PTL102",
        """\
        import torch.nn.functional as F

        def shift_right(x):
            padded = F.pad(x, (1, 0))
            return padded.data[:, :-1]
        """,
        [(5, "PTL102")],
    ),
    "PTL101: Variable from a star import of torch.autograd, torch's star import after it": (
        "PTL101",
        """\
        import torch
        from torch.autograd import *
        from torch import *

        x = Variable(torch.ones(3), volatile=True)
        """,
        [(5, "PTL101")],
    ),
    # labels.dtype is float32 whatever the array holds
    "PTL103: a conditional alias of two typed constructors": (
        "PTL103",
        """\
        import numpy as np
        import torch

        cuda = torch.cuda.is_available()
        Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor
        labels = Tensor(np.array([1, 2, 3]))
        """,
        [(6, "PTL103")],
    ),
    # float32 from an int64 array
    "PTL103: torch.Tensor of a module's array read in a function": (
        "PTL103",
        """\
        import numpy as np
        import torch

        np_var = np.load("labels.npy")

        def batch():
            return torch.Tensor(np_var)
        """,
        [(7, "PTL103")],
    ),
    "PTL103: torch.Tensor of a module's list read in a function": (
        "PTL103",
        """\
        import torch

        episode_durations = []

        def plot_durations():
            durations_t = torch.Tensor(episode_durations)
            return durations_t.mean()
        """,
        [(6, "PTL103")],
    ),
    "PTL103: torch.Tensor of a list made an array": (
        "PTL103",
        """\
        import numpy as np
        import torch

        def collate(batch):
            xs = [b[0] for b in batch]
            xs = np.array(xs)
            return torch.Tensor(xs)
        """,
        [(7, "PTL103")],
    ),
    # state_dict() lacks grid_t (the program asserts it, torch 2.13): a tensor made by a method of the
    # class, then rebuilt from itself in __init__, stays a plain attribute.
    "PTL302: a method's tensor reassigned from itself in __init__": (
        "PTL302",
        """\
        import torch
        from torch import nn


        class GridBias(nn.Module):
            def __init__(self, n=4):
                super().__init__()
                self.scale = nn.Linear(n, n)
                self.grid_t = self.grid(n)
                self.grid_t = self.grid_t.t().contiguous()  # plain

            def grid(self, n):
                g = torch.arange(n).float()
                return g.unsqueeze(0).repeat(n, 1)

            def forward(self, x):
                return self.scale(x) + self.grid_t


        model = GridBias()
        assert "grid_t" not in model.state_dict()  # not saved, and .to(device) leaves it behind
        """,
        [(10, "PTL302")],
    ),
    # state_dict() lacks center/spread (asserted): views of a constructor argument that every
    # instantiation passes as a plain tensor or leaves to a None default replaced in __init__.
    "PTL302: views of a constructor argument": (
        "PTL302",
        """\
        import torch
        from torch import nn


        class Standardize(nn.Module):
            def __init__(self, dim, stats=None):
                super().__init__()
                if stats is None:
                    stats = torch.cat([torch.zeros(1, dim), torch.ones(1, dim)])
                self.center = stats[0:1]  # plain
                self.spread = stats[1:2] * 2.0  # plain

            def forward(self, x):
                return (x - self.center) / self.spread


        class Regressor(nn.Module):
            def __init__(self):
                super().__init__()
                self.norm = Standardize(3, stats=torch.tensor([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]))
                self.raw = Standardize(3)
                self.fc = nn.Linear(3, 1)

            def forward(self, x):
                return self.fc(self.norm(x) + self.raw(x))


        model = Regressor()
        assert not any("center" in key for key in model.state_dict())  # not saved, not moved by .to()
        """,
        [(10, "PTL302"), (11, "PTL302")],
    ),
    # named_parameters() lacks the heads' and norms' weights (the program asserts it, torch 2.13):
    # an identity helper returns the module it got; Module.train()/.to()/.cuda() return the module.
    "PTL301: modules through an identity helper and through .train()": (
        "PTL301",
        """\
        import torch
        from torch import nn


        def scaled(layer, gain=0.5):
            with torch.no_grad():
                layer.weight.mul_(gain)
            return layer


        class Heads(nn.Module):
            def __init__(self, width, n):
                super().__init__()
                self.trunk = nn.Linear(width, width)
                self.heads = [scaled(nn.Linear(width, 1)) for _ in range(n)]  # unregistered
                self.norms = []  # unregistered
                for _ in range(n):
                    norm = nn.LayerNorm(width).train()
                    self.norms.append(norm)

            def forward(self, x):
                h = self.trunk(x)
                return [head(norm(h)) for head, norm in zip(self.heads, self.norms)]


        m = Heads(4, 2)
        names = [n for n, _ in m.named_parameters()]
        assert names == ["trunk.weight", "trunk.bias"], names  # the heads' and norms' parameters are missing
        print("missing from parameters():", 2 * 2 + 2 * 2)
        """,
        [(15, "PTL301"), (16, "PTL301")],
    ),
}


@pytest.mark.parametrize("title", sorted(MISSES))
def test_miss_is_reported(title):
    code, source, expected = MISSES[title]
    assert codes(source, code) == expected


SILENT = {
    # audit F6: runs on CPU and CUDA, the constant is placed where the caller says
    "PTL302: a constant placed with .to(device) in __init__": (
        "PTL302",
        """\
        import torch
        from torch import nn

        class Attention(nn.Module):
            def __init__(self, dim, device):
                super().__init__()
                self.fc = nn.Linear(dim, dim)
                self.scale = torch.sqrt(torch.tensor([float(dim)])).to(device)
                self.other = torch.sqrt(torch.FloatTensor([float(dim)])).to(torch.device("cuda"))

            def forward(self, x):
                return self.fc(x) / self.scale / self.other
        """,
    ),
    "PTL303: plain arguments before super().__init__() are allowed": (
        "PTL303",
        """\
        from torch import nn

        class Plain(nn.Module):
            def __init__(self, scale, name):
                self.scale = scale
                self.name = name
                super().__init__()

        Plain(2.0, "x")
        """,
    ),
    "PTL301: setattr of the list's own layers registers them": (
        "PTL301",
        """\
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = [nn.Linear(2, 2), nn.Linear(2, 2)]
                for i, layer in enumerate(self.layers):
                    setattr(self, f"layer{i}", layer)
        """,
    ),
    "PTL302: a plain index of a factory's tensor may be a scalar (CUDA accepts CPU scalars)": (
        "PTL302",
        """\
        import torch
        from torch import nn

        class Scale(nn.Module):
            def __init__(self):
                super().__init__()
                self.factor = torch.linspace(0.5, 2.0, 4)[2]

            def forward(self, x):
                return x * self.factor
        """,
    ),
    "PTL101: a def helper with a volatile parameter it does not pass on": (
        "PTL101",
        """\
        import torch

        def batches(x, volatile=False):
            return x.split(2)

        parts = batches(torch.ones(4), volatile=True)
        """,
    ),
    "PTL101: a lambda that does not pass keywords on": (
        "PTL101",
        """\
        import torch

        def wrap(*args, **kwargs):
            return args

        Variable = lambda *args, **kwargs: wrap(*args, **kwargs)
        x = Variable(torch.ones(3), volatile=True)
        """,
    ),
    "PTL103: a conditional alias of constructors of two dtypes": (
        "PTL103",
        """\
        import torch

        use_double = True
        Tensor = torch.DoubleTensor if use_double else torch.Size
        t = Tensor([1, 2])
        """,
    ),
    "PTL103: a module's int read in a function is sizes": (
        "PTL103",
        """\
        import torch

        n = 3

        def make():
            return torch.Tensor(n)
        """,
    ),
    "PTL302: the same tensor registered as a buffer; one placed on the weight's device": (
        "PTL302",
        """\
        import torch
        from torch import nn


        class GridBias(nn.Module):
            def __init__(self, n=4):
                super().__init__()
                self.scale = nn.Linear(n, n)
                grid = self.grid(n)
                self.register_buffer("grid_t", grid.t().contiguous())
                self.steps = self.grid(n)
                self.steps = self.steps.to(self.scale.weight.device)

            def grid(self, n):
                g = torch.arange(n).float()
                return g.unsqueeze(0).repeat(n, 1)

            def forward(self, x):
                return self.scale(x) + self.grid_t + self.steps.to(x.device)


        model = GridBias()
        assert "grid_t" in model.state_dict()
        """,
    ),
    "PTL302: a constructor argument from a helper's parameter (unknown)": (
        "PTL302",
        """\
        import torch
        from torch import nn


        class Standardize(nn.Module):
            def __init__(self, dim, stats=None):
                super().__init__()
                if stats is None:
                    stats = torch.cat([torch.zeros(1, dim), torch.ones(1, dim)])
                self.center = stats[0:1]

            def forward(self, x):
                return x - self.center


        def build(stats):
            return Standardize(3, stats)


        model = build(torch.zeros(2, 3, device="cpu"))
        """,
    ),
    "PTL301: a helper that returns something else than the module it got": (
        "PTL301",
        """\
        import torch
        from torch import nn

        def width(layer):
            return layer.weight.shape[0]

        class Sizes(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                self.widths = [width(nn.Linear(4, k)) for k in (1, 2)]
                self.devices = [torch.zeros(2).to("cpu") for _ in range(2)]
        """,
    ),
}


@pytest.mark.parametrize("title", sorted(SILENT))
def test_false_alarm_stays_silent(title):
    code, source = SILENT[title]
    assert codes(source, code) == []


def qualname_of(source: str, name: str) -> str | None:
    tree = ast.parse(textwrap.dedent(source))
    names = Names(tree)
    use = next(n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load))
    return names.qualname(use)


def test_star_imports_resolve_to_the_torch_module_that_exports_the_name():
    source = """\
        from torch.nn import *
        from torch.autograd import *
        from torch import *
        Variable, Module, zeros, len
        """
    assert qualname_of(source, "Variable") == "torch.autograd.Variable"
    assert qualname_of(source, "Module") == "torch.nn.Module"
    assert qualname_of(source, "zeros") == "torch.zeros"


def test_star_import_of_torch_autograd_leaves_builtins_alone():
    assert qualname_of("from torch.autograd import *\nlen\n", "len") is None
    assert qualname_of("from torch import *\nVariable\n", "Variable") is None


def test_torch_geometric_is_not_torch():
    assert star_exports("torch_geometric.nn", "Linear") is None  # unknown: another package
    assert star_exports("torch.nn", "Linear") is True
    source = """\
        from torch.autograd import *
        from torch_geometric.nn import *
        Variable
        """
    assert qualname_of(source, "Variable") == "torch_geometric.nn.Variable"


def test_module_class_found_through_star_imports():
    source = """\
        from torch.nn import *
        from torch.autograd import *

        class Net(Module):
            def __init__(self):
                self.fc = Linear(2, 2)
                super().__init__()
        """
    assert codes(source, "PTL303") == [(6, "PTL303")]


@pytest.mark.parametrize(
    "title",
    [
        "PTL302: a method's tensor reassigned from itself in __init__",
        "PTL302: views of a constructor argument",
        "PTL301: modules through an identity helper and through .train()",
    ],
)
def test_registration_programs_check_themselves_under_torch(title):
    pytest.importorskip("torch")
    exec(compile(textwrap.dedent(MISSES[title][1]), "<real>", "exec"), {"__name__": "real", "print": lambda *a: None})
