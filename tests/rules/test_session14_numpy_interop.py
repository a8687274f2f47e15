"""Session 14 (H-401): PTL401/PTL402/PTL404 facts taught by our own programs rebuilt from real
reports (issue 11). Every program is ours; each reported one fails under torch 2.13 at the marked
line, run here (under fake-cuda where it needs CUDA); each fixed neighbour runs cleanly and is silent.

- ``torch.cuda.current_device()`` is an int: ``.to(gpu)`` of it names a CUDA device (PTL401).
- A device global of a project module read as its attribute (``import config``,
  ``config.DEVICE``) is that global's device, as ``from config import DEVICE`` was (PTL401).
- The methods of scikit-learn estimators (``TSNE(2).fit_transform(x)``, ``pca.transform(x)``)
  turn their data into arrays as its metrics do; ``np.random.choice(n, p=probs)`` converts ``p``
  (PTL402). scikit-learn is not installed here: a stand-in module validates with ``np.asarray``
  as its ``check_array`` does, so the error is torch's own, from ``Tensor.__array__``.
- ``np.frombuffer(binary)`` in a helper whose every call passes immutable bytes
  (``binary2tensor(base64.b64decode(s))``) is read-only (PTL404).
- ``self.total += value`` with an unknown ``value`` is unknown, as ``self.total + value`` is (it
  was taken for a number, so a meter's method also analysed on its own hid the tensor its call
  passes: ESPCN's averaging meter, PTL402).
- ``nt._asdict()`` of a named tuple is a dict of its fields (faster-rcnn's meters, PTL401).
"""

from __future__ import annotations

import sys
import textwrap
import types
import warnings

import numpy as np
import pytest
from program_helpers import failing_line, run_strictly
from rules_helpers import found, marked
from test_session13_numpy_interop import check, run_file, write

# -- torch.cuda.current_device() -------------------------------------------------------------
CURRENT_DEVICE = {
    "to(current_device())": """\
    import torch

    gpu = torch.cuda.current_device()
    feats = torch.randn(6, 4).to(gpu)
    centers = feats.mean(0, keepdim=True)
    print(torch.cdist(feats, centers){fix}.numpy())  # fails
""",
    "device= keyword in a helper": """\
    import torch


    def make_noise(n):
        return torch.randn(n, 3, device=torch.cuda.current_device())


    z = make_noise(4)
    print(z{fix}.numpy())  # fails
""",
    "cuda(current_device()) on a batch": """\
    import torch

    rank = torch.cuda.current_device()
    batch = [torch.ones(2), torch.zeros(2)]
    batch = [t.cuda(rank) for t in batch]
    print(batch[0]{fix}.numpy())  # fails
""",
}


@pytest.mark.parametrize("program", CURRENT_DEVICE.values(), ids=CURRENT_DEVICE.keys())
def test_a_tensor_on_the_current_cuda_device_is_reported(program: str) -> None:
    bad = program.format(fix="")
    line = failing_line(bad, TypeError, "can't convert cuda", cuda=True)
    assert line == marked(bad)
    assert found(bad, "PTL401") == {line: ["PTL401"]}


@pytest.mark.parametrize("program", CURRENT_DEVICE.values(), ids=CURRENT_DEVICE.keys())
def test_the_current_device_tensor_moved_back_is_silent(program: str) -> None:
    fixed = program.format(fix=".cpu()")
    run_strictly(fixed, cuda=True)
    assert found(fixed, "PTL401") == {}


# -- config.DEVICE of a project module ---------------------------------------------------------
MODULE_ATTRIBUTES = {
    "import config; config.DEVICE": (
        {"config.py": 'import torch\n\nDEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")\n'},
        """\
    import config
    import torch
    import torch.nn as nn

    model = nn.Linear(6, 2).to(config.DEVICE)
    with torch.no_grad():
        preds = model(torch.randn(4, 6).to(config.DEVICE)).argmax(1)
    print(preds{fix}.numpy())  # fails
""",
    ),
    "import settings as cfg, read in a function": (
        {"settings.py": 'GPU = "cuda:0"\nBATCH = 4\n'},
        """\
    import settings as cfg
    import torch


    def embed(tokens):
        table = torch.randn(10, 3).to(cfg.GPU)
        return table[tokens]


    out = embed(torch.tensor([1, 2]))
    print(out{fix}.numpy())  # fails
""",
    ),
    "a device global through another global of the module": (
        {"opts.py": 'import torch\n\nUSE = "cuda"\ndevice = torch.device(USE)\n'},
        """\
    import opts
    import torch

    x = torch.zeros(3, device=opts.device)
    print(x{fix}.numpy())  # fails
""",
    ),
}


@pytest.mark.parametrize("files", MODULE_ATTRIBUTES.values(), ids=MODULE_ATTRIBUTES.keys())
def test_a_device_global_read_as_a_module_attribute_is_reported(tmp_path, files) -> None:
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


def test_a_cpu_global_or_a_non_device_module_attribute_is_silent(tmp_path) -> None:
    write(tmp_path, {"config.py": 'DEVICE = "cpu"\nOTHER = "cuda"\nOTHER = "cpu"\n'})
    main = tmp_path / "main.py"
    main.write_text(
        "import config\nimport torch\n\n"
        "print(torch.zeros(2).to(config.DEVICE).numpy())\n"
        "print(torch.zeros(2).to(config.OTHER).numpy())\n"
    )
    run_file(main)
    assert check(main) == {}


# -- scikit-learn estimators and np.random.choice(p=...) -------------------------------------
def _stand_in_sklearn(monkeypatch) -> None:
    """scikit-learn is not installed: estimators whose methods validate with np.asarray."""

    class Estimator:
        def __init__(self, n_components=2, **options):
            self.n_components = n_components

        def fit(self, x, y=None):
            np.asarray(x)
            return self

        def fit_transform(self, x, y=None):
            return np.asarray(x)[:, : self.n_components]

        transform = fit_transform

    package = types.ModuleType("sklearn")
    for name, classes in {"manifold": ["TSNE"], "decomposition": ["PCA"], "cluster": ["KMeans"]}.items():
        module = types.ModuleType(f"sklearn.{name}")
        for cls in classes:
            setattr(module, cls, type(cls, (Estimator,), {}))
        setattr(package, name, module)
        monkeypatch.setitem(sys.modules, f"sklearn.{name}", module)
    monkeypatch.setitem(sys.modules, "sklearn", package)


ESTIMATORS = {
    "TSNE of an embedding weight": """\
    import torch.nn as nn
    from sklearn.manifold import TSNE

    embedding = nn.Embedding(30, 8)
    tsne = TSNE(n_components=2)
    points = tsne.fit_transform(embedding.weight[:20, :]{fix})  # fails
""",
    "PCA of a model's features, chained": """\
    import torch
    import torch.nn as nn
    from sklearn.decomposition import PCA

    encoder = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 6))
    features = torch.cat([encoder(torch.randn(5, 10)) for _ in range(3)])
    points = PCA(n_components=2).fit_transform(features{fix})  # fails
""",
    "KMeans.fit of outputs collected in a function": """\
    import torch
    import torch.nn as nn
    from sklearn.cluster import KMeans


    def codes(model, batches):
        out = []
        for xb in batches:
            out.append(model(xb))
        return torch.cat(out)


    model = nn.Linear(4, 3)
    kmeans = KMeans(n_components=2)
    kmeans.fit(codes(model, [torch.randn(6, 4)]){fix})  # fails
""",
    "np.random.choice(p=...) of a policy's softmax": """\
    import numpy as np
    import torch
    import torch.nn as nn


    class Agent:
        def __init__(self):
            self.policy = nn.Sequential(nn.Linear(4, 2), nn.Softmax(dim=1))

        def act(self, state):
            probs = self.policy(torch.from_numpy(state).float().unsqueeze(0))
            return np.random.choice(2, p=probs[0]{fix})  # fails


    Agent().act(np.random.rand(4))
""",
}


@pytest.mark.parametrize("program", ESTIMATORS.values(), ids=ESTIMATORS.keys())
def test_a_tensor_that_requires_grad_given_to_these_is_reported(program: str, monkeypatch) -> None:
    _stand_in_sklearn(monkeypatch)
    bad = program.format(fix="")
    line = failing_line(bad, RuntimeError, "requires grad")
    assert line == marked(bad)
    assert found(bad, "PTL401", "PTL402") == {line: ["PTL402"]}


@pytest.mark.parametrize("program", ESTIMATORS.values(), ids=ESTIMATORS.keys())
def test_the_detached_tensor_is_silent(program: str, monkeypatch) -> None:
    _stand_in_sklearn(monkeypatch)
    fixed = program.format(fix=".detach().numpy()")
    run_strictly(fixed)
    assert found(fixed, "PTL401", "PTL402") == {}


def test_a_method_of_an_estimator_like_class_of_the_file_is_silent() -> None:
    program = """\
    import torch


    class Reducer:
        def fit_transform(self, x):
            return x[:, :2]


    out = Reducer().fit_transform(torch.randn(3, 4, requires_grad=True))
    print(out.shape)
"""
    run_strictly(program)
    assert found(program, "PTL401", "PTL402") == {}


# -- bytes through a helper's parameter (PTL404) ---------------------------------------------
HELPER_BYTES = {
    "binary2tensor(base64.b64decode(s))": """\
    import base64

    import numpy as np
    import torch


    def binary2tensor(binary, shape):
        arr = np.frombuffer({fix}binary, dtype=np.float32).reshape(shape)
        return torch.from_numpy(arr)  # fails


    s = base64.b64encode(np.arange(4, dtype=np.float32).tobytes())
    t = binary2tensor(base64.b64decode(s), (2, 2))
""",
    "parse(f.read()) of a binary file": """\
    import io

    import numpy as np
    import torch


    def parse(content):
        header = np.frombuffer({fix}content, dtype=np.int32, count=2)
        return torch.from_numpy(header)  # fails


    f = io.BytesIO(np.array([3, 4], dtype=np.int32).tobytes())
    print(parse(f.read()))
""",
    "zlib.decompress in two calls": """\
    import zlib

    import numpy as np
    import torch


    def unpack(blob):
        return torch.as_tensor(np.frombuffer({fix}blob, dtype=np.uint8))  # fails


    packed = zlib.compress(bytes(range(8)))
    a = unpack(zlib.decompress(packed))
    b = unpack(zlib.decompress(packed))
""",
}


def handed_writable(source: str) -> list[bool]:
    """Run ``source`` and say, for each array it hands ``torch.from_numpy``/``torch.as_tensor``,
    whether it is writable (torch 2.13 warns "The given NumPy array is not writable" for a
    read-only one, but only once per process, so the run checks the flag torch checks)."""
    import torch

    seen: list[bool] = []
    originals = {name: getattr(torch, name) for name in ("from_numpy", "as_tensor")}

    def spy(name: str):  # type: ignore[no-untyped-def]
        def wrapped(array, *args, **kwargs):  # type: ignore[no-untyped-def]
            if isinstance(array, np.ndarray):
                seen.append(bool(array.flags.writeable))
            return originals[name](array, *args, **kwargs)

        return wrapped

    try:
        for name in originals:
            setattr(torch, name, spy(name))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            exec(compile(textwrap.dedent(source), "<ours>", "exec"), {"__name__": "__main__", "print": lambda *a: None})
    finally:
        for name, original in originals.items():
            setattr(torch, name, original)
    return seen


@pytest.mark.parametrize("program", HELPER_BYTES.values(), ids=HELPER_BYTES.keys())
def test_frombuffer_of_bytes_every_call_passes_is_reported(program: str) -> None:
    bad = program.format(fix="")
    assert handed_writable(bad) and not any(handed_writable(bad))
    assert found(bad, "PTL404") == {marked(bad): ["PTL404"]}


@pytest.mark.parametrize("program", HELPER_BYTES.values(), ids=HELPER_BYTES.keys())
def test_frombuffer_of_a_bytearray_copy_is_silent(program: str) -> None:
    fixed = program.format(fix="bytearray(").replace("binary, dtype", "binary), dtype")
    fixed = fixed.replace("content, dtype", "content), dtype").replace("blob, dtype", "blob), dtype")
    assert handed_writable(fixed) and all(handed_writable(fixed))
    assert found(fixed, "PTL404") == {}


def test_a_helper_every_call_gives_a_bytearray_is_silent() -> None:
    program = """\
    import base64

    import numpy as np
    import torch


    def to_tensor(buf):
        return torch.from_numpy(np.frombuffer(buf, dtype=np.uint8))


    a = to_tensor(bytearray(base64.b64decode(b"AQI=")))
    b = to_tensor(bytearray(b"\\x01\\x02"))
"""
    assert handed_writable(program) == [True, True]
    assert found(program, "PTL404") == {}


# -- meters and named tuples' dicts ------------------------------------------------------------
GRAPH_CARRIERS = {
    "a meter's self.total += value, np.sqrt of it": """\
    import numpy as np
    import torch
    import torch.nn as nn


    class Meter:
        def __init__(self):
            self.n = 0
            self.total = 0.0

        def add(self, value):
            self.total += value
            self.n += 1
            return np.sqrt(self.total / self.n)  # fails


    model = nn.Linear(4, 1)
    loss = model(torch.randn(2, 4)).pow(2).mean()
    Meter().add(loss{fix})
""",
    "losses._asdict() fed to meters": """\
    from collections import namedtuple

    import numpy as np
    import torch
    import torch.nn as nn

    LossTuple = namedtuple("LossTuple", ["loc", "cls"])


    class Meter:
        def __init__(self):
            self.values = []

        def add(self, value):
            self.values.append(value)

        def value(self):
            return np.mean(self.values)  # fails


    head = nn.Linear(8, 2)
    out = head(torch.randn(4, 8))
    losses = LossTuple(out[:, 0].mean(), out[:, 1].mean())
    meters = {{k: Meter() for k in LossTuple._fields}}
    loss_d = {{k: v{fix} for k, v in losses._asdict().items()}}
    for key, meter in meters.items():
        meter.add(loss_d[key])
    print({{k: m.value() for k, m in meters.items()}})
""",
}


@pytest.mark.parametrize("program", GRAPH_CARRIERS.values(), ids=GRAPH_CARRIERS.keys())
def test_a_graph_carried_this_way_is_reported(program: str) -> None:
    bad = program.format(fix="")
    line = failing_line(bad, RuntimeError, "requires grad")
    assert line == marked(bad)
    assert found(bad, "PTL401", "PTL402") == {line: ["PTL402"]}


# np.sqrt of a detached tensor works; NumPy 2 only warns that torch's __array_wrap__ is old-style
@pytest.mark.filterwarnings("ignore:__array_wrap__:DeprecationWarning")
@pytest.mark.parametrize("program", GRAPH_CARRIERS.values(), ids=GRAPH_CARRIERS.keys())
def test_the_detached_value_carried_this_way_is_silent(program: str) -> None:
    fixed = program.format(fix=".detach()")
    run_strictly(fixed)
    assert found(fixed, "PTL401", "PTL402") == {}
