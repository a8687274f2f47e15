"""Evidence for the NumPy memory-sharing rules (PTL403, PTL404): paths, in-place changes, read-only arrays."""

from __future__ import annotations

import ast
import heapq
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pt_lsp.core import vocabulary
from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.edits import statement_position
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
from pt_lsp.core.walk import attr_path as path_of
from pt_lsp.core.walk import own_nodes

from ._flag_attributes import flagged_attribute
from ._pil_modes import eight_bit_image, uint8_asarray

# In-place methods that do not change a tensor's values.
NOT_WRITING = vocabulary.IN_PLACE_NOT_WRITING
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# PIL methods returning an image made from their receiver.
PIL_IMAGE_FUNCTIONS = {"PIL.Image.open", "PIL.Image.new", "PIL.Image.fromarray", "PIL.Image.frombytes"}
PIL_IMAGE_METHODS = {"convert", "resize", "crop", "rotate", "transpose", "copy", "filter", "quantize"}
# Standard-library functions that return a new `bytes` object (immutable), never a `bytearray`.
_BASE64_DECODERS = "b64decode standard_b64decode urlsafe_b64decode b32decode b16decode b85decode a85decode decodebytes"
BYTES_FUNCTIONS = frozenset(
    [f"base64.{name}" for name in _BASE64_DECODERS.split()]
    + [f"{module}.decompress" for module in ("zlib", "gzip", "bz2", "lzma")]
    + ["binascii.a2b_base64", "binascii.unhexlify", "binascii.a2b_hex"]
)
# `a.flags["WRITEABLE"] = False`: the keys NumPy's flags object accepts for the writeable flag.
WRITEABLE_KEYS = ("WRITEABLE", "W")


def ordered_nodes(stmts: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes of ``stmts`` roughly in evaluation order (by position; a statement's targets
    after its value), skipping nested functions and classes."""
    for stmt in stmts:
        nodes = []
        pending: list[ast.AST] = [stmt]
        while pending:
            node = pending.pop()
            nodes.append(node)
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, _NESTED):
                    pending.append(child)
        targets = _target_ids(stmt)
        nodes.sort(key=lambda n: (id(n) in targets, getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
        yield from nodes


def _target_ids(stmt: ast.stmt) -> set[int]:
    if isinstance(stmt, ast.Assign):
        roots = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        roots = [stmt.target]
    else:
        return set()
    return {id(n) for root in roots for n in ast.walk(root)}


# What may write into a tensor: a call, an item assignment, an augmented assignment.
Write = ast.Call | ast.Assign | ast.AugAssign
WRITES = (ast.Call, ast.Assign, ast.AugAssign)


def writes(ctx: FileContext, node: ast.AST, path: str, optimizers: dict[str, str]) -> bool:
    """``node`` changes the values of the tensor at ``path`` in place."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        func = node.func
        receiver = path_of(func.value)
        if (
            func.attr.endswith("_")
            and not func.attr.endswith("__")
            and func.attr not in NOT_WRITING
            and receiver in (path, f"{path}.data")
        ):
            return True
        if func.attr == "step" and not node.args and receiver in optimizers:
            return path.split(".")[0] == optimizers[receiver]
        qualname = ctx.qualname(func)
        if qualname and qualname.startswith("torch.nn.init.") and node.args and path_of(node.args[0]) == path:
            return True
    if isinstance(node, (ast.Assign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(node, ast.AugAssign) and path_of(target) in (path, f"{path}.data"):
                return True
            if isinstance(target, ast.Subscript) and path_of(target.value) in (path, f"{path}.data"):
                return True
    return False


@dataclass
class BlockWrites:
    """A block's nodes in evaluation order (``ordered_nodes``), indexed once: where each
    statement's nodes start, and the positions of the nodes that may write into each path in
    place, of the argument-less ``.step()`` calls, of each name's rebindings and of its reads.
    Each finding's question about the rest of the block is then a lookup, not a walk of it."""

    nodes: list[ast.AST] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    writes: dict[str, list[int]] = field(default_factory=dict)
    steps: list[int] = field(default_factory=list)
    rebinds: dict[str, list[int]] = field(default_factory=dict)
    loads: dict[str, list[int]] = field(default_factory=dict)

    def write_candidates(self, path: str, start: int, optimizers: bool) -> Iterator[int]:
        """Positions from ``start`` on of the nodes that may write into ``path`` (``writes`` decides)."""
        paths = self.writes.get(path, [])
        found = paths[bisect_left(paths, start) :]
        if optimizers:
            return heapq.merge(found, self.steps[bisect_left(self.steps, start) :])
        return iter(found)


def first_at(positions: list[int], start: int) -> int | None:
    """The first of the sorted ``positions`` at or after ``start``."""
    at = bisect_left(positions, start)
    return positions[at] if at < len(positions) else None


_BLOCKS: PerFile[dict[int, BlockWrites]] = PerFile(lambda ctx: {})


def block_writes(ctx: FileContext, body: list[ast.stmt]) -> BlockWrites:
    """The index of ``body`` (built once per file and block)."""
    per_block = _BLOCKS(ctx)
    block = per_block.get(id(body))
    if block is not None:
        return block
    block = per_block[id(body)] = BlockWrites()
    for stmt in body:
        block.starts.append(len(block.nodes))
        for node in ordered_nodes([stmt]):
            at = len(block.nodes)
            block.nodes.append(node)
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Load):
                    block.loads.setdefault(node.id, []).append(at)
                elif not isinstance(ctx.parent(node), ast.AugAssign):  # `+=` on a tensor is in place
                    block.rebinds.setdefault(node.id, []).append(at)
            for path in _written_paths(ctx, node):
                block.writes.setdefault(path, []).append(at)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "step":
                block.steps.append(at)
    block.starts.append(len(block.nodes))
    return block


def _written_paths(ctx: FileContext, node: ast.AST) -> set[str]:
    """The paths ``writes`` may find ``node`` writing into in place (it decides)."""
    found: set[str | None] = set()
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        method = node.func.attr
        if method.endswith("_") and not method.endswith("__") and method not in NOT_WRITING:
            found.add(path_of(node.func.value))
        if node.args and (ctx.qualname(node.func) or "").startswith("torch.nn.init."):
            found.add(path_of(node.args[0]))
    elif isinstance(node, ast.AugAssign):
        found.add(path_of(node.target.value if isinstance(node.target, ast.Subscript) else node.target))
    elif isinstance(node, ast.Assign):
        found.update(path_of(t.value) for t in node.targets if isinstance(t, ast.Subscript))
    return {p.removesuffix(".data") for p in found if p is not None}


def optimizers_over(ctx: FileContext, scope_nodes: Iterable[ast.AST]) -> dict[str, str]:
    """Names bound to ``torch.optim.X(root.parameters(), ...)``, each with that root name."""
    found: dict[str, str] = {}
    for node in scope_nodes:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        call = node.value
        if not isinstance(call, ast.Call):
            continue
        qualname = ctx.qualname(call.func) or ""
        if not qualname.startswith("torch.optim.") or qualname.startswith("torch.optim.lr_scheduler"):
            continue
        if (
            call.args
            and isinstance(call.args[0], ast.Call)
            and isinstance(call.args[0].func, ast.Attribute)
            and call.args[0].func.attr == "parameters"
            and isinstance(call.args[0].func.value, ast.Name)
        ):
            found[node.targets[0].id] = call.args[0].func.value.id
    return found


# -- read-only arrays ---------------------------------------------------------------------------------
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
            return unpacked is not None and _is_bytes_at(ctx, *unpacked, depth + 1)
        return bool(values) and all(_is_bytes(ctx, v, depth + 1) for v in values)
    return False


def _unpacked(ctx: FileContext, name: ast.Name) -> tuple[ast.expr, int] | None:
    """``(value, i)`` where ``name`` is bound once in its function, by ``a, name, c = value`` at
    position ``i`` (plain names only), and is no parameter of it."""
    scope = ctx.parent(name)
    while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module, *_NESTED)):
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
    if isinstance(value, ast.Subscript) and not isinstance(value.slice, ast.Slice) and _is_self_attr(value.value):
        elements = _self_container_elements(ctx, value.value)  # type: ignore[arg-type]
        return bool(elements) and all(
            isinstance(e, ast.Tuple) and _is_bytes_at(ctx, e, index, depth) for e in elements or ()
        )
    return False


def _self_container_elements(ctx: FileContext, node: ast.Attribute) -> list[ast.AST] | None:
    """What ``self.a`` holds when the class only builds it as a display (``{}``, ``[]``, ...) and
    fills it with ``self.a[key] = value``, ``append`` or ``insert``; None when it changes
    another way (``update``, ``extend``, ``setdefault``, an augmented assignment, unpacked into)."""
    values = _self_attribute_values(ctx, node)
    cls = ctx.enclosing_class(node)
    if not values or cls is None or not all(isinstance(v, (ast.List, ast.Tuple, ast.Dict)) for v in values):
        return None
    elements: list[ast.AST] = []
    for value in values:
        elements.extend(value.values if isinstance(value, ast.Dict) else value.elts)  # type: ignore[union-attr]
    for child in ast.walk(cls):
        if not (isinstance(child, ast.Attribute) and _self_attr(child, node.attr)):
            continue
        parent = ctx.parent(child)
        if isinstance(parent, ast.Subscript) and parent.value is child and isinstance(parent.ctx, ast.Store):
            statement = ctx.parent(parent)
            if not (isinstance(statement, ast.Assign) and statement.targets == [parent]):
                return None
            elements.append(statement.value)
        elif isinstance(parent, ast.Attribute) and parent.value is child:
            call = ctx.parent(parent)
            if parent.attr in ("append", "insert") and isinstance(call, ast.Call) and call.func is parent and call.args:
                elements.append(call.args[-1])
            elif parent.attr not in ("get", "keys", "values", "items", "__len__", "index", "count", "copy"):
                return None
    return elements


def is_bytes(ctx: FileContext, node: ast.AST) -> bool:
    """``node`` is an immutable ``bytes`` object (or a ``memoryview`` of one) on every path."""
    return _is_bytes(ctx, node)


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
        assigned = _self_attribute_values(ctx, node)
        if assigned and all(v is not None and _is_bytes_list(ctx, v, depth + 1) for v in assigned):
            return True
        elements = _self_container_elements(ctx, node)  # a dict (or list) the class fills with buffers
        return bool(elements) and all(_is_bytes(ctx, e, depth + 1) for e in elements or ())
    return False


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
        if qualname == "numpy.frombuffer" and node.args and _is_bytes(ctx, node.args[0]):
            return ReadOnly("`np.frombuffer` of an immutable bytes object", node, True)
        if qualname == "numpy.broadcast_to":
            return ReadOnly("a `np.broadcast_to` view, whose rows share one memory", node, False)
        buffer = _argument(node, "buffer", 2) if qualname == "numpy.ndarray" else None
        if buffer is not None and _is_bytes(ctx, buffer):
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
    if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice) and _is_self_attr(node.value):
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
        made = _made_read_only(ctx, node)
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
    values = _self_attribute_values(ctx, node)
    if values is None or any(v is None for v in values):
        return None
    return _every(ctx, [v for v in values if v is not None], depth)


def _is_self_attr(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def _list_element(ctx: FileContext, node: ast.Attribute, depth: int) -> ReadOnly | None:
    """An element of ``self.a``, a list the class only ever builds empty (or of read-only
    arrays) and grows with ``append``/``insert`` of read-only arrays: indexing a list hands the
    element itself out, not a copy."""
    values = _self_attribute_values(ctx, node)
    cls = ctx.enclosing_class(node)
    if not values or cls is None or not all(isinstance(v, ast.List) for v in values):
        return None
    elements: list[ast.AST] = [e for v in values for e in v.elts]  # type: ignore[union-attr]
    for child in ast.walk(cls):
        if isinstance(child, ast.Subscript) and isinstance(child.ctx, ast.Store) and _self_attr(child.value, node.attr):
            return None  # an item replaced: not followed
        if not (isinstance(child, ast.Attribute) and _self_attr(child.value, node.attr)):
            continue
        call = ctx.parent(child)
        if child.attr in ("append", "insert") and isinstance(call, ast.Call) and call.func is child and call.args:
            elements.append(call.args[-1])
        elif child.attr in ("extend", "__setitem__", "__iadd__"):
            return None
    return _every(ctx, elements, depth)


def _self_attribute_values(ctx: FileContext, node: ast.Attribute) -> list[ast.AST | None] | None:
    """Every value the class assigns to ``self.<attr>`` (None for an augmented assignment);
    None when it is also set another way (unpacked into, ``setattr``, its flags changed)."""
    cls = ctx.enclosing_class(node)
    if cls is None:
        return None
    found: list[ast.AST | None] = []
    for child in ast.walk(cls):  # only for an array handed to from_numpy
        if isinstance(child, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = child.targets if isinstance(child, ast.Assign) else [child.target]
            for target in targets:
                if _self_attr(target, node.attr):
                    found.append(None if isinstance(child, ast.AugAssign) else child.value)
                elif not isinstance(target, (ast.Name, ast.Attribute, ast.Subscript)) and any(
                    _self_attr(t, node.attr) for t in ast.walk(target)
                ):
                    return None  # unpacked into: not followed
        elif isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id == "setattr":
            return None
        elif (
            isinstance(child, ast.Attribute)
            and child.attr in ("flags", "setflags")
            and _self_attr(child.value, node.attr)
        ):
            return None  # its flags changed: not followed
    return found or None


def _self_attr(node: ast.AST, attr: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attr
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def _made_read_only(ctx: FileContext, name: ast.Name) -> ast.stmt | None:
    """``a.flags.writeable = False`` or ``a.setflags(write=False)`` before ``name`` in its body:
    that statement."""
    stmt: ast.AST | None = name
    while stmt is not None and not isinstance(stmt, ast.stmt):
        stmt = ctx.parent(stmt)
    if not isinstance(stmt, ast.stmt):
        return None
    position = statement_position(ctx, stmt)
    if position is None or position[0] is not getattr(ctx.parent(stmt) or ctx.tree, "body", None):
        return None
    body, here = position
    return next((earlier for at, earlier in _flag_statements(ctx, body).get(name.id, ()) if at < here), None)


_FLAGGED: PerFile[dict[int, dict[str, list[tuple[int, ast.stmt]]]]] = PerFile(lambda ctx: {})


def _flag_statements(ctx: FileContext, body: list[ast.stmt]) -> dict[str, list[tuple[int, ast.stmt]]]:
    """For each name, the statements of ``body`` (with their positions, in order) that make its
    array read-only: found once per block, not once per read."""
    per_body = _FLAGGED(ctx)
    flagged = per_body.get(id(body))
    if flagged is None:
        flagged = per_body[id(body)] = {}
        for at, earlier in enumerate(body):
            made = _read_only_target(earlier)
            if made is not None:
                flagged.setdefault(made, []).append((at, earlier))
    return flagged


def _read_only_target(stmt: ast.stmt) -> str | None:
    """The name whose array ``stmt`` makes read-only (``a.flags.writeable = False``,
    ``a.setflags(write=False)``), if any."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        if (
            isinstance(target, ast.Subscript)
            and isinstance(target.slice, ast.Constant)
            and target.slice.value in WRITEABLE_KEYS
            and isinstance(target.value, ast.Attribute)
            and target.value.attr == "flags"
            and isinstance(target.value.value, ast.Name)
            and isinstance(stmt.value, ast.Constant)
            and stmt.value.value is False
        ):
            return target.value.value.id  # `a.flags["WRITEABLE"] = False`
        path = path_of(target)
        if path is not None and isinstance(stmt.value, ast.Constant) and stmt.value.value is False:
            for suffix in (".flags.writeable", ".flags.writable"):
                if path.endswith(suffix) and "." not in path[: -len(suffix)]:
                    return path[: -len(suffix)]
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        if (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "setflags"
            and any(
                k.arg == "write" and isinstance(k.value, ast.Constant) and k.value.value is False for k in call.keywords
            )
        ):
            flagged = path_of(call.func.value)
            if flagged is not None and "." not in flagged:
                return flagged
    return None
