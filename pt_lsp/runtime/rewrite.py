"""Device substitution: examples write CUDA as ``"cuda"``/``"cuda:0"``/``.cuda()``; the runner
makes them run on the device under test.

The tree is edited in place and compiled directly (never unparsed), so line numbers in
tracebacks stay those of the example as written.
"""

from __future__ import annotations

import ast
import re

_CUDA_STRING = re.compile(r"cuda(:\d+)?")


def _is_cuda_available_call(node: ast.AST) -> bool:
    """``torch.cuda.is_available()`` under any alias: an attribute chain ending ``cuda.is_available``."""
    return (
        isinstance(node, ast.Call)
        and not node.args
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "is_available"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "cuda"
    )


class _DeviceRewriter(ast.NodeTransformer):
    def __init__(self, device: str) -> None:
        self.device = device

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str) and _CUDA_STRING.fullmatch(node.value):
            return ast.copy_location(ast.Constant(self.device), node)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if _is_cuda_available_call(node):
            # `device = "cuda" if torch.cuda.is_available() else "cpu"` must pick the device under test.
            return ast.copy_location(ast.Constant(self.device != "cpu"), node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "cuda":
            # x.cuda() / x.cuda(0) -> x.to("<device>")
            func = ast.copy_location(ast.Attribute(func.value, "to", ast.Load()), func)
            arg = ast.copy_location(ast.Constant(self.device), node)
            return ast.copy_location(ast.Call(func, [arg], []), node)
        return node


def substitute_device(tree: ast.Module, device: str) -> ast.Module:
    """Rewrite ``tree`` for the torch device string ``device`` ("cpu", "cuda" or "fake-cuda")."""
    if device in ("cuda", "fake-cuda"):
        return tree  # the examples already speak CUDA (simulated by ``fake_cuda`` on the proxy)
    tree = _DeviceRewriter(device).visit(tree)
    return ast.fix_missing_locations(tree)


def compile_for_device(source: str, device: str, filename: str):
    """Parse ``source``, substitute the device, and compile it with its original line numbers."""
    tree = substitute_device(ast.parse(source, filename=filename), device)
    return compile(tree, filename, "exec")
