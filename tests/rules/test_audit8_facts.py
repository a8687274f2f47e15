"""Audit-8 (issue 11): facts from its false alarms, each with a program of our own run under torch
here. G3: `self.__setattr__(name, module)` registers the module as `add_module` does, so a plain
list of modules each registered that way is a lookup table, not a loss of parameters."""

from __future__ import annotations

import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

torch = pytest.importorskip("torch")

REGISTERED = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, in_size, sizes):
        super().__init__()
        self.fcs = []
        for i, size in enumerate(sizes):
            fc = nn.Linear(in_size, size)
            self.__setattr__("fc{}".format(i), fc)
            self.fcs.append(fc)
            in_size = size

    def forward(self, x):
        for fc in self.fcs:
            x = fc(x)
        return x


net = Net(4, [3, 2])
"""
# the same list with no registration: its layers' parameters are lost
UNREGISTERED = REGISTERED.replace('            self.__setattr__("fc{}".format(i), fc)\n', "")


def lines(source: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<audit8>", selection=Selection.of(["PTL301"]))
    assert result.errors == []
    return [f.line for f in result.findings]


def parameters(source: str) -> int:
    namespace: dict[str, object] = {}
    exec(compile(source, "<audit8>", "exec"), namespace)
    return len(list(namespace["net"].parameters()))  # type: ignore[attr-defined]


def test_modules_registered_by_self_setattr_are_not_reported():
    assert parameters(REGISTERED) == 4  # both layers' weight and bias
    assert lines(REGISTERED) == []


def test_the_same_list_without_the_registration_is_reported():
    assert UNREGISTERED != REGISTERED
    assert parameters(UNREGISTERED) == 0
    assert lines(UNREGISTERED) == [9]


def test_setattr_on_another_object_registers_nothing_here():
    other = REGISTERED.replace('self.__setattr__("fc{}".format(i), fc)', 'torch.__setattr__("fc{}".format(i), fc)')
    assert lines(other) == [9]
