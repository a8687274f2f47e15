"""PTL202 facts taught from the second recall set's misses (benchmarks/recall-2/README.md): the
number of elements of `torch.cat` / `torch.stack`, a `reduction="none"` loss applied through any
name (also in nested loops), a module's output after a reduction over some dimensions only, and a
dict item that a model returns. Our own programs; each bug raises under torch and each silent
neighbour runs."""

from __future__ import annotations

import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

NON_SCALAR = "grad can be implicitly created only for scalar outputs"


def reported(source: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<shapes>", selection=Selection.of(["PTL202"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL202"]


# name: (program, the lines reported)
BUGS = {
    "torch.cat of two known-size leaves": (
        """\
        import torch
        a = torch.zeros(2, requires_grad=True)
        b = torch.ones(5, requires_grad=True)
        both = torch.cat([a, b])
        both.backward()
        """,
        [5],
    ),
    "torch.cat along dim 1 through a list name": (
        """\
        import torch
        w = torch.randn(1, 3, requires_grad=True)
        parts = [w, w * 2]
        torch.cat(parts, dim=1).backward()
        """,
        [4],
    ),
    "torch.stack of two scalar losses": (
        """\
        import torch
        import torch.nn.functional as F
        logits = torch.randn(6, 4, requires_grad=True)
        labels = torch.randint(0, 4, (6,))
        first = F.cross_entropy(logits, labels)
        second = F.nll_loss(F.log_softmax(logits, dim=1), labels)
        total = torch.stack([first, second])
        total.backward()
        """,
        [8],
    ),
    "a reduction='none' criterion under another name, in nested loops": (
        """\
        import torch
        from torch import nn
        model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))
        per_sample = nn.NLLLoss(reduction="none")
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        batches = [(torch.randn(4, 5), torch.randint(0, 3, (4,))) for _ in range(2)]
        for epoch in range(2):
            for features, classes in batches:
                out = model(features).log_softmax(dim=1)
                cost = per_sample(out, classes)
                opt.zero_grad()
                cost.backward()
                opt.step()
        """,
        [12],
    ),
    "a functional reduction='none' loss on a batch of unknown size": (
        """\
        import torch
        import torch.nn.functional as F

        def train(model, loader, opt):
            for x, y in loader:
                loss = F.cross_entropy(model(x), y, reduction="none")
                opt.zero_grad()
                loss.backward()
                opt.step()

        model = torch.nn.Linear(3, 2)
        train(model, [(torch.randn(5, 3), torch.randint(0, 2, (5,)))], torch.optim.SGD(model.parameters(), lr=0.1))
        """,
        [8],
    ),
    "a loss module that reduces each row over its pixels only": (
        """\
        import torch
        from torch import nn

        class RowDice(nn.Module):
            def forward(self, pred, mask):
                b = pred.size(0)
                inter = (pred * mask).reshape(b, -1).mean(dim=1)
                return 1 - inter

        pred = torch.rand(3, 1, 4, 4, requires_grad=True)
        mask = torch.ones(3, 1, 4, 4)
        loss = RowDice()(pred, mask)
        loss.backward()
        """,
        [13],
    ),
    "a per-sample loss read back from the dict forward returns": (
        """\
        import torch
        from torch import nn

        class Scorer(nn.Module):
            def __init__(self):
                super().__init__()
                self.head = nn.Linear(4, 3)

            def losses(self, logits, y):
                per = nn.functional.cross_entropy(logits, y, reduction="none")
                return per.unsqueeze(1)

            def forward(self, x, y):
                logits = self.head(x)
                result = {"logits": logits}
                result["loss"] = self.losses(logits, y)
                return result

        model = Scorer()
        x, y = torch.randn(5, 4), torch.randint(0, 3, (5,))
        model(x, y)["loss"].backward()
        """,
        [21],
    ),
    "a per-sample loss unpacked from the tuple forward returns": (
        """\
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x, y):
                out = self.fc(x)
                return nn.functional.cross_entropy(out, y, reduction="none"), out

        net = Net()
        x, y = torch.randn(6, 4), torch.randint(0, 3, (6,))
        loss, logits = net(x, y)
        loss.backward()
        """,
        [16],
    ),
    "torch.hstack of two scalar losses": (
        """\
        import torch
        import torch.nn.functional as F
        w = torch.randn(3, requires_grad=True)
        parts = torch.hstack([F.mse_loss(w, torch.zeros(3)), F.l1_loss(w, torch.ones(3))])
        parts.backward()
        """,
        [5],
    ),
    "per-image sums after flatten(1), sizes unpacked from .shape and .size()": (
        """\
        import torch
        img = torch.rand(2, 3, 4, 4, requires_grad=True)
        n, c, h, w = img.shape
        (img.flatten(1).sum(1) / (c * h * w)).backward()
        b = img.size()[0]
        img.reshape(b, -1).mean(dim=-1).backward()
        """,
        [4, 6],
    ),
    "a per-sample loss from a method called on the model": (
        """\
        import torch
        from torch import nn

        class Embedder(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(6, 4)

            def forward(self, x):
                return self.proj(x)

            def triplet(self, a, p, n):
                return nn.functional.triplet_margin_loss(self(a), self(p), self(n), reduction="none")

        model = Embedder()
        a, p, n = torch.randn(5, 6), torch.randn(5, 6), torch.randn(5, 6)
        loss = model.triplet(a, p, n)
        loss.backward()
        """,
        [18],
    ),
    "a per-token loss of permuted logits, summed over tokens only": (
        """\
        import torch
        import torch.nn.functional as F
        from torch import nn
        tagger = nn.Linear(8, 5)

        def train(batches):
            for feats, tags in batches:
                logits = tagger(feats)
                per_token = F.cross_entropy(logits.permute(0, 2, 1), tags, reduction="none")
                per_token.sum(1).backward()

        train([(torch.randn(2, 7, 8), torch.randint(0, 5, (2, 7)))])
        """,
        [10],
    ),
    "rows of different sizes on two paths, summed over columns": (
        """\
        import torch

        def f(flag):
            w = torch.randn(4, 2, requires_grad=True)
            v = torch.randn(8, 2, requires_grad=True)
            x = w if flag else v
            x.sum(dim=1).backward()

        f(True)
        """,
        [7],
    ),
}

SILENT = {
    "one path with a single row": """\
        import torch

        def f(flag):
            w = torch.randn(1, 2, requires_grad=True)
            v = torch.randn(8, 2, requires_grad=True)
            x = w if flag else v
            x.sum(dim=1).backward()

        f(True)
        """,
    "torch.hstack of one loss, and a flatten over every dimension reduced": """\
        import torch
        import torch.nn.functional as F
        w = torch.randn(3, requires_grad=True)
        torch.hstack([F.mse_loss(w, torch.zeros(3))]).backward()
        img = torch.rand(2, 3, 4, 4, requires_grad=True)
        img.flatten().sum(0).backward()
        """,
    "a mean triplet loss from a method called on the model": """\
        import torch
        from torch import nn

        class Embedder(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(6, 4)

            def forward(self, x):
                return self.proj(x)

            def triplet(self, a, p, n):
                return nn.functional.triplet_margin_loss(self(a), self(p), self(n))

        model = Embedder()
        a, p, n = torch.randn(5, 6), torch.randn(5, 6), torch.randn(5, 6)
        model.triplet(a, p, n).backward()
        """,
    "torch.cat of one one-element tensor": """\
        import torch
        a = torch.zeros(1, requires_grad=True)
        torch.cat([a]).backward()
        """,
    "torch.stack of one scalar loss, and a stack reduced": """\
        import torch
        w = torch.randn(3, requires_grad=True)
        torch.stack([w.sum()]).backward()
        torch.stack([w.sum(), w.mean()]).sum().backward()
        """,
    "a reduction='mean' criterion in nested loops": """\
        import torch
        from torch import nn
        model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))
        criterion = nn.NLLLoss(reduction="mean")
        batches = [(torch.randn(4, 5), torch.randint(0, 3, (4,))) for _ in range(2)]
        for epoch in range(2):
            for features, classes in batches:
                cost = criterion(model(features).log_softmax(dim=1), classes)
                cost.backward()
        """,
    "a reduction='none' loss of one indexed sample": """\
        import torch
        import torch.nn.functional as F
        logits = torch.randn(4, 3, requires_grad=True)
        labels = torch.randint(0, 3, (4,))
        for i in range(4):
            F.cross_entropy(logits[i], labels[i], reduction="none").backward()
        """,
    "a dict from the caller, its item replaced only after the backward": """\
        import torch
        import torch.nn.functional as F

        def step(outputs, logits, y):
            loss = outputs["loss"]
            loss.backward(retain_graph=True)
            outputs["loss"] = F.cross_entropy(logits, y, reduction="none").detach()

        logits = torch.randn(4, 3, requires_grad=True)
        y = torch.randint(0, 3, (4,))
        step({"loss": F.cross_entropy(logits, y)}, logits, y)
        """,
    "a reduction='none' loss of a policy run on one state": """\
        import torch
        import torch.nn.functional as F
        from torch import nn
        policy = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))

        def reinforce(state, action, reward):
            logits = policy(state.unsqueeze(0))
            nll = F.cross_entropy(logits, torch.LongTensor([action]), reduction="none")
            (nll * reward).backward()

        reinforce(torch.randn(4), 1, 0.5)
        """,
    "a row reduction of a batch of one, and a reduction over every dimension": """\
        import torch
        from torch import nn

        class RowDice(nn.Module):
            def forward(self, pred, mask):
                b = pred.size(0)
                return 1 - (pred * mask).reshape(b, -1).mean(dim=1)

        class Dice(nn.Module):
            def forward(self, pred, mask):
                return 1 - (pred * mask).mean()

        RowDice()(torch.rand(1, 1, 4, 4, requires_grad=True), torch.ones(1, 1, 4, 4)).backward()
        Dice()(torch.rand(3, 1, 4, 4, requires_grad=True), torch.ones(3, 1, 4, 4)).backward()
        """,
    "the dict item forward returns is a mean": """\
        import torch
        from torch import nn

        class Scorer(nn.Module):
            def __init__(self):
                super().__init__()
                self.head = nn.Linear(4, 3)

            def forward(self, x, y):
                logits = self.head(x)
                result = {"logits": logits}
                result["loss"] = nn.functional.cross_entropy(logits, y, reduction="none").mean()
                return result

        model = Scorer()
        model(torch.randn(5, 4), torch.randint(0, 3, (5,)))["loss"].backward()
        """,
    "the tuple item forward returns is a mean, and a tensor's first row": """\
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x, y):
                out = self.fc(x)
                return nn.functional.cross_entropy(out, y), out

        net = Net()
        x, y = torch.randn(6, 4), torch.randint(0, 3, (6,))
        loss, logits = net(x, y)
        loss.backward()
        net.fc(x)[0][1].backward()
        """,
}


@pytest.mark.parametrize("name", sorted(BUGS))
def test_bug_is_reported(name):
    source, expected = BUGS[name]
    assert reported(source) == expected


@pytest.mark.parametrize("name", sorted(SILENT))
def test_silent_neighbour(name):
    assert reported(SILENT[name]) == []


@pytest.mark.parametrize("name", sorted(BUGS))
def test_bug_raises_under_torch(name):
    pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=NON_SCALAR):
        exec(compile(textwrap.dedent(BUGS[name][0]), "<shapes>", "exec"), {"__name__": "shapes"})


@pytest.mark.parametrize("name", sorted(SILENT))
def test_silent_neighbour_runs_under_torch(name):
    pytest.importorskip("torch")
    exec(compile(textwrap.dedent(SILENT[name]), "<shapes>", "exec"), {"__name__": "shapes"})


def test_the_path_names_the_reduction_that_keeps_the_rows():
    source = BUGS["a loss module that reduces each row over its pixels only"][0]
    result = lint_source(textwrap.dedent(source), "<shapes>", selection=Selection.of(["PTL202"]))
    messages = [r.message for r in result.findings[0].related]
    assert "reduced over dim 1 only here: shape (3,)" in messages
    assert "`b` is 3 here" in messages
