"""Examples of PTL202 (implicit-grad-non-scalar): unreduced losses and model outputs."""

from __future__ import annotations

from pt_lsp.core.examples import Example, Raises, Runtime

NON_SCALAR = Raises("RuntimeError", r"grad can be implicitly created only for scalar outputs")

EXAMPLES = (
    Example(
        "a per-sample loss with reduction='none'",
        """
        import torch
        from torch import nn

        model = nn.Linear(3, 1)
        criterion = nn.MSELoss(reduction="none")
        x, y = torch.randn(16, 3), torch.randn(16, 1)
        loss = criterion(model(x), y)
        loss.backward()  # expect: PTL202
        """,
        fixed="""
        import torch
        from torch import nn

        model = nn.Linear(3, 1)
        criterion = nn.MSELoss(reduction="none")
        x, y = torch.randn(16, 3), torch.randn(16, 1)
        loss = criterion(model(x), y)
        loss.sum().backward()
        """,
        # Intended: the gradient of the summed per-sample losses (a vector of ones, spelled out).
        runtime=Runtime(
            NON_SCALAR,
            outputs="(model.weight.grad, model.bias.grad)",
            reference="""
            import torch
            from torch import nn

            model = nn.Linear(3, 1)
            criterion = nn.MSELoss(reduction="none")
            x, y = torch.randn(16, 3), torch.randn(16, 1)
            loss = criterion(model(x), y)
            loss.backward(torch.ones_like(loss))
            """,
        ),
    ),
    Example(
        "an elementwise product of a weight vector and data",
        """
        import torch

        w = torch.randn(5, requires_grad=True)
        x = torch.randn(5)
        (w * x).backward()  # expect: PTL202
        """,
        fixed="""
        import torch

        w = torch.randn(5, requires_grad=True)
        x = torch.randn(5)
        (w * x).sum().backward()
        """,
        # Intended: d/dw sum(w * x) = x.
        runtime=Runtime(
            NON_SCALAR,
            outputs="w.grad",
            reference="""
            import torch

            w = torch.randn(5, requires_grad=True)
            x = torch.randn(5)
            w.grad = x.clone()
            """,
        ),
    ),
    Example(
        "the output of a classifier used as the loss",
        """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.hidden = nn.Linear(20, 64)
                self.out = nn.Linear(64, 10)

            def forward(self, x):
                return self.out(torch.relu(self.hidden(x)))

        net = Net()
        output = net(torch.randn(4, 20))
        output.backward()  # expect: PTL202
        """,
        fixed="""
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.hidden = nn.Linear(20, 64)
                self.out = nn.Linear(64, 10)

            def forward(self, x):
                return self.out(torch.relu(self.hidden(x)))

        net = Net()
        output = net(torch.randn(4, 20))
        output.sum().backward()
        """,
        runtime=Runtime(
            NON_SCALAR,
            outputs="[p.grad for p in net.parameters()]",
            reference="""
            import torch
            import torch.nn as nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.hidden = nn.Linear(20, 64)
                    self.out = nn.Linear(64, 10)

                def forward(self, x):
                    return self.out(torch.relu(self.hidden(x)))

            net = Net()
            output = net(torch.randn(4, 20))
            torch.autograd.backward(output, torch.ones_like(output))
            """,
        ),
    ),
    Example(
        "a functional BCE loss left unreduced",
        """
        import torch
        import torch.nn.functional as F

        logits = torch.randn(8, requires_grad=True)
        targets = torch.ones(8)
        loss = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
        loss.backward(retain_graph=True)  # expect: PTL202
        """,
        fixed="""
        import torch
        import torch.nn.functional as F

        logits = torch.randn(8, requires_grad=True)
        targets = torch.ones(8)
        loss = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
        loss.sum().backward(retain_graph=True)
        """,
        # Intended: the gradient of the summed BCE, sigmoid(logits) - targets.
        runtime=Runtime(
            NON_SCALAR,
            outputs="logits.grad",
            reference="""
            import torch

            logits = torch.randn(8, requires_grad=True)
            targets = torch.ones(8)
            logits.grad = (torch.sigmoid(logits) - targets).detach()
            """,
        ),
    ),
    Example(
        "torch.autograd.grad of a vector without grad_outputs",
        """
        import torch

        x = torch.linspace(0, 3, 50, requires_grad=True)
        y = torch.sin(x) * x
        (dy_dx,) = torch.autograd.grad(y, x)  # expect: PTL202
        """,
        fixed="""
        import torch

        x = torch.linspace(0, 3, 50, requires_grad=True)
        y = torch.sin(x) * x
        (dy_dx,) = torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y))
        """,
        # Intended: the pointwise derivative of x sin(x).
        runtime=Runtime(
            NON_SCALAR,
            outputs="dy_dx",
            reference="""
            import torch

            x = torch.linspace(0, 3, 50)
            dy_dx = torch.sin(x) + x * torch.cos(x)
            """,
        ),
    ),
    Example(
        "a Sequential regression head in a training function",
        """
        import torch
        from torch import nn

        def fit(batches):
            model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2), nn.Tanh())
            opt = torch.optim.Adam(model.parameters())
            for x in batches:
                opt.zero_grad()
                pred = model(x)
                pred.backward()  # expect: PTL202
                opt.step()
            return model
        """,
        fixed="""
        import torch
        from torch import nn

        def fit(batches):
            model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2), nn.Tanh())
            opt = torch.optim.Adam(model.parameters())
            for x in batches:
                opt.zero_grad()
                pred = model(x)
                pred.sum().backward()
                opt.step()
            return model
        """,
        runtime=Runtime(
            NON_SCALAR,
            outputs="model",
            reference="""
            import torch
            from torch import nn

            def fit(batches):
                model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2), nn.Tanh())
                opt = torch.optim.Adam(model.parameters())
                for x in batches:
                    opt.zero_grad()
                    pred = model(x)
                    pred.backward(torch.ones_like(pred))
                    opt.step()
                return model
            """,
            driver="""
            model = fit([torch.randn(4, 10) for _ in range(3)])
            """,
        ),
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "the per-sample loss reduced with mean()",
        """
        import torch
        from torch import nn

        model = nn.Linear(3, 1)
        criterion = nn.MSELoss(reduction="none")
        x, y = torch.randn(16, 3), torch.randn(16, 1)
        loss = criterion(model(x), y)
        loss.mean().backward()
        """,
        runtime=Runtime(),
    ),
    Example(
        "a vector-Jacobian product with an explicit gradient",
        """
        import torch

        w = torch.randn(5, requires_grad=True)
        y = w * torch.randn(5)
        y.backward(torch.ones_like(y))
        z = w.exp()
        z.backward(gradient=torch.full((5,), 0.5))
        """,
        runtime=Runtime(),
    ),
    Example(
        "a single-output model on a single sample",
        """
        import torch
        from torch import nn

        critic = nn.Linear(8, 1)
        value = critic(torch.randn(8))
        value.backward()
        """,
        runtime=Runtime(),
    ),
    Example(
        "two losses stacked into one tensor",
        """
        import torch
        import torch.nn.functional as F

        w = torch.randn(4, 3, requires_grad=True)
        x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
        logits = x @ w
        losses = torch.stack([F.cross_entropy(logits, y), logits.pow(2).mean()])
        losses.backward()  # expect: PTL202
        """,
        fixed="""
        import torch
        import torch.nn.functional as F

        w = torch.randn(4, 3, requires_grad=True)
        x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
        logits = x @ w
        losses = torch.stack([F.cross_entropy(logits, y), logits.pow(2).mean()])
        losses.sum().backward()
        """,
        # Intended: the gradient of the two losses added up.
        runtime=Runtime(
            NON_SCALAR,
            outputs="w.grad",
            reference="""
            import torch
            import torch.nn.functional as F

            w = torch.randn(4, 3, requires_grad=True)
            x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
            logits = x @ w
            losses = torch.stack([F.cross_entropy(logits, y), logits.pow(2).mean()])
            losses.backward(torch.ones_like(losses))
            """,
        ),
    ),
    Example(
        "a one-element tensor and an indexed element",
        """
        import torch

        w = torch.randn(1, requires_grad=True)
        (w * 3).backward()
        v = torch.randn(4, requires_grad=True)
        (v * 2)[0].backward()
        """,
        runtime=Runtime(),
    ),
    Example(
        "a loss of unknown shape from a helper",
        """
        import torch

        def step(model, criterion, x, y):
            loss = criterion(model(x), y)
            loss.backward()
            return loss.item()
        """,
    ),
    Example(
        "a matrix product of vectors is a scalar",
        """
        import torch

        a = torch.randn(6, requires_grad=True)
        b = torch.randn(6)
        (a @ b).backward()
        dist = torch.randn(6)
        dist.backward
        """,
        runtime=Runtime(),
    ),
)
