"""``flag_by_name``'s word test before its regexes gives the regexes' answer for every name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pt_lsp.core.flow import cuda_flags
from pt_lsp.core.flow.cuda_flags import flag_by_name

CRAFTED = [
    "use_cuda",
    "USE_CUDA",
    "args.cuda",
    "cuda",
    "gpu",
    "gpus",
    "on_gpu",
    "train_on_gpu",
    "no_cuda",
    "NO_GPU",
    "without_gpu",
    "disable_cuda",
    "nocuda",
    "cudaify",
    "is_gpu_available",
    "CudaFlag",
    "x",
    "device",
    "tpu",
    "use_cpu",
    "g_p_u",
    "cu_da",
    "multi_gpu",
    "gpu_ids",
    "GPU",
    "Cuda_",
    "_cuda",
    "ᴄuda",
]


def by_regex(name: str) -> bool | None:
    if cuda_flags._NO_CUDA_NAME.search(name):
        return False
    if cuda_flags._CUDA_NAME.search(name):
        return True
    return None


def names_in_source() -> set[str]:
    """Every name and attribute spelled in pt-lsp's own source and the rule examples' code."""
    found: set[str] = set()
    for path in Path(cuda_flags.__file__).parents[2].rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
                found.add(node.value)
    return found


@pytest.mark.parametrize("name", CRAFTED)
def test_crafted_names(name: str) -> None:
    assert flag_by_name(name) == by_regex(name)


def test_every_name_of_the_source() -> None:
    names = names_in_source()
    assert len(names) > 1000 and any(by_regex(n) is not None for n in names)  # flags among them
    assert [n for n in names if flag_by_name(n) != by_regex(n)] == []
