"""PTL202 on the patterns issue 11 lists and on general facts of torch shapes that real non-scalar
backward bugs need: a model or criterion of the module read in a training function, sizes named by
module constants, matrix products, embeddings, transposes, reductions over some dimensions. Our own
programs; each bug raises under torch on its reported line and each silent neighbour runs."""

from __future__ import annotations

import textwrap
import traceback

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

NON_SCALAR = "grad can be implicitly created only for scalar outputs"


def reported(source: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<general>", selection=Selection.of(["PTL202"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL202"]


# name: (program, the lines reported); each program raises at its first reported line
BUGS = {
    "a width from the constructor's default argument": (
        """\
        import torch
        from torch import nn

        class Head(nn.Module):
            def __init__(self, num_classes=10):
                super().__init__()
                self.fc = nn.Linear(4, num_classes)

            def forward(self, x):
                return self.fc(x)

        Head()(torch.randn(2, 4)).backward()
        """,
        [12],
    ),
    "a model through .eval(), .to() and .train()": (
        """\
        import torch
        from torch import nn

        model = nn.Linear(4, 3)
        x = torch.randn(2, 4)
        model.eval()(x).backward()
        net = model.to("cpu")
        net(x).backward()
        nn.Linear(4, 3).train()(x).backward()
        """,
        [6, 8, 9],
    ),
    "reduction='none' losses, module and functional": (
        """\
        import torch
        import torch.nn.functional as F
        from torch import nn

        pred = torch.randn(8, 3, requires_grad=True)
        target = torch.rand(8, 3)
        nn.SmoothL1Loss(reduction="none")(pred, target).backward()
        F.binary_cross_entropy_with_logits(pred, target, reduction="none").backward()
        nn.CrossEntropyLoss(reduction="none")(pred, torch.randint(0, 3, (8,))).backward()
        """,
        [7, 8, 9],
    ),
    "the notes' Variable sum": (
        """\
        import torch
        from torch.autograd import Variable

        x = Variable(torch.ones(10, 5), requires_grad=True)
        y = Variable(torch.ones(10, 5), requires_grad=True)
        z = x + y
        z.backward()
        """,
        [7],
    ),
    "the first of two backward calls on a reused name": (
        """\
        import torch

        x = torch.randn(3, requires_grad=True)
        y = x * 2
        y.backward()
        y = (x * 2).sum()
        y.backward()
        """,
        [5],
    ),
    "autograd.grad of a non-scalar without grad_outputs": (
        """\
        import torch

        x = torch.randn(4, 3, requires_grad=True)
        y = x**2
        torch.autograd.grad(y, x)
        torch.autograd.grad(outputs=y, inputs=[x], create_graph=True)
        """,
        [5, 6],
    ),
    "a model of the module called in a training function": (
        """\
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(8, 16)
                self.fc2 = nn.Linear(16, 10)

            def forward(self, x):
                return self.fc2(torch.relu(self.fc1(x)))

        model = Net()

        def train(loader):
            for data, target in loader:
                output = model(data)
                output.backward()
                ((output - target) ** 2).backward()

        train([(torch.randn(4, 8), torch.randn(4, 10))])
        """,
        [18, 19],
    ),
    "a per-sample criterion of the module in a method": (
        """\
        import torch
        from torch import nn

        criterion = nn.MSELoss(reduction="none")

        class Trainer:
            def __init__(self, model):
                self.model = model

            def step(self, x, y):
                loss = criterion(self.model(x), y)
                loss.backward()

        Trainer(nn.Linear(3, 2)).step(torch.randn(5, 3), torch.randn(5, 2))
        """,
        [12],
    ),
    "sizes named by module constants, reduced over one dimension": (
        """\
        import torch

        batch_size = 16
        features = 10
        x = torch.randn(batch_size, features, requires_grad=True)
        torch.sum(x, dim=1).backward()
        x.norm(dim=1).backward()
        x.pow(2).sum(axis=1).backward()
        torch.mean(x, 0).backward()
        """,
        [6, 7, 8, 9],
    ),
    "matrix products of known shapes": (
        """\
        import torch
        import torch.nn.functional as F

        x = torch.randn(4, 3, requires_grad=True)
        w = torch.randn(3, 2)
        (x @ w).backward()
        torch.mm(x, w).backward()
        x.matmul(w).backward()
        F.linear(x, torch.randn(5, 3)).backward()
        """,
        [6, 7, 8, 9],
    ),
    "an embedding's output and a transpose": (
        """\
        import torch
        from torch import nn

        emb = nn.Embedding(100, 8)
        ids = torch.randint(0, 100, (4, 7))
        emb(ids).backward()
        w = torch.randn(2, 3, requires_grad=True)
        w.T.backward()
        """,
        [6, 8],
    ),
    "a criterion passed to a training function, read in its loops": (
        """\
        import torch
        from torch import nn

        def train(model, loader, criterion, optimizer):
            for epoch in range(2):
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()

        model = nn.Linear(3, 2)
        data = [(torch.randn(4, 3), torch.randn(4, 2))]
        train(model, data, nn.MSELoss(reduction="none"), torch.optim.SGD(model.parameters(), 0.1))
        """,
        [9],
    ),
    "a loss written as a plain class with __call__": (
        """\
        import torch
        from torch import nn

        class RowLoss:
            def __call__(self, pred, target):
                return torch.norm(pred - target, dim=1)

        model = nn.Linear(3, 2)
        criterion = RowLoss()
        loss = criterion(model(torch.randn(4, 3)), torch.randn(4, 2))
        loss.backward()
        """,
        [11],
    ),
    "a module function kept in an attribute, read with the call's arguments": (
        """\
        import torch
        import torch.nn.functional as F

        def pair_loss(scores, target):
            return F.softmax(scores, dim=1).gather(1, target.view(-1, 1))

        class Step:
            def __init__(self):
                self.criterion = pair_loss

            def run(self, scores, labels):
                self.criterion(scores, labels).backward()

        Step().run(torch.randn(6, 4, requires_grad=True), torch.randint(0, 4, (6,)))
        """,
        [12],
    ),
    "a gradient penalty's autograd.grad without grad_outputs": (
        """\
        import torch
        from torch import nn

        batch_size = 8
        critic = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
        real, fake = torch.randn(batch_size, 4), torch.randn(batch_size, 4)
        alpha = torch.rand(batch_size, 1)
        mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        torch.autograd.grad(outputs=critic(mixed), inputs=mixed, create_graph=True)
        """,
        [9],
    ),
    "per-element losses summed from zero in a loop": (
        """\
        import torch
        from torch import nn

        criterion = nn.MSELoss(reduction="none")
        pred = torch.randn(4, 3, requires_grad=True)
        loss = 0
        for t in range(3):
            loss += criterion(pred * t, torch.zeros(4, 3))
        loss.backward()
        """,
        [9],
    ),
    "a GRU's and an LSTM's outputs": (
        """\
        import torch
        from torch import nn

        class Encoder(nn.Module):
            def __init__(self, hidden=16):
                super().__init__()
                self.rnn = nn.GRU(8, hidden, batch_first=True)

            def forward(self, x):
                out, h = self.rnn(x)
                return out

        Encoder()(torch.randn(2, 5, 8)).backward()
        out, (h, c) = nn.LSTM(8, 4)(torch.randn(5, 2, 8))
        out.backward()
        """,
        [13, 15],
    ),
    "a one-output network with a norm layer on a concatenated batch": (
        """\
        import torch
        from torch import nn

        net = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.BatchNorm1d(32), nn.Linear(32, 1))
        x = torch.rand(50, 1, requires_grad=True)
        t = torch.rand(50, 1, requires_grad=True)
        u = net(torch.cat([x, t], dim=1))
        torch.autograd.grad(u, x, create_graph=True)
        """,
        [8],
    ),
    "torch.where of a vector, and a row added with None": (
        """\
        import torch

        x = torch.randn(5, requires_grad=True)
        torch.where(x > 0, x, torch.zeros(5)).backward()
        w = torch.randn(3, requires_grad=True)
        (w[None] * 2).sum(dim=0).backward()
        """,
        [4, 6],
    ),
    "a class score of a batch, from a Sequential of named blocks with an adaptive pool": (
        """\
        import torch
        from torch import nn

        features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
        model = nn.Sequential(features, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))
        logit = model(torch.randn(4, 3, 16, 16))
        score = logit[:, logit.max(1)[-1]].squeeze()
        score.backward()
        """,
        [8],
    ),
    "a Grad-CAM class called on a batch through __call__ = forward": (
        """\
        import torch
        from torch import nn

        class GradCAM:
            def __init__(self, model):
                self.model = model

            def forward(self, images, class_idx=None):
                logit = self.model(images)
                score = logit[:, class_idx if class_idx is not None else logit.argmax(1)].squeeze()
                score.backward()

            __call__ = forward

        cam = GradCAM(nn.Sequential(nn.Flatten(), nn.Linear(12, 5)))
        cam(torch.randn(4, 3, 2, 2))
        """,
        [11],
    ),
    "a method of the class read with each call's arguments": (
        """\
        import torch
        from torch import nn

        class Trainer:
            def __init__(self):
                self.model = nn.Linear(4, 3)

            def per_row(self, output, target):
                return (output - target).abs().sum(dim=1)

            def step(self):
                self.per_row(self.model(torch.randn(1, 4)), torch.zeros(1, 3)).backward()
                self.per_row(self.model(torch.randn(6, 4)), torch.zeros(6, 3)).backward()

        Trainer().step()
        """,
        [13],
    ),
    "a class score of a segmentation map, through a wrapper's __call__ and a static helper": (
        """\
        import torch
        from torch import nn

        class UNetLike(nn.Module):
            def __init__(self, n_classes=2):
                super().__init__()
                self.down = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
                self.up = nn.Upsample(scale_factor=2)
                self.head = nn.Conv2d(8, n_classes, 1)

            def forward(self, x):
                return self.head(self.up(self.down(x)))

        class Wrapper:
            def __init__(self, model):
                self.model = model

            def __call__(self, x):
                return self.model(x)

        class Scorer:
            def __init__(self, model):
                self.wrapped = Wrapper(model)

            @staticmethod
            def score(output, categories):
                total = 0
                for i in range(len(categories)):
                    total = total + output[i, categories[i]]
                return total

            def __call__(self, images, categories):
                self.score(self.wrapped(images), categories).backward()

        scorer = Scorer(UNetLike())
        scorer(torch.randn(1, 3, 16, 16), [1])
        """,
        [33],
    ),
}

SILENT = {
    "a module name some function rebinds with global": """\
        import torch
        from torch import nn

        model = nn.Linear(4, 3)

        def setup():
            global model
            model = nn.Linear(4, 1)

        def step(x):
            model(x).backward()

        setup()
        step(torch.randn(1, 4))
        """,
    "a function's own name shadows the module's": """\
        import torch
        from torch import nn

        model = nn.Linear(4, 3)

        def step(x):
            model = nn.Linear(4, 1)
            model(x).backward()

        step(torch.randn(1, 4))
        """,
    "a product of two vectors, and named sizes of one": """\
        import torch

        v = torch.randn(5, requires_grad=True)
        (v @ v).backward()
        rows = 1
        torch.randn(rows, 1, requires_grad=True).backward()
        torch.randn(rows, 6, requires_grad=True).sum(dim=1).backward()
        """,
    "a one-output linear map of one row, and full reductions": """\
        import torch
        import torch.nn.functional as F

        batch_size = 16
        x = torch.randn(1, 3, requires_grad=True)
        F.linear(x, torch.randn(1, 3)).backward()
        torch.randn(batch_size, 3, requires_grad=True).sum().backward()
        (torch.randn(batch_size, 3, requires_grad=True) @ torch.randn(3, 2)).mean().backward()
        """,
    "scalar losses summed from zero, one under a condition, and a one-unit LSTM": """\
        import torch
        from torch import nn

        criterion = nn.MSELoss()
        pred = torch.randn(4, 3, requires_grad=True)
        loss = 0
        for t in range(3):
            loss += criterion(pred * t, torch.zeros(4, 3))
        loss.backward()
        total = 0.0
        if pred.sum() > 100:
            total += pred.mean()
        total = total + pred.sum()
        total.backward()
        out, (h, c) = nn.LSTM(8, 1)(torch.randn(1, 1, 8))
        out.backward()
        """,
    "a one-output network on a concatenated single row": """\
        import torch
        from torch import nn

        net = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.LayerNorm(32), nn.Linear(32, 1))
        x = torch.rand(1, 1, requires_grad=True)
        t = torch.rand(1, 1, requires_grad=True)
        u = net(torch.cat([x, t], dim=1))
        torch.autograd.grad(u, x, create_graph=True)
        """,
    "a row added with None, reduced over its columns": """\
        import torch

        w = torch.randn(3, requires_grad=True)
        (w[None] * 2).sum(dim=1).backward()
        torch.where(w.sum() > 0, w.sum(), w.mean()).backward()
        """,
    "a class score of one image": """\
        import torch
        from torch import nn

        features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
        model = nn.Sequential(features, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))
        logit = model(torch.randn(1, 3, 16, 16))
        logit[:, 2].squeeze().backward()
        """,
    "a class score of a classifier's output, through a wrapper's __call__": """\
        import torch
        from torch import nn

        class Wrapper:
            def __init__(self, model):
                self.model = model

            def __call__(self, x):
                return self.model(x)

        wrapped = Wrapper(nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten()))
        output = wrapped(torch.randn(1, 3, 8, 8))
        for i in range(1):
            output[i, 2].backward()
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
def test_bug_raises_under_torch_on_its_first_reported_line(name):
    pytest.importorskip("torch")
    source, expected = BUGS[name]
    with pytest.raises(RuntimeError, match=NON_SCALAR) as raised:
        exec(compile(textwrap.dedent(source), "<general>", "exec"), {"__name__": "general"})
    lines = [frame.lineno for frame in traceback.extract_tb(raised.tb) if frame.filename == "<general>"]
    assert expected[0] in lines


@pytest.mark.parametrize("name", sorted(SILENT))
def test_silent_neighbour_runs_under_torch(name):
    pytest.importorskip("torch")
    exec(compile(textwrap.dedent(SILENT[name]), "<general>", "exec"), {"__name__": "general"})


def test_the_path_names_the_module_constant():
    source = BUGS["sizes named by module constants, reduced over one dimension"][0]
    result = lint_source(textwrap.dedent(source), "<general>", selection=Selection.of(["PTL202"]))
    messages = [r.message for r in result.findings[0].related]
    assert "`batch_size` is 16 here" in messages


def test_a_tensor_known_to_have_no_graph_is_left_to_the_error_torch_raises_first():
    # backward() of a tensor without a graph raises "does not require grad" before any shape check
    assert reported("import torch\nx = torch.randn(5)\nx.backward()\n") == []
