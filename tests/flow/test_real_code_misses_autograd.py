"""Misses from real code (issue 11) of PTL202, PTL204, PTL205, PTL404 and PTL501: each program
raises or silently misbehaves under torch and must be reported; where it is practical, the test
runs the program to show it. The programs are ours, written after the real code."""

from __future__ import annotations

import textwrap
import warnings
from typing import Any

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

NON_SCALAR = "grad can be implicitly created only for scalar outputs"
LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation"


def codes(source: str, code: str) -> list[tuple[int, str]]:
    result = lint_source(textwrap.dedent(source), "<real>", selection=Selection.of([code]))
    assert result.errors == []
    return [(f.line, f.code) for f in result.findings]


# name: (rule, program, the lines reported, what torch raises running it, or None)
MISSES = {
    "PTL202 a per-pixel loss with the pre-1.0 reduce=False, its target with 2 rows": (
        "PTL202",
        """
        import torch
        from torch import nn
        net = nn.Conv2d(1, 3, 1)
        criterion = nn.NLLLoss(reduce=False)
        labels = torch.randint(0, 3, (2, 4, 4))
        loss = criterion(torch.log_softmax(net(torch.randn(2, 1, 4, 4)), dim=1), labels)
        loss.backward()
        """,
        [8],
        NON_SCALAR,
    ),
    "PTL202 reduction='none' through a variable, the loss's target with 8 rows": (
        "PTL202",
        """
        import torch
        from torch import nn
        reduction = "none"
        criterion = nn.CrossEntropyLoss(reduction=reduction)
        logits = nn.Linear(4, 3)(torch.randn(8, 4))
        loss = criterion(logits, torch.randint(0, 3, (8,)))
        loss.backward()
        """,
        [8],
        NON_SCALAR,
    ),
    "PTL202 reduce=False beside reduction='mean': the legacy keyword wins": (
        "PTL202",
        """
        import torch
        from torch import nn
        criterion = nn.NLLLoss(reduce=False, reduction="mean")
        labels = torch.randint(0, 3, (2,))
        loss = criterion(torch.log_softmax(torch.randn(2, 3, requires_grad=True), dim=1), labels)
        loss.backward()
        """,
        [7],
        NON_SCALAR,
    ),
    "PTL202 a width from a default argument": (
        "PTL202",
        """
        import torch
        from torch import nn
        class Head(nn.Module):
            def __init__(self, num_classes=10):
                super().__init__()
                self.fc = nn.Linear(4, num_classes)
            def forward(self, x):
                return self.fc(x)
        x = torch.randn(2, 4)
        Head()(x).backward()
        """,
        [11],
        NON_SCALAR,
    ),
    "PTL202 a width passed to the constructor": (
        "PTL202",
        """
        import torch
        from torch import nn
        class Head(nn.Module):
            def __init__(self, num_classes=1):
                super().__init__()
                self.fc = nn.Linear(4, num_classes)
            def forward(self, x):
                return self.fc(x)
        net = Head(num_classes=3)
        net(torch.randn(1, 4)).backward()
        """,
        [11],
        NON_SCALAR,
    ),
    "PTL202 through .eval()": (
        "PTL202",
        """
        import torch
        from torch import nn
        m = nn.Linear(4, 3)
        x = torch.randn(2, 4)
        m.eval()(x).backward()
        """,
        [6],
        NON_SCALAR,
    ),
    "PTL202 through .train() and .to()": (
        "PTL202",
        """
        import torch
        from torch import nn
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)).to("cpu")
        model = model.train()
        model(torch.randn(3, 4)).backward()
        """,
        [6],
        NON_SCALAR,
    ),
    "PTL202 any reduction='none' loss": (
        "PTL202",
        """
        import torch
        from torch import nn
        def step(model, x, y):
            nn.MSELoss(reduction="none")(model(x), y).backward()
        step(nn.Linear(4, 3), torch.randn(2, 4), torch.randn(2, 3))
        """,
        [5],
        NON_SCALAR,
    ),
    "PTL202 a per-sample cross entropy": (
        "PTL202",
        """
        import torch
        import torch.nn.functional as F
        logits = torch.randn(8, 5, requires_grad=True)
        labels = torch.randint(0, 5, (8,))
        loss = F.cross_entropy(logits, labels, reduction="none")
        loss.backward()
        """,
        [7],
        NON_SCALAR,
    ),
    "PTL202 through Variable": (
        "PTL202",
        """
        import torch
        from torch.autograd import Variable
        w = Variable(torch.randn(10, 5), requires_grad=True)
        z = w + w
        z.backward()
        """,
        [6],
        NON_SCALAR,
    ),
    "PTL202 the first of two backward calls on a reused name": (
        "PTL202",
        """
        import torch
        x = torch.randn(3, requires_grad=True)
        y = x * 2
        y.backward()
        y = y.sum()
        y.backward()
        """,
        [5],
        NON_SCALAR,
    ),
    "PTL202 autograd.grad with outputs= and without grad_outputs": (
        "PTL202",
        """
        import torch
        x = torch.randn(3, requires_grad=True)
        y = x ** 2
        (g,) = torch.autograd.grad(outputs=[y], inputs=[x])
        """,
        [5],
        NON_SCALAR,
    ),
    "PTL205 a layer's parameter": (
        "PTL205",
        """
        import torch
        from torch import nn
        lin = nn.Linear(3, 1)
        lr = 0.1
        loss = lin(torch.randn(4, 3)).sum()
        loss.backward()
        lin.weight -= lr * lin.weight.grad
        """,
        [8],
        LEAF_IN_PLACE,
    ),
    "PTL205 an nn.Parameter of the model": (
        "PTL205",
        """
        import torch
        from torch import nn
        class Reg(nn.Module):
            def __init__(self):
                super().__init__()
                self.coef = nn.Parameter(torch.zeros(3))
            def forward(self, x):
                return x @ self.coef
        model = Reg()
        loss = model(torch.randn(4, 3)).pow(2).mean()
        loss.backward()
        model.coef -= 0.1 * model.coef.grad
        """,
        [13],
        LEAF_IN_PLACE,
    ),
    "PTL204 a GAN loop resets only the discriminator's optimizer": (
        "PTL204",
        """
        import torch
        from torch import nn
        G, D = nn.Linear(2, 2), nn.Linear(2, 1)
        optim_g = torch.optim.SGD(G.parameters(), lr=0.1)
        optim_d = torch.optim.SGD(D.parameters(), lr=0.1)
        for step in range(3):
            z = torch.randn(4, 2)
            optim_d.zero_grad()
            d_loss = D(G(z).detach()).mean()
            d_loss.backward()
            optim_d.step()
            g_loss = -D(G(z)).mean()
            g_loss.backward()
            optim_g.step()
        """,
        [15],
        None,
    ),
    "PTL404 a reshape of a frombuffer array": (
        "PTL404",
        """
        import numpy as np
        import torch
        payload = bytes(range(16))
        frame = np.frombuffer(payload, dtype=np.uint8).reshape(4, 4)
        image = torch.from_numpy(frame.T[1:])
        image.add_(1)
        """,
        [6],
        None,
    ),
    "PTL404 a read-only array kept in an attribute": (
        "PTL404",
        """
        import numpy as np
        import torch
        class Frames:
            def __init__(self, payload):
                self.a = np.frombuffer(bytes(payload), dtype=np.uint8)
            def tensor(self):
                return torch.from_numpy(self.a).add_(1)
        frames = Frames(range(8))
        frames.tensor()
        """,
        [8],
        None,
    ),
    "PTL501 a writer passed to a function that only logs": (
        "PTL501",
        """
        from torch.utils.tensorboard import SummaryWriter
        def log(writer, step, value):
            writer.add_scalar("loss", value, step)
        def main():
            writer = SummaryWriter("runs/exp")
            for step in range(3):
                log(writer, step, 0.5)
        main()
        """,
        [6],
        None,
    ),
    "PTL501 a writer created lazily in an attribute": (
        "PTL501",
        """
        from torch.utils.tensorboard import SummaryWriter
        class Trainer:
            def __init__(self):
                self.writer = None
            def log(self, step, value):
                if self.writer is None:
                    self.writer = SummaryWriter("runs/exp")
                self.writer.add_scalar("loss", value, step)
        trainer = Trainer()
        for step in range(3):
            trainer.log(step, 0.5)
        """,
        [8],
        None,
    ),
    "PTL202 a one-output Linear at the end of a Sequential built by a helper, on three rows": (
        "PTL202",
        """\
        import torch
        from torch import nn


        def make_head(d):
            return nn.Sequential(nn.Linear(d, 8), nn.ReLU(), nn.Linear(8, 1))


        head = make_head(4).train()
        x = torch.randn(3, 4)
        score = head(x).squeeze(-1)
        score.backward()  # raises
        """,
        [12],
        NON_SCALAR,
    ),
    "PTL202 a per-token loss in forward, its targets the module call's argument flattened": (
        "PTL202",
        """\
        import torch
        from torch import nn


        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(8, 3)
                self.loss = nn.CrossEntropyLoss(reduction="none")

            def forward(self, feats, tags):
                return self.loss(self.proj(feats).reshape(-1, 3), tags.flatten())


        model = Tagger()
        feats, tags = torch.randn(2, 5, 8), torch.randint(0, 3, (2, 5))
        per_token = model(feats, tags)
        per_token.backward()  # raises
        """,
        [18],
        NON_SCALAR,
    ),
    "PTL202 autograd.grad of a conv stack with 5 channels kept by a plain object from its constructor": (
        "PTL202",
        """\
        import torch
        from torch import nn


        class Probe:
            def __init__(self, net, head):
                self.net = net
                self.head = head

            def sensitivity(self, x):
                x = x.detach().requires_grad_(True)
                maps = self.head(self.net(x))
                return torch.autograd.grad(maps, x)[0]  # raises


        body = nn.Sequential(nn.Linear(6, 12), nn.Unflatten(1, (3, 2, 2)))
        head = nn.Sequential(nn.Conv2d(3, 5, 1), nn.ReLU())
        Probe(body, head).sensitivity(torch.randn(2, 6))
        """,
        [13],
        NON_SCALAR,
    ),
    "PTL202 a per-sample loss reduced over dim=-1 only, rows through a Linear stack and normalize": (
        "PTL202",
        """\
        import torch
        import torch.nn.functional as F
        from torch import nn

        enc = nn.Sequential(nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 6))
        x = torch.randn(4, 6)
        p = F.normalize(enc(x), dim=-1)
        z = F.normalize(x.detach(), dim=-1)
        loss = 2 - 2 * (p * z).sum(dim=-1)
        loss.backward()  # raises
        """,
        [10],
        NON_SCALAR,
    ),
    "PTL202 a helper's per-row loss called from forward, rows from a list the loop walks": (
        "PTL202",
        """\
        import torch
        import torch.nn.functional as F
        from torch import nn


        def cosine_gap(a, b):
            a = F.normalize(a, dim=-1)
            b = F.normalize(b, dim=-1)
            return 1 - (a * b).sum(dim=-1)


        class Siamese(nn.Module):
            def __init__(self, d=6):
                super().__init__()
                self.proj = nn.Sequential(nn.Linear(d, d), nn.Tanh())

            def forward(self, u, v):
                return cosine_gap(self.proj(u), self.proj(v))


        net = Siamese()
        for u in [torch.randn(3, 6) for _ in range(2)]:
            gap = net(u, u.flip(0))
            gap.backward()  # raises
        """,
        [24],
        NON_SCALAR,
    ),
}

# Variants of the misses that run fine, or whose writer is closed: still silent.
SILENT = {
    "PTL202 a per-row loss on one sample": (
        "PTL202",
        """
        import torch
        from torch import nn
        criterion = nn.CrossEntropyLoss(reduction="none")
        loss = criterion(torch.randn(1, 3, requires_grad=True), torch.randint(0, 3, (1,)))
        loss.backward()
        """,
    ),
    "PTL202 a default width of one on one sample": (
        "PTL202",
        """
        import torch
        from torch import nn
        class Head(nn.Module):
            def __init__(self, num_classes=1):
                super().__init__()
                self.fc = nn.Linear(4, num_classes)
            def forward(self, x):
                return self.fc(x)
        Head()(torch.randn(1, 4)).backward()
        """,
    ),
    "PTL202 a width passed as a variable": (
        "PTL202",
        """
        import torch
        from torch import nn
        class Head(nn.Module):
            def __init__(self, num_classes=10):
                super().__init__()
                self.fc = nn.Linear(4, num_classes)
            def forward(self, x):
                return self.fc(x)
        def run(n):
            Head(n)(torch.randn(1, 4)).backward()
        """,
    ),
    "PTL202 reduction='none' reduced before backward": (
        "PTL202",
        """
        import torch
        from torch import nn
        def step(model, x, y, mask):
            loss = nn.MSELoss(reduction="none")(model(x), y)
            loss = (loss * mask).mean()
            loss.backward()
        """,
    ),
    "PTL202 reduction='none' of literal single elements": (
        "PTL202",
        """
        import torch
        import torch.nn.functional as F
        w = torch.tensor(1.0, requires_grad=True)
        F.mse_loss(w, torch.tensor(2.0), reduction="none").backward()
        """,
    ),
    "PTL202 a cross entropy over one sample": (
        "PTL202",
        """
        import torch
        import torch.nn.functional as F
        logits = torch.randn(1, 5, requires_grad=True)
        F.cross_entropy(logits, torch.tensor([2]), reduction="none").backward()
        """,
    ),
    "PTL202 the second backward on a reused name": (
        "PTL202",
        """
        import torch
        x = torch.randn(3, requires_grad=True)
        y = x * 2
        y = y.sum()
        y.backward()
        """,
    ),
    "PTL202 a reused name in a branch": (
        "PTL202",
        """
        import torch
        def f(flag):
            x = torch.randn(3, requires_grad=True)
            y = x * 2
            if flag:
                y = y.sum()
            y.backward()
        """,
    ),
    "PTL205 a layer update under no_grad": (
        "PTL205",
        """
        import torch
        from torch import nn
        lin = nn.Linear(3, 1)
        lin(torch.randn(4, 3)).sum().backward()
        with torch.no_grad():
            lin.weight -= 0.1 * lin.weight.grad
        """,
    ),
    "PTL205 a model attribute that is not a parameter": (
        "PTL205",
        """
        import torch
        from torch import nn
        class Reg(nn.Module):
            def __init__(self):
                super().__init__()
                self.coef = torch.zeros(3)
            def forward(self, x):
                return x * self.coef
        model = Reg()
        grad = torch.ones(3)
        model.coef -= 0.1 * grad.grad
        """,
    ),
    "PTL204 two optimizers over the same model": (
        "PTL204",
        """
        import torch
        from torch import nn
        model = nn.Linear(2, 1)
        opt_a = torch.optim.SGD(model.parameters(), lr=0.1)
        opt_b = torch.optim.Adam(model.parameters(), lr=0.1)
        for step in range(3):
            opt_a.zero_grad()
            model(torch.randn(4, 2)).mean().backward()
            opt_a.step()
            opt_b.step()
        """,
    ),
    "PTL204 a GAN loop that resets both": (
        "PTL204",
        """
        import torch
        from torch import nn
        G, D = nn.Linear(2, 2), nn.Linear(2, 1)
        optim_g = torch.optim.SGD(G.parameters(), lr=0.1)
        optim_d = torch.optim.SGD(D.parameters(), lr=0.1)
        for step in range(3):
            z = torch.randn(4, 2)
            optim_d.zero_grad()
            D(G(z).detach()).mean().backward()
            optim_d.step()
            optim_g.zero_grad()
            (-D(G(z)).mean()).backward()
            optim_g.step()
        """,
    ),
    "PTL404 a copy made by flatten": (
        "PTL404",
        """
        import numpy as np
        import torch
        frame = np.frombuffer(bytes(range(16)), dtype=np.uint8).reshape(4, 4)
        torch.from_numpy(frame.flatten()).add_(1)
        """,
    ),
    "PTL404 a reshape of a broadcast view copies": (
        "PTL404",
        """
        import numpy as np
        import torch
        grid = np.broadcast_to(np.zeros(3), (4, 3))
        torch.from_numpy(grid.reshape(12)).add_(1)
        """,
    ),
    "PTL404 an attribute also assigned a writable array": (
        "PTL404",
        """
        import numpy as np
        import torch
        class Frames:
            def __init__(self, payload):
                self.a = np.frombuffer(bytes(payload), dtype=np.uint8)
            def reset(self):
                self.a = np.zeros(8, dtype=np.uint8)
            def tensor(self):
                return torch.from_numpy(self.a).add_(1)
        """,
    ),
    "PTL501 a writer passed to a function that closes it": (
        "PTL501",
        """
        from torch.utils.tensorboard import SummaryWriter
        def finish(writer):
            writer.add_scalar("done", 1.0, 0)
            writer.close()
        def main():
            writer = SummaryWriter("runs/exp")
            finish(writer)
        """,
    ),
    "PTL501 a writer passed to code of another module": (
        "PTL501",
        """
        from torch.utils.tensorboard import SummaryWriter
        from trainer import fit
        def main():
            writer = SummaryWriter("runs/exp")
            fit(writer)
        """,
    ),
    "PTL501 a lazily created writer closed at the end": (
        "PTL501",
        """
        from torch.utils.tensorboard import SummaryWriter
        class Trainer:
            def __init__(self):
                self.writer = None
            def log(self, step, value):
                if self.writer is None:
                    self.writer = SummaryWriter("runs/exp")
                self.writer.add_scalar("loss", value, step)
            def close(self):
                if self.writer is not None:
                    self.writer.close()
        """,
    ),
    "PTL202 a one-output Linear on one row; after a layer that changes the rows": (
        "PTL202",
        """\
        import torch
        from torch import nn


        def make_head(d):
            return nn.Sequential(nn.Linear(d, 8), nn.ReLU(), nn.Linear(8, 1))


        head = make_head(4)
        one = head(torch.randn(1, 4)).squeeze(-1)
        one.backward()
        flat = nn.Sequential(nn.Flatten(0), nn.Linear(6, 1))
        flat(torch.randn(2, 3)).backward()
        """,
    ),
    "PTL202 a per-token loss in forward on one token": (
        "PTL202",
        """\
        import torch
        from torch import nn


        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(8, 3)
                self.loss = nn.CrossEntropyLoss(reduction="none")

            def forward(self, feats, tags):
                return self.loss(self.proj(feats).reshape(-1, 3), tags.flatten())


        model = Tagger()
        one = model(torch.randn(1, 1, 8), torch.randint(0, 3, (1, 1)))
        one.backward()
        """,
    ),
    "PTL202 autograd.grad of a one-channel conv on one sample": (
        "PTL202",
        """\
        import torch
        from torch import nn


        class Probe:
            def __init__(self, net, head):
                self.net = net
                self.head = head

            def sensitivity(self, x):
                x = x.detach().requires_grad_(True)
                maps = self.head(self.net(x))
                return torch.autograd.grad(maps, x)[0]


        body = nn.Sequential(nn.Linear(6, 12), nn.Unflatten(1, (3, 2, 2)))
        head = nn.Sequential(nn.Conv2d(3, 1, 2), nn.ReLU())
        Probe(body, head).sensitivity(torch.randn(1, 6))
        """,
    ),
    "PTL202 the same loss reduced over dim=-1 on one row": (
        "PTL202",
        """\
        import torch
        import torch.nn.functional as F
        from torch import nn

        enc = nn.Sequential(nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 6))
        x = torch.randn(1, 6)
        p = F.normalize(enc(x), dim=-1)
        z = F.normalize(x.detach(), dim=-1)
        loss = 2 - 2 * (p * z).sum(dim=-1)
        loss.backward()
        """,
    ),
    "PTL202 the helper's per-row loss on one row": (
        "PTL202",
        """\
        import torch
        import torch.nn.functional as F
        from torch import nn


        def cosine_gap(a, b):
            a = F.normalize(a, dim=-1)
            b = F.normalize(b, dim=-1)
            return 1 - (a * b).sum(dim=-1)


        class Siamese(nn.Module):
            def __init__(self, d=6):
                super().__init__()
                self.proj = nn.Sequential(nn.Linear(d, d), nn.Tanh())

            def forward(self, u, v):
                return cosine_gap(self.proj(u), self.proj(v))


        net = Siamese()
        for u in [torch.randn(1, 6) for _ in range(2)]:
            gap = net(u, u.flip(0))
            gap.backward()
        """,
    ),
}


@pytest.mark.parametrize("name", sorted(MISSES))
def test_miss_is_reported(name):
    code, source, lines, _ = MISSES[name]
    assert codes(source, code) == [(line, code) for line in lines]


@pytest.mark.parametrize("name", sorted(SILENT))
def test_variant_stays_silent(name):
    code, source = SILENT[name]
    assert codes(source, code) == []


@pytest.mark.parametrize("name", sorted(n for n, case in MISSES.items() if case[3]))
def test_miss_raises_under_torch(name):
    pytest.importorskip("torch")
    _, source, _, error = MISSES[name]
    with pytest.raises(RuntimeError, match=error):
        exec(compile(textwrap.dedent(source), "<real>", "exec"), {"__name__": "real"})


@pytest.mark.parametrize("name", sorted(n for n, case in SILENT.items() if case[0] == "PTL202"))
def test_silent_ptl202_variants_run(name):
    pytest.importorskip("torch")
    source = textwrap.dedent(SILENT[name][1])
    namespace: dict[str, object] = {"__name__": "real"}
    exec(compile(source, "<real>", "exec"), namespace)
    if "def run(n)" in source:
        run = namespace["run"]
        assert callable(run)
        run(1)
    if "def f(flag)" in source:
        f = namespace["f"]
        assert callable(f)
        f(True)


def test_gan_loop_without_reset_accumulates_the_generators_gradients():
    pytest.importorskip("torch")
    source = textwrap.dedent(MISSES["PTL204 a GAN loop resets only the discriminator's optimizer"][1])
    probe = "own = torch.autograd.grad(g_loss, G.weight, retain_graph=True)[0]; g_loss.backward(); "
    probe += "stale.append(not torch.allclose(G.weight.grad, own))"
    assert "    g_loss.backward()" in source
    stale: list[bool] = []
    exec(compile(source.replace("g_loss.backward()", probe), "<real>", "exec"), {"stale": stale})
    # from the second iteration on, the step uses the sum of this and all earlier gradients
    assert stale == [False, True, True]


def test_writes_reach_the_read_only_memory():
    pytest.importorskip("torch")
    pytest.importorskip("numpy")
    namespace: dict[str, Any] = {}
    source = textwrap.dedent(MISSES["PTL404 a reshape of a frombuffer array"][1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(source, "<real>", "exec"), namespace)
    assert namespace["payload"] != bytes(range(16))  # the immutable bytes object changed
    source = textwrap.dedent(MISSES["PTL404 a read-only array kept in an attribute"][1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(source, "<real>", "exec"), namespace)
    array = namespace["frames"].a
    assert not array.flags.writeable and array[0] == 1


@pytest.mark.parametrize("name", ["PTL404 a copy made by flatten", "PTL404 a reshape of a broadcast view copies"])
def test_copies_are_writable(name):
    np = pytest.importorskip("numpy")
    source = textwrap.dedent(SILENT[name][1])
    expression = source.split("torch.from_numpy(", 1)[1].rsplit(").add_", 1)[0]
    namespace: dict[str, object] = {"np": np}
    exec(compile(source.split("torch.from_numpy(")[0].replace("import torch", ""), "<real>", "exec"), namespace)
    assert eval(expression, namespace).flags.writeable


# Each program checks itself under torch: the step uses the sum of several batches' gradients
# (`expected accumulation`), or, for the silent one, exactly the last batch's.
ACCUMULATES = {
    "PTL204 a reset in the other arm of an if on a flag fixed for the call": (
        """\
        import torch
        from torch import nn


        def fit_batch(net, optim, xb, yb, half):
            if half:
                loss = (net(xb) - yb).pow(2).mean()
                loss.backward()
                optim.step()  # accumulates
            else:
                optim.zero_grad()
                loss = (net(xb) - yb).pow(2).mean()
                loss.backward()
                optim.step()
            return float(loss)


        net = nn.Linear(3, 1)
        optim = torch.optim.SGD(net.parameters(), lr=0.0)
        data = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(3)]
        for xb, yb in data:
            fit_batch(net, optim, xb, yb, half=True)
        fresh = torch.autograd.grad((net(data[-1][0]) - data[-1][1]).pow(2).mean(), net.weight)[0]
        assert not torch.allclose(net.weight.grad, fresh), "expected accumulation"
        print("z1 accumulates")
        """,
        [9],
    ),
    "PTL204 optimizers kept in a list and stepped through a loop variable": (
        """\
        import torch
        from torch import nn

        enc, dec = nn.Linear(3, 2), nn.Linear(2, 1)
        optims = [torch.optim.SGD(enc.parameters(), lr=0.0), torch.optim.SGD(dec.parameters(), lr=0.0)]
        data = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(3)]
        for xb, yb in data:
            loss = (dec(enc(xb)) - yb).pow(2).mean()
            loss.backward()
            for o in optims:
                o.step()  # accumulates
        fresh = torch.autograd.grad((dec(enc(data[-1][0])) - data[-1][1]).pow(2).mean(), dec.weight)[0]
        assert not torch.allclose(dec.weight.grad, fresh), "expected accumulation"
        print("z2 accumulates")
        """,
        [11],
    ),
    "PTL204 a training-step method called once per batch from a generator expression": (
        """\
        import torch
        from torch import nn


        class Learner:
            def __init__(self, net):
                self.net = net
                self.opt = torch.optim.SGD(net.parameters(), lr=0.0)

            def step(self, xb, yb):
                loss = (self.net(xb) - yb).pow(2).mean()
                loss.backward()
                self.opt.step()  # accumulates
                return loss.item()

            def run(self, data):
                return sum(self.step(xb, yb) for xb, yb in data)


        net = nn.Linear(3, 1)
        data = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(3)]
        Learner(net).run(data)
        fresh = torch.autograd.grad((net(data[-1][0]) - data[-1][1]).pow(2).mean(), net.weight)[0]
        assert not torch.allclose(net.weight.grad, fresh), "expected accumulation"
        """,
        [13],
    ),
    "PTL204 optimizers in a dict reset through a loop variable; a reset before the if": (
        """\
        import torch
        from torch import nn


        def fit_batch(net, optim, xb, yb, half):
            optim.zero_grad()
            if half:
                loss = (net(xb) - yb).pow(2).mean()
            else:
                loss = (net(xb) - yb).abs().mean()
            loss.backward()
            optim.step()


        enc, dec = nn.Linear(3, 2), nn.Linear(2, 1)
        optims = {"enc": torch.optim.SGD(enc.parameters(), lr=0.0), "dec": torch.optim.SGD(dec.parameters(), lr=0.0)}
        data = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(3)]
        for xb, yb in data:
            for o in optims.values():
                o.zero_grad()
            loss = (dec(enc(xb)) - yb).pow(2).mean()
            loss.backward()
            for name, o in optims.items():
                o.step()
            fit_batch(dec, optims["dec"], enc(xb).detach(), yb, half=True)
        fresh = torch.autograd.grad((dec(enc(data[-1][0]).detach()) - data[-1][1]).pow(2).mean(), dec.weight)[0]
        assert torch.allclose(dec.weight.grad, fresh)
        print("z3 fine")
        """,
        [],
    ),
}


@pytest.mark.parametrize("name", sorted(ACCUMULATES))
def test_accumulating_steps_are_reported(name):
    source, lines = ACCUMULATES[name]
    assert codes(source, "PTL204") == [(line, "PTL204") for line in lines]


@pytest.mark.parametrize("name", sorted(ACCUMULATES))
def test_accumulating_programs_check_themselves_under_torch(name):
    pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(textwrap.dedent(ACCUMULATES[name][0]), "<real>", "exec"), {"__name__": "real"})


# Leaves made or passed through helpers of the file (PTL203). Each raises "a view of a leaf Variable
# that requires grad is being used in an in-place operation" at the marked line (run below); the
# last one runs: a helper given a leaf at one call and a non-leaf at another, a product with a
# tensor that requires grad (not a leaf after `requires_grad_()`).
LEAVES_THROUGH_HELPERS = {
    "PTL203 a helper returns (factory * scale).requires_grad_()": """\
        import torch


        def make_weight(rows, cols, scale=0.1):
            return (torch.randn(rows, cols) * scale).requires_grad_()


        w = make_weight(4, 2)
        x = torch.rand(3, 4)
        y = x @ w
        w[0] *= 0.5  # raises
        """,
    "PTL203 a helper's parameter is a leaf at its only call": """\
        import torch


        def keep_in_box(t, k):
            t[:k].clamp_(0.0, 1.0)  # raises


        codes = torch.rand(5, 3, requires_grad=True)
        loss = (codes ** 2).sum()
        loss.backward()
        keep_in_box(codes, 2)
        """,
    "PTL203 a parameter reached through an nn.ModuleList of nn.ModuleDicts": """\
        import torch
        from torch import nn


        class Stack(nn.Module):
            def __init__(self, width=4, depth=2):
                super().__init__()
                self.blocks = nn.ModuleList(
                    nn.ModuleDict({"mix": nn.Linear(width, width), "out": nn.Linear(width, 1)}) for _ in range(depth)
                )

            def forward(self, x):
                for block in self.blocks:
                    x = torch.tanh(block["mix"](x))
                return self.blocks[-1]["out"](x)


        net = Stack()
        direction = torch.randn(4)
        net.blocks[0]["mix"].weight[:, 1] += 0.1 * direction  # raises
        """,
}
UPDATES_OF_LEAVES_MADE_FROM_SLICES = """\
    import torch


    def fit_columns(m, target, lr=0.1, width=2):
        for k in range(0, m.size(1), width):
            piece = m[:, k : k + width].clone().float().requires_grad_(True)
            loss = ((piece.sum(1) - target) ** 2).mean()
            loss.backward()
            piece -= lr * piece.grad  # raises
            m[:, k : k + width] = piece.detach()
        return m


    fit_columns(torch.randn(3, 4), torch.randn(3))
    """


def test_a_leaf_made_from_a_slice_of_a_tensor_without_grad():
    # `m[:, k].clone().float().requires_grad_(True)`, `m` a fresh tensor at the helper's only call
    source = textwrap.dedent(UPDATES_OF_LEAVES_MADE_FROM_SLICES)
    assert codes(source, "PTL205") == [(9, "PTL205")]
    under_no_grad = source.replace(
        "        piece -= lr * piece.grad  # raises",
        "        with torch.no_grad():\n            piece -= lr * piece.grad",
    )
    assert under_no_grad != source and codes(under_no_grad, "PTL205") == []
    pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        exec(compile(source, "<real>", "exec"), {"__name__": "real"})
    exec(compile(under_no_grad, "<real>", "exec"), {"__name__": "real"})


NOT_LEAVES_THROUGH_HELPERS = """\
    import torch


    def keep_in_box(t, k):
        t[:k].clamp_(0.0, 1.0)


    def make(rows, scale):
        return (torch.randn(rows, 2) * scale).requires_grad_()


    w = torch.rand(2, requires_grad=True)
    keep_in_box(torch.rand(5, 3), 2)
    keep_in_box(torch.rand(5, 3, requires_grad=True) * 2, 2)
    scaled = make(3, w.sum())
    scaled[0] *= 2
    """


def _marked(source: str) -> list[tuple[int, str]]:
    rows = textwrap.dedent(source).splitlines()
    return [(i, "PTL203") for i, row in enumerate(rows, 1) if row.endswith("# raises")]


@pytest.mark.parametrize("name", sorted(LEAVES_THROUGH_HELPERS))
def test_leaves_through_helpers_are_reported_and_raise(name):
    source = LEAVES_THROUGH_HELPERS[name]
    assert codes(source, "PTL203") == _marked(source) != []
    pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        exec(compile(textwrap.dedent(source), "<real>", "exec"), {"__name__": "real"})


def test_non_leaves_through_helpers_stay_silent_and_run():
    assert codes(NOT_LEAVES_THROUGH_HELPERS, "PTL203") == []
    pytest.importorskip("torch")
    exec(compile(textwrap.dedent(NOT_LEAVES_THROUGH_HELPERS), "<real>", "exec"), {"__name__": "real"})
