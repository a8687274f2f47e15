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
    ) == [6, 10, 11]  # line 11: the dropout stays active after `model.eval()` (session 11; was silent)


def test_layers_stored_on_the_module_or_outside_modules_are_silent():
    # `self.blocks = ...` is stored once, under a guard on the module's state (an unguarded one is
    # rebuilt on every call: test_an_unguarded_attribute_layer_in_forward_is_rebuilt_on_every_call)
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
                if getattr(self, "blocks", None) is None:
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


def test_an_unguarded_attribute_layer_in_forward_is_rebuilt_on_every_call():
    found = findings(
        CODE,
        """
        from torch import nn
        class Aux(nn.Module):
            def __init__(self):
                super().__init__()
            def forward(self, x):
                self.proj = nn.Linear(x.size(-1), x.size(-1))
                self.mix = nn.Sequential(nn.Conv1d(4, 4, 1), nn.ReLU())
                return self.mix(self.proj(x))
    """,
    )
    assert [f.line for f in found] == [6, 7]
    assert "on every call of `forward`" in found[0].message and "if self.proj is None" in found[0].message
    assert [r.message for r in found[0].related][-1] == "`self.proj` is applied here with those untrained weights"


def test_a_guard_on_the_module_s_state_makes_the_layer_lazy():
    assert (
        lines(
            CODE,
            """
        from torch import nn
        class Lazy(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = None
                self.built = False
            def forward(self, x):
                if self.fc is None or self.fc.in_features != x.size(-1):
                    self.fc = nn.Linear(x.size(-1), 2)
                while not self.built:
                    self.norm = nn.LayerNorm(x.size(-1))
                    self.built = True
                self.gate = self.gate if hasattr(self, "gate") else nn.Linear(2, 2)
                try:
                    head = self.head
                except AttributeError:
                    self.head = nn.Linear(2, 2)
                return self.fc(x)
        class Early(nn.Module):
            def forward(self, x):
                if hasattr(self, "fc"):
                    return self.fc(x)
                self.fc = nn.Linear(x.size(-1), 2)
                return self.fc(x)
    """,
        )
        == []
    )


def test_an_unrelated_condition_is_no_guard():
    assert lines(
        CODE,
        """
        from torch import nn
        class M(nn.Module):
            def forward(self, x, wide=False):
                if x.dim() == 3:
                    self.fc = nn.Linear(x.size(-1), 2)
                return self.fc(x)
    """,
    ) == [5]


LAZY = """
        import torch
        from torch import nn
        class Lazy(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = None
            def forward(self, x):
                if self.fc is None:
                    self.fc = nn.Linear(x.size(-1), 1)
                return self.fc(x)
        class Outer(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = Lazy()
            def forward(self, x):
                return self.body(x)
"""


def test_a_lazy_layer_built_after_the_optimizer_took_the_parameters():
    found = findings(
        CODE,
        LAZY
        + """
        model = Outer().to("cpu")
        model.train()
        optimizer = torch.optim.SGD([{"params": model.parameters()}], lr=0.1)
        for x in [torch.randn(2, 3)]:
            model(x).sum().backward()
            optimizer.step()
    """,
    )
    assert [f.line for f in found] == [9]
    assert "before that call" in found[0].message
    assert [r.span.start.line for r in found[0].related] == [9, 18, 20]


def test_a_lazy_layer_is_fine_when_forward_may_have_run_before_the_optimizer():
    assert (
        lines(
            CODE,
            LAZY
            + """
        def train():
            model = Outer()
            model(torch.randn(1, 3))
            optimizer = torch.optim.Adam(model.parameters())
        def summarise():
            model = Lazy()
            warm_up(model)
            optimizer = torch.optim.Adam(model.parameters())
        def per_epoch(xs):
            model = Lazy()
            for x in xs:
                optimizer = torch.optim.Adam(model.parameters())
                model(x).sum().backward()
        def scheduler():
            model = Lazy()
            schedule = torch.optim.lr_scheduler.StepLR(model.parameters(), 1)
        def warm_up():
            shared(torch.randn(1, 3))
        shared = Lazy()
        warm_up()
        optimizer = torch.optim.Adam(shared.parameters())
    """,
        )
        == []
    )
