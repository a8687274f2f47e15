"""PTL301-304 from real reports (issue 11, session 14): our own programs of the reports' shapes.

Each program was run under torch 2.13 (fake CUDA where a device matters, as
``pt-lsp run --device fake-cuda`` runs it); what torch did is said beside it and checked here.

- PTL301: a plain dict filled in a loop with instances of a module class of another file
  (pytorch#33236's Darknet block; layers in ``layers.py``), ``(n - 1) * [nn.Conv1d(...)]``
  (a course's CNN whose layer count comes from argparse), and a layer made by a plain class
  kept on a module (gpt-neox#267's final projection).
- PTL302: a positional table a base of another file stores in its ``__init__`` and a subclass's
  ``forward`` reads (closing13's known miss), and anchors a method of ``forward`` caches on a
  first CPU run before the model moves (torchvision#1312).
- PTL303: a loss module whose ``__init__`` sets only plain attributes and never calls
  ``super().__init__()`` (lightly#963): calling it raises AttributeError.
- PTL304: ``nn.Parameter(torch.ones(n))`` made in a helper ``forward`` calls (a liquid-network
  cell's input mapping), and parameters built lazily on the first call after the optimizer, also
  where the model's class is in another file (LiqudNet#6: ``cell.py`` and ``train.py``).
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import pytest
from program_helpers import failing_line, line_of, lines, run_strictly
from rules_helpers import source

from pt_lsp.core.document import Document
from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

torch = pytest.importorskip("torch")

CODES = ["PTL301", "PTL302", "PTL303", "PTL304"]


def _write(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "prog"
    root.mkdir(exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(source(text))
    return root


def _codes(root: Path, name: str) -> list[tuple[int, str]]:
    program = root / name
    result = lint_source(program.read_text(), path=str(program), selection=Selection.of(CODES))
    assert result.errors == []
    return [(f.line, f.code) for f in result.findings]


def _at(text: str, needle: str) -> int:
    """The line of ``needle`` in the file as written (``source(text)``)."""
    return next(i for i, line in enumerate(source(text).splitlines(), 1) if needle in line)


def _run(root: Path, main: str, cuda: bool = True) -> str | None:
    """Run ``main`` of the program's folder (its imports from the folder), on fake CUDA where
    ``cuda``: the error it raises, or None when it runs."""
    from pt_lsp.runtime.fake_cuda import fake_cuda

    names = {p.stem for p in root.glob("*.py")}
    saved = list(sys.path)
    sys.path.insert(0, str(root))
    try:
        with fake_cuda() if cuda else contextlib.nullcontext(), contextlib.redirect_stdout(io.StringIO()):
            code = compile((root / main).read_text(), str(root / main), "exec")
            try:
                exec(code, {"__name__": "__main__"})
            except (RuntimeError, ValueError, AttributeError) as error:
                return str(error)
        return None
    finally:
        sys.path[:] = saved
        for name in names:
            sys.modules.pop(name, None)


# -- PTL301: a plain dict of modules of a class of another file -------------------------------------

LAYERS = """
import torch.nn as nn


class ConvUnit(nn.Module):
    def __init__(self, cin, cout, k, pad=0):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=pad)
        self.act = nn.LeakyReLU(0.1)

    def forward(self, x):
        return self.act(self.conv(x))


class Spec:
    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return x
"""

BLOCKS = """
import torch.nn as nn

from layers import ConvUnit


class Stage(nn.Module):
    def __init__(self, specs):
        super().__init__()
        self.units = {}
        for i in range(len(specs)):
            self.units[specs[i]["name"]] = ConvUnit(**specs[i]["args"])

    def forward(self, x):
        out = x
        for key in self.units:
            out = self.units[key](out)
        return out + x
"""

STAGE_MAIN = """
import torch

from blocks import Stage

SPECS = [
    {"name": "reduce", "args": {"cin": 8, "cout": 4, "k": 1}},
    {"name": "expand", "args": {"cin": 4, "cout": 8, "k": 3, "pad": 1}},
]
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
stage = Stage(SPECS).to(device)
print(stage(torch.randn(2, 8, 16, 16).to(device)).shape)
"""


def test_a_plain_dict_of_modules_of_a_class_of_another_file_is_reported(tmp_path: Path) -> None:
    root = _write(tmp_path, {"layers.py": LAYERS, "blocks.py": BLOCKS, "main.py": STAGE_MAIN})
    assert "Expected all tensors to be on the same device" in (_run(root, "main.py") or "")
    assert _codes(root, "blocks.py") == [(9, "PTL301")]


def test_the_module_dict_neighbour_is_silent(tmp_path: Path) -> None:
    fixed = BLOCKS.replace("self.units = {}", "self.units = nn.ModuleDict()")
    root = _write(tmp_path, {"layers.py": LAYERS, "blocks.py": fixed, "main.py": STAGE_MAIN})
    assert _run(root, "main.py") is None  # fake-cuda: torch.Size([2, 8, 16, 16])
    assert _codes(root, "blocks.py") == []


def test_a_plain_list_of_modules_of_a_module_of_the_project_is_reported(tmp_path: Path) -> None:
    # `import layers` and `layers.ConvUnit(...)` appended to a list: fake-cuda raises the same error.
    listed = (
        BLOCKS.replace("from layers import ConvUnit", "import layers")
        .replace("self.units = {}", "self.units = []")
        .replace('self.units[specs[i]["name"]] = ConvUnit(', "self.units.append(layers.ConvUnit(")
        .replace('["args"])', '["args"]))')
        .replace("out = self.units[key](out)", "out = key(out)")
    )
    root = _write(tmp_path, {"layers.py": LAYERS, "blocks.py": listed, "main.py": STAGE_MAIN})
    assert "Expected all tensors to be on the same device" in (_run(root, "main.py") or "")
    assert _codes(root, "blocks.py") == [(9, "PTL301")]


def test_a_dict_of_a_plain_class_of_another_file_is_silent(tmp_path: Path) -> None:
    # `Spec` is no module: nothing to register (torch runs it on fake CUDA).
    plain = BLOCKS.replace("import ConvUnit", "import ConvUnit, Spec").replace(
        'ConvUnit(**specs[i]["args"])', 'Spec(specs[i]["args"]["k"])'
    )
    root = _write(tmp_path, {"layers.py": LAYERS, "blocks.py": plain, "main.py": STAGE_MAIN})
    assert _run(root, "main.py") is None
    assert _codes(root, "blocks.py") == []


# -- PTL301: a layer repeated by a count that is arithmetic ------------------------------------------

REPEATED = """
import argparse

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--hidden", type=int, default=8)
parser.add_argument("--num_layers", type=int, default=3)
args = parser.parse_args([])


class CNNModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.cnn = nn.Conv1d(4, args.hidden, 3, padding=1)
        self.cnns = (args.num_layers - 1) * [nn.Conv1d(args.hidden, args.hidden, 3, padding=1)]
        self.fc = nn.Linear(args.hidden * 10, 3)

    def forward(self, x):
        out = torch.relu(self.cnn(x))
        for cnn in self.cnns:
            out = torch.relu(cnn(out))
        return self.fc(out.flatten(1))


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = CNNModel().to(device)
print(model(torch.randn(2, 4, 10).to(device)).shape)
"""


def test_a_layer_repeated_by_an_arithmetic_count_is_reported() -> None:
    line = failing_line(REPEATED, RuntimeError, "same device", cuda=True)
    assert line == line_of(REPEATED, "out = torch.relu(cnn(out))")  # the listed Conv1d is on the CPU
    assert lines(REPEATED, "PTL301") == [line_of(REPEATED, "self.cnns =")]


def test_a_list_sum_with_a_repeated_part_is_reported() -> None:
    # fake-cuda: the same error (the listed layers stay on the CPU).
    summed = REPEATED.replace(
        "self.cnns = (args.num_layers - 1) * [nn.Conv1d(args.hidden, args.hidden, 3, padding=1)]",
        "self.cnns = 2 * [nn.Conv1d(args.hidden, args.hidden, 1)] + [nn.Conv1d(args.hidden, args.hidden, 1)]",
    )
    failing_line(summed, RuntimeError, "same device", cuda=True)
    assert lines(summed, "PTL301") == [line_of(summed, "self.cnns =")]


def test_the_module_list_neighbour_and_a_repeated_number_are_silent() -> None:
    fixed = REPEATED.replace(
        "self.cnns = (args.num_layers - 1) * [nn.Conv1d(args.hidden, args.hidden, 3, padding=1)]",
        "self.cnns = nn.ModuleList([nn.Conv1d(args.hidden, args.hidden, 3, padding=1) for _ in range(2)])\n"
        "        self.widths = (args.num_layers - 1) * [args.hidden]",
    )
    run_strictly(fixed, cuda=True)  # fake-cuda: torch.Size([2, 3])
    assert lines(fixed, "PTL301") == []


# -- PTL301: a layer kept inside a plain object ----------------------------------------------------

HOLDER = """
import torch
import torch.nn as nn


class FinalProjection:
    def __init__(self, hidden, vocab):
        self.proj = nn.Linear(hidden, vocab, bias=False)

    def __call__(self, h):
        return self.proj(h)


class TinyLM(nn.Module):
    def __init__(self, vocab=20, hidden=8):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.final = FinalProjection(hidden, vocab)

    def forward(self, ids):
        return self.final(self.embed(ids))


device = "cuda" if torch.cuda.is_available() else "cpu"
model = TinyLM().to(device)
print(model(torch.randint(0, 20, (2, 5)).to(device)).shape)
"""


def test_a_layer_made_by_a_plain_class_kept_on_a_module_is_reported() -> None:
    # gpt-neox#267's shape: the projection's class is no nn.Module; fake-cuda raises the device error.
    assert failing_line(HOLDER, RuntimeError, "same device", cuda=True) == line_of(HOLDER, "return self.proj(h)")
    assert lines(HOLDER, "PTL301") == [line_of(HOLDER, "self.final = FinalProjection")]


def test_the_module_holder_and_a_holder_moving_itself_are_silent() -> None:
    fixed = HOLDER.replace("class FinalProjection:", "class FinalProjection(nn.Module):").replace(
        "    def __init__(self, hidden, vocab):\n",
        "    def __init__(self, hidden, vocab):\n        super().__init__()\n",
    )
    run_strictly(fixed, cuda=True)  # fake-cuda: torch.Size([2, 5, 20])
    assert lines(fixed, "PTL301") == []
    # the module keeps the layer itself too: `parameters()` and `.to()` reach it (fake-cuda runs it)
    kept = HOLDER.replace(
        "self.final = FinalProjection(hidden, vocab)",
        "self.final = FinalProjection(hidden, vocab)\n        self.proj = self.final.proj",
    )
    run_strictly(kept, cuda=True)
    assert lines(kept, "PTL301") == []


# -- PTL302: a table of a base of another file -----------------------------------------------------

BASE = """
import math

import torch
import torch.nn as nn


class SequenceModel(nn.Module):
    def __init__(self, max_len, d_model):
        super().__init__()
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len).unsqueeze(1).float()
        div = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div)
        pe[:, 1::2] = torch.cos(position * div)
        self.pe = pe.unsqueeze(0)
"""

TAGGER = """
import torch.nn as nn

from base import SequenceModel


class Tagger(SequenceModel):
    def __init__(self, vocab, max_len=32, d_model=8):
        super().__init__(max_len, d_model)
        self.embed = nn.Embedding(vocab, d_model)
        self.out = nn.Linear(d_model, 5)

    def forward(self, ids):
        h = self.embed(ids) + self.pe[:, : ids.size(1)]
        return self.out(h)
"""

TAGGER_MAIN = """
import torch

from model import Tagger

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Tagger(vocab=50).to(device)
print(model(torch.randint(0, 50, (2, 7), device=device)).shape)
"""


def test_a_table_of_a_base_of_another_file_used_in_forward_is_reported(tmp_path: Path) -> None:
    root = _write(tmp_path, {"base.py": BASE, "model.py": TAGGER, "main.py": TAGGER_MAIN})
    assert "Expected all tensors to be on the same device" in (_run(root, "main.py") or "")
    assert _codes(root, "model.py") == [(_at(TAGGER, "self.pe[:, :"), "PTL302")]
    assert _codes(root, "base.py") == []  # no forward there: the use is the subclass's


def test_the_table_through_the_base_module_is_reported(tmp_path: Path) -> None:
    # `import base` and `class Tagger(base.SequenceModel)`: fake-cuda raises the same error.
    named = TAGGER.replace("from base import SequenceModel", "import base").replace(
        "class Tagger(SequenceModel):", "class Tagger(base.SequenceModel):"
    )
    root = _write(tmp_path, {"base.py": BASE, "model.py": named, "main.py": TAGGER_MAIN})
    assert "Expected all tensors to be on the same device" in (_run(root, "main.py") or "")
    assert _codes(root, "model.py") == [(_at(named, "self.pe[:, :"), "PTL302")]


def test_the_registered_table_and_a_table_the_subclass_sets_are_silent(tmp_path: Path) -> None:
    registered = BASE.replace("self.pe = pe.unsqueeze(0)", 'self.register_buffer("pe", pe.unsqueeze(0))')
    root = _write(tmp_path, {"base.py": registered, "model.py": TAGGER, "main.py": TAGGER_MAIN})
    assert _run(root, "main.py") is None  # fake-cuda: torch.Size([2, 7, 5])
    assert _codes(root, "model.py") == []
    # moved where it is used: fake-cuda runs it
    moved = TAGGER.replace("self.pe[:, : ids.size(1)]", "self.pe[:, : ids.size(1)].to(ids.device)")
    root = _write(tmp_path, {"base.py": BASE, "model.py": moved, "main.py": TAGGER_MAIN})
    assert _run(root, "main.py") is None
    assert _codes(root, "model.py") == []


# -- PTL303: a module whose __init__ never runs nn.Module.__init__ ---------------------------------

LOSS = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class InfoNCELoss(nn.Module):
    def __init__(self, temperature=0.1):
        self.temperature = temperature

    def forward(self, z0, z1):
        logits = F.normalize(z0, dim=1) @ F.normalize(z1, dim=1).t() / self.temperature
        return F.cross_entropy(logits, torch.arange(z0.shape[0]))


criterion = InfoNCELoss(temperature=0.5)
loss = criterion(torch.randn(4, 8, requires_grad=True), torch.randn(4, 8))
loss.backward()
"""


def test_a_module_that_never_initialises_its_base_is_reported() -> None:
    line = failing_line(LOSS, AttributeError, "has no attribute '_backward_hooks'")
    assert line == 17  # the call of `criterion`
    assert lines(LOSS, "PTL303") == [8]


def test_the_fix_runs_and_a_second_pass_finds_nothing() -> None:
    text = source(LOSS)
    result = lint_source(text, "<program>", selection=Selection.of(["PTL303"]))
    [finding] = result.findings
    [edit] = finding.fixes[0].edits
    start, end = (Document(text).offset(p) for p in (edit.span.start, edit.span.end))
    fixed = text[:start] + edit.content + text[end:]
    compile(fixed, "<fixed>", "exec")
    assert "super().__init__()" in fixed
    run_strictly(fixed)  # torch: runs, the loss backwards
    assert lines(fixed, "PTL303") == []


@pytest.mark.parametrize(
    "init",
    [
        "nn.Module.__init__(self)\n        self.temperature = temperature",
        "self._setup(temperature)",
    ],
)
def test_other_ways_of_running_the_base_init_are_silent(init: str) -> None:
    # torch: both run (the helper `_setup` calls super().__init__()).
    other = LOSS.replace("self.temperature = temperature", init).replace(
        "    def forward(self, z0, z1):",
        "    def _setup(self, temperature):\n        super().__init__()\n        self.temperature = temperature\n\n"
        "    def forward(self, z0, z1):",
    )
    run_strictly(other)
    assert lines(other, "PTL303") == []


def test_a_class_without_forward_is_silent() -> None:
    # never called as a module here: torch runs `step` (a plain method).
    helper = LOSS.replace("def forward(self, z0, z1):", "def step(self, z0, z1):").replace(
        "criterion(torch.randn", "criterion.step(torch.randn"
    )
    run_strictly(helper)
    assert lines(helper, "PTL303") == []


MIXIN = """
import torch
import torch.nn as nn


class Scaled(nn.Module):
    def __init__(self, scale):
        self.scale = scale

    def forward(self, x):
        return super().forward(x) * self.scale


class ScaledLinear(Scaled, nn.Linear):
    def __init__(self, n, scale):
        nn.Linear.__init__(self, n, n)
        Scaled.__init__(self, scale)


print(ScaledLinear(3, 2.0)(torch.randn(2, 3)).shape)
"""


def test_a_mixin_whose_subclass_runs_each_base_init_is_silent() -> None:
    # torch: runs (nn.Linear.__init__ makes the module's tables before Scaled.__init__ runs).
    run_strictly(MIXIN)
    assert lines(MIXIN, "PTL303") == []


ENCODER = """
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = nn.Linear(n, n)

    def forward(self, x):
        return self.fc(x)
"""

SEQ2SEQ = """
import torch
import torch.nn as nn

from encoder import Encoder


class Model(nn.Module):
    def __init__(self, n):
        self.n = n
        self.encoder = Encoder(n)

    def forward(self, x):
        return self.encoder(x)


Model(3)(torch.randn(2, 3))
"""


def test_a_module_of_another_file_assigned_without_the_base_init_is_reported(tmp_path: Path) -> None:
    # torch: AttributeError "cannot assign module before Module.__init__() call" at the assignment.
    root = _write(tmp_path, {"encoder.py": ENCODER, "main.py": SEQ2SEQ})
    assert "cannot assign module before Module.__init__() call" in (_run(root, "main.py", cuda=False) or "")
    assert _codes(root, "main.py") == [(_at(SEQ2SEQ, "self.encoder ="), "PTL303")]
    fixed = SEQ2SEQ.replace("        self.n = n\n", "        super().__init__()\n        self.n = n\n")
    root = _write(tmp_path, {"encoder.py": ENCODER, "main.py": fixed})
    assert _run(root, "main.py", cuda=False) is None
    assert _codes(root, "main.py") == []


# -- PTL304: parameters made in forward --------------------------------------------------------------

CELL = """
import torch
import torch.nn as nn


class AffineCell(nn.Module):
    def __init__(self, input_size, num_units):
        super().__init__()
        self.input_size = input_size
        self.rec = nn.Linear(input_size, num_units)

    def _map_inputs(self, inputs):
        w = nn.Parameter(torch.ones(self.input_size))
        inputs = inputs * w
        b = nn.Parameter(torch.zeros(self.input_size))
        return inputs + b

    def forward(self, inputs):
        return torch.tanh(self.rec(self._map_inputs(inputs)))


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
cell = AffineCell(10, 16).to(device)
print(cell(torch.randn(4, 10).to(device)).shape)
"""


def test_parameters_made_in_a_helper_forward_calls_are_reported() -> None:
    assert failing_line(CELL, RuntimeError, "same device", cuda=True) == line_of(CELL, "inputs = inputs * w")
    assert lines(CELL, "PTL304") == [line_of(CELL, "w = nn.Parameter"), line_of(CELL, "b = nn.Parameter")]


def test_a_random_parameter_made_in_forward_is_reported() -> None:
    # torch (CPU): runs, but the output changes from call to call and parameters() has only `rec`.
    drawn = CELL.replace(
        "nn.Parameter(torch.ones(self.input_size))", "nn.Parameter(torch.rand(self.input_size) * 0.5 + 0.3)"
    )
    run_strictly(drawn)
    assert lines(drawn, "PTL304") == [line_of(drawn, "w = nn.Parameter"), line_of(drawn, "b = nn.Parameter")]


def test_parameters_made_in_init_and_a_rewrapped_parameter_are_silent() -> None:
    fixed = CELL.replace(
        "self.rec = nn.Linear(input_size, num_units)",
        "self.rec = nn.Linear(input_size, num_units)\n"
        "        self.in_w = nn.Parameter(torch.ones(input_size))\n"
        "        self.in_b = nn.Parameter(torch.zeros(input_size))",
    ).replace(
        "        w = nn.Parameter(torch.ones(self.input_size))\n        inputs = inputs * w\n"
        "        b = nn.Parameter(torch.zeros(self.input_size))\n        return inputs + b",
        "        return inputs * self.in_w + self.in_b",
    )
    run_strictly(fixed, cuda=True)  # fake-cuda: torch.Size([4, 16])
    assert lines(fixed, "PTL304") == []
    # wrapping a tensor that exists already is not a new parameter of its own (torch runs it)
    rewrapped = fixed.replace(
        "return inputs * self.in_w + self.in_b", "return inputs * nn.Parameter(self.in_w.clamp(0))"
    )
    run_strictly(rewrapped, cuda=True)
    assert lines(rewrapped, "PTL304") == []


def test_an_initial_state_rebound_in_a_loop_is_silent() -> None:
    # a hidden state started as a parameter of zeros and rebound each step (a course's LSTM):
    # torch runs it on the CPU; it is a state, not a weight made anew.
    state = CELL.replace(
        "        return torch.tanh(self.rec(self._map_inputs(inputs)))",
        "        h = nn.Parameter(torch.zeros(inputs.shape[0], 16))\n"
        "        for _ in range(2):\n"
        "            h = torch.tanh(self.rec(self._map_inputs(inputs)) + h)\n"
        "        return h",
    )
    run_strictly(state)
    assert lines(state, "PTL304") == [line_of(state, "w = nn.Parameter"), line_of(state, "b = nn.Parameter")]


def test_a_parameter_registered_in_forward_and_a_frozen_one_are_silent() -> None:
    # torch runs both: `register_parameter` keeps the parameter (parameters() lists it after the
    # first call); `requires_grad=False` marks a constant that is not meant to train.
    registered = CELL.replace(
        "        w = nn.Parameter(torch.ones(self.input_size))\n        inputs = inputs * w\n"
        "        b = nn.Parameter(torch.zeros(self.input_size))\n        return inputs + b",
        '        if not hasattr(self, "in_w"):\n'
        '            self.register_parameter("in_w", nn.Parameter(torch.ones(self.input_size)))\n'
        "        return inputs * self.in_w",
    )
    run_strictly(registered)
    assert lines(registered, "PTL304") == []
    frozen = CELL.replace(
        "nn.Parameter(torch.ones(self.input_size))", "nn.Parameter(torch.ones(self.input_size), requires_grad=False)"
    ).replace("nn.Parameter(torch.zeros(self.input_size))", "nn.Parameter(torch.zeros(self.input_size), False)")
    run_strictly(frozen)
    assert lines(frozen, "PTL304") == []


LAZY = """
import torch
import torch.nn as nn


class LiquidCell(nn.Module):
    def __init__(self, num_units):
        super().__init__()
        self.num_units = num_units
        self.built = False

    def _build(self, input_size):
        self.sensory_w = nn.Parameter(torch.rand(input_size, self.num_units) * 0.5)
        self.w = nn.Parameter(torch.rand(self.num_units, self.num_units) * 0.5)

    def forward(self, inputs, state):
        if not self.built:
            self.built = True
            self._build(int(inputs.shape[-1]))
        return torch.tanh(inputs @ self.sensory_w + state @ self.w)


model = LiquidCell(16)
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
loss = model(torch.randn(4, 10), torch.zeros(4, 16)).pow(2).mean()
loss.backward()
optimizer.step()
"""


def test_parameters_built_lazily_after_the_optimizer_are_reported() -> None:
    # torch: SGD raises "optimizer got an empty parameter list" (the cell has none yet).
    assert failing_line(LAZY, ValueError, "empty parameter list") == line_of(LAZY, "optimizer = torch.optim")
    assert lines(LAZY, "PTL304") == [line_of(LAZY, "self.sensory_w ="), line_of(LAZY, "self.w = nn")]


def test_the_optimizer_after_a_first_call_is_silent() -> None:
    warmed = LAZY.replace(
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.001)\nloss",
        "model(torch.randn(1, 10), torch.zeros(1, 16))\noptimizer = torch.optim.SGD(model.parameters(), lr=0.001)\nloss",
    )
    run_strictly(warmed)  # torch: runs; the optimizer holds both parameters
    assert lines(warmed, "PTL304") == []


# -- PTL304: a model of another file building its parameters on the first call -----------------------

LIQUID = """
import torch
import torch.nn as nn


class LiquidCell(nn.Module):
    def __init__(self, num_units):
        super().__init__()
        self.num_units = num_units
        self.built = False

    def _build(self, input_size):
        self.sensory_w = nn.Parameter(torch.rand(input_size, self.num_units) * 0.5)
        self.w = nn.Parameter(torch.rand(self.num_units, self.num_units) * 0.5)

    def forward(self, inputs, state):
        if not self.built:
            self.built = True
            self._build(int(inputs.shape[-1]))
        return torch.tanh(inputs @ self.sensory_w + state @ self.w)


class LazyHead(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.body = nn.Linear(4, 4)
        self.classes = classes
        self.head = None

    def forward(self, x):
        h = self.body(x)
        if self.head is None:
            self.head = nn.Linear(h.shape[-1], self.classes)
        return self.head(h)
"""

TRAIN = """
import torch

from cell import LiquidCell

model = LiquidCell(16)
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
for step in range(2):
    loss = model(torch.randn(4, 10), torch.zeros(4, 16)).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def test_an_optimizer_built_before_the_first_call_of_a_lazy_model_of_another_file(tmp_path: Path) -> None:
    root = _write(tmp_path, {"cell.py": LIQUID, "train.py": TRAIN})
    assert "optimizer got an empty parameter list" in (_run(root, "train.py", cuda=False) or "")
    assert _codes(root, "train.py") == [(_at(TRAIN, "optimizer = torch.optim"), "PTL304")]
    assert _codes(root, "cell.py") == []  # no optimizer there: the lazy build alone is the usual pattern


def test_a_lazy_head_of_another_file_the_optimizer_never_sees(tmp_path: Path) -> None:
    # torch runs it, but the head's weights never change: the optimizer holds only `body`'s.
    train = (
        TRAIN.replace("LiquidCell", "LazyHead")
        .replace("LazyHead(16)", "LazyHead(3)")
        .replace("model(torch.randn(4, 10), torch.zeros(4, 16))", "model(torch.randn(4, 4))")
    )
    train += "print(len(optimizer.param_groups[0]['params']), len(list(model.parameters())))\n"
    root = _write(tmp_path, {"cell.py": LIQUID, "train.py": train})
    assert _run(root, "train.py", cuda=False) is None
    assert _codes(root, "train.py") == [(_at(train, "optimizer = torch.optim"), "PTL304")]


def test_a_first_call_before_the_optimizer_is_silent(tmp_path: Path) -> None:
    warmed = TRAIN.replace(
        "optimizer = torch.optim", "model(torch.randn(1, 10), torch.zeros(1, 16))\noptimizer = torch.optim"
    )
    root = _write(tmp_path, {"cell.py": LIQUID, "train.py": warmed})
    assert _run(root, "train.py", cuda=False) is None  # torch: trains both parameters
    assert _codes(root, "train.py") == []


# -- PTL302: a cache a method of forward builds on the first call, then the model moves ---------------

ANCHORS = """
import torch
import torch.nn as nn


def generate_anchors(size, ratios, device="cpu"):
    ratios = torch.as_tensor(ratios, dtype=torch.float32, device=device)
    h = torch.sqrt(ratios)
    w = 1.0 / h
    return (torch.stack([-w * size, -h * size, w * size, h * size], dim=1) / 2).round()


class AnchorGenerator(nn.Module):
    def __init__(self, sizes=(16, 32), ratios=((0.5, 1.0, 2.0), (0.5, 1.0, 2.0))):
        super().__init__()
        self.sizes = sizes
        self.ratios = ratios
        self.cell_anchors = None

    def set_cell_anchors(self, device):
        if self.cell_anchors is not None:
            return
        self.cell_anchors = [generate_anchors(s, r, device) for s, r in zip(self.sizes, self.ratios)]

    def forward(self, feature):
        self.set_cell_anchors(feature.device)
        h, w = feature.shape[-2:]
        xs = torch.arange(w, device=feature.device, dtype=torch.float32)
        ys = torch.arange(h, device=feature.device, dtype=torch.float32)
        sy, sx = torch.meshgrid(ys, xs, indexing="ij")
        shifts = torch.stack([sx, sy, sx, sy], dim=-1).reshape(-1, 1, 4)
        return [(shifts + a.view(1, -1, 4)).reshape(-1, 4) for a in self.cell_anchors]


generator = AnchorGenerator()
print(generator(torch.randn(1, 8, 4, 4))[0].shape)
generator.cuda()
print(generator(torch.randn(1, 8, 4, 4).cuda())[0].shape)
"""


def test_anchors_cached_by_a_method_on_a_first_cpu_run_are_reported() -> None:
    # torchvision#1312's shape: a first forward on the CPU, then .cuda(): fake-cuda raises.
    assert failing_line(ANCHORS, RuntimeError, "same device", cuda=True) == line_of(ANCHORS, "shifts + a.view")
    result = lint_source(source(ANCHORS), "<program>", selection=Selection.of(["PTL302"]))
    [finding] = result.findings
    assert "list of tensors" in finding.message and finding.fixes == ()  # a buffer holds no list


def test_one_cached_tensor_is_reported_and_its_fix_runs() -> None:
    one = ANCHORS.replace(
        "self.cell_anchors = [generate_anchors(s, r, device) for s, r in zip(self.sizes, self.ratios)]",
        "self.cell_anchors = generate_anchors(self.sizes[0], self.ratios[0], device)",
    ).replace("for a in self.cell_anchors]", "for a in [self.cell_anchors]]")
    failing_line(one, RuntimeError, "same device", cuda=True)
    text = source(one)
    result = lint_source(text, "<program>", selection=Selection.of(["PTL302"]))
    [finding] = result.findings
    [edit] = finding.fixes[0].edits
    start, end = (Document(text).offset(p) for p in (edit.span.start, edit.span.end))
    fixed = text[:start] + edit.content + text[end:]
    compile(fixed, "<fixed>", "exec")
    run_strictly(fixed, cuda=True)  # fake-cuda: the buffer moves with .cuda(); both runs print
    assert lines(fixed, "PTL302") == []


def test_a_cache_checked_against_the_device_and_a_model_never_moved_are_silent() -> None:
    checked = ANCHORS.replace(
        "if self.cell_anchors is not None:",
        "if self.cell_anchors is not None and self.cell_anchors[0].device == device:",
    )
    run_strictly(checked, cuda=True)  # fake-cuda: rebuilt on the GPU, both runs print
    assert lines(checked, "PTL302") == []
    unmoved = ANCHORS.replace("generator.cuda()\n", "").replace(".cuda())[0]", ")[0]")
    run_strictly(unmoved)
    assert lines(unmoved, "PTL302") == []
