"""PTL203 in session 10 (issue 11). Each program is ours, written for the shape, and run under
torch 2.13 here.

- Audit-11 G7: ``x.detach_()`` on a leaf that requires grad is allowed: torch detaches it and sets
  ``requires_grad`` to False (no "leaf Variable ... in-place" error). On a view torch refuses with
  its own error ("Can't detach views in-place"), which is not this rule's subject either.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection


def ptl203_lines(code: str) -> list[int]:
    result = lint_source(code, "prog.py", selection=Selection.of(["PTL203"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL203"]


def run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "prog.py"
    path.write_text(code)
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False)


DETACH_LEAF = """\
import torch

weights = torch.randn(3, requires_grad=True)
weights.CALL
print(weights.requires_grad)
"""


def test_detach_in_place_on_a_leaf_is_silent_and_runs(tmp_path: Path) -> None:
    """torch 2.13 detaches the leaf and prints False."""
    code = DETACH_LEAF.replace("CALL", "detach_()")
    assert ptl203_lines(code) == []
    proc = run(tmp_path, code)
    assert proc.returncode == 0 and proc.stdout.strip() == "False"


def test_zeroing_the_leaf_in_place_is_still_reported_and_raises(tmp_path: Path) -> None:
    """torch 2.13: RuntimeError "a leaf Variable that requires grad is being used in an in-place operation"."""
    code = DETACH_LEAF.replace("CALL", "zero_()")
    assert ptl203_lines(code) == [4]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "a leaf Variable that requires grad" in proc.stderr
