"""Session 12 (H-401): audit-14 M1, M2 and G7c, and facts taught by our own programs of PTL401
and PTL402 shapes. Every program is ours; each reported one fails under torch 2.13 at the marked
line, run here (under fake-cuda where it needs CUDA); each silent neighbour runs cleanly.

- A module's ``self.<attr> = <param>`` at the top of ``__init__`` holds this call's argument
  (audit-14 M2: ``torch.tensor(..., device=model.device)`` of a model built with the run's device).
- A model that may be on CUDA handed to a function of another project file that converts its
  output, or to one that calls such a function, is reported at the call (audit-14 M1, R4);
  PTL402 reports a tensor that requires grad handed to such a helper.
- ``a, b = model(x)`` of a forward out of view: where another item reaches the scope's backward and
  the first does not, the first is not proven to require grad either (audit-14 G7c: the first
  was a policy's sampled ids, the second its log-probabilities; audit-4 F3's tagger, whose first
  item is backwarded, is still reported).
- ``os.getenv("DEVICE", "cuda")``, ``SimpleNamespace(device=...)``, ``with torch.device(d):``,
  a dataclass field's ``default_factory=lambda: ...``, ``model.device`` of a moved model whose
  class is out of view or reads its parameters in a ``device`` property.
- ``Metrics.to_array(t)`` (a ``@staticmethod`` called through its class) and ``map(lambda o:
  o.numpy(), outs)`` are followed. PTL404's views: test_session12_ptl404_views.py.
"""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path

import pytest
from program_helpers import failing_line, run_strictly
from rules_helpers import found, marked

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection
from pt_lsp.runtime.fake_cuda import fake_cuda


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def check(path: Path, code: str) -> dict[int, str]:
    result = lint_source(path.read_text(), str(path), selection=Selection.of([code]))
    assert result.errors == []
    return {f.line: f.message for f in result.findings if f.code == code}


def run_file(path: Path, cuda: bool) -> None:
    """Run ``path`` as a script of its folder (its imports from that folder), under fake-cuda."""
    import runpy
    import sys

    sys.path.insert(0, str(path.parent))
    try:
        with fake_cuda() if cuda else warnings.catch_warnings():
            runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.path.remove(str(path.parent))
        for name in [
            n for n, m in sys.modules.items() if getattr(m, "__file__", "") and str(path.parent) in m.__file__
        ]:
            del sys.modules[name]


# -- audit-14 M2: an argument a module keeps ----------------------------------------------------
KEPT_DEVICE = {
    "positional": """\
    import numpy as np
    import torch
    import torch.nn as nn


    class Predictor(nn.Module):
        def __init__(self, device):
            super().__init__()
            self.device = device
            self.fc = nn.Linear(2, 2)


    device = torch.device("cuda" if torch.cuda.is_available() else "{cpu}")
    model = Predictor(device).to(device)
    t = np.linspace(0, 1, 6)
    given = torch.tensor(np.stack([np.sin(t), np.cos(t)], 1), device=model.device, dtype=torch.float32)
    print(given[:, 0]{fix}.numpy())  # fails
""",
    "keyword, another name, read in a function": """\
    import torch
    import torch.nn as nn


    class Encoder(nn.Module):
        def __init__(self, n_in, hidden, dev=None):
            super().__init__()
            self.dev = dev
            self.rnn = nn.GRU(n_in, hidden, batch_first=True)


    def probe(net, n):
        h0 = torch.zeros(1, n, 4).to(net.dev)
        return h0.mean(0){fix}.numpy()  # fails


    dev = "cuda:0" if torch.cuda.is_available() else "{cpu}"
    enc = Encoder(2, 4, dev=dev).to(dev)
    print(probe(enc, 3))
""",
    "moved by its own attribute": """\
    import torch
    import torch.nn as nn


    class Policy(nn.Module):
        def __init__(self, obs, acts, device):
            super().__init__()
            self.device = device
            self.body = nn.Linear(obs, acts)


    policy = Policy(4, 2, torch.device("cuda" if torch.cuda.is_available() else "{cpu}"))
    policy.to(policy.device)
    with torch.no_grad():
        a = torch.zeros(3, device=policy.device)
        print(a{fix}.numpy())  # fails
""",
}


@pytest.mark.parametrize("program", KEPT_DEVICE.values(), ids=KEPT_DEVICE.keys())
def test_a_device_a_module_keeps_from_its_constructor_is_followed(program: str) -> None:
    bad = program.format(fix="", cpu="cpu")
    line = failing_line(bad, TypeError, "can't convert cuda", cuda=True)
    assert line == marked(bad)
    assert found(bad, "PTL401") == {line: ["PTL401"]}


@pytest.mark.parametrize("program", KEPT_DEVICE.values(), ids=KEPT_DEVICE.keys())
def test_the_kept_device_moved_back_to_the_cpu_is_silent(program: str) -> None:
    fixed = program.format(fix=".cpu()", cpu="cpu")
    run_strictly(fixed, cuda=True)
    assert found(fixed, "PTL401", "PTL402") == {}


REASSIGNED = """\
    import torch
    import torch.nn as nn


    class Policy(nn.Module):
        def __init__(self, device):
            super().__init__()
            self.device = device
            self.body = nn.Linear(4, 2)
            if not torch.cuda.is_available():
                self.device = torch.device("cpu")


    policy = Policy(torch.device("cpu"))
    print(torch.zeros(3, device=policy.device).numpy())
    cpu_policy = Policy("cpu")
    print(torch.zeros(3, device=cpu_policy.device).numpy())
"""


def test_an_attribute_init_assigns_twice_or_a_cpu_argument_is_silent() -> None:
    run_strictly(REASSIGNED, cuda=True)
    assert found(REASSIGNED, "PTL401") == {}


# -- audit-14 M1: a model handed to a helper of another file -----------------------------------
PLOTS = """\
    import numpy as np
    import torch


    def test_plot(model):
        with torch.no_grad():
            x = torch.randn(5, 2)
            pred = model(x.to(next(model.parameters()).device))
            print(np.round(pred[:, 0]{fix}.numpy(), 3))
"""

TRAIN_LOOP = """\
    import torch
    import torch.nn as nn
    from plots import test_plot

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


    def train(model, steps):
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for i in range(steps):
            loss = model(torch.randn(4, 2, device=device)).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if i % 2 == 0:
                test_plot(model)


    train(nn.Linear(2, 2).to(device), 3)
"""


def test_a_model_handed_to_a_converting_helper_of_another_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path, {"plots.py": PLOTS.format(fix=""), "train.py": TRAIN_LOOP})
    with pytest.raises(TypeError, match="can't convert cuda"):
        run_file(tmp_path / "train.py", cuda=True)
    findings = check(tmp_path / "train.py", "PTL401")
    assert list(findings) == [16]
    assert "`test_plot()` (plots.py:9)" in findings[16]


def test_the_helper_that_moves_the_output_to_the_cpu_is_silent(tmp_path: Path) -> None:
    write(tmp_path, {"plots.py": PLOTS.format(fix=".cpu()"), "train.py": TRAIN_LOOP})
    run_file(tmp_path / "train.py", cuda=True)
    assert check(tmp_path / "train.py", "PTL401") == {}


UTILS = """\
    import numpy as np
    import torch


    def plot_fit(model, n=5):
        with torch.no_grad():
            xs = torch.linspace(-1, 1, n).unsqueeze(1)
            ys = model(xs.to(next(model.parameters()).device))
            print(np.round(ys.squeeze(1){fix}.numpy(), 3))
"""

FIT = """\
    import torch

    from codebase.utils import plot_fit


    def fit(model, epochs, every=2):
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        dev = next(model.parameters()).device
        for epoch in range(epochs):
            x = torch.rand(8, 1, device=dev)
            loss = (model(x) - x.sin()).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if epoch % every == 0:
                plot_fit(model)
"""

RUN_MODELS = """\
    import torch
    import torch.nn as nn

    from codebase.train import fit

    use_cuda = torch.cuda.is_available()
    net = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
    if use_cuda:
        net = net.{move}()
    fit(net, 4)
"""


def test_a_helper_that_calls_a_converting_helper_is_reported_at_the_script(tmp_path: Path) -> None:
    """audit-14 R4's three files: the script that builds the model converts nothing itself."""
    files = {"codebase/__init__.py": "", "codebase/utils.py": UTILS.format(fix=""), "codebase/train.py": FIT}
    write(tmp_path, {**files, "run_models.py": RUN_MODELS.format(move="cuda")})
    with pytest.raises(TypeError, match="can't convert cuda"):
        run_file(tmp_path / "run_models.py", cuda=True)
    findings = check(tmp_path / "run_models.py", "PTL401")
    assert list(findings) == [10]
    assert "`fit()` (through `plot_fit()`, codebase/utils.py:9)" in findings[10]


def test_the_model_kept_on_the_cpu_or_the_output_moved_is_silent(tmp_path: Path) -> None:
    files = {"codebase/__init__.py": "", "codebase/train.py": FIT}
    write(
        tmp_path,
        {**files, "codebase/utils.py": UTILS.format(fix=".cpu()"), "run_models.py": RUN_MODELS.format(move="cuda")},
    )
    run_file(tmp_path / "run_models.py", cuda=True)
    assert check(tmp_path / "run_models.py", "PTL401") == {}
    write(tmp_path, {"codebase/utils.py": UTILS.format(fix=""), "run_models.py": RUN_MODELS.format(move="cpu")})
    run_file(tmp_path / "run_models.py", cuda=True)
    assert check(tmp_path / "run_models.py", "PTL401") == {}


VIZ = """\
    import numpy as np


    def summarize(t):
        return np.round(t{fix}.numpy(), 2)
"""

SUMMARIZED = """\
    import torch
    import torch.nn as nn
    from viz import summarize

    net = nn.Linear(2, 2)
    print(summarize(net(torch.ones(1, 2))))
"""


def test_a_tensor_that_requires_grad_handed_to_a_converting_helper_is_reported(tmp_path: Path) -> None:
    write(tmp_path, {"viz.py": VIZ.format(fix=""), "main.py": SUMMARIZED})
    with pytest.raises(RuntimeError, match="requires grad"):
        run_file(tmp_path / "main.py", cuda=False)
    findings = check(tmp_path / "main.py", "PTL402")
    assert list(findings) == [6]
    assert "`summarize()` (viz.py:5)" in findings[6]
    write(tmp_path, {"viz.py": VIZ.format(fix=".detach()")})
    run_file(tmp_path / "main.py", cuda=False)
    assert check(tmp_path / "main.py", "PTL402") == {}


# -- audit-14 G7c: the items of a forward out of view -------------------------------------------
SEQ_MODEL = """\
    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    class Seq2Seq(nn.Module):
        def __init__(self, vocab, dim):
            super().__init__()
            self.emb = nn.Embedding(vocab, dim)
            self.out = nn.Linear(dim, vocab)

        def forward(self, src, steps=4):
            ids, logprobs = [], []
            inp = src[:, 0]
            for _ in range(steps):
                probs = F.softmax(self.out(self.emb(inp)), dim=-1)
                sample_id = probs.multinomial(1)
                ids.append(sample_id.squeeze(1))
                logprobs.append(probs.gather(1, sample_id).log().squeeze(1))
                inp = sample_id.squeeze(1)
            return torch.stack(ids, 1), torch.stack(logprobs, 1)
"""

SAMPLED = """\
    import torch
    from models import Seq2SeqAttention


    def run_model(model, src):
        def tolist(ids):
            return list(map(lambda a: a.tolist(), ids.cpu().numpy()))

        ids_sample, logprobs_sample = model(src)
        seq_sample = tolist(ids_sample)
        reward = torch.tensor([float(len(set(s))) for s in seq_sample])
        loss = -(reward * logprobs_sample.sum(1)).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        return seq_sample, logprobs_sample{fix}.numpy()


    model = Seq2SeqAttention(7, 5)
    print(run_model(model, torch.randint(0, 7, (2, 3))))
"""


def test_the_first_item_of_a_forward_out_of_view_is_not_proven_to_require_grad(tmp_path: Path) -> None:
    """The class is reached through an alias in a package ``__init__`` pt-lsp does not follow:
    the sampled ids (int64) it returns first do not require grad; the run converts them."""
    models = {"models/__init__.py": "from .seq import Seq2Seq\n\nSeq2SeqAttention = Seq2Seq\n"}
    write(tmp_path, {**models, "models/seq.py": SEQ_MODEL, "main.py": SAMPLED.format(fix=".detach()")})
    run_file(tmp_path / "main.py", cuda=False)
    assert check(tmp_path / "main.py", "PTL402") == {}


SCORED = """\
    import torch
    from models import Scorer

    scorer = Scorer(3)
    opt = torch.optim.SGD(scorer.parameters(), lr=0.1)
    scores = scorer(torch.randn(2, 3))
    scores.sum().backward()
    opt.step()
    print(scores{fix}.numpy())  # fails
"""


def test_the_single_output_of_a_forward_out_of_view_still_requires_grad(tmp_path: Path) -> None:
    """The true neighbour of G7c: one tensor a trained module of unknown class returns."""
    models = {
        "models/__init__.py": "from .lin import Lin\n\nScorer = Lin\n",
        "models/lin.py": "import torch.nn as nn\n\n\nclass Lin(nn.Linear):\n    def __init__(self, n):\n"
        "        super().__init__(n, 1)\n",
    }
    write(tmp_path, {**models, "main.py": SCORED.format(fix="")})
    with pytest.raises(RuntimeError, match="requires grad"):
        run_file(tmp_path / "main.py", cuda=False)
    assert list(check(tmp_path / "main.py", "PTL402")) == [9]
    write(tmp_path, {"main.py": SCORED.format(fix=".detach()")})
    run_file(tmp_path / "main.py", cuda=False)
    assert check(tmp_path / "main.py", "PTL402") == {}


# -- PTL401: devices chosen at run time through other carriers ----------------------------------
CARRIERS = {
    "environment default": """\
    import os
    import torch

    device = torch.device(os.getenv("DEVICE", "{cuda}"))
    x = torch.rand(2, device=device)
    print(x{fix}.numpy())  # fails
""",
    "environ.get default": """\
    import os
    import torch

    DEVICE = os.environ.get("DEVICE", "{cuda}" if torch.cuda.is_available() else "cpu")
    emb = torch.nn.Embedding(5, 2).to(DEVICE)
    vec = emb(torch.tensor([1, 2], device=DEVICE)).detach()
    print(vec{fix}.numpy())  # fails
""",
    "namespace": """\
    from types import SimpleNamespace
    import torch

    opt = SimpleNamespace(device="{cuda}" if torch.cuda.is_available() else "cpu", n=2)
    x = torch.ones(opt.n).to(opt.device)
    print(x{fix}.numpy())  # fails
""",
    "device context": """\
    import torch

    with torch.device("{cuda}"):
        t = torch.arange(4.0)
    print(t{fix}.numpy())  # fails
""",
    "dataclass factory": """\
    from dataclasses import dataclass, field
    import torch


    @dataclass
    class Config:
        lr: float = 1e-3
        device: torch.device = field(default_factory=lambda: torch.device("{cuda}" if torch.cuda.is_available() else "cpu"))


    cfg = Config()
    x = torch.randn(3, device=cfg.device)
    print(x{fix}.numpy())  # fails
""",
    "device property": """\
    import torch
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        @property
        def device(self):
            return next(self.parameters()).device


    net = Net().to("{cuda}" if torch.cuda.is_available() else "cpu")
    x = torch.randn(3, 2, device=net.device)
    print(x{fix}.numpy())  # fails
""",
}


@pytest.mark.parametrize("program", CARRIERS.values(), ids=CARRIERS.keys())
def test_a_device_chosen_at_run_time_through_a_carrier_is_reported(program: str) -> None:
    bad = program.format(fix="", cuda="cuda")
    line = failing_line(bad, TypeError, "can't convert cuda", cuda=True)
    assert line == marked(bad)
    assert found(bad, "PTL401") == {line: ["PTL401"]}


@pytest.mark.parametrize("program", CARRIERS.values(), ids=CARRIERS.keys())
def test_the_carrier_of_a_cpu_device_or_the_moved_tensor_is_silent(program: str) -> None:
    for fixed in (program.format(fix=".cpu()", cuda="cuda"), program.format(fix="", cuda="cpu")):
        run_strictly(fixed, cuda=True)
        assert found(fixed, "PTL401") == {}


UNMOVED_PROPERTY = """\
    import torch
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        @property
        def device(self):
            return next(self.parameters()).device


    net = Net()
    x = torch.randn(3, 2, device=net.device)
    print(x.numpy())
"""


def test_the_device_of_a_module_never_moved_is_silent() -> None:
    run_strictly(UNMOVED_PROPERTY, cuda=True)
    assert found(UNMOVED_PROPERTY, "PTL401") == {}


# -- PTL402: a static method called through its class, a lambda mapped over outputs -------------
THROUGH_CALLABLES = {
    "static method": """\
    import torch
    import torch.nn as nn


    class Metrics:
        @staticmethod
        def to_array(t):
            return t{fix}.numpy()  # fails


    net = nn.Linear(2, 2)
    print(Metrics.to_array(net(torch.randn(1, 2))))
""",
    "mapped lambda": """\
    import torch
    import torch.nn as nn

    net = nn.Linear(2, 1)
    outs = [net(torch.randn(1, 2)) for _ in range(2)]
    arrays = list(map(lambda o: o{fix}.numpy(), outs))  # fails
""",
}


@pytest.mark.parametrize("program", THROUGH_CALLABLES.values(), ids=THROUGH_CALLABLES.keys())
def test_an_output_converted_by_a_static_method_or_a_mapped_lambda_is_reported(program: str) -> None:
    bad = program.format(fix="")
    line = failing_line(bad, RuntimeError, "requires grad")
    assert line == marked(bad)
    assert found(bad, "PTL402") == {line: ["PTL402"]}


@pytest.mark.parametrize("program", THROUGH_CALLABLES.values(), ids=THROUGH_CALLABLES.keys())
def test_the_detached_output_is_silent(program: str) -> None:
    fixed = program.format(fix=".detach()")
    run_strictly(fixed)
    assert found(fixed, "PTL402", "PTL401") == {}


NO_GRAD_MAP = """\
    import torch
    import torch.nn as nn

    net = nn.Linear(2, 1)
    with torch.no_grad():
        outs = [net(torch.randn(1, 2)) for _ in range(2)]
    arrays = list(map(lambda o: o.numpy(), outs))
"""


def test_outputs_made_under_no_grad_mapped_are_silent() -> None:
    run_strictly(NO_GRAD_MAP)
    assert found(NO_GRAD_MAP, "PTL402") == {}
