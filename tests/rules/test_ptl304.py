"""PTL304 layer-created-in-forward: parameterised layers only, stored layers, the display fix."""

from __future__ import annotations

from rules_helpers import findings, lines

from pt_lsp.core.findings import Applicability

CODE = "PTL304"


def test_parameterised_layers_in_forward_and_its_helpers():
    assert lines(
        CODE,
        """
        from torch import nn
        class M(nn.Module):
            def __init__(self):
                super().__init__()
            def helper(self, x):
                return nn.Conv2d(3, 3, 1)(x)
            def unused(self, x):
                return nn.Linear(3, 3)(x)
            def forward(self, x):
                x = nn.BatchNorm2d(3)(x)
                x = nn.ReLU()(nn.Dropout(0.1)(x))
                x = nn.InstanceNorm2d(3)(x)
                x = nn.GroupNorm(1, 3, affine=False)(x)
                return self.helper(x)
    """,
    ) == [6, 10]


def test_layers_stored_on_the_module_or_outside_modules_are_silent():
    assert (
        lines(
            CODE,
            """
        from torch import nn
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList()
            def forward(self, x):
                if not hasattr(self, "head"):
                    self.head = nn.Linear(3, 3)
                self.layers.append(nn.Linear(3, 3))
                setattr(self, "extra", nn.Linear(3, 3))
                self.blocks = nn.Sequential(nn.Linear(3, 3))
                return x
        class NotAModule:
            def forward(self, x):
                return nn.Linear(3, 3)(x)
    """,
        )
        == []
    )


def test_the_fix_is_display_only_and_only_where_sizes_are_known_in_init():
    found = findings(
        CODE,
        """
        from torch import nn
        HIDDEN = 8
        class M(nn.Module):
            def __init__(self):
                super().__init__()
            def forward(self, x):
                proj = nn.Linear(HIDDEN, 4)
                wide = nn.Linear(x.size(-1), 4)
                return proj(x) + wide(x)
    """,
    )
    assert [f.line for f in found] == [7, 8]
    assert found[0].fix.applicability is Applicability.DISPLAY_ONLY
    assert [e.content for e in found[0].fix.edits] == ["        self.proj = nn.Linear(HIDDEN, 4)\n", "self.proj"]
    assert found[1].fix is None


def test_a_norm_layer_is_said_to_start_from_its_initial_weights_not_random_ones():
    """audit-3 (BERT in a tutorial): a fresh `nn.LayerNorm` has weight 1 and bias 0, so "new random
    weights" was wrong for it; it is still reported, since its affine parameters never learn."""
    found = findings(
        CODE,
        """
        from torch import nn
        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
            def forward(self, x):
                y = nn.Linear(8, 8)(x)
                return nn.LayerNorm(8)(self.fc(y) + x)
    """,
    )
    assert [f.line for f in found] == [7, 8]
    assert "new random weights" in found[0].message
    assert "start from their initial values" in found[1].message and "random" not in found[1].message
    assert "with initial weights" in found[1].related[0].message
