"""PTL403 numpy-alias-mutation: a `.numpy()` snapshot read after the tensor changed in place."""

from __future__ import annotations

import pytest
from rules_helpers import findings, fixed, lines

from pt_lsp.core.findings import Applicability

CODE = "PTL403"
HEAD = "import torch\nx = torch.zeros(3)\nsnap = x.numpy()\n"


@pytest.mark.parametrize(
    "change",
    [
        "x.add_(1)",
        "x += 1",
        "x[0] = 5",
        "x.data.mul_(2)",
        "x.zero_()",
        "torch.nn.init.ones_(x)",
        "if True:\n    x.fill_(2)",
    ],
)
def test_in_place_change_then_read_reports(change):
    assert lines(CODE, HEAD + change + "\nprint(snap)\n") == [3]


@pytest.mark.parametrize(
    "change",
    [
        "x.requires_grad_()",  # does not change values
        "x = x + 1",  # rebinds x
        "y = x.add(1)",
        "snap = snap.copy()\nx.add_(1)",  # the array is a copy from here on
    ],
)
def test_no_in_place_change_is_silent(change):
    assert lines(CODE, HEAD + change + "\nprint(snap)\n") == []


def test_change_without_a_later_read_is_silent():
    assert lines(CODE, HEAD + "print(snap)\nx.add_(1)\n") == []


def test_snapshot_of_a_copy_is_silent():
    assert lines(CODE, "import torch\nx = torch.zeros(3)\nsnap = x.clone().numpy()\nx.add_(1)\nprint(snap)\n") == []


def test_optimizer_step_changes_the_parameters_of_its_model_only():
    text = """
        import torch
        model = torch.nn.Linear(2, 1)
        other = torch.nn.Linear(2, 1)
        opt = torch.optim.Adam(model.parameters())
        a = model.weight.detach().numpy()
        b = other.weight.detach().numpy()
        opt.step()
        print(a, b)
    """
    assert lines(CODE, text) == [5]


def test_fix_appends_copy_and_is_unsafe():
    [finding] = findings(CODE, HEAD + "x.add_(1)\nprint(snap)\n")
    assert finding.fix.applicability is Applicability.UNSAFE
    assert finding.related and finding.related[0].span.start.line == 4
    assert fixed(CODE, HEAD + "x.add_(1)\nprint(snap)\n").splitlines()[2] == "snap = x.numpy().copy()"


def test_numpy_shares_memory_under_torch():
    import torch

    x = torch.zeros(2)
    snap, copy = x.numpy(), x.numpy().copy()
    x.add_(1)
    assert snap.tolist() == [1.0, 1.0] and copy.tolist() == [0.0, 0.0]
