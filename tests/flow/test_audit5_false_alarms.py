"""False alarms of the fifth audit (benchmarks/ecosystem/audit-5.md, causes G1-G8): training code
nobody here had read. Each program is ours, has the shape of the real code and must draw no finding
of the rule; beside each, a nearby program that is wrong keeps its finding, and where torch on the
CPU can tell, a test runs both to show which of the two behaves as the message says."""

from __future__ import annotations

import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest
import torch

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection


def lines(source: str, code: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<audit5>", selection=Selection.of([code]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == code]


def run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "audit5"}
    exec(compile(textwrap.dedent(source), "<audit5>", "exec"), namespace)
    return namespace


# G5: modules with no parameters, no buffers and no train/eval behaviour kept in a plain list.
STATELESS_LIST = """
    import torch
    from torch import nn

    class Pyramid(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 3, 1)
            self.steps = [nn.Upsample(scale_factor=2), nn.ReLU(), nn.Identity(), nn.MaxPool2d(2), nn.Flatten()]

        def forward(self, x):
            y = self.conv(x)
            for step in self.steps:
                y = step(y)
            return y

    net = Pyramid()
    """

# A Dropout in the list: `eval()` does not reach it, so it keeps dropping at evaluation.
DROPOUT_IN_LIST = STATELESS_LIST.replace("nn.ReLU(), nn.Identity(), nn.MaxPool2d(2), nn.Flatten()", "nn.Dropout(0.5)")


def test_ptl301_stateless_modules_in_a_list() -> None:
    assert lines(STATELESS_LIST, "PTL301") == []


def test_ptl301_dropout_in_a_list_is_still_reported() -> None:
    assert lines(DROPOUT_IN_LIST, "PTL301") == [9]


def test_stateless_list_misses_nothing_but_dropout_escapes_eval() -> None:
    plain = run(STATELESS_LIST)["net"]
    registered = torch.nn.ModuleList(plain.steps)
    assert len(registered.state_dict()) == 0  # registering them would add nothing to save or move
    assert list(registered.parameters()) == [] and list(registered.buffers()) == []
    dropping = run(DROPOUT_IN_LIST)["net"].eval()
    assert dropping.steps[1].training  # eval() did not reach the Dropout in the plain list


# G6: `.to(device)` in `__init__` places the tensor where it is made, whatever its receiver is.
PLACED_LOCALS = """
    import torch
    from torch import nn

    class Grid(nn.Module):
        def __init__(self, n, device):
            super().__init__()
            xs = torch.arange(n).float()
            self.xs = xs.to(device)
            ys = torch.arange(n).float()
            self.ys = ys.unsqueeze(0).to(device)

        def forward(self, x):
            return x * self.xs + self.ys

    out = Grid(3, "cpu")(torch.ones(3))
    """

# The same tensors never placed: `model.to(...)` leaves them behind.
UNPLACED_LOCALS = PLACED_LOCALS.replace("xs.to(device)", "xs").replace("ys.unsqueeze(0).to(device)", "ys.unsqueeze(0)")


def test_ptl302_local_placed_with_to_device() -> None:
    assert lines(PLACED_LOCALS, "PTL302") == []


def test_ptl302_unplaced_locals_are_still_reported() -> None:
    assert lines(UNPLACED_LOCALS, "PTL302") == [9, 11]


def test_placed_locals_run_and_unplaced_ones_stay_behind() -> None:
    assert run(PLACED_LOCALS)["out"].shape == (1, 3)
    namespace = run(UNPLACED_LOCALS)
    grid = namespace["Grid"](3, "cpu").to(torch.float64)
    assert grid.xs.dtype == torch.float32  # not moved: a plain attribute
    assert "xs" not in grid.state_dict()


# G7: the use moves the tensor through a local and a conditional expression.
MOVED_THROUGH_A_LOCAL = """
    import torch
    from torch import nn

    class Flow(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)
            self.times = torch.tensor([0.0, 1.0])

        def forward(self, x, times=None):
            times = self.times if times is None else times
            times = times.to(x.device)
            return self.lin(x) * times

    out = Flow()(torch.ones(2))
    """

# Without the move, the local carries the CPU tensor into the arithmetic.
NOT_MOVED_THROUGH_A_LOCAL = MOVED_THROUGH_A_LOCAL.replace("            times = times.to(x.device)\n", "")


def test_ptl302_moved_through_a_local() -> None:
    assert lines(MOVED_THROUGH_A_LOCAL, "PTL302") == []


def test_ptl302_not_moved_through_a_local_is_still_reported() -> None:
    assert lines(NOT_MOVED_THROUGH_A_LOCAL, "PTL302") == [9]


def test_moved_through_a_local_follows_the_input() -> None:
    namespace = run(MOVED_THROUGH_A_LOCAL)
    flow = namespace["Flow"]().to(torch.float64)
    assert flow.times.dtype == torch.float32  # left behind by `.to()`, yet `forward` moves it
    assert flow(torch.ones(2, dtype=torch.float64)).dtype == torch.float64
    assert namespace["out"].shape == (2,)


# G2: `torch` comes from a helper library's star import; `torch.no_grad()` must still count.
STAR_IMPORTED_TORCH = """
    from helper_lib import *
    import torchvision

    model = torchvision.models.resnet18(num_classes=3)
    model.eval()
    x = torch.zeros(1, 3, 32, 32)
    with torch.no_grad():
        out = model(x)
    print(out[0].numpy())
    """

# The same forward pass outside `no_grad`: the output requires grad.
STAR_IMPORTED_TORCH_WITH_GRAD = STAR_IMPORTED_TORCH.replace(
    "    with torch.no_grad():\n        out = model(x)\n", "    out = model(x)\n"
)


def test_ptl402_no_grad_of_a_star_imported_torch() -> None:
    assert lines(STAR_IMPORTED_TORCH, "PTL402") == []


def test_ptl402_star_imported_torch_with_grad_is_still_reported() -> None:
    assert lines(STAR_IMPORTED_TORCH_WITH_GRAD, "PTL402") == [9]


def test_star_imported_torch_runs_under_no_grad_and_raises_without(monkeypatch: pytest.MonkeyPatch) -> None:
    helper = types.ModuleType("helper_lib")
    helper.torch = torch  # type: ignore[attr-defined]
    helper.__all__ = ["torch"]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "helper_lib", helper)
    vision = types.ModuleType("torchvision")  # not installed here: a small stand-in model zoo
    vision.models = types.SimpleNamespace(  # type: ignore[attr-defined]
        resnet18=lambda num_classes: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 32 * 32, num_classes))
    )
    monkeypatch.setitem(sys.modules, "torchvision", vision)
    assert run(STAR_IMPORTED_TORCH)["out"].shape == (1, 3)
    with pytest.raises(RuntimeError, match="requires grad"):
        run(STAR_IMPORTED_TORCH_WITH_GRAD)


def test_an_explicit_import_of_another_torch_is_not_the_torch_package() -> None:
    # only a star import's unknown re-export is taken for the package: `from other import torch`
    # binds something else, whose `no_grad()` proves nothing
    source = STAR_IMPORTED_TORCH.replace(
        "from helper_lib import *", "from helper_lib import *\n    from other import torch"
    )
    assert lines(source, "PTL402") == [11]


# G4: a CPU tensor fed to layers on the device chosen at run time: a CUDA run raises a device
# mismatch there, so the output is never a CUDA tensor.
CPU_INPUT_TO_DEVICE_LAYERS = """
    import numpy as np
    import torch

    DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin1 = torch.nn.Linear(2, 4)
            self.lin2 = torch.nn.Linear(4, 2)

        def forward(self, x):
            return self.lin2(torch.relu(self.lin1(x)))

    model = Net().to(DEVICE)
    grid = torch.tensor(np.ones((3, 2), dtype=np.float32))
    probas = model(grid)
    result = probas.detach().numpy()
    """

# The input moved to the device as well: a CUDA tensor on a GPU machine.
DEVICE_INPUT_TO_DEVICE_LAYERS = CPU_INPUT_TO_DEVICE_LAYERS.replace("np.float32))", "np.float32)).to(DEVICE)")

# The same with `torch.mm` on weights made on the device (no layer).
CPU_INPUT_MM_DEVICE_WEIGHTS = """
    import torch

    DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    weights = torch.zeros(2, 3, device=DEVICE)
    grid = torch.ones(4, 2)
    scores = torch.mm(grid, weights)
    result = scores.numpy()
    """


# A classifier from scratch: `torch.mm(x, w) + b` with `w` and `b` made on the device.
CPU_INPUT_SCRATCH_CLASSIFIER = """
    import torch

    DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    class Scratch:
        def __init__(self, n):
            self.weights = torch.zeros(2, n, device=DEVICE)
            self.bias = torch.zeros(2, device=DEVICE)

        def forward(self, x):
            logits = torch.mm(x, self.weights.t()) + self.bias
            return logits, torch.softmax(logits, dim=1)

    logits, probas = Scratch(3).forward(torch.ones(4, 3))
    result = probas.detach().numpy()
    """


def test_ptl401_cpu_input_to_device_layers() -> None:
    assert lines(CPU_INPUT_TO_DEVICE_LAYERS, "PTL401") == []
    assert lines(CPU_INPUT_MM_DEVICE_WEIGHTS, "PTL401") == []
    assert lines(CPU_INPUT_SCRATCH_CLASSIFIER, "PTL401") == []


def test_ptl401_device_input_to_device_layers_is_still_reported() -> None:
    assert lines(DEVICE_INPUT_TO_DEVICE_LAYERS, "PTL401") == [19]
    on_device = CPU_INPUT_SCRATCH_CLASSIFIER.replace("torch.ones(4, 3)", "torch.ones(4, 3, device=DEVICE)")
    assert lines(on_device, "PTL401") == [16]
    assert lines(
        CPU_INPUT_MM_DEVICE_WEIGHTS.replace("torch.ones(4, 2)", "torch.ones(4, 2, device=DEVICE)"), "PTL401"
    ) == [8]


def test_cpu_input_to_device_layers_runs_on_the_cpu() -> None:
    assert run(CPU_INPUT_TO_DEVICE_LAYERS)["result"].shape == (3, 2)
    assert run(CPU_INPUT_MM_DEVICE_WEIGHTS)["result"].shape == (4, 3)
    assert run(CPU_INPUT_SCRATCH_CLASSIFIER)["result"].shape == (4, 2)


# G1: each list item detached by index before it is read again in the same iteration.
ITEMS_DETACHED_BY_INDEX = """
    import torch

    def repackage(h):
        return h.detach()

    cell = torch.nn.RNNCell(3, 4)
    hidden = [torch.zeros(2, 4) for _ in range(2)]
    for step in range(3):
        for i in range(2):
            hidden[i] = repackage(hidden[i])
            out = cell(torch.randn(2, 3), hidden[i])
            hidden[i] = out
            out.sum().backward()
    """

# Neighbours where the item read may still carry the freed graph: no detach; a detach on one
# branch only; the list handed to a call between the store and the read; the index changed.
ITEMS_NOT_DETACHED = ITEMS_DETACHED_BY_INDEX.replace("            hidden[i] = repackage(hidden[i])\n", "")
ITEMS_DETACHED_ON_ONE_BRANCH = ITEMS_DETACHED_BY_INDEX.replace(
    "            hidden[i] = repackage(hidden[i])\n",
    "            if step % 2:\n                hidden[i] = repackage(hidden[i])\n",
)
ITEMS_REPLACED_BY_A_CALL = ITEMS_DETACHED_BY_INDEX.replace(
    "            out = cell(", "            hidden.reverse()\n            out = cell("
)
ITEMS_READ_AT_ANOTHER_INDEX = ITEMS_DETACHED_BY_INDEX.replace(
    "            out = cell(", "            i = 1 - i\n            out = cell("
)


def test_ptl201_items_detached_by_index() -> None:
    assert lines(ITEMS_DETACHED_BY_INDEX, "PTL201") == []


def test_ptl201_items_that_may_keep_the_graph_are_still_reported() -> None:
    assert lines(ITEMS_NOT_DETACHED, "PTL201") == [13]
    assert lines(ITEMS_DETACHED_ON_ONE_BRANCH, "PTL201") == [15]
    assert lines(ITEMS_REPLACED_BY_A_CALL, "PTL201") == [15]
    assert lines(ITEMS_READ_AT_ANOTHER_INDEX, "PTL201") == [15]


def test_items_detached_by_index_run_and_undetached_ones_raise() -> None:
    run(ITEMS_DETACHED_BY_INDEX)
    for source in (ITEMS_NOT_DETACHED, ITEMS_DETACHED_ON_ONE_BRANCH, ITEMS_REPLACED_BY_A_CALL):
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            run(source)


# G3: a model whose `__init__` freezes every parameter when its flag is False, built by a helper
# of another file of the project.
FROZEN_MODEL = """
    import torch


    class Features(torch.nn.Module):
        def __init__(self, requires_grad=False, width=4):
            super().__init__()
            self.first = torch.nn.Linear(3, width)
            self.second = torch.nn.Linear(width, 2)
            if not requires_grad:
                for param in self.parameters():
                    param.requires_grad = False

        def forward(self, x):
            a = torch.relu(self.first(x))
            return a, self.second(a)
    """
HELPER = """
    from frozen_nets import Features


    def prepare_model(device):
        model = Features(requires_grad={flag})
        return model.to(device).eval(), ["first", "second"]
    """
SHOW = """
    import torch

    import frozen_helpers

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    net, names = frozen_helpers.prepare_model(device)
    maps = net(torch.ones(1, 3, device=device))
    shown = [maps[i].to("cpu").numpy() for i in range(len(names))]
    """


# The helper picks one of two frozen classes: the joined model value has no single class.
HELPER_CHOOSING = """
    import os

    from frozen_nets import Features, Wider


    def prepare_model(device):
        name = os.environ.get("NET", "features")
        if name == "wider":
            model = Wider(requires_grad={flag})
        elif name == "features":
            model = Features(requires_grad={flag})
        else:
            raise ValueError(name)
        return model.to(device).eval(), ["first", "second"]
    """
WIDER = FROZEN_MODEL.replace("import torch\n", "").replace("Features", "Wider").replace("width=4", "width=8")


def frozen_project(folder: Path, flag: str, helper: str = HELPER) -> Path:
    model = FROZEN_MODEL + (WIDER if helper is HELPER_CHOOSING else "")
    files = {"frozen_nets.py": model, "frozen_helpers.py": helper.format(flag=flag), "show.py": SHOW}
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder / "show.py"


def project_lines(path: Path, code: str) -> list[int]:
    result = lint_source(path.read_text(), str(path), selection=Selection.of([code]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == code]


def test_ptl402_model_frozen_by_its_constructor_in_another_file(tmp_path: Path) -> None:
    assert project_lines(frozen_project(tmp_path, "False"), "PTL402") == []
    assert project_lines(frozen_project(tmp_path, "False", HELPER_CHOOSING), "PTL402") == []


def test_ptl402_model_not_frozen_is_still_reported(tmp_path: Path) -> None:
    assert project_lines(frozen_project(tmp_path, "True"), "PTL402") == [9]
    assert project_lines(frozen_project(tmp_path, "True", HELPER_CHOOSING), "PTL402") == [9]


def test_frozen_model_runs_and_trainable_one_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    for flag, fails, helper in (
        ("False", False, HELPER),
        ("True", True, HELPER),
        ("False", False, HELPER_CHOOSING),
        ("True", True, HELPER_CHOOSING),
    ):
        show = frozen_project(tmp_path, flag, helper)
        for name in ("frozen_nets", "frozen_helpers"):
            monkeypatch.delitem(sys.modules, name, raising=False)
        if fails:
            with pytest.raises(RuntimeError, match="requires grad"):
                run(show.read_text())
        else:
            assert len(run(show.read_text())["shown"]) == 2
