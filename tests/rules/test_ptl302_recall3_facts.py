"""PTL302 facts taught from the third recall set's misses (benchmarks/recall-3/): a callable
parameter of `__init__` that every instantiation leaves at (or passes as) a torch factory, and
arithmetic of a plain tensor under a tensor method. Our own programs, each run under torch 2.13
(the bad ones on a CUDA device fail with "Expected all tensors to be on the same device"); each
bug has a silent neighbour."""

from __future__ import annotations

from rules_helpers import findings, lines

CODE = "PTL302"

_TAPER = """
import torch
from torch import nn

class Taper(nn.Module):
    def __init__(self, size, make=torch.ones, scale=1.0):
        super().__init__()
        self.scale = scale
        self.weights = make(size)

    def forward(self, x):
        return x * self.weights * self.scale

plain = Taper(6)
tapered = Taper(6, make=torch.ones, scale=0.5)
"""


def test_a_callable_parameter_every_instantiation_leaves_a_torch_factory():
    found = findings(CODE, _TAPER)
    assert [f.line for f in found] == [8]
    assert "by `make`, which is `torch.ones` at every instantiation" in found[0].related[0].message


def test_a_window_function_is_a_factory():
    assert lines(
        CODE,
        """
        import torch
        from torch import nn

        class Frames(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.taper = torch.blackman_window(n)

            def forward(self, frames):
                return frames * self.taper
        """,
    ) == [7]


def test_a_callable_parameter_that_is_not_always_the_same_torch_factory_is_silent():
    # one caller passes its own function: it may place the tensor itself
    mixed = _TAPER.replace("make=torch.ones, scale=0.5", "make=lambda n: torch.ones(n, device='cpu')")
    assert lines(CODE, mixed) == []
    # never instantiated in the file: the callers are unknown
    alone = _TAPER.split("plain = ")[0]
    assert lines(CODE, alone) == []


_DECAY = """
import torch
from torch import nn

class Decay(nn.Module):
    def __init__(self, steps, device=None):
        super().__init__()
        self.decay = self._decay(steps, device)

    def _decay(self, steps, device):
        base = torch.arange(steps){placed}
        return (-base * 0.5).view(1, -1)

    def forward(self, x):
        return x * self.decay.exp()

decay = Decay(4)
"""


def test_arithmetic_of_a_plain_tensor_under_a_tensor_method_stays_plain():
    found = findings(CODE, _DECAY.format(placed=""))
    assert [f.line for f in found] == [7]
    assert "made here by `_decay`, which returns a plain tensor" in found[0].related[0].message
    # placed where it is made: the module's device is the caller's business
    assert lines(CODE, _DECAY.format(placed=".to(device)")) == []
