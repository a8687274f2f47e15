"""PTL202 and PTL108 on one call (session 11): the legacy ``grad_variables=`` keyword."""

from __future__ import annotations

from rules_helpers import fixed, lines


def test_the_legacy_grad_variables_keyword_gives_the_gradient():
    """``torch.autograd.backward(y, grad_variables=g)`` is PTL108's legacy spelling of
    ``grad_tensors=g`` (torch 2.13 runs it with a FutureWarning): the gradient is given, so PTL202
    is silent, and the two rules' fixes no longer both add ``grad_tensors=`` (a SyntaxError the
    fuzz test and the fix-safety test caught)."""
    program = """
    import torch
    from torch.autograd import backward
    x = torch.arange(4.0, requires_grad=True)
    y = x**2
    backward(y, grad_variables=torch.ones(4))
    """
    assert lines("PTL202", program) == []
    assert lines("PTL202", program.replace(", grad_variables=torch.ones(4)", "")) == [5]
    # PTL108 alone renames the keyword; the result compiles and nothing is left to fix
    result = fixed("PTL108", program)
    compile(result, "<fixed>", "exec")
    assert "backward(y, grad_tensors=torch.ones(4))" in result
