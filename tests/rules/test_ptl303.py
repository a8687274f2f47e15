"""PTL303 module-before-super-init: assignment order, missing super calls, foreign super()."""

from __future__ import annotations

from rules_helpers import findings, fixed, lines

from pt_lsp.core.findings import Applicability

CODE = "PTL303"


def test_modules_and_parameters_before_the_super_call_but_not_plain_values():
    assert lines(
        CODE,
        """
        import torch
        from torch import nn
        class Local(nn.Module):
            pass
        class M(nn.Module):
            def __init__(self):
                self.size = 3
                self.a = nn.Linear(3, 3)
                self.b = nn.Parameter(torch.ones(3))
                self.c = Local()
                self.d = torch.ones(3)
                super().__init__()
                self.e = nn.Linear(3, 3)
    """,
    ) == [8, 9, 10]


def test_the_move_is_safe_for_nn_module_bases_and_unsafe_for_local_bases():
    direct = findings(
        CODE,
        """
        from torch import nn
        class M(nn.Module):
            def __init__(self):
                self.a = nn.Linear(3, 3)
                super().__init__()
    """,
    )
    local = findings(
        CODE,
        """
        from torch import nn
        class Base(nn.Module):
            pass
        class M(Base):
            def __init__(self):
                self.a = nn.Linear(3, 3)
                super().__init__()
    """,
    )
    assert direct[0].fix.applicability is Applicability.SAFE
    assert local[0].fix.applicability is Applicability.UNSAFE


def test_no_move_when_the_super_call_uses_values_computed_before_it():
    found = findings(
        CODE,
        """
        from torch import nn
        class M(Base, nn.Module):
            def __init__(self, cfg):
                self.a = nn.Linear(3, 3)
                size = cfg.size
                super().__init__(size)
    """,
    )
    assert [f.line for f in found] == [4] and found[0].fix is None


def test_a_super_call_inside_a_block_makes_the_order_unknown():
    assert (
        lines(
            CODE,
            """
        from torch import nn
        class M(nn.Module):
            def __init__(self, flag):
                self.a = nn.Linear(3, 3)
                if flag:
                    super().__init__()
    """,
        )
        == []
    )


def test_missing_super_call_gets_one_inserted_after_the_docstring():
    text = fixed(
        CODE,
        """
        from torch import nn
        class M(nn.Module):
            def __init__(self):
                '''Doc.'''
                self.a = nn.Linear(3, 3)
    """,
    )
    assert text.splitlines()[4:6] == ["        super().__init__()", "        self.a = nn.Linear(3, 3)"]


def test_super_naming_an_unrelated_or_undefined_class():
    assert lines(
        CODE,
        """
        from torch import nn
        from lib import Imported
        class A(nn.Module):
            def __init__(self):
                super(A, self).__init__()
        class B(A):
            def __init__(self):
                super(A, self).__init__()
        class C(nn.Module):
            def __init__(self):
                super(A, self).__init__()
        class D(nn.Module):
            def __init__(self):
                super(Missing, self).__init__()
        class E(nn.Module):
            def __init__(self):
                super(Imported, self).__init__()
    """,
    ) == [11, 14]


def test_foreign_super_fix_is_safe_only_with_the_method_s_own_self():
    found = findings(
        CODE,
        """
        from torch import nn
        class A(nn.Module):
            pass
        class C(nn.Module):
            def __init__(self):
                super(A, self).__init__()
            def other(this):
                return super(A, obj)
    """,
    )
    assert [f.fix is not None for f in found] == [True, False]


def test_a_submodule_in_either_branch_of_a_conditional_expression():
    assert lines(
        CODE,
        """
        import torch
        from torch import nn
        class Block(nn.Module):
            def __init__(self, n_in, n_out, gate):
                self.proj = nn.Identity() if n_in == n_out else nn.Linear(n_in, n_out)
                self.gate = nn.Parameter(torch.ones(n_out)) if gate else None
                self.scale = 2.0 if gate else 1.0
                self.tail = torch.ones(3) if gate else None
                self.norm = gate or nn.LayerNorm(n_out)
                self.act = gate or torch.relu
                super().__init__()
    """,
    ) == [5, 6, 9]


# `super(Cls)` with one argument: an unbound super object whose `__init__` is super's own
# (recall-3 PTL303/03); each program below was run under torch 2.13.
_UNBOUND_BLOCK = """
from torch import nn

class Stem(nn.Module):
    def __init__(self):
        super().__init__()

class Block(Stem):
    def __init__(self, channels):
        super(Block).__init__()
        for _ in range(2):
            self.channels = channels
        self.conv = nn.Conv2d(channels, channels, 1)

block = Block(4)
"""


def test_an_unbound_super_init_runs_no_base_init():
    found = findings(CODE, _UNBOUND_BLOCK)
    assert [f.line for f in found] == [12]  # AttributeError: cannot assign module before Module.__init__() call
    assert "`super(Block).__init__()` never runs `nn.Module.__init__`" in found[0].message
    assert [r.span.start.line for r in found[0].related][0] == 9
    # the base is a class of this file: binding `super` is unsafe (its __init__ now runs)
    assert found[0].fix is not None and found[0].fix.applicability is Applicability.UNSAFE
    assert "super().__init__()" in fixed(CODE, _UNBOUND_BLOCK)


def test_an_unbound_super_naming_another_class_gets_no_fix_and_a_bound_call_counts():
    other = findings(
        CODE,
        """
        from torch import nn
        class Head(nn.Module):
            def __init__(self):
                super(nn.Module).__init__()
                self.out = nn.Linear(2, 2)
        """,
    )
    assert [f.line for f in other] == [5] and other[0].fix is None
    # a bound call after the unbound one: the assignment after it is fine (this one runs)
    assert (
        lines(
            CODE,
            """
            from torch import nn
            class Head(nn.Module):
                def __init__(self):
                    super(Head).__init__()
                    super(Head, self).__init__()
                    self.out = nn.Linear(2, 2)
            head = Head()
            """,
        )
        == []
    )
