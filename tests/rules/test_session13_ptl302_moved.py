"""PTL302: a plain constant scaled into CPU noise that is moved before it meets the input.

A Gaussian dropout keeps ``self.alpha = torch.Tensor([alpha])`` and computes
``torch.randn(x.size()) * self.alpha + 1`` on the CPU, then moves that noise to the input's device:
the attribute's values reach the GPU through the move, as ``self.alpha.to(x.device)`` would bring
them (audit-16's debatable PTL302 constants). Each program was run under ``pt-lsp run --device
fake-cuda`` (torch 2.13); what it did is said beside it."""

from __future__ import annotations

from rules_helpers import lines

# fake-cuda: prints torch.Size([2, 4]).
DROPOUT = """
import torch
import torch.nn as nn


class GaussianDropout(nn.Module):
    def __init__(self, alpha=0.5):
        super().__init__()
        self.alpha = torch.Tensor([alpha])

    def forward(self, x):
        if self.training:
            epsilon = torch.randn(x.size()) * self.alpha + 1
            epsilon = epsilon.to(x.device)
            return x * epsilon
        return x


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
net = nn.Sequential(nn.Linear(4, 4), GaussianDropout()).to(device)
print(net(torch.randn(2, 4, device=device)).shape)
"""


def test_cpu_noise_scaled_by_the_attribute_and_moved_is_silent() -> None:
    assert lines("PTL302", DROPOUT) == []


def test_the_product_moved_where_it_is_made_is_silent() -> None:
    # fake-cuda: prints torch.Size([2, 4]).
    inline = DROPOUT.replace(
        "epsilon = torch.randn(x.size()) * self.alpha + 1\n            epsilon = epsilon.to(x.device)",
        "epsilon = (1 + self.alpha * torch.randn(x.size())).to(x.device)",
    )
    assert inline != DROPOUT
    assert lines("PTL302", inline) == []


def test_noise_made_on_the_input_device_is_reported() -> None:
    # fake-cuda: "Expected all tensors to be on the same device" at the product.
    like = DROPOUT.replace("torch.randn(x.size())", "torch.randn_like(x)")
    assert lines("PTL302", like) == [8]


def test_noise_never_moved_is_reported() -> None:
    # fake-cuda: "Expected all tensors to be on the same device" at `x * epsilon`.
    unmoved = DROPOUT.replace("            epsilon = epsilon.to(x.device)\n", "")
    assert unmoved != DROPOUT
    assert lines("PTL302", unmoved) == [8]
