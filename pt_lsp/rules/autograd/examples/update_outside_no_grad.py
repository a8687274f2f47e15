"""Examples of PTL205 (update-outside-no-grad): gradient descent written by hand."""

from __future__ import annotations

from pt_lsp.core.examples import Example, Raises, Runtime

LEAF_UPDATE = Raises("RuntimeError", r"leaf Variable that requires grad is being used in an in-place operation")

_POLYNOMIAL_REFERENCE = """
import torch

x = torch.linspace(-1, 1, 100)
y = torch.sin(x)
a = torch.randn((), requires_grad=True)
b = torch.randn((), requires_grad=True)
learning_rate = 1e-2
for t in range(3):
    y_pred = a + b * x
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
    a.grad = None
    b.grad = None
"""

EXAMPLES = (
    Example(
        "the autograd tutorial's gradient descent without no_grad",
        """
        import torch

        x = torch.linspace(-1, 1, 100)
        y = torch.sin(x)
        a = torch.randn((), requires_grad=True)
        b = torch.randn((), requires_grad=True)
        learning_rate = 1e-2
        for t in range(3):
            y_pred = a + b * x
            loss = (y_pred - y).pow(2).sum()
            loss.backward()
            a -= learning_rate * a.grad  # expect: PTL205
            b -= learning_rate * b.grad  # expect: PTL205
            a.grad = None
            b.grad = None
        """,
        fixed=_POLYNOMIAL_REFERENCE,
        runtime=Runtime(LEAF_UPDATE, outputs="(a, b)", reference=_POLYNOMIAL_REFERENCE),
    ),
    Example(
        "SGD over model.parameters() by hand",
        """
        import torch
        import torch.nn.functional as F
        from torch import nn

        model = nn.Linear(4, 1)
        x, y = torch.randn(16, 4), torch.randn(16, 1)
        loss = F.mse_loss(model(x), y)
        loss.backward()
        for p in model.parameters():
            p -= 0.1 * p.grad  # expect: PTL205
        """,
        fixed="""
        import torch
        import torch.nn.functional as F
        from torch import nn

        model = nn.Linear(4, 1)
        x, y = torch.randn(16, 4), torch.randn(16, 1)
        loss = F.mse_loss(model(x), y)
        loss.backward()
        for p in model.parameters():
            with torch.no_grad():
                p -= 0.1 * p.grad
        """,
        runtime=Runtime(
            LEAF_UPDATE,
            outputs="model",
            reference="""
            import torch
            import torch.nn.functional as F
            from torch import nn

            model = nn.Linear(4, 1)
            x, y = torch.randn(16, 4), torch.randn(16, 1)
            loss = F.mse_loss(model(x), y)
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
        """,
        ),
    ),
    Example(
        "linear regression with sub_ in a training function",
        """
        import torch

        def train(xs, ys, steps=100, lr=0.1):
            w = torch.zeros(xs.shape[1], requires_grad=True)
            for _ in range(steps):
                loss = ((xs @ w - ys) ** 2).mean()
                loss.backward()
                w.sub_(lr * w.grad)  # expect: PTL205
                w.grad.zero_()
            return w
        """,
        fixed="""
        import torch

        def train(xs, ys, steps=100, lr=0.1):
            w = torch.zeros(xs.shape[1], requires_grad=True)
            for _ in range(steps):
                loss = ((xs @ w - ys) ** 2).mean()
                loss.backward()
                with torch.no_grad():
                    w.sub_(lr * w.grad)
                w.grad.zero_()
            return w
        """,
        runtime=Runtime(
            LEAF_UPDATE,
            outputs="w",
            reference="""
            import torch

            def train(xs, ys, steps=100, lr=0.1):
                w = torch.zeros(xs.shape[1], requires_grad=True)
                for _ in range(steps):
                    loss = ((xs @ w - ys) ** 2).mean()
                    (grad,) = torch.autograd.grad(loss, w)
                    w = (w - lr * grad).detach().requires_grad_()
                return w
            """,
            driver="""
            xs = torch.randn(20, 3)
            w = train(xs, xs @ torch.tensor([1.0, -2.0, 0.5]), steps=5)
            """,
        ),
    ),
    Example(
        "FGSM step on an input made a leaf with detach().requires_grad_()",
        """
        import torch
        import torch.nn.functional as F

        def fgsm(model, images, labels, eps=0.03):
            x_adv = images.clone().detach().requires_grad_(True)
            loss = F.cross_entropy(model(x_adv), labels)
            loss.backward()
            x_adv += eps * x_adv.grad.sign()  # expect: PTL205
            return x_adv.detach()
        """,
        fixed="""
        import torch
        import torch.nn.functional as F

        def fgsm(model, images, labels, eps=0.03):
            x_adv = images.clone().detach().requires_grad_(True)
            loss = F.cross_entropy(model(x_adv), labels)
            loss.backward()
            with torch.no_grad():
                x_adv += eps * x_adv.grad.sign()
            return x_adv.detach()
        """,
        # Intended: the fast gradient sign method, x + eps * sign(grad of the loss w.r.t. x).
        runtime=Runtime(
            LEAF_UPDATE,
            outputs="(x_adv, model)",
            reference="""
            import torch
            import torch.nn.functional as F

            def fgsm(model, images, labels, eps=0.03):
                x = images.clone().requires_grad_(True)
                (grad,) = torch.autograd.grad(F.cross_entropy(model(x), labels), x)
                return images + eps * grad.sign()
            """,
            driver="""
            model = torch.nn.Linear(8, 3)
            images, labels = torch.rand(4, 8), torch.tensor([0, 2, 1, 0])
            x_adv = fgsm(model, images, labels)
            """,
        ),
    ),
    Example(
        "add_ with alpha over named_parameters",
        """
        import torch
        from torch import nn

        net = nn.Sequential(nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 1))
        net(torch.randn(3, 6)).mean().backward()
        lr = 0.05
        for name, param in net.named_parameters():
            param.add_(param.grad, alpha=-lr)  # expect: PTL205
        """,
        fixed="""
        import torch
        from torch import nn

        net = nn.Sequential(nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 1))
        net(torch.randn(3, 6)).mean().backward()
        lr = 0.05
        for name, param in net.named_parameters():
            with torch.no_grad():
                param.add_(param.grad, alpha=-lr)
        """,
        runtime=Runtime(
            LEAF_UPDATE,
            outputs="net",
            reference="""
            import torch
            from torch import nn

            net = nn.Sequential(nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 1))
            net(torch.randn(3, 6)).mean().backward()
            torch.optim.SGD(net.parameters(), lr=0.05).step()
            """,
        ),
    ),
    Example(
        "a parameter of a custom module updated in its own step method",
        """
        import torch
        from torch import nn

        class Prototype(nn.Module):
            def __init__(self, dim, lr=0.1):
                super().__init__()
                self.center = nn.Parameter(torch.zeros(dim))
                self.lr = lr

            def forward(self, x):
                return ((x - self.center) ** 2).sum(dim=1)

            def update(self):
                self.center -= self.lr * self.center.grad  # expect: PTL205

        proto = Prototype(5)
        proto(torch.randn(4, 5)).mean().backward()
        proto.update()
        """,
        fixed="""
        import torch
        from torch import nn

        class Prototype(nn.Module):
            def __init__(self, dim, lr=0.1):
                super().__init__()
                self.center = nn.Parameter(torch.zeros(dim))
                self.lr = lr

            def forward(self, x):
                return ((x - self.center) ** 2).sum(dim=1)

            def update(self):
                with torch.no_grad():
                    self.center -= self.lr * self.center.grad

        proto = Prototype(5)
        proto(torch.randn(4, 5)).mean().backward()
        proto.update()
        """,
        runtime=Runtime(
            LEAF_UPDATE,
            outputs="proto",
            reference="""
            import torch
            from torch import nn

            class Prototype(nn.Module):
                def __init__(self, dim, lr=0.1):
                    super().__init__()
                    self.center = nn.Parameter(torch.zeros(dim))
                    self.lr = lr

                def forward(self, x):
                    return ((x - self.center) ** 2).sum(dim=1)

            proto = Prototype(5)
            proto(torch.randn(4, 5)).mean().backward()
            with torch.no_grad():
                proto.center -= proto.lr * proto.center.grad
        """,
        ),
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "the tutorial's update under no_grad",
        _POLYNOMIAL_REFERENCE,
        runtime=Runtime(),
    ),
    Example(
        "SGD by hand with the whole loop under no_grad",
        """
        import torch
        from torch import nn

        model = nn.Linear(4, 1)
        model(torch.randn(8, 4)).pow(2).mean().backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
                p.grad = None
        """,
        runtime=Runtime(),
    ),
    Example(
        "a functional update (meta-learning) builds new tensors instead",
        """
        import torch

        w = torch.randn(5, requires_grad=True)
        x = torch.randn(10, 5)
        inner_loss = (x @ w).pow(2).mean()
        (grad_w,) = torch.autograd.grad(inner_loss, w, create_graph=True)
        fast_w = w - 0.1 * grad_w
        outer_loss = (x @ fast_w).pow(2).mean()
        outer_loss.backward()
        """,
        runtime=Runtime(),
    ),
    Example(
        "an update of a non-leaf copy",
        """
        import torch

        w = torch.randn(3, requires_grad=True)
        (w ** 2).sum().backward()
        proposal = w.clone()
        proposal -= 0.5 * w.grad
        """,
        runtime=Runtime(),
    ),
    Example(
        "an optimizer step decorated with no_grad",
        """
        import torch

        class SignSGD(torch.optim.Optimizer):
            def __init__(self, params, lr=0.01):
                super().__init__(params, dict(lr=lr))

            @torch.no_grad()
            def step(self):
                for group in self.param_groups:
                    for p in group["params"]:
                        p -= group["lr"] * p.grad.sign()
        """,
    ),
    Example(
        "updates inside set_grad_enabled(False), and through .data (PTL102's)",
        """
        import torch

        w = torch.randn(3, requires_grad=True)
        b = torch.randn(3, requires_grad=True)
        (w * b).sum().backward()
        with torch.set_grad_enabled(False):
            w -= 0.1 * w.grad
        b.data -= 0.1 * b.grad.data
        """,
        runtime=Runtime(),
    ),
)
