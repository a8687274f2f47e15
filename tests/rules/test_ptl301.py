"""PTL301 unregistered-parameter: what counts as unregistered, and the fixes in each import style."""

from __future__ import annotations

import pytest
from rules_helpers import findings, fixed, lines, source

from pt_lsp.core.findings import Applicability

CODE = "PTL301"


def test_local_base_class_makes_a_module_and_helpers_called_from_init_count():
    assert lines(
        CODE,
        """
        import torch
        import torch.nn as nn
        class Base(nn.Module):
            pass
        class Net(Base):
            def __init__(self):
                super().__init__()
                self.setup()
            def setup(self):
                self.w = torch.randn(3, requires_grad=True)
    """,
    ) == [10]


@pytest.mark.parametrize(
    "snippet",
    [
        # Registered the right way, or re-wrapped later.
        "self.layers = nn.ModuleList([nn.Linear(2, 2)])",
        "self.register_buffer('mean', torch.zeros(2))",
        "self.skips = []\n        self.skips.append(nn.Identity())\n        self.skips = nn.ModuleList(self.skips)",
        # Not modules or parameters: ints, plain tensors, unknown callables, outputs of layers.
        "self.sizes = [64, 32]",
        "self.anchors = [torch.tensor([1.0]), torch.zeros(2)]",
        "self.fns = [make_layer(i) for i in range(3)]",
        "self.mixed = [nn.Linear(2, 2), make_layer()]",
        "self.hooks = []\n        self.hooks.append(register(self))",
        "self.w = torch.randn(3)",
        "self.w = torch.randn(3, requires_grad=False)",
        "self.t = torch.zeros(1).requires_grad_(False)",
        "self.p = nn.Parameter(torch.randn(3, requires_grad=True))",
        # Each module is registered as an attribute too: the list misses nothing.
        "fc = nn.Linear(2, 2)\n        self.fc = fc\n        self.order = [fc]",
        "self.encoder = nn.Linear(2, 2)\n        self.stages = [self.encoder]",
        # Handed on to a container that registers them, or registered by name.
        "self.layers = []\n        self.layers.append(nn.Linear(2, 2))\n        self.net = nn.Sequential(*self.layers)",
        "layers = [nn.Linear(2, 2)]\n        self.layers = layers\n        self.net = nn.Sequential(*layers)",
        "self.blocks = [nn.Linear(2, 2)]\n        for i, b in enumerate(self.blocks):\n            self.add_module(f'b{i}', b)",
    ],
)
def test_silent_in_a_module(snippet):
    assert (
        lines(
            CODE,
            f"""
import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        {snippet}
""",
        )
        == []
    )


def test_modules_in_a_list_of_a_plain_class_or_in_forward_are_silent():
    assert (
        lines(
            CODE,
            """
        import torch.nn as nn
        class Trainer:
            def __init__(self):
                self.models = [nn.Linear(2, 2) for _ in range(3)]
        class Net(nn.Module):
            def forward(self, x):
                self.cache = [nn.Linear(2, 2)]
                return x
    """,
        )
        == []
    )


def test_names_bound_once_in_init_are_followed():
    assert lines(
        CODE,
        """
        import torch
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self, n):
                super().__init__()
                scale = torch.ones(n, requires_grad=True)
                self.scale = scale
                self.blocks = []
                for i in range(n):
                    block = nn.Linear(n, n)
                    self.blocks.append(block)
    """,
    ) == [7, 8]


def test_reading_the_list_with_builtins_does_not_hide_it():
    assert lines(
        CODE,
        """
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = [nn.Linear(2, 2) for _ in range(3)]
                print(len(self.layers))
            def forward(self, x):
                for i, layer in enumerate(self.layers):
                    x = layer(x)
                return x
    """,
    ) == [5]


def test_tuple_of_a_generator_becomes_a_module_list_of_it():
    assert "        self.convs = nn.ModuleList(nn.Conv2d(c, c, 3) for c in sizes)\n" in fixed(
        CODE,
        """
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self, sizes):
                super().__init__()
                self.convs = tuple(nn.Conv2d(c, c, 3) for c in sizes)
    """,
    )


def test_lightning_modules_count_as_modules():
    assert lines(
        CODE,
        """
        import pytorch_lightning as pl
        import torch.nn as nn
        class Base(pl.LightningModule):
            pass
        class Classifier(Base):
            def __init__(self):
                super().__init__()
                self.heads = [nn.Linear(8, 2), nn.Linear(8, 3)]
    """,
    ) == [8]


def test_dict_with_int_keys_is_reported_without_a_fix():
    (finding,) = findings(
        CODE,
        """
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.by_size = {64: nn.Linear(64, 1), 128: nn.Linear(128, 1)}
    """,
    )
    assert finding.fixes == ()


def test_fixes_are_unsafe():
    for finding in findings(
        CODE,
        """
        import torch
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.w = torch.randn(3, requires_grad=True)
                self.heads = [nn.Linear(2, 2), nn.Linear(2, 3)]
    """,
    ):
        assert finding.fix.applicability is Applicability.UNSAFE
    assert (
        fixed(
            CODE,
            """
        import torch
        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = torch.randn(3, requires_grad=True)
    """,
            unsafe=False,
        ).count("requires_grad=True")
        == 1
    )


def test_imported_container_class_is_used_and_torch_is_imported_where_missing():
    assert fixed(
        CODE,
        """
        from torch.nn import Module, ModuleList, Linear
        class Net(Module):
            def __init__(self):
                super().__init__()
                self.layers = [Linear(2, 2)]
                self.heads = {"a": Linear(2, 1)}
    """,
    ) == source("""
        import torch
        from torch.nn import Module, ModuleList, Linear
        class Net(Module):
            def __init__(self):
                super().__init__()
                self.layers = ModuleList([Linear(2, 2)])
                self.heads = torch.nn.ModuleDict({"a": Linear(2, 1)})
    """)


def test_parameters_filled_by_key_become_a_parameter_dict():
    assert "self.scales = nn.ParameterDict()" in fixed(
        CODE,
        """
        import torch
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self, names):
                super().__init__()
                self.scales = {}
                for name in names:
                    self.scales[name] = nn.Parameter(torch.ones(1))
    """,
    )


def test_fixed_module_registers_what_the_list_held():
    import torch

    text = """
        import torch
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = []
                for _ in range(3):
                    self.blocks.append(nn.Linear(4, 4))
                self.bias = torch.zeros(4, requires_grad=True)
        model = Net()
    """
    before, after = {}, {}
    exec(compile(source(text), "<before>", "exec"), before)
    exec(compile(fixed(CODE, text), "<after>", "exec"), after)
    assert len(list(before["model"].parameters())) == 0
    assert len(list(after["model"].parameters())) == 3 * 2 + 1
    assert isinstance(after["model"].bias, torch.nn.Parameter)


def test_modules_in_lists_put_into_the_list_are_reported_without_a_fix():
    found = findings(
        CODE,
        """
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self, sizes, act):
                super().__init__()
                self.stages = []
                for a, b in zip(sizes, sizes[1:]):
                    self.stages.append((nn.Conv1d(a, b, 3), act()))
                self.names = []
                for a in sizes:
                    self.names.append([str(a), act()])
    """,
    )
    assert [f.line for f in found] == [5]
    assert "in lists inside it" in found[0].message and found[0].fixes == ()


def test_a_list_filled_from_the_callers_modules():
    found = findings(
        CODE,
        """
        import torch.nn as nn
        class Merge(nn.Module):
            def __init__(self, branches=None, heads=(), tails=()):
                super().__init__()
                self.branches = None
                if branches is not None:
                    self.branches = []
                    for branch in branches:
                        self.branches.append(branch)
                self.heads = heads
                self.tails = list(tails)
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.merge = Merge([nn.Linear(4, 2), nn.Linear(4, 3)], heads=[nn.Linear(5, 1)], tails=[nn.Linear(1, 1)])
    """,
    )
    assert [f.line for f in found] == [7, 10, 11]
    assert "a caller passes a module here: `nn.Linear(4, 2)`" in [r.message for r in found[0].related]


def test_a_list_from_the_callers_is_silent_unless_every_caller_passes_modules():
    assert (
        lines(
            CODE,
            """
        import torch.nn as nn
        class Merge(nn.Module):
            def __init__(self, branches, names, blocks):
                super().__init__()
                self.branches = []
                for branch in branches:
                    self.branches.append(branch)
                self.names = names
                self.blocks = blocks
        a = Merge([nn.Linear(4, 2)], ["a"], nn.ModuleList([nn.Linear(4, 2)]))
        b = Merge(make_branches(), ["b"], [nn.Linear(2, 2)])
        c = Merge([nn.Linear(4, 2), "skip"], ["c"], build())
    """,
        )
        == []
    )


@pytest.mark.parametrize(
    "init",
    [
        # no base __init__ at all, or one after the list: nn.ModuleList / nn.Parameter there would raise
        # "cannot assign module before Module.__init__() call"; PTL303's fix comes first (the fuzzer
        # found the three-round chain: PTL301's fix, then PTL303 on the ModuleList, then PTL302)
        "        self.layers = [nn.Linear(2, 2)]\n",
        "        self.layers = [nn.Linear(2, 2)]\n        super().__init__()\n",
        "        self.w = torch.zeros(3, requires_grad=True)\n",
    ],
)
def test_no_fix_before_the_base_init_runs(init):
    text = "import torch\nimport torch.nn as nn\nclass Head(nn.Module):\n    def __init__(self):\n" + init
    [finding] = findings("PTL301", text)
    assert finding.fixes == ()


def test_the_fix_is_offered_after_the_base_init():
    text = source("""
        import torch.nn as nn
        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = [nn.Linear(2, 2)]
    """)
    [finding] = findings("PTL301", text)
    assert finding.fixes and "nn.ModuleList" in fixed("PTL301", text, unsafe=True)
