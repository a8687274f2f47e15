"""Session 15 (H-401): PTL401-404 facts from our own programs rebuilt from real reports and from
audit-17's false alarm G2. Every program is ours; each reported one fails under torch 2.13 at the
marked line, run here (under fake-cuda where it needs CUDA); each silent one runs cleanly.

- A with-item ``A and B`` / ``A or B`` / ``A if c else B`` enters one of its operands: grad is off
  in the block when one of them may be ``torch.no_grad()`` (audit-17 G2:
  ``with np.errstate(...) and torch.no_grad():``, the ``and`` yields the no_grad object).
- NumPy's comparisons of two arrays (``np.allclose(enc.weight[i], enc.weight[j])``: fastai
  course-nlp#47) and ``np.unravel_index(idx[best], shape)`` (DCFNet_pytorch#23) convert their
  tensors; so do SciPy's numeric functions (``scipy.stats.pareto.logpdf(x, alpha)``: pytorch#93677).
- matplotlib's object interface: the plotting methods of axes made by ``plt.subplots`` /
  ``plt.gca()`` / ``fig.add_subplot`` convert as ``plt.plot`` does (yolov5#4042's
  ``ax[i].imshow(blocks[i])``), and a patch's corners are turned into an array when it is added
  (``plt.Rectangle((box[0], box[1]), w, h)`` of a CUDA detection: Faster-R-CNN-with-model-
  pretrained-on-Visual-Genome#19).
- Iterating an ``nn.Sequential`` gives its layers (``for m in self.model: x = m(x)``, yolov5's
  forward_once), as iterating an ``nn.ModuleList`` does.
- ``OrderedDict([("loss", loss), ...])`` is a dict of known keys (SO-Net#41's current errors), and
  a row built by a comprehension (``[[errors[k] for k in legend]]``) holds its tensors.
- A memory map opened read-only (``mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)``) is a
  buffer torch cannot write through: ``torch.frombuffer`` of it (safetensors#32) is PTL404.
- torch layers without parameters give a tensor that requires grad only through their inputs:
  ``nn.CosineSimilarity`` of detached rows (audit-18 G4), also called as a function's argument on
  features extracted under ``no_grad`` (audit-18 G3), paddings, ``nn.PairwiseDistance``...
- Builtin ``abs(t)`` of a tensor is a tensor (``Tensor.__abs__``): same device, same graph (audit-18 M4: ``priority = abs(td_error) + 0.01; priority.detach().numpy()``).
- A function of another project file that only picks a device (``def init_device(): if
  torch.cuda.is_available(): return torch.device("cuda")``; ``return torch.device("cpu")``)
  returns that device where a file imports and calls it (audit-16 M1).

matplotlib and SciPy are not installed here: stand-in modules convert with ``np.asarray`` /
``np.array`` where the real ones do (from the reported tracebacks), so each error is torch's own.
"""

from __future__ import annotations

import sys
import textwrap
import types

import numpy as np
import pytest
from program_helpers import failing_line, run_strictly
from rules_helpers import found, marked
from test_session13_numpy_interop import check, run_file, write

# -- with-items that evaluate to torch.no_grad() ---------------------------------------------
NO_GRAD_ITEMS = {
    "errstate and no_grad (audit-17 G2)": """\
    import numpy as np
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
    with np.errstate(invalid="ignore") and torch.no_grad():
        xs = torch.linspace(0.0, 1.0, 5).reshape(-1, 1)
        ys = model(xs).squeeze().numpy()
    print(ys.shape)
""",
    "a context or no_grad": """\
    import torch
    import torch.nn as nn

    model = nn.Linear(3, 1)
    ctx = None
    with ctx or torch.no_grad():
        out = model(torch.randn(2, 3)).numpy()
    print(out.shape)
""",
    "no_grad if evaluating else nullcontext": """\
    import contextlib
    import torch
    import torch.nn as nn

    model = nn.Linear(3, 1)
    evaluating = True
    with torch.no_grad() if evaluating else contextlib.nullcontext():
        out = model(torch.randn(2, 3)).numpy()
    print(out.shape)
""",
}


@pytest.mark.parametrize("program", NO_GRAD_ITEMS.values(), ids=NO_GRAD_ITEMS.keys())
def test_a_with_item_that_may_be_no_grad_is_silent(program: str) -> None:
    """torch ran each: the block entered the no_grad object, ``.numpy()`` worked."""
    run_strictly(program)
    assert found(program, "PTL402") == {}


GRAD_ON_ITEMS = {
    "errstate only": """\
    import numpy as np
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
    with np.errstate(invalid="ignore"):
        xs = torch.linspace(0.0, 1.0, 5).reshape(-1, 1)
        ys = model(xs).squeeze().numpy()  # fails
    print(ys.shape)
""",
    "errstate and enable_grad": """\
    import numpy as np
    import torch
    import torch.nn as nn

    model = nn.Linear(3, 1)
    with np.errstate(all="ignore") and torch.enable_grad():
        out = model(torch.randn(2, 3)).numpy()  # fails
    print(out.shape)
""",
    "enable_grad if training else enable_grad": """\
    import torch
    import torch.nn as nn

    model = nn.Linear(3, 1)
    training = False
    with torch.no_grad():
        with torch.enable_grad() if training else torch.set_grad_enabled(True):
            out = model(torch.randn(2, 3)).numpy()  # fails
    print(out.shape)
""",
}


@pytest.mark.parametrize("program", GRAD_ON_ITEMS.values(), ids=GRAD_ON_ITEMS.keys())
def test_a_with_item_that_keeps_grad_on_is_reported(program: str) -> None:
    line = failing_line(program, RuntimeError, "requires grad")
    assert line == marked(program)
    assert found(program, "PTL402") == {line: ["PTL402"]}


# -- stand-ins for matplotlib and SciPy --------------------------------------------------------
class _Axes:
    def plot(self, *data, **options):
        for d in data:
            np.asarray(d)

    imshow = hist = scatter = plot

    def add_patch(self, patch):
        np.array(patch.extents)  # matplotlib's Bbox.from_extents


class _Figure:
    def add_subplot(self, *args):
        return _Axes()


class _Rectangle:
    def __init__(self, xy, width, height, **options):
        self.extents = [xy[0], xy[1], xy[0] + width, xy[1] + height]


class _Circle:
    def __init__(self, xy, radius, **options):
        self.extents = [xy[0] - radius, xy[1] - radius, xy[0] + radius, xy[1] + radius]


def _subplots(rows=1, cols=1, **options):
    count = rows * cols
    return _Figure(), _Axes() if count == 1 else [_Axes() for _ in range(count)]


def _stand_ins(monkeypatch) -> None:
    matplotlib = types.ModuleType("matplotlib")
    pyplot = types.ModuleType("matplotlib.pyplot")
    patches = types.ModuleType("matplotlib.patches")
    pyplot.subplots, pyplot.figure, pyplot.gca = _subplots, _Figure, _Axes
    pyplot.plot = pyplot.imshow = _Axes().plot
    pyplot.Rectangle = patches.Rectangle = _Rectangle
    patches.Circle = _Circle
    matplotlib.pyplot, matplotlib.patches = pyplot, patches
    scipy = types.ModuleType("scipy")
    stats = types.ModuleType("scipy.stats")
    special = types.ModuleType("scipy.special")

    class _Pareto:
        def logpdf(self, x, b, scale=1.0):
            x, b, scale = np.asarray(x), np.asarray(b), np.asarray(scale)
            return np.log(b) + b * np.log(scale) - (b + 1) * np.log(x)

    stats.pareto = _Pareto()
    special.expit = lambda x: 1 / (1 + np.exp(-np.asarray(x)))
    scipy.stats, scipy.special = stats, special
    for name, module in {
        "matplotlib": matplotlib,
        "matplotlib.pyplot": pyplot,
        "matplotlib.patches": patches,
        "scipy": scipy,
        "scipy.stats": stats,
        "scipy.special": special,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)


# -- conversions: NumPy comparisons, unravel_index, SciPy, axes, patches -----------------------
# Each program raises at its marked line; with `{fix}` (`.detach()` / `.cpu()`) it runs.
GRAD_CONVERSIONS = {
    "np.allclose of two embedding rows (course-nlp#47)": """\
    import numpy as np
    import torch.nn as nn


    class Encoder(nn.Module):
        def __init__(self, vocab, dim):
            super().__init__()
            self.encoder = nn.Embedding(vocab, dim)


    model = nn.Sequential(Encoder(4, 3), nn.Linear(3, 4))
    enc = model[0].encoder
    stoi = dict(a=1, b=2)
    print(np.allclose(enc.weight[stoi["a"], :]{fix}, enc.weight[stoi["b"], :]{fix}))  # fails
""",
    "np.isclose of a prediction in a check helper": """\
    import numpy as np
    import torch
    import torch.nn as nn


    def check(model, x, expected):
        pred = model(x)
        return np.isclose(pred{fix}, expected, atol=0.1).all()  # fails


    check(nn.Linear(3, 1), torch.randn(4, 3), np.zeros((4, 1)))
""",
    "scipy.stats logpdf of a parameter (pytorch#93677)": """\
    import scipy.stats
    import torch
    from torch.distributions import Pareto

    scale = torch.rand(3) + 0.5
    alpha = (torch.rand(3) + 1.0).requires_grad_()
    x = Pareto(scale, alpha).sample()
    expected = scipy.stats.pareto.logpdf(x, alpha{fix}, scale=scale)  # fails
""",
    "scipy.special.expit of a model's logits": """\
    import torch
    import torch.nn as nn
    from scipy.special import expit

    logits = nn.Linear(5, 2)(torch.randn(3, 5))
    probs = expit(logits{fix})  # fails
""",
    "ax[i].imshow of a layer's chunks in forward over an nn.Sequential (yolov5#4042)": """\
    import matplotlib.pyplot as plt
    import torch
    import torch.nn as nn


    def feature_visualization(x, n=2):
        blocks = torch.chunk(x[0], x.shape[1], dim=0)
        fig, ax = plt.subplots(n, 1)
        for i in range(n):
            ax[i].imshow(blocks[i].squeeze(){fix})  # fails


    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.model = nn.Sequential(nn.Conv2d(3, 4, 3, 2, 1), nn.SiLU())

        def forward(self, x):
            for m in self.model:
                x = m(x)
                feature_visualization(x)
            return x


    Model()(torch.zeros(1, 3, 8, 8))
""",
    "the second axes of plt.subplots(1, 2) plots a loss list": """\
    import matplotlib.pyplot as plt
    import torch
    import torch.nn as nn

    model = nn.Linear(2, 1)
    losses = []
    for _ in range(3):
        losses.append(model(torch.randn(4, 2)).pow(2).mean(){fix})
    fig, (ax1, ax2) = plt.subplots(1, 2)
    ax2.plot(losses)  # fails
""",
    "fig.add_subplot(111).hist of a weight": """\
    import matplotlib.pyplot as plt
    import torch.nn as nn

    layer = nn.Linear(6, 6)
    fig = plt.figure()
    ax = fig.add_subplot(111)
    ax.hist(layer.weight.flatten(){fix})  # fails
""",
    "a Circle patch at a predicted point": """\
    import matplotlib.patches as patches
    import matplotlib.pyplot as plt
    import torch
    import torch.nn as nn

    head = nn.Linear(4, 2)
    point = head(torch.randn(1, 4))[0]
    circle = patches.Circle((point[0]{fix}, point[1]{fix}), 0.5)
    plt.gca().add_patch(circle)  # fails
""",
}


@pytest.mark.parametrize("program", GRAD_CONVERSIONS.values(), ids=GRAD_CONVERSIONS.keys())
def test_a_tensor_that_requires_grad_converted_by_these_is_reported(program: str, monkeypatch) -> None:
    _stand_ins(monkeypatch)
    bad = program.format(fix="")
    line = failing_line(bad, RuntimeError, "requires grad")
    assert line == marked(bad)
    reported = found(bad, "PTL402")
    assert list(reported.values()) == [["PTL402"]]
    # the Circle is reported where it is made, the conversion's source line
    assert set(reported) == {line} or "Circle" in bad


@pytest.mark.parametrize("program", GRAD_CONVERSIONS.values(), ids=GRAD_CONVERSIONS.keys())
def test_the_detached_tensor_is_silent(program: str, monkeypatch) -> None:
    _stand_ins(monkeypatch)
    fixed = program.format(fix=".detach()")
    run_strictly(fixed)
    assert found(fixed, "PTL401", "PTL402") == {}


CUDA_CONVERSIONS = {
    "np.unravel_index of a CUDA argmax (DCFNet_pytorch#23)": """\
    import numpy as np
    import torch
    import torch.nn as nn

    net = nn.Conv2d(3, 1, 3, padding=1).cuda()
    with torch.no_grad():
        response = net(torch.randn(3, 3, 4, 4).cuda())
    peak, idx = torch.max(response.view(3, -1), 1)
    best = np.argmax(peak.cpu().numpy())
    r, c = np.unravel_index(idx[best]{fix}, (4, 4))  # fails
""",
    "plt.Rectangle of a CUDA box added to the axes (Faster-R-CNN VG#19)": """\
    import matplotlib.pyplot as plt
    import torch

    boxes = torch.rand(2, 4).cuda() * 10
    for i in range(boxes.shape[0]):
        bbox = boxes[i]
        rect = plt.Rectangle((bbox[0]{fix}, bbox[1]{fix}), 3, 4)  # fails
        plt.gca().add_patch(rect)
""",
    "np.array of OrderedDict errors rows (SO-Net#41)": """\
    from collections import OrderedDict

    import numpy as np
    import torch

    loss = torch.ones(3, device="cuda").sum()
    errors = OrderedDict([("train_loss", loss{fix}), ("accuracy", loss{fix} / 3)])
    legend = list(errors.keys())
    rows = [[errors[k] for k in legend]]
    print(np.array(rows))  # fails
""",
    "dict of pairs averaged with np.mean": """\
    import numpy as np
    import torch

    scores = torch.rand(4, device="cuda")
    summary = dict([("best", scores.max(){fix}), ("worst", scores.min(){fix})])
    print(np.mean([summary["best"], summary["worst"]]))  # fails
""",
}


@pytest.mark.parametrize("program", CUDA_CONVERSIONS.values(), ids=CUDA_CONVERSIONS.keys())
def test_a_cuda_tensor_converted_by_these_is_reported(program: str, monkeypatch) -> None:
    _stand_ins(monkeypatch)
    bad = program.format(fix="")
    line = failing_line(bad, TypeError, "can't convert cuda", cuda=True)
    if "Rectangle" in bad:
        line = marked(bad)  # raised by add_patch on the next line; reported where the box goes in
    assert line == marked(bad)
    assert found(bad, "PTL401") == {line: ["PTL401"]}


@pytest.mark.parametrize("program", CUDA_CONVERSIONS.values(), ids=CUDA_CONVERSIONS.keys())
def test_the_tensor_moved_to_the_cpu_is_silent(program: str, monkeypatch) -> None:
    _stand_ins(monkeypatch)
    fixed = program.format(fix=".cpu()")
    run_strictly(fixed, cuda=True)
    assert found(fixed, "PTL401") == {}


NOT_AXES = {
    "a logger's own plot method": """\
    import matplotlib.pyplot as plt
    import torch.nn as nn


    class Logger:
        def plot(self, values):
            self.values = values


    layer = nn.Linear(3, 3)
    logger = Logger()
    logger.plot(layer.weight)
""",
    "a parameter named ax": """\
    import matplotlib.pyplot as plt
    import torch.nn as nn


    class Board:
        def imshow(self, t):
            self.t = t


    def show(ax, layer):
        ax.imshow(layer.weight)


    show(Board(), nn.Linear(3, 3))
""",
    "a name bound to axes and to something else": """\
    import matplotlib.pyplot as plt
    import torch.nn as nn


    class Board:
        def imshow(self, t):
            self.t = t


    layer = nn.Linear(3, 3)
    ax = plt.gca()
    ax = Board()
    ax.imshow(layer.weight)
""",
}


@pytest.mark.parametrize("program", NOT_AXES.values(), ids=NOT_AXES.keys())
def test_a_plot_method_of_something_not_proven_axes_is_silent(program: str, monkeypatch) -> None:
    """Each runs: the method is the program's own and keeps the tensor."""
    _stand_ins(monkeypatch)
    run_strictly(program)
    assert found(program, "PTL402") == {}


# -- a device picked by a function of another project file (audit-16 M1) ----------------------
DEVICE_PICKERS = {
    "if/return form (audit-16 M1)": """\
    import torch


    def init_device():
        '''The device to train on.'''
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("cpu")
""",
    "one return of a conditional expression": """\
    import torch


    def get_device():
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
""",
}
PICKER_MAIN = """\
    import numpy as np
    import torch
    from common import {name}


    def grad_norms(w, device):
        x = torch.randn(4, 3, device=device) @ w
        (g,) = torch.autograd.grad(x.pow(2).sum(), [w])
        return [row.norm() for row in g]


    device = {name}()
    w = torch.randn(3, 2, device=device, requires_grad=True)
    norms = grad_norms(w, device)
    print(np.asarray([n{fix} for n in norms], dtype=float))  # fails
"""


@pytest.mark.parametrize("picker", DEVICE_PICKERS.values(), ids=DEVICE_PICKERS.keys())
def test_a_device_picked_by_a_function_of_another_file_is_read(tmp_path, picker) -> None:
    name = "init_device" if "init_device" in picker else "get_device"
    write(tmp_path, {"common.py": picker})
    main = PICKER_MAIN.replace("{name}", name)
    bad = tmp_path / "main.py"
    bad.write_text(textwrap.dedent(main.format(fix="")))
    with pytest.raises(TypeError, match="can't convert cuda"):
        run_file(bad)
    assert check(bad) == {marked(main.format(fix="")): ["PTL401"]}
    fixed = tmp_path / "fixed.py"
    fixed.write_text(textwrap.dedent(main.format(fix=".cpu()")))
    run_file(fixed)
    assert check(fixed) == {}


def test_a_cpu_picker_or_one_reading_its_parameter_is_silent(tmp_path) -> None:
    """Both run on fake CUDA: the CPU is picked, and `pick(False)` picks the CPU too."""
    write(
        tmp_path,
        {
            "common.py": "import torch\n\n\ndef cpu_device():\n    return torch.device('cpu')\n\n\n"
            "def pick(use_cuda):\n    if use_cuda:\n        return torch.device('cuda')\n"
            "    return torch.device('cpu')\n"
        },
    )
    main = tmp_path / "main.py"
    main.write_text(
        "import torch\nfrom common import cpu_device, pick\n\n"
        "print(torch.ones(2).to(cpu_device()).numpy())\nprint(torch.ones(2).to(pick(False)).numpy())\n"
    )
    run_file(main)
    assert check(main) == {}


# -- torch.frombuffer of a memory map opened read-only (safetensors#32) ------------------------
MAPPED = """\
    import mmap
    import os
    import tempfile

    import torch


    def load(filename, shapes):
        result, offset = {{}}, 0
        with open(filename, "{mode}") as f:
            mapped = mmap.mmap(f.fileno(), 0{access})
            for name, count in shapes.items():
                result[name] = torch.frombuffer({buffer}, dtype=torch.float32, count=count, offset=offset)  # fails
                offset += 4 * count
        return result


    path = os.path.join(tempfile.mkdtemp(), "weights.bin")
    with open(path, "wb") as f:
        f.write(torch.ones(5).numpy().tobytes())
    print(load(path, {{"w": 3, "b": 2}})["w"].sum())
"""


def test_frombuffer_of_a_read_only_memory_map_is_reported() -> None:
    bad = MAPPED.format(mode="rb", access=", access=mmap.ACCESS_READ", buffer="mapped")
    line = failing_line(bad, UserWarning, "buffer is not writable")
    assert line == marked(bad)
    assert found(bad, "PTL404") == {line: ["PTL404"]}


@pytest.mark.parametrize(
    ("mode", "access", "buffer"),
    [("rb", ", access=mmap.ACCESS_READ", "bytearray(mapped)"), ("r+b", "", "mapped")],
    ids=["copied into a bytearray", "a writable map"],
)
def test_a_copied_or_writable_memory_map_is_silent(mode: str, access: str, buffer: str) -> None:
    program = MAPPED.format(mode=mode, access=access, buffer=buffer)
    run_strictly(program)
    assert found(program, "PTL404") == {}


# -- torch layers without parameters (audit-18 G3, G4) ----------------------------------------
PARAMETER_FREE_LAYERS = {
    "nn.CosineSimilarity of detached rows (audit-18 G4)": """\
    import torch
    from torch import nn

    model = nn.Linear(6, 4)
    cos = nn.CosineSimilarity(dim=0, eps=1e-6)
    emb_1, emb_2 = model(torch.randn(3, 6)), model(torch.randn(3, 6))
    scores = [cos(emb_1[i]{fix}, emb_2[i]{fix}).numpy() for i in range(3)]  # fails
""",
    "a similarity module passed as an argument (audit-18 G3)": """\
    import torch
    from torch import nn


    def verify(unknown, known, model, similarity):
        unknown_feats, known_feats = [], []
        for i in range(0, unknown.shape[0], 2):
            unknown_feats.append(model(unknown[i : i + 2]){fix})
        for i in range(0, known.shape[0], 2):
            known_feats.append(model(known[i : i + 2]){fix})
        unknown_feats = torch.cat(unknown_feats, dim=0)
        known_feats = torch.cat(known_feats, dim=0)
        values = torch.stack([similarity(unknown_feats, k) for k in known_feats])
        best, pred = values.max(0)
        return best.cpu().numpy()  # fails


    net = nn.Sequential(nn.Linear(6, 4))
    print(verify(torch.randn(4, 6), torch.randn(4, 6), net, nn.CosineSimilarity(dim=1)))
""",
    "nn.PairwiseDistance after a padding layer": """\
    import torch
    from torch import nn

    pad = nn.ZeroPad2d(1)
    dist = nn.PairwiseDistance()
    w = torch.randn(2, 1, 2, 2, requires_grad=True)
    x = pad(w{fix}).flatten(1)
    print(dist(x, torch.zeros_like(x)).numpy())  # fails
""",
}


@pytest.mark.parametrize("program", PARAMETER_FREE_LAYERS.values(), ids=PARAMETER_FREE_LAYERS.keys())
def test_a_parameter_free_layer_of_inputs_that_require_grad_is_reported(program: str) -> None:
    bad = program.format(fix="")
    line = failing_line(bad, RuntimeError, "requires grad")
    assert line == marked(bad)
    assert found(bad, "PTL402") == {line: ["PTL402"]}


@pytest.mark.parametrize("program", PARAMETER_FREE_LAYERS.values(), ids=PARAMETER_FREE_LAYERS.keys())
def test_a_parameter_free_layer_of_detached_inputs_is_silent(program: str) -> None:
    """torch ran each: the layer has no parameters and its inputs do not require grad."""
    fixed = program.format(fix=".detach()")
    run_strictly(fixed)
    assert found(fixed, "PTL401", "PTL402") == {}


# -- builtin abs() of a tensor (audit-18 M4) ----------------------------------------
BUILTIN_OF_TENSOR = {
    "abs of TD errors (audit-18 M4)": """\
    import torch
    from torch import nn

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    q = nn.Linear(4, 2).to(device)
    states = torch.randn(8, 4).to(device)
    td_error = torch.randn(8, 1).to(device) - q(states).gather(1, torch.zeros(8, 1, dtype=torch.long).to(device))
    priority = abs(td_error) + 0.01
    priorities = priority.detach(){fix}.numpy()  # fails
""",
    "abs of a difference in a helper": """\
    import torch


    def gap(pred, target):
        return abs(pred - target).mean(0)


    pred = torch.rand(5, 2).cuda()
    print(gap(pred, torch.zeros(5, 2, device="cuda")){fix}.numpy())  # fails
""",
}


@pytest.mark.parametrize("program", BUILTIN_OF_TENSOR.values(), ids=BUILTIN_OF_TENSOR.keys())
def test_a_builtin_abs_of_a_cuda_tensor_is_reported(program: str) -> None:
    bad = program.format(fix="")
    line = failing_line(bad, TypeError, "can't convert cuda", cuda=True)
    assert line == marked(bad)
    assert found(bad, "PTL401") == {line: ["PTL401"]}


@pytest.mark.parametrize("program", BUILTIN_OF_TENSOR.values(), ids=BUILTIN_OF_TENSOR.keys())
def test_a_builtin_abs_moved_to_the_cpu_is_silent(program: str) -> None:
    fixed = program.format(fix=".cpu()")
    run_strictly(fixed, cuda=True)
    assert found(fixed, "PTL401") == {}


def test_abs_of_a_python_number_is_not_a_tensor() -> None:
    """Runs: `loss.item()` is a float, and so is its abs()."""
    program = """\
    import numpy as np
    import torch

    loss = torch.randn(3, device="cuda").sum()
    print(np.log(abs(loss.item()) + 1.0))
"""
    run_strictly(program, cuda=True)
    assert found(program, "PTL401") == {}
