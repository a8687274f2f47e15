"""Read-only NumPy arrays (PTL404): the evidence that an expression is one, followed through
names, views, helpers, methods and ``self`` attributes of the file."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import (
    call_site_arguments,
    constructor_argument,
    dunder_returns,
    instance_class,
    local_function,
    reaching_values,
    returned_values,
)
from pt_lsp.core.flow.indexing import basic_index
from pt_lsp.core.flow.lattice import ReadOnly

from ._bytes_buffers import buffer_words, is_bytes
from ._flag_attributes import flagged_attribute
from ._flagged_names import made_read_only
from ._pil_modes import eight_bit_image, uint8_asarray
from ._self_attributes import is_self_attr, self_attr, self_attribute_values

# PIL methods returning an image made from their receiver.
PIL_IMAGE_FUNCTIONS = {"PIL.Image.open", "PIL.Image.new", "PIL.Image.fromarray", "PIL.Image.frombytes"}
PIL_IMAGE_METHODS = {"convert", "resize", "crop", "rotate", "transpose", "copy", "filter", "quantize"}


def _is_pil_image(ctx: FileContext, node: ast.AST, depth: int = 0) -> bool:
    if isinstance(node, ast.Call):
        if ctx.qualname(node.func) in PIL_IMAGE_FUNCTIONS:
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr in PIL_IMAGE_METHODS:
            return _is_pil_image(ctx, node.func.value, depth + 1)
        return False
    if isinstance(node, ast.Name) and depth < 6:
        values = reaching_values(ctx, node)
        return values is not None and bool(values) and all(_is_pil_image(ctx, v, depth + 1) for v in values)
    return False


# NumPy methods that always return a view of their receiver (read-only when it is), and those
# that return a view only of a contiguous array (a copy, writable, otherwise).
VIEW_METHODS = {"view", "transpose", "swapaxes", "squeeze"}
CONTIGUOUS_VIEW_METHODS = {"reshape", "ravel"}


def read_only_reason(ctx: FileContext, node: ast.AST, depth: int = 0) -> str | None:
    """Why ``node`` is a read-only NumPy array, or None without evidence."""
    found = read_only(ctx, node, depth)
    return found.reason if found is not None else None


def read_only(ctx: FileContext, node: ast.AST, depth: int = 0) -> ReadOnly | None:
    """The evidence that ``node`` is a read-only NumPy array, or None."""
    if depth > 8:
        return None
    if isinstance(node, ast.Call):
        qualname = ctx.qualname(node.func)
        if qualname == "numpy.frombuffer" and node.args and is_bytes(ctx, node.args[0]):
            return ReadOnly(f"`np.frombuffer` of {buffer_words(ctx, node.args[0])}", node, True)
        if qualname == "numpy.broadcast_to":
            return ReadOnly("a `np.broadcast_to` view, whose rows share one memory", node, False)
        buffer = _argument(node, "buffer", 2) if qualname == "numpy.ndarray" else None
        if buffer is not None and is_bytes(ctx, buffer):
            # `np.ndarray(shape, dtype, buffer=f.read(n))`: an array over the bytes, read-only as they are
            contiguous = not any(k.arg in ("strides", "order") for k in node.keywords) and len(node.args) < 5
            return ReadOnly("`np.ndarray` over an immutable bytes buffer", node, contiguous)
        if qualname == "numpy.memmap" and _constant_argument(node, "mode", 2) == "r":
            return ReadOnly('`np.memmap` opened with `mode="r"`', node, True)
        if qualname == "numpy.load" and _constant_argument(node, "mmap_mode", 1) == "r":
            return ReadOnly('`np.load` with `mmap_mode="r"`', node, False)
        if qualname == "numpy.asarray" and len(node.args) == 1 and not node.keywords:
            if _is_pil_image(ctx, node.args[0]):
                return ReadOnly("`np.asarray` of a PIL image", node, True)
            return read_only(ctx, node.args[0], depth + 1)  # an array is returned as it is
        if qualname == "numpy.asarray" and uint8_asarray(ctx, node) and eight_bit_image(ctx, node.args[0]):
            return ReadOnly("`np.asarray` of a PIL image in an 8-bit mode, as uint8", node, True)
        func = node.func
        if qualname is None and isinstance(func, ast.Attribute) and func.attr in VIEW_METHODS | CONTIGUOUS_VIEW_METHODS:
            if func.attr == "view" and (node.args or node.keywords) and not _dtype_view(node):
                return None  # `view(type=...)`: another class
            base = read_only(ctx, func.value, depth + 1)
            if base is None or (func.attr in CONTIGUOUS_VIEW_METHODS and not base.contiguous):
                return None
            return ReadOnly(base.reason, base.where, base.contiguous and func.attr in CONTIGUOUS_VIEW_METHODS)
        function = local_function(ctx, node) or _instance_method(ctx, node)
        returned = returned_values(function) if function is not None else None
        return _every(ctx, returned, depth) if returned else None
    if isinstance(node, ast.Attribute) and node.attr == "T":
        base = read_only(ctx, node.value, depth + 1)
        return ReadOnly(base.reason, base.where, False) if base is not None else None
    if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice) and is_self_attr(node.value):
        element = _list_element(ctx, node.value, depth)  # type: ignore[arg-type]
        if element is not None:
            return element
    if isinstance(node, ast.Subscript) and basic_index(node.slice):
        base = read_only(ctx, node.value, depth + 1)
        if base is None:
            return None
        # `a[i:j]` of a C-contiguous array is C-contiguous: a reshape of it is a view too
        contiguous = base.contiguous and isinstance(node.slice, ast.Slice) and node.slice.step is None
        return ReadOnly(base.reason, base.where, contiguous)
    if isinstance(node, ast.Subscript):
        return _every(ctx, dunder_returns(ctx, node), depth)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        if (flagged := flagged_attribute(ctx, node)) is not None:
            return ReadOnly("an array made read-only with `flags.writeable = False`", flagged, False)
        return _self_attribute(ctx, node, depth)
    if isinstance(node, ast.Attribute):
        argument = constructor_argument(ctx, node)
        return read_only(ctx, argument, depth + 1) if argument is not None else None
    if isinstance(node, ast.Name):
        made = made_read_only(ctx, node)
        if made is not None:
            return ReadOnly("an array made read-only with `flags.writeable = False`", made, False)
        return _every(ctx, reaching_values(ctx, node) or call_site_arguments(ctx, node), depth)
    return None


def _instance_method(ctx: FileContext, call: ast.Call) -> ast.FunctionDef | None:
    """The method ``obj.name(...)`` calls on an instance of a class of the file (one plain
    ``def`` of that name in the class body, which has no bases that could override it)."""
    func = call.func
    if not isinstance(func, ast.Attribute) or isinstance(func.value, ast.Name) and func.value.id == "self":
        return None
    cls = instance_class(ctx, func.value)
    if cls is None or cls.bases and not all(isinstance(b, (ast.Name, ast.Attribute)) for b in cls.bases):
        return None
    found = [s for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == func.attr]
    if len(found) != 1 or found[0].decorator_list or not isinstance(found[0], ast.FunctionDef):
        return None
    return found[0]


def _every(ctx: FileContext, values: list[ast.AST] | None, depth: int) -> ReadOnly | None:
    """The evidence of the first of ``values`` when every one of them is read-only."""
    if not values:
        return None
    found = [read_only(ctx, v, depth + 1) for v in values]
    return found[0] if all(found) else None


def _constant_argument(call: ast.Call, keyword: str, position: int) -> object:
    """The constant passed for a parameter (by keyword or at ``position``), else None."""
    for item in call.keywords:
        if item.arg == keyword:
            return item.value.value if isinstance(item.value, ast.Constant) else None
    if len(call.args) > position and isinstance(call.args[position], ast.Constant):
        return call.args[position].value  # type: ignore[attr-defined]
    return None


def _argument(call: ast.Call, keyword: str, position: int) -> ast.AST | None:
    """The expression passed for a parameter by keyword or at ``position`` (None otherwise)."""
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    return None


def _dtype_view(call: ast.Call) -> bool:
    """``a.view(np.uint8)`` / ``a.view(dtype=...)``: a view with another dtype."""
    return not call.keywords or all(k.arg == "dtype" for k in call.keywords)


def _self_attribute(ctx: FileContext, node: ast.Attribute, depth: int) -> ReadOnly | None:
    """``self.a`` where the class only ever assigns ``self.a`` read-only arrays."""
    values = self_attribute_values(ctx, node)
    if values is None or any(v is None for v in values):
        return None
    return _every(ctx, [v for v in values if v is not None], depth)


def _list_element(ctx: FileContext, node: ast.Attribute, depth: int) -> ReadOnly | None:
    """An element of ``self.a``, a list the class only ever builds empty (or of read-only
    arrays) and grows with ``append``/``insert`` of read-only arrays: indexing a list hands the
    element itself out, not a copy."""
    values = self_attribute_values(ctx, node)
    cls = ctx.enclosing_class(node)
    if not values or cls is None or not all(isinstance(v, ast.List) for v in values):
        return None
    elements: list[ast.AST] = [e for v in values for e in v.elts]  # type: ignore[union-attr]
    for child in ast.walk(cls):
        if isinstance(child, ast.Subscript) and isinstance(child.ctx, ast.Store) and self_attr(child.value, node.attr):
            return None  # an item replaced: not followed
        if not (isinstance(child, ast.Attribute) and self_attr(child.value, node.attr)):
            continue
        call = ctx.parent(child)
        if child.attr in ("append", "insert") and isinstance(call, ast.Call) and call.func is child and call.args:
            elements.append(call.args[-1])
        elif child.attr in ("extend", "__setitem__", "__iadd__"):
            return None
    return _every(ctx, elements, depth)
