"""PTL202 implicit-grad-non-scalar: what proves more than one element, and the two fixes."""

from __future__ import annotations

from rules_helpers import findings, fixed, lines

CODE = "PTL202"


def test_literal_sizes_and_elementwise_ops_prove_it():
    assert lines(
        CODE,
        """
        import torch
        w = torch.randn(2, 3, requires_grad=True)
        w.exp().backward()
        (w * 2 + 1).backward()
        torch.sigmoid(w).backward()
        w.view(-1).backward()
        v = torch.tensor([1.0, 2.0], requires_grad=True)
        (-v).backward()
        r = torch.arange(4.0, requires_grad=True)
        (r ** 2).backward()
    """,
    ) == [3, 4, 5, 6, 8, 10]


def test_one_element_reductions_indexing_and_matmul_stay_silent():
    assert (
        lines(
            CODE,
            """
        import torch
        w = torch.randn(1, 1, requires_grad=True)
        (w * 3).backward()
        v = torch.randn(5, requires_grad=True)
        v.sum().backward()
        (v * 2).mean().backward()
        v[0].backward()
        (v @ v).backward()
        torch.arange(1.0, 2.0, requires_grad=True).backward()
    """,
        )
        == []
    )


def test_without_requires_grad_it_is_a_different_error_and_silent():
    assert (
        lines(
            CODE,
            """
        import torch
        x = torch.randn(5)
        (x * 2).backward()
    """,
        )
        == []
    )


def test_a_name_bound_to_a_reduction_on_any_path_is_not_proven():
    assert (
        lines(
            CODE,
            """
        import torch
        def f(flag):
            w = torch.randn(4, requires_grad=True)
            loss = w * 2
            if flag:
                loss = loss.mean()
            loss.backward()
    """,
        )
        == []
    )


def test_linear_heads_need_a_literal_out_features_above_one():
    assert lines(
        CODE,
        """
        import torch
        from torch import nn
        wide = nn.Linear(4, 3)
        narrow = nn.Linear(4, 1)
        wide(torch.randn(4)).backward()
        narrow(torch.randn(4)).backward()
        nn.Linear(4, out_features=2)(torch.randn(4)).backward()
    """,
    ) == [5, 7]


def test_explicit_gradients_and_grad_outputs_are_silent():
    assert (
        lines(
            CODE,
            """
        import torch
        x = torch.randn(3, requires_grad=True)
        y = x * 2
        y.backward(torch.ones_like(y))
        y.backward(gradient=torch.ones(3))
        torch.autograd.grad(y, x, torch.ones(3))
        torch.autograd.grad(y, x, grad_outputs=torch.ones(3))
    """,
        )
        == []
    )


def test_fixes_reduce_before_the_call_even_through_parentheses():
    assert (
        fixed(
            CODE,
            """
        import torch
        w = torch.randn(3, requires_grad=True)
        (w * 2).backward()
    """,
        ).splitlines()[-1]
        == "(w * 2).sum().backward()"
    )
    alternatives = findings(
        CODE,
        """
        import torch
        w = torch.randn(3, requires_grad=True)
        y = w * 2
        y.backward(retain_graph=True)
    """,
    )[0].fixes
    assert [f.title for f in alternatives] == [
        "Reduce with `.sum()` before `backward()`",
        "Pass `gradient=torch.ones_like(y)`",
    ]
    assert alternatives[1].edits[0].content == ", gradient=torch.ones_like(y)"
