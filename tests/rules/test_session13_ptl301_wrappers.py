"""PTL301: a plain list of containers that wrap modules the class registers already (audit-16 G3).

Each program was run under torch 2.13; what it did is said beside it."""

from __future__ import annotations

from rules_helpers import lines

# torch: runs; parameters() counts 260, the list's wrappers hold the very modules of
# `self.features`, and `.to(torch.float64)` reaches them (forward runs in float64).
WRAPPERS = """
import torch
import torch.nn as nn


class Features(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 4, 3))
        self.seq_list = [nn.Sequential(ele) for ele in self.features]

    def forward(self, x):
        for seq in self.seq_list:
            x = seq(x)
        return x


m = Features().to(torch.float64)
print(sum(p.numel() for p in m.parameters()))
print(m(torch.randn(1, 3, 8, 8, dtype=torch.float64)).shape)
"""


def test_wrappers_of_the_modules_of_a_registered_container_are_silent() -> None:
    assert lines("PTL301", WRAPPERS) == []


def test_wrappers_of_its_children_are_silent() -> None:
    # torch: the same run.
    children = WRAPPERS.replace("for ele in self.features]", "for ele in self.features.children()]")
    assert lines("PTL301", children) == []


def test_wrappers_of_registered_attributes_and_parameter_free_layers_are_silent() -> None:
    # torch: runs in float64 after `.to(torch.float64)`.
    named = WRAPPERS.replace(
        "self.seq_list = [nn.Sequential(ele) for ele in self.features]",
        "self.seq_list = [nn.Sequential(self.features[0], nn.ReLU()), nn.Sequential(self.features[2])]",
    )
    assert lines("PTL301", named) == []


def test_a_wrapper_adding_a_layer_of_its_own_is_reported() -> None:
    # torch: `.to(torch.float64)` leaves the new Conv2d in float32: forward raises
    # "Input type (double) and bias type (float) should be the same".
    own = WRAPPERS.replace(
        "self.seq_list = [nn.Sequential(ele) for ele in self.features]",
        "self.seq_list = [nn.Sequential(ele, nn.Conv2d(4, 4, 1)) for ele in self.features if not isinstance(ele, nn.ReLU)]",
    ).replace("print(m(torch.randn", "print(m.seq_list[0](torch.randn")
    assert lines("PTL301", own) == [9]


def test_new_modules_in_wrappers_are_reported() -> None:
    # torch: `.to(torch.float64)` leaves them in float32: forward raises a dtype error.
    fresh = WRAPPERS.replace(
        "self.seq_list = [nn.Sequential(ele) for ele in self.features]",
        "self.seq_list = [nn.Sequential(nn.Conv2d(3, 4, 3)), nn.Sequential(nn.Conv2d(4, 4, 3))]",
    )
    assert lines("PTL301", fresh) == [9]
