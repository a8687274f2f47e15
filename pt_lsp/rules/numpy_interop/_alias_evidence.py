"""Evidence for the NumPy memory-sharing rules (PTL403, PTL404): paths, in-place changes, read-only arrays."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pt_lsp.core import vocabulary
from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.bindings import bound_values
from pt_lsp.core.walk import attr_path as path_of

# In-place methods that do not change a tensor's values.
NOT_WRITING = vocabulary.IN_PLACE_NOT_WRITING
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# PIL methods returning an image made from their receiver.
PIL_IMAGE_FUNCTIONS = {"PIL.Image.open", "PIL.Image.new", "PIL.Image.fromarray", "PIL.Image.frombytes"}
PIL_IMAGE_METHODS = {"convert", "resize", "crop", "rotate", "transpose", "copy", "filter", "quantize"}


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
    if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
        return _is_bytes(ctx, node.left, depth) or _is_bytes(ctx, node.right, depth)
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id == "bytes":
            return True
        return (
            isinstance(node.func, ast.Attribute) and node.func.attr in ("tobytes", "read", "getvalue") and not node.args
        )
    if isinstance(node, ast.Name) and depth < 3:
        values = bound_values(ctx, node)
        return values is not None and bool(values) and all(_is_bytes(ctx, v, depth + 1) for v in values)
    return False


def _is_pil_image(ctx: FileContext, node: ast.AST, depth: int = 0) -> bool:
    if isinstance(node, ast.Call):
        if ctx.qualname(node.func) in PIL_IMAGE_FUNCTIONS:
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr in PIL_IMAGE_METHODS:
            return _is_pil_image(ctx, node.func.value, depth + 1)
        return False
    if isinstance(node, ast.Name) and depth < 3:
        values = bound_values(ctx, node)
        return values is not None and bool(values) and all(_is_pil_image(ctx, v, depth + 1) for v in values)
    return False


# NumPy methods that always return a view of their receiver (read-only when it is), and those
# that return a view only of a contiguous array (a copy, writable, otherwise).
VIEW_METHODS = {"view", "transpose", "swapaxes", "squeeze"}
CONTIGUOUS_VIEW_METHODS = {"reshape", "ravel"}


@dataclass(frozen=True)
class ReadOnly:
    """Why an array is read-only (``reason``), the place that made it so (``where``), and
    whether it is known to be C-contiguous (a reshape of it is then a view as well)."""

    reason: str
    where: ast.AST
    contiguous: bool


def read_only_reason(ctx: FileContext, node: ast.AST, depth: int = 0) -> str | None:
    """Why ``node`` is a read-only NumPy array, or None without evidence."""
    found = read_only(ctx, node, depth)
    return found.reason if found is not None else None


def read_only(ctx: FileContext, node: ast.AST, depth: int = 0) -> ReadOnly | None:
    """The evidence that ``node`` is a read-only NumPy array, or None."""
    if depth > 6:
        return None
    if isinstance(node, ast.Call):
        qualname = ctx.qualname(node.func)
        if qualname == "numpy.frombuffer" and node.args and _is_bytes(ctx, node.args[0]):
            return ReadOnly("`np.frombuffer` of an immutable bytes object", node, True)
        if qualname == "numpy.broadcast_to":
            return ReadOnly("a `np.broadcast_to` view, whose rows share one memory", node, False)
        if qualname == "numpy.asarray" and node.args and _is_pil_image(ctx, node.args[0]):
            return ReadOnly("`np.asarray` of a PIL image", node, True)
        func = node.func
        if qualname is None and isinstance(func, ast.Attribute) and func.attr in VIEW_METHODS | CONTIGUOUS_VIEW_METHODS:
            if func.attr == "view" and (node.args or node.keywords) and not _dtype_view(node):
                return None  # `view(type=...)`: another class
            base = read_only(ctx, func.value, depth + 1)
            if base is None or (func.attr in CONTIGUOUS_VIEW_METHODS and not base.contiguous):
                return None
            return ReadOnly(base.reason, base.where, base.contiguous and func.attr in CONTIGUOUS_VIEW_METHODS)
        return None
    if isinstance(node, ast.Attribute) and node.attr == "T":
        base = read_only(ctx, node.value, depth + 1)
        return ReadOnly(base.reason, base.where, False) if base is not None else None
    if isinstance(node, ast.Subscript) and _basic_index(node.slice):
        base = read_only(ctx, node.value, depth + 1)
        return ReadOnly(base.reason, base.where, False) if base is not None else None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return _self_attribute(ctx, node, depth)
    if isinstance(node, ast.Name) and depth < 3:
        made = _made_read_only(ctx, node)
        if made is not None:
            return ReadOnly("an array made read-only with `flags.writeable = False`", made, False)
        values = bound_values(ctx, node)
        if values:
            found = [read_only(ctx, v, depth + 1) for v in values]
            if all(found) and found[0] is not None:
                return found[0]
    return None


def _dtype_view(call: ast.Call) -> bool:
    """``a.view(np.uint8)`` / ``a.view(dtype=...)``: a view with another dtype."""
    return not call.keywords or all(k.arg == "dtype" for k in call.keywords)


def _basic_index(index: ast.AST) -> bool:
    """Basic indexing (slices, integers, ``...``, ``None``): a view, not a copy."""
    items = index.elts if isinstance(index, ast.Tuple) else [index]
    return all(
        isinstance(item, ast.Slice)
        or (isinstance(item, ast.Constant) and (type(item.value) is int or item.value in (None, Ellipsis)))
        for item in items
    )


def _self_attribute(ctx: FileContext, node: ast.Attribute, depth: int) -> ReadOnly | None:
    """``self.a`` where the class only ever assigns ``self.a`` read-only arrays."""
    cls = ctx.enclosing_class(node)
    if cls is None:
        return None
    found: list[ReadOnly | None] = []
    for child in ast.walk(cls):  # only for an array handed to from_numpy
        if isinstance(child, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = child.targets if isinstance(child, ast.Assign) else [child.target]
            for target in targets:
                if _self_attr(target, node.attr):
                    value = None if isinstance(child, ast.AugAssign) else child.value
                    found.append(read_only(ctx, value, depth + 1) if value is not None else None)
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
    if found and all(found) and found[0] is not None:
        return found[0]
    return None


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
    parent = ctx.parent(stmt) if stmt is not None else None
    body = getattr(parent, "body", None) if parent is not None else None
    if not isinstance(body, list) or not any(s is stmt for s in body):
        return None
    for earlier in body[: next(i for i, s in enumerate(body) if s is stmt)]:
        if (
            isinstance(earlier, ast.Assign)
            and len(earlier.targets) == 1
            and path_of(earlier.targets[0]) in (f"{name.id}.flags.writeable", f"{name.id}.flags.writable")
            and isinstance(earlier.value, ast.Constant)
            and earlier.value.value is False
        ):
            return earlier
        if isinstance(earlier, ast.Expr) and isinstance(earlier.value, ast.Call):
            call = earlier.value
            if (
                isinstance(call.func, ast.Attribute)
                and call.func.attr == "setflags"
                and path_of(call.func.value) == name.id
                and any(
                    k.arg == "write" and isinstance(k.value, ast.Constant) and k.value.value is False
                    for k in call.keywords
                )
            ):
                return earlier
    return None
