import ast
import textwrap

import pytest

from pt_lsp.runtime.rewrite import compile_for_device, substitute_device

SOURCE = textwrap.dedent("""\
    import torch
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.ones(2, device="cuda:0")
    y = torch.zeros(2).cuda()
    z = torch.zeros(2).cuda(0)
    label = "cuda kernels"
""")


def _rewritten(device: str) -> str:
    return ast.unparse(substitute_device(ast.parse(SOURCE), device))


def test_cpu_rewrites_device_strings_cuda_calls_and_availability():
    text = _rewritten("cpu")
    assert "cuda" not in text.replace("cuda kernels", "")
    assert "torch.device('cuda' if" not in text
    assert "torch.ones(2, device='cpu')" in text
    assert "torch.zeros(2).to('cpu')" in text
    assert "torch.device('cuda' if False else 'cpu')" not in text
    assert "'cpu' if False else 'cpu'" in text  # is_available() answers for the device under test


def test_cuda_and_the_fake_cuda_proxy_leave_the_program_as_written():
    # The proxy simulates CUDA at run time (pt_lsp.runtime.fake_cuda): the program speaks CUDA.
    assert _rewritten("cuda") == ast.unparse(ast.parse(SOURCE))
    assert _rewritten("fake-cuda") == ast.unparse(ast.parse(SOURCE))


def test_other_strings_are_left_alone():
    assert "'cuda kernels'" in _rewritten("cpu")


def test_line_numbers_survive_the_rewrite():
    source = "import torch\n\nx = torch.ones(2).cuda()\n\n\nraise ValueError(x.device.type)\n"
    code = compile_for_device(source, "cpu", "<example>")
    with pytest.raises(ValueError, match="^cpu$") as info:
        exec(code, {})
    assert info.traceback[-1].lineno + 1 == 6  # pytest's lineno is 0-based
