"""Examples of PTL203 (in-place-on-leaf): filled buffers, initialisation, clamping, padding rows."""

from __future__ import annotations

from pt_lsp.core.examples import Example, Raises, Runtime

LEAF_INPLACE = Raises("RuntimeError", r"leaf Variable that requires grad is being used in an in-place operation")

EXAMPLES = (
    Example(
        "a requires-grad buffer filled in a loop",
        """
        import torch

        w = torch.randn(4, 3, requires_grad=True)
        xs = torch.randn(5, 4)
        outputs = torch.zeros(5, requires_grad=True)
        for i in range(5):
            outputs[i] = (xs[i] @ w).sum()  # expect: PTL203
        loss = outputs.pow(2).mean()
        loss.backward()
        """,
        fixed="""
        import torch

        w = torch.randn(4, 3, requires_grad=True)
        xs = torch.randn(5, 4)
        outputs = torch.zeros(5)
        for i in range(5):
            outputs[i] = (xs[i] @ w).sum()
        loss = outputs.pow(2).mean()
        loss.backward()
        """,
        # Intended: the loss over the five stacked results, its gradient reaching w.
        runtime=Runtime(
            LEAF_INPLACE,
            outputs="(loss, w.grad)",
            reference="""
            import torch

            w = torch.randn(4, 3, requires_grad=True)
            xs = torch.randn(5, 4)
            outputs = torch.stack([(xs[i] @ w).sum() for i in range(5)])
            loss = outputs.pow(2).mean()
            loss.backward()
            """,
        ),
    ),
    Example(
        "a parameter initialised in place in __init__",
        """
        import torch
        from torch import nn

        class Scale(nn.Module):
            def __init__(self, features):
                super().__init__()
                self.gamma = nn.Parameter(torch.empty(features))
                self.gamma.fill_(1.0)  # expect: PTL203

            def forward(self, x):
                return x * self.gamma

        model = Scale(8)
        out = model(torch.randn(2, 8))
        """,
        fixed="""
        import torch
        from torch import nn

        class Scale(nn.Module):
            def __init__(self, features):
                super().__init__()
                self.gamma = nn.Parameter(torch.empty(features))
                with torch.no_grad():
                    self.gamma.fill_(1.0)

            def forward(self, x):
                return x * self.gamma

        model = Scale(8)
        out = model(torch.randn(2, 8))
        """,
        # Intended: a scale initialised to ones that still trains.
        runtime=Runtime(
            LEAF_INPLACE,
            outputs="(model, out, model.gamma.requires_grad)",
            reference="""
            import torch
            from torch import nn

            class Scale(nn.Module):
                def __init__(self, features):
                    super().__init__()
                    self.gamma = nn.Parameter(torch.ones(features))

                def forward(self, x):
                    return x * self.gamma

            model = Scale(8)
            out = model(torch.randn(2, 8))
            """,
        ),
    ),
    Example(
        "WGAN weight clipping without no_grad",
        """
        import torch
        from torch import nn

        critic = nn.Sequential(nn.Linear(10, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
        opt = torch.optim.RMSprop(critic.parameters(), lr=5e-5)
        real = torch.randn(8, 10)
        loss = -critic(real).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        for p in critic.parameters():
            p.clamp_(-0.01, 0.01)  # expect: PTL203
        """,
        fixed="""
        import torch
        from torch import nn

        critic = nn.Sequential(nn.Linear(10, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
        opt = torch.optim.RMSprop(critic.parameters(), lr=5e-5)
        real = torch.randn(8, 10)
        loss = -critic(real).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        for p in critic.parameters():
            with torch.no_grad():
                p.clamp_(-0.01, 0.01)
        """,
        # Intended: the WGAN paper's code, which clamps p.data.
        runtime=Runtime(
            LEAF_INPLACE,
            outputs="critic",
            reference="""
            import torch
            from torch import nn

            critic = nn.Sequential(nn.Linear(10, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
            opt = torch.optim.RMSprop(critic.parameters(), lr=5e-5)
            real = torch.randn(8, 10)
            loss = -critic(real).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            for p in critic.parameters():
                p.data.clamp_(-0.01, 0.01)
            """,
        ),
    ),
    Example(
        "noise added to a requires-grad tensor with +=",
        """
        import torch

        w = torch.randn(3, requires_grad=True)
        noise = torch.randn(3) * 0.01
        w += noise  # expect: PTL203
        """,
        fixed="""
        import torch

        w = torch.randn(3, requires_grad=True)
        noise = torch.randn(3) * 0.01
        with torch.no_grad():
            w += noise
        """,
        # Intended: w perturbed, still a leaf that requires grad.
        runtime=Runtime(
            LEAF_INPLACE,
            outputs="(w, w.requires_grad, w.is_leaf)",
            reference="""
            import torch

            w = torch.randn(3, requires_grad=True)
            noise = torch.randn(3) * 0.01
            w = (w.detach() + noise).requires_grad_()
            """,
        ),
    ),
    Example(
        "the padding row of an embedding zeroed by item assignment",
        """
        import torch.nn as nn

        emb = nn.Embedding(100, 16)
        emb.weight[0] = 0  # expect: PTL203
        """,
        fixed="""
        import torch
        import torch.nn as nn

        emb = nn.Embedding(100, 16)
        with torch.no_grad():
            emb.weight[0] = 0
        """,
        # Intended: what padding_idx=0 does at initialisation.
        runtime=Runtime(
            LEAF_INPLACE,
            outputs="emb",
            reference="""
            import torch.nn as nn

            emb = nn.Embedding(100, 16, padding_idx=0)
            """,
        ),
    ),
    Example(
        "sinusoidal positional encoding written into a Parameter",
        """
        import math
        import torch
        from torch import nn

        class PositionalEncoding(nn.Module):
            def __init__(self, d_model, max_len=50):
                super().__init__()
                self.pe = nn.Parameter(torch.zeros(max_len, d_model))
                position = torch.arange(max_len).unsqueeze(1)
                div = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
                self.pe[:, 0::2] = torch.sin(position * div)  # expect: PTL203
                self.pe[:, 1::2] = torch.cos(position * div)  # expect: PTL203

            def forward(self, x):
                return x + self.pe[: x.size(1)]

        encoding = PositionalEncoding(16)
        """,
        fixed="""
        import math
        import torch
        from torch import nn

        class PositionalEncoding(nn.Module):
            def __init__(self, d_model, max_len=50):
                super().__init__()
                self.pe = nn.Parameter(torch.zeros(max_len, d_model))
                position = torch.arange(max_len).unsqueeze(1)
                div = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
                with torch.no_grad():
                    self.pe[:, 0::2] = torch.sin(position * div)
                    self.pe[:, 1::2] = torch.cos(position * div)

            def forward(self, x):
                return x + self.pe[: x.size(1)]

        encoding = PositionalEncoding(16)
        """,
        # Intended: the table computed as a plain tensor, then made a Parameter.
        runtime=Runtime(
            LEAF_INPLACE,
            outputs="encoding",
            reference="""
            import math
            import torch
            from torch import nn

            class PositionalEncoding(nn.Module):
                def __init__(self, d_model, max_len=50):
                    super().__init__()
                    position = torch.arange(max_len).unsqueeze(1)
                    div = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
                    angles = position * div
                    pe = torch.stack([torch.sin(angles), torch.cos(angles)], dim=-1).reshape(max_len, d_model)
                    self.pe = nn.Parameter(pe)

            encoding = PositionalEncoding(16)
            """,
        ),
    ),
    Example(
        "an adversarial input clamped in place after detach().requires_grad_()",
        """
        import torch

        def perturb(images, eps=0.03):
            x_adv = images.clone().detach().requires_grad_(True)
            x_adv.clamp_(0, 1)  # expect: PTL203
            return x_adv
        """,
        fixed="""
        import torch

        def perturb(images, eps=0.03):
            x_adv = images.clone().detach().requires_grad_(True)
            with torch.no_grad():
                x_adv.clamp_(0, 1)
            return x_adv
        """,
        # Intended: the clamped images as a fresh leaf for the attack's gradient.
        runtime=Runtime(
            LEAF_INPLACE,
            outputs="(x_adv, x_adv.requires_grad, x_adv.is_leaf)",
            reference="""
            import torch

            def perturb(images, eps=0.03):
                return images.clamp(0, 1).requires_grad_(True)
            """,
            driver="x_adv = perturb(torch.rand(2, 3, 8, 8) * 1.2)",
        ),
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "the buffer created without requires_grad joins the graph through its values",
        """
        import torch

        w = torch.randn(4, 3, requires_grad=True)
        xs = torch.randn(5, 4)
        outputs = torch.zeros(5)
        for i in range(5):
            outputs[i] = (xs[i] @ w).sum()
        outputs.pow(2).mean().backward()
        """,
        runtime=Runtime(),
    ),
    Example(
        "parameter initialisation under no_grad",
        """
        import torch
        from torch import nn

        class Scale(nn.Module):
            def __init__(self, features):
                super().__init__()
                self.gamma = nn.Parameter(torch.empty(features))
                with torch.no_grad():
                    self.gamma.fill_(1.0)

            def forward(self, x):
                return x * self.gamma

        out = Scale(8)(torch.randn(2, 8))
        """,
        runtime=Runtime(),
    ),
    Example(
        "in-place activation on a non-leaf result",
        """
        import torch

        w = torch.randn(4, 3, requires_grad=True)
        h = torch.randn(2, 4) @ w
        h.relu_()
        h.sum().backward()
        """,
        runtime=Runtime(),
    ),
    Example(
        "nn.init functions and an initialiser decorated with no_grad",
        """
        import torch
        from torch import nn

        @torch.no_grad()
        def init_uniform(model):
            for p in model.parameters():
                p.uniform_(-0.1, 0.1)

        net = nn.Linear(4, 2)
        nn.init.zeros_(net.bias)
        init_uniform(net)
        """,
        runtime=Runtime(),
    ),
    Example(
        "a reset helper called under no_grad, and gradients zeroed in place",
        """
        import torch
        from torch import nn

        def reset(model):
            for p in model.parameters():
                p.zero_()

        net = nn.Linear(3, 1)
        net(torch.randn(2, 3)).sum().backward()
        for p in net.parameters():
            p.grad.zero_()
        with torch.no_grad():
            reset(net)
        """,
        runtime=Runtime(),
    ),
    Example(
        "frozen parameters may be changed in place",
        """
        import torch
        from torch import nn

        backbone = nn.Linear(8, 8)
        for p in backbone.parameters():
            p.requires_grad_(False)
        for p in backbone.parameters():
            p.mul_(0.5)
        """,
        runtime=Runtime(),
    ),
    Example(
        "a tensor without requires_grad filled by item assignment",
        """
        import torch

        mask = torch.zeros(4, 4)
        mask[0] = 1
        mask += torch.eye(4)
        scores = torch.randn(4, 4, requires_grad=True)
        (scores * mask).sum().backward()
        """,
    ),
    Example(
        "a leaf moved to the device is a new tensor; a function parameter of unknown origin",
        """
        import torch

        def project(weights, radius):
            weights.clamp_(-radius, radius)

        device = "cuda" if torch.cuda.is_available() else "cpu"
        scale = torch.ones(3, requires_grad=True).to(device)
        scaled = scale.clone()
        scaled.mul_(2)
        """,
    ),
    Example(
        "a tensor flagged `requires_grad = True`, then initialised in place",
        """
        import torch

        weight = torch.empty(3, 2)
        weight.requires_grad = True
        weight.normal_(0.0, 0.1)  # expect: PTL203
        out = (torch.randn(4, 3) @ weight).sum()
        out.backward()
        """,
        fixed="""
        import torch

        weight = torch.empty(3, 2)
        weight.requires_grad = True
        with torch.no_grad():
            weight.normal_(0.0, 0.1)
        out = (torch.randn(4, 3) @ weight).sum()
        out.backward()
        """,
        # Intended: a weight initialised unrecorded, its gradient the inputs' column sums.
        runtime=Runtime(
            LEAF_INPLACE,
            outputs="weight.grad",
            reference="""
            import torch

            weight = torch.empty(3, 2).normal_(0.0, 0.1).requires_grad_()
            out = (torch.randn(4, 3) @ weight).sum()
            out.backward()
            """,
        ),
    ),
    Example(
        "a detection head's bias priors written through a view of the bias",
        """
        import math

        import torch
        from torch import nn

        class Head(nn.Module):
            def __init__(self, na=3, no=8):
                super().__init__()
                self.na = na
                self.convs = nn.ModuleList(nn.Conv2d(c, na * no, 1) for c in (8, 16))
                for conv in self.convs:
                    b = conv.bias.view(self.na, -1)
                    b[:, 4] += math.log(8 / 640)  # expect: PTL203

        head = Head()
        """,
        fixed="""
        import math

        import torch
        from torch import nn

        class Head(nn.Module):
            def __init__(self, na=3, no=8):
                super().__init__()
                self.na = na
                self.convs = nn.ModuleList(nn.Conv2d(c, na * no, 1) for c in (8, 16))
                for conv in self.convs:
                    b = conv.bias.view(self.na, -1)
                    with torch.no_grad():
                        b[:, 4] += math.log(8 / 640)

        head = Head()
        """,
        runtime=Runtime(LEAF_INPLACE),
    ),
    Example(
        "a layer frozen in the expression that builds it may be written in place",
        """
        import torch
        from torch import nn

        conv = nn.Conv2d(3, 3, 1)
        fused = nn.Conv2d(3, 3, 1).requires_grad_(False).to(conv.weight.device)
        fused.weight.copy_(conv.weight.detach() * 2)
        fused.bias.zero_()
        """,
        runtime=Runtime(),
    ),
)
