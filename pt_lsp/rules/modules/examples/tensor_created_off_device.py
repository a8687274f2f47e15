"""Examples of PTL305 (tensor-created-off-device): hidden states, masks, grids and noise made on
the CPU inside `forward` of a model moved to the GPU."""

from __future__ import annotations

from pt_lsp.core.examples import Example, Raises, Runtime

DEVICE_MISMATCH = r"(Expected all tensors to be on the same device|Input and hidden tensors are not at the same device)"

EXAMPLES = (
    Example(
        "an LSTM's initial state made in forward",
        """
        import torch
        from torch import nn

        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(8, 16, batch_first=True)
                self.head = nn.Linear(16, 3)

            def forward(self, x):
                h0 = torch.zeros(1, x.size(0), 16)  # expect: PTL305
                c0 = torch.zeros(1, x.size(0), 16, device=x.device)
                out, _ = self.lstm(x, (h0, c0))
                return self.head(out[:, -1])

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        model = Tagger().to(device)
        scores = model(torch.randn(4, 5, 8).to(device))
        """,
        fixed="""
        import torch
        from torch import nn

        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(8, 16, batch_first=True)
                self.head = nn.Linear(16, 3)

            def forward(self, x):
                h0 = torch.zeros(1, x.size(0), 16, device=x.device)
                c0 = torch.zeros(1, x.size(0), 16, device=x.device)
                out, _ = self.lstm(x, (h0, c0))
                return self.head(out[:, -1])

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        model = Tagger().to(device)
        scores = model(torch.randn(4, 5, 8).to(device))
        """,
        runtime=Runtime(Raises("RuntimeError", DEVICE_MISMATCH, line=13), cuda_only=True, outputs="scores.shape"),
    ),
    Example(
        "a causal mask made on the CPU for attention scores on the GPU",
        """
        import torch
        from torch import nn

        class SelfAttention(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.qkv = nn.Linear(dim, 3 * dim)

            def forward(self, x):
                q, k, v = self.qkv(x).chunk(3, dim=-1)
                scores = q @ k.transpose(-2, -1) / q.size(-1) ** 0.5
                mask = torch.ones(x.size(1), x.size(1)).triu(1).bool()  # expect: PTL305
                scores = scores.masked_fill(mask, float("-inf"))
                return scores.softmax(dim=-1) @ v

        model = SelfAttention(8).cuda()
        out = model(torch.randn(2, 6, 8).cuda())
        """,
        fixed="""
        import torch
        from torch import nn

        class SelfAttention(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.qkv = nn.Linear(dim, 3 * dim)

            def forward(self, x):
                q, k, v = self.qkv(x).chunk(3, dim=-1)
                scores = q @ k.transpose(-2, -1) / q.size(-1) ** 0.5
                mask = torch.ones(x.size(1), x.size(1), device=scores.device).triu(1).bool()
                scores = scores.masked_fill(mask, float("-inf"))
                return scores.softmax(dim=-1) @ v

        model = SelfAttention(8).cuda()
        out = model(torch.randn(2, 6, 8).cuda())
        """,
        runtime=Runtime(Raises("RuntimeError", DEVICE_MISMATCH, line=13), cuda_only=True, outputs="out.shape"),
    ),
    Example(
        "an optional hidden state made when none is given",
        """
        import torch
        from torch import nn

        class GRUStep(nn.Module):
            def __init__(self, n_in, n_hidden):
                super().__init__()
                self.n_hidden = n_hidden
                self.gate = nn.Linear(n_in + n_hidden, n_hidden)

            def forward(self, x, h=None):
                if h is None:
                    h = torch.zeros(x.size(0), self.n_hidden)  # expect: PTL305
                return torch.tanh(self.gate(torch.cat([x, h], dim=1)))

        step = GRUStep(4, 8).to("cuda")
        h = step(torch.randn(3, 4, device="cuda"))
        """,
        fixed="""
        import torch
        from torch import nn

        class GRUStep(nn.Module):
            def __init__(self, n_in, n_hidden):
                super().__init__()
                self.n_hidden = n_hidden
                self.gate = nn.Linear(n_in + n_hidden, n_hidden)

            def forward(self, x, h=None):
                if h is None:
                    h = torch.zeros(x.size(0), self.n_hidden, device=x.device)
                return torch.tanh(self.gate(torch.cat([x, h], dim=1)))

        step = GRUStep(4, 8).to("cuda")
        h = step(torch.randn(3, 4, device="cuda"))
        """,
        runtime=Runtime(Raises("RuntimeError", DEVICE_MISMATCH, line=13), cuda_only=True, outputs="h.shape"),
    ),
    Example(
        "a recurrent cell's init_hidden called from forward",
        """
        import torch
        from torch import nn

        class Recurrent(nn.Module):
            def __init__(self, n_in, n_hidden):
                super().__init__()
                self.n_hidden = n_hidden
                self.cell = nn.Linear(n_in + n_hidden, n_hidden)

            def init_hidden(self, batch):
                return torch.zeros(batch, self.n_hidden)  # expect: PTL305

            def forward(self, seq):
                h = self.init_hidden(seq.size(0))
                for t in range(seq.size(1)):
                    h = torch.tanh(self.cell(torch.cat([seq[:, t], h], dim=1)))
                return h

        model = Recurrent(3, 5).cuda()
        last = model(torch.randn(2, 4, 3).cuda())
        """,
    ),
    Example(
        "a time grid made with linspace scaling the input",
        """
        import torch
        from torch import nn

        class TimeScale(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.proj = nn.Linear(dim, dim)

            def forward(self, x):
                steps = torch.linspace(0, 1, x.size(1))  # expect: PTL305
                return self.proj(x * steps.view(1, -1, 1))

        model = TimeScale(4).to("cuda")
        y = model(torch.randn(2, 7, 4).to("cuda"))
        """,
        fixed="""
        import torch
        from torch import nn

        class TimeScale(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.proj = nn.Linear(dim, dim)

            def forward(self, x):
                steps = torch.linspace(0, 1, x.size(1), device=x.device)
                return self.proj(x * steps.view(1, -1, 1))

        model = TimeScale(4).to("cuda")
        y = model(torch.randn(2, 7, 4).to("cuda"))
        """,
    ),
    Example(
        "noise added by a helper function that forward calls",
        """
        import torch
        from torch import nn

        def add_noise(x, std):
            return x + torch.randn(x.shape) * std  # expect: PTL305

        class Denoiser(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 6))

            def forward(self, x):
                return self.net(add_noise(x, 0.1))

        model = Denoiser().to("cuda")
        out = model(torch.randn(5, 6, device="cuda"))
        """,
        fixed="""
        import torch
        from torch import nn

        def add_noise(x, std):
            return x + torch.randn(x.shape, device=x.device) * std

        class Denoiser(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 6))

            def forward(self, x):
                return self.net(add_noise(x, 0.1))

        model = Denoiser().to("cuda")
        out = model(torch.randn(5, 6, device="cuda"))
        """,
    ),
    Example(
        "an identity matrix in a penalty on a weight on the GPU",
        """
        import torch
        from torch import nn

        class Orthogonal(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.proj = nn.Linear(dim, dim, bias=False)

            def forward(self, x):
                w = self.proj.weight
                penalty = ((w @ w.T - torch.eye(w.size(0))) ** 2).sum()  # expect: PTL305
                return self.proj(x), penalty

        model = Orthogonal(4).cuda()
        out, penalty = model(torch.randn(3, 4).cuda())
        """,
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "the state made on the input's device",
        """
        import torch
        from torch import nn

        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(8, 16, batch_first=True)

            def forward(self, x):
                h0 = torch.zeros(1, x.size(0), 16, device=x.device)
                c0 = x.new_zeros(1, x.size(0), 16)
                out, _ = self.lstm(x, (h0, c0))
                return out

        model = Tagger().to("cuda")
        out = model(torch.randn(4, 5, 8).to("cuda"))
        """,
        runtime=Runtime(),
    ),
    Example(
        "a mask moved to the scores' device before use",
        """
        import torch
        from torch import nn

        class SelfAttention(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.qkv = nn.Linear(dim, 3 * dim)

            def forward(self, x):
                q, k, v = self.qkv(x).chunk(3, dim=-1)
                scores = q @ k.transpose(-2, -1)
                mask = torch.ones(x.size(1), x.size(1)).triu(1).bool().to(scores.device)
                return scores.masked_fill(mask, float("-inf")).softmax(dim=-1) @ v

        model = SelfAttention(8).cuda()
        out = model(torch.randn(2, 6, 8).cuda())
        """,
        runtime=Runtime(),
    ),
    Example(
        "a model that stays on the CPU",
        """
        import torch
        from torch import nn

        class Recurrent(nn.Module):
            def __init__(self):
                super().__init__()
                self.cell = nn.Linear(8, 5)

            def forward(self, seq):
                h = torch.zeros(seq.size(0), 5)
                for t in range(seq.size(1)):
                    h = torch.tanh(self.cell(torch.cat([seq[:, t], h], dim=1)))
                return h

        model = Recurrent()
        last = model(torch.randn(2, 4, 3))
        """,
    ),
    Example(
        "a 0-dim tensor scaling a GPU tensor, which torch takes as a number",
        """
        import torch
        from torch import nn

        class Scaled(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)

            def forward(self, x):
                return self.fc(x) * torch.tensor(0.5)

        model = Scaled().cuda()
        y = model(torch.randn(2, 4).cuda())
        """,
        runtime=Runtime(),
    ),
    Example(
        "CPU indices selecting from a GPU tensor",
        """
        import torch
        from torch import nn

        class EveryOther(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(6, 6)

            def forward(self, x):
                picked = torch.arange(0, x.size(1), 2)
                return self.fc(x)[:, picked]

        model = EveryOther().to("cuda")
        y = model(torch.randn(3, 6).to("cuda"))
        """,
        runtime=Runtime(),
    ),
    Example(
        "a mask made once in __init__ and registered as a buffer",
        """
        import torch
        from torch import nn

        class Causal(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.register_buffer("mask", torch.ones(n, n).triu(1).bool())

            def forward(self, scores):
                return scores.masked_fill(self.mask, float("-inf"))

        model = Causal(5).cuda()
        out = model(torch.randn(2, 5, 5).cuda())
        """,
    ),
)
