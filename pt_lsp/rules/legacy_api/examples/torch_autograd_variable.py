"""Examples of PTL101 torch-autograd-variable (the generated tests and `pt-lsp verify` read them)."""

from __future__ import annotations

from pt_lsp.core.examples import Example, Probe, Runs, Runtime

# `volatile=True` meant "no graph"; since 0.4 it is ignored, so evaluation still records graphs.
STILL_TRACKS_GRAPHS = Probe("symptom = outputs.requires_grad", "the evaluation still records autograd graphs")

EXAMPLES = (
    Example(
        "evaluation loop of an MNIST classifier written for PyTorch 0.3",
        """
        import torch
        import torch.nn.functional as F
        from torch.autograd import Variable  # expect: PTL101

        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
        images, labels = torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))
        images = Variable(images, volatile=True)  # expect: PTL101
        outputs = model(images)
        test_loss = F.cross_entropy(outputs, labels).item()
        """,
        runtime=Runtime(symptom=STILL_TRACKS_GRAPHS),
    ),
    Example(
        "`volatile=True` passed through a `to_var` helper of an old training script",
        """
        import torch
        from torch.autograd import Variable  # expect: PTL101

        def to_var(x, volatile=False):
            if torch.cuda.is_available():
                x = x.cuda()
            return Variable(x, volatile=volatile)  # expect: PTL101

        model = torch.nn.Linear(4, 2)
        batch = to_var(torch.randn(8, 4), volatile=True)  # expect: PTL101
        outputs = model(batch)
        """,
        runtime=Runtime(symptom=STILL_TRACKS_GRAPHS),
    ),
    Example(
        "test-time predictions for a plot, `volatile` through `import torch as T`",
        """
        import torch as T

        net = T.nn.Linear(1, 1)
        xs = T.linspace(-3, 3, 50).unsqueeze(1)
        grid = T.autograd.Variable(xs, volatile=True)  # expect: PTL101
        outputs = net(grid)
        curve = outputs.squeeze(1).tolist()
        """,
        runtime=Runtime(symptom=STILL_TRACKS_GRAPHS),
    ),
    Example(
        "training loop wrapping every batch",
        """
        import torch
        from torch.autograd import Variable  # expect: PTL101

        def train_epoch(model, loader, optimizer, criterion):
            for images, labels in loader:
                images, labels = Variable(images), Variable(labels)  # expect: PTL101
                optimizer.zero_grad()
                loss = criterion(model(images), labels)
                loss.backward()
                optimizer.step()
        """,
        fixed="""
        import torch

        def train_epoch(model, loader, optimizer, criterion):
            for images, labels in loader:
                optimizer.zero_grad()
                loss = criterion(model(images), labels)
                loss.backward()
                optimizer.step()
        """,
        runtime=Runtime(
            Runs("`Variable(t)` returns a tensor with the same values: the loop trains the same way"),
            outputs="model",
            driver="""
            model = torch.nn.Linear(4, 3)
            data = torch.utils.data.TensorDataset(torch.randn(16, 4), torch.randint(0, 3, (16,)))
            loader = torch.utils.data.DataLoader(data, batch_size=4)
            train_epoch(model, loader, torch.optim.SGD(model.parameters(), lr=0.1), torch.nn.CrossEntropyLoss())
            """,
        ),
    ),
    Example(
        "linear regression weights made trainable through Variable, with an alias",
        """
        import torch
        from torch.autograd import Variable as V  # expect: PTL101

        w = V(torch.randn(3, 1), requires_grad=True)  # expect: PTL101
        b = V(torch.zeros(1), requires_grad=True)  # expect: PTL101
        x = torch.randn(64, 3)
        y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        """,
        fixed="""
        import torch

        w = torch.randn(3, 1, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        x = torch.randn(64, 3)
        y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        """,
        runtime=Runtime(
            Runs("`Variable(t, requires_grad=True)` is a leaf that requires grad, as the factory's flag makes"),
            outputs="(w, b, loss, w.grad, b.grad, w.is_leaf, b.is_leaf)",
        ),
    ),
    Example(
        "input gradients for a saliency map, from legacy literal data",
        """
        import torch
        from torch.autograd import Variable, grad  # expect: PTL101

        point = Variable(torch.Tensor([[0.5, -1, 2]]), requires_grad=True)  # expect: PTL101
        score = (point ** 2).sum()
        (saliency,) = grad(score, point)
        """,
        fixed="""
        import torch
        from torch.autograd import grad

        point = torch.tensor([[0.5, -1, 2]], requires_grad=True)
        score = (point ** 2).sum()
        (saliency,) = grad(score, point)
        """,
        runtime=Runtime(
            Runs("the wrapped legacy tensor is a float32 leaf, as `torch.tensor(..., requires_grad=True)` makes"),
            outputs="(point, point.dtype, saliency)",
        ),
    ),
    Example(
        "RL policy: observations from NumPy wrapped before the forward pass",
        """
        import numpy as np
        import torch
        from torch.autograd import Variable  # expect: PTL101

        policy = torch.nn.Sequential(torch.nn.Linear(4, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
        observation = np.zeros(4, dtype=np.float32)
        state = Variable(torch.from_numpy(observation).unsqueeze(0))  # expect: PTL101
        probs = torch.softmax(policy(state), dim=1)
        """,
        fixed="""
        import numpy as np
        import torch

        policy = torch.nn.Sequential(torch.nn.Linear(4, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
        observation = np.zeros(4, dtype=np.float32)
        state = torch.from_numpy(observation).unsqueeze(0)
        probs = torch.softmax(policy(state), dim=1)
        """,
        runtime=Runtime(
            Runs("`Variable(t)` passes the observation through unchanged"),
            outputs="probs",
            needs=("numpy",),
        ),
    ),
    Example(
        "RNN language model: the hidden state re-wrapped through the fully qualified name",
        """
        import torch

        def repackage_hidden(h):
            if isinstance(h, torch.Tensor):
                return torch.autograd.Variable(h.data)  # expect: PTL101
            return tuple(repackage_hidden(v) for v in h)
        """,
        fixed="""
        import torch

        def repackage_hidden(h):
            if isinstance(h, torch.Tensor):
                return h.data
            return tuple(repackage_hidden(v) for v in h)
        """,
        runtime=Runtime(
            Runs("`Variable(h.data)` and `h.data` both cut the history: truncated BPTT backwards one chunk"),
            outputs="(hidden, [p.grad for p in lstm.parameters()])",
            driver="""
            lstm = torch.nn.LSTM(4, 8)
            chunks = torch.randn(2, 5, 3, 4)
            _, hidden = lstm(chunks[0])
            hidden = repackage_hidden(hidden)
            output, hidden = lstm(chunks[1], hidden)
            output.sum().backward()
            """,
        ),
    ),
    Example(
        "a parameter initialised from an existing tensor (mutated in place: unsafe)",
        """
        import torch
        from torch.autograd import Variable  # expect: PTL101

        def make_embedding(pretrained):
            return Variable(pretrained, requires_grad=True)  # expect: PTL101
        """,
        fixed="""
        import torch

        def make_embedding(pretrained):
            return pretrained.requires_grad_()
        """,
        runtime=Runtime(
            Runs("the embedding is a trainable leaf holding the pretrained values"),
            outputs="(weight, weight.grad, weight.is_leaf)",
            driver="""
            pretrained = torch.randn(10, 4)
            weight = make_embedding(pretrained)
            torch.nn.functional.embedding(torch.tensor([1, 3, 3]), weight).sum().backward()
            """,
        ),
    ),
    # -- good -----------------------------------------------------------------------------------
    Example(
        "modern evaluation loop under torch.no_grad()",
        """
        import torch
        import torch.nn.functional as F

        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
        images, labels = torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))
        with torch.no_grad():
            outputs = model(images)
        test_loss = F.cross_entropy(outputs, labels).item()
        """,
        runtime=Runtime(symptom=STILL_TRACKS_GRAPHS),
    ),
    Example(
        "GAN inputs created directly as tensors",
        """
        import torch

        generator = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.Tanh())
        noise = torch.randn(8, 16)
        with torch.inference_mode():
            outputs = generator(noise)
        images = outputs.view(8, 8, 8)
        """,
        runtime=Runtime(symptom=STILL_TRACKS_GRAPHS),
    ),
    Example(
        "TensorFlow 1.x `Variable` is not torch's",
        """
        import tensorflow as tf
        from tensorflow import Variable

        weights = Variable(tf.zeros([784, 10]))
        bias = tf.Variable(tf.zeros([10]))
        """,
    ),
    Example(
        "the project's own `Variable` class for a symbolic solver",
        """
        class Variable:
            def __init__(self, name, domain):
                self.name, self.domain = name, domain

        x = Variable("x", range(10))
        """,
    ),
    Example(
        "a local name shadows the import inside a function",
        """
        import torch
        from torch.autograd import Variable  # expect: PTL101

        def solve(problem):
            Variable = problem.variable_type
            return [Variable(name) for name in problem.names]
        """,
        fixed="""
        import torch

        def solve(problem):
            Variable = problem.variable_type
            return [Variable(name) for name in problem.names]
        """,
        runtime=Runtime(
            Runs("the function never uses the imported `Variable`: its local name shadows it"),
            outputs="values",
            driver="""
            from types import SimpleNamespace

            problem = SimpleNamespace(variable_type=lambda name: torch.full((2,), float(len(name))), names=["x", "yz"])
            values = solve(problem)
            """,
        ),
    ),
    Example(
        "requires_grad set on a leaf with requires_grad_()",
        """
        import torch

        weights = torch.empty(10, 5).normal_(0, 0.01).requires_grad_()
        optimizer = torch.optim.SGD([weights], lr=0.1)
        """,
    ),
    Example(
        "`from torch import *` does not bring `Variable` in",
        """
        from torch import *

        def Variable(value):
            return {"value": value}

        cell = Variable(3)
        """,
    ),
)
