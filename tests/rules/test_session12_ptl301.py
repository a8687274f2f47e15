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

import pytest
from rules_helpers import findings, fixed

torch = pytest.importorskip("torch")
from program_helpers import run_on_fake_cuda  # noqa: E402

from pt_lsp.runtime.fake_cuda import MISMATCH  # noqa: E402

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


# audit-15 M1 and M2 (session 12): an attribute bound in exclusive branches of `__init__`, one
# binding per branch, was skipped as "reassigned somewhere". A CRF's transition matrix made with
# `requires_grad=True` in both branches (training never changed it: printed False under torch
# 2.13), and LSTMs kept in a plain list in one branch (no LSTM key in `state_dict()`). Programs are
# the audit's own reductions (ours).
CRF_IN_BRANCHES = """\
import torch
import torch.nn as nn
class Config:
    use_cuda = False
class CRF(nn.Module):
    def __init__(self, n, config):
        super().__init__()
        if config.use_cuda is True:
            self.transition = torch.randn((n, n), requires_grad=True).cuda()
        else:
            self.transition = torch.randn((n, n), requires_grad=True)
        self.transition.data[1, :] = -15
    def forward(self, emissions):
        return (emissions @ self.transition).logsumexp(-1).sum()
torch.manual_seed(0)
crf = CRF(3, Config())
emit = nn.Linear(4, 3)
opt = torch.optim.SGD(list(emit.parameters()) + list(crf.parameters()), lr=0.5)
before = crf.transition.detach().clone()
for _ in range(3):
    opt.zero_grad(); crf(emit(torch.randn(2, 4))).backward(); opt.step()
print("transition changed by training:", not torch.equal(before, crf.transition.detach()))
"""

LSTMS_IN_A_BRANCH = """\
import torch
import torch.nn as nn
class LM(nn.Module):
    def __init__(self, layers=2, lock=True):
        super().__init__()
        self.emb = nn.Embedding(10, 8)
        if lock:
            self.lstms = [nn.LSTM(8, 8, 1, batch_first=True)]
            for _ in range(layers - 1):
                self.lstms.append(nn.LSTM(8, 8, 1, batch_first=True))
        else:
            self.lstms = nn.LSTM(8, 8, layers, batch_first=True)
        self.out = nn.Linear(8, 10)
    def forward(self, x):
        h = self.emb(x)
        if isinstance(self.lstms, list):
            for lstm in self.lstms:
                h, _ = lstm(h)
        else:
            h, _ = self.lstms(h)
        return self.out(h)
m = LM(lock=True)
print("registered LSTM keys:", [k for k in m.state_dict() if "lstm" in k])
m(torch.randint(0, 10, (2, 5))).sum().backward()
"""


def test_a_grad_tensor_bound_in_each_branch_is_reported_per_branch_and_fixed():
    assert [f.line for f in findings("PTL301", CRF_IN_BRANCHES)] == [9, 11]
    text = fixed("PTL301", CRF_IN_BRANCHES)
    assert text.count("nn.Parameter(") == 2
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(text, "<fixed>", "exec"), {"__name__": "__main__"})
    assert "transition changed by training: True" in output.getvalue()


def test_a_plain_list_in_one_branch_is_reported_and_the_other_branch_is_not():
    assert [f.line for f in findings("PTL301", LSTMS_IN_A_BRANCH)] == [8]
    registered = LSTMS_IN_A_BRANCH.replace(
        "self.lstms = [nn.LSTM(8, 8, 1, batch_first=True)]",
        "self.lstms = nn.ModuleList([nn.LSTM(8, 8, 1, batch_first=True)])",
    )
    assert "nn.ModuleList([" in registered
    assert findings("PTL301", registered) == []


def test_parameters_in_both_branches_and_a_rebinding_stay_silent():
    both = CRF_IN_BRANCHES.replace(
        "torch.randn((n, n), requires_grad=True).cuda()", "nn.Parameter(torch.randn((n, n)).cuda())"
    ).replace("torch.randn((n, n), requires_grad=True)", "nn.Parameter(torch.randn((n, n)))")
    assert both.count("nn.Parameter(") == 2
    assert findings("PTL301", both) == []
    # not exclusive: the second binding replaces the first (wrapped later), as before
    rebound = CRF_IN_BRANCHES.replace(
        "        self.transition.data[1, :] = -15\n",
        "        self.transition = nn.Parameter(self.transition.detach())\n",
    )
    assert "nn.Parameter(self.transition.detach())" in rebound
    assert findings("PTL301", rebound) == []


# audit-15's M1 variant (its own program, ours): the transition matrix chosen by one conditional
# expression, each side made with `requires_grad=True`. Reported; the fix wraps the whole
# conditional in `nn.Parameter` (a parameter of a tensor that requires grad works) and the fixed
# CRF trains under torch 2.13.
CRF_CONDITIONAL = """\
import torch
import torch.nn as nn
class Config:
    use_cuda = False
class CRF(nn.Module):
    def __init__(self, n, config):
        super().__init__()
        self.transition = torch.randn((n, n), requires_grad=True).cuda() if config.use_cuda else torch.randn((n, n), requires_grad=True)
    def forward(self, emissions):
        return (emissions @ self.transition).logsumexp(-1).sum()
torch.manual_seed(0)
crf = CRF(3, Config())
emit = nn.Linear(4, 3)
opt = torch.optim.SGD(list(emit.parameters()) + list(crf.parameters()), lr=0.5)
before = crf.transition.detach().clone()
for _ in range(3):
    opt.zero_grad(); crf(emit(torch.randn(2, 4))).backward(); opt.step()
print("transition changed by training:", not torch.equal(before, crf.transition.detach()))
"""


def test_a_grad_tensor_chosen_by_a_conditional_expression_is_reported_and_fixed():
    assert [f.line for f in findings("PTL301", CRF_CONDITIONAL)] == [8]
    text = fixed("PTL301", CRF_CONDITIONAL)
    assert "self.transition = nn.Parameter(torch.randn((n, n), requires_grad=True).cuda() if" in text
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(text, "<fixed>", "exec"), {"__name__": "__main__"})
    assert "transition changed by training: True" in output.getvalue()
    for silent in (
        "nn.Parameter(torch.randn((n, n))) if config.use_cuda else None",
        "torch.zeros(n) if config.use_cuda else None",
    ):
        line = f"        self.transition = {silent}\n"
        program = "".join(line if "self.transition = " in row else row for row in CRF_CONDITIONAL.splitlines(True))
        assert line in program
        assert findings("PTL301", program) == []
