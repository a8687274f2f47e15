"""Where gradient recording is off, read from the syntax (PTL203, PTL205).

The flow interpreter tracks grad mode while it runs but does not hand it to rules per
expression; an in-place update is harmless under ``no_grad``, so these rules must know. A
statement counts as "grad may be off" when it sits in a ``with torch.no_grad():`` (or
``inference_mode``, ``set_grad_enabled(False)``) block, in a function decorated with one, or in
a function whose name is called from such a place anywhere in the file (``self.reset()`` under
``no_grad``). Unknown stays unknown: any doubt reads as "maybe off", so no finding.
"""

from __future__ import annotations

import ast
from functools import cached_property

from pt_lsp.core import vocabulary
from pt_lsp.core.context import FileContext

GRAD_OFF = vocabulary.GRAD_MODE_OFF
GRAD_SET = vocabulary.GRAD_MODE_SETTERS
GRAD_ON = vocabulary.GRAD_MODE_ON
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def context_mode(ctx: FileContext, expr: ast.AST) -> bool | None:
    """False for a grad-off context manager or decorator, True for ``enable_grad``, None otherwise
    (``set_grad_enabled(flag)`` with a non-literal flag reads as off: it may be)."""
    func = expr.func if isinstance(expr, ast.Call) else expr
    qualname = ctx.qualname(func)
    if qualname in GRAD_OFF:
        if qualname.endswith("inference_mode") and isinstance(expr, ast.Call) and expr.args:
            flag = expr.args[0]
            return isinstance(flag, ast.Constant) and flag.value is False
        return False
    if qualname in GRAD_ON:
        return True
    if qualname in GRAD_SET:
        setting = expr.args[0] if isinstance(expr, ast.Call) and expr.args else None
        return isinstance(setting, ast.Constant) and setting.value is True
    return None


class GradMode:
    """Answers ``may_be_off(node)`` for one file."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx

    @cached_property
    def globally_off(self) -> bool:
        """``torch.set_grad_enabled(False)`` as a statement switches recording off for what follows."""
        if "set_grad_enabled" not in self.ctx.doc.text:
            return False
        for stmt in self.ctx.index.of(ast.Expr):
            if isinstance(stmt.value, ast.Call) and self.ctx.qualname(stmt.value.func) in GRAD_SET:
                return True
        return False

    def enclosing_mode(self, node: ast.AST) -> tuple[bool | None, ast.AST | None]:
        """The innermost grad-mode decision around ``node`` and the function it stands in."""
        child, current = node, self.ctx.parent(node)
        while current is not None:
            if isinstance(current, (ast.With, ast.AsyncWith)) and any(child is s for s in current.body):
                modes = [context_mode(self.ctx, item.context_expr) for item in current.items]
                decided = [m for m in modes if m is not None]
                if decided:
                    return decided[-1], None
            if isinstance(current, (*_FUNCTIONS, ast.Lambda)):
                for decorator in getattr(current, "decorator_list", []):
                    mode = context_mode(self.ctx, decorator)
                    if mode is not None:
                        return mode, None
                return None, current
            child, current = current, self.ctx.parent(current)
        return None, None

    @cached_property
    def called_while_off(self) -> frozenset[str]:
        """Names of functions and methods called where grad may be off, closed over callees."""
        names: set[str] = set()
        regions: list[ast.AST] = []
        for stmt in self.ctx.index.of(ast.With) + self.ctx.index.of(ast.AsyncWith):
            if any(context_mode(self.ctx, item.context_expr) is False for item in stmt.items):
                regions.extend(stmt.body)
        functions = self.ctx.index.of(ast.FunctionDef) + self.ctx.index.of(ast.AsyncFunctionDef)
        for function in functions:
            if any(context_mode(self.ctx, d) is False for d in function.decorator_list):
                regions.append(function)
        for _ in range(3):
            before = len(names)
            for region in regions:
                names.update(_called_names(region))
            regions = [f for f in functions if f.name in names]
            if len(names) == before:
                break
        return frozenset(names)

    def may_be_off(self, node: ast.AST) -> bool:
        if self.globally_off:
            return True
        mode, function = self.enclosing_mode(node)
        if mode is not None:
            return not mode
        while function is not None:
            if isinstance(function, _FUNCTIONS) and function.name in self.called_while_off:
                return True
            # a nested function: decided by the function around it as well
            mode, function = self.enclosing_mode(function)
            if mode is not None:
                return not mode
        return False


def _called_names(region: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(region):  # only over grad-off regions, which are small
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                found.add(func.id)
            elif isinstance(func, ast.Attribute):
                found.add(func.attr)
            # callbacks handed on: model.apply(init_weights)
            for arg in node.args:
                if isinstance(arg, ast.Name):
                    found.add(arg.id)
                elif isinstance(arg, ast.Attribute):
                    found.add(arg.attr)
    return found
