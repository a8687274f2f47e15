"""PTL203 in-place-on-leaf: leaf evidence, grad-mode regions, the split with PTL205, and fixes."""

from __future__ import annotations

from rules_helpers import findings, fixed, lines

from pt_lsp.core.findings import Applicability

CODE = "PTL203"


def test_each_kind_of_in_place_change_on_a_requires_grad_factory_is_reported():
    assert lines(
        CODE,
        """
        import torch
        w = torch.randn(3, requires_grad=True)
        w.add_(1)
        w += 1
        w[0] = 2
        w[1:].fill_(0)
        torch.ones(2, requires_grad=True).zero_()
    """,
    ) == [3, 4, 5, 6, 7]


def test_no_grad_blocks_decorators_and_callers_under_no_grad_silence_it():
    assert (
        lines(
            CODE,
            """
        import torch
        w = torch.randn(3, requires_grad=True)
        with torch.no_grad():
            w.add_(1)
        with torch.inference_mode():
            w.mul_(2)

        @torch.no_grad()
        def init():
            v = torch.zeros(2, requires_grad=True)
            v.fill_(1)

        def helper():
            u = torch.zeros(2, requires_grad=True)
            u.fill_(1)

        with torch.no_grad():
            helper()
    """,
        )
        == []
    )


def test_enable_grad_inside_no_grad_records_again():
    assert lines(
        CODE,
        """
        import torch
        w = torch.randn(3, requires_grad=True)
        with torch.no_grad():
            with torch.enable_grad():
                w.add_(1)
    """,
    ) == [5]


def test_global_set_grad_enabled_false_silences_the_file():
    assert (
        lines(
            CODE,
            """
        import torch
        torch.set_grad_enabled(False)
        w = torch.randn(3, requires_grad=True)
        w.add_(1)
    """,
        )
        == []
    )


def test_non_leaves_moved_copies_and_unknown_origins_are_silent():
    assert (
        lines(
            CODE,
            """
        import torch
        w = torch.randn(3, requires_grad=True)
        h = w * 2
        h.add_(1)
        g = w.cuda()
        g.mul_(2)
        c = w.clone()
        c[0] = 1
        def f(t):
            t.add_(1)
        plain = torch.zeros(3)
        plain[0] = 1
    """,
        )
        == []
    )


def test_a_name_bound_twice_counts_only_when_every_binding_is_a_leaf():
    assert (
        lines(
            CODE,
            """
        import torch
        def f(x):
            w = torch.randn(3, requires_grad=True)
            if x:
                w = x * 2
            w.add_(1)
    """,
        )
        == []
    )


def test_parameters_of_a_model_and_layer_weights():
    assert lines(
        CODE,
        """
        import torch
        from torch import nn
        net = nn.Linear(3, 3)
        net.weight.normal_()
        net.bias[0] = 0
        for p in net.parameters():
            p.clamp_(-1, 1)
        for name, q in net.named_parameters():
            q.zero_()
    """,
    ) == [4, 5, 7, 9]


def test_frozen_parameters_are_silent():
    assert (
        lines(
            CODE,
            """
        from torch import nn
        net = nn.Linear(3, 3)
        for p in net.parameters():
            p.requires_grad = False
        net.weight.normal_()
    """,
        )
        == []
    )


def test_data_and_grad_of_a_leaf_are_other_rules_business():
    assert (
        lines(
            CODE,
            """
        import torch
        w = torch.randn(3, requires_grad=True)
        w.data.add_(1)
        w.grad.zero_()
        w.grad[0] = 0
    """,
        )
        == []
    )


def test_manual_updates_are_left_to_ptl205():
    assert (
        lines(
            CODE,
            """
        import torch
        w = torch.randn(3, requires_grad=True)
        w -= 0.1 * w.grad
        w.sub_(0.1 * w.grad)
    """,
        )
        == []
    )


def test_self_parameter_in_a_method_the_file_never_calls_is_silent():
    assert (
        lines(
            CODE,
            """
        import torch
        from torch import nn
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.empty(3))
            def reset_parameters(self):
                self.w.normal_()
            def forward(self, x):
                return x * self.w
    """,
        )
        == []
    )


def test_graph_values_written_into_a_buffer_drop_requires_grad():
    result = findings(
        CODE,
        """
        import torch
        w = torch.randn(3, requires_grad=True)
        out = torch.zeros(2, 3, requires_grad=True)
        out[0] = w * 2
    """,
    )
    assert result[0].fix.applicability is Applicability.UNSAFE
    assert (
        fixed(
            CODE,
            """
        import torch
        w = torch.randn(3, requires_grad=True)
        out = torch.zeros(2, 3, requires_grad=True)
        out[0] = w * 2
    """,
        ).splitlines()[2]
        == "out = torch.zeros(2, 3)"
    )


def test_adjacent_initialisations_share_one_no_grad_block():
    text = fixed(
        CODE,
        """
        import torch
        w = torch.empty(3, requires_grad=True)
        w.fill_(0)
        w[0] = 1
        y = w * 2
    """,
    )
    assert text.splitlines()[2:5] == ["with torch.no_grad():", "    w.fill_(0)", "    w[0] = 1"]


EMBEDDER = """
import torch
from torch import nn
class Embedder(nn.Module):
    def __init__(self, vectors, freeze, tune=True):
        super().__init__()
        self.table = nn.Embedding(10, 4)
        self.head = nn.Linear(4, 2)
        if freeze:
            self.table.weight.requires_grad = False
        if not tune:
            self.table.requires_grad_(False)
        self.head.weight.requires_grad = False
{between}        self.table.weight.copy_(vectors)
{constructions}
"""


def embedder(constructions: str, between: str = "") -> list[int]:
    body = "".join(f"        {line}\n" for line in between.splitlines())
    return lines(CODE, EMBEDDER.format(between=body, constructions=constructions))


def test_a_freeze_under_a_flag_every_construction_leaves_off_keeps_the_layer_s_parameter_a_leaf():
    found = findings(CODE, EMBEDDER.format(between="", constructions="e = Embedder(torch.ones(10, 4), freeze=False)"))
    assert [f.line for f in found] == [13]
    assert "never runs: every call passes `freeze=False`" in [r.message for r in found[0].related]
    assert embedder("a = Embedder(torch.ones(10, 4), False)\nb = Embedder(torch.ones(10, 4), 0, tune=True)") == [13]


def test_a_freeze_that_may_run_or_may_reach_the_parameter_keeps_it_silent():
    vectors = "torch.ones(10, 4)"
    assert embedder(f"e = Embedder({vectors}, freeze=True)") == []
    assert embedder(f"e = Embedder({vectors}, False)\nf = Embedder({vectors}, True)") == []
    assert embedder(f"e = Embedder({vectors}, freeze=flag)") == []
    assert embedder(f"e = Embedder({vectors}, False, tune=False)") == []
    assert embedder("") == []  # never constructed: the flag is unknown
    constructed = f"e = Embedder({vectors}, False)"
    assert embedder(constructed, "for p in self.parameters():\n    p.requires_grad = False") == []
    assert embedder(constructed, "freeze_all(self)") == []
    assert embedder(constructed, "self.table.weight.requires_grad = freeze") == []
    assert embedder(constructed, "self.table.weight.requires_grad = True") == [14]


def test_a_module_level_layer_frozen_by_a_helper_of_the_file_is_silent():
    assert (
        lines(
            CODE,
            """
        import torch
        from torch import nn
        def freeze():
            net.weight.requires_grad = False
        net = nn.Linear(3, 3)
        freeze()
        net.weight.normal_()
    """,
        )
        == []
    )
