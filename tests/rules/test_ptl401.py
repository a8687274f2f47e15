"""PTL401 numpy-on-cuda-tensor: targeted cases beyond the rule's examples."""

from pt_lsp.core.engine import lint_source
from pt_lsp.core.fixes import fix_source
from pt_lsp.core.selection import Selection

ONLY = Selection.of(["PTL401"])
SETUP = "import torch\nimport numpy as np\na = torch.ones(2).cuda()\nb = torch.ones(2).cuda()\n"


def fixed(line: str) -> str:
    outcome = fix_source(SETUP + line + "\n", selection=ONLY)
    assert outcome.converged and not outcome.remaining
    return outcome.text[len(SETUP) :].rstrip("\n")


def test_fix_goes_before_numpy_even_for_parenthesised_receivers():
    assert fixed("c = (a * b).numpy()") == "c = (a * b).cpu().numpy()"
    assert fixed("d = (a\n     .numpy())") == "d = (a\n     .cpu().numpy())"


def test_implicit_conversion_wraps_compound_arguments():
    assert fixed("e = np.asarray(a * b)") == "e = np.asarray((a * b).cpu())"
    assert fixed("e = np.array(a)") == "e = np.array(a.cpu())"


def test_detach_inserted_only_where_the_tensor_may_require_grad():
    source = SETUP + "w = torch.ones(2, device='cuda', requires_grad=True)\nx = (w * 2).numpy()\n"
    outcome = fix_source(source, selection=ONLY)
    assert outcome.text.endswith("x = (w * 2).detach().cpu().numpy()\n")


def test_maybe_cuda_is_a_warning_and_cuda_an_error():
    maybe = "import torch\nd = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\nx = torch.ones(1).to(d).numpy()\n"
    sure = "import torch\nx = torch.ones(1).cuda().numpy()\n"
    assert lint_source(maybe, selection=ONLY).findings[0].severity.value == "warning"
    assert lint_source(sure, selection=ONLY).findings[0].severity.value == "error"
