"""Session 12 (H-401): PTL404 on NumPy's views of read-only arrays, taught by our own programs.
Each reported program hands ``torch.from_numpy`` an array whose ``flags.writeable`` is False
(torch 2.13 warns "The given NumPy array is not writable", once per process, so the run checks
the flag); each silent neighbour hands it a writable one.

- NumPy's view functions of a read-only array stay read-only: ``np.transpose``, ``np.squeeze``,
  ``np.expand_dims``, ``np.reshape``/``np.ravel`` and ``np.ascontiguousarray`` of a C-contiguous
  one; ``sliding_window_view`` (unless ``writeable=True``) and ``as_strided(...,
  writeable=False)`` are read-only.
- A row ``a[i]`` (or ``a[None]``) of a C-contiguous read-only array is C-contiguous: its
  ``.reshape(...)`` is a view too (a dataset's ``self.images[idx].reshape(-1)``).
"""

from __future__ import annotations

import textwrap
import warnings

import pytest
from rules_helpers import found, marked


def converted_writable(source: str) -> list[bool]:
    """Run ``source`` and say, for each array it hands ``torch.from_numpy``, whether it is
    writable (torch warns "The given NumPy array is not writable" only once per process)."""
    import torch

    seen: list[bool] = []
    original = torch.from_numpy

    def spy(array: object) -> object:
        seen.append(bool(array.flags.writeable))  # type: ignore[attr-defined]
        return original(array)  # type: ignore[arg-type]

    torch.from_numpy = spy  # type: ignore[assignment]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            exec(compile(textwrap.dedent(source), "<ours>", "exec"), {"__name__": "__main__", "print": lambda *a: None})
    finally:
        torch.from_numpy = original
    return seen


# -- PTL404: views of read-only arrays ----------------------------------------------------------
VIEWS = {
    "transpose, expand_dims": """\
    import numpy as np
    import torch
    from PIL import Image

    img = Image.new("RGB", (2, 2))
    a = np.transpose(np.{asarray}(img), (2, 0, 1))
    t = torch.from_numpy(np.expand_dims(a, 0))  # fails
""",
    "ascontiguousarray of a contiguous one": """\
    import numpy as np
    import torch

    a = np.frombuffer(bytes(16), dtype=np.float32){copy}
    t = torch.from_numpy(np.ascontiguousarray(a))  # fails
""",
    "squeeze of a[None]": """\
    import numpy as np
    import torch

    a = np.frombuffer(bytes(24), dtype=np.float32).reshape(2, 3){copy}
    b = np.squeeze(a[None])
    t = torch.from_numpy(np.reshape(b, -1))  # fails
""",
    "sliding window": """\
    import numpy as np
    import torch

    series = np.arange(12, dtype=np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(series, 3{writeable})[::2]
    batch = torch.from_numpy(frames)  # fails
""",
    "as_strided": """\
    import numpy as np
    import torch
    from numpy.lib.stride_tricks import as_strided

    a = np.arange(6, dtype=np.float32)
    w = as_strided(a, shape=(4, 3), strides=(4, 4){strided})
    t = torch.from_numpy(w)  # fails
""",
    "a row of a dataset's array, reshaped": """\
    import numpy as np
    import torch
    from torch.utils.data import Dataset


    class Digits(Dataset):
        def __init__(self, raw):
            self.images = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 2, 2){copy}

        def __len__(self):
            return len(self.images)

        def __getitem__(self, idx):
            img = self.images[idx].reshape(4)
            return torch.from_numpy(img)  # fails


    print(Digits(bytes(8))[1])
""",
}
BAD_VIEW = {"asarray": "asarray", "copy": "", "writeable": "", "strided": ", writeable=False"}
GOOD_VIEW = {"asarray": "array", "copy": ".copy()", "writeable": ", writeable=True", "strided": ""}


@pytest.mark.parametrize("program", VIEWS.values(), ids=VIEWS.keys())
def test_a_view_of_a_read_only_array_is_reported_at_from_numpy(program: str) -> None:
    bad = textwrap.dedent(program.format(**BAD_VIEW))
    assert converted_writable(bad) == [False]
    assert found(bad, "PTL404") == {marked(bad): ["PTL404"]}


@pytest.mark.parametrize("program", VIEWS.values(), ids=VIEWS.keys())
def test_a_view_of_a_writable_copy_is_silent(program: str) -> None:
    good = program.format(**GOOD_VIEW)
    if "sliding_window_view" in good:  # a writable window needs a writable base: NumPy's own array
        good = good.replace("np.arange(12, dtype=np.float32)", "np.arange(12, dtype=np.float32).copy()")
    assert converted_writable(good) == [True]
    assert found(good, "PTL404") == {}


TRANSPOSED_COPY = """\
    import numpy as np
    import torch

    a = np.frombuffer(bytes(24), dtype=np.float32).reshape(2, 3)
    t = torch.from_numpy(np.ascontiguousarray(a.T))
    u = torch.from_numpy(np.reshape(a.T, -1))
"""


def test_functions_that_copy_a_non_contiguous_array_are_silent() -> None:
    assert converted_writable(TRANSPOSED_COPY) == [True, True]
    assert found(TRANSPOSED_COPY, "PTL404") == {}
