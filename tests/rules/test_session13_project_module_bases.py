"""Module classes whose ``nn.Module`` base is a class of another file of the project.

``class Net(BaseModel)`` with ``from .base import BaseModel`` (and ``BaseModel(nn.Module)`` in
``base.py``) is an ``nn.Module``: the module rules read it as they read ``Net(nn.Module)``. Each
program below was run under torch 2.13 (what it did is said beside it)."""

from __future__ import annotations

from pathlib import Path

from rules_helpers import source

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

BASE = """
import torch.nn as nn


class BaseModel(nn.Module):
    def count(self):
        return sum(p.numel() for p in self.parameters())


class Config:
    scale = 2.0
"""

MID = """
from .base import BaseModel


class Backbone(BaseModel):
    pass
"""

# torch: `Net()` builds, but named_parameters() lists only fc.weight and fc.bias.
PARAMETER = """
import torch
import torch.nn as nn

from .base import BaseModel


class Net(BaseModel):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.scale = torch.ones(2, requires_grad=True)

    def forward(self, x):
        return self.fc(x) * self.scale
"""

# torch: AttributeError "cannot assign module before Module.__init__() call" (two files of bases).
BEFORE_INIT = """
import torch.nn as nn

from .mid import Backbone


class Net(Backbone):
    def __init__(self):
        self.fc = nn.Linear(3, 2)
        super().__init__()

    def forward(self, x):
        return self.fc(x)
"""

# torch: two calls on one input differ (new random weights each call).
LAYER_IN_FORWARD = """
import torch.nn as nn

import pkg.base as base


class Net(base.BaseModel):
    def forward(self, x):
        return nn.Linear(3, 2)(x)
"""

# fake-cuda: "Expected all tensors to be on the same device" in forward.
PLAIN_TENSOR = """
import torch
import torch.nn as nn

from .base import BaseModel


class Net(BaseModel):
    def __init__(self):
        super().__init__()
        self.mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return self.conv(x - self.mean)
"""

# torch: prints tensor([ 0., -2.]); Config is a plain class, Scaler no module.
PLAIN_BASE = """
import torch

from .base import Config


class Scaler(Config):
    def __init__(self):
        self.mean = torch.tensor([1.0, 2.0])

    def forward(self, x):
        return (x - self.mean) * self.scale
"""


def _codes(tmp_path: Path, text: str, *, name: str = "net.py") -> list[tuple[int, str]]:
    package = tmp_path / "pkg"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text(source(BASE))
    (package / "mid.py").write_text(source(MID))
    program = package / name
    program.write_text(source(text))
    result = lint_source(
        program.read_text(), path=str(program), selection=Selection.of(["PTL301", "PTL302", "PTL303", "PTL304"])
    )
    assert result.errors == []
    return [(f.line, f.code) for f in result.findings]


def test_a_parameter_of_a_subclass_of_a_project_module_is_unregistered(tmp_path: Path) -> None:
    assert _codes(tmp_path, PARAMETER) == [(11, "PTL301")]


def test_a_module_assigned_before_init_through_two_files_of_bases(tmp_path: Path) -> None:
    assert _codes(tmp_path, BEFORE_INIT) == [(8, "PTL303")]


def test_a_layer_made_in_forward_of_a_module_named_through_its_module(tmp_path: Path) -> None:
    assert _codes(tmp_path, LAYER_IN_FORWARD) == [(8, "PTL304")]


def test_a_plain_tensor_attribute_of_a_subclass_of_a_project_module(tmp_path: Path) -> None:
    assert _codes(tmp_path, PLAIN_TENSOR) == [(10, "PTL302")]


def test_the_registered_buffer_is_silent(tmp_path: Path) -> None:
    # fake-cuda: prints torch.Size([1, 4, 6, 6]).
    registered = PLAIN_TENSOR.replace(
        "self.mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)",
        'self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))',
    )
    assert _codes(tmp_path, registered) == []


def test_a_plain_class_of_another_file_makes_no_module(tmp_path: Path) -> None:
    assert _codes(tmp_path, PLAIN_BASE) == []


def test_a_base_no_file_of_the_project_defines_stays_unknown(tmp_path: Path) -> None:
    # `models_zoo` is nowhere: the class may be anything (and Python would not import it).
    assert (
        _codes(tmp_path, PLAIN_TENSOR.replace("from .base import BaseModel", "from models_zoo import BaseModel")) == []
    )


def test_without_a_file_the_base_stays_unknown() -> None:
    # an editor's unsaved buffer: no folder to find `.base` in
    result = lint_source(source(PLAIN_TENSOR), path="untitled:1", selection=Selection.of(["PTL302"]))
    assert result.findings == []


# -- PTL302: a table made by a helper of another file of the project ------------------------------

TABLES = """
import math

import torch


def sinusoid_table(n, d):
    pe = torch.zeros(n, d)
    position = torch.arange(0, n).unsqueeze(1).float()
    div = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
    pe[:, 0::2] = torch.sin(position * div)
    pe[:, 1::2] = torch.cos(position * div)
    return pe


def placed_table(n, d, device):
    return torch.zeros(n, d, device=device)


def learned_table(n, d):
    return torch.nn.Parameter(torch.zeros(n, d))
"""

# fake-cuda, after `Encoder().to(device)`: "Expected all tensors to be on the same device" in forward.
ENCODER = """
import torch
import torch.nn as nn

from .tables import sinusoid_table


class Encoder(nn.Module):
    def __init__(self, n=16, d=8):
        super().__init__()
        self.embed = nn.Embedding(10, d)
        self.pe = sinusoid_table(n, d)

    def forward(self, tokens):
        return self.embed(tokens) + self.pe[: tokens.size(1)]
"""


def _encoder(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    (tmp_path / "pkg").mkdir(exist_ok=True)
    (tmp_path / "pkg" / "tables.py").write_text(source(TABLES))
    return _codes(tmp_path, text, name="encoder.py")


def test_a_table_from_a_helper_of_another_file(tmp_path: Path) -> None:
    assert _encoder(tmp_path, ENCODER) == [(11, "PTL302")]


def test_a_table_from_a_helper_named_through_its_module(tmp_path: Path) -> None:
    # fake-cuda: the same device mismatch.
    dotted = ENCODER.replace("from .tables import sinusoid_table", "import pkg.tables as tables").replace(
        "self.pe = sinusoid_table(n, d)", "self.pe = tables.sinusoid_table(n, d)"
    )
    assert _encoder(tmp_path, dotted) == [(11, "PTL302")]


def test_a_table_the_helper_places_is_silent(tmp_path: Path) -> None:
    # fake-cuda, `Encoder(device).to(device)`: prints torch.Size([2, 5, 8]).
    placed = (
        ENCODER.replace("sinusoid_table", "placed_table")
        .replace("placed_table(n, d)", "placed_table(n, d, device)")
        .replace("def __init__(self, n=16, d=8):", "def __init__(self, device, n=16, d=8):")
    )
    assert _encoder(tmp_path, placed) == []


def test_a_parameter_from_a_helper_of_another_file_is_silent(tmp_path: Path) -> None:
    # fake-cuda: prints torch.Size([2, 5, 8]) (the parameter moves with the module).
    assert _encoder(tmp_path, ENCODER.replace("sinusoid_table", "learned_table")) == []


def test_the_fix_registers_the_helper_s_table_and_leaves_nothing(tmp_path: Path) -> None:
    # fake-cuda, the fixed package: prints torch.Size([2, 5, 8]).
    from pt_lsp.core.fixes import fix_source

    assert _encoder(tmp_path, ENCODER) == [(11, "PTL302")]
    program = tmp_path / "pkg" / "encoder.py"
    selection = Selection.of(["PTL302"])
    outcome = fix_source(program.read_text(), path=str(program), selection=selection, unsafe=True)
    assert outcome.errors == [] and outcome.converged
    compile(outcome.text, str(program), "exec")
    assert 'self.register_buffer("pe", sinusoid_table(n, d))' in outcome.text
    assert lint_source(outcome.text, path=str(program), selection=selection).findings == []
