"""The spatial sizes a convolution, a pool or an upsampling gives, for PTL202's layer shapes: torch's
formula ``(size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1`` with the sizes the
constructor states (``nn.Conv2d(3, 8, 3, padding=1)``, ``nn.MaxPool2d(2)``), and ``size * scale``
for ``nn.Upsample(scale_factor=2)``. A size the code does not state stays unknown (None)."""

from __future__ import annotations

import ast

from pt_lsp.core.flow.autograd import keyword
from pt_lsp.rules.autograd._literals import signed_int
from pt_lsp.rules.autograd._shape_lattice import Dim

# The position of each setting among a layer's arguments, and its default.
CONV_SETTINGS = {"kernel_size": (2, None), "stride": (3, 1), "padding": (4, 0), "dilation": (5, 1)}
POOL_SETTINGS = {"kernel_size": (0, None), "stride": (1, None), "padding": (2, 0), "dilation": (3, 1)}
POOLS = {f"torch.nn.{kind}Pool{k}d": k for kind in ("Max", "Avg") for k in (1, 2, 3)}


def _setting(layer: ast.Call, name: str, settings: dict[str, tuple[int, int | None]], spatial: int) -> list[Dim] | None:
    """One int per spatial dimension (an int is repeated, a tuple read item by item)."""
    at, default = settings[name]
    given = layer.args[at] if len(layer.args) > at else keyword(layer, name)
    if given is None or (isinstance(given, ast.Constant) and given.value is None):
        return [default] * spatial if default is not None else None
    if isinstance(given, (ast.Tuple, ast.List)):
        items = [signed_int(e) for e in given.elts]
        return items if len(items) == spatial else None
    return [signed_int(given)] * spatial


def windowed(layer: ast.Call, qualname: str, sizes: tuple[Dim, ...], pool: bool) -> tuple[Dim, ...]:
    """The spatial sizes after a convolution (``pool`` False) or a max/avg pool over ``sizes``."""
    spatial = len(sizes)
    unknown: tuple[Dim, ...] = (None,) * spatial
    ceil = keyword(layer, "ceil_mode")
    if "Transpose" in qualname or ceil is not None or (pool and "Avg" in qualname and len(layer.args) > 3):
        return unknown  # another formula (or a rounding the code may choose)
    settings = POOL_SETTINGS if pool else CONV_SETTINGS
    at = settings["padding"][0]
    padding = layer.args[at] if len(layer.args) > at else keyword(layer, "padding")
    if isinstance(padding, ast.Constant) and padding.value == "same":
        return sizes
    valid = isinstance(padding, ast.Constant) and padding.value == "valid"
    kernel = _setting(layer, "kernel_size", settings, spatial)
    stride = _setting(layer, "stride", settings, spatial) or (kernel if pool else None)  # a pool's: its kernel
    pad = [0] * spatial if valid else _setting(layer, "padding", settings, spatial)
    no_dilation = pool and "Avg" in qualname  # AvgPool has none (its 4th argument is ceil_mode)
    dilation = [1] * spatial if no_dilation else _setting(layer, "dilation", settings, spatial)
    if kernel is None or stride is None or pad is None or dilation is None:
        return unknown
    out: list[Dim] = []
    for size, k, s, p, d in zip(sizes, kernel, stride, pad, dilation):
        if size is None or size < 0 or k is None or s is None or p is None or d is None or s <= 0:
            out.append(None)
            continue
        length = (size + 2 * p - d * (k - 1) - 1) // s + 1
        out.append(length if length >= 0 else None)
    return tuple(out)


def upsampled(layer: ast.Call, sizes: tuple[Dim, ...]) -> tuple[Dim, ...] | None:
    """``nn.Upsample(scale_factor=2)`` / ``nn.Upsample(size=(h, w))``: the spatial sizes after it."""
    size, scale = keyword(layer, "size"), keyword(layer, "scale_factor")
    if layer.args:
        size = layer.args[0]
    if size is not None:
        given = size.elts if isinstance(size, (ast.Tuple, ast.List)) else [size] * len(sizes)
        out = [signed_int(g) for g in given]
        return tuple(out) if len(out) == len(sizes) else None
    factor = signed_int(scale)
    if factor is None:
        return None
    return tuple(s * factor if s is not None and s >= 0 else None for s in sizes)
