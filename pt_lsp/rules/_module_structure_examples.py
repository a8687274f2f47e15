"""Examples of PTL303 (module-before-super-init) and PTL304 (layer-created-in-forward)."""
from __future__ import annotations

from pt_lsp.core.examples import Example, Probe, Raises, Runtime

BEFORE_INIT = Raises("AttributeError", r"cannot assign (module|parameters) before Module\.__init__\(\) call")
RANDOM_EACH_CALL = Probe("symptom = not torch.equal(model(x), model(x))",
                         "two calls on the same input give different outputs: the layer is new each time")

SUPER_INIT_EXAMPLES = (
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
        runtime=Runtime(BEFORE_INIT),
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
        runtime=Runtime(BEFORE_INIT),
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
        runtime=Runtime(Raises("TypeError", r"obj must be an instance or subtype of type")),
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

LAYER_EXAMPLES = (
    Example(
        "a classifier head created in forward",
        """
        import torch
        from torch import nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(nn.Linear(20, 64), nn.ReLU())

            def forward(self, x):
                h = self.features(x)
                return nn.Linear(64, 10)(h)  # expect: PTL304

        model = Classifier()
        x = torch.randn(4, 20)
        """,
        runtime=Runtime(RANDOM_EACH_CALL),
    ),
    Example(
        "a convolution built in a helper that forward calls",
        """
        import torch
        from torch import nn

        class Block(nn.Module):
            def __init__(self, channels):
                super().__init__()
                self.channels = channels
                self.bn = nn.BatchNorm2d(channels)

            def project(self, x):
                conv = nn.Conv2d(self.channels, self.channels, 3, padding=1)  # expect: PTL304
                return conv(x)

            def forward(self, x):
                return torch.relu(self.bn(self.project(x)))

        model = Block(4).eval()
        x = torch.randn(1, 4, 8, 8)
        """,
        runtime=Runtime(RANDOM_EACH_CALL),
    ),
    Example(
        "an LSTM sized from the input",
        """
        from torch import nn

        class Tagger(nn.Module):
            def __init__(self, vocab, tags):
                super().__init__()
                self.embed = nn.Embedding(vocab, 32)
                self.out = nn.Linear(64, tags)

            def forward(self, tokens):
                emb = self.embed(tokens)
                lstm = nn.LSTM(emb.size(-1), 64, batch_first=True)  # expect: PTL304
                hidden, _ = lstm(emb)
                return self.out(hidden)
        """,
    ),
    Example(
        "an embedding made per call",
        """
        import torch.nn as nn

        class Recommender(nn.Module):
            def __init__(self, n_users):
                super().__init__()
                self.n_users = n_users

            def forward(self, user_ids, item_vectors):
                users = nn.Embedding(self.n_users, 16)(user_ids)  # expect: PTL304
                return (users * item_vectors).sum(-1)
        """,
    ),
    Example(
        "a Sequential with a linear layer assembled in forward",
        """
        from torch import nn

        class Mixer(nn.Module):
            def __init__(self):
                super().__init__()
                self.norm = nn.LayerNorm(32)

            def forward(self, x):
                mlp = nn.Sequential(nn.Linear(32, 128), nn.GELU())  # expect: PTL304
                return x + mlp(self.norm(x))
        """,
    ),
    Example(
        "attention created on the fly",
        """
        from torch import nn

        class Fusion(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.proj = nn.Linear(dim, dim)

            def forward(self, q, kv):
                attn = nn.MultiheadAttention(64, 4, batch_first=True)  # expect: PTL304
                out, _ = attn(self.proj(q), kv, kv)
                return out
        """,
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "the head created in __init__",
        """
        import torch
        from torch import nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(nn.Linear(20, 64), nn.ReLU())
                self.head = nn.Linear(64, 10)

            def forward(self, x):
                return self.head(self.features(x))

        model = Classifier()
        x = torch.randn(4, 20)
        """,
        runtime=Runtime(RANDOM_EACH_CALL),
    ),
    Example(
        "parameter-free layers in forward are harmless",
        """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(16, 4)

            def forward(self, x):
                x = nn.Flatten()(x)
                return nn.ReLU()(self.fc(x))

        model = Net().eval()
        x = torch.randn(2, 4, 4)
        """,
        runtime=Runtime(RANDOM_EACH_CALL),
    ),
    Example(
        "a head created lazily once and stored on the module",
        """
        import torch
        from torch import nn

        class LazyHead(nn.Module):
            def __init__(self, classes):
                super().__init__()
                self.classes = classes
                self.head = None

            def forward(self, x):
                if self.head is None:
                    self.head = nn.Linear(x.size(-1), self.classes)
                return self.head(x)

        model = LazyHead(3)
        x = torch.randn(2, 7)
        """,
        runtime=Runtime(RANDOM_EACH_CALL),
    ),
    Example(
        "functional layers with the module's own parameters",
        """
        import torch
        import torch.nn.functional as F
        from torch import nn

        class Tied(nn.Module):
            def __init__(self, vocab, dim):
                super().__init__()
                self.embed = nn.Embedding(vocab, dim)

            def forward(self, tokens):
                h = self.embed(tokens)
                return F.linear(h, self.embed.weight)
        """,
    ),
    Example(
        "a layer norm without affine parameters, and layers built by a helper of __init__",
        """
        from torch import nn

        class Block(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.layers = self._make_layers(dim)

            def _make_layers(self, dim):
                return nn.ModuleList([nn.Linear(dim, dim) for _ in range(3)])

            def forward(self, x):
                x = nn.LayerNorm(x.size(-1), elementwise_affine=False)(x)
                for layer in self.layers:
                    x = layer(x)
                return x
        """,
    ),
    Example(
        "a layer registered in forward with add_module",
        """
        from torch import nn

        class Growing(nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = nn.ModuleList()

            def forward(self, x, grow=False):
                if grow:
                    self.blocks.append(nn.Linear(x.size(-1), x.size(-1)))
                    self.add_module("extra", nn.Linear(x.size(-1), 1))
                for block in self.blocks:
                    x = block(x)
                return x
        """,
    ),
)
