"""``np.asarray(img, dtype=np.uint8)`` of a PIL image in an 8-bit mode: NumPy gets the image's
own bytes through the array interface, already uint8, so it hands back that read-only buffer
as it does without a dtype (PIL 13, NumPy 2.4). In a mode of other bytes ("1", "I", "F",
"I;16") the dtype converts, and the array is a writable copy; an image opened without
``convert()`` has the file's mode, unknown here."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import reaching_values
from pt_lsp.core.flow.qualified import PIL_8BIT_MODES

# PIL methods whose image keeps the receiver's mode.
MODE_KEEPING = frozenset({"resize", "crop", "rotate", "transpose", "copy", "filter"})
UINT8 = frozenset({"numpy.uint8", "numpy.ubyte"})


def uint8_asarray(ctx: FileContext, node: ast.Call) -> bool:
    """``np.asarray(x, np.uint8)`` / ``np.asarray(x, dtype="uint8")``: one array, a uint8 dtype."""
    if len(node.args) == 2 and not node.keywords:
        dtype = node.args[1]
    elif len(node.args) == 1 and len(node.keywords) == 1 and node.keywords[0].arg == "dtype":
        dtype = node.keywords[0].value
    else:
        return False
    if isinstance(dtype, ast.Constant):
        return dtype.value in ("uint8", "u1")
    return ctx.qualname(dtype) in UINT8


def eight_bit_image(ctx: FileContext, node: ast.AST, depth: int = 0) -> bool:
    """``node`` is a PIL image whose mode is known to be an 8-bit one on every path:
    ``convert("RGB")``, ``quantize()``, ``Image.new("L", ...)``, then mode-keeping methods."""
    if depth > 6:
        return False
    if isinstance(node, ast.Call):
        func = node.func
        first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "mode"), None)
        if ctx.qualname(func) == "PIL.Image.new" or (isinstance(func, ast.Attribute) and func.attr == "convert"):
            return isinstance(first, ast.Constant) and first.value in PIL_8BIT_MODES
        if isinstance(func, ast.Attribute) and func.attr == "quantize":
            return True  # a palette image ("P")
        if isinstance(func, ast.Attribute) and func.attr in MODE_KEEPING:
            return eight_bit_image(ctx, func.value, depth + 1)
        return False
    if isinstance(node, ast.Name):
        values = reaching_values(ctx, node)
        return bool(values) and all(eight_bit_image(ctx, v, depth + 1) for v in values or ())
    return False
