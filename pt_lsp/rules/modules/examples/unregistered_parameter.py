"""Examples of PTL301 unregistered-parameter (the generated tests and `pt-lsp verify` read them)."""

from __future__ import annotations

from pt_lsp.core.examples import Example, Probe, Runtime

HEAD_MISSING = Probe(
    "symptom = not any(p is model.heads[0].weight for p in model.parameters())",
    "the first head's weight is missing from model.parameters()",
)
TEMPERATURE_MISSING = Probe(
    "symptom = not any(p is model.temperature for p in model.parameters())",
    "the temperature is missing from model.parameters()",
)

_MULTI_TASK = """
import torch
import torch.nn as nn

class MultiTaskNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Linear(8, 16)
        self.heads = {heads}

    def forward(self, x):
        h = torch.relu(self.trunk(x))
        return [head(h) for head in self.heads]

model = MultiTaskNet()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
outputs = model(torch.randn(4, 8))
"""
# One training step: the optimizer built from model.parameters() must update the heads too.
_TRAIN_STEP = """
sum(out.sum() for out in outputs).backward()
optimizer.step()
"""
_CALIBRATED = """
import torch
from torch import nn

class Calibrated(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.temperature = {temperature}

    def forward(self, x):
        return self.fc(x) / self.temperature

model = Calibrated()
logits = model(torch.randn(2, 4))
"""
_CALIBRATION_STEP = """
logits.logsumexp(dim=1).mean().backward()
torch.optim.SGD(model.parameters(), lr=0.1).step()
"""
NO_PARAMETERS = Probe(
    "symptom = not list(model.parameters())",
    "the model has no parameters: an optimizer would train nothing and a checkpoint would hold nothing",
)

# The intended programs, written the way their authors would have written them by hand.
_GAN_REFERENCE = """
import torch.nn as nn

class Discriminator(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        layers = []
        for d_in, d_out in zip(sizes, sizes[1:]):
            layers += [nn.Linear(d_in, d_out), nn.LeakyReLU(0.2)]
        self.blocks = nn.Sequential(*layers)

    def forward(self, x):
        return self.blocks(x)
"""
_TEXT_REFERENCE = """
from torch import nn

class TextModel(nn.Module):
    def __init__(self, hidden, fields):
        super().__init__()
        self.heads = nn.ModuleDict()
        self.heads["sentiment"] = nn.Linear(hidden, 2)
        self.heads["topic"] = nn.Linear(hidden, 10)
        self.embeddings = nn.ModuleDict({name: nn.Embedding(size, hidden) for name, size in fields.items()})
"""
_TWIN_REFERENCE = """
import torch
import torch.nn as nn

class QNet(nn.Module):
    def __init__(self, obs, act):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs + act, 64), nn.ReLU(), nn.Linear(64, 1))

class TwinCritic(nn.Module):
    def __init__(self, obs, act):
        super().__init__()
        self.critics = nn.ModuleList()
        for _ in range(2):
            self.critics.append(QNet(obs, act))
"""
_SCALED_REFERENCE = """
import torch
import torch.nn as nn

class ScaledMLP(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:]))
        self.scales = nn.ParameterList(torch.ones(d) for d in dims[1:])
"""
_ENCODER_REFERENCE = """
import torch
from torch import nn

class Encoder(nn.Module):
    def __init__(self, channels, device):
        super().__init__()
        self.layers = nn.ModuleList(nn.Conv2d(c_in, c_out, 3) for c_in, c_out in zip(channels, channels[1:]))
        self.shift = nn.Parameter(torch.zeros(channels[-1], device=device))
        self.gain = nn.Parameter(torch.ones(1))
"""

EXAMPLES = (
    Example(
        "multi-task heads kept in a plain list",
        _MULTI_TASK.format(heads="[nn.Linear(16, n) for n in (3, 2)]  # expect: PTL301"),
        fixed=_MULTI_TASK.format(heads="nn.ModuleList([nn.Linear(16, n) for n in (3, 2)])"),
        runtime=Runtime(
            symptom=HEAD_MISSING,
            driver=_TRAIN_STEP,
            outputs="model",  # after the step: every head registered and trained
            reference=_MULTI_TASK.format(heads="nn.ModuleList([nn.Linear(16, 3), nn.Linear(16, 2)])"),
        ),
    ),
    Example(
        "a learnable temperature for calibration made with requires_grad=True",
        _CALIBRATED.format(temperature="torch.ones(1, requires_grad=True)  # expect: PTL301"),
        fixed=_CALIBRATED.format(temperature="nn.Parameter(torch.ones(1))"),
        runtime=Runtime(
            symptom=TEMPERATURE_MISSING,
            driver=_CALIBRATION_STEP,
            outputs="model",  # the temperature is in the state_dict and the step changed it
            reference=_CALIBRATED.format(temperature="nn.Parameter(torch.ones(1), requires_grad=True)"),
        ),
    ),
    Example(
        "GAN discriminator blocks appended to an empty list",
        """
        import torch.nn as nn

        class Discriminator(nn.Module):
            def __init__(self, sizes):
                super().__init__()
                self.blocks = []  # expect: PTL301
                for d_in, d_out in zip(sizes, sizes[1:]):
                    self.blocks.append(nn.Linear(d_in, d_out))
                    self.blocks.append(nn.LeakyReLU(0.2))

            def forward(self, x):
                for block in self.blocks:
                    x = block(x)
                return x
        """,
        fixed="""
        import torch.nn as nn

        class Discriminator(nn.Module):
            def __init__(self, sizes):
                super().__init__()
                self.blocks = nn.ModuleList()
                for d_in, d_out in zip(sizes, sizes[1:]):
                    self.blocks.append(nn.Linear(d_in, d_out))
                    self.blocks.append(nn.LeakyReLU(0.2))

            def forward(self, x):
                for block in self.blocks:
                    x = block(x)
                return x
        """,
        runtime=Runtime(
            NO_PARAMETERS,
            driver="""
            import torch

            model = Discriminator([4, 8, 1])
            score = model(torch.randn(2, 4))
            """,
            outputs="(model, score)",
            reference=_GAN_REFERENCE,
        ),
    ),
    Example(
        "task heads in a dict, and per-field embeddings added by key",
        """
        from torch import nn

        class TextModel(nn.Module):
            def __init__(self, hidden, fields):
                super().__init__()
                self.heads = {"sentiment": nn.Linear(hidden, 2), "topic": nn.Linear(hidden, 10)}  # expect: PTL301
                self.embeddings = {}  # expect: PTL301
                for name, size in fields.items():
                    self.embeddings[name] = nn.Embedding(size, hidden)
        """,
        fixed="""
        from torch import nn

        class TextModel(nn.Module):
            def __init__(self, hidden, fields):
                super().__init__()
                self.heads = nn.ModuleDict({"sentiment": nn.Linear(hidden, 2), "topic": nn.Linear(hidden, 10)})
                self.embeddings = nn.ModuleDict()
                for name, size in fields.items():
                    self.embeddings[name] = nn.Embedding(size, hidden)
        """,
        runtime=Runtime(
            Probe(
                'symptom = not {"heads.topic.weight", "embeddings.words.weight"} <= set(model.state_dict())',
                "the heads and the embeddings are missing from the state_dict",
            ),
            driver='model = TextModel(8, {"words": 20, "chars": 10})',
            outputs="model",
            reference=_TEXT_REFERENCE,
        ),
    ),
    Example(
        "RL: twin Q-networks of a local class kept in a tuple",
        """
        import torch
        import torch.nn as nn

        class QNet(nn.Module):
            def __init__(self, obs, act):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(obs + act, 64), nn.ReLU(), nn.Linear(64, 1))

        class TwinCritic(nn.Module):
            def __init__(self, obs, act):
                super().__init__()
                self.critics = (QNet(obs, act), QNet(obs, act))  # expect: PTL301
        """,
        fixed="""
        import torch
        import torch.nn as nn

        class QNet(nn.Module):
            def __init__(self, obs, act):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(obs + act, 64), nn.ReLU(), nn.Linear(64, 1))

        class TwinCritic(nn.Module):
            def __init__(self, obs, act):
                super().__init__()
                self.critics = nn.ModuleList([QNet(obs, act), QNet(obs, act)])
        """,
        runtime=Runtime(
            NO_PARAMETERS,
            driver="model = TwinCritic(3, 1)",
            outputs="model",
            reference=_TWIN_REFERENCE,
        ),
    ),
    Example(
        "per-layer scales as a list of parameters, built in a helper called by __init__",
        """
        import torch
        import torch.nn as nn

        class ScaledMLP(nn.Module):
            def __init__(self, dims):
                super().__init__()
                self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:]))
                self._build_scales(dims)

            def _build_scales(self, dims):
                self.scales = [nn.Parameter(torch.ones(d)) for d in dims[1:]]  # expect: PTL301
        """,
        fixed="""
        import torch
        import torch.nn as nn

        class ScaledMLP(nn.Module):
            def __init__(self, dims):
                super().__init__()
                self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:]))
                self._build_scales(dims)

            def _build_scales(self, dims):
                self.scales = nn.ParameterList([nn.Parameter(torch.ones(d)) for d in dims[1:]])
        """,
        runtime=Runtime(
            Probe(
                "symptom = not any(p is model.scales[0] for p in model.parameters())",
                "the per-layer scales are missing from model.parameters()",
            ),
            driver="model = ScaledMLP([4, 8, 2])",
            outputs="model",
            reference=_SCALED_REFERENCE,
        ),
    ),
    Example(
        "conv blocks collected in a local list, only `torch` imported, bias moved to the device",
        """
        import torch

        class Encoder(torch.nn.Module):
            def __init__(self, channels, device):
                super().__init__()
                layers = []
                for c_in, c_out in zip(channels, channels[1:]):
                    layers.append(torch.nn.Conv2d(c_in, c_out, 3))
                self.layers = layers  # expect: PTL301
                self.shift = torch.zeros(channels[-1], requires_grad=True, device=device)  # expect: PTL301
                self.gain = torch.ones(1).requires_grad_()  # expect: PTL301
        """,
        fixed="""
        import torch

        class Encoder(torch.nn.Module):
            def __init__(self, channels, device):
                super().__init__()
                layers = []
                for c_in, c_out in zip(channels, channels[1:]):
                    layers.append(torch.nn.Conv2d(c_in, c_out, 3))
                self.layers = torch.nn.ModuleList(layers)
                self.shift = torch.nn.Parameter(torch.zeros(channels[-1], device=device))
                self.gain = torch.nn.Parameter(torch.ones(1))
        """,
        runtime=Runtime(
            Probe(
                "symptom = len(list(model.parameters())) != 6",
                "the convolutions, the shift and the gain are not all among the 6 parameters",
            ),
            driver='model = Encoder([3, 4, 5], "cpu")',
            outputs="model",
            reference=_ENCODER_REFERENCE,
        ),
    ),
    # -- good -----------------------------------------------------------------------------------
    Example(
        "multi-task heads in nn.ModuleList",
        _MULTI_TASK.format(heads="nn.ModuleList([nn.Linear(16, n) for n in (3, 2)])"),
        runtime=Runtime(symptom=HEAD_MISSING),
    ),
    Example(
        "a learnable temperature as nn.Parameter",
        _CALIBRATED.format(temperature="nn.Parameter(torch.ones(1))"),
        runtime=Runtime(symptom=TEMPERATURE_MISSING),
    ),
    Example(
        "running statistics registered as buffers, sizes kept as a list of ints",
        """
        import torch
        import torch.nn as nn

        class Normalizer(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.hidden_sizes = [64, 32]
                self.register_buffer("running_mean", torch.zeros(n))
                self.register_buffer("running_var", torch.ones(n))
        """,
    ),
    Example(
        "a trainer (not an nn.Module) holding an ensemble in a list",
        """
        import torch.nn as nn

        class EnsembleTrainer:
            def __init__(self, n):
                self.models = [nn.Linear(10, 1) for _ in range(n)]
                self.histories = {}
        """,
    ),
    Example(
        "anchor boxes as plain tensors without requires_grad",
        """
        import torch
        import torch.nn as nn

        class AnchorHead(nn.Module):
            def __init__(self):
                super().__init__()
                self.anchors = [torch.tensor([10.0, 13.0]), torch.tensor([16.0, 30.0])]
                self.cls = nn.Conv2d(256, 9, 1)
        """,
    ),
    Example(
        "layers gathered in a list, then registered through nn.Sequential or nn.ModuleList",
        """
        import torch.nn as nn

        class Decoder(nn.Module):
            def __init__(self, sizes):
                super().__init__()
                layers = [nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])]
                self.net = nn.Sequential(*layers)
                self.skips = []
                for size in sizes:
                    self.skips.append(nn.Identity())
                self.skips = nn.ModuleList(self.skips)
        """,
    ),
    Example(
        "a user-defined `Parameter` and a list of callbacks",
        """
        import torch.nn as nn

        class Parameter:
            def __init__(self, value):
                self.value = value

        class Tuned(nn.Module):
            def __init__(self, hooks):
                super().__init__()
                self.lr = Parameter(0.1)
                self.hooks = [hook for hook in hooks]
        """,
    ),
)
