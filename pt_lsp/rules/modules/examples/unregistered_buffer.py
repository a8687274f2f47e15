"""Examples of PTL302 (unregistered-buffer): normalisation constants, masks, frequencies."""

from __future__ import annotations

from pt_lsp.core.examples import Example, Probe, Raises, Runtime

DEVICE_MISMATCH = r"(Expected all tensors to be on the same device|is not on the expected device)"

# The intended programs: the constants registered as buffers, written by hand.
_ATTENTION_REFERENCE = """
import torch
from torch import nn

class CausalSelfAttention(nn.Module):
    def __init__(self, dim, max_len=16):
        super().__init__()
        self.qkv = nn.Linear(dim, 3 * dim)
        self.register_buffer("mask", torch.ones(max_len, max_len).tril())

    def forward(self, x):
        T = x.size(1)
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        att = (q @ k.transpose(-2, -1)) / k.size(-1) ** 0.5
        att = att.masked_fill(self.mask[:T, :T] == 0, float("-inf"))
        return att.softmax(dim=-1) @ v

model = CausalSelfAttention(8)
y = model(torch.randn(2, 5, 8))
"""
_ROTARY_REFERENCE = """
import torch
from torch import nn

class Rotary(nn.Module):
    def __init__(self, dim):
        super().__init__()
        inv_freq = 1.0 / (10000 ** (torch.arange(0, dim, 2).float() / dim))
        self.register_buffer("inv_freq", inv_freq)

    def forward(self, positions):
        freqs = torch.outer(positions.float(), self.inv_freq)
        return torch.cat([freqs.sin(), freqs.cos()], dim=-1)

rotary = Rotary(8)
table = rotary(torch.arange(4))
"""
_RESIDUAL_REFERENCE = """
import torch
from torch import nn

class Residual(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.register_buffer("scale", torch.full((1, channels, 1, 1), 0.1))

    def forward(self, x):
        return x + self.conv(x) * self.scale
"""

EXAMPLES = (
    Example(
        "ImageNet normalisation constants as plain attributes",
        """
        import torch
        from torch import nn

        class Normalize(nn.Module):
            def __init__(self):
                super().__init__()
                self.mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)  # expect: PTL302
                self.std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)  # expect: PTL302

            def forward(self, x):
                return (x - self.mean) / self.std

        model = Normalize().to("cuda")
        out = model(torch.rand(2, 3, 8, 8, device="cuda"))
        """,
        fixed="""
        import torch
        from torch import nn

        class Normalize(nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
                self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

            def forward(self, x):
                return (x - self.mean) / self.std

        model = Normalize().to("cuda")
        out = model(torch.rand(2, 3, 8, 8, device="cuda"))
        """,
        runtime=Runtime(Raises("RuntimeError", DEVICE_MISMATCH, line=11), cuda_only=True, outputs="out"),
    ),
    Example(
        "a random projection made by a helper function",
        """
        import torch
        from torch import nn

        def random_features(n_in, n_out, scale):
            return torch.randn(n_out, n_in) * scale

        class FourierFeatures(nn.Module):
            def __init__(self, n_in, n_out):
                super().__init__()
                self.proj = random_features(n_in, n_out, 10.0)  # expect: PTL302

            def forward(self, x):
                return torch.cat([torch.sin(x @ self.proj.T), torch.cos(x @ self.proj.T)], dim=-1)

        model = FourierFeatures(2, 8).to("cuda")
        out = model(torch.rand(4, 2, device="cuda"))
        """,
        fixed="""
        import torch
        from torch import nn

        def random_features(n_in, n_out, scale):
            return torch.randn(n_out, n_in) * scale

        class FourierFeatures(nn.Module):
            def __init__(self, n_in, n_out):
                super().__init__()
                self.register_buffer("proj", random_features(n_in, n_out, 10.0))

            def forward(self, x):
                return torch.cat([torch.sin(x @ self.proj.T), torch.cos(x @ self.proj.T)], dim=-1)

        model = FourierFeatures(2, 8).to("cuda")
        out = model(torch.rand(4, 2, device="cuda"))
        """,
        runtime=Runtime(Raises("RuntimeError", DEVICE_MISMATCH, line=13), cuda_only=True, outputs="out.shape"),
    ),
    Example(
        "a causal attention mask missing from the state_dict",
        """
        import torch
        from torch import nn

        class CausalSelfAttention(nn.Module):
            def __init__(self, dim, max_len=16):
                super().__init__()
                self.qkv = nn.Linear(dim, 3 * dim)
                self.mask = torch.tril(torch.ones(max_len, max_len))  # expect: PTL302

            def forward(self, x):
                T = x.size(1)
                q, k, v = self.qkv(x).chunk(3, dim=-1)
                att = (q @ k.transpose(-2, -1)) / k.size(-1) ** 0.5
                att = att.masked_fill(self.mask[:T, :T] == 0, float("-inf"))
                return att.softmax(dim=-1) @ v

        model = CausalSelfAttention(8)
        y = model(torch.randn(2, 5, 8))
        """,
        fixed="""
        import torch
        from torch import nn

        class CausalSelfAttention(nn.Module):
            def __init__(self, dim, max_len=16):
                super().__init__()
                self.qkv = nn.Linear(dim, 3 * dim)
                self.register_buffer("mask", torch.tril(torch.ones(max_len, max_len)))

            def forward(self, x):
                T = x.size(1)
                q, k, v = self.qkv(x).chunk(3, dim=-1)
                att = (q @ k.transpose(-2, -1)) / k.size(-1) ** 0.5
                att = att.masked_fill(self.mask[:T, :T] == 0, float("-inf"))
                return att.softmax(dim=-1) @ v

        model = CausalSelfAttention(8)
        y = model(torch.randn(2, 5, 8))
        """,
        runtime=Runtime(
            Probe(
                'symptom = "mask" not in model.state_dict()',
                "the mask is not in state_dict(), so .to() and checkpoints skip it",
            ),
            outputs="(model, y)",
            reference=_ATTENTION_REFERENCE,
        ),
    ),
    Example(
        "rotary embedding frequencies",
        """
        import torch
        from torch import nn

        class Rotary(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.inv_freq = 1.0 / (10000 ** (torch.arange(0, dim, 2).float() / dim))  # expect: PTL302

            def forward(self, positions):
                freqs = torch.outer(positions.float(), self.inv_freq)
                return torch.cat([freqs.sin(), freqs.cos()], dim=-1)

        rotary = Rotary(8)
        table = rotary(torch.arange(4))
        """,
        fixed="""
        import torch
        from torch import nn

        class Rotary(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.register_buffer("inv_freq", 1.0 / (10000 ** (torch.arange(0, dim, 2).float() / dim)))

            def forward(self, positions):
                freqs = torch.outer(positions.float(), self.inv_freq)
                return torch.cat([freqs.sin(), freqs.cos()], dim=-1)

        rotary = Rotary(8)
        table = rotary(torch.arange(4))
        """,
        runtime=Runtime(
            Probe('symptom = "inv_freq" not in rotary.state_dict()', "inv_freq is not in state_dict()"),
            outputs="(rotary, table)",
            reference=_ROTARY_REFERENCE,
        ),
    ),
    Example(
        "class weights for a weighted loss on the GPU",
        """
        import torch
        import torch.nn.functional as F
        from torch import nn

        class WeightedHead(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(16, 2)
                self.class_weights = torch.tensor([1.0, 5.0])  # expect: PTL302

            def forward(self, x, target):
                return F.cross_entropy(self.fc(x), target, weight=self.class_weights)

        head = WeightedHead().cuda()
        loss = head(torch.randn(4, 16).cuda(), torch.tensor([0, 1, 1, 0]).cuda())
        """,
        fixed="""
        import torch
        import torch.nn.functional as F
        from torch import nn

        class WeightedHead(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(16, 2)
                self.register_buffer("class_weights", torch.tensor([1.0, 5.0]))

            def forward(self, x, target):
                return F.cross_entropy(self.fc(x), target, weight=self.class_weights)

        head = WeightedHead().cuda()
        loss = head(torch.randn(4, 16).cuda(), torch.tensor([0, 1, 1, 0]).cuda())
        """,
        runtime=Runtime(Raises("RuntimeError", DEVICE_MISMATCH, line=12), cuda_only=True, outputs="loss"),
    ),
    Example(
        "a layer-scale constant used through a helper method",
        """
        import torch
        from torch import nn

        class Residual(nn.Module):
            def __init__(self, channels):
                super().__init__()
                self.conv = nn.Conv2d(channels, channels, 3, padding=1)
                self.scale = torch.full((1, channels, 1, 1), 0.1)  # expect: PTL302

            def branch(self, x):
                return self.conv(x) * self.scale

            def forward(self, x):
                return x + self.branch(x)
        """,
        fixed="""
        import torch
        from torch import nn

        class Residual(nn.Module):
            def __init__(self, channels):
                super().__init__()
                self.conv = nn.Conv2d(channels, channels, 3, padding=1)
                self.register_buffer("scale", torch.full((1, channels, 1, 1), 0.1))

            def branch(self, x):
                return self.conv(x) * self.scale

            def forward(self, x):
                return x + self.branch(x)
        """,
        runtime=Runtime(
            Probe('symptom = "scale" not in model.state_dict()', "the scale is not in state_dict(), so .to() skips it"),
            driver="""
            model = Residual(2)
            out = model(torch.randn(1, 2, 4, 4))
            """,
            outputs="(model, out)",
            reference=_RESIDUAL_REFERENCE,
        ),
    ),
    Example(
        "anchor boxes of a detection head, before super().__init__() (no fix there)",
        """
        import torch
        import torch.nn as nn

        class AnchorHead(nn.Module):
            def __init__(self, num_anchors=3):
                self.anchors = torch.rand(num_anchors, 4)  # expect: PTL302
                super().__init__()
                self.pred = nn.Linear(4, 4)

            def forward(self, x):
                return self.pred(x) + self.anchors
        """,
        runtime=Runtime(
            Probe('symptom = "anchors" not in model.state_dict()', "the anchors are not in state_dict()"),
            driver="""
            model = AnchorHead()
            boxes = model(torch.rand(3, 4))
            """,
        ),
    ),
    Example(
        "random Fourier features: `x @ self.proj` with the projection left on the CPU by .cuda()",
        """
        import torch
        from torch import nn

        class RandomFeatures(nn.Module):
            def __init__(self, dim, features):
                super().__init__()
                self.proj = torch.randn(dim, features) / dim**0.5  # expect: PTL302
                self.head = nn.Linear(2 * features, 1)

            def forward(self, x):
                z = x @ self.proj
                return self.head(torch.cat([z.cos(), z.sin()], dim=-1))

        model = RandomFeatures(4, 8).cuda()
        pred = model(torch.randn(3, 4).cuda())
        """,
        fixed="""
        import torch
        from torch import nn

        class RandomFeatures(nn.Module):
            def __init__(self, dim, features):
                super().__init__()
                self.register_buffer("proj", torch.randn(dim, features) / dim**0.5)
                self.head = nn.Linear(2 * features, 1)

            def forward(self, x):
                z = x @ self.proj
                return self.head(torch.cat([z.cos(), z.sin()], dim=-1))

        model = RandomFeatures(4, 8).cuda()
        pred = model(torch.randn(3, 4).cuda())
        """,
        runtime=Runtime(Raises("RuntimeError", DEVICE_MISMATCH, line=11), cuda_only=True, outputs="pred"),
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "normalisation constants registered as buffers",
        """
        import torch
        from torch import nn

        class Normalize(nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
                self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

            def forward(self, x):
                return (x - self.mean) / self.std

        model = Normalize().to("cuda")
        out = model(torch.rand(2, 3, 8, 8, device="cuda"))
        """,
        runtime=Runtime(),
    ),
    Example(
        "a non-persistent buffer for a causal mask",
        """
        import torch
        from torch import nn

        class Masked(nn.Module):
            def __init__(self, n=6):
                super().__init__()
                self.register_buffer("mask", torch.tril(torch.ones(n, n)), persistent=False)

            def forward(self, scores):
                return scores.masked_fill(self.mask == 0, float("-inf"))

        model = Masked()
        out = model(torch.randn(6, 6))
        """,
        runtime=Runtime(),
    ),
    Example(
        "a 0-dimensional temperature (torch accepts a CPU scalar next to CUDA tensors)",
        """
        import torch
        from torch import nn

        class Contrastive(nn.Module):
            def __init__(self):
                super().__init__()
                self.temperature = torch.tensor(0.07)

            def forward(self, a, b):
                return (a @ b.T) / self.temperature

        model = Contrastive().to("cuda")
        logits = model(torch.randn(4, 8, device="cuda"), torch.randn(4, 8, device="cuda"))
        """,
        runtime=Runtime(),
    ),
    Example(
        "a constant moved to the input's device where it is used",
        """
        import torch
        from torch import nn

        class Smooth(nn.Module):
            def __init__(self):
                super().__init__()
                self.kernel = torch.ones(1, 1, 3) / 3

            def forward(self, x):
                return nn.functional.conv1d(x, self.kernel.to(x.device), padding=1)
        """,
    ),
    Example(
        "recurrent state reset and reassigned in forward",
        """
        import torch
        from torch import nn

        class Stateful(nn.Module):
            def __init__(self, size):
                super().__init__()
                self.cell = nn.GRUCell(size, size)
                self.state = torch.zeros(1, size)

            def forward(self, x):
                self.state = self.cell(x, self.state.detach())
                return self.state
        """,
    ),
    Example(
        "a tensor used only outside forward, and a trainable one (PTL301's)",
        """
        import torch
        from torch import nn

        class Probe(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(3, 3)
                self.example_input = torch.randn(1, 3)
                self.bias_shift = torch.zeros(3, requires_grad=True)

            def forward(self, x):
                return self.fc(x) + self.bias_shift

            def export(self, path):
                torch.onnx.export(self, (self.example_input,), path)
        """,
    ),
    Example(
        "a random relative-position table moved where it is used, missing from the checkpoint",
        """
        import io
        import torch
        from torch import nn

        class RelAttn(nn.Module):
            def __init__(self, d=8, max_len=16):
                super().__init__()
                self.proj = nn.Linear(d, d)
                self.table = torch.randn(max_len, d)  # expect: PTL302

            def forward(self, x):
                return self.proj(x) @ self.table[: x.size(1)].to(x.device).t()

        model = RelAttn()
        buf = io.BytesIO()
        torch.save(model.state_dict(), buf)
        buf.seek(0)
        restored = RelAttn()
        restored.load_state_dict(torch.load(buf))
        x = torch.randn(2, 5, 8)
        """,
        fixed="""
        import io
        import torch
        from torch import nn

        class RelAttn(nn.Module):
            def __init__(self, d=8, max_len=16):
                super().__init__()
                self.proj = nn.Linear(d, d)
                self.register_buffer("table", torch.randn(max_len, d))

            def forward(self, x):
                return self.proj(x) @ self.table[: x.size(1)].to(x.device).t()

        model = RelAttn()
        buf = io.BytesIO()
        torch.save(model.state_dict(), buf)
        buf.seek(0)
        restored = RelAttn()
        restored.load_state_dict(torch.load(buf))
        x = torch.randn(2, 5, 8)
        """,
        runtime=Runtime(
            Probe(
                "symptom = not torch.allclose(model(x), restored(x))",
                "the table is not in state_dict(): the restored model attends with another draw",
            ),
        ),
    ),
    Example(
        "a distribution object kept as an attribute (not a tensor; register_buffer refuses it)",
        """
        import torch
        from torch import nn

        class Jitter(nn.Module):
            def __init__(self):
                super().__init__()
                self.dist = torch.distributions.Normal(torch.zeros(2), torch.ones(2) * 0.1)

            def forward(self, x):
                return x + self.dist.sample((x.shape[0],)).to(x.device)

        out = Jitter()(torch.ones(3, 2))
        """,
        runtime=Runtime(),
    ),
)
