"""PTL302 unregistered-buffer: which attributes count, where forward uses them, and the fixes."""

from __future__ import annotations

from rules_helpers import findings, fixed, lines

from pt_lsp.core.findings import Applicability

CODE = "PTL302"

TEMPLATE = """
import torch
from torch import nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.t = {value}
    def forward(self, x):
        return x * self.t
"""


def module(value: str) -> str:
    return TEMPLATE.format(value=value)


def test_factories_and_expressions_of_them_are_plain_tensors():
    for value in (
        "torch.ones(3)",
        "torch.tensor([1.0, 2.0])",
        "torch.arange(4).float() / 4",
        "torch.tril(torch.ones(3, 3))",
        "torch.randn(2, 3).cuda()",
    ):
        assert lines(CODE, module(value)) == [6], value


def test_scalars_parameters_requires_grad_and_unknown_values_are_not():
    for value in (
        "torch.tensor(0.5)",
        "torch.zeros(())",
        "nn.Parameter(torch.ones(3))",
        "torch.ones(3, requires_grad=True)",
        "torch.ones(3).requires_grad_()",
        "make_mask()",
        "[torch.ones(3)]",
        "torch.load('m.pt')",
    ):
        assert lines(CODE, module(value)) == [], value


def test_unused_reassigned_registered_or_moved_attributes_are_silent():
    assert (
        lines(
            CODE,
            """
        import torch
        from torch import nn
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.unused = torch.ones(3)
                self.cache = torch.zeros(3)
                self.moved = torch.ones(3)
                self.named = torch.ones(3)
                self.register_buffer("named", self.named)
            def forward(self, x):
                self.cache = x.detach()
                return x * self.moved.to(x.device) * self.named
    """,
        )
        == []
    )


def test_classes_that_move_their_own_tensors_and_non_modules_are_silent():
    assert (
        lines(
            CODE,
            """
        import torch
        from torch import nn
        class Custom(nn.Module):
            def __init__(self):
                super().__init__()
                self.t = torch.ones(3)
            def _apply(self, fn, recurse=True):
                self.t = fn(self.t)
                return super()._apply(fn, recurse)
            def forward(self, x):
                return x * self.t
        class NotAModule:
            def __init__(self):
                self.t = torch.ones(3)
            def forward(self, x):
                return x * self.t
    """,
        )
        == []
    )


def test_fixes_register_a_buffer_persistent_first():
    found = findings(CODE, module("torch.ones(3)"))
    assert [f.applicability for f in found[0].fixes] == [Applicability.UNSAFE, Applicability.UNSAFE]
    assert found[0].fixes[1].edits[0].content == 'self.register_buffer("t", torch.ones(3), persistent=False)'
    assert 'self.register_buffer("t", torch.ones(3))' in fixed(CODE, module("torch.ones(3)"))


def test_tensors_placed_with_an_explicit_device_are_left_to_their_author():
    assert (
        lines(
            CODE, module("torch.zeros(4, 2, device=device)").replace("def __init__(self)", "def __init__(self, device)")
        )
        == []
    )
