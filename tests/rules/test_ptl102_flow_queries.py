"""PTL102 asks the flow engine only about receivers that syntax cannot decide (issue 15).

Behaviour, not timings: the flow queries are counted, and the findings stay what they were."""

from __future__ import annotations

import ast

import pytest
from rules_helpers import lines, source

from pt_lsp.core.flow.facts import FlowFacts

CODE = "PTL102"


@pytest.fixture
def queries(monkeypatch):
    """The expressions PTL102's evidence asked the flow engine about."""
    asked: list[str] = []
    original = FlowFacts.value

    def value(self, node):
        asked.append(ast.unparse(node))
        return original(self, node)

    monkeypatch.setattr(FlowFacts, "value", value)
    return asked


def test_receivers_that_syntax_decides_cost_no_flow_query(queries):
    code = """
    import torch
    def step(model, lr):
        for p in model.parameters():
            p.data.add_(p.grad.data, alpha=-lr)
        model.fc.weight.data.zero_()
        w = torch.randn(3)
        print(w.data)
        print(self.data)
    """
    assert lines(CODE, code) == [4, 5, 7]
    assert queries == []


def test_torch_modules_classes_and_ops_are_not_asked_about(queries):
    code = """
    import torch
    from torch import Tensor
    aten = torch.ops.aten
    def overrides():
        Alias = torch.Tensor
        return {Tensor.data: 1, torch.utils.data: 2, aten.add.data: 3, Alias.data: 4}
    """
    assert lines(CODE, code) == []
    assert queries == []


@pytest.mark.parametrize(
    "code",
    [
        # the name is also given a value that is not a torch path: the flow engine decides
        "import torch\nfrom torch import Tensor\ndef f(x):\n    Tensor = x * 2\n    return Tensor.data\n",
        "import torch\nfrom torch import Tensor\ndef f(Tensor):\n    return Tensor.data\n",
        "import torch\ndef f():\n    for Tensor in [torch.ones(1)]:\n        print(Tensor.data)\n",
        # a prefix of the path is assigned: its value is the flow engine's
        "import torch\ndef f():\n    torch.utils = torch.ones(2) * 2\n    return torch.utils.data\n",
        # an alias of an alias, or of something not torch's
        "import torch\nimport numpy as np\nA = np.ndarray\ndef f():\n    return A.data\n",
    ],
)
def test_names_given_other_values_are_still_asked_about(queries, code):
    lines(CODE, code)
    assert any(q.endswith(("Tensor", "utils", "A")) for q in queries)


def test_a_torch_name_rebound_to_a_tensor_is_still_reported():
    code = """
    import torch
    from torch import Tensor
    def f(x):
        Tensor = torch.ones(2) * x
        Tensor.data.add_(1)
    """
    assert lines(CODE, code) == [5]


def test_an_undecided_receiver_is_asked_about_once(queries):
    code = """
    import torch
    def f():
        x = torch.randn(3) * 2
        return x.data
    """
    assert lines(CODE, source(code)) == [4]
    assert queries == ["x"]
