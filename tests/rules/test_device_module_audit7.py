"""PTL401, PTL301 and PTL501 on audit-7's findings (issue 11), and seen misses of the recall-4 set,
each with programs of our own, run under torch here.

G3: `.cuda()` of an empty `nn.Sequential` moves nothing; layers added later with `add_module`
stay on the CPU. G5: a module moved with an unconditional `.cuda()` applied to a tensor known to be
on the CPU raises the device mismatch (or `.cuda()` raises without CUDA): no CUDA output is ever
converted, so PTL401 is silent; no rule reports the mismatch itself. G6: the modules of a plain
dict put into a registered `nn.ModuleList(list(d.values()))` are registered. M1: a
`SummaryWriter` imported in `try:` with a fallback of the same name in `except ImportError:` is
torch's writer wherever tensorboard is installed. Recall: a parameter wrapped into a list of
itself when it is not one (`acts = [acts] * n`) still holds the callers' modules; `np.array` of a
list of rows converts the tensors inside each row.
"""

from __future__ import annotations

import contextlib
import io
import textwrap
from pathlib import Path

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection
from pt_lsp.runtime.fake_cuda import MISMATCH, NUMPY_ERROR, fake_cuda


def lines(source: str, code: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<audit7>", selection=Selection.of([code]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == code]


def run(source: str) -> dict[str, object]:
    namespace: dict[str, object] = {"__name__": "audit7"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(textwrap.dedent(source), "<audit7>", "exec"), namespace)
    return namespace


def raises_on_fake_cuda(source: str) -> str:
    """The error the program raises with CUDA available (fake-cuda), as `pt-lsp run` would see it."""
    with fake_cuda(), pytest.raises((RuntimeError, TypeError)) as raised:
        run(source)
    return str(raised.value)


# -- G3: an empty Sequential moved, then filled --------------------------------------------------
EMPTY_MOVED = """\
    import torch

    model = torch.nn.Sequential().{move}
    model.add_module("hidden", torch.nn.Linear(4, 3))
    model.add_module("out", torch.nn.Linear(3, 2))
    scores = model(torch.randn(5, 4)).data.numpy()
"""

FILLED_THEN_MOVED = """\
    import torch

    model = torch.nn.Sequential()
    model.add_module("hidden", torch.nn.Linear(4, 3))
    model = model.cuda()
    scores = model(torch.randn(5, 4).cuda()).data.numpy()
"""

BUILT_FULL_MOVED = """\
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(4, 3)).cuda()
    model.add_module("out", torch.nn.Linear(3, 2).cuda())
    scores = model(torch.randn(5, 4).cuda()).data.numpy()
"""


@pytest.mark.parametrize("move", ["cuda()", 'to("cuda")'])
def test_g3_layers_added_after_moving_an_empty_sequential_stay_on_the_cpu(move):
    source = EMPTY_MOVED.format(move=move)
    assert lines(source, "PTL401") == []
    with fake_cuda():
        assert run(source)["scores"].shape == (5, 2)  # a CPU tensor: `.numpy()` works


@pytest.mark.parametrize("source", [FILLED_THEN_MOVED, BUILT_FULL_MOVED])
def test_g3_a_sequential_moved_with_its_layers_is_still_reported(source):
    assert lines(source, "PTL401") == [6 if source is FILLED_THEN_MOVED else 5]
    assert NUMPY_ERROR in raises_on_fake_cuda(source)


# -- G5: a CUDA module applied to a CPU tensor ------------------------------------------------------
CUDA_NET = """\
    import numpy as np
    import torch

    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)).cuda()
    grid = torch.tensor(np.zeros((5, 2), dtype=np.float32)){move}
    Z = net(grid)
    Z = Z.data.numpy()
"""


def test_g5_a_cuda_module_given_a_cpu_tensor_raises_before_any_numpy():
    source = CUDA_NET.format(move="")
    assert lines(source, "PTL401") == []
    assert MISMATCH.rstrip("!") in raises_on_fake_cuda(source)  # at `net(grid)`, not at `.numpy()`


@pytest.mark.parametrize("move", [".cuda()", ".to('cuda')"])
def test_g5_the_same_module_given_a_cuda_tensor_is_reported(move):
    source = CUDA_NET.format(move=move)
    assert lines(source, "PTL401") == [7]
    assert NUMPY_ERROR in raises_on_fake_cuda(source)


def test_g5_an_input_of_unknown_device_keeps_the_module_s_device():
    source = """\
        import torch

        net = torch.nn.Linear(2, 1).cuda()

        def predict(batch):
            return net(batch).detach().numpy()

        predict(torch.zeros(4, 2).cuda())
    """
    assert lines(source, "PTL401") == [6]
    assert NUMPY_ERROR in raises_on_fake_cuda(source)


# -- G6: a dict of modules registered again through a ModuleList ----------------------------------
POSE = """\
    from collections import OrderedDict

    import torch
    from torch import nn


    class Pose(nn.Module):
        def __init__(self):
            super().__init__()
            self.convs = OrderedDict()
            self.convs["squeeze"] = nn.Conv2d(8, 4, 1)
            self.convs[("pose", 0)] = nn.Conv2d(4, 4, 3)
            {register}

        def forward(self, x):
            {forward}


    pose = Pose()
    count = len(list(pose.parameters()))
    out = pose(torch.randn(1, 8, 5, 5))
"""
LOOKUP = 'return self.convs[("pose", 0)](self.convs["squeeze"](x))'


@pytest.mark.parametrize(
    "register",
    [
        "self.net = nn.ModuleList(list(self.convs.values()))",
        "self.net = nn.ModuleList(self.convs.values())",
        "self.net = nn.Sequential(*self.convs.values())",
    ],
)
def test_g6_modules_of_a_dict_registered_through_a_container_are_not_reported(register):
    source = POSE.format(register=register, forward=LOOKUP)
    assert lines(source, "PTL301") == []
    assert run(source)["count"] == 4  # both convolutions' weight and bias


def test_g6_a_dict_handed_only_to_a_container_built_and_dropped_is_reported():
    source = POSE.format(
        register="self.names = list(self.convs.keys())", forward="return nn.Sequential(*self.convs.values())(x)"
    )
    assert lines(source, "PTL301") == [10]
    assert run(source)["count"] == 0  # the optimizer would see no parameter at all


# -- M1: a SummaryWriter imported with a fallback ---------------------------------------------------
# (not indented: the fallbacks below are spliced in as they are)
WRITER = """\
try:
    from torch.utils.tensorboard import SummaryWriter
except {caught}:
{fallback}


def main(logdir):
    writer = SummaryWriter(logdir)
    for step in range(3):
        writer.add_scalar("loss", 1.0 / (step + 1), step)
    {end}


if __name__ == "__main__":
    main(LOGDIR)
"""
FALLBACKS = [
    "    SummaryWriter = None",
    "\n    def SummaryWriter(*args):\n        return None",
    "    from tensorboardX import SummaryWriter",
]


def writer_program(fallback: str, end: str = "pass", caught: str = "ImportError") -> str:
    return WRITER.format(caught=caught, fallback=fallback, end=end)


@pytest.mark.parametrize("fallback", FALLBACKS)
@pytest.mark.parametrize("caught", ["ImportError", "(ImportError, ModuleNotFoundError)", "Exception"])
def test_m1_a_writer_imported_with_a_fallback_is_torch_s_writer(fallback, caught, tmp_path):
    source = writer_program(fallback, caught=caught)
    created = source.splitlines().index("    writer = SummaryWriter(logdir)") + 1
    assert lines(source, "PTL501") == [created]
    namespace = run(source.replace("main(LOGDIR)", "pass"))
    assert namespace["SummaryWriter"].__module__ == "torch.utils.tensorboard.writer"  # the import succeeded
    namespace["main"](str(tmp_path))  # and the program runs with it
    assert list(Path(tmp_path).glob("events.out.tfevents.*"))


@pytest.mark.parametrize("fallback", FALLBACKS)
def test_m1_a_closed_writer_imported_with_a_fallback_is_not_reported(fallback):
    assert lines(writer_program(fallback, end="writer.close()"), "PTL501") == []


def test_m1_a_name_rebound_after_the_try_is_not_torch_s_writer():
    source = writer_program(FALLBACKS[0]).replace(
        "\n\ndef main", "\n\nfrom mylogging import SummaryWriter  # noqa: F811\n\n\ndef main", 1
    )
    assert lines(source, "PTL501") == []


# -- recall: a parameter wrapped into a list of itself ---------------------------------------------
STACK = """\
    import torch
    from torch import nn


    class Stack(nn.Module):
        def __init__(self, width, depth, norms):
            super().__init__()
            if not isinstance(norms, (list, tuple)):
                norms = [norms] * depth
            self.norms = norms
            self.layers = nn.ModuleList([nn.Linear(width, width) for _ in range(depth)])

        def forward(self, x):
            for layer, norm in zip(self.layers, self.norms):
                x = norm(layer(x))
            return x


    model = Stack(4, 2, {norms})
    names = [name for name, _ in model.named_parameters()]
"""


@pytest.mark.parametrize("norms", ["[nn.LayerNorm(4), nn.LayerNorm(4)]", "nn.LayerNorm(4)"])
def test_recall_a_parameter_wrapped_into_a_list_of_itself_is_followed_to_the_callers(norms):
    source = STACK.format(norms=norms)
    assert lines(source, "PTL301") == [10]
    assert not any(name.startswith("norms") for name in run(source)["names"])  # never trained


@pytest.mark.parametrize(
    "norms, rebinding",
    [
        ("nn.ReLU()", "norms = [norms] * depth"),  # a parameter-free layer: nothing to register
        ("[nn.LayerNorm(4), nn.LayerNorm(4)]", "norms = nn.ModuleList(norms)"),  # registered
    ],
)
def test_recall_the_wrapped_parameter_s_neighbours_are_not_reported(norms, rebinding):
    source = STACK.format(norms=norms).replace("norms = [norms] * depth", rebinding)
    assert lines(source, "PTL301") == []


# -- recall: rows of a table converted by np.array -------------------------------------------------
ROWS = """\
    import numpy as np
    import torch

    net = torch.nn.Linear(6, 4).cuda()
    rows = []
    with torch.no_grad():
        for label in range(3):
            a, b = net(torch.rand(2, 6).cuda())
            score = torch.dot(a, b) / (a.norm() * b.norm())
            rows.append([score{item}, label])
    table = np.array(rows)
"""


def test_recall_np_array_of_rows_holding_cuda_tensors_is_reported():
    source = ROWS.format(item="")
    assert lines(source, "PTL401") == [11]
    assert NUMPY_ERROR in raises_on_fake_cuda(source)


def test_recall_np_array_of_rows_of_numbers_is_not_reported():
    source = ROWS.format(item=".item()")
    assert lines(source, "PTL401") == []
    with fake_cuda():
        assert run(source)["table"].shape == (3, 2)


# -- recall: a static method called on an instance gets no `self` ----------------------------------
RECORDER = """\
    import numpy as np
    import torch


    class Recorder:
        def __init__(self):
            self.rows = []

        @staticmethod
        def _as_array(value):
            if isinstance(value, torch.Tensor):
                return value{convert}.numpy()
            return np.asarray(value)

        def record(self, value):
            self.rows.append(self._as_array(value))


    layer = torch.nn.Linear(3, 2)
    recorder = Recorder()
    recorder.record([1.0, 2.0])
    recorder.record(layer(torch.ones(1, 3)))
"""


def test_recall_a_static_method_called_on_self_sees_the_tensor_passed():
    source = RECORDER.format(convert=".cpu()")
    assert lines(source, "PTL402") == [12]  # not line 13: a tensor never gets past the isinstance test
    with pytest.raises(RuntimeError, match="requires grad"):
        run(source)


def test_recall_a_static_helper_that_detaches_is_not_reported():
    source = RECORDER.format(convert=".detach().cpu()")
    assert lines(source, "PTL402") == []
    run(source)


def test_a_helper_s_fallback_after_an_isinstance_tensor_return_is_not_reached_by_a_tensor():
    source = """\
        import numpy as np
        import torch


        def to_numpy(x):
            if isinstance(x, torch.Tensor):
                return x.detach().cpu().numpy()
            return np.asarray(x)


        out = to_numpy(torch.ones(3, requires_grad=True).cuda() * 2)
    """
    assert lines(source, "PTL401") == [] and lines(source, "PTL402") == []
    with fake_cuda():
        assert run(source)["out"].shape == (3,)


# -- recall: NumPy's savers convert the arrays they write ------------------------------------------
SAVER = """\
    import os
    import tempfile

    import numpy as np
    import torch

    net = torch.nn.Linear(4, 2).cuda()
    with torch.no_grad():
        out = net(torch.rand(3, 4).cuda()){move}
    outputs = {{"logits": out, "probs": out.softmax(-1)}}
    folder = tempfile.mkdtemp()
    {save}
"""


@pytest.mark.parametrize(
    "save",
    [
        'np.save(os.path.join(folder, "out.npy"), out)',
        'np.savez(os.path.join(folder, "out.npz"), logits=out)',
        'np.savez_compressed(os.path.join(folder, "out.npz"), out, out)',
        'np.savez(os.path.join(folder, "out.npz"), **outputs)',
        'np.savetxt(os.path.join(folder, "out.txt"), out, fmt="%.3f")',
    ],
)
def test_recall_numpy_savers_of_cuda_tensors_are_reported(save):
    source = SAVER.format(move="", save=save)
    assert lines(source, "PTL401") == [12]
    assert NUMPY_ERROR in raises_on_fake_cuda(source)


@pytest.mark.parametrize(
    "save",
    [
        'np.save(os.path.join(folder, "out.npy"), out)',
        'np.savez(os.path.join(folder, "out.npz"), **outputs)',
        'np.savez(os.path.join(folder, "out.npz"), **{k: v.cpu() for k, v in outputs.items()})',
    ],
)
def test_recall_numpy_savers_of_cpu_tensors_are_not_reported(save):
    source = SAVER.format(move=".cpu()" if "items()" not in save else "", save=save)
    assert lines(source, "PTL401") == []
    with fake_cuda():
        run(source)
