"""The run's options for PTL501's paths: what ``argparse`` options default to, and which
option values a test of flags needs to take a branch (an event under ``if opt.use_tb:`` is
written only on runs that set the flag)."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext

Value = int | bool | str  # what a test of settings and counts is evaluated on


def option_defaults(ctx: FileContext) -> dict[str, Value]:
    """``{".epochs": 200}`` for ``parser.add_argument("--epochs", type=int, default=200)``:
    number, string and flag defaults of options defined once in the file."""
    found: dict[str, Value | None] = {}
    for call in ctx.index.of(ast.Call):
        assert isinstance(call, ast.Call)
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "add_argument") or not call.args:
            continue
        keywords = {k.arg: k.value for k in call.keywords}
        flag = call.args[-1]
        if not (isinstance(flag, ast.Constant) and isinstance(flag.value, str)):
            continue
        dest = keywords.get("dest")
        name = dest.value if isinstance(dest, ast.Constant) else flag.value.lstrip("-").replace("-", "_")
        default, action = keywords.get("default"), keywords.get("action")
        value = constant(default) if default is not None else None
        if action is not None:
            flags = {"store_true": False, "store_false": True}
            kind = constant(action)
            if not isinstance(kind, str) or kind not in flags:
                value = None  # (`count`, `append`, ...: not a setting read here)
            elif default is None:
                value = flags[kind]
        found["." + str(name)] = value if "." + str(name) not in found else None
    return {name: value for name, value in found.items() if value is not None}


def settings_taken(test: ast.expr, taken: bool, defaults: dict[str, Value]) -> dict[str, Value] | None:
    """The option values under which ``test`` takes the branch ``taken``, where it tests options
    only as flags (``opt.use_tb``, ``not args.no_log``, joined by ``and`` for the body): the
    options a run must set for an event under it to be written. None for any other test."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return settings_taken(test.operand, not taken, defaults)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) == taken:
        found: dict[str, Value] = {}
        for value in test.values:
            part = settings_taken(value, taken, defaults)
            if part is None or any(found.get(k, v) != v for k, v in part.items()):
                return None
            found.update(part)
        return found
    if (
        isinstance(test, ast.Attribute)
        and isinstance(test.value, ast.Name)
        and test.value.id not in ("self", "cls")
        and "." + test.attr in defaults
    ):
        return {"." + test.attr: taken}
    return None


def constant(expr: ast.expr) -> Value | None:
    value = expr.value if isinstance(expr, ast.Constant) else None
    return value if isinstance(value, (int, str)) else None  # (bool is an int)
