"""PTL404 in session 10 (issue 11): a row of a read-only array read with an int index, a
dataset's ``__getitem__`` index or a ``range`` loop's variable (``torch.from_numpy(self.feats[idx])``
over ``np.load(path, mmap_mode="r")`` or ``np.memmap(..., mode="r")``). Each program is ours,
written for the shape, and run under torch 2.13 here with ``-W error::UserWarning``: the reported
ones fail with "The given NumPy array is not writable"; the neighbours that copy run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

DATASET = """\
import numpy as np
import torch

np.zeros((4, 2), dtype=np.float32).tofile(PATH)


class Rows(torch.utils.data.Dataset):
    def __init__(self, path):
        self.data = np.memmap(path, dtype=np.float32, mode="r", shape=(4, 2))

    def __len__(self):
        return 4

    def __getitem__(self, idx):
        row = self.data[idx]
        return CONVERSION


print(Rows(PATH)[1])
"""

LOOP = """\
import numpy as np
import torch

np.save(PATH, np.zeros((3, 5), dtype=np.float32))
feats = np.load(PATH, mmap_mode="r")
batch = []
for i in range(3):
    batch.append(CONVERSION)
print(len(batch))
"""


def ptl404_lines(code: str) -> list[int]:
    result = lint_source(code, "prog.py", selection=Selection.of(["PTL404"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL404"]


def run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "prog.py"
    path.write_text(code)
    return subprocess.run(
        [sys.executable, "-W", "error::UserWarning", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def program(template: str, conversion: str, tmp_path: Path) -> str:
    data = tmp_path / ("rows.bin" if template is DATASET else "feats.npy")
    return template.replace("CONVERSION", conversion).replace("PATH", repr(str(data)))


def test_a_row_of_a_memmap_in_getitem_is_reported_and_warns(tmp_path: Path) -> None:
    code = program(DATASET, "torch.from_numpy(row)", tmp_path)
    assert ptl404_lines(code) == [16]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "The given NumPy array is not writable" in proc.stderr


def test_a_row_of_a_mapped_npy_in_a_range_loop_is_reported_and_warns(tmp_path: Path) -> None:
    code = program(LOOP, "torch.from_numpy(feats[i])", tmp_path)
    assert ptl404_lines(code) == [8]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "The given NumPy array is not writable" in proc.stderr


def test_a_copied_row_is_silent_and_runs(tmp_path: Path) -> None:
    for template, conversion in (
        (DATASET, "torch.from_numpy(np.array(row))"),
        (LOOP, "torch.from_numpy(feats[i].copy())"),
    ):
        code = program(template, conversion, tmp_path)
        assert ptl404_lines(code) == []
        assert run(tmp_path, code).returncode == 0
