"""Evidence paths of the module rules (PTL301-PTL304): the places that decided a finding, in
program order, on `Finding.related`."""

from __future__ import annotations

import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection
from pt_lsp.rules.modules.examples import (
    layer_created_in_forward,
    module_before_super_init,
    unregistered_buffer,
    unregistered_parameter,
)


def findings(source: str, code: str):
    result = lint_source(textwrap.dedent(source), "<path>", selection=Selection.of([code]))
    assert result.errors == []
    return result.findings


def steps(finding) -> list[tuple[int, str]]:
    return [(r.span.start.line, r.message) for r in finding.related]


def test_ptl301_list_filled_later_path():
    source = """\
        import torch
        from torch import nn

        class Heads(nn.Module):
            def __init__(self):
                super().__init__()
                heads = []
                for n in (10, 5):
                    heads.append(nn.Linear(8, n))
                self.heads = heads
        """
    (finding,) = findings(source, "PTL301")
    path = steps(finding)
    assert path[0] == (7, "a plain list is built here")
    assert path[1] == (9, "a module goes into it here: `nn.Linear(8, n)`")
    assert path[2][0] == 10 and "`parameters()` does not look inside a plain list" in path[2][1]
    assert len(path) == 3


def test_ptl301_dict_filled_after_assignment_keeps_program_order():
    source = """\
        from torch import nn

        class Experts(nn.Module):
            def __init__(self):
                super().__init__()
                self.experts = {}
                self.experts["a"] = nn.Linear(2, 2)
                self.experts["b"] = nn.Linear(2, 2)
        """
    (finding,) = findings(source, "PTL301")
    path = steps(finding)
    assert [line for line, _ in path] == [6, 6, 7, 8]
    assert path[0] == (6, "a plain dict is built here")
    assert "kept as `self.experts`" in path[1][1]
    assert path[2] == (7, "a module goes into it here: `nn.Linear(2, 2)`")


def test_ptl301_requires_grad_tensor_path():
    source = """\
        import torch
        from torch import nn

        class Scaled(nn.Module):
            def __init__(self):
                super().__init__()
                t = torch.zeros(3).requires_grad_()
                self.bias = t
        """
    (finding,) = findings(source, "PTL301")
    path = steps(finding)
    assert path[0] == (7, "a tensor with `requires_grad=True` is made here, not an `nn.Parameter`")
    assert path[1][0] == 8 and "`parameters()` does not yield it" in path[1][1]


def test_ptl301_literal_list_shows_one_element_then_the_assignment():
    source = """\
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = [nn.Linear(4, 4), nn.Linear(4, 2)]
        """
    (finding,) = findings(source, "PTL301")
    messages = [message for _, message in steps(finding)]
    assert messages[0] == "a plain list is built here"
    assert messages[1] == "a module goes into it here: `nn.Linear(4, 4)`"
    assert messages[-1].startswith("kept as `self.layers`")
    assert len(messages) == 3


def test_ptl302_path_names_the_factory_the_assignment_and_the_use():
    source = """\
        import torch
        from torch import nn

        class PositionalEncoding(nn.Module):
            def __init__(self, n):
                super().__init__()
                pe = torch.zeros(n, 4)
                pe = pe.unsqueeze(0)
                self.pe = pe

            def add(self, x):
                return x + self.pe

            def forward(self, x):
                return self.add(x)
        """
    (finding,) = findings(source, "PTL302")
    path = steps(finding)
    assert path[0] == (7, "`pe` is made here by a torch factory")
    assert path[1] == (9, "assigned to a plain attribute `self.pe` in `__init__`, not registered as a buffer")
    assert path[2] == (12, "used here in `add` (called from `forward`): still on the CPU after `model.to(device)`")


def test_ptl302_direct_factory_path():
    source = """\
        import torch
        from torch import nn

        class Normalize(nn.Module):
            def __init__(self):
                super().__init__()
                self.mean = torch.tensor([0.5, 0.5, 0.5])

            def forward(self, x):
                return x - self.mean
        """
    (finding,) = findings(source, "PTL302")
    assert steps(finding) == [
        (7, "a tensor is made here by a torch factory"),
        (7, "assigned to a plain attribute `self.mean` in `__init__`, not registered as a buffer"),
        (10, "used here in `forward`: still on the CPU after `model.to(device)`"),
    ]


def test_ptl303_path_names_the_assignment_and_the_late_super_call():
    source = """\
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                self.fc = nn.Linear(10, 2)
                super().__init__()
        """
    (finding,) = findings(source, "PTL303")
    assert steps(finding) == [
        (5, "`self.fc` assigned here, while `nn.Module.__init__` has not run"),
        (6, "`super().__init__()` runs only here"),
    ]


def test_ptl303_without_super_call_says_so():
    source = """\
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                self.fc = nn.Linear(10, 2)
        """
    (finding,) = findings(source, "PTL303")
    assert steps(finding) == [
        (4, "`__init__` never calls `super().__init__()`"),
        (5, "`self.fc` assigned here, while `nn.Module.__init__` has not run"),
    ]


def test_ptl303_foreign_super_names_both_classes():
    source = """\
        from torch import nn

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()

        class Decoder(nn.Module):
            def __init__(self):
                super(Encoder, self).__init__()
        """
    (finding,) = findings(source, "PTL303")
    assert steps(finding) == [
        (3, "`Encoder` is another class of this file"),
        (7, "`Decoder` is defined here; `Encoder` is not among its bases"),
    ]


def test_ptl304_path_from_forward_through_a_helper_to_the_use():
    source = """\
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()

            def head(self, x):
                fc = nn.Linear(8, 2)
                return fc(x)

            def forward(self, x):
                return self.head(x)
        """
    (finding,) = findings(source, "PTL304")
    assert steps(finding) == [
        (12, "`forward` calls `head` here"),
        (8, "a new `nn.Linear` with random weights is made here on every call of `head`"),
        (9, "`fc` is applied here with those untrained weights"),
    ]


def test_ptl304_layer_applied_at_once():
    source = """\
        from torch import nn

        class Net(nn.Module):
            def forward(self, x):
                return nn.Linear(512, 10)(x)
        """
    (finding,) = findings(source, "PTL304")
    assert steps(finding) == [
        (5, "a new `nn.Linear` with random weights is made here on every call of `forward`"),
        (5, "it is applied here, then thrown away"),
    ]


EXAMPLE_MODULES = {
    "PTL301": unregistered_parameter,
    "PTL302": unregistered_buffer,
    "PTL303": module_before_super_init,
    "PTL304": layer_created_in_forward,
}


@pytest.mark.parametrize("code", sorted(EXAMPLE_MODULES))
def test_bad_examples_carry_a_path_and_good_ones_give_no_finding(code):
    with_path = 0
    for example in EXAMPLE_MODULES[code].EXAMPLES:
        source = textwrap.dedent(example.source)
        found = findings(source, code)
        if f"expect: {code}" not in source:
            assert found == [], example.title
            continue
        for finding in found:
            assert finding.related, (example.title, finding.message)
            with_path += 1
            if code in ("PTL301", "PTL302"):  # the path ends (or goes on) past the finding's assignment
                assert any(r.span.start.line == finding.line for r in finding.related), example.title
    assert with_path > 0
