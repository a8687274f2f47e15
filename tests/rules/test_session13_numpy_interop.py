"""Session 13 (H-401): PTL401/PTL402 facts taught by our own programs of real shapes. Every
program is ours; each reported one fails under torch 2.13 at the marked line, run here (under
fake-cuda where it needs CUDA); each fixed neighbour runs cleanly and is silent.

- A recursive ``to_device(obj, dev)`` (into a tuple's or dict's items) is followed: a recursive
  call is followed up to two more activations; ``type(batch)(gen)`` of a tuple or list is one.
- ``DataLoader(data, collate_fn=collate)``: each batch is what the file's ``collate`` returns
  for a list of the dataset's items (`torch.stack(xs).cuda()`).
- ``dict(batch_size=4, device=device)`` holds its keys as a display does.
- ``.to(local_rank)``: an int names a CUDA device (``int(os.environ[...])`` is an int).
- Legacy tensor types: ``Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor`` makes
  tensors on the device chosen at run time, as does ``x.type(dtype)`` of such a type, and
  ``torch.set_default_tensor_type("torch.cuda.FloatTensor")``. The fake-cuda proxy cannot make
  legacy CUDA tensors: torch without CUDA raises "type torch.cuda.FloatTensor not available" at
  the constructor, which these tests check; on a GPU `.numpy()` of the tensor raises "can't convert
  cuda:0 device type tensor to numpy" (the tensor is a CUDA tensor, torch's documentation).
- ``x.requires_grad = True`` makes ``x`` require grad as ``x.requires_grad_()`` does (PTL402).
- NumPy's statistics and other ufuncs convert their tensor argument (``np.percentile(t, 50)``,
  ``np.isnan(t)``): each raised on a tensor that requires grad (PTL402).
"""

from __future__ import annotations

import ast
import textwrap
import warnings

import pytest
import torch
from program_helpers import failing_line, run_strictly
from rules_helpers import found, marked

from pt_lsp.core.flow.fallthrough import unmatched_dispatch
from pt_lsp.runtime.fake_cuda import fake_cuda

# Each program fails on CUDA at `# fails`; `{fix}` is "" there and ".cpu()" in the neighbour.
ON_CUDA = {
    "recursive to_device of a tuple": """\
    import torch

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


    def to_device(obj, dev):
        if isinstance(obj, torch.Tensor):
            return obj.to(dev, non_blocking=True)
        if isinstance(obj, (list, tuple)):
            return type(obj)(to_device(v, dev) for v in obj)
        return obj


    inputs, labels = to_device((torch.randn(4, 3), torch.tensor([0, 1, 1, 0])), device)
    print(labels{fix}.numpy())  # fails
""",
    "recursive move into a list comprehension": """\
    import torch

    dev = "cuda:0" if torch.cuda.is_available() else "cpu"


    def move(batch, where):
        if isinstance(batch, torch.Tensor):
            return batch.to(where)
        if isinstance(batch, (list, tuple)):
            return [move(item, where) for item in batch]
        return batch


    feats, target = move([torch.randn(2, 3), torch.ones(2)], dev)
    print(target.sum(){fix}.numpy())  # fails
""",
    "recursive send into a dict": """\
    import torch

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


    def send(obj, dev):
        if isinstance(obj, dict):
            return {{k: send(v, dev) for k, v in obj.items()}}
        if isinstance(obj, torch.Tensor):
            return obj.to(dev)
        return obj


    batch = send({{"x": torch.randn(4, 3), "y": torch.tensor([0, 1, 1, 0])}}, device)
    print(batch["y"]{fix}.numpy())  # fails
""",
    "type(batch)(...) of a tuple": """\
    import torch

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


    def to_device(batch, dev):
        return type(batch)(t.to(dev) for t in batch)


    x, y = to_device((torch.randn(4, 3), torch.tensor([0, 1, 1, 0])), device)
    print(y{fix}.numpy())  # fails
""",
    "collate_fn moving to cuda": """\
    import torch
    from torch.utils.data import DataLoader, TensorDataset


    def collate(samples):
        xs = torch.stack([s[0] for s in samples]).cuda()
        ys = torch.stack([s[1] for s in samples]).cuda()
        return xs, ys


    loader = DataLoader(TensorDataset(torch.randn(8, 3), torch.randint(0, 2, (8,))), batch_size=4, collate_fn=collate)
    for x, y in loader:
        print(y{fix}.numpy())  # fails
""",
    "collate_fn of a dataset class returning a dict": """\
    import torch
    from torch.utils.data import DataLoader, Dataset

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


    class Pairs(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            return torch.randn(3), i % 2


    def collate_batch(items):
        xs = torch.stack([x for x, _ in items])
        ys = torch.tensor([y for _, y in items])
        return {{"x": xs.to(device), "y": ys.to(device)}}


    for batch in DataLoader(Pairs(), batch_size=4, collate_fn=collate_batch):
        print(batch["y"]{fix}.numpy())  # fails
""",
    "dict(...) config read in a function": """\
    import torch
    import torch.nn as nn

    CONFIG = dict(batch_size=4, device="cuda:0" if torch.cuda.is_available() else "cpu")


    def evaluate(model, cfg):
        x = torch.randn(cfg["batch_size"], 3).to(cfg["device"])
        with torch.no_grad():
            return model(x)


    model = nn.Linear(3, 2).to(CONFIG["device"])
    print(evaluate(model, CONFIG){fix}.numpy())  # fails
""",
    "dict(...) device at module level": """\
    import torch

    opts = dict(lr=0.1, device="cuda" if torch.cuda.is_available() else "cpu")
    z = torch.zeros(3, device=opts["device"])
    print(z{fix}.numpy())  # fails
""",
    "to(local_rank) of an int from the environment": """\
    import os

    import torch

    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    x = torch.randn(4, 3).to(local_rank)
    print(x{fix}.numpy())  # fails
""",
    "to(rank) of a constant": """\
    import torch

    rank = 0
    feats = torch.randn(4, 3).to(rank, non_blocking=True)
    print(feats.mean(0){fix}.numpy())  # fails
""",
}


@pytest.mark.parametrize("program", ON_CUDA.values(), ids=ON_CUDA.keys())
def test_a_tensor_moved_through_these_shapes_is_reported(program: str) -> None:
    bad = program.format(fix="")
    line = failing_line(bad, TypeError, "can't convert cuda", cuda=True)
    assert line == marked(bad)
    assert found(bad, "PTL401") == {line: ["PTL401"]}


@pytest.mark.parametrize("program", ON_CUDA.values(), ids=ON_CUDA.keys())
def test_the_tensor_moved_back_to_the_cpu_is_silent(program: str) -> None:
    fixed = program.format(fix=".cpu()")
    run_strictly(fixed, cuda=True)
    assert found(fixed, "PTL401", "PTL402") == {}


DEFAULT_COLLATE = """\
    import torch
    from torch.utils.data import DataLoader, TensorDataset


    def collate(samples):
        return torch.stack([s[0] for s in samples]), torch.stack([s[1] for s in samples])


    loader = DataLoader(TensorDataset(torch.randn(8, 3), torch.randint(0, 2, (8,))), batch_size=4, collate_fn=collate)
    for x, y in loader:
        print(y.numpy())
"""


def test_a_collate_fn_keeping_the_cpu_is_silent() -> None:
    run_strictly(DEFAULT_COLLATE, cuda=True)
    assert found(DEFAULT_COLLATE, "PTL401") == {}


# -- legacy tensor types --------------------------------------------------------------------
LEGACY = {
    "an alias chosen by a flag": """\
    import torch

    cuda = torch.cuda.is_available()
    Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor
    z = Tensor(4, 2).normal_()
    print(z{fix}.numpy())  # fails
""",
    "x.type(dtype) of such an alias": """\
    import torch

    use_cuda = torch.cuda.is_available()
    dtype = torch.cuda.FloatTensor if use_cuda else torch.FloatTensor
    x = torch.randn(4, 3).type(dtype)
    y = x.mm(torch.randn(3, 1).type(dtype))
    print(y{fix}.numpy())  # fails
""",
    "an alias kept on an object": """\
    import torch


    class Sampler:
        def __init__(self, cuda):
            self.Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor

        def noise(self, n):
            return self.Tensor(n, 8).normal_()


    s = Sampler(torch.cuda.is_available())
    print(s.noise(4){fix}.numpy())  # fails
""",
    "the default tensor type set under a flag": """\
    import torch

    if torch.cuda.is_available():
        torch.set_default_tensor_type("torch.cuda.FloatTensor")
    a = torch.zeros(2, 2)
    print(a{fix}.numpy())  # fails
""",
}


@pytest.mark.parametrize("program", LEGACY.values(), ids=LEGACY.keys())
def test_a_legacy_cuda_tensor_type_chosen_at_run_time_is_reported(program: str) -> None:
    bad = program.format(fix="")
    # CUDA's own types: torch without CUDA refuses them where the program takes the CUDA branch
    # ("type torch.cuda.FloatTensor not available", "Cannot initialize CUDA without ATen_cuda").
    with pytest.raises((TypeError, RuntimeError), match="CUDA"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # set_default_tensor_type is deprecated
        exec(compile(textwrap.dedent(bad.replace("torch.cuda.is_available()", "True")), "<ours>", "exec"), {})
    run_strictly(bad.replace("torch.cuda.is_available()", "False"))  # the CPU branch runs
    assert found(bad, "PTL401") == {marked(bad): ["PTL401"]}


@pytest.mark.parametrize("program", LEGACY.values(), ids=LEGACY.keys())
def test_a_legacy_tensor_moved_back_or_a_cpu_type_is_silent(program: str) -> None:
    fixed = program.format(fix=".cpu()")
    run_strictly(fixed.replace("torch.cuda.is_available()", "False"))
    assert found(fixed, "PTL401", "PTL402") == {}
    cpu_only = program.format(fix="").replace("torch.cuda.FloatTensor", "torch.DoubleTensor")
    cpu_only = cpu_only.replace('"torch.cuda.FloatTensor"', '"torch.DoubleTensor"')
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # set_default_tensor_type is deprecated
            exec(compile(textwrap.dedent(cpu_only), "<ours>", "exec"), {"print": lambda *a: None})
    finally:
        torch.set_default_dtype(torch.float32)  # the process's default, for the tests after this one
    assert found(cpu_only, "PTL401") == {}


# -- PTL402: the requires_grad flag assigned; NumPy's statistics --------------------------------
GRAD = {
    "x.requires_grad = True, then an adversarial step": """\
    import torch
    import torch.nn as nn

    model = nn.Linear(3, 2)
    x = torch.randn(4, 3)
    x.requires_grad = True
    loss = model(x).sum()
    loss.backward()
    x_adv = x + 0.1 * x.grad.sign()
    print(x_adv{fix}.numpy())  # fails
""",
    "w.requires_grad = True on a leaf": """\
    import torch

    w = torch.zeros(3)
    w.requires_grad = True
    print((w * 2){fix}.numpy())  # fails
""",
    "np.percentile of a model output": """\
    import numpy as np
    import torch
    import torch.nn as nn

    model = nn.Linear(3, 1)
    x = torch.randn(8, 3)
    print(np.percentile(torch.sigmoid(model(x)).squeeze(){fix}, 50))  # fails
""",
    "np.histogram of a weight": """\
    import numpy as np
    import torch.nn as nn

    layer = nn.Linear(3, 4)
    counts, edges = np.histogram(layer.weight{fix}, bins=4)  # fails
""",
    "np.isnan of a loss": """\
    import numpy as np
    import torch
    import torch.nn as nn

    net = nn.Linear(3, 1)
    loss = net(torch.randn(4, 3)).pow(2).mean()
    if np.isnan(loss{fix}):  # fails
        print("nan")
""",
}


@pytest.mark.parametrize("program", GRAD.values(), ids=GRAD.keys())
def test_a_tensor_that_requires_grad_through_these_shapes_is_reported(program: str) -> None:
    bad = program.format(fix="")
    line = failing_line(bad, RuntimeError, "requires grad")
    assert line == marked(bad)
    assert found(bad, "PTL402") == {line: ["PTL402"]}


@pytest.mark.parametrize("program", GRAD.values(), ids=GRAD.keys())
def test_the_detached_tensor_is_silent(program: str) -> None:
    fixed = program.format(fix=".detach()")
    run_strictly(fixed)
    assert found(fixed, "PTL401", "PTL402") == {}


UNFLAGGED = """\
    import torch

    w = torch.zeros(3, requires_grad=True)
    w.requires_grad = False
    print((w * 2).numpy())
"""


def test_requires_grad_set_false_is_silent() -> None:
    run_strictly(UNFLAGGED)
    assert found(UNFLAGGED, "PTL402") == {}


# -- audit-16 M1, M2, M4 and project device globals --------------------------------------------
NORMS = """\
    import numpy as np
    import torch


    def grad_norms(device):
        w = torch.randn(3, 4, device=device, requires_grad=True)
        states = [torch.randn(2, 3, device=device) @ w for _ in range(2)]
        loss = sum(s.pow(2).sum() for s in states)
        grads = torch.autograd.grad(loss, states)
        return [g.mean(0).norm(){fix} for g in grads]


    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(np.asarray(grad_norms(device), dtype=float))  # fails
"""


def test_gradients_are_on_their_inputs_device_audit16_m1() -> None:
    """audit-16 M1: the norms of grad()'s gradients of CUDA states, converted by the caller."""
    bad = NORMS.format(fix="")
    line = failing_line(bad, TypeError, "can't convert cuda", cuda=True)
    assert line == marked(bad)
    assert found(bad, "PTL401") == {line: ["PTL401"]}
    fixed = NORMS.format(fix=".item()")
    run_strictly(fixed, cuda=True)
    assert found(fixed, "PTL401", "PTL402") == {}


DISPATCH = """\
    import numpy as np
    import torch
    import torch.nn as nn


    class Trainer:
        def __init__(self, mode):
            self.mode = mode
            self.net = nn.Linear(1, 1)

        def train(self, iterations):
            optim = torch.optim.SGD(self.net.parameters(), lr=1e-3)
            losses = []
            for _ in range(iterations):
                loss = self.get_loss(torch.randn(8, 1))
                losses.append(loss{fix})
                optim.zero_grad()
                loss.backward()
                optim.step()
            return losses

        def get_loss(self, x):
            if self.mode == "js":
                return self.net(x).mean()
            elif self.mode == "wd":
                return -self.net(x).mean()

        def evaluate(self, iterations):
            losses = self.train(iterations)
            print(np.asarray(losses))  # fails


    Trainer("js").evaluate(3)
"""


def test_a_dispatch_without_else_gives_its_branches_values_audit16_m2() -> None:
    """audit-16 M2: a loss chosen by if/elif on a setting (no else) kept in a list and converted."""
    bad = DISPATCH.format(fix="")
    line = failing_line(bad, RuntimeError, "requires grad")
    assert line == marked(bad)
    assert found(bad, "PTL402") == {line: ["PTL402"]}
    fixed = DISPATCH.format(fix=".item()")
    run_strictly(fixed)
    assert found(fixed, "PTL401", "PTL402") == {}


FALLS_THROUGH = """\
    import torch
    import torch.nn as nn

    net = nn.Linear(1, 1)


    def pick(mode, x):
        if mode == "a":
            return net(x).mean()
        elif mode == "b":
            return None


    got = pick("c", torch.randn(2, 1))
    print(got)
"""


def test_a_dispatch_with_a_none_branch_keeps_none() -> None:
    """A branch returning None says None is one of the results: the end's None stays."""
    run_strictly(FALLS_THROUGH)
    functions = {
        node.name: node
        for program in (FALLS_THROUGH, DISPATCH.format(fix=""))
        for node in ast.walk(ast.parse(textwrap.dedent(program)))
        if isinstance(node, ast.FunctionDef)
    }
    assert unmatched_dispatch(functions["pick"]) is False
    assert unmatched_dispatch(functions["get_loss"]) is True


DEEP = """\
    import numpy as np
    import torch
    import torch.nn as nn


    class Base(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.model = nn.Sequential(nn.Linear(n, 8), nn.ReLU(), nn.Linear(8, 1))

        def forward(self, x):
            return self.model(x)


    class Critic(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.model = nn.Sequential(Base(n), nn.Sigmoid())

        def forward(self, x):
            return self.model(x)


    def estimate(D, x):
        return torch.log(D(x)).mean()


    def train(x, steps=2):
        D = Critic(x.size(1))
        opt = torch.optim.Adam(D.parameters())
        for _ in range(steps):
            opt.zero_grad()
            (-estimate(D, x)).backward()
            opt.step()
        return D, estimate(D, x){fix}


    TRAIN = train
    found = []
    for shift in (0.0, 1.0):
        _, value = TRAIN(torch.randn(8, 2) + shift)
        found.append(value)
    print(np.asarray(found))  # fails
"""


def test_a_module_too_deep_to_follow_is_a_layer_of_its_parameters_audit16_m4() -> None:
    """audit-16 M4: Base's forward, four calls deep, is read as a layer of its parameters."""
    bad = DEEP.format(fix="")
    line = failing_line(bad, RuntimeError, "requires grad")
    assert line == marked(bad)
    assert found(bad, "PTL402") == {line: ["PTL402"]}
    fixed = DEEP.format(fix=".item()")
    run_strictly(fixed)
    assert found(fixed, "PTL401", "PTL402") == {}


# -- a device global of another project file ---------------------------------------------------
CONFIGS = {
    "from config import device, in a function": (
        {
            "config.py": """\
    import torch

    USE_GPU = torch.cuda.is_available()
    device = torch.device("cuda:0" if USE_GPU else "cpu")
""",
        },
        """\
    import torch
    import torch.nn as nn

    from config import device


    def evaluate(model, xs):
        with torch.no_grad():
            out = model(xs.to(device))
        return out.argmax(1){fix}.numpy()  # fails


    net = nn.Linear(3, 2).to(device)
    print(evaluate(net, torch.randn(4, 3)))
""",
    ),
    "a model built by a function of models.py": (
        {
            "models.py": """\
    import torch
    import torch.nn as nn

    DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            return self.fc(x)


    def build_model():
        return Net().to(DEVICE)
""",
        },
        """\
    import torch

    from models import DEVICE, build_model

    model = build_model()
    with torch.no_grad():
        out = model(torch.randn(4, 3).to(DEVICE))
    print(out.softmax(1){fix}.numpy())  # fails
""",
    ),
    "a star import of settings": (
        {
            "settings.py": """\
    import torch

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    batch_size = 4
""",
        },
        """\
    import torch

    from settings import *

    z = torch.zeros(batch_size, 2, device=device)
    print(z{fix}.numpy())  # fails
""",
    ),
}


def write(folder, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))


def check(path) -> dict[int, list[str]]:
    from pt_lsp.core.engine import lint_source
    from pt_lsp.core.selection import Selection

    result = lint_source(path.read_text(), str(path), selection=Selection.of(["PTL401", "PTL402"]))
    assert result.errors == []
    by_line: dict[int, list[str]] = {}
    for finding in result.findings:
        by_line.setdefault(finding.line, []).append(finding.code)
    return by_line


def run_file(path) -> None:
    import runpy
    import sys

    sys.path.insert(0, str(path.parent))
    try:
        with fake_cuda():
            runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.path.remove(str(path.parent))
        for name in [n for n, m in sys.modules.items() if str(path.parent) in (getattr(m, "__file__", "") or "")]:
            del sys.modules[name]


@pytest.mark.parametrize("files", CONFIGS.values(), ids=CONFIGS.keys())
def test_a_device_global_of_another_project_file_is_read(tmp_path, files) -> None:
    others, main = files
    write(tmp_path, others)
    bad = tmp_path / "main.py"
    bad.write_text(textwrap.dedent(main.format(fix="")))
    with pytest.raises(TypeError, match="can't convert cuda"):
        run_file(bad)
    assert check(bad) == {marked(main.format(fix="")): ["PTL401"]}
    fixed = tmp_path / "fixed.py"
    fixed.write_text(textwrap.dedent(main.format(fix=".cpu()")))
    run_file(fixed)
    assert check(fixed) == {}


def test_a_cpu_device_global_or_one_assigned_twice_is_silent(tmp_path) -> None:
    write(tmp_path, {"config.py": 'import torch\n\ndevice = "cpu"\nother = "cuda"\nother = "cpu"\n'})
    main = tmp_path / "main.py"
    main.write_text("import torch\n\nfrom config import device, other\n\nprint(torch.zeros(2).to(device).numpy())\n")
    main.write_text(main.read_text() + "print(torch.zeros(2).to(other).numpy())\n")
    run_file(main)
    assert check(main) == {}


DEEP_ON_CUDA = """\
    import torch
    import torch.nn as nn


    class Body(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            return self.fc(x)


    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(Body(), nn.Tanh())

        def forward(self, x):
            return self.body(x)


    def act(agent, state):
        return agent(state)


    def play(agent):
        with torch.no_grad():
            return act(agent, torch.zeros(1, 3)).argmax(1).numpy()


    agent = Head()
    if torch.cuda.is_available():
        agent = agent.cuda()
    try:
        play(agent)
    except RuntimeError as error:
        assert "same device" in str(error)
"""


def test_a_module_too_deep_to_follow_given_a_cpu_tensor_is_silent() -> None:
    """A CUDA model given a CPU tensor raises the device mismatch in its forward (caught here),
    never `.numpy()`'s error: the unread forward's output on a CPU input is not proven on CUDA."""
    run_strictly(DEEP_ON_CUDA, cuda=True)
    assert found(DEEP_ON_CUDA, "PTL401") == {}
