"""PTL301 on shapes of real unregistered modules and parameters it missed (session 12, issue 11).

Thirteen programs of ours were written from shapes common in real code (layers in lists, tuples,
dicts, helpers' lists, `+=`/`extend`, leaves in lists, `requires_grad_()`, `Variable`); three were
missed: `list(map(lambda i: nn.Linear(4, 4), range(n)))`, `nn.init.xavier_uniform_(torch.empty(4, 4,
requires_grad=True))` (an initialiser returns the tensor it fills) and a list of lists of layers
built by nested comprehensions. Under ``pt-lsp run --device fake-cuda`` (torch 2.13) each, moved
with ``.to(device)``, raised "Expected all tensors to be on the same device" in its forward; the
fixed programs run there, and the neighbours are silent.
"""

from __future__ import annotations

import contextlib
import io
import textwrap

import pytest
from rules_helpers import findings, fixed

torch = pytest.importorskip("torch")
from pt_lsp.runtime.fake_cuda import MISMATCH, fake_cuda  # noqa: E402


def run_on_fake_cuda(source: str) -> str | None:
    """The error the program raises with CUDA available (fake-cuda), or None when it runs."""
    with fake_cuda(), contextlib.redirect_stdout(io.StringIO()):
        try:
            exec(compile(textwrap.dedent(source), "<program>", "exec"), {"__name__": "__main__"})
        except RuntimeError as error:
            return str(error)
    return None


MAPPED_LAMBDA = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n=3):
        super().__init__()
        self.layers = list(map(lambda i: nn.Linear(4, 4), range(n)))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
net = Net().to(device)
print(net(torch.randn(2, 4, device=device)).shape)
print(len(list(net.parameters())))
"""

INIT_OF_A_GRAD_TENSOR = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.W = nn.init.xavier_uniform_(torch.empty(4, 4, requires_grad=True))

    def forward(self, x):
        return x @ self.W

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
net = Net().to(device)
print(net(torch.randn(2, 4, device=device)).shape)
print(len(list(net.parameters())))
"""

NESTED_COMPREHENSION = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stages = [[nn.Linear(4, 4) for _ in range(2)] for _ in range(2)]

    def forward(self, x):
        for stage in self.stages:
            for layer in stage:
                x = layer(x)
        return x

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
net = Net().to(device)
print(net(torch.randn(2, 4, device=device)).shape)
print(len(list(net.parameters())))
"""


@pytest.mark.parametrize("program", [MAPPED_LAMBDA, INIT_OF_A_GRAD_TENSOR, NESTED_COMPREHENSION])
def test_missed_shapes_are_reported_and_fail_on_a_gpu(program):
    assert [f.line for f in findings("PTL301", program)] == [8]
    error = run_on_fake_cuda(program)
    assert error is not None and MISMATCH in error


@pytest.mark.parametrize(
    ("program", "registered"),
    [
        (MAPPED_LAMBDA, "self.layers = nn.ModuleList(map(lambda i: nn.Linear(4, 4), range(n)))"),
        (INIT_OF_A_GRAD_TENSOR, "self.W = nn.Parameter(nn.init.xavier_uniform_(torch.empty(4, 4)))"),
    ],
)
def test_the_fixes_register_them_and_the_fixed_programs_run(program, registered):
    text = fixed("PTL301", program)
    compile(text, "<fixed>", "exec")
    assert registered in text
    assert run_on_fake_cuda(text) is None


def test_lists_inside_a_list_get_no_mechanical_fix():
    """`nn.ModuleList` refuses a list as an item: the finding says "in lists inside it" and offers
    no fix (an `nn.ModuleList` of `nn.ModuleList`s is the user's choice)."""
    (finding,) = findings("PTL301", NESTED_COMPREHENSION)
    assert "(in lists inside it)" in finding.message
    assert finding.fix is None


@pytest.mark.parametrize(
    "line",
    [
        # activations only: nothing to register
        "self.layers = list(map(lambda i: nn.ReLU(), range(n)))",
        # registered: a ModuleList of ModuleLists
        "self.layers = nn.ModuleList([nn.ModuleList([nn.Linear(4, 4)]) for _ in range(n)])",
        # an attribute of something else: not known to be a module
        "self.layers = list(map(lambda i: getattr(nn, 'Identity')(), range(n)))",
    ],
)
def test_neighbours_stay_silent(line):
    program = MAPPED_LAMBDA.replace("self.layers = list(map(lambda i: nn.Linear(4, 4), range(n)))", line)
    assert line in program
    assert findings("PTL301", program) == []


def test_an_initialised_parameter_or_plain_tensor_is_no_unregistered_parameter():
    for line in (
        "self.W = nn.Parameter(nn.init.xavier_uniform_(torch.empty(4, 4)))",
        "self.W = nn.init.xavier_uniform_(torch.empty(4, 4))",  # no grad asked: PTL302's question
    ):
        program = INIT_OF_A_GRAD_TENSOR.replace(
            "self.W = nn.init.xavier_uniform_(torch.empty(4, 4, requires_grad=True))", line
        )
        assert line in program
        assert findings("PTL301", program) == []
