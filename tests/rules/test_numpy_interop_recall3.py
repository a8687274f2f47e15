"""NumPy-interop facts taught by the misses of the recall-3 set and of audit-5 (issue 11). Each bad
program is ours (not a recall program) and fails, or warns "The given NumPy array is not
writable", under torch 2.13 at the marked line (run here, under fake-cuda where it needs CUDA);
each silent one runs cleanly and must stay silent."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection
from pt_lsp.runtime.fake_cuda import fake_cuda


def found(source: str, *codes: str) -> dict[int, list[str]]:
    result = lint_source(textwrap.dedent(source), "<ours>", selection=Selection.of(list(codes)))
    assert result.errors == []
    by_line: dict[int, list[str]] = {}
    for finding in result.findings:
        by_line.setdefault(finding.line, []).append(finding.code)
    return by_line


def marked(source: str, marker: str = "# fails") -> int:
    (line,) = [i for i, text in enumerate(textwrap.dedent(source).splitlines(), 1) if text.endswith(marker)]
    return line


def run(source: str) -> None:
    exec(compile(textwrap.dedent(source), "<ours>", "exec"), {"__name__": "ours", "print": lambda *a, **k: None})


def failing_line(source: str, error: type[BaseException], match: str, cuda: bool = False) -> int:
    """Run ``source`` (under fake-cuda when ``cuda``): it raises ``error`` at the returned line."""
    with pytest.raises(error, match=match) as raised:
        if cuda:
            with fake_cuda():
                run(source)
        else:
            run(source)
    frames = [tb for tb in _frames(raised.tb) if tb.tb_frame.f_code.co_filename == "<ours>"]
    return frames[-1].tb_lineno


def _frames(tb):  # type: ignore[no-untyped-def]
    while tb is not None:
        yield tb
        tb = tb.tb_next


# -- audit-5 M2: a NumPy function converting a list of losses that require grad, on a device chosen
# at run time. On the CPU it raises the grad error; moving the losses to the CPU leaves that error:
# PTL402 reports it beside PTL401 (neither finding has a fix).
GRAD_LOSSES_MAYBE_CUDA = """\
    import numpy as np
    import torch

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    net = torch.nn.Linear(3, 1).to(device)
    history = []
    for step in range(4):
        err = net(torch.randn(5, 3, device=device)).pow(2).mean()
        err.backward()
        history.append(err)
    summary = np.mean(history)  # fails
    """


def test_a_conversion_of_grad_tensors_that_may_be_on_cuda_is_reported_by_both_rules() -> None:
    line = marked(GRAD_LOSSES_MAYBE_CUDA)
    assert found(GRAD_LOSSES_MAYBE_CUDA, "PTL401", "PTL402") == {line: ["PTL401", "PTL402"]}
    assert failing_line(GRAD_LOSSES_MAYBE_CUDA, RuntimeError, "requires grad") == line  # on the CPU
    detached = GRAD_LOSSES_MAYBE_CUDA.replace("history.append(err)", "history.append(err.item())")
    assert found(detached, "PTL401", "PTL402") == {}
    run(detached)


def test_a_conversion_of_grad_tensors_on_cuda_is_ptl401s_alone() -> None:
    # on CUDA, CUDA's error comes first (`.cuda()` itself fails on a CPU machine)
    source = GRAD_LOSSES_MAYBE_CUDA.replace('torch.device("cuda" if torch.cuda.is_available() else "cpu")', '"cuda"')
    assert found(source, "PTL401", "PTL402") == {marked(source): ["PTL401"]}
    assert failing_line(source, TypeError, "cuda", cuda=True) == marked(source)


def test_a_direct_numpy_call_stays_with_ptl401_alone() -> None:
    source = GRAD_LOSSES_MAYBE_CUDA.replace("np.mean(history)", "history[0].numpy()")
    assert found(source, "PTL401", "PTL402") == {marked(source): ["PTL401"]}


# -- audit-5 M6: a DataLoader's batch (of unknown class) moved with `.to(device)` keeps that device
# through a reshape, indexing and arithmetic with numbers; the bug is read after the loop.
BATCH_AFTER_LOOP = """\
    import numpy as np
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    frames = DataLoader(TensorDataset(torch.rand(6, 2, 4)), batch_size=3)
    for epoch in range(2):
        for (clip,) in frames:
            clip = clip.to(device).flatten(1)
    mixed = (clip[[0]] * 0.5 + clip[[2]] * 0.5) - 1
    curve = np.exp(mixed.squeeze())  # fails
    """


def test_a_moved_batch_keeps_its_device_through_reshapes_indexing_and_arithmetic() -> None:
    line = marked(BATCH_AFTER_LOOP)
    assert found(BATCH_AFTER_LOOP, "PTL401") == {line: ["PTL401"]}
    assert failing_line(BATCH_AFTER_LOOP, TypeError, "cuda", cuda=True) == line
    run(BATCH_AFTER_LOOP)  # on the CPU it runs


@pytest.mark.parametrize(
    "change",
    [
        ("clip.to(device).flatten(1)", "clip.to(device).flatten(1).cpu()"),  # moved back
        ("clip.to(device).flatten(1)", "clip.flatten(1)"),  # never moved
    ],
)
def test_a_batch_on_the_cpu_stays_silent(change: tuple[str, str]) -> None:
    source = BATCH_AFTER_LOOP.replace(*change)
    assert found(source, "PTL401") == {}
    with fake_cuda():
        run(source)


# -- PTL404: bytes from the standard library's decoders, `f.read(size)`, a writeable flag set by
# key, and a list attribute that only ever holds read-only arrays.
def run_warnings_as_errors(source: str) -> subprocess.CompletedProcess[str]:
    """Run ``source`` in a fresh interpreter (torch warns once per process) with warnings as errors."""
    return subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-c", textwrap.dedent(source)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def warning_line(source: str) -> int:
    done = run_warnings_as_errors(source)
    assert done.returncode != 0 and "not writable" in done.stderr
    return int(re.findall(r'File "<string>", line (\d+)', done.stderr)[-1])


def runs_without_warning(source: str) -> None:
    done = run_warnings_as_errors(source)
    assert done.returncode == 0, done.stderr


READ_ONLY = {
    "zlib.decompress gives bytes": """\
        import zlib
        import numpy as np
        import torch


        def unpack(blob, rows):
            payload = zlib.decompress(blob)
            grid = np.frombuffer(payload, dtype=np.float32).reshape(rows, -1)
            return torch.from_numpy(grid)  # fails


        weights = unpack(zlib.compress(np.ones(8, dtype=np.float32).tobytes()), 2)
        weights.mul_(0.5)
        """,
    "read(size) of a binary stream gives bytes": """\
        import io
        import numpy as np
        import torch


        class Reader:
            def __init__(self, stream):
                self.stream = stream

            def next_block(self, count):
                data = self.stream.read(count * 8)
                return torch.as_tensor(np.frombuffer(data, dtype=np.float64))  # fails


        reader = Reader(io.BytesIO(np.arange(6, dtype=np.float64).tobytes()))
        block = reader.next_block(3)
        block.add_(1)
        """,
    "a list attribute of arrays made read-only by key": """\
        import numpy as np
        import torch


        class Bank:
            def __init__(self, sizes):
                self.rows = []
                for size in sizes:
                    row = np.linspace(0, 1, size, dtype=np.float32)
                    row.flags["W"] = False
                    self.rows.insert(0, row)

            def pick(self, k):
                return torch.from_numpy(self.rows[k])  # fails


        bank = Bank([3, 4])
        bank.pick(1).clamp_(0.2, 0.8)
        """,
}
READ_ONLY = {name: textwrap.dedent(source) for name, source in READ_ONLY.items()}


@pytest.mark.parametrize("name", sorted(READ_ONLY))
def test_read_only_arrays_are_reported(name: str) -> None:
    source = READ_ONLY[name]
    line = marked(source)
    assert found(source, "PTL404") == {line: ["PTL404"]}
    assert warning_line(source) == line


WRITABLE = {
    "a bytearray of the read is writable": (
        READ_ONLY["read(size) of a binary stream gives bytes"],
        ("self.stream.read(count * 8)", "bytearray(self.stream.read(count * 8))"),
    ),
    "a copy of the decompressed array": (
        READ_ONLY["zlib.decompress gives bytes"],
        ("torch.from_numpy(grid)", "torch.from_numpy(grid.copy())"),
    ),
    "the list also holds a writable array": (
        READ_ONLY["a list attribute of arrays made read-only by key"],
        (
            "    def pick(self, k):",
            "        self.rows.append(np.zeros(2, dtype=np.float32))\n\n    def pick(self, k):",
        ),
    ),
    "an item of the list is replaced": (
        READ_ONLY["a list attribute of arrays made read-only by key"],
        (
            "    def pick(self, k):",
            "    def thaw(self, k):\n        self.rows[k] = self.rows[k].copy()\n\n    def pick(self, k):",
        ),
    ),
    "the flag is set to True": (
        READ_ONLY["a list attribute of arrays made read-only by key"],
        ('row.flags["W"] = False', 'row.flags["W"] = True'),
    ),
}


@pytest.mark.parametrize("name", sorted(WRITABLE))
def test_writable_arrays_stay_silent(name: str) -> None:
    base, (old, new) = WRITABLE[name]
    assert old in base
    source = base.replace(old, new)
    assert found(source, "PTL404") == {}
    if name == "an item of the list is replaced":
        source = source.replace("bank.pick(1)", "bank.thaw(1)\nbank.pick(1)")
    if name == "the list also holds a writable array":
        source = source.replace("bank.pick(1)", "bank.pick(2)")  # the writable one
    runs_without_warning(source)


# -- recall-3 PTL401/06 and PTL401/05's fact: NumPy functions that forward to a method of their
# argument (`np.transpose(t, axes)`, `np.argmax(t, axis=1)`) convert a tensor, whose method of that
# name rejects NumPy's arguments; `np.squeeze` does not (torch's `squeeze()` accepts the call).
FORWARDING = """\
    import numpy as np
    import torch

    use_gpu = torch.cuda.is_available()
    net = torch.nn.Conv2d(3, 3, 1)
    if use_gpu:
        net = net.cuda()


    def to_hwc(frame):
        return np.transpose(frame, (1, 2, 0))  # fails


    batch = torch.rand(2, 3, 4, 4)
    if use_gpu:
        batch = batch.cuda()
    with torch.no_grad():
        out = net(batch)
    squeezed = np.squeeze(out[:1])
    picture = to_hwc(out[0])
    """


def test_forwarding_numpy_functions_convert_their_tensor() -> None:
    line = marked(FORWARDING)
    assert found(FORWARDING, "PTL401") == {line: ["PTL401"]}
    assert failing_line(FORWARDING, TypeError, "cuda", cuda=True) == line
    run(FORWARDING)
    fixed = FORWARDING.replace("np.transpose(frame, (1, 2, 0))", "np.transpose(frame.cpu(), (1, 2, 0))")
    assert found(fixed, "PTL401") == {}
    with fake_cuda():
        run(fixed)


def test_a_forwarding_function_of_a_grad_tensor_raises_on_the_cpu() -> None:
    source = """\
        import numpy as np
        import torch

        scores = torch.randn(6, requires_grad=True) * 2
        order = np.argsort(scores)  # fails
        """
    line = marked(source)
    assert found(source, "PTL402") == {line: ["PTL402"]}
    assert failing_line(source, RuntimeError, "requires grad") == line
    fine = source.replace("np.argsort(scores)", "np.argsort(scores.detach())")
    assert found(fine, "PTL402") == {}
    run(fine)


# -- recall-3 PTL401/02's fact: a running total that starts as a number and is augmented with
# tensors in a loop is the body's tensor after the loop (the number survives only a loop that never
# ran): its device and grad are the tensor's.
RUNNING_TOTAL = """\
    import numpy as np
    import torch
    import torch.nn.functional as F

    net = torch.nn.Linear(4, 2).cuda()


    def evaluate(batches):
        net.eval()
        err = 0.0
        with torch.no_grad():
            for x, y in batches:
                err += F.mse_loss(net(x.cuda()), y.cuda(), reduction="sum")
        return np.log1p(err)  # fails


    evaluate([(torch.rand(3, 4), torch.rand(3, 2)) for _ in range(2)])
    """


def test_a_running_total_of_tensors_is_a_tensor_after_the_loop() -> None:
    line = marked(RUNNING_TOTAL)
    assert found(RUNNING_TOTAL, "PTL401") == {line: ["PTL401"]}
    assert failing_line(RUNNING_TOTAL, TypeError, "cuda", cuda=True) == line


@pytest.mark.parametrize(
    "change",
    [
        ('reduction="sum")', 'reduction="sum").item()'),  # a number total
        ("err += F.mse_loss", "err = F.mse_loss"),  # not a running total: the number may stay
    ],
)
def test_totals_that_are_not_tensor_sums_stay_silent(change: tuple[str, str]) -> None:
    source = RUNNING_TOTAL.replace(*change)
    assert found(source, "PTL401") == {}
    if change[1].endswith(".item()"):
        with fake_cuda():
            run(source)


# -- precision: the flow keeps one element for all the lists of a dict; a list whose tensors the
# evidence shows stored in another of its lists (`log["step"]` beside `log["loss"]`) is not proven
# to hold tensors.
DICT_OF_LISTS = """\
    import numpy as np
    import torch

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    net = torch.nn.Linear(2, 1).to(device)
    log = {"step": [], "loss": []}
    for step in range(3):
        loss = net(torch.ones(4, 2, device=device)).mean()
        loss.backward()
        log["step"].append(step * 0.5)
        log["loss"].append(loss)
    steps = np.asarray(log["step"])
    losses = np.mean(log["loss"])  # fails
    """


def test_a_dict_list_is_judged_by_the_stores_into_it() -> None:
    line = marked(DICT_OF_LISTS)
    assert found(DICT_OF_LISTS, "PTL401", "PTL402") == {line: ["PTL401", "PTL402"]}
    assert failing_line(DICT_OF_LISTS, RuntimeError, "requires grad") == line  # the steps line runs
