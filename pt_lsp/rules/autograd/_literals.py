"""Reading PTL202's facts off the syntax: literal numbers and sizes, item keys, the dimension
a reduction names, and which names a statement binds. Pure functions of the tree."""

from __future__ import annotations

import ast
import math
from collections.abc import Callable

from pt_lsp.core.flow.autograd import keyword

_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def base_names(cls: ast.ClassDef) -> set[str]:
    names = {b.id for b in cls.bases if isinstance(b, ast.Name)}
    return names | {b.attr for b in cls.bases if isinstance(b, ast.Attribute)}


def decorated(decorator: ast.expr) -> ast.expr:
    """``@dataclass(frozen=True)`` names ``dataclass`` too."""
    return decorator.func if isinstance(decorator, ast.Call) else decorator


def int_literal(expr: ast.AST | None) -> int | None:
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return expr.value
    return None


def number(expr: ast.AST | None) -> float | None:
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        inner = number(expr.operand)
        return -inner if inner is not None else None
    if isinstance(expr, ast.Constant) and isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool):
        return expr.value
    return None


def int_sizes(args: list[ast.expr]) -> list[int] | None:
    """Literal sizes: ``(8, 3)``, ``8, 3`` or ``[8, 3]``."""
    if len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)):
        args = args[0].elts
    sizes = [size for size in map(int_literal, args) if size is not None]
    return sizes if sizes and len(sizes) == len(args) else None


def counted(qualname: str, args: list[ast.expr]) -> int | None:
    """The length of ``torch.linspace(start, end, steps)`` or ``torch.arange(...)`` with literal
    numbers (None where one is not)."""
    if qualname == "torch.linspace":
        return int_literal(args[2]) if len(args) >= 3 else None
    bounds = [bound for bound in map(number, args) if bound is not None]
    if not args or len(args) > 3 or len(bounds) != len(args):
        return None
    start, end, step = (
        (0, bounds[0], 1) if len(bounds) == 1 else (bounds[0], bounds[1], bounds[2] if len(bounds) > 2 else 1)
    )
    return max(0, math.ceil((end - start) / step)) if step != 0 else 1


def sizes_text(sizes: list[int]) -> str:
    return f"({sizes[0]},)" if len(sizes) == 1 else f"({', '.join(map(str, sizes))})"


def single_literal(expr: ast.AST) -> bool:
    """A literal single element: a number, or ``torch.tensor(<number>)``."""
    if number(expr) is not None:
        return True
    if isinstance(expr, ast.Call) and expr.args:
        func = expr.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name == "tensor" and number(expr.args[0]) is not None
    return False


def arithmetic(expr: ast.AST | None, operand: Callable[[ast.expr], int | None]) -> int | None:
    """``3 * 8 * 8``, ``hidden * 2``, ``n // 2 + 1``: the int an arithmetic expression of ints the
    code states gives (``operand`` reads each side), as sizes and widths are written
    (``nn.Linear(16 * 5 * 5, 120)``, ``x.view(-1, 16 * 5 * 5)``)."""
    if not isinstance(expr, ast.BinOp) or not isinstance(expr.op, (ast.Mult, ast.Add, ast.Sub, ast.FloorDiv)):
        return None
    left, right = operand(expr.left), operand(expr.right)
    if left is None or right is None:
        return None
    if isinstance(expr.op, ast.Mult):
        return left * right
    if isinstance(expr.op, ast.Add):
        return left + right
    if isinstance(expr.op, ast.Sub):
        return left - right
    return left // right if right else None


def signed_int(expr: ast.AST | None) -> int | None:
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        inner = signed_int(expr.operand)
        return -inner if inner is not None else None
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return expr.value
    return None


def dims_argument(call: ast.Call) -> list[ast.expr] | None:
    """The sizes of ``view(2, -1)`` / ``view((2, -1))`` / ``reshape([2, -1])``."""
    args = list(call.args)
    if len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)):
        args = list(args[0].elts)
    if not args or call.keywords or any(isinstance(a, ast.Starred) for a in args):
        return None
    return args


def is_size_call(expr: ast.AST) -> bool:
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "size"
        and not expr.args
        and not expr.keywords
    )


def is_key(node: ast.expr | None, key: str | int) -> bool:
    return isinstance(node, ast.Constant) and node.value == key


def item_key(expr: ast.AST) -> str | int | None:
    """``x["loss"]`` -> "loss", ``x[0]`` / ``x[-1]`` -> 0 / -1: a key an item can be read by."""
    if not isinstance(expr, ast.Subscript):
        return None
    key = expr.slice
    if isinstance(key, ast.UnaryOp) and isinstance(key.op, ast.USub) and isinstance(key.operand, ast.Constant):
        value = key.operand.value
        return -value if type(value) is int else None
    if isinstance(key, ast.Constant) and (isinstance(key.value, str) or type(key.value) is int):
        return key.value
    return None


def reduces_last_dim(call: ast.Call) -> bool:
    """``t.sum(-1)``, ``t.mean(dim=-1)``, ``t.norm(dim=-1, keepdim=True)``: the last dimension only."""
    dim = keyword(call, "dim")
    if dim is None and isinstance(call.func, ast.Attribute) and call.func.attr != "norm" and call.args:
        dim = call.args[0]  # `norm(p, dim)` takes the order first
    return number(dim) == -1


def flattened(call: ast.Call) -> bool:
    """``t.view(-1)``, ``t.reshape(-1)``, ``t.flatten()``: all of ``t``'s elements in one dimension."""
    if not isinstance(call.func, ast.Attribute) or call.keywords:
        return False
    if call.func.attr == "flatten":
        return not call.args
    return call.func.attr in ("view", "reshape") and len(call.args) == 1 and number(call.args[0]) == -1


def bound_names(node: ast.AST) -> set[str]:
    """The names ``node`` binds, as ``binds`` sees them."""
    found: set[str] = set()
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, ast.Name) and not isinstance(current.ctx, ast.Load):
            found.add(current.id)
        elif isinstance(current, (ast.Global, ast.Nonlocal)):
            found.update(current.names)
        elif isinstance(current, (ast.Import, ast.ImportFrom)):
            found.update(a.asname or a.name.split(".")[0] for a in current.names)
        elif isinstance(current, (*_NESTED, ast.ExceptHandler)) and isinstance(getattr(current, "name", None), str):
            found.add(getattr(current, "name"))  # noqa: B009 (a Lambda has no name: mypy needs getattr)
        if current is node or not isinstance(current, _NESTED):
            pending.extend(ast.iter_child_nodes(current))
    return found


def binds(node: ast.AST, name: str) -> bool:
    """``node`` (not counting nested functions and classes) binds ``name``."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, ast.Name) and current.id == name and not isinstance(current.ctx, ast.Load):
            return True
        if isinstance(current, (ast.Global, ast.Nonlocal)) and name in current.names:
            return True
        if isinstance(current, (ast.Import, ast.ImportFrom)) and any(
            (a.asname or a.name.split(".")[0]) == name for a in current.names
        ):
            return True
        if isinstance(current, (*_NESTED, ast.ExceptHandler)) and getattr(current, "name", None) == name:
            return True
        if current is node or not isinstance(current, _NESTED):
            pending.extend(ast.iter_child_nodes(current))
    return False


def contains(node: ast.AST, part: ast.AST) -> bool:
    return any(child is part for child in ast.walk(node))


def constructs(call: ast.Call, cls: ast.ClassDef) -> bool:
    """``call`` names ``cls``: ``Net(...)``, or ``models.Net(...)`` (a class of another file of
    the project, read for this construction)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr == cls.name and isinstance(func.value, (ast.Name, ast.Attribute))
    return isinstance(func, ast.Name) and func.id == cls.name
