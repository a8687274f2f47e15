"""Examples of PTL102 tensor-data-attribute (the generated tests and `pt-lsp verify` read them)."""

from __future__ import annotations

from pt_lsp.core.examples import Example, Probe, Raises, Runs, Runtime

INPLACE_ERROR = Raises("RuntimeError", r"modified by an inplace operation")

# Gradient of the intended computation, from untouched copies: differs when `.data` corrupted it.
SCORES_GRADIENT = Probe(
    """
    w_ref = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (x @ w_ref).exp().clamp(max=2.0).sum().backward()
    symptom = not torch.allclose(w.grad, w_ref.grad)
    """,
    "the gradient differs from the one of the computation as written",
)
# -mean(real) + 0.2 * w with the weights the loss was computed with ([[0.8, -0.6]]).
CRITIC_GRADIENT = Probe(
    "symptom = not torch.allclose(critic.weight.grad, torch.tensor([[-1.84, -0.62]]))",
    "the critic's weight gradient is computed from the clipped weights",
)

EXAMPLES = (
    Example(
        "activations clipped through `.data` between forward and backward",
        """
        import torch

        w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
        x = torch.tensor([[1.0, 0.5, 0.25], [2.0, 1.0, 0.5]])
        scores = (x @ w).exp()
        scores.data.clamp_(max=2.0)  # expect: PTL102
        scores.sum().backward()
        """,
        fixed="""
        import torch

        w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
        x = torch.tensor([[1.0, 0.5, 0.25], [2.0, 1.0, 0.5]])
        scores = (x @ w).exp()
        with torch.no_grad():
            scores.clamp_(max=2.0)
        scores.sum().backward()
        """,
        runtime=Runtime(symptom=SCORES_GRADIENT, after_fix=INPLACE_ERROR),
    ),
    Example(
        "WGAN critic weights clipped before backward() of a loss with a weight penalty",
        """
        import torch

        critic = torch.nn.Linear(2, 1)
        with torch.no_grad():
            critic.weight.copy_(torch.tensor([[0.8, -0.6]]))
        real = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
        loss = -critic(real).mean() + 0.1 * (critic.weight ** 2).sum()
        for p in critic.parameters():
            p.data.clamp_(-0.5, 0.5)  # expect: PTL102
        loss.backward()
        """,
        fixed="""
        import torch

        critic = torch.nn.Linear(2, 1)
        with torch.no_grad():
            critic.weight.copy_(torch.tensor([[0.8, -0.6]]))
        real = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
        loss = -critic(real).mean() + 0.1 * (critic.weight ** 2).sum()
        with torch.no_grad():
            for p in critic.parameters():
                p.clamp_(-0.5, 0.5)
        loss.backward()
        """,
        runtime=Runtime(symptom=CRITIC_GRADIENT, after_fix=INPLACE_ERROR),
    ),
    Example(
        "hand-written SGD step in a training loop",
        """
        import torch

        def sgd_step(model, lr):
            for p in model.parameters():
                if p.grad is not None:
                    p.data.add_(p.grad.data, alpha=-lr)  # expect: PTL102
                    p.grad.data.zero_()  # expect: PTL102
        """,
        fixed="""
        import torch

        def sgd_step(model, lr):
            for p in model.parameters():
                if p.grad is not None:
                    with torch.no_grad():
                        p.add_(p.grad, alpha=-lr)
                    p.grad.zero_()
        """,
        runtime=Runtime(
            Runs("the update of a leaf through `.data` is the update under `no_grad()`"),
            outputs="(model, [p.grad for p in model.parameters()])",
            driver="""
            model = torch.nn.Linear(3, 2)
            model(torch.randn(4, 3)).pow(2).mean().backward()
            sgd_step(model, lr=0.1)
            """,
        ),
    ),
    Example(
        "DCGAN weight initialisation, `torch` imported only as `from torch import nn`",
        """
        from torch import nn

        def weights_init(m):
            classname = m.__class__.__name__
            if classname.find("Conv") != -1:
                m.weight.data.normal_(0.0, 0.02)  # expect: PTL102
            elif classname.find("BatchNorm") != -1:
                m.weight.data.normal_(1.0, 0.02)  # expect: PTL102
                m.bias.data.fill_(0)  # expect: PTL102
        """,
        fixed="""
        import torch
        from torch import nn

        def weights_init(m):
            classname = m.__class__.__name__
            if classname.find("Conv") != -1:
                with torch.no_grad():
                    m.weight.normal_(0.0, 0.02)
            elif classname.find("BatchNorm") != -1:
                with torch.no_grad():
                    m.weight.normal_(1.0, 0.02)
                    m.bias.fill_(0)
        """,
        runtime=Runtime(
            Runs("initialising parameters through `.data` draws the same values as under `no_grad()`"),
            outputs="netD",
            driver="""
            netD = nn.Sequential(nn.Conv2d(3, 8, 4, 2, 1), nn.BatchNorm2d(8), nn.LeakyReLU(0.2))
            netD.apply(weights_init)
            """,
        ),
    ),
    Example(
        "mean-teacher EMA of the student's weights",
        """
        import torch

        def update_teacher(teacher, student, alpha=0.99):
            for ema_p, p in zip(teacher.parameters(), student.parameters()):
                ema_p.data.mul_(alpha).add_(p.data, alpha=1 - alpha)  # expect: PTL102
        """,
        fixed="""
        import torch

        def update_teacher(teacher, student, alpha=0.99):
            with torch.no_grad():
                for ema_p, p in zip(teacher.parameters(), student.parameters()):
                    ema_p.mul_(alpha).add_(p, alpha=1 - alpha)
        """,
        runtime=Runtime(
            Runs("the moving average through `.data` is the one under `no_grad()`"),
            outputs="teacher",
            driver="""
            student, teacher = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
            for step in range(3):
                student(torch.randn(4, 3)).sum().backward()
                with torch.no_grad():
                    for p in student.parameters():
                        p -= 0.1 * p.grad
                update_teacher(teacher, student)
            """,
        ),
    ),
    Example(
        "test accuracy from `outputs.data` of a CIFAR classifier moved with .to(device)",
        """
        import torch

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 32 * 32, 10)).to(device)
        images = torch.randn(4, 3, 32, 32, device=device)
        labels = torch.tensor([1, 0, 3, 9], device=device)
        outputs = net(images)
        _, predicted = torch.max(outputs.data, 1)  # expect: PTL102
        correct = (predicted == labels).sum().item()
        """,
        fixed="""
        import torch

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 32 * 32, 10)).to(device)
        images = torch.randn(4, 3, 32, 32, device=device)
        labels = torch.tensor([1, 0, 3, 9], device=device)
        outputs = net(images)
        _, predicted = torch.max(outputs.detach(), 1)
        correct = (predicted == labels).sum().item()
        """,
        runtime=Runtime(
            Runs("`outputs.data` and `outputs.detach()` hold the same values"),
            outputs="(predicted, correct)",
        ),
    ),
    Example(
        "WGAN weight clipping by assigning `.data`, and the gradient clipped through `.grad.data`",
        """
        import torch

        def clip_critic(critic, c=0.01):
            for p in critic.parameters():
                p.data = torch.clamp(p.data, -c, c)  # expect: PTL102
                p.grad.data.clamp_(-1, 1)  # expect: PTL102
        """,
        fixed="""
        import torch

        def clip_critic(critic, c=0.01):
            for p in critic.parameters():
                with torch.no_grad():
                    p.copy_(torch.clamp(p, -c, c))
                p.grad.clamp_(-1, 1)
        """,
        runtime=Runtime(
            Runs("a clipped leaf assigned through `.data` holds what `copy_` writes under `no_grad()`"),
            outputs="(critic, [p.grad for p in critic.parameters()])",
            driver="""
            critic = torch.nn.Linear(2, 1)
            (-critic(torch.tensor([[100.0, -200.0]])).mean()).backward()
            clip_critic(critic)
            """,
        ),
    ),
    Example(
        "LSTM forget-gate bias set through `.data` inside an nn.Module, under no_grad already",
        """
        import torch
        import torch.nn as nn

        class LanguageModel(nn.Module):
            def __init__(self, vocab, hidden):
                super().__init__()
                self.embed = nn.Embedding(vocab, hidden)
                self.rnn = nn.LSTM(hidden, hidden)
                self.scale = nn.Parameter(torch.ones(1))
                with torch.no_grad():
                    self.rnn.bias_ih_l0.data[hidden:2 * hidden] = 1.0  # expect: PTL102
                    self.scale.data.fill_(0.5)  # expect: PTL102

            def features(self, tokens):
                return self.embed.weight.data[tokens]  # expect: PTL102
        """,
        fixed="""
        import torch
        import torch.nn as nn

        class LanguageModel(nn.Module):
            def __init__(self, vocab, hidden):
                super().__init__()
                self.embed = nn.Embedding(vocab, hidden)
                self.rnn = nn.LSTM(hidden, hidden)
                self.scale = nn.Parameter(torch.ones(1))
                with torch.no_grad():
                    self.rnn.bias_ih_l0[hidden:2 * hidden] = 1.0
                    self.scale.fill_(0.5)

            def features(self, tokens):
                return self.embed.weight.detach()[tokens]
        """,
        runtime=Runtime(
            Runs("writes through `.data` under `no_grad()` and a `.data` read behave as without it"),
            outputs="(model, features)",
            driver="""
            model = LanguageModel(10, 4)
            features = model.features(torch.tensor([1, 7, 7]))
            """,
        ),
    ),
    # -- good -----------------------------------------------------------------------------------
    Example(
        "activations clipped out of place: autograd sees the clamp",
        """
        import torch

        w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
        x = torch.tensor([[1.0, 0.5, 0.25], [2.0, 1.0, 0.5]])
        scores = (x @ w).exp().clamp(max=2.0)
        scores.sum().backward()
        """,
        runtime=Runtime(symptom=SCORES_GRADIENT),
    ),
    Example(
        "WGAN critic weights clipped under no_grad after backward()",
        """
        import torch

        critic = torch.nn.Linear(2, 1)
        with torch.no_grad():
            critic.weight.copy_(torch.tensor([[0.8, -0.6]]))
        real = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
        loss = -critic(real).mean() + 0.1 * (critic.weight ** 2).sum()
        loss.backward()
        with torch.no_grad():
            for p in critic.parameters():
                p.clamp_(-0.5, 0.5)
        """,
        runtime=Runtime(symptom=CRITIC_GRADIENT),
    ),
    Example(
        "a Dataset keeping its samples in `self.data`",
        """
        import torch
        from torch.utils.data import Dataset

        class Digits(Dataset):
            def __init__(self, data, targets):
                self.data = torch.as_tensor(data)
                self.targets = targets

            def __getitem__(self, index):
                return self.data[index], self.targets[index]

            def __len__(self):
                return len(self.data)
        """,
    ),
    Example(
        "torchvision MNIST's `.data` and a torch_geometric batch's `.data`",
        """
        import torch
        from torchvision import datasets

        train_set = datasets.MNIST("data", train=True, download=True)
        pixels = train_set.data.float() / 255

        def node_features(loader):
            for batch in loader:
                yield batch.data.x
        """,
    ),
    Example(
        "an HTTP response and a NumPy buffer",
        """
        import numpy as np
        import urllib3

        http = urllib3.PoolManager()
        response = http.request("GET", "https://example.com/weights.bin")
        payload = response.data
        array = np.frombuffer(payload, dtype=np.float32)
        view = memoryview(array.data)
        """,
    ),
    Example(
        "features for scikit-learn taken with detach().cpu().numpy()",
        """
        import torch
        from sklearn.linear_model import LogisticRegression

        encoder = torch.nn.Linear(16, 4)
        inputs = torch.randn(32, 16)
        features = encoder(inputs).detach().cpu().numpy()
        LogisticRegression().fit(features, [0, 1] * 16)
        """,
    ),
    Example(
        "a data-loading record with a `data` field",
        """
        from dataclasses import dataclass

        @dataclass
        class Record:
            data: bytes
            label: int

        def size(record):
            return len(record.data)
        """,
    ),
)
