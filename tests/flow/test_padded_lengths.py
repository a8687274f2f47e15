"""``pad_packed_sequence`` returns ``(padded, lengths)``: the padded batch carries the recurrent
layer's graph, the lengths are an int64 CPU tensor that never requires grad (audit-12 G4, a
speech model's ``np.array(new_lengths)``). Our program, run under torch 2.13: line 11 prints
``True [5 3]``, line 12 raises "Can't call numpy() on Tensor that requires grad"."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

PROGRAM = textwrap.dedent(
    """\
    import numpy as np
    import torch
    import torch.nn as nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    lstm = nn.LSTM(4, 6)
    x = torch.randn(5, 2, 4)
    packed = pack_padded_sequence(x, torch.tensor([5, 3]))
    out, _ = lstm(packed)
    output, lengths = pad_packed_sequence(out)
    print(output.requires_grad, np.array(lengths))
    print(np.array(output))
    """
)


def test_the_lengths_do_not_require_grad_the_padded_batch_does():
    result = lint_source(PROGRAM, "packed.py", selection=Selection.of(["PTL402"]))
    assert [(f.code, f.line) for f in result.findings] == [("PTL402", 12)]


def test_the_program_behaves_as_the_findings_say(tmp_path):
    pytest.importorskip("torch")
    path = tmp_path / "packed.py"
    path.write_text(PROGRAM)
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert run.stdout.splitlines()[0] == "True [5 3]"
    assert "Can't call numpy() on Tensor that requires grad" in run.stderr
