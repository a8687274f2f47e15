"""PTL305 (tensor-created-off-device) from real reports: our own programs of the reports' shapes.

A tensor made by a torch factory without ``device=`` in what a module's ``forward`` runs, meeting
the model's tensors after the model (or its input) was moved to the GPU. Each program was run
under torch 2.13 on fake CUDA (as ``pt-lsp run --device fake-cuda`` runs it): the reported ones
raise "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and
cpu!", checked here; each fixed neighbour (the factory given ``device=``) runs and is silent.

Shapes (the reports they were rebuilt from): a ConvLSTM whose cells' ``init_hidden`` returns CPU
zeros, gathered by the outer model's ``_init_hidden`` in a list, the model in its own file and
moved by a usage script (ndrplz/ConvLSTM_pytorch#10); time gaps computed by a module-level helper
of the model's file from the GPU mask (WenjieDu/PyPOTS#3); a GAN loss module filling its targets
with ``torch.full(logits.shape, label)`` (Project-MONAI/GenerativeModels#371); an encoder layer's
causal mask (mlverse/torch#1473); a recurrent graph layer's ``_set_hidden_state`` making zeros
when no state is given, the layer of one file held by a model of the training script
(benedekrozemberczki/pytorch_geometric_temporal#18); a BiLSTM's zero states made when none are
given, passed as a tuple to ``nn.LSTM`` (facebookresearch/pytext#297); a Gaussian policy's
``torch.eye`` covariance (idlrl/flare#52); an LSTM's ``h0``/``c0`` in ``forward``
(pytorch/pytorch#52186); a noise randomizer's method that an encoder's ``forward`` calls
(ARISE-Initiative/robomimic#124).
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import pytest
from rules_helpers import source

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

torch = pytest.importorskip("torch")

MISMATCH = "Expected all tensors to be on the same device"


def _write(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "prog"
    root.mkdir(exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(source(text))
    return root


def _lines(root: Path, name: str) -> list[int]:
    program = root / name
    result = lint_source(program.read_text(), path=str(program), selection=Selection.of(["PTL305"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL305"]


def _at(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(source(text).splitlines(), 1) if needle in line)


def _run(root: Path, main: str) -> str | None:
    """Run ``main`` on fake CUDA (its imports from the folder): the error it raises, or None."""
    from pt_lsp.runtime.fake_cuda import fake_cuda

    names = {p.stem for p in root.glob("*.py")}
    saved = list(sys.path)
    sys.path.insert(0, str(root))
    try:
        with fake_cuda(), contextlib.redirect_stdout(io.StringIO()):
            code = compile((root / main).read_text(), str(root / main), "exec")
            try:
                exec(code, {"__name__": "__main__"})
            except RuntimeError as error:
                return str(error)
        return None
    finally:
        sys.path[:] = saved
        for name in names:
            sys.modules.pop(name, None)


def _fixed(files: dict[str, str], name: str, old: str, new: str) -> dict[str, str]:
    assert old in files[name]
    return {**files, name: files[name].replace(old, new)}


# -- a ConvLSTM's init_hidden, the model in its own file ----------------------------------------------

CONVLSTM = """
import torch
import torch.nn as nn


class Cell(nn.Module):
    def __init__(self, n_in, n_hidden):
        super().__init__()
        self.n_hidden = n_hidden
        self.conv = nn.Conv2d(n_in + n_hidden, 4 * n_hidden, 3, padding=1)

    def forward(self, x, state):
        h, c = state
        i, f, o, g = torch.split(self.conv(torch.cat([x, h], dim=1)), self.n_hidden, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def init_hidden(self, batch, size):
        height, width = size
        return (torch.zeros(batch, self.n_hidden, height, width),
                torch.zeros(batch, self.n_hidden, height, width))


class ConvLSTM(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.cells = nn.ModuleList([Cell(n_in if i == 0 else hidden[i - 1], n) for i, n in enumerate(hidden)])

    def forward(self, clip):
        b, steps, _, height, width = clip.size()
        states = self._init_hidden(b, (height, width))
        layer_input = clip
        for index, cell in enumerate(self.cells):
            h, c = states[index]
            outputs = []
            for t in range(steps):
                h, c = cell(layer_input[:, t], [h, c])
                outputs.append(h)
            layer_input = torch.stack(outputs, dim=1)
        return layer_input

    def _init_hidden(self, batch, size):
        states = []
        for i in range(len(self.cells)):
            states.append(self.cells[i].init_hidden(batch, size))
        return states
"""
CONVLSTM_USE = """
import torch

from convlstm import ConvLSTM

model = ConvLSTM(3, [4, 4]).cuda()
out = model(torch.rand(2, 3, 3, 8, 8).cuda())
"""


def test_init_hidden_of_the_cells_of_a_model_of_another_file_is_reported_at_the_call(tmp_path: Path) -> None:
    files = {"convlstm.py": CONVLSTM, "use.py": CONVLSTM_USE}
    root = _write(tmp_path, files)
    assert _lines(root, "use.py") == [_at(CONVLSTM_USE, "out = model(")]
    assert _lines(root, "convlstm.py") == []  # the model's file alone moves nothing
    assert MISMATCH in (_run(root, "use.py") or "")


def test_init_hidden_on_the_weights_device_is_silent(tmp_path: Path) -> None:
    files = _fixed(
        {"convlstm.py": CONVLSTM, "use.py": CONVLSTM_USE},
        "convlstm.py",
        "self.n_hidden, height, width),",
        "self.n_hidden, height, width, device=self.conv.weight.device),",
    )
    files = _fixed(
        files,
        "convlstm.py",
        "self.n_hidden, height, width))",
        "self.n_hidden, height, width, device=self.conv.weight.device))",
    )
    root = _write(tmp_path, files)
    assert _lines(root, "use.py") == []
    assert _run(root, "use.py") is None


# -- a recurrent layer's optional state, the layer held by a model of the training script -------------

RECURRENT = """
import torch
import torch.nn as nn


class GraphGRU(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.n_out = n_out
        self.update = nn.Linear(n_in + n_out, n_out)

    def _set_hidden_state(self, X, H):
        if H is None:
            H = torch.zeros(X.shape[0], self.n_out)
        return H

    def forward(self, X, H=None):
        H = self._set_hidden_state(X, H)
        Z = torch.sigmoid(self.update(torch.cat([X, H], dim=1)))
        return Z * H
"""
RECURRENT_TRAIN = """
import torch
import torch.nn as nn

from recurrent import GraphGRU


class Forecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.recurrent = GraphGRU(4, 8)
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        return self.head(torch.relu(self.recurrent(x)))


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Forecaster().to(device)
loss = model(torch.randn(10, 4).to(device)).pow(2).mean()
loss.backward()
"""


def test_an_optional_state_made_by_a_method_of_a_held_layer_of_another_file_is_reported(tmp_path: Path) -> None:
    root = _write(tmp_path, {"recurrent.py": RECURRENT, "train.py": RECURRENT_TRAIN})
    assert _lines(root, "train.py") == [_at(RECURRENT_TRAIN, "return self.head(")]
    assert MISMATCH in (_run(root, "train.py") or "")


def test_the_optional_state_on_the_input_device_is_silent(tmp_path: Path) -> None:
    files = _fixed(
        {"recurrent.py": RECURRENT, "train.py": RECURRENT_TRAIN},
        "recurrent.py",
        "self.n_out)\n",
        "self.n_out, device=X.device)\n",
    )
    root = _write(tmp_path, files)
    assert _lines(root, "train.py") == []
    assert _run(root, "train.py") is None


# -- a BiLSTM's zero states given to nn.LSTM as a tuple ------------------------------------------------

BILSTM = """
import torch
import torch.nn as nn


class BiLSTM(nn.Module):
    def __init__(self, n_in, n_hidden):
        super().__init__()
        self.n_hidden = n_hidden
        self.lstm = nn.LSTM(n_in, n_hidden, bidirectional=True, batch_first=True)

    def forward(self, tokens, states=None):
        if states is None:
            zeros = torch.zeros(2, tokens.size(0), self.n_hidden)
            states = (zeros, zeros)
        rep, _ = self.lstm(tokens, states)
        return rep


model = BiLSTM(6, 5).cuda()
rep = model(torch.randn(3, 4, 6).cuda())
"""


def test_zero_states_given_to_an_lstm_as_a_tuple_are_reported() -> None:
    result = lint_source(source(BILSTM), selection=Selection.of(["PTL305"]))
    assert [f.line for f in result.findings] == [_at(BILSTM, "zeros = torch.zeros(")]


def test_zero_states_on_the_input_device_are_silent(tmp_path: Path) -> None:
    fixed = BILSTM.replace("self.n_hidden)\n", "self.n_hidden, device=tokens.device)\n")
    assert lint_source(source(fixed), selection=Selection.of(["PTL305"])).findings == []
    root = _write(tmp_path, {"bug.py": BILSTM, "ok.py": fixed})
    assert MISMATCH in (_run(root, "bug.py") or "")
    assert _run(root, "ok.py") is None


# -- single files: a loss's targets, a distribution's covariance, a noise method, a loop's state ------

SINGLE_FILES = {
    "loss targets filled with torch.full": (
        """
        import torch
        import torch.nn as nn

        class AdversarialLoss(nn.Module):
            def __init__(self):
                super().__init__()
                self.criterion = nn.BCEWithLogitsLoss()

            def target(self, logits, real):
                return torch.full(logits.shape, 1.0 if real else 0.0)

            def forward(self, logits, real):
                return self.criterion(logits, self.target(logits, real))

        disc = nn.Linear(4, 1).cuda()
        adv = AdversarialLoss()
        loss = adv(disc(torch.randn(3, 4).cuda()), True)
        """,
        "return torch.full(",
        (
            "torch.full(logits.shape, 1.0 if real else 0.0)",
            "torch.full(logits.shape, 1.0 if real else 0.0, device=logits.device)",
        ),
    ),
    "a Gaussian policy's identity covariance": (
        """
        import torch
        import torch.nn as nn
        from torch.distributions import MultivariateNormal

        class Policy(nn.Module):
            def __init__(self):
                super().__init__()
                self.mean = nn.Linear(6, 2)

            def forward(self, obs):
                mean = self.mean(obs)
                cov = torch.eye(2) * 0.25
                return MultivariateNormal(mean, covariance_matrix=cov)

        policy = Policy().to("cuda")
        action = policy(torch.randn(5, 6, device="cuda")).sample()
        """,
        "cov = torch.eye(",
        ("torch.eye(2)", "torch.eye(2, device=mean.device)"),
    ),
    "a noise method of a held module that forward calls": (
        """
        import torch
        import torch.nn as nn

        class Noise(nn.Module):
            def __init__(self, std):
                super().__init__()
                self.std = std

            def perturb(self, inputs):
                return inputs + torch.randn(inputs.shape) * self.std

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.noise = Noise(0.1)
                self.net = nn.Linear(9, 4)

            def forward(self, obs):
                return self.net(self.noise.perturb(obs))

        encoder = Encoder().cuda()
        features = encoder(torch.randn(8, 9).cuda())
        """,
        "torch.randn(inputs.shape)",
        ("torch.randn(inputs.shape)", "torch.randn(inputs.shape, device=inputs.device)"),
    ),
    "a loop's state made before a while loop": (
        """
        import torch
        import torch.nn as nn

        class Decoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.step = nn.Linear(7, 4)

            def forward(self, x, steps):
                state = torch.zeros(x.size(0), 4)
                t = 0
                while t < steps:
                    state = torch.tanh(self.step(torch.cat([x, state], dim=1)))
                    t += 1
                return state

        decoder = Decoder().cuda()
        out = decoder(torch.randn(2, 3).cuda(), 3)
        """,
        "state = torch.zeros(",
        ("torch.zeros(x.size(0), 4)", "torch.zeros(x.size(0), 4, device=x.device)"),
    ),
}


@pytest.mark.parametrize("name", list(SINGLE_FILES))
def test_single_file_shapes_are_reported_and_raise(tmp_path: Path, name: str) -> None:
    text, needle, _ = SINGLE_FILES[name]
    result = lint_source(source(text), selection=Selection.of(["PTL305"]))
    assert [f.line for f in result.findings] == [_at(text, needle)]
    root = _write(tmp_path, {"bug.py": text})
    assert MISMATCH in (_run(root, "bug.py") or "")


@pytest.mark.parametrize("name", list(SINGLE_FILES))
def test_their_fixed_neighbours_are_silent_and_run(tmp_path: Path, name: str) -> None:
    text, _, (old, new) = SINGLE_FILES[name]
    assert old in text
    fixed = text.replace(old, new)
    assert lint_source(source(fixed), selection=Selection.of(["PTL305"])).findings == []
    root = _write(tmp_path, {"ok.py": fixed})
    assert _run(root, "ok.py") is None


# -- silent: no move, the default device changed, a state moved before the loop -------------------------

SILENT = {
    "a model that is never moved": """
        import torch
        import torch.nn as nn

        class Step(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(7, 4)

            def forward(self, x):
                h = torch.zeros(x.size(0), 4)
                return self.fc(torch.cat([x, h], dim=1))

        out = Step()(torch.randn(2, 3))
        """,
    "factories on the default device chosen by the program": """
        import torch
        import torch.nn as nn

        torch.set_default_device("cuda")

        class Step(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(7, 4)

            def forward(self, x):
                h = torch.zeros(x.size(0), 4)
                return self.fc(torch.cat([x, h], dim=1))

        out = Step().cuda()(torch.randn(2, 3).cuda())
        """,
    "a loop's state moved to the input's device before the loop": """
        import torch
        import torch.nn as nn

        class Decoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.step = nn.Linear(7, 4)

            def forward(self, x):
                state = torch.zeros(x.size(0), 4)
                state = state.to(x.device)
                for _ in range(3):
                    state = torch.tanh(self.step(torch.cat([x, state], dim=1)))
                return state

        out = Decoder().cuda()(torch.randn(2, 3).cuda())
        """,
    "an optional state the caller always passes on the GPU": """
        import torch
        import torch.nn as nn

        class Step(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(7, 4)

            def forward(self, x, h=None):
                if h is None:
                    h = torch.zeros(x.size(0), 4)
                return self.fc(torch.cat([x, h], dim=1))

        model = Step().cuda()
        out = model(torch.randn(2, 3).cuda(), torch.zeros(2, 4).cuda())
        """,
}


@pytest.mark.parametrize("name", list(SILENT))
def test_silent_shapes(tmp_path: Path, name: str) -> None:
    text = SILENT[name]
    assert lint_source(source(text), selection=Selection.of(["PTL305"])).findings == []
    if "set_default_device" not in text:
        root = _write(tmp_path, {"ok.py": text})
        assert _run(root, "ok.py") is None


# -- a model of another file handed to a trainer class of a third file --------------------------------

NETS = """
import torch
import torch.nn as nn


class CharRNN(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.hidden = hidden
        self.embed = nn.Embedding(vocab, 16)
        self.rnn = nn.GRU(16, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, tokens):
        h0 = torch.zeros(1, tokens.size(0), self.hidden)
        out, _ = self.rnn(self.embed(tokens), h0)
        return self.out(out)
"""
TRAINER = """
import torch.nn.functional as F


class Trainer:
    def __init__(self, model, optimizer, device):
        self.model, self.optimizer, self.device = model, optimizer, device

    def fit(self, batches):
        for tokens, targets in batches:
            tokens, targets = tokens.to(self.device), targets.to(self.device)
            logits = self.model(tokens)
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
"""
MAIN = """
import torch

from nets import CharRNN
from trainer import Trainer

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = CharRNN(20, 32).to(device)
trainer = Trainer(model, torch.optim.Adam(model.parameters()), device)
trainer.fit([(torch.randint(0, 20, (4, 7)), torch.randint(0, 20, (4, 7))) for _ in range(2)])
"""


def test_a_model_handed_to_a_trainer_of_another_file_is_reported_where_it_is_handed_on(tmp_path: Path) -> None:
    """The shape of SA-ConvLSTM-Pytorch#21 (a Trainer class of its own file runs the model),
    with the state made in the model's own forward."""
    root = _write(tmp_path, {"nets.py": NETS, "trainer.py": TRAINER, "main.py": MAIN})
    assert _lines(root, "main.py") == [_at(MAIN, "trainer = Trainer(")]
    assert MISMATCH in (_run(root, "main.py") or "")


def test_the_handed_model_with_its_state_on_the_input_device_is_silent(tmp_path: Path) -> None:
    nets = NETS.replace("self.hidden)\n", "self.hidden, device=tokens.device)\n")
    assert nets != NETS
    root = _write(tmp_path, {"nets.py": nets, "trainer.py": TRAINER, "main.py": MAIN})
    assert _lines(root, "main.py") == []
    assert _run(root, "main.py") is None
