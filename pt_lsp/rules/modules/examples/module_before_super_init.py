"""Examples of PTL303 (module-before-super-init): assignment order and foreign super() calls."""

from __future__ import annotations

from pt_lsp.core.examples import Example, Raises, Runtime

BEFORE_INIT = Raises("AttributeError", r"cannot assign (module|parameters) before Module\.__init__\(\) call")

# The intended programs: super().__init__() first, written by hand.
_NET_REFERENCE = """
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.fc = nn.Linear(n_in, n_out)

    def forward(self, x):
        return self.fc(x)

net = Net(10, 2)
out = net(torch.randn(3, 10))
"""
_SCALER_REFERENCE = """
import torch
import torch.nn as nn

class Scaler(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim
        self.weight = nn.Parameter(torch.ones(dim))

scaler = Scaler(4)
"""
_DECODER_REFERENCE = """
import torch
from torch import nn

class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

class Decoder(nn.Module):
    def __init__(self):
        super(Decoder, self).__init__()
        self.fc = nn.Linear(4, 8)

decoder = Decoder()
"""
_ENCODER_REFERENCE = """
from torch import nn

class Encoder(nn.Module):
    def __init__(self, vocab, dim):
        nn.Module.__init__(self)
        self.embed = nn.Embedding(vocab, dim)
        self.rnn = nn.GRU(dim, dim, batch_first=True)

    def forward(self, tokens):
        return self.rnn(self.embed(tokens))
"""
_RESIDUAL_REFERENCE = """
import torch.nn as nn

class ResidualBlockV2(nn.Module):
    def __init__(self, channels):
        super(ResidualBlockV2, self).__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return x + self.conv(x)
"""
_HEAD_REFERENCE = """
from torch import nn

class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.dropout = nn.Dropout(0.1)

class Head(Base):
    def __init__(self, hidden, classes, pooled=True):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool1d(1) if pooled else None
        self.out = nn.Linear(hidden, classes)
"""

_GATE_REFERENCE = """
import torch
from torch import nn

class Gate(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.width = width
        self.scale = nn.Parameter(torch.zeros(width))

    def forward(self, x):
        return x * torch.sigmoid(self.scale)

gate = Gate(5)
out = gate(torch.ones(2, 5))
"""

EXAMPLES = (
    Example(
        "a layer assigned before super().__init__()",
        """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self, n_in, n_out):
                self.fc = nn.Linear(n_in, n_out)  # expect: PTL303
                super().__init__()

            def forward(self, x):
                return self.fc(x)

        net = Net(10, 2)
        out = net(torch.randn(3, 10))
        """,
        fixed="""
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self, n_in, n_out):
                super().__init__()
                self.fc = nn.Linear(n_in, n_out)

            def forward(self, x):
                return self.fc(x)

        net = Net(10, 2)
        out = net(torch.randn(3, 10))
        """,
        runtime=Runtime(BEFORE_INIT, outputs="(net, out)", reference=_NET_REFERENCE),
    ),
    Example(
        "a parameter and plain settings before the old-style super call",
        """
        import torch
        import torch.nn as nn

        class Scaler(nn.Module):
            def __init__(self, dim):
                self.dim = dim
                self.weight = nn.Parameter(torch.ones(dim))  # expect: PTL303
                super(Scaler, self).__init__()

            def forward(self, x):
                return x * self.weight

        scaler = Scaler(4)
        """,
        fixed="""
        import torch
        import torch.nn as nn

        class Scaler(nn.Module):
            def __init__(self, dim):
                self.dim = dim
                super(Scaler, self).__init__()
                self.weight = nn.Parameter(torch.ones(dim))

            def forward(self, x):
                return x * self.weight

        scaler = Scaler(4)
        """,
        runtime=Runtime(BEFORE_INIT, outputs="(scaler, scaler.dim)", reference=_SCALER_REFERENCE),
    ),
    Example(
        "super() naming a class copied from elsewhere in the file",
        """
        import torch
        from torch import nn

        class Encoder(nn.Module):
            def __init__(self):
                super(Encoder, self).__init__()
                self.fc = nn.Linear(8, 4)

        class Decoder(nn.Module):
            def __init__(self):
                super(Encoder, self).__init__()  # expect: PTL303
                self.fc = nn.Linear(4, 8)

        decoder = Decoder()
        """,
        fixed="""
        import torch
        from torch import nn

        class Encoder(nn.Module):
            def __init__(self):
                super(Encoder, self).__init__()
                self.fc = nn.Linear(8, 4)

        class Decoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 8)

        decoder = Decoder()
        """,
        runtime=Runtime(
            Raises("TypeError", r"obj must be an instance or subtype of type"),
            outputs="decoder",
            reference=_DECODER_REFERENCE,
        ),
    ),
    Example(
        "an __init__ that never calls super().__init__()",
        """
        from torch import nn

        class Encoder(nn.Module):
            def __init__(self, vocab, dim):
                \"\"\"Embeds tokens and runs a GRU over them.\"\"\"
                self.embed = nn.Embedding(vocab, dim)  # expect: PTL303
                self.rnn = nn.GRU(dim, dim, batch_first=True)  # expect: PTL303

            def forward(self, tokens):
                return self.rnn(self.embed(tokens))
        """,
        fixed="""
        from torch import nn

        class Encoder(nn.Module):
            def __init__(self, vocab, dim):
                \"\"\"Embeds tokens and runs a GRU over them.\"\"\"
                super().__init__()
                self.embed = nn.Embedding(vocab, dim)
                self.rnn = nn.GRU(dim, dim, batch_first=True)

            def forward(self, tokens):
                return self.rnn(self.embed(tokens))
        """,
        runtime=Runtime(
            BEFORE_INIT,
            driver="""
            import torch

            encoder = Encoder(10, 4)
            states, last = encoder(torch.tensor([[1, 2, 3]]))
            """,
            outputs="(encoder, states, last)",
            reference=_ENCODER_REFERENCE,
        ),
    ),
    Example(
        "super() still naming the class before it was renamed",
        """
        import torch.nn as nn

        class ResidualBlockV2(nn.Module):
            def __init__(self, channels):
                super(ResidualBlock, self).__init__()  # expect: PTL303
                self.conv = nn.Conv2d(channels, channels, 3, padding=1)

            def forward(self, x):
                return x + self.conv(x)
        """,
        fixed="""
        import torch.nn as nn

        class ResidualBlockV2(nn.Module):
            def __init__(self, channels):
                super().__init__()
                self.conv = nn.Conv2d(channels, channels, 3, padding=1)

            def forward(self, x):
                return x + self.conv(x)
        """,
        runtime=Runtime(
            Raises("NameError", "name 'ResidualBlock' is not defined"),
            driver="""
            import torch

            block = ResidualBlockV2(2)
            out = block(torch.randn(1, 2, 4, 4))
            """,
            outputs="(block, out)",
            reference=_RESIDUAL_REFERENCE,
        ),
    ),
    Example(
        "a submodule chosen in a branch before a local base's __init__",
        """
        from torch import nn

        class Base(nn.Module):
            def __init__(self):
                super().__init__()
                self.dropout = nn.Dropout(0.1)

        class Head(Base):
            def __init__(self, hidden, classes, pooled=True):
                if pooled:
                    self.pool = nn.AdaptiveAvgPool1d(1)  # expect: PTL303
                super().__init__()
                self.out = nn.Linear(hidden, classes)
        """,
        fixed="""
        from torch import nn

        class Base(nn.Module):
            def __init__(self):
                super().__init__()
                self.dropout = nn.Dropout(0.1)

        class Head(Base):
            def __init__(self, hidden, classes, pooled=True):
                super().__init__()
                if pooled:
                    self.pool = nn.AdaptiveAvgPool1d(1)
                self.out = nn.Linear(hidden, classes)
        """,
        runtime=Runtime(
            BEFORE_INIT,
            driver="head = Head(8, 3)",
            outputs="(head, [name for name, _ in head.named_modules()])",
            reference=_HEAD_REFERENCE,
        ),
    ),
    Example(
        "super(Class) without self: an unbound super object, the base __init__ never runs",
        """
        import torch
        from torch import nn

        class Gate(nn.Module):
            def __init__(self, width):
                super(Gate).__init__()
                self.width = width
                self.scale = nn.Parameter(torch.zeros(width))  # expect: PTL303

            def forward(self, x):
                return x * torch.sigmoid(self.scale)

        gate = Gate(5)
        out = gate(torch.ones(2, 5))
        """,
        fixed="""
        import torch
        from torch import nn

        class Gate(nn.Module):
            def __init__(self, width):
                super().__init__()
                self.width = width
                self.scale = nn.Parameter(torch.zeros(width))

            def forward(self, x):
                return x * torch.sigmoid(self.scale)

        gate = Gate(5)
        out = gate(torch.ones(2, 5))
        """,
        runtime=Runtime(BEFORE_INIT, outputs="(gate, out)", reference=_GATE_REFERENCE),
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "super().__init__() first",
        """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self, n_in, n_out):
                super().__init__()
                self.fc = nn.Linear(n_in, n_out)

            def forward(self, x):
                return self.fc(x)

        out = Net(10, 2)(torch.randn(3, 10))
        """,
        runtime=Runtime(),
    ),
    Example(
        "plain attributes may be set before super().__init__()",
        """
        import torch
        from torch import nn

        class Config(nn.Module):
            def __init__(self, hidden):
                self.hidden = hidden
                self.use_bias = True
                super().__init__()
                self.proj = nn.Linear(hidden, hidden, bias=self.use_bias)

        model = Config(4)
        """,
        runtime=Runtime(),
    ),
    Example(
        "super() naming the class itself, and a base whose __init__ is deliberately skipped",
        """
        from torch import nn

        class Base(nn.Module):
            def __init__(self):
                super(Base, self).__init__()
                self.fc = nn.Linear(4, 4)

        class Light(Base):
            def __init__(self):
                super(Base, self).__init__()
                self.fc = nn.Linear(4, 2)

        light = Light()
        """,
        runtime=Runtime(),
    ),
    Example(
        "nn.Module.__init__(self) called explicitly",
        """
        import torch.nn as nn

        class Legacy(nn.Module):
            def __init__(self):
                nn.Module.__init__(self)
                self.fc = nn.Linear(2, 2)
        """,
    ),
    Example(
        "a plain Python class may assign anything before its super call",
        """
        import torch.nn as nn

        class Registry(dict):
            def __init__(self):
                self.default = nn.Linear(2, 2)
                super().__init__()
        """,
    ),
    Example(
        "super(Imported, self) of a class imported from another module",
        """
        from torch import nn
        from mylib.layers import BaseBlock

        class Block(BaseBlock):
            def __init__(self):
                super(BaseBlock, self).__init__()
                self.fc = nn.Linear(3, 3)
        """,
    ),
)
