"""Examples of PTL402 numpy-on-requires-grad-tensor."""

from pt_lsp.core.examples import Example, Raises, Runtime

REQUIRES_GRAD_NUMPY = Raises("RuntimeError", r"Can't call numpy\(\) on Tensor that requires grad")

EXAMPLES = (
    Example(
        "weights of a hand-written regression exported to NumPy",
        """
        import torch

        w = torch.randn(3, requires_grad=True)
        x = torch.randn(10, 3)
        loss = ((x @ w) ** 2).mean()
        loss.backward()
        weights = w.numpy()  # expect: PTL402
        """,
        fixed="""
        import torch

        w = torch.randn(3, requires_grad=True)
        x = torch.randn(10, 3)
        loss = ((x @ w) ** 2).mean()
        loss.backward()
        weights = w.detach().numpy()
        """,
        runtime=Runtime(
            symptom=REQUIRES_GRAD_NUMPY,
            outputs="weights",
            reference="""
            import torch

            w = torch.randn(3, requires_grad=True)
            x = torch.randn(10, 3)
            loss = ((x @ w) ** 2).mean()
            loss.backward()
            weights = w.detach().clone().numpy()
            """,
        ),
    ),
    Example(
        "predictions of a model converted for plotting",
        """
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
        xs = torch.linspace(-2, 2, 50).unsqueeze(1)
        ys = model(xs).squeeze(1).numpy()  # expect: PTL402
        """,
        fixed="""
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
        xs = torch.linspace(-2, 2, 50).unsqueeze(1)
        ys = model(xs).squeeze(1).detach().numpy()
        """,
        runtime=Runtime(
            symptom=REQUIRES_GRAD_NUMPY,
            outputs="ys",
            reference="""
            import torch
            import torch.nn as nn

            model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
            xs = torch.linspace(-2, 2, 50).unsqueeze(1)
            with torch.no_grad():
                ys = model(xs).squeeze(1).numpy()
            """,
        ),
    ),
    Example(
        "np.asarray of an embedding table",
        """
        import numpy as np
        import torch.nn as nn

        embedding = nn.Embedding(100, 8)
        table = np.asarray(embedding.weight)  # expect: PTL402
        """,
        fixed="""
        import numpy as np
        import torch.nn as nn

        embedding = nn.Embedding(100, 8)
        table = np.asarray(embedding.weight.detach())
        """,
        runtime=Runtime(
            symptom=REQUIRES_GRAD_NUMPY,
            outputs="table",
            reference="""
            import numpy as np
            import torch.nn as nn

            embedding = nn.Embedding(100, 8)
            table = embedding.weight.data.numpy()
            """,
        ),
    ),
    Example(
        "the loss logged in a training loop",
        """
        import torch
        import torch.nn.functional as F

        def train(model, loader):
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            losses = []
            for x, y in loader:
                loss = F.mse_loss(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.numpy())  # expect: PTL402
            return losses
        """,
        fixed="""
        import torch
        import torch.nn.functional as F

        def train(model, loader):
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            losses = []
            for x, y in loader:
                loss = F.mse_loss(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.detach().numpy())
            return losses
        """,
        runtime=Runtime(
            REQUIRES_GRAD_NUMPY,
            driver="""
            model = torch.nn.Linear(3, 1)
            loader = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(3)]
            losses = train(model, loader)
            """,
            outputs="([float(v) for v in losses], model)",
            reference="""
            import torch
            import torch.nn.functional as F

            def train(model, loader):
                opt = torch.optim.SGD(model.parameters(), lr=0.1)
                losses = []
                for x, y in loader:
                    loss = F.mse_loss(model(x), y)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    losses.append(loss.item())
                return losses
            """,
        ),
    ),
    Example(
        "histograms of every parameter",
        """
        import torch.nn as nn

        model = nn.Linear(4, 2)
        histograms = {}
        for name, param in model.named_parameters():
            histograms[name] = param.numpy()  # expect: PTL402
        """,
        fixed="""
        import torch.nn as nn

        model = nn.Linear(4, 2)
        histograms = {}
        for name, param in model.named_parameters():
            histograms[name] = param.detach().numpy()
        """,
        runtime=Runtime(
            REQUIRES_GRAD_NUMPY,
            outputs="histograms",
            reference="""
            import torch.nn as nn

            model = nn.Linear(4, 2)
            histograms = {name: param.detach().cpu().numpy() for name, param in model.named_parameters()}
            """,
        ),
    ),
    Example(
        "a product of tensors that require grad, parenthesised",
        """
        import torch

        a = torch.ones(3, requires_grad=True)
        b = torch.full((3,), 2.0, requires_grad=True)
        prod = (a * b).numpy()  # expect: PTL402
        """,
        fixed="""
        import torch

        a = torch.ones(3, requires_grad=True)
        b = torch.full((3,), 2.0, requires_grad=True)
        prod = (a * b).detach().numpy()
        """,
        runtime=Runtime(
            REQUIRES_GRAD_NUMPY,
            outputs="prod",
            reference="""
            import torch

            a = torch.ones(3, requires_grad=True)
            b = torch.full((3,), 2.0, requires_grad=True)
            with torch.no_grad():
                prod = (a * b).numpy()
            """,
        ),
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "loss tensors kept in a history and log-scaled for a plot (no fix: keep `loss.item()` instead)",
        """
        import numpy as np
        import torch

        w = torch.zeros(3, requires_grad=True)
        x = torch.randn(16, 3)
        y = x @ torch.tensor([1.0, -2.0, 0.5])
        history = []
        for _ in range(4):
            loss = ((x @ w - y) ** 2).mean()
            loss.backward()
            history.append(loss)
            with torch.no_grad():
                w -= 0.1 * w.grad
                w.grad.zero_()
        curve = np.log10(history)  # expect: PTL402
        """,
        runtime=Runtime(symptom=REQUIRES_GRAD_NUMPY),
    ),
    Example(
        "detached before converting",
        """
        import torch

        w = torch.randn(3, requires_grad=True)
        weights = w.detach().numpy()
        scale = (w * 2).detach().numpy()
        """,
        runtime=Runtime(),
    ),
    Example(
        "model outputs computed under no_grad",
        """
        import torch
        import torch.nn as nn

        model = nn.Linear(4, 2)
        with torch.no_grad():
            preds = model(torch.randn(5, 4)).numpy()
        """,
        runtime=Runtime(),
    ),
    Example(
        "a tensor that does not require grad, and a gradient",
        """
        import torch

        w = torch.randn(3, requires_grad=True)
        (w ** 2).sum().backward()
        grad = w.grad.numpy()
        data = torch.arange(5).numpy()
        """,
        runtime=Runtime(),
    ),
    Example(
        "an evaluation helper decorated with no_grad",
        """
        import torch
        import torch.nn as nn

        model = nn.Linear(2, 1)

        @torch.no_grad()
        def predict(x):
            return model(x).numpy()

        out = predict(torch.randn(3, 2))
        """,
        runtime=Runtime(),
    ),
    Example(
        "a helper that callers may run under no_grad",
        """
        import torch

        def to_array(model, x):
            y = model(x)
            return y.numpy()
        """,
    ),
    Example(
        "a CUDA tensor that requires grad is PTL401's",
        """
        import torch

        w = torch.randn(3, requires_grad=True, device="cuda")
        arr = w.numpy()
        """,
    ),
)
