"""Gradient descent written by hand that never resets the gradients (PTL204): ``w -= lr * w.grad``
in a loop that calls ``backward()``, where nothing in the loop sets ``w.grad = None`` or zeroes
it. ``backward()`` adds to what ``.grad`` holds, so the update of iteration ``k`` uses the sum of
the gradients of iterations ``1..k`` (the classic slip of the autograd tutorials' own loops)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.document import Pos
from pt_lsp.core.edits import alone_on_lines, indentation, newline_of
from pt_lsp.core.findings import Applicability, Edit, Fix
from pt_lsp.core.flow.project import LIBRARIES
from pt_lsp.core.walk import attr_path
from pt_lsp.rules.autograd._grad_resets import FUNCTIONS, first_backward, functions_called, is_reset

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
# in-place updates of a tensor: `w.sub_(lr * w.grad)`, `w.data.add_(w.grad, alpha=-lr)`
_UPDATES = {"sub_", "add_", "copy_", "addcmul_", "addcdiv_"}
# calls that may be handed the tensor without touching its gradient
_HARMLESS = {"print", "len", "float", "int", "str", "repr", "isinstance", "format", "append", "save"}
MAX_DEPTH = 2  # functions of the file followed from the loop, looking for a reset


@dataclass(frozen=True)
class ManualUpdate:
    stmt: ast.stmt  # the update: `w -= lr * w.grad`, `w.data.sub_(lr * w.grad)`
    path: str  # the tensor updated: `w`, `self.w`, `p`
    loop: ast.For | ast.AsyncFor | ast.While  # the innermost loop around it that calls backward()
    backward: ast.Call  # that loop's first backward()


@PerFile
def manual_updates(ctx: FileContext) -> list[ManualUpdate]:
    """The updates of the file from a tensor's own ``.grad`` that no reset of the loop follows."""
    text = ctx.doc.text
    if ".grad" not in text or "backward(" not in text:
        return []
    found = []
    for stmt in [*ctx.index.of(ast.AugAssign), *ctx.index.of(ast.Expr), *ctx.index.of(ast.Assign)]:
        path = _updated(stmt)
        if path is None:
            continue
        training = _training_loop(ctx, stmt)
        if training is None:
            continue
        loop, backward = training
        if _rebound(loop, path) or _resets(ctx, loop, path, 0):
            continue
        found.append(ManualUpdate(stmt, path, loop, backward))
    return sorted(found, key=lambda u: (u.stmt.lineno, u.stmt.col_offset))


def _updated(stmt: ast.stmt) -> str | None:
    """The tensor ``stmt`` updates in place from its own gradient: ``w -= lr * w.grad``,
    ``w.data -= lr * w.grad.data``, ``w.data = w.data - lr * w.grad``, ``w.sub_(lr * w.grad)``."""
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, (ast.Sub, ast.Add)):
        target, value = attr_path(stmt.target), [stmt.value]
    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = attr_path(stmt.targets[0]), [stmt.value]
        if target is None or not target.endswith(".data"):
            return None  # `w = w - lr * w.grad` makes a new tensor, not a leaf that accumulates
    elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call, func = stmt.value, stmt.value.func
        if not (isinstance(func, ast.Attribute) and func.attr in _UPDATES):
            return None
        target, value = attr_path(func.value), [*call.args, *(k.value for k in call.keywords)]
    else:
        return None
    if target is None:
        return None
    path = target.removesuffix(".data")
    grads = {f"{path}.grad", f"{path}.grad.data"}
    reads = any(
        attr_path(node) in grads for part in value for node in ast.walk(part) if isinstance(node, ast.Attribute)
    )
    return path if reads else None


def _training_loop(ctx: FileContext, stmt: ast.stmt) -> tuple[ast.For | ast.AsyncFor | ast.While, ast.Call] | None:
    """The innermost loop of the function around ``stmt`` that calls ``backward()`` (in its body,
    nested loops included), with that call."""
    node = ctx.parent(stmt)
    while node is not None and not isinstance(node, (*FUNCTIONS, ast.Module)):
        if isinstance(node, _LOOPS):
            backward = first_backward(node)
            if backward is not None:
                return node, backward
        node = ctx.parent(node)
    return None


def _rebound(loop: ast.AST, path: str) -> bool:
    """``path`` names another tensor in a later iteration: bound anew in the loop (not as the
    target of a loop over tensors that persist, ``for p in params:``)."""
    for node in ast.walk(loop):
        if isinstance(node, ast.Assign) and any(attr_path(t) == path for t in node.targets):
            return True
        if isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and attr_path(node.target) == path:
            return True
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(
            item.optional_vars is not None and attr_path(item.optional_vars) == path for item in node.items
        ):
            return True
    return False


def _resets(ctx: FileContext, scope: ast.AST, path: str, depth: int) -> bool:
    """Some gradient is reset in ``scope`` (any ``zero_grad()``, a write to a ``.grad``), in a
    function of the file it calls, or the tensor is handed to code that may reset it."""
    root = path.split(".", 1)[0]
    for node in ast.walk(scope):
        if is_reset(node):
            return True
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        callee = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if callee is None:
            continue
        local = functions_called(ctx, node)
        if local and depth < MAX_DEPTH and any(_resets(ctx, f, path, depth + 1) for f in local):
            return True
        if local or callee in _HARMLESS or not _unseen(ctx, func):
            continue
        if any((attr_path(a) or "").split(".", 1)[0] == root for a in (*node.args, *(k.value for k in node.keywords))):
            return True  # handed to code we cannot see, which may reset it
    return False


def _unseen(ctx: FileContext, func: ast.expr) -> bool:
    """A function whose code this file does not hold and that is not a library's: an import from
    another module of the project (`train_step(w, b)`, `utils.sgd(params)`). A tensor's own
    methods (`x.mm(w)`) and torch's functions do not reset other tensors' gradients."""
    qualname = ctx.qualname(func)
    if qualname is None:
        return isinstance(func, ast.Name)  # a name bound by the file to something unknown
    return qualname.split(".", 1)[0] not in LIBRARIES


def reset_after(ctx: FileContext, stmt: ast.stmt, grad: str) -> list[Fix]:
    """The fix: ``<grad> = None`` on a line of its own after the update (unsafe: every later update
    changes, which is the point)."""
    if not alone_on_lines(ctx, [stmt]):
        return []
    end = stmt.end_lineno or stmt.lineno
    line = f"{indentation(ctx, stmt)}{grad} = None"
    if end < ctx.doc.line_count:
        edit = Edit.insert(Pos(end + 1, 0), line + newline_of(ctx))
    else:
        edit = Edit.insert(Pos(end, len(ctx.doc.line_text(end))), newline_of(ctx) + line)
    return [Fix(f"Set `{grad} = None` after the update", (edit,), Applicability.UNSAFE)]
