"""PTL203 facts taught from a NEW real report's shape (issue 11, session 16, H-202).

Traffic-Light-Detection-Using-YOLOv3#4 (table /work/notes/h202-s16-programs.txt): ``bias =
bias_[:no * na].view(na, -1)`` of a layer's bias, then ``bias[:, 4] += ...``: a name bound to a
view (view methods, basic indexing by literals) of a leaf name or of a parameter is a view of that
leaf, also through other names, and torch refuses an in-place change of it ("a view of a leaf
Variable that requires grad ..."); indexing by a tensor gathers a copy and stays silent.
Every reported program raises at its ``# fails`` line under torch 2.13; every neighbour runs.
Before this change none of the reported programs was reported."""

from __future__ import annotations

import pytest
from program_helpers import failing_line, run_strictly
from rules_helpers import found, marked

VIEW_OF_LEAF = "a view of a leaf Variable that requires grad"

BIAS_SLICE = """\
import math

import torch
import torch.nn as nn

module_list = nn.ModuleList([nn.Sequential(nn.Conv2d(8, 255, 1)), nn.Sequential(nn.Conv2d(8, 255, 1))])
na, no, nc = 3, 85, 80
for j, stride in zip([0, 1], [32, 16]):
    bias_ = module_list[j][0].bias{data}
{guard}    bias = bias_[: no * na].view(na, -1)
{guard}    bias[:, 4] += math.log(8 / (640 / stride) ** 2){mark}
    module_list[j][0].bias = torch.nn.Parameter(bias.reshape(-1), requires_grad=True)
"""

LEAF_VIEWS = """\
import torch

w = torch.randn(10, requires_grad=True)
v = {view}
v += 1{mark}
"""

REPORTED_203 = {
    "YOLOv3#4: a slice of a layer's bias, viewed, changed in place": BIAS_SLICE.format(
        data="", guard="", mark="  # fails"
    ),
    "variant: a slice of a leaf name": LEAF_VIEWS.format(view="w[:4]", mark="  # fails"),
    "variant: a view of a leaf name": LEAF_VIEWS.format(view="w.view(2, 5)", mark="  # fails"),
    "variant: an item of a leaf name": LEAF_VIEWS.format(view="w[0]", mark="  # fails"),
    "variant: a view of a name bound to a parameter": """\
import torch.nn as nn

conv = nn.Conv2d(8, 255, 1)
b = conv.bias
b5 = b.view(5, -1)
b5[:, 4] += 1  # fails
""",
}

SILENT_203 = {
    "the report's fix: the bias's .data": BIAS_SLICE.format(data=".data", guard="", mark=""),
    "gathered by an index tensor: a copy": LEAF_VIEWS.format(view="w[torch.tensor([0, 2])]", mark=""),
    "a slice of a clone": LEAF_VIEWS.format(view="w.clone()[:4]", mark=""),
    "the view changed under no_grad": """\
import torch

w = torch.randn(10, requires_grad=True)
v = w.view(2, 5)
with torch.no_grad():
    v += 1
""",
}


@pytest.mark.parametrize("name", sorted(REPORTED_203))
def test_ptl203_reported_where_torch_raises(name: str) -> None:
    program = REPORTED_203[name]
    assert failing_line(program, RuntimeError, VIEW_OF_LEAF) == marked(program)
    assert found(program, "PTL203", "PTL205") == {marked(program): ["PTL203"]}


@pytest.mark.parametrize("name", sorted(SILENT_203))
def test_ptl203_neighbours_run_and_stay_silent(name: str) -> None:
    run_strictly(SILENT_203[name])
    assert found(SILENT_203[name], "PTL203", "PTL205") == {}
