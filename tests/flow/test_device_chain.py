"""PTL401: a device chosen by an if/elif/else over CUDA and other accelerators (audit-3 M3). Where
CUDA is not used, the other branches pick another device ("mps", "xpu", the CPU): the device is
CUDA exactly when the CUDA condition holds, chosen at run time, as with the two-way choice. The
reported programs raise on (fake) CUDA and run on the CPU; the programs are ours."""

from __future__ import annotations

import re
import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

TAIL = """
tensor = torch.tensor([1, 2, 3]).to(device)
array = tensor.numpy()
"""

REPORTED = {
    "cuda, xpu, cpu": """
        import torch

        if torch.cuda.is_available():
            device = "cuda"
        elif torch.xpu.is_available():
            device = "xpu"
        else:
            device = "cpu"
        """,
    "not cuda first": """
        import torch

        if not torch.cuda.is_available():
            if torch.backends.mps.is_available():
                device = torch.device("mps")
            else:
                device = torch.device("cpu")
        else:
            device = torch.device("cuda:0")
        """,
    "cuda, mps:0 by index, cpu": """
        import torch

        if torch.cuda.is_available():
            device = "cuda"
        elif torch.backends.mps.is_available():
            device = "mps:0"
        else:
            device = "cpu"
        """,
}

SILENT = {
    "mps or cpu": """
        import torch

        if torch.backends.mps.is_available():
            device = "mps"
        else:
            device = "cpu"
        """,
    "cpu under either condition": """
        import torch

        if torch.cuda.is_available():
            device = "cpu"
        elif torch.backends.mps.is_available():
            device = "mps"
        else:
            device = "cpu"
        """,
}


def program(head: str) -> str:
    return textwrap.dedent(head) + TAIL


def lines(source: str) -> list[int]:
    result = lint_source(source, "<chain>", selection=Selection.of(["PTL401"]))
    assert result.errors == []
    return [f.line for f in result.findings]


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_reported(name: str) -> None:
    source = program(REPORTED[name])
    assert lines(source) == [len(source.splitlines())]


@pytest.mark.parametrize("name", sorted(SILENT))
def test_silent(name: str) -> None:
    assert lines(program(SILENT[name])) == []


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_reported_raises_on_cuda_and_runs_on_the_cpu(name: str) -> None:
    pytest.importorskip("torch")
    from pt_lsp.runtime.fake_cuda import NUMPY_ERROR, fake_cuda

    code = compile(program(REPORTED[name]), "<chain>", "exec")
    with fake_cuda(), pytest.raises(TypeError, match=re.escape(NUMPY_ERROR)):
        exec(code, {"__name__": "chain"})
    namespace: dict[str, object] = {"__name__": "chain"}
    exec(code, namespace)  # no CUDA, no MPS or XPU here: the CPU
    assert "array" in namespace


@pytest.mark.parametrize("name", sorted(SILENT))
def test_silent_runs_on_cuda(name: str) -> None:
    pytest.importorskip("torch")
    from pt_lsp.runtime.fake_cuda import fake_cuda

    namespace: dict[str, object] = {"__name__": "chain"}
    with fake_cuda():
        exec(compile(program(SILENT[name]), "<chain>", "exec"), namespace)
    assert "array" in namespace
