"""PTL301 facts taught from the third recall set's miss (benchmarks/recall-3/PTL301/03): a plain
container a function of the file builds and returns, and an attribute that is one item of a tuple
unpacked (from a tuple display or from such a function). Our own programs, each run under torch
2.13 (`pt-lsp run --device fake-cuda`): the bad ones fail with "Expected all tensors to be on the
same device" after `.cuda()`, or train nothing in the list; the silent ones run."""

from __future__ import annotations

from rules_helpers import findings, fixed, lines

CODE = "PTL301"

_HEADS = """
import torch
from torch import nn


def build_heads(names, width):
    return {name: nn.Linear(width, 2) for name in names}


class MultiHead(nn.Module):
    def __init__(self, names, width=8):
        super().__init__()
        self.trunk = nn.Linear(width, width)
        self.heads = build_heads(names, width)

    def forward(self, x):
        h = self.trunk(x)
        return {name: head(h) for name, head in self.heads.items()}


model = MultiHead(["age", "sex"]).to("cuda")
"""


def test_a_plain_dict_a_helper_returns_is_kept_unregistered():
    found = findings(CODE, _HEADS)
    assert [f.line for f in found] == [13]
    assert "plain dict" in found[0].message
    assert found[0].related[0].span.start.line == 6  # the dict is built in the helper
    assert "self.heads = nn.ModuleDict(build_heads(names, width))" in fixed(CODE, _HEADS)


_STAGES = """
import torch
from torch import nn


def make_stages(widths):
    stages = []
    dim = widths[0]
    for w in widths[1:]:
        stages.extend([nn.Linear(dim, w), nn.Tanh()])
        dim = w
    return stages, dim


class Tower(nn.Module):
    def __init__(self, widths):
        super().__init__()
        self.stages, out = make_stages(widths)
        self.out = nn.Linear(out, 1)

    def forward(self, x):
        for stage in self.stages:
            x = stage(x)
        return self.out(x)


tower = Tower([4, 6, 3])
"""


def test_an_item_of_a_returned_tuple_is_a_plain_list_without_a_fix():
    found = findings(CODE, _STAGES)
    assert [f.line for f in found] == [17]
    assert [r.span.start.line for r in found[0].related] == [6, 9, 9, 17]
    assert found[0].fix is None  # `nn.ModuleList(...)` around the call would wrap the tuple


def test_an_item_of_a_tuple_display_and_its_fix():
    source = """
        from torch import nn

        class Pair(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoders, self.depth = [nn.Linear(4, 4), nn.Linear(4, 4)], 2
        """
    assert lines(CODE, source) == [6]
    assert "self.encoders, self.depth = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)]), 2" in fixed(CODE, source)


def test_registered_returned_parameter_free_or_unreadable_containers_are_silent():
    registered = _STAGES.replace("return stages, dim", "return nn.ModuleList(stages), dim")
    assert lines(CODE, registered) == []
    wrapped = _STAGES.replace(
        "        self.out = nn.Linear", "        self.body = nn.Sequential(*self.stages)\n        self.out = nn.Linear"
    )
    assert lines(CODE, wrapped) == []
    # the returns disagree (one is not a tuple of two): nothing is known
    branchy = _STAGES.replace(
        "    return stages, dim", "    if not stages:\n        return None\n    return stages, dim"
    )
    assert lines(CODE, branchy) == []
    activations = """
        from torch import nn

        def make_acts(n):
            return [nn.ReLU() for _ in range(n)]

        class Acts(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.acts = make_acts(n)
        """
    assert lines(CODE, activations) == []
