"""PTL404 on read-only memory that real reports wrapped without `torch.from_numpy` of a NumPy view
(issue 11, session 9). Each program is ours, written for the shape; each is run under torch 2.13
here with ``-W error::UserWarning`` (the reported symptom is torch's warning).

- An array made with ``np.ndarray(shape, dtype, buffer=f.read(n))`` (a fast `.npy` reader's
  ``load``; its users got "The given NumPy array is not writable" from ``torch.from_numpy``).
- ``torch.frombuffer(f.read(), dtype=...)`` (a reader of raw weight files; torch warns "The
  given buffer is not writable", and the tensor writes into the bytes object).
- The legacy constructor ``torch.Tensor(a)`` of a read-only array (a federated-learning client
  rebuilding its state dict, a data loader's ``__getitem__``): torch warns whatever the dtype,
  and for a float32 array the tensor shares the memory.
- A dataset's ``__getitem__`` returning a read-only array (a row of a memory-mapped table) to a
  ``DataLoader`` without a ``collate_fn``: the default collate wraps it with ``torch.as_tensor``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

NDARRAY_OVER_BYTES = """\
import numpy as np
import torch


def load(f, shape):
    size = int(np.prod(shape)) * 4
    return np.ndarray(shape, dtype=np.float32, buffer=READ)


with open(PATH, "wb") as f:
    f.write(np.arange(6, dtype=np.float32).tobytes())
with open(PATH, "rb") as f:
    t = torch.from_numpy(load(f, (2, 3)))
t.mul_(2)
print(t.shape)
"""

FROMBUFFER = """\
import torch

with open(PATH, "wb") as f:
    f.write(bytes(24))
with open(PATH, "rb") as f:
    payload = f.read()
weights = torch.frombuffer(BUFFER, dtype=torch.float32).reshape(2, 3)
weights.clamp_(min=1.0)
print(weights.shape)
"""

LEGACY_CONSTRUCTOR = """\
import numpy as np
import torch

with open(PATH, "wb") as f:
    f.write(bytes(24))
with open(PATH, "rb") as f:
    raw = np.frombuffer(f.read(), dtype=np.float32)
t = CONVERSION
t.add_(1)
print(t.shape)
"""


def ptl404_lines(code: str) -> list[int]:
    result = lint_source(code, "prog.py", selection=Selection.of(["PTL404"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL404"]


def run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "prog.py"
    path.write_text(code.replace("PATH", repr(str(tmp_path / "data.bin"))))
    return subprocess.run(
        [sys.executable, "-W", "error::UserWarning", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_ndarray_over_bytes_read_from_a_file_is_reported_and_warns(tmp_path: Path) -> None:
    code = NDARRAY_OVER_BYTES.replace("READ", "f.read(size)")
    assert ptl404_lines(code) == [13]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "The given NumPy array is not writable" in proc.stderr


def test_an_ndarray_over_a_bytearray_is_silent_and_runs(tmp_path: Path) -> None:
    """``bytearray`` is mutable: the array is writable (torch 2.13 prints torch.Size([2, 3]))."""
    code = NDARRAY_OVER_BYTES.replace("READ", "bytearray(f.read(size))")
    assert ptl404_lines(code) == []
    assert run(tmp_path, code).returncode == 0


def test_torch_frombuffer_of_bytes_is_reported_and_warns(tmp_path: Path) -> None:
    code = FROMBUFFER.replace("BUFFER", "payload")
    assert ptl404_lines(code) == [7]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "The given buffer is not writable" in proc.stderr


def test_torch_frombuffer_of_a_bytearray_is_silent_and_runs(tmp_path: Path) -> None:
    code = FROMBUFFER.replace("BUFFER", "bytearray(payload)")
    assert ptl404_lines(code) == []
    assert ptl404_lines(FROMBUFFER.replace("BUFFER", "bytearray(24)")) == []
    assert run(tmp_path, code).returncode == 0  # torch 2.13 prints torch.Size([2, 3])


def test_torch_frombuffer_of_an_unknown_buffer_is_silent() -> None:
    code = "import torch\n\n\ndef tensor_of(buffer):\n    return torch.frombuffer(buffer, dtype=torch.uint8)\n"
    assert ptl404_lines(code) == []


@pytest.mark.parametrize("conversion", ["torch.Tensor(raw)", "torch.FloatTensor(raw)"])
def test_a_legacy_constructor_of_a_read_only_array_is_reported_and_warns(tmp_path: Path, conversion: str) -> None:
    code = LEGACY_CONSTRUCTOR.replace("CONVERSION", conversion)
    assert ptl404_lines(code) == [8]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "The given NumPy array is not writable" in proc.stderr


def test_a_copy_or_a_size_is_silent_and_runs(tmp_path: Path) -> None:
    """``torch.tensor`` copies without a warning; ``torch.Tensor(3)`` is a size."""
    code = LEGACY_CONSTRUCTOR.replace("CONVERSION", "torch.Tensor(raw.copy())")
    assert ptl404_lines(code) == []
    for other in ("torch.tensor(raw)", "torch.Tensor(3)"):
        assert ptl404_lines(LEGACY_CONSTRUCTOR.replace("CONVERSION", other)) == []
    assert run(tmp_path, code).returncode == 0  # torch 2.13 prints torch.Size([6])


def test_the_fixes_copy_and_silence_the_warning(tmp_path: Path) -> None:
    from rules_helpers import fixed

    for code in (
        NDARRAY_OVER_BYTES.replace("READ", "f.read(size)"),
        FROMBUFFER.replace("BUFFER", "payload"),
        LEGACY_CONSTRUCTOR.replace("CONVERSION", "torch.Tensor(raw)"),
    ):
        repaired = fixed("PTL404", code)
        compile(repaired, "prog.py", "exec")
        assert ptl404_lines(repaired) == []
        assert run(tmp_path, repaired).returncode == 0


# -- A dataset's `__getitem__` hands a read-only array to the loader's default collate ------------
# (an audio-embedding benchmark's memory-mapped embeddings: "collate.py: UserWarning: The given
# NumPy array is not writable", fixed by returning `np.copy(self.embedding_memmap[idx])`)

COLLATED = """\
import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset


class Embeddings(Dataset):
    def __init__(self, path):
        np.save(path, np.zeros((4, 3), np.float32))
        self.table = np.load(path, mmap_mode="r")
        self.image = Image.new("L", (2, 2))

    def __len__(self):
        return len(self.table)

    def __getitem__(self, i):
        return ITEM


for batch in DataLoader(Embeddings(PATH + ".npy"), batch_size=2LOADER):
    print(type(batch).__name__)
"""


def collated(item: str, loader: str = "") -> str:
    return COLLATED.replace("ITEM", item).replace("LOADER", loader)


@pytest.mark.parametrize(
    ("item", "column"),
    [("self.table[i]", 15), ("(np.asarray(self.image), i)", 16)],
)
def test_a_read_only_array_returned_to_the_default_collate_is_reported_and_warns(
    tmp_path: Path, item: str, column: int
) -> None:
    code = collated(item)
    result = lint_source(code, "prog.py", selection=Selection.of(["PTL404"]))
    assert [(f.line, f.span.start.col) for f in result.findings] == [(17, column)]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "The given NumPy array is not writable" in proc.stderr


def test_a_copy_or_a_collate_fn_of_ours_is_silent_and_runs(tmp_path: Path) -> None:
    code = collated("self.table[i].copy()")
    assert ptl404_lines(code) == []
    assert ptl404_lines(collated("(np.array(self.image), i)")) == []
    own_collate = collated("self.table[i]", ", collate_fn=lambda rows: [np.copy(r) for r in rows]")
    assert ptl404_lines(own_collate) == []
    assert run(tmp_path, code).returncode == 0  # torch 2.13 prints "Tensor" twice
    assert run(tmp_path, own_collate).returncode == 0  # torch 2.13 prints "list" twice


# -- Bytes kept in a dict attribute of a class of the file, read back by a method ------------------
# (a model loader that keeps weights in an object store and rebuilds the model with
# `torch.as_tensor(store.get(name))`: "The given NumPy array is not writable")

STORE = """\
import numpy as np
import torch


class Store:
    def __init__(self):
        self._blobs = {}

    def put(self, name, array):
        self._blobs[name] = (PAYLOAD, array.dtype, array.shape)

    def get(self, name):
        blob, dtype, shape = self._blobs[name]
        return np.frombuffer(blob, dtype=dtype).reshape(shape)


def rebuild(store, names):
    return {name: torch.as_tensor(store.get(name)) for name in names}


store = Store()
store.put("w", np.ones((2, 3), np.float32))
print(rebuild(store, ["w"])["w"].shape)
"""


def test_bytes_unpacked_from_a_dict_the_class_fills_are_reported_and_warn(tmp_path: Path) -> None:
    code = STORE.replace("PAYLOAD", "array.tobytes()")
    assert ptl404_lines(code) == [18]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "The given NumPy array is not writable" in proc.stderr


def test_a_bytearray_kept_in_the_dict_is_silent_and_runs(tmp_path: Path) -> None:
    code = STORE.replace("PAYLOAD", "bytearray(array.tobytes())")
    assert ptl404_lines(code) == []
    assert run(tmp_path, code).returncode == 0  # torch 2.13 prints torch.Size([2, 3])


def test_a_dict_also_filled_another_way_is_not_followed() -> None:
    code = STORE.replace("PAYLOAD", "array.tobytes()").replace(
        "    def get(self, name):",
        "    def load(self, other):\n        self._blobs.update(other)\n\n    def get(self, name):",
    )
    assert ptl404_lines(code) == []
