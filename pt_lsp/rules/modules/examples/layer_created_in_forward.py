"""Examples of PTL304 (layer-created-in-forward): heads, convolutions and LSTMs made per call."""

from __future__ import annotations

from pt_lsp.core.examples import Example, Probe, Runtime

RANDOM_EACH_CALL = Probe(
    "symptom = not torch.equal(model(x), model(x))",
    "two calls on the same input give different outputs: the layer is new each time",
)

EVAL_STILL_RANDOM = Probe(
    "symptom = not torch.equal(model(x), model(x))",
    "after `model.eval()` two calls on the same input differ: the new dropout is in training mode",
)


def _random_each_call(args: str) -> Probe:
    """RANDOM_EACH_CALL for a forward that takes ``args``."""
    return Probe(
        f"symptom = not torch.equal(model({args}), model({args}))",
        "two calls on the same inputs give different outputs: the layer is new each time",
    )


EXAMPLES = (
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
        runtime=Runtime(
            RANDOM_EACH_CALL,
            driver="""
            import torch

            model = Tagger(10, 3)
            x = torch.tensor([[1, 2, 3]])
            """,
        ),
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
        runtime=Runtime(
            _random_each_call("ids, items"),
            driver="""
            import torch

            model = Recommender(5)
            ids, items = torch.tensor([0, 3]), torch.randn(2, 16)
            """,
        ),
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
                mlp = nn.Sequential(nn.Linear(32, 128), nn.GELU(), nn.Linear(128, 32))  # expect: PTL304
                return x + mlp(self.norm(x))
        """,
        runtime=Runtime(
            RANDOM_EACH_CALL,
            driver="""
            import torch

            model = Mixer()
            x = torch.randn(2, 32)
            """,
        ),
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
        runtime=Runtime(
            _random_each_call("q, kv"),
            driver="""
            import torch

            model = Fusion(64)
            q, kv = torch.randn(1, 3, 64), torch.randn(1, 5, 64)
            """,
        ),
    ),
    Example(
        "a layer assigned to the module in forward with no guard",
        """
        import torch
        from torch import nn

        class Adapter(nn.Module):
            def __init__(self):
                super().__init__()

            def forward(self, x):
                self.proj = nn.Linear(x.size(-1), x.size(-1), bias=False)  # expect: PTL304
                return self.proj(x)

        model = Adapter().eval()
        x = torch.randn(2, 6)
        """,
        runtime=Runtime(RANDOM_EACH_CALL),
    ),
    Example(
        "a lazy layer created after the optimizer took the model's parameters",
        """
        import torch
        from torch import nn

        class LazyHead(nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = nn.Parameter(torch.ones(1))
                self.head = None

            def forward(self, x):
                if self.head is None:
                    self.head = nn.Linear(x.size(-1), 1)  # expect: PTL304
                return self.head(x) * self.scale

        model = LazyHead()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        x = torch.randn(4, 3)
        model(x).sum().backward()
        optimizer.step()
        """,
        runtime=Runtime(
            Probe(
                "symptom = all(p is not model.head.weight for g in optimizer.param_groups for p in g['params'])",
                "the optimizer does not hold the lazily created layer's weight",
            )
        ),
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
        "the optimizer built after a first forward pass created the lazy layer",
        """
        import torch
        from torch import nn

        class LazyHead(nn.Module):
            def __init__(self):
                super().__init__()
                self.head = None

            def forward(self, x):
                if self.head is None:
                    self.head = nn.Linear(x.size(-1), 1)
                return self.head(x)

        model = LazyHead()
        x = torch.randn(4, 3)
        model(x)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        model(x).sum().backward()
        optimizer.step()
        """,
        runtime=Runtime(
            Probe(
                "symptom = all(p is not model.head.weight for g in optimizer.param_groups for p in g['params'])",
                "the optimizer does not hold the lazily created layer's weight",
            )
        ),
    ),
    Example(
        "a dropout made in forward, still active after model.eval()",
        """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return nn.Dropout(0.5)(self.fc(x))  # expect: PTL304

        model = Net()
        model.eval()
        x = torch.randn(4, 8)
        """,
        runtime=Runtime(EVAL_STILL_RANDOM),
    ),
    Example(
        "a functional dropout that follows the module's mode",
        """
        import torch
        import torch.nn.functional as F
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return F.dropout(self.fc(x), 0.5, training=self.training)

        model = Net()
        model.eval()
        x = torch.randn(4, 8)
        """,
        runtime=Runtime(EVAL_STILL_RANDOM),
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
