"""Examples of PTL104 tensor-new."""

from pt_lsp.core.examples import Example, Probe, Raises, Runs, Runtime

EXAMPLES = (
    Example(
        "x.new(tensor) aliases the tensor: the 'copy' writes into the original",
        """
        import torch

        scores = torch.randn(4)
        lengths = torch.tensor([3.0, 1.0, 2.0, 4.0])
        weights = scores.new(lengths)  # expect: PTL104
        weights[lengths < 2] = 0.0
        """,
        fixed="""
        import torch

        scores = torch.randn(4)
        lengths = torch.tensor([3.0, 1.0, 2.0, 4.0])
        weights = scores.new_tensor(lengths)
        weights[lengths < 2] = 0.0
        """,
        runtime=Runtime(
            symptom=Probe(
                "symptom = not torch.equal(lengths, torch.tensor([3.0, 1.0, 2.0, 4.0]))",
                "writing into the tensor made by x.new(lengths) changed lengths",
            ),
            outputs="(weights, lengths)",
            reference="""
            import torch

            scores = torch.randn(4)
            lengths = torch.tensor([3.0, 1.0, 2.0, 4.0])
            weights = lengths.clone()
            weights[lengths < 2] = 0.0
            """,
        ),
    ),
    Example(
        "x.new(tensor) with integer labels raises",
        """
        import torch

        logits = torch.randn(3, 5)
        labels = torch.tensor([1, 0, 4])
        targets = logits.new(labels)  # expect: PTL104
        """,
        fixed="""
        import torch

        logits = torch.randn(3, 5)
        labels = torch.tensor([1, 0, 4])
        targets = logits.new_tensor(labels)
        """,
        runtime=Runtime(
            symptom=Raises("TypeError", r"expected TensorOptions\(dtype=float"),
            outputs="(targets, targets.dtype)",
            reference="""
            import torch

            logits = torch.randn(3, 5)
            labels = torch.tensor([1, 0, 4])
            targets = labels.to(logits.dtype, copy=True)
            """,
        ),
    ),
    Example(
        "init_hidden from the old word_language_model example",
        """
        import torch.nn as nn

        class RNNModel(nn.Module):
            def __init__(self, nhid, nlayers):
                super().__init__()
                self.rnn = nn.LSTM(nhid, nhid, nlayers)
                self.nhid, self.nlayers = nhid, nlayers

            def init_hidden(self, bsz):
                weight = next(self.parameters())
                return (weight.new(self.nlayers, bsz, self.nhid).zero_(),  # expect: PTL104
                        weight.new(self.nlayers, bsz, self.nhid).zero_())  # expect: PTL104
        """,
        fixed="""
        import torch.nn as nn

        class RNNModel(nn.Module):
            def __init__(self, nhid, nlayers):
                super().__init__()
                self.rnn = nn.LSTM(nhid, nhid, nlayers)
                self.nhid, self.nlayers = nhid, nlayers

            def init_hidden(self, bsz):
                weight = next(self.parameters())
                return (weight.new_empty(self.nlayers, bsz, self.nhid).zero_(),
                        weight.new_empty(self.nlayers, bsz, self.nhid).zero_())
        """,
        runtime=Runtime(
            Runs("`weight.new(sizes)` allocates what `new_empty(sizes)` does, in the weight's dtype and device"),
            outputs="(hidden, hidden[0].dtype, output)",
            driver="""
            import torch

            model = RNNModel(4, 2)
            hidden = model.init_hidden(3)
            output, _ = model.rnn(torch.randn(5, 3, 4), hidden)
            """,
        ),
    ),
    Example(
        "a constant filled into new memory",
        """
        import torch

        x = torch.randn(2, 3)
        half = x.new(2, 3).fill_(0.5)  # expect: PTL104
        """,
        fixed="""
        import torch

        x = torch.randn(2, 3)
        half = x.new_empty(2, 3).fill_(0.5)
        """,
        runtime=Runtime(
            Runs("`x.new(sizes)` allocates what `x.new_empty(sizes)` does"),
            outputs="(half, half.dtype)",
        ),
    ),
    Example(
        "index list in the receiver's type",
        """
        import torch

        t = torch.ones(3, 4)
        idx = t.new([0, 2]).long()  # expect: PTL104
        """,
        fixed="""
        import torch

        t = torch.ones(3, 4)
        idx = t.new_tensor([0, 2]).long()
        """,
        runtime=Runtime(
            Runs("`t.new(list)` copies the list in t's dtype, as `t.new_tensor(list)` does"),
            outputs="(idx, idx.dtype, t[:, idx])",
        ),
    ),
    Example(
        "noise shaped like a parameter",
        """
        import torch
        import torch.nn as nn

        class NoisyLinear(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.randn(n, n))

            def forward(self, x):
                noise = self.weight.new(self.weight.size()).normal_()  # expect: PTL104
                return x @ (self.weight + noise)
        """,
        fixed="""
        import torch
        import torch.nn as nn

        class NoisyLinear(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.randn(n, n))

            def forward(self, x):
                noise = self.weight.new_empty(self.weight.size()).normal_()
                return x @ (self.weight + noise)
        """,
        runtime=Runtime(
            Runs("`new(size)` then `normal_()` draws the same noise as `new_empty(size)`"),
            outputs="(layer, y)",
            driver="""
            layer = NoisyLinear(3)
            y = layer(torch.randn(2, 3))
            """,
        ),
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "the documented new_* methods",
        """
        import torch

        x = torch.randn(2, 3)
        zeros = x.new_zeros(4, 5)
        data = x.new_tensor([1.0, 2.0])
        empty = x.new_empty(3)
        ones = x.new_ones((2, 2))
        """,
        runtime=Runtime(),
    ),
    Example(
        "hashlib.new is not Tensor.new",
        """
        import hashlib

        digest = hashlib.new("sha256")
        digest.update(b"weights")
        """,
        runtime=Runtime(),
    ),
    Example(
        "new on an object of unknown type",
        """
        def fresh(x):
            return x.new(3)
        """,
    ),
    Example(
        "a class with its own new method",
        """
        class Pool:
            def new(self, size):
                return [0] * size

        pool = Pool()
        block = pool.new(16)
        """,
        runtime=Runtime(),
    ),
    Example(
        "PIL's Image.new",
        """
        from PIL import Image

        canvas = Image.new("RGB", (64, 64))
        """,
    ),
    Example(
        "a tensor subclass calling __new__",
        """
        import torch

        class Wrapped(torch.Tensor):
            @staticmethod
            def __new__(cls, data):
                return torch.Tensor._make_subclass(cls, data)
        """,
    ),
)
