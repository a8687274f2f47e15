"""PTL402 numpy-on-requires-grad-tensor: leaves, graph results, grad mode, and no overlap with PTL401."""

from __future__ import annotations

import pytest
from rules_helpers import fixed, lines, source

from pt_lsp.core.engine import lint_source
from pt_lsp.core.fixes import fix_source
from pt_lsp.core.selection import Selection

CODE = "PTL402"


@pytest.mark.parametrize(
    "snippet",
    [
        "import torch\nw = torch.randn(2, requires_grad=True)\na = w.numpy()\n",
        "import torch\nw = torch.randn(2, requires_grad=True)\na = (w + 1).numpy()\n",
        "import numpy as np\nimport torch\nw = torch.randn(2, requires_grad=True)\na = np.array(w)\n",
        "import torch\nm = torch.nn.Linear(2, 2)\na = m.weight.numpy()\n",
    ],
)
def test_reports(snippet):
    assert len(lines(CODE, snippet)) == 1


def test_a_leaf_under_no_grad_is_reported_for_torch_before_2_13():
    # a leaf that requires grad raises even under no_grad before torch 2.13 (2.13 lets it run:
    # tests/flow/test_target_torch.py)
    from pt_lsp.core.engine import lint_source
    from pt_lsp.core.selection import Selection

    snippet = "import torch\nw = torch.randn(2, requires_grad=True)\nwith torch.no_grad():\n    a = w.numpy()\n"
    result = lint_source(snippet, "<t>", selection=Selection.of([CODE]).targeting((2, 12)))
    assert [f.line for f in result.findings] == [4]


@pytest.mark.parametrize(
    "snippet",
    [
        "import torch\nw = torch.randn(2, requires_grad=True)\nwith torch.no_grad():\n    a = (w * 2).numpy()\n",
        "import torch\nw = torch.randn(2, requires_grad=True)\na = w.detach().numpy()\n",
        "import torch\nw = torch.randn(2)\na = w.numpy()\n",
        "def f(t):\n    return t.numpy()\n",
        # a function without backward may run under its callers' no_grad
        "import torch\nm = torch.nn.Linear(2, 2)\ndef predict(x):\n    return m(x).numpy()\n",
        "import torch\nm = torch.nn.Linear(2, 2)\n@torch.inference_mode()\ndef predict(x):\n    y = m(x)\n    y.sum().backward()\n    return y.numpy()\n",
        # gradients switched off for the rest of the script
        "import torch\ntorch.set_grad_enabled(False)\nm = torch.nn.Linear(2, 2)\na = m(torch.ones(1, 2)).numpy()\n",
        # CUDA: PTL401's
        "import torch\nw = torch.randn(2, requires_grad=True).cuda()\na = w.numpy()\n",
    ],
)
def test_silent(snippet):
    assert lines(CODE, snippet) == []


def test_a_function_that_calls_backward_runs_with_gradients():
    assert lines(
        CODE,
        """
        import torch
        m = torch.nn.Linear(2, 1)
        def step(x):
            out = m(x).sum()
            out.backward()
            return out.numpy()
    """,
    ) == [6]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("w.numpy()", "w.detach().numpy()"),
        ("(w * 2).numpy()", "(w * 2).detach().numpy()"),
        ("w .numpy()", "w .detach().numpy()"),
        ("np.asarray(w * 2)", "np.asarray((w * 2).detach())"),
    ],
)
def test_fixes(before, after):
    head = "import numpy as np\nimport torch\nw = torch.randn(2, requires_grad=True)\n"
    assert fixed(CODE, head + f"a = {before}\n", unsafe=False) == head + f"a = {after}\n"


MIXED = source("""
    import torch
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    w = torch.randn(3, requires_grad=True)
    g = torch.randn(3, requires_grad=True).to(device)
    a = w.numpy()
    b = g.numpy()
    c = g.sum().numpy()
""")


def test_ptl401_and_ptl402_never_report_one_call():
    result = lint_source(MIXED, selection=Selection.of(["PTL401", "PTL402"]))
    by_line = {}
    for finding in result.findings:
        by_line.setdefault(finding.line, []).append(finding.code)
    assert by_line == {5: ["PTL402"], 6: ["PTL401"], 7: ["PTL401"]}


def test_fixing_both_rules_together_detaches_once():
    outcome = fix_source(MIXED, selection=Selection.of(["PTL401", "PTL402"]))
    assert outcome.converged
    lines_after = outcome.text.splitlines()
    assert lines_after[4:] == [
        "a = w.detach().numpy()",
        "b = g.detach().cpu().numpy()",
        "c = g.sum().detach().cpu().numpy()",
    ]
    assert lint_source(outcome.text, selection=Selection.of(["PTL401", "PTL402"])).findings == []


def test_the_error_and_the_fix_under_torch():
    import torch

    w = torch.randn(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        w.numpy()
    assert w.detach().numpy().tolist() == w.tolist()
