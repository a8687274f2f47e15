"""Immutable ``bytes`` buffers (PTL404): an array NumPy makes over one is read-only."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import call_site_arguments, reaching_values
from pt_lsp.core.walk import NESTED_SCOPES, own_nodes

from ._self_attributes import is_self_attr, self_attribute_values, self_container_elements

# Standard-library functions that return a new `bytes` object (immutable), never a `bytearray`.
_BASE64_DECODERS = "b64decode standard_b64decode urlsafe_b64decode b32decode b16decode b85decode a85decode decodebytes"
BYTES_FUNCTIONS = frozenset(
    [f"base64.{name}" for name in _BASE64_DECODERS.split()]
    + [f"{module}.decompress" for module in ("zlib", "gzip", "bz2", "lzma")]
    + ["binascii.a2b_base64", "binascii.unhexlify", "binascii.a2b_hex"]
)


def is_bytes(ctx: FileContext, node: ast.AST) -> bool:
    """``node`` is an immutable ``bytes`` object (or a ``memoryview`` of one), or a memory map
    opened read-only, on every path."""
    return _is_bytes(ctx, node)


def buffer_words(ctx: FileContext, node: ast.AST) -> str:
    """How a message names the read-only buffer ``node`` (one :func:`is_bytes` accepts)."""
    return "a read-only memory map" if is_read_only_map(ctx, node) else "an immutable bytes object"


def is_read_only_map(ctx: FileContext, node: ast.AST, depth: int = 0) -> bool:
    """``mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)`` (or ``prot=mmap.PROT_READ``), or a
    name only ever bound to one: a buffer torch cannot write through (safetensors#32 mapped its
    file so and made each tensor with ``torch.frombuffer``)."""
    if isinstance(node, ast.Name) and depth < 3:
        values = reaching_values(ctx, node)
        return bool(values) and all(is_read_only_map(ctx, v, depth + 1) for v in values or ())
    if not isinstance(node, ast.Call) or ctx.qualname(node.func) != "mmap.mmap":
        return False
    flags = {k.arg: ctx.qualname(k.value) for k in node.keywords}
    return flags.get("access") == "mmap.ACCESS_READ" or flags.get("prot") == "mmap.PROT_READ"


def _is_bytes(ctx: FileContext, node: ast.AST, depth: int = 0) -> bool:
    """An immutable buffer: a ``bytes`` object (a literal, ``bytes(...)``, ``f.read()``,
    ``a.tobytes()``) or a ``memoryview`` of one."""
    if depth > 6:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
        return _is_bytes(ctx, node.left, depth) or _is_bytes(ctx, node.right, depth)
    if isinstance(node, ast.Call):
        if is_read_only_map(ctx, node):
            return True
        if isinstance(node.func, ast.Name) and node.func.id in ("bytes", "memoryview"):
            if ctx.names.binding(node.func.id, node.func) is not None:
                return False  # shadowed
            return node.func.id == "bytes" or (len(node.args) == 1 and _is_bytes(ctx, node.args[0], depth + 1))
        if ctx.qualname(node.func) in BYTES_FUNCTIONS:
            return True
        if not isinstance(node.func, ast.Attribute) or node.keywords:
            return False
        # `f.read(size)` of a binary file is bytes too (a text file's str has no buffer: frombuffer raises)
        return node.func.attr in ("tobytes", "read", "getvalue") and len(node.args) <= (node.func.attr == "read")
    if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
        return _is_bytes_list(ctx, node.value, depth + 1)  # an element of a list of buffers
    if isinstance(node, ast.Name):
        values = reaching_values(ctx, node)
        if values is None:
            unpacked = _unpacked(ctx, node)
            if unpacked is not None:
                return _is_bytes_at(ctx, *unpacked, depth + 1)
            # a helper's parameter: bytes where every call of the file passes bytes
            # (`binary2tensor(base64.b64decode(s), shape)`)
            values = call_site_arguments(ctx, node)
        return bool(values) and all(_is_bytes(ctx, v, depth + 1) for v in values or ())
    return False


def _unpacked(ctx: FileContext, name: ast.Name) -> tuple[ast.expr, int] | None:
    """``(value, i)`` where ``name`` is bound once in its function, by ``a, name, c = value`` at
    position ``i`` (plain names only), and is no parameter of it."""
    scope = ctx.parent(name)
    while scope is not None and not isinstance(
        scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module, *NESTED_SCOPES)
    ):
        scope = ctx.parent(scope)
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        return None  # a lambda's or a class body's name: not followed
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        arguments = scope.args
        every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
        if any(a is not None and a.arg == name.id for a in every):
            return None
    found: tuple[ast.expr, int] | None = None
    for node in own_nodes(scope):
        if not (isinstance(node, ast.Name) and node.id == name.id and isinstance(node.ctx, (ast.Store, ast.Del))):
            continue
        parent = ctx.parent(node)
        statement = ctx.parent(parent) if isinstance(parent, (ast.Tuple, ast.List)) else None
        if found is not None or not (
            isinstance(statement, ast.Assign)
            and statement.targets == [parent]
            and all(isinstance(e, ast.Name) for e in parent.elts)  # type: ignore[union-attr]
        ):
            return None  # bound again, or otherwise
        found = (statement.value, parent.elts.index(node))  # type: ignore[union-attr]
    return found


def _is_bytes_at(ctx: FileContext, value: ast.expr, index: int, depth: int) -> bool:
    """Item ``index`` of what ``value`` holds is bytes: of a tuple display, or of every tuple a
    container of the class stores (``self.blobs[key] = (payload, dtype)``, read ``self.blobs[key]``)."""
    if isinstance(value, (ast.Tuple, ast.List)):
        return len(value.elts) > index and _is_bytes(ctx, value.elts[index], depth)
    if isinstance(value, ast.Subscript) and not isinstance(value.slice, ast.Slice) and is_self_attr(value.value):
        elements = self_container_elements(ctx, value.value)  # type: ignore[arg-type]
        return bool(elements) and all(
            isinstance(e, ast.Tuple) and _is_bytes_at(ctx, e, index, depth) for e in elements or ()
        )
    return False


def _is_bytes_list(ctx: FileContext, node: ast.AST, depth: int) -> bool:
    """A list whose every element is an immutable buffer (a display, a comprehension, a name
    or ``self`` attribute only ever bound to one)."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return bool(node.elts) and all(_is_bytes(ctx, e, depth + 1) for e in node.elts)
    if isinstance(node, ast.ListComp):
        return _is_bytes(ctx, node.elt, depth + 1)
    if isinstance(node, ast.Name):
        values = reaching_values(ctx, node)
        return bool(values) and all(_is_bytes_list(ctx, v, depth + 1) for v in values or ())
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        assigned = self_attribute_values(ctx, node)
        if assigned and all(v is not None and _is_bytes_list(ctx, v, depth + 1) for v in assigned):
            return True
        elements = self_container_elements(ctx, node)  # a dict (or list) the class fills with buffers
        return bool(elements) and all(_is_bytes(ctx, e, depth + 1) for e in elements or ())
    return False
