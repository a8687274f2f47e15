"""PTL108 grad-variables-keyword beyond its examples: the message for both spellings, fixes
together with PTL107 on one call, and the fixed program computing the same gradients."""

from __future__ import annotations

import subprocess
import sys

import pytest
from rules_helpers import findings, fixed, source

from pt_lsp.core.engine import lint_source
from pt_lsp.core.fixes import fix_source
from pt_lsp.core.selection import Selection

OLD_LOOP = """
import torch
from torch.autograd import Variable

w = Variable(torch.ones(2), requires_grad=True)
y = w * 3
torch.autograd.backward([y], grad_variables=[torch.ones(2)], retain_variables=True)
torch.autograd.backward([y], grad_variables=[torch.ones(2)])
print(w.grad.tolist())
"""


def test_both_spellings_are_reported_as_the_error_torch_raises_without_a_fix():
    (finding,) = findings("PTL108", "import torch\ntorch.autograd.backward([y], grad_tensors=g, grad_variables=g)\n")
    assert "RuntimeError" in finding.message
    assert finding.fixes == ()


def test_a_backward_method_of_a_tensor_is_not_the_function():
    assert findings("PTL108", "def f(t, g):\n    t.backward(grad_variables=g)\n") == []


def test_a_keyword_splatted_from_a_dict_is_not_reported():
    assert findings("PTL108", "import torch\ntorch.autograd.backward([y], **{'grad_variables': g})\n") == []


def test_rename_is_idempotent():
    text = "import torch\ntorch.autograd.backward([y], grad_variables=[g])\n"
    once = fixed("PTL108", text)
    assert once == source("import torch\ntorch.autograd.backward([y], grad_tensors=[g])\n")
    assert fixed("PTL108", once) == once


def test_fixed_with_ptl107_in_one_call_compiles_converges_and_keeps_the_gradients():
    selection = Selection.of(["PTL107", "PTL108"])
    outcome = fix_source(source(OLD_LOOP), selection=selection, unsafe=False)
    assert outcome.errors == [] and outcome.converged
    compile(outcome.text, "<fixed>", "exec")
    assert "grad_variables" not in outcome.text and "retain_variables" not in outcome.text
    assert lint_source(outcome.text, selection=selection).findings == []
    pytest.importorskip("torch")  # the fixed program runs under torch
    run = subprocess.run(
        [sys.executable, "-W", "error::FutureWarning", "-c", outcome.text], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[6.0, 6.0]"
