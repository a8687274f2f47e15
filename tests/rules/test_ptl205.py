"""PTL205 update-outside-no-grad: manual optimiser updates, their grouping and the safe fix."""

from __future__ import annotations

from rules_helpers import findings, fixed, lines

from pt_lsp.core.findings import Applicability

CODE = "PTL205"


def test_the_spellings_of_a_manual_update():
    assert lines(
        CODE,
        """
        import torch
        w = torch.randn(3, requires_grad=True)
        w -= 0.1 * w.grad
        w.sub_(0.1 * w.grad)
        w.add_(w.grad, alpha=-0.1)
        w.addcdiv_(w.grad, torch.ones(3))
    """,
    ) == [3, 4, 5, 6]


def test_updates_under_no_grad_or_of_non_leaves_are_silent():
    assert (
        lines(
            CODE,
            """
        import torch
        w = torch.randn(3, requires_grad=True)
        with torch.no_grad():
            w -= 0.1 * w.grad
        v = w * 1
        v -= 0.1 * w.grad
        w = w - 0.1 * w.grad
    """,
        )
        == []
    )


def test_in_place_changes_without_grad_are_ptl203s():
    assert (
        lines(
            CODE,
            """
        import torch
        w = torch.randn(3, requires_grad=True)
        w -= 0.1
        w.mul_(0.9)
    """,
        )
        == []
    )


def test_the_fix_is_safe_and_groups_adjacent_updates_only():
    source_text = """
        import torch
        a = torch.randn(2, requires_grad=True)
        b = torch.randn(2, requires_grad=True)
        (a * b).sum().backward()
        a -= 0.1 * a.grad
        b -= 0.1 * b.grad
        a.grad = None
    """
    found = findings(CODE, source_text)
    assert [f.fix.applicability for f in found] == [Applicability.SAFE] * 2
    assert found[0].fix.edits == found[1].fix.edits
    assert fixed(CODE, source_text, unsafe=False).splitlines()[4:8] == [
        "with torch.no_grad():",
        "    a -= 0.1 * a.grad",
        "    b -= 0.1 * b.grad",
        "a.grad = None",
    ]


def test_from_torch_import_gets_import_torch_for_the_block():
    text = fixed(
        CODE,
        """
        from torch import randn
        w = randn(3, requires_grad=True)
        w -= 0.1 * w.grad
    """,
        unsafe=False,
    )
    assert text.startswith("import torch\n") and "with torch.no_grad():\n    w -= 0.1 * w.grad" in text


def test_an_update_in_a_one_line_block_has_no_fix():
    found = findings(
        CODE,
        """
        import torch
        w = torch.randn(3, requires_grad=True)
        if True: w -= 0.1 * w.grad
    """,
    )
    assert [f.line for f in found] == [3] and found[0].fix is None


def test_parameter_updates_in_a_function_this_file_never_calls_are_left_to_its_callers():
    source_text = """
        import torch
        def sgd_step(model, lr):
            for p in model.parameters():
                p -= lr * p.grad
    """
    assert lines(CODE, source_text) == []
    assert lines(CODE, source_text + "        sgd_step(torch.nn.Linear(2, 2), 0.1)\n") == [4]
