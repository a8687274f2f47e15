"""PTL302 facts taught from the second recall set's misses (benchmarks/recall-2/README.md):
a tensor made by a helper of the file, `torch.from_numpy`, the legacy `torch.Tensor(n)`, and uses
in a method that runs `forward`. Our own programs; each bug has a silent neighbour."""

from __future__ import annotations

from rules_helpers import findings, lines

CODE = "PTL302"


def test_a_helper_returning_a_factory_tensor_is_a_plain_tensor():
    source = """
        import torch
        from torch import nn

        def random_projection(rows, cols, scale):
            w = torch.randn(rows, cols)
            return w / scale

        class Projector(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.w = random_projection(n, 4, 2.0)

            def forward(self, x):
                return x @ self.w
    """
    found = findings(CODE, source)
    assert [f.line for f in found] == [11]
    assert "made here by `random_projection`" in found[0].related[0].message


def test_a_helper_that_places_its_tensor_or_returns_a_parameter_is_silent():
    assert (
        lines(
            CODE,
            """
        import torch
        from torch import nn

        def on(device, n):
            return torch.randn(n, 4, device=device)

        def learnable(n):
            return nn.Parameter(torch.randn(n, 4))

        def maybe(n):
            if n:
                return torch.randn(n, 4)

        class Projector(nn.Module):
            def __init__(self, n, device):
                super().__init__()
                self.a = on(device, n)
                self.b = learnable(n)
                self.c = maybe(n)

            def forward(self, x):
                return x @ self.a + x @ self.b + x @ self.c
    """,
        )
        == []
    )


def test_from_numpy_through_a_helper_and_a_local_name():
    source = """
        import numpy as np
        import torch
        from torch import nn

        def band(n):
            table = np.tril(np.ones((n, n)), k=2).astype("float32")
            return torch.from_numpy(table)

        class Banded(nn.Module):
            def __init__(self, n):
                super().__init__()
                mask = band(n)
                self.mask = mask

            def forward(self, scores):
                return scores * self.mask
    """
    assert lines(CODE, source) == [13]
    registered = source.replace("self.mask = mask", 'self.register_buffer("mask", mask)')
    assert lines(CODE, registered) == []


def test_the_legacy_constructor_with_a_size_is_a_tensor_factory():
    source = """
        import torch
        from torch import nn

        class Jitter(nn.Module):
            def __init__(self, width):
                super().__init__()
                self.eps = torch.Tensor(width)
                self.offset = torch.Tensor(3)

            def forward(self, x):
                return x + self.eps.uniform_(-0.1, 0.1) + self.offset
    """
    assert lines(CODE, source) == [7, 8]
    buffer = source.replace("self.eps = torch.Tensor(width)", 'self.register_buffer("eps", torch.Tensor(width))')
    assert lines(CODE, buffer) == [8]


def test_a_use_in_a_method_that_runs_forward_counts():
    source = """
        import torch
        from torch import nn

        class Actor(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.body = nn.Linear(4, n)
                self.jitter = torch.zeros(n)

            def forward(self, obs):
                return torch.tanh(self.body(obs))

            def act(self, obs):
                action = self(obs)
                return action + self.jitter.normal_(0.0, 0.1)
    """
    found = findings(CODE, source)
    assert [f.line for f in found] == [8]
    assert "used in `act` (which runs `forward`)" in found[0].message


def test_a_use_in_a_method_that_never_meets_the_module_output_is_silent():
    assert (
        lines(
            CODE,
            """
        import torch
        from torch import nn

        class Actor(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.body = nn.Linear(4, n)
                self.jitter = torch.zeros(n)

            def forward(self, obs):
                return torch.tanh(self.body(obs))

            def describe(self):
                return self.jitter.tolist()
    """,
        )
        == []
    )


def test_a_tensor_handed_only_to_another_librarys_function_is_silent():
    # such a function may place it itself (allennlp copies its ids into a slice of the input's
    # device); a torch function or a helper of the file that mixes it with the input is reported
    source = """
        import numpy as np
        import torch
        from torch import nn
        from textlib.util import add_boundaries

        class CharEncoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.bos = torch.from_numpy(np.array([1, 2, 3]) + 1)

            def forward(self, ids):
                return add_boundaries(ids, self.bos)
    """
    assert lines(CODE, source) == []
    assert lines(CODE, source.replace("add_boundaries(ids, self.bos)", "torch.cat([self.bos, ids])")) == [9]


def test_a_method_of_the_class_that_returns_a_factory_tensor_counts_unless_it_places_it():
    source = """
        import torch
        from torch import nn

        class Causal(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.mask = self._lower(n)

            def _lower(self, n):
                return torch.tril(torch.ones(n, n))

            def forward(self, scores):
                return scores.masked_fill(self.mask == 0, -1e9)
    """
    found = findings(CODE, source)
    assert [f.line for f in found] == [7]
    assert "made here by `_lower`" in found[0].related[0].message
    placed = source.replace("torch.ones(n, n))", 'torch.ones(n, n, device="cuda"))')
    assert lines(CODE, placed) == []


def test_a_use_in_a_method_that_runs_one_of_the_layers_counts():
    source = """
        import torch
        from torch import nn

        class Actor(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.body = nn.Linear(4, n)
                self.jitter = torch.zeros(n)

            def forward(self, obs):
                return torch.tanh(self.body(obs))

            def explore(self, obs):
                return self.body(obs) + self.jitter.normal_()
    """
    found = findings(CODE, source)
    assert [f.line for f in found] == [8]
    assert "used in `explore` (which runs the layer `self.body`)" in found[0].message
    no_layer = source.replace("return self.body(obs) + self.jitter.normal_()", "return obs + self.jitter.normal_()")
    assert lines(CODE, no_layer) == []


def test_a_conversion_of_list_data_or_a_reshaped_conversion_is_a_plain_tensor():
    source = """
        import torch
        from torch import nn

        class Standardize(nn.Module):
            def __init__(self, mean, std, weights, temperature):
                super().__init__()
                self.mean = torch.tensor(mean).view(-1, 1, 1)
                self.std = torch.as_tensor(std)
                self.weights = torch.tensor(weights)
                self.temperature = torch.tensor(temperature)

            def forward(self, x):
                return (x - self.mean) / self.std * self.weights / self.temperature

        layer = Standardize(get_mean(), [0.2, 0.2, 0.2], weights=[1.0, 2.0, 1.0], temperature=0.5)
    """
    # mean: unknown data, but the view gives it dimensions; std, weights: lists at every
    # instantiation; temperature: a number, a 0-dim tensor that torch lets meet any device
    assert lines(CODE, source) == [7, 8, 9]
