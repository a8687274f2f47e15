"""PTL202, PTL302 and PTL404 on facts their real misses needed (issue 11): each program of ours is
reported on the line marked ``# here`` and shows its defect under torch 2.13 on the CPU (the program
asserts it, or warns "The given NumPy array is not writable"); each silent neighbour runs fine
under torch and draws no finding."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection


def lines(source: str, code: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<weak>", selection=Selection.of([code]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == code]


def marked(source: str) -> list[int]:
    return [i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if line.endswith("# here")]


def execute(source: str, *options: str) -> subprocess.CompletedProcess[str]:
    """``source`` run under torch in a fresh interpreter (a dataclass needs a real module, and
    torch warns once per process)."""
    pytest.importorskip("torch")
    command = [sys.executable, *options, "-c", textwrap.dedent(source)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def run(source: str, *, not_writable: bool) -> None:
    """Run ``source`` under torch in a fresh interpreter (torch warns once per process) with
    warnings as errors: it fails on "The given NumPy array is not writable" exactly when
    ``not_writable``."""
    done = execute(source, "-W", "error::UserWarning")
    assert ("not writable" in done.stderr) is not_writable, done.stderr[-2000:]
    assert (done.returncode != 0) is not_writable, done.stderr[-2000:]


# -- PTL302: a torch factory chosen by name --------------------------------------------------------
WINDOW_BY_NAME = """\
    import torch
    from torch import nn


    class Spectrogram(nn.Module):
        def __init__(self, n_fft=64, kind="hann_window"):
            super().__init__()
            self.n_fft = n_fft
            self.taper = getattr(torch, kind)(n_fft)  # here

        def forward(self, x):
            return torch.stft(x, self.n_fft, window=self.taper, return_complex=True).abs()


    class Bank(nn.Module):
        def __init__(self, sizes=(64, 32), kind="blackman_window"):
            super().__init__()
            self.heads = nn.ModuleList([Spectrogram(n, kind) for n in sizes])

        def forward(self, x):
            return sum(h(x).mean() for h in self.heads)


    bank = Bank()
    bank(torch.randn(256))
    assert not any("taper" in key for key in bank.state_dict())  # not saved, not moved by .to()
    assert bank.double().heads[0].taper.dtype == torch.float32  # not cast with the module either
"""

WINDOW_BY_NAME_REGISTERED = """\
    import torch
    from torch import nn


    class Spectrogram(nn.Module):
        def __init__(self, n_fft=64, kind="hann_window", act="relu"):
            super().__init__()
            self.n_fft = n_fft
            self.register_buffer("taper", getattr(torch, kind)(n_fft), persistent=False)
            self.act = getattr(torch, act)  # a function, not a tensor

        def forward(self, x):
            return self.act(torch.stft(x, self.n_fft, window=self.taper, return_complex=True).abs())


    spec = Spectrogram(32, "hamming_window")
    spec(torch.randn(128))
    assert spec.double().taper.dtype == torch.float64
"""

WINDOW_BY_UNKNOWN_NAME = """\
    import sys

    import torch
    from torch import nn


    class Scaler(nn.Module):
        def __init__(self, n=4, how="ones"):
            super().__init__()
            self.w = getattr(torch, how)(n)

        def forward(self, x):
            return x * self.w


    Scaler(4, sys.argv[0][:0] or "ones")(torch.ones(4))
"""


def test_a_window_chosen_by_name_through_an_enclosing_constructor_is_a_plain_tensor() -> None:
    assert lines(WINDOW_BY_NAME, "PTL302") == marked(WINDOW_BY_NAME)
    pytest.importorskip("torch")
    exec(compile(textwrap.dedent(WINDOW_BY_NAME), "<weak>", "exec"), {"__name__": "weak"})


@pytest.mark.parametrize("source", [WINDOW_BY_NAME_REGISTERED, WINDOW_BY_UNKNOWN_NAME])
def test_a_registered_window_or_a_name_the_file_does_not_fix_stays_silent_and_runs(source: str) -> None:
    assert lines(source, "PTL302") == []
    pytest.importorskip("torch")
    exec(compile(textwrap.dedent(source), "<weak>", "exec"), {"__name__": "weak"})


# -- PTL302: a move that runs only when an argument no instantiation gives is given ----------------
MOVED_ONLY_WHEN_GIVEN = """\
    import numpy as np
    import torch
    from torch import nn


    def ramp(n):
        return np.linspace(0.0, 1.0, n * n, dtype=np.float32).reshape(n, n)


    class Mixer(nn.Module):
        def __init__(self, n=4, shaped=True, device=None):
            super().__init__()
            if shaped:
                self.table = torch.tensor(ramp(n)).unsqueeze(0)  # here
            if shaped and device is not None:
                self.table = self.table.to(device)

        def forward(self, x):
            return torch.matmul(self.table, x)


    mixer = Mixer(4)
    mixer(torch.randn(4, 2))
    assert "table" not in mixer.state_dict()
    assert mixer.double().table.dtype == torch.float32
"""

MOVED_WHEN_GIVEN_AND_GIVEN = MOVED_ONLY_WHEN_GIVEN.replace("Mixer(4)", 'Mixer(4, device="cpu")').replace("  # here", "")


def test_an_attribute_moved_only_under_a_device_no_instantiation_gives_is_reported() -> None:
    assert lines(MOVED_ONLY_WHEN_GIVEN, "PTL302") == marked(MOVED_ONLY_WHEN_GIVEN)
    pytest.importorskip("torch")
    exec(compile(textwrap.dedent(MOVED_ONLY_WHEN_GIVEN), "<weak>", "exec"), {"__name__": "weak"})


def test_an_attribute_placed_where_an_instantiation_gives_the_device_stays_silent() -> None:
    source = MOVED_WHEN_GIVEN_AND_GIVEN.replace(
        'assert "table" not in mixer.state_dict()\n', "assert mixer.table.device.type == 'cpu'\n"
    ).replace("    assert mixer.double().table.dtype == torch.float32\n", "")
    assert lines(source, "PTL302") == []
    pytest.importorskip("torch")
    exec(compile(textwrap.dedent(source), "<weak>", "exec"), {"__name__": "weak"})


# -- PTL404: `torch.as_tensor(a, device=...)` on the CPU wraps the array too ------------------------
AS_TENSOR_ON_CPU = """\
    import numpy as np
    import torch


    def restore(payload, device="cpu"):
        values = np.frombuffer(payload, dtype=np.float32)
        return torch.as_tensor(values, device=device)  # here


    weights = restore(np.arange(6, dtype=np.float32).tobytes())
"""

AS_TENSOR_OF_A_COPY = AS_TENSOR_ON_CPU.replace("as_tensor(values,", "as_tensor(values.copy(),").replace("  # here", "")


def test_as_tensor_with_a_cpu_device_of_a_read_only_array_is_reported_and_warns() -> None:
    assert lines(AS_TENSOR_ON_CPU, "PTL404") == marked(AS_TENSOR_ON_CPU)
    run(AS_TENSOR_ON_CPU, not_writable=True)


def test_as_tensor_with_a_cpu_device_of_a_copy_stays_silent() -> None:
    assert lines(AS_TENSOR_OF_A_COPY, "PTL404") == []
    run(AS_TENSOR_OF_A_COPY, not_writable=False)


# -- PTL404: a read-only memory map returned by a method of objects kept in a list -----------------
MAPPED_FIELDS = """\
    import os
    import numpy as np
    import torch


    class Field:
        def __init__(self, path):
            self.path = path

        def window(self, start, stop):
            mapped = np.load(self.path, mmap_mode="r")
            return mapped[start:stop, :2]


    fields = []
    for name in ("temperature", "pressure"):
        path = os.path.join(ROOT, name + ".npy")
        np.save(path, np.ones((5, 3), dtype=np.float32))
        fields.append(Field(path))
    for field in fields:
        tensor = torch.from_numpy(field.window(1, 3))  # here
"""


def _in_temporary_folder(source: str) -> str:
    return f"ROOT = {tempfile.mkdtemp()!r}\n" + textwrap.dedent(source)


def test_a_read_only_memory_map_sliced_by_a_method_of_listed_objects_is_reported_and_warns() -> None:
    assert lines(MAPPED_FIELDS, "PTL404") == marked(MAPPED_FIELDS)
    run(_in_temporary_folder(MAPPED_FIELDS), not_writable=True)


def test_a_copy_on_write_memory_map_stays_silent() -> None:
    source = MAPPED_FIELDS.replace('mmap_mode="r"', 'mmap_mode="c"').replace("  # here", "")
    assert lines(source, "PTL404") == []
    run(_in_temporary_folder(source), not_writable=False)


# -- PTL404: a DataLoader calls its dataset's `__getitem__` / `__iter__` -----------------------------
PIL_DATASET = """\
    import numpy as np
    import torch
    from PIL import Image


    class ChannelsFirst:
        def __call__(self, array):
            return torch.from_numpy(array.transpose((2, 0, 1)))  # here


    class Thumbnails(torch.utils.data.Dataset):
        def __init__(self, pixels, prepare):
            self.pixels = pixels
            self.prepare = prepare

        def __len__(self):
            return len(self.pixels)

        def __getitem__(self, i):
            picture = Image.fromarray(self.pixels[i]).convert("L").convert("RGB")
            return self.prepare(np.asarray(picture))


    pixels = [np.full((6, 6, 3), 40 * k, dtype=np.uint8) for k in range(4)]
    for batch in torch.utils.data.DataLoader(Thumbnails(pixels, ChannelsFirst()), batch_size=2):
        assert batch.shape == (2, 3, 6, 6)
"""

PIL_DATASET_COPIED = PIL_DATASET.replace("np.asarray(picture)", "np.array(picture)").replace("  # here", "")

BUFFER_STREAM = """\
    import numpy as np
    import torch


    class Records(torch.utils.data.IterableDataset):
        def __init__(self, blobs):
            self.blobs = blobs

        def __iter__(self):
            for key in sorted(self.blobs):
                raw, target = self.blobs[key]
                yield torch.from_numpy(np.frombuffer(raw, dtype=np.int16)), target  # here


    blobs = {k: (np.arange(4, dtype=np.int16).tobytes(), k % 3) for k in range(5)}
    loader = torch.utils.data.DataLoader(Records(blobs), batch_size=2)
    assert sum(len(x) for x, _ in loader) == 5
"""

BUFFER_STREAM_WRITABLE = BUFFER_STREAM.replace(
    "np.arange(4, dtype=np.int16).tobytes()", "bytearray(np.arange(4, dtype=np.int16).tobytes())"
).replace("  # here", "")


@pytest.mark.parametrize("source", [PIL_DATASET, BUFFER_STREAM])
def test_a_read_only_array_made_in_a_dataset_a_data_loader_reads_is_reported_and_warns(source: str) -> None:
    assert lines(source, "PTL404") == marked(source)
    run(source, not_writable=True)


@pytest.mark.parametrize("source", [PIL_DATASET_COPIED, BUFFER_STREAM_WRITABLE])
def test_a_copied_image_or_a_writable_buffer_in_a_dataset_stays_silent(source: str) -> None:
    assert lines(source, "PTL404") == []
    run(source, not_writable=False)


# -- PTL202: `reduction` read from a configuration object -------------------------------------------
CONFIGURED_LOSS = """\
    from dataclasses import dataclass

    import torch
    from torch import nn


    @dataclass
    class Settings:
        criterion: str = "SmoothL1Loss"
        reduction: str = "mean"
        lr: float = 0.1


    def build_criterion(settings):
        return getattr(nn, settings.criterion)(reduction=settings.reduction)


    class Fitter:
        def __init__(self, net, settings):
            self.net = net
            self.loss_fn = build_criterion(settings)

        def fit(self, x, y):
            loss = self.loss_fn(self.net(x), y)
            loss.backward()  # here


    Fitter(nn.Linear(5, 3), Settings(reduction="none")).fit(torch.randn(8, 5), torch.randn(8, 3))
"""

CONFIGURED_PLAIN_CLASS = """\
    import torch
    from torch import nn


    class Options:
        def __init__(self, reduction="mean", scale=1.0):
            self.reduction = reduction
            self.scale = scale


    opts = Options("none")
    net = nn.Linear(4, 2)
    criterion = nn.BCEWithLogitsLoss(reduction=opts.reduction)
    loss = criterion(net(torch.randn(6, 4)), torch.rand(6, 2))
    loss.backward()  # here
"""


@pytest.mark.parametrize("source", [CONFIGURED_LOSS, CONFIGURED_PLAIN_CLASS])
def test_a_none_reduction_from_a_configuration_object_is_reported_and_raises(source: str) -> None:
    assert lines(source, "PTL202") == marked(source)
    done = execute(source)
    assert done.returncode != 0
    assert "grad can be implicitly created only for scalar outputs" in done.stderr


@pytest.mark.parametrize(
    "source",
    [
        CONFIGURED_LOSS.replace('Settings(reduction="none")', "Settings()").replace("  # here", ""),
        CONFIGURED_PLAIN_CLASS.replace('Options("none")', 'Options("sum")').replace("  # here", ""),
    ],
)
def test_a_reducing_configuration_stays_silent_and_runs(source: str) -> None:
    assert lines(source, "PTL202") == []
    done = execute(source)
    assert done.returncode == 0, done.stderr[-2000:]


# -- PTL202: a per-pair loss a module returns in a tuple, over sequence scores a helper gathers -----
PAIR_LOSS = """\
    import torch
    import torch.nn.functional as F
    from torch import nn


    class MarginPairs(nn.Module):
        def __init__(self, scale=2.0):
            super().__init__()
            self.scale = scale

        def forward(self, good, bad):
            per_pair = -F.logsigmoid(self.scale * (good - bad))
            return per_pair, (good > bad).float()


    def picked_scores(scorer, tokens):
        scores = scorer(tokens[:, :-1]).log_softmax(-1)
        return scores.gather(-1, tokens[:, 1:, None]).squeeze(-1).sum(-1)


    class Tuner:
        def __init__(self, scorer):
            self.scorer = scorer
            self.objective = MarginPairs()
            self.opt = torch.optim.SGD(scorer.parameters(), lr=0.1)

        def update(self, good_tokens, bad_tokens):
            good = picked_scores(self.scorer, good_tokens)
            with torch.no_grad():
                bad = picked_scores(self.scorer, bad_tokens)
            loss, wins = self.objective(good, bad)
            self.opt.zero_grad()
            loss.backward()  # here
            self.opt.step()
            return wins.mean().item()


    tuner = Tuner(nn.Sequential(nn.Embedding(12, 4), nn.Linear(4, 12)))
    tuner.update(torch.randint(0, 12, (3, 5)), torch.randint(0, 12, (3, 5)))
"""

PAIR_LOSS_AVERAGED = PAIR_LOSS.replace("return per_pair, (good", "return per_pair.mean(), (good").replace(
    "  # here", ""
)


def test_a_per_pair_loss_returned_in_a_tuple_over_gathered_scores_is_reported_and_raises() -> None:
    assert lines(PAIR_LOSS, "PTL202") == marked(PAIR_LOSS)
    done = execute(PAIR_LOSS)
    assert "grad can be implicitly created only for scalar outputs" in done.stderr


def test_an_averaged_pair_loss_stays_silent_and_runs() -> None:
    assert lines(PAIR_LOSS_AVERAGED, "PTL202") == []
    done = execute(PAIR_LOSS_AVERAGED)
    assert done.returncode == 0, done.stderr[-2000:]


# -- PTL202: shapes through basic indexing, `gather` and `squeeze(dim)` -----------------------------
@pytest.mark.parametrize(
    ("expression", "reported"),
    [
        ("w[:, 1:, None].squeeze(-1).sum(-1)", True),  # (4, 5, 1) -> (4, 5) -> (4,)
        ("w[:, 1:3].sum(-1)", True),  # (4, 2) -> (4,)
        ("w[0, :, None].sum(-1)", True),  # (6, 1) -> (6,)
        ("w[:1, 0].sum()", False),
        ("w.gather(1, torch.zeros(4, 1, dtype=torch.long)).sum(-1).squeeze(0)", True),  # (4, 1) -> (4,)
        ("w.gather(1, torch.zeros(1, 3, dtype=torch.long)).sum(-1)", False),  # (1, 3) -> (1,): one element
        ("w[:1, :].sum(-1)", False),
    ],
)
def test_indexing_gather_and_squeeze_keep_the_rows_a_reduction_leaves(expression: str, reported: bool) -> None:
    source = f"""\
        import torch

        w = torch.randn(4, 6, requires_grad=True)
        loss = {expression}
        loss.backward()
    """
    assert lines(source, "PTL202") == ([5] if reported else [])
    done = execute(source)
    assert ("grad can be implicitly created only for scalar outputs" in done.stderr) is reported, done.stderr[-2000:]


# -- PTL404: `dataset[i]` runs the dataset's `__getitem__` -------------------------------------------
INDEXED_DATASET = """\
    import os
    import numpy as np
    import torch


    class Channel:
        def __init__(self, path):
            self.path = path

        def frames(self, start, count):
            stored = np.load(self.path, mmap_mode="r")
            return stored[start : start + count]


    class Frames(torch.utils.data.Dataset):
        def __init__(self, channels, count=2):
            self.channels = channels
            self.count = count

        def __len__(self):
            return 3

        def __getitem__(self, index):
            return [torch.from_numpy(c.frames(index, self.count)) for c in self.channels]  # here


    channels = []
    for name in ("red", "green"):
        path = os.path.join(ROOT, name + ".npy")
        np.save(path, np.zeros((6, 4), dtype=np.float32))
        channels.append(Channel(path))
    frames = Frames(channels)
    assert len(frames[1]) == 2
"""


def test_a_read_only_map_read_by_an_indexed_dataset_is_reported_and_warns() -> None:
    assert lines(INDEXED_DATASET, "PTL404") == marked(INDEXED_DATASET)
    run(_in_temporary_folder(INDEXED_DATASET), not_writable=True)


def test_an_indexed_dataset_over_a_writable_map_stays_silent() -> None:
    source = INDEXED_DATASET.replace('mmap_mode="r"', 'mmap_mode="r+"').replace("  # here", "")
    assert lines(source, "PTL404") == []
    run(_in_temporary_folder(source), not_writable=False)
