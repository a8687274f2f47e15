"""PTL404 from-numpy-read-only: a tensor sharing the memory of a read-only array."""

from __future__ import annotations

import warnings

import pytest
from rules_helpers import findings, fixed, lines

from pt_lsp.core.findings import Applicability

try:  # NumPy serves only the tests that run torch; tests/conftest.py skips those where it is missing
    import numpy as np
except ImportError:  # pragma: no cover - a plain install without the dev extra
    np = None

CODE = "PTL404"
HEAD = "import numpy as np\nimport torch\nfrom PIL import Image\n"


@pytest.mark.parametrize(
    "array",
    [
        "np.frombuffer(b'abcd', dtype=np.uint8)",
        "np.frombuffer(bytes(8), dtype=np.uint8)",
        "np.frombuffer(open('f', 'rb').read(), dtype=np.uint8)",
        "np.broadcast_to(np.zeros(3), (2, 3))",
        "np.asarray(Image.open('a.png'))",
        "np.asarray(Image.open('a.png').convert('L').resize((8, 8)))",
    ],
)
@pytest.mark.parametrize("conversion", ["torch.from_numpy", "torch.as_tensor"])
def test_read_only_arrays_report(array, conversion):
    assert lines(CODE, HEAD + f"t = {conversion}({array})\n") == [4]


@pytest.mark.parametrize(
    "snippet",
    [
        "t = torch.from_numpy(np.frombuffer(bytearray(4), dtype=np.uint8))\n",
        "t = torch.from_numpy(np.array(Image.open('a.png')))\n",
        "t = torch.from_numpy(np.broadcast_to(np.zeros(3), (2, 3)).copy())\n",
        "t = torch.as_tensor(np.frombuffer(b'ab', dtype=np.uint8), dtype=torch.float32)\n",
        "t = torch.tensor(np.frombuffer(b'ab', dtype=np.uint8))\n",
        "def f(a):\n    return torch.from_numpy(a)\n",
        "a = np.zeros(3)\na.flags.writeable = True\nt = torch.from_numpy(a)\n",
    ],
)
def test_silent(snippet):
    assert lines(CODE, HEAD + snippet) == []


def test_writeable_flag_before_the_conversion_reports():
    assert lines(CODE, HEAD + "a = np.zeros(3)\na.flags.writeable = False\nt = torch.from_numpy(a)\n") == [6]
    assert lines(CODE, HEAD + "a = np.zeros(3)\nt = torch.from_numpy(a)\na.flags.writeable = False\n") == []


def test_fix_copies_the_array_and_is_safe():
    text = HEAD + "t = torch.from_numpy(np.broadcast_to(np.zeros(3), (2, 3)))\n"
    [finding] = findings(CODE, text)
    assert finding.fix.applicability is Applicability.SAFE
    assert (
        fixed(CODE, text, unsafe=False).splitlines()[-1]
        == "t = torch.from_numpy(np.broadcast_to(np.zeros(3), (2, 3)).copy())"
    )


def test_writes_reach_protected_memory_under_torch():
    import torch

    payload = bytes(4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        torch.from_numpy(np.frombuffer(payload, dtype=np.uint8)).add_(1)
    assert payload == b"\x01\x01\x01\x01"  # an immutable bytes object, changed
