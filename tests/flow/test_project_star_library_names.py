"""Library names re-exported by a star import of the project's own module: where utils.py has
``import torch.nn as nn`` (or ``from torch.nn import *``), ``from utils import *`` binds ``nn``
(``Linear``) to torch's, and the rules read them as if the importer had imported them itself.
Before, the name table answered ``utils.nn.Linear`` and no torch rule recognised it (a real
BiGAN's ``nn`` came this way). Each program is ours; run under torch 2.13, the plain list of
layers is missing from ``parameters()`` (2 tensors instead of 6) and ``Variable(x)`` returns the
tensor itself, as the rules' messages say."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

UTILS = """\
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable
"""

TRAIN = """\
from utils import *


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = [nn.Linear(4, 4) for _ in range(2)]
        self.out = nn.Linear(4, 1)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.out(x)


x = Variable(torch.randn(8, 4))
print(len(list(Net().parameters())), np.float32(x.sum().item()))
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder / "train.py"


def codes(path: Path) -> list[tuple[str, int]]:
    result = lint_source(path.read_text(), str(path), selection=Selection.of(["ALL"]))
    assert result.errors == []
    return sorted((f.code, f.line) for f in result.findings)


def qualname(path: Path, source: str) -> str | None:
    """The qualified name of the expression ``source`` where ``path`` first reads it."""
    text = path.read_text()
    tree = ast.parse(text)
    ctx = FileContext(str(path), Document(text), tree)
    for node in ast.walk(tree):
        loaded = isinstance(getattr(node, "ctx", None), ast.Load)
        if isinstance(node, (ast.Name, ast.Attribute)) and loaded and ast.unparse(node) == source:
            return ctx.qualname(node)
    raise AssertionError(f"{source} not in {path}")


def test_torch_names_a_project_module_imported_reach_the_star_importer(tmp_path):
    """The list of layers (PTL301) and ``Variable(x)`` (PTL101) are reported as in a file that
    imports torch itself; ``np`` is numpy's."""
    train = write(tmp_path, {"utils.py": UTILS, "train.py": TRAIN})
    assert codes(train) == [("PTL101", 16), ("PTL301", 7)]
    assert qualname(train, "nn.Linear") == "torch.nn.Linear"
    assert qualname(train, "np.float32") == "numpy.float32"


def test_a_name_the_module_binds_otherwise_is_not_torch(tmp_path):
    """utils.py's own ``nn`` (a class of its own) and ``Variable`` (a function of its own): not
    torch's, nothing reported."""
    utils = "import torch\n\n\nclass nn:\n    Module = object\n\n\ndef Variable(t):\n    return t\n"
    train = write(tmp_path, {"utils.py": utils, "train.py": TRAIN})
    assert qualname(train, "nn.Linear") == "utils.nn.Linear"
    assert codes(train) == []


def test_all_decides_what_the_star_import_binds(tmp_path):
    """``__all__`` without ``nn``: ``from utils import *`` does not bind it (torch would raise a
    NameError), so it is not taken for torch's."""
    train = write(tmp_path, {"utils.py": UTILS + '__all__ = ["torch", "Variable"]\n', "train.py": TRAIN})
    assert qualname(train, "nn.Linear") == "utils.nn.Linear"
    assert qualname(train, "Variable") == "torch.autograd.Variable"


def test_a_torch_star_import_in_the_module_is_followed_once(tmp_path):
    """utils.py's ``from torch.nn import *`` gives ``Linear`` to the importer of ``utils``."""
    utils = "import torch\nfrom torch.nn import *\n"
    train = write(
        tmp_path, {"utils.py": utils, "train.py": "from utils import *\nlayer = Linear(4, 1)\nt = torch.zeros(1)\n"}
    )
    assert qualname(train, "Linear") == "torch.nn.Linear"
    assert qualname(train, "torch") == "torch"


def test_a_project_module_imported_under_a_library_like_name_stays_the_project_s(tmp_path):
    """utils.py's ``import layers as nn`` names the project's layers.py: not a library."""
    (tmp_path / "layers.py").write_text("class Linear:\n    pass\n")
    train = write(tmp_path, {"utils.py": "import layers as nn\n", "train.py": "from utils import *\nl = nn.Linear()\n"})
    assert qualname(train, "nn.Linear") == "utils.nn.Linear"


def test_a_file_without_a_folder_answers_as_before():
    """An unsaved buffer has no project: the star module's name is kept."""
    text = "from utils import *\nl = nn.Linear(4, 1)\n"
    tree = ast.parse(text)
    ctx = FileContext("untitled:1", Document(text), tree)
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.Attribute))
    assert ctx.qualname(node) == "utils.nn.Linear"


def test_an_alias_of_a_star_bound_library_name(tmp_path):
    """``Linear = nn.Linear`` in the importer, with ``nn`` from utils.py's import: torch's."""
    text = "from utils import *\nLinear = nn.Linear\nlayer = Linear(4, 1)\n"
    train = write(tmp_path, {"utils.py": UTILS, "train.py": text})
    assert qualname(train, "Linear") == "torch.nn.Linear"
