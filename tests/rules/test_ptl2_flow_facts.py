"""Torch and data-flow facts the autograd rules (PTL201-PTL204) rest on, each shown on a program of
our own: the bad programs fail (or misbehave) under torch and the good ones run; the verdicts here
were checked by running each program (`PROGRAMS` lists them)."""

from __future__ import annotations

from rules_helpers import lines

# -- an in-place change of a leaf that requires grad raises: the leaf stays a leaf ----------------
SCALE_SHIFTED_IN_PLACE = """
import torch

scale = torch.ones(3, requires_grad=True)
scale *= 2.0
data = torch.randn(8, 3)
for epoch in range(4):
    loss = (data * scale).pow(2).mean()
    loss.backward()
    with torch.no_grad():
        scale -= 0.1 * scale.grad
        scale.grad.zero_()
"""  # raises at `scale *= 2.0` (the leaf error), never at the backward

SCALE_SHIFTED_UNDER_NO_GRAD = SCALE_SHIFTED_IN_PLACE.replace(
    "scale *= 2.0", "with torch.no_grad():\n    scale *= 2.0"
)  # runs


def test_an_in_place_change_of_a_leaf_is_reported_once_and_builds_no_graph_before_the_loop():
    assert lines("PTL203", SCALE_SHIFTED_IN_PLACE) == [4]
    # torch raises at the change: the leaf never becomes a graph node shared by the iterations
    assert lines("PTL201", SCALE_SHIFTED_IN_PLACE) == []
    assert lines("PTL201", SCALE_SHIFTED_UNDER_NO_GRAD) == []
    assert lines("PTL203", SCALE_SHIFTED_UNDER_NO_GRAD) == []


# (name, program, expected outcome under torch: the error's text, or "" for a clean run)
PROGRAMS = [
    ("in-place on a leaf", SCALE_SHIFTED_IN_PLACE, "a leaf Variable that requires grad"),
    ("the same under no_grad", SCALE_SHIFTED_UNDER_NO_GRAD, ""),
]
