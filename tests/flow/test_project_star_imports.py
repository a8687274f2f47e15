"""Star imports of the project's own modules: ``from models import *`` binds the module's public
names (its literal ``__all__``, else its top-level names not starting with ``_``) in the importer,
and the flow engine follows them as it follows ``from models import Net``. Each program is ours;
run under torch, the carried-state ones raise "Trying to backward through the graph a second
time" at the second iteration's ``backward()``, the detached ones run to the end."""

from __future__ import annotations

import textwrap
from pathlib import Path

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

MODELS = """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(10, 20)
        self.out = nn.Linear(20, 1)

    def forward(self, x, hidden):
        y, hidden = self.rnn(x, hidden)
        return self.out(y), hidden
"""

TRAIN = """\
import torch
{imports}

model = Net()
hidden = (torch.zeros(1, 3, 20), torch.zeros(1, 3, 20))
for step in range(3):
    x = torch.randn(5, 3, 10)
    {detach}out, hidden = model(x, hidden)
    loss = out.sum()
    loss.backward()
"""

DETACH = "hidden = tuple(h.detach() for h in hidden)\n    "


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def check(path: Path) -> list[int]:
    result = lint_source(path.read_text(), str(path), selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL201"]


def train(imports: str, detach: str = "") -> str:
    return TRAIN.format(imports=imports, detach=detach)


def test_a_state_carried_through_a_star_imported_model_is_caught(tmp_path):
    """torch: the second iteration's backward raises; with the state detached it runs."""
    write(tmp_path, {"models.py": MODELS, "train.py": train("from models import *")})
    assert check(tmp_path / "train.py") == [10]
    write(tmp_path, {"train.py": train("from models import *", DETACH)})
    assert check(tmp_path / "train.py") == []


def test_the_last_star_import_that_binds_the_name_wins(tmp_path):
    """``from models import *`` then ``from utils import *`` (utils has no ``Net``): ``Net`` is
    models'. The name table guesses the last star module; the project knows utils' names."""
    utils = "def helper(x):\n    return x\n"
    write(tmp_path, {"models.py": MODELS, "utils.py": utils})
    write(tmp_path, {"train.py": train("from models import *\nfrom utils import *")})
    assert check(tmp_path / "train.py") == [11]
    write(tmp_path, {"train.py": train("from models import *\nfrom utils import *", DETACH)})
    assert check(tmp_path / "train.py") == []
    # a later star module that binds `Net` to something unknown shadows models' class
    write(tmp_path, {"utils.py": "import other\nNet = other.make\n"})
    write(tmp_path, {"train.py": train("from models import *\nfrom utils import *")})
    assert check(tmp_path / "train.py") == []


def test_a_later_binding_in_the_importer_shadows_the_star_import(tmp_path):
    shadowed = train("from models import *\nfrom other import Net")
    write(tmp_path, {"models.py": MODELS, "train.py": shadowed})
    assert check(tmp_path / "train.py") == []


def test_one_star_re_export_is_followed(tmp_path):
    """utils.py does ``from models import *``; train.py does ``from utils import *``."""
    write(tmp_path, {"models.py": MODELS, "utils.py": "from models import *\n"})
    write(tmp_path, {"train.py": train("from utils import *")})
    assert check(tmp_path / "train.py") == [10]
    write(tmp_path, {"train.py": train("import utils").replace("Net()", "utils.Net()")})
    assert check(tmp_path / "train.py") == [10]


def test_all_is_respected(tmp_path):
    """A literal ``__all__`` that lists ``Net`` exports it; one that does not leaves ``Net``
    unbound (Python raises NameError): unknown, nothing reported. A computed ``__all__`` proves
    nothing either way."""
    write(tmp_path, {"models.py": MODELS + '\n__all__ = ["Net"]\n', "train.py": train("from models import *")})
    assert check(tmp_path / "train.py") == [10]
    write(tmp_path, {"models.py": MODELS + '\n__all__ = ("Other",)\n\n\ndef Other():\n    pass\n'})
    assert check(tmp_path / "train.py") == []
    write(tmp_path, {"models.py": MODELS + '\n__all__ = ["N" + "et"]\n'})
    assert check(tmp_path / "train.py") == []


def test_a_private_name_is_not_exported(tmp_path):
    private = MODELS.replace("class Net", "class _Net")
    write(tmp_path, {"models.py": private, "train.py": train("from models import *").replace("Net()", "_Net()")})
    assert check(tmp_path / "train.py") == []


def test_a_cycle_of_star_imports_terminates(tmp_path):
    """a.py and b.py star-import each other; neither defines ``Net``: unknown, and the analysis
    ends. With ``Net`` in a.py it is found through b.py's star import of a."""
    write(tmp_path, {"a.py": "from b import *\n", "b.py": "from a import *\n", "models.py": MODELS})
    write(tmp_path, {"train.py": train("from a import *")})
    assert check(tmp_path / "train.py") == []
    write(tmp_path, {"a.py": "from b import *\n" + MODELS, "train.py": train("from b import *")})
    assert check(tmp_path / "train.py") == [10]


def test_a_torch_star_import_after_the_project_one(tmp_path):
    """``from torch import *`` does not bind ``Net`` (torch's star exports are known): the
    project's class stays found (torch: the second backward raises; the loop iterates a tuple,
    as torch's star import binds ``range`` to ``torch.range``). An unknown library's star import
    after it may bind ``Net``: unknown, nothing reported."""
    program = train("from models import *\nfrom torch import *").replace("range(3)", "(0, 1, 2)")
    write(tmp_path, {"models.py": MODELS, "train.py": program})
    assert check(tmp_path / "train.py") == [11]
    write(tmp_path, {"train.py": train("from models import *\nfrom somelib import *")})
    assert check(tmp_path / "train.py") == []


def test_a_package_and_its_submodule_both_star_imported(tmp_path):
    """``from pkg.models import *`` then ``from pkg import *`` (pkg's ``__init__`` is empty):
    ``Net`` is pkg.models'. The submodule's import path itself is not read as a star name."""
    write(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": MODELS})
    for imports in ("from pkg.models import *\nfrom pkg import *", "from pkg import *\nfrom pkg.models import *"):
        write(tmp_path, {"train.py": train(imports)})
        assert check(tmp_path / "train.py") == [11]


def test_a_submodule_of_a_package_whose_init_star_imports_another(tmp_path):
    """``utils/__init__.py`` has ``from .memory import *``; ``from utils.nets import Net`` still
    finds the submodule (it is not looked up among the star import's names)."""
    write(tmp_path, {"utils/__init__.py": "from .memory import *\n", "utils/memory.py": "class Memory:\n    pass\n"})
    write(tmp_path, {"utils/nets.py": MODELS, "train.py": train("from utils.nets import Net")})
    assert check(tmp_path / "train.py") == [10]
    write(tmp_path, {"train.py": train("from utils import *\nfrom utils.nets import *")})
    assert check(tmp_path / "train.py") == [11]
