"""Project imports: a model class or helper imported from another file of the user's project is
followed as the file's own are (``from models import Net``, ``from utils import repackage_hidden``,
relative imports in a package). Each program is ours; the bad ones raise under torch ("Trying to
backward through the graph a second time"), the good ones run."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from pt_lsp.cli import main
from pt_lsp.commands import check as check_module
from pt_lsp.core.engine import lint_source
from pt_lsp.core.flow import project as project_module
from pt_lsp.core.flow import units
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
from models import Net

model = Net()
hidden = (torch.zeros(1, 3, 20), torch.zeros(1, 3, 20))
for step in range(3):
    x = torch.randn(5, 3, 10)
    {detach}out, hidden = model(x, hidden)
    loss = out.sum()
    loss.backward()
"""

UTILS = """\
import torch


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def keep(h):
    return h
"""

HELPED = """\
import torch
from models import Net
from utils import {helper}

model = Net()
hidden = (torch.zeros(1, 3, 20), torch.zeros(1, 3, 20))
for step in range(3):
    hidden = {helper}(hidden)
    out, hidden = model(torch.randn(5, 3, 10), hidden)
    out.sum().backward()
"""


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def check(path: Path, code: str = "PTL201") -> list[int]:
    result = lint_source(path.read_text(), str(path), selection=Selection.of([code]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == code]


def test_a_hidden_state_carried_through_an_imported_model_is_caught(tmp_path):
    write(tmp_path, {"models.py": MODELS, "train.py": TRAIN.format(detach="")})
    assert check(tmp_path / "train.py") == [10]


def test_the_same_program_that_detaches_the_state_is_silent(tmp_path):
    detach = "hidden = tuple(h.detach() for h in hidden)\n    "
    write(tmp_path, {"models.py": MODELS, "train.py": TRAIN.format(detach=detach)})
    assert check(tmp_path / "train.py") == []


def test_a_gru_state_detached_by_name_is_silent(tmp_path):
    gru = MODELS.replace("nn.LSTM", "nn.GRU")
    train = TRAIN.replace("(torch.zeros(1, 3, 20), torch.zeros(1, 3, 20))", "torch.zeros(1, 3, 20)")
    write(tmp_path, {"models.py": gru, "train.py": train.format(detach="")})
    assert check(tmp_path / "train.py") == [10]
    write(tmp_path, {"train.py": train.format(detach="hidden = hidden.detach()\n    ")})
    assert check(tmp_path / "train.py") == []


def test_without_the_models_file_the_model_is_unknown_as_before(tmp_path):
    """``from models import Net`` where the project has no models.py (a site-package, or a
    missing file): nothing is known of ``Net``, nothing is reported."""
    write(tmp_path, {"train.py": TRAIN.format(detach="")})
    assert check(tmp_path / "train.py") == []


def test_an_imported_helper_is_followed_with_its_arguments(tmp_path):
    """``repackage_hidden`` from utils.py detaches (silent); ``keep`` does not: the backward
    meets the previous iteration's graph. Without following the helper both were opaque."""
    write(tmp_path, {"models.py": MODELS, "utils.py": UTILS})
    write(tmp_path, {"train.py": HELPED.format(helper="repackage_hidden")})
    assert check(tmp_path / "train.py") == []
    write(tmp_path, {"train.py": HELPED.format(helper="keep")})
    assert check(tmp_path / "train.py") == [10]


def test_module_imports_and_aliases_resolve(tmp_path):
    """``import models`` / ``import models as m`` / ``from pkg.models import Net``."""
    for header, call in (
        ("import models", "models.Net()"),
        ("import models as m", "m.Net()"),
        ("from pkg.models import Net as N", "N()"),
        ("import pkg.models", "pkg.models.Net()"),
    ):
        program = TRAIN.format(detach="").replace("from models import Net", header).replace("Net()", call)
        write(tmp_path, {"models.py": MODELS, "pkg/__init__.py": "", "pkg/models.py": MODELS, "train.py": program})
        assert check(tmp_path / "train.py") == [10], header


def test_a_relative_import_inside_a_package(tmp_path):
    write(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": MODELS})
    relative = TRAIN.format(detach="").replace("from models import Net", "from .models import Net")
    write(tmp_path, {"pkg/train.py": relative})
    assert check(tmp_path / "pkg" / "train.py") == [10]
    # `from . import models`, and a package that re-exports the class from its __init__
    write(tmp_path, {"pkg/train.py": relative.replace("from .models import Net", "from . import models")})
    write(tmp_path, {"pkg/train.py": (tmp_path / "pkg/train.py").read_text().replace("Net()", "models.Net()")})
    assert check(tmp_path / "pkg" / "train.py") == [10]
    write(tmp_path, {"pkg/__init__.py": "from .models import Net\n"})
    write(tmp_path, {"run.py": TRAIN.format(detach="").replace("from models import Net", "from pkg import Net")})
    assert check(tmp_path / "run.py") == [10]


CYCLE_A = """\
import torch
import b


def release(hidden):
    return {release}


if __name__ == "__main__":
    model = b.Net()
    hidden = (torch.zeros(1, 3, 20), torch.zeros(1, 3, 20))
    for step in range(3):
        out, hidden = model(torch.randn(5, 3, 10), hidden)
        out.sum().backward()
"""


def test_an_import_cycle_terminates_and_each_side_is_followed(tmp_path):
    """a.py runs b's model, whose forward hands its state to a helper of a.py (``import a`` in
    b.py, as a cycle that runs must): b's call lands on a.py's own function."""
    b = MODELS.replace("import torch.nn as nn", "import torch.nn as nn\nimport a").replace(
        "return self.out(y), hidden", "return self.out(y), a.release(hidden)"
    )
    write(tmp_path, {"a.py": CYCLE_A.format(release="hidden"), "b.py": b})
    assert check(tmp_path / "a.py") == [14]
    assert check(tmp_path / "b.py") == []
    # where a.py's helper detaches the state, b's forward hands back a fresh one: silent
    write(tmp_path, {"a.py": CYCLE_A.format(release="tuple(h.detach() for h in hidden)")})
    assert check(tmp_path / "a.py") == []


def test_a_module_that_does_not_parse_is_unknown(tmp_path):
    write(tmp_path, {"models.py": MODELS + "\ndef broken(:\n", "train.py": TRAIN.format(detach="")})
    assert check(tmp_path / "train.py") == []


def test_torch_named_and_missing_modules_are_never_project_files(tmp_path):
    """A project file named like torch (``torch_models.py``) is never taken for the import, nor
    is anything found for a module the project does not have."""
    program = TRAIN.format(detach="").replace("from models import Net", "from torch_models import Net")
    write(tmp_path, {"torch_models.py": MODELS, "train.py": program})
    assert check(tmp_path / "train.py") == []
    (tmp_path / "train.py").unlink()
    ctx_project = project_module.Project(_context(tmp_path / "x.py", "import models\n"))
    assert ctx_project.resolve("models.Net", None) is None
    assert ctx_project.resolve("torch_models.Net", None) is None


def _context(path: Path, text: str):
    import ast

    from pt_lsp.core.context import FileContext
    from pt_lsp.core.document import Document

    path.write_text(text)
    return FileContext(str(path), Document(text), ast.parse(text))


def test_evidence_in_the_model_file_names_that_file(tmp_path):
    """The graph is built inside models.py's forward: that step carries the file's path and
    its own line, never a line of train.py."""
    write(tmp_path, {"models.py": MODELS, "train.py": TRAIN.format(detach="")})
    result = lint_source((tmp_path / "train.py").read_text(), str(tmp_path / "train.py"), Selection.of(["PTL201"]))
    (finding,) = result.findings
    elsewhere = [r for r in finding.related if r.path is not None]
    assert [(r.path, r.span.start.line) for r in elsewhere] == [("models.py", 11)]
    assert all(r.span.start.line in (8, 10) for r in finding.related if r.path is None)


def test_a_backward_inside_an_imported_helper_is_not_reported_in_the_importer(tmp_path):
    """The helper's own backward is in utils.py: a finding at its line would point into the
    wrong file, so the importer reports nothing there."""
    helper = (
        "def step(model, x, hidden):\n    out, hidden = model(x, hidden)\n    out.sum().backward()\n    return hidden\n"
    )
    program = HELPED.replace("from utils import {helper}", "from utils import step").replace(
        "    hidden = {helper}(hidden)\n    out, hidden = model(torch.randn(5, 3, 10), hidden)\n    out.sum().backward()\n",
        "    hidden = step(model, torch.randn(5, 3, 10), hidden)\n",
    )
    write(tmp_path, {"models.py": MODELS, "utils.py": helper, "train.py": program})
    assert check(tmp_path / "train.py") == []


def test_each_imported_file_is_parsed_once_per_content(tmp_path, monkeypatch):
    write(tmp_path, {"models.py": MODELS, "train.py": TRAIN.format(detach=""), "other.py": TRAIN.format(detach="")})
    parsed: list[str] = []
    real = units.build_unit

    def spy(path, *rest):
        parsed.append(path)
        return real(path, *rest)

    monkeypatch.setattr(units, "build_unit", spy)  # what parse_unit calls for another file
    monkeypatch.setattr(units, "_MEMO", type(units._MEMO)())
    for name in ("train.py", "other.py", "train.py"):
        assert check(tmp_path / name) == [10]
    assert [p for p in parsed if p.endswith("models.py")] == [str(tmp_path / "models.py")]


def test_the_cache_reanalyses_an_importer_when_the_imported_file_changes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PT_LSP_CACHE_DIR", str(tmp_path / "cache"))
    write(tmp_path, {"models.py": MODELS, "train.py": TRAIN.format(detach="")})
    seen: list[str] = []
    real = check_module.run_tasks

    def spy(tasks, jobs):
        seen.extend(task.path for task in tasks)
        return real(tasks, jobs)

    monkeypatch.setattr(check_module, "run_tasks", spy)

    def run() -> list[tuple[str, int]]:
        capsys.readouterr()
        main(["check", "train.py", "--select", "PTL201", "--output-format", "json", "--exit-zero"])
        return [(Path(f["filename"]).name, f["location"]["row"]) for f in json.loads(capsys.readouterr().out)]

    assert run() == [("train.py", 10)] and seen == ["train.py"]
    seen.clear()
    assert run() == [("train.py", 10)] and seen == []  # answered from the cache
    detached = MODELS.replace("return self.out(y), hidden", "return self.out(y), tuple(h.detach() for h in hidden)")
    write(tmp_path, {"models.py": detached})
    assert run() == [] and seen == ["train.py"]  # models.py changed: train.py analysed again
    seen.clear()
    assert run() == [] and seen == []


@pytest.mark.parametrize("name", ["train.py", "other.py"])
def test_without_project_imports_the_engine_is_as_before(tmp_path, monkeypatch, name):
    """The switch the measurements use: with it, the imported model is unknown again."""
    write(tmp_path, {"models.py": MODELS, name: TRAIN.format(detach="")})
    monkeypatch.setattr(project_module, "DISABLED", True)
    assert check(tmp_path / name) == []


def test_a_relative_import_above_the_importable_folders_resolves_to_nothing(tmp_path):
    """``from .. import models`` in a script that is not in a package: Python raises; the
    models.py one folder up is not taken for it."""
    program = TRAIN.format(detach="").replace("from models import Net", "from ..models import Net")
    write(tmp_path, {"models.py": MODELS, "scripts/train.py": program})
    assert check(tmp_path / "scripts" / "train.py") == []
    write(tmp_path, {"__init__.py": "", "scripts/__init__.py": ""})  # now a package: it resolves
    assert check(tmp_path / "scripts" / "train.py") == [10]


DEVICE_UTILS = """\
import torch


def to_var(x):
    if torch.cuda.is_available():
        x = x.cuda()
    return x


def get_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def get_range_vector(size, device):
    if device > -1:
        return torch.cuda.LongTensor(size, device=device).fill_(1).cumsum(0) - 1
    return torch.arange(0, size, dtype=torch.long)
"""


def test_a_device_chosen_at_run_time_in_an_imported_helper_reaches_the_importer(tmp_path):
    """``to_var`` moves to CUDA when it is available, ``get_device`` chooses it: ``.numpy()`` of
    their tensors fails on a CUDA machine. ``get_range_vector`` picks the device its caller asks
    for (a CPU index here, ``device=-1``): its result's device is unknown, not reported."""
    program = """\
import torch
from device_utils import get_device, get_range_vector, to_var

a = to_var(torch.zeros(3)).numpy()
b = torch.ones(2).to(get_device()).numpy()
c = get_range_vector(4, -1).numpy()
"""
    write(tmp_path, {"device_utils.py": DEVICE_UTILS, "train.py": program})
    assert check(tmp_path / "train.py", "PTL401") == [4, 5]


def test_stdin_and_unsaved_buffers_follow_no_imports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"models.py": MODELS})
    program = TRAIN.format(detach="")
    for path in ("<stdin>", "untitled:Untitled-1"):
        result = lint_source(program, path, selection=Selection.of(["PTL201"]))
        assert result.errors == [] and result.findings == [], path
    assert [f.line for f in lint_source(program, "train.py", selection=Selection.of(["PTL201"])).findings] == [10]


def test_names_re_exported_in_a_circle_resolve_to_nothing(tmp_path):
    """a.py: ``from b import Net``, b.py: ``from a import Net`` (neither defines it): the chain
    of re-exports is cut, the model is unknown."""
    write(tmp_path, {"a.py": "from b import Net\n", "b.py": "from a import Net\n"})
    program = TRAIN.format(detach="").replace("from models import Net", "from a import Net")
    write(tmp_path, {"train.py": program})
    assert check(tmp_path / "train.py") == []
    write(tmp_path, {"b.py": "from models import Net\n", "models.py": MODELS})  # a -> b -> models
    assert check(tmp_path / "train.py") == [10]
