"""NumPy-interop rules on patterns from real code (issue 11): facts about read-only arrays and
implicit conversions that the real bugs needed. Each miss is a program of ours that warns or fails
under torch 2.13 (noted beside it, checked with ``python -W error::UserWarning``) and must be
reported on the marked line; each silent program runs without the warning and must stay silent."""

from __future__ import annotations

import textwrap
import warnings

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection


def lines(source: str, code: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<real>", selection=Selection.of([code]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == code]


def marked(source: str, marker: str) -> list[int]:
    return [i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if line.endswith(marker)]


# Each warns "The given NumPy array is not writable" at the line marked `# warns`.
READ_ONLY = {
    "a read-only memmap, sliced and reshaped (a view), kept in a plain object's attribute": """\
        import os, tempfile
        import numpy as np
        import torch


        class Shard:
            def __init__(self, key, values):
                self.key = key
                self.values = values


        def load_shards(path, sizes):
            blob = np.memmap(path, dtype=np.int16, mode="r")
            out, start = [], 0
            for size in sizes:
                shard = Shard(start, blob[start : start + size * 2].reshape(size, 2))
                start += size * 2
                out.append(torch.from_numpy(shard.values))  # warns
            return out


        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "s.bin")
            np.zeros(20, dtype=np.int16).tofile(p)
            load_shards(p, [3, 7])
        """,
    "np.frombuffer over the bytes a helper read from a stream, returned by the helper": """\
        import io
        import numpy as np
        import torch


        def read_block(stream):
            raw = stream.read()
            return np.frombuffer(raw, dtype=np.uint8).reshape(-1, 4)


        block = read_block(io.BytesIO(bytes(32)))
        t = torch.from_numpy(block)  # warns
        """,
    "np.asarray of a PIL image reached through reassignments of one name": """\
        import numpy as np
        import torch
        from PIL import Image


        def to_tensor(arr):
            img = np.zeros((8, 8), np.uint8)
            img = Image.fromarray(img)
            img = img.resize((4, 4))
            img = np.asarray(img)
            return torch.from_numpy(img)  # warns


        to_tensor(None)
        """,
    "np.asarray of __getitem__'s frombuffer over a memoryview of bytes, the object a parameter": """\
        import numpy as np
        import torch


        class Packets:
            def __init__(self, chunks):
                self.views = [memoryview(c.tobytes()) for c in chunks]

            def __getitem__(self, i):
                return np.frombuffer(self.views[i], dtype=np.float64)


        def decode(packets, n):
            return [torch.from_numpy(np.asarray(packets[i])) for i in range(n)]  # warns


        decode(Packets([np.ones(3), np.ones(3)]), 2)
        """,
    "a row of np.load(mmap_mode=" r") through np.asarray": """\
        import os, tempfile
        import numpy as np
        import torch

        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "a.npy")
            np.save(p, np.ones((3, 3), np.float32))
            table = np.load(p, mmap_mode="r")
            row = table[1]
            t = torch.from_numpy(np.asarray(row))  # warns
        """,
}


@pytest.mark.parametrize("source", READ_ONLY.values(), ids=READ_ONLY.keys())
def test_read_only_array_facts(source: str) -> None:
    assert lines(source, "PTL404") == marked(source, "# warns")


# Runs without the warning: memmap opened for writing, a copy in the constructor's attribute, a
# name copied in one branch, a helper returning a copy, a parameter given a writable array, a
# frombuffer over a writable memoryview, np.asarray with a dtype (a copy).
WRITABLE = """\
    import os, tempfile
    import numpy as np
    import torch


    class Shard:
        def __init__(self, key, values):
            self.key = key
            self.values = values


    def load(path, mode):
        blob = np.memmap(path, dtype=np.int16, mode="r+")
        default = np.memmap(path, dtype=np.int16)
        shard = Shard(0, np.memmap(path, dtype=np.int16, mode="r"))
        shard.values = np.array(shard.values)
        return [torch.from_numpy(blob), torch.from_numpy(default), torch.from_numpy(shard.values)]


    def pick(raw, copy):
        arr = np.frombuffer(raw, dtype=np.uint8)
        if copy:
            arr = arr.copy()
        return torch.from_numpy(arr)


    def block(stream, fresh):
        data = np.frombuffer(stream.read(), dtype=np.uint8)
        if fresh:
            return data.copy()
        return np.zeros(4, np.uint8)


    def convert(a):
        return torch.from_numpy(np.asarray(a))


    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "s.bin")
        np.zeros(20, dtype=np.int16).tofile(p)
        load(p, "r")
        torch.from_numpy(np.frombuffer(memoryview(bytearray(8)), dtype=np.uint8))
        pick(bytes(8), True)
        import io
        torch.from_numpy(block(io.BytesIO(bytes(8)), True))
        convert(np.zeros(3))
        torch.from_numpy(np.asarray(np.frombuffer(bytes(8), dtype=np.uint8), dtype=np.float64))
    """


def test_writable_arrays_stay_silent() -> None:
    assert lines(WRITABLE, "PTL404") == []


# NumPy calls that convert tensors through `Tensor.__array__` (that is, `.numpy()`): an element-wise
# function of a tensor, a function of a list of tensors. Each raises at the line marked `# raises`:
# the grad ones RuntimeError (run below), the CUDA ones TypeError "can't convert cuda:0 device type
# tensor to numpy" (checked with `pt-lsp run --device fake-cuda`).
CONVERSIONS = {
    "PTL402 np.log in a helper given a model's probabilities": (
        "PTL402",
        """\
        import numpy as np
        import torch
        from torch import nn


        def entropy(p):
            return -(p * np.log(p)).sum()  # raises


        net = nn.Linear(3, 4)
        probs = torch.softmax(net(torch.randn(2, 3)), dim=-1)
        h = entropy(probs)
        """,
    ),
    "PTL402 np.mean of a list attribute of losses appended in another method": (
        "PTL402",
        """\
        import numpy as np
        import torch
        from torch import nn


        class Trainer:
            def __init__(self):
                self.net = nn.Linear(3, 1)
                self.opt = torch.optim.SGD(self.net.parameters(), lr=0.1)
                self.losses = []

            def step(self, x, y):
                loss = ((self.net(x) - y) ** 2).mean()
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                self.losses.append(loss)

            def summary(self):
                return np.mean(self.losses)  # raises


        t = Trainer()
        for _ in range(2):
            t.step(torch.randn(4, 3), torch.randn(4, 1))
        print(t.summary())
        """,
    ),
    "PTL402 np.sum over zip(*rows) of (size, loss) pairs returned by a method": (
        "PTL402",
        """\
        import numpy as np
        import torch
        from torch import nn


        class Worker:
            def __init__(self, n):
                self.net = nn.Linear(3, 1)
                self.x = torch.randn(n, 3)

            def evaluate(self):
                out = self.net(self.x).pow(2).mean()
                return self.x.shape[0], out


        workers = [Worker(4), Worker(6)]
        sizes, losses = zip(*[w.evaluate() for w in workers])
        total = np.sum([n * loss for n, loss in zip(sizes, losses)])  # raises
        """,
    ),
    "PTL401 np.sum of a list of CUDA tensors": (
        "PTL401",
        """\
        import numpy as np
        import torch

        parts = []
        for i in range(3):
            parts.append(torch.ones(2, device="cuda") * i)
        total = np.sum(parts, 0)  # raises
        """,
    ),
    "PTL401 np.exp of a CUDA tensor": (
        "PTL401",
        """\
        import numpy as np
        import torch

        scores = torch.randn(4, device="cuda")
        weights = np.exp(scores)  # raises
        """,
    ),
}

# Runs: the same pairs with the loss as a Python float.
TRANSPOSED_FLOATS = """\
    import numpy as np
    import torch
    from torch import nn


    class Worker:
        def __init__(self, n):
            self.net = nn.Linear(3, 1)
            self.x = torch.randn(n, 3)

        def evaluate(self):
            out = self.net(self.x).pow(2).mean()
            return self.x.shape[0], out.item()


    workers = [Worker(4), Worker(6)]
    sizes, losses = zip(*[w.evaluate() for w in workers])
    total = np.sum([n * loss for n, loss in zip(sizes, losses)])
    """

# Runs: detached tensors, Python floats, tensors computed under no_grad.
CONVERTS_FINE = """\
    import numpy as np
    import torch
    from torch import nn

    net = nn.Linear(3, 4)
    probs = torch.softmax(net(torch.randn(2, 3)), dim=-1)
    entropy = -(probs.detach() * np.log(probs.detach())).sum()
    losses = []
    for _ in range(2):
        loss = net(torch.randn(2, 3)).pow(2).mean()
        loss.backward()
        losses.append(loss.item())
    print(np.mean(losses), np.sum([p.detach() for p in [probs, probs]], 0))
    with torch.no_grad():
        logits = net(torch.randn(2, 3))
        print(np.exp(logits), np.stack([logits, logits]))
    """


@pytest.mark.parametrize("name", sorted(CONVERSIONS))
def test_implicit_conversions_are_reported(name: str) -> None:
    code, source = CONVERSIONS[name]
    assert lines(source, code) == marked(source, "# raises")


@pytest.mark.parametrize("name", sorted(n for n in CONVERSIONS if n.startswith("PTL402")))
def test_grad_conversions_raise_under_torch(name: str) -> None:
    pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="Can't call numpy"):
        exec(compile(textwrap.dedent(CONVERSIONS[name][1]), "<real>", "exec"), {"__name__": "real"})


def test_conversions_of_detached_tensors_stay_silent() -> None:
    assert lines(CONVERTS_FINE, "PTL402") == [] and lines(CONVERTS_FINE, "PTL401") == []
    pytest.importorskip("torch")
    with warnings.catch_warnings():  # NumPy 2 deprecates torch's __array_wrap__ signature: not ours
        warnings.simplefilter("ignore", DeprecationWarning)
        exec(compile(textwrap.dedent(CONVERTS_FINE), "<real>", "exec"), {"__name__": "real", "print": lambda *a: None})


# An op between a tensor on the device chosen at run time and a tensor of unknown device runs on
# that device, or raises: the helper's loop mixes `inputs` with a gradient whose device the analysis
# does not know. Raises "can't convert cuda:0 device type tensor to numpy" under
# `pt-lsp run --device fake-cuda`; runs on the CPU.
RUNTIME_DEVICE = """\
    import torch
    from torch import nn

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    net = nn.Linear(4, 2).to(device)


    def refine(model, inputs, steps=2, lr=0.1):
        z = inputs.clone().requires_grad_(True)
        for _ in range(steps):
            g = torch.autograd.grad(model(z).sum(), z)[0]
            z = (z - lr * g).detach().requires_grad_(True)
        return z.detach()


    inputs = torch.randn(3, 4).to(device)
    shift = refine(net, inputs) - inputs
    print(shift.norm(dim=1).numpy())  # raises on CUDA
    """


def test_ops_with_a_runtime_device_operand_keep_that_device() -> None:
    assert lines(RUNTIME_DEVICE, "PTL401") == marked(RUNTIME_DEVICE, "# raises on CUDA")
    on_cpu = RUNTIME_DEVICE.replace('torch.device("cuda" if torch.cuda.is_available() else "cpu")', '"cpu"')
    assert on_cpu != RUNTIME_DEVICE and lines(on_cpu, "PTL401") == []


# A method analysed with the facts of its call site keeps them for a list's elements too: `forward`
# is called with a tensor on the device chosen at run time, and its list of stages holds such
# tensors (analysed alone, the parameter's device is unknown). Raises under fake-cuda.
LIST_OF_DEVICE_TENSORS = """\
    import numpy as np
    import torch
    from torch import nn


    class Smoother(nn.Module):
        def __init__(self, rounds=2):
            super().__init__()
            self.rounds = rounds

        def forward(self, signal):
            stages = [signal]
            for _ in range(self.rounds):
                signal = 0.5 * (signal + signal.roll(1, dims=0))
                stages.append(signal)
            return np.mean(stages, axis=0)  # raises on CUDA


    device = "cuda" if torch.cuda.is_available() else "cpu"
    with torch.no_grad():
        out = Smoother()(torch.randn(5, device=device))
    """


def test_call_site_facts_reach_list_elements() -> None:
    assert lines(LIST_OF_DEVICE_TENSORS, "PTL401") == marked(LIST_OF_DEVICE_TENSORS, "# raises on CUDA")


# `f(*outs)` hands the list's elements to the parameters from the star on (and to `*rest`); the
# modules of an `nn.ModuleList` built from a generator are modules when iterated. Raises under
# fake-cuda at the marked line; runs on the CPU.
STARRED_ARGUMENTS = """\
    import torch
    from torch import nn

    device = "cuda" if torch.cuda.is_available() else "cpu"
    heads = nn.ModuleList(nn.Linear(3, 1) for _ in range(2)).to(device)


    def to_numpy(first, *rest):
        out = [first.cpu().numpy()]
        for tensor in rest:
            out.append(tensor.numpy())  # raises on CUDA
        return out


    with torch.no_grad():
        x = torch.randn(4, 3, device=device)
        outs = [head(x) for head in heads]
        to_numpy(*outs)
    """


def test_starred_arguments_and_module_list_elements() -> None:
    assert lines(STARRED_ARGUMENTS, "PTL401") == marked(STARRED_ARGUMENTS, "# raises on CUDA")


def test_transposed_floats_stay_silent_and_run() -> None:
    assert lines(TRANSPOSED_FLOATS, "PTL402") == []
    pytest.importorskip("torch")
    exec(compile(textwrap.dedent(TRANSPOSED_FLOATS), "<real>", "exec"), {"__name__": "real"})


# -- the reaching-value evidence these facts rest on (core/evidence/reaching.py) ------------------
def _context(source: str):  # type: ignore[no-untyped-def]
    import ast

    from pt_lsp.core.context import FileContext
    from pt_lsp.core.document import Document

    text = textwrap.dedent(source)
    return FileContext("<t>", Document(text), ast.parse(text))


def _reaching_at(source: str, line: int) -> list[str] | None:
    import ast

    from pt_lsp.core.evidence.reaching import call_site_arguments, reaching_values

    ctx = _context(source)
    name = next(n for n in ast.walk(ctx.tree) if isinstance(n, ast.Name) and n.id == "a" and n.lineno == line)
    values = reaching_values(ctx, name) or call_site_arguments(ctx, name)
    return None if values is None else [ast.unparse(v) for v in values]


def test_reaching_values_take_the_nearest_assignment_in_straight_line_code() -> None:
    source = """\
        a = 1
        if flag:
            a = 2
        a = 3
        print(a)
        """
    assert _reaching_at(source, 5) == ["3"]


def test_reaching_values_fall_back_to_every_assignment_where_a_branch_or_loop_rebinds() -> None:
    branch = """\
        a = 1
        if flag:
            a = 2
        print(a)
        """
    assert sorted(_reaching_at(branch, 4) or []) == ["1", "2"]
    loop = """\
        a = 1
        for i in range(3):
            print(a)
            a = i
        """
    assert sorted(_reaching_at(loop, 3) or []) == ["1", "i"]  # the next pass sees `a = i`


def test_call_site_arguments_need_every_call_to_be_plain() -> None:
    called = """\
        def f(a):
            return a

        f(1)
        f(b=2, a=3)
        """
    assert _reaching_at(called, 2) == ["1", "3"]
    escaping = called + "g = f\n"
    assert _reaching_at(escaping, 2) is None  # passed around as a value: other calls are unseen
    starred = called + "f(*args)\n"
    assert _reaching_at(starred, 2) is None
