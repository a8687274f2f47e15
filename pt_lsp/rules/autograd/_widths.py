"""Layer widths and other ints the code states, for PTL202's proofs (``_values.Values`` reads the
values a name holds): a literal; a name every value reaching it is such an int; ``len`` of a display
never changed; a string-keyed item of a dict display; a class-body int no code assigns as an
attribute; the width a parameter of the constructor of the module being built passes down.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from pt_lsp.core.flow.values import Step
from pt_lsp.core.walk import own_nodes, parameter_defaults
from pt_lsp.rules.autograd._literals import arithmetic, constructs, int_literal, is_key, item_key
from pt_lsp.rules.autograd._shape_lattice import MAX_DEPTH

if TYPE_CHECKING:
    from pt_lsp.rules.autograd._values import Values

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


class Widths:
    """``width(expr, layer)``, ``constant_int(expr)``: the ints the code states."""

    def __init__(self, values: Values) -> None:
        self.values = values
        self.ctx = values.ctx
        self._attributes: frozenset[str] | None = None  # attribute names the file assigns

    def width(self, expr: ast.expr | None, layer: ast.Call) -> tuple[int, tuple[Step, ...]] | None:
        """A layer's literal width, or the width a parameter of the constructor of the module
        being built passes down: the argument of that construction, else the default."""
        literal = int_literal(expr)
        if literal is not None:
            return literal, ()
        if isinstance(expr, ast.BinOp):  # `nn.Linear(16 * 5 * 5, 120)`, `nn.Linear(hidden * 2, n)`
            return self._folded(expr, lambda side: self.width(side, layer))
        passed_down = self._passed_width(expr, layer) if isinstance(expr, ast.Name) and self.values.building else None
        return passed_down if passed_down is not None else self.constant_int(expr)

    @staticmethod
    def _folded(
        expr: ast.BinOp, side: Callable[[ast.expr], tuple[int, tuple[Step, ...]] | None]
    ) -> tuple[int, tuple[Step, ...]] | None:
        """An arithmetic expression of two stated ints, with the steps that stated them."""
        sides = {id(part): side(part) for part in (expr.left, expr.right)}
        value = arithmetic(expr, lambda part: found[0] if (found := sides[id(part)]) is not None else None)
        if value is None:
            return None
        steps = tuple(step for found in sides.values() if found is not None for step in found[1])
        return value, steps[-3:]

    def constant_int(self, expr: ast.expr | None, depth: int = 0) -> tuple[int, tuple[Step, ...]] | None:
        """An int the code states for ``expr``: a literal; a name every value reaching it is such an
        int (``NUM_CLASSES = 10``); ``len`` of a list or tuple display never changed
        (``len(classes)``); a string-keyed item of a dict display never changed
        (``cfg["n_out"]``); a class-body int read as ``self.n`` or ``Cls.n`` that no code of the
        file assigns as an attribute."""
        literal = int_literal(expr)
        if literal is not None or expr is None or depth > MAX_DEPTH:
            return (literal, ()) if literal is not None else None
        found: tuple[int, tuple[Step, ...]] | None = None
        if isinstance(expr, ast.Name):
            values = self.values.of(expr)
            known = [self.constant_int(v, depth + 1) if isinstance(v, ast.expr) else None for v in values]
            if not known or any(k is None for k in known) or len({k[0] for k in known if k is not None}) != 1:
                return None
            found = known[0]
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "len":
            if len(expr.args) != 1 or expr.keywords or self.ctx.names.binding("len", expr.func) is not None:
                return None
            display = self._display(expr.args[0], (ast.List, ast.Tuple))
            if display is None or any(isinstance(e, ast.Starred) for e in display.elts):  # type: ignore[attr-defined]
                return None
            found = (len(display.elts), ())  # type: ignore[attr-defined]
        elif isinstance(expr, ast.Subscript) and isinstance(key := item_key(expr), str):
            display = self._display(expr.value, (ast.Dict,))
            if not isinstance(display, ast.Dict) or None in display.keys:
                return None
            items = [v for k, v in zip(display.keys, display.values) if is_key(k, key)]
            found = self.constant_int(items[0], depth + 1) if len(items) == 1 else None
        elif isinstance(expr, ast.Attribute):
            found = self._class_int(expr)
        elif isinstance(expr, ast.BinOp):
            found = self._folded(expr, lambda side: self.constant_int(side, depth + 1))
        if found is None:
            return None
        return found[0], (*found[1], Step(expr, f"`{ast.unparse(expr)}` is {found[0]} here"))[-3:]

    def _display(self, expr: ast.expr, kinds: tuple[type, ...]) -> ast.expr | None:
        """``expr`` itself, or the one display a name never changed is bound to."""
        if isinstance(expr, kinds):
            return expr
        if not isinstance(expr, ast.Name):
            return None
        bound = self.values.of(expr)
        if len(bound) != 1 or not isinstance(bound[0], kinds) or self.values.mutated(expr):
            return None
        return bound[0] if isinstance(bound[0], ast.expr) else None

    def _class_int(self, expr: ast.Attribute) -> tuple[int, tuple[Step, ...]] | None:
        """``self.n_actions`` / ``Policy.n_actions`` of a class-body ``n_actions = 6`` that no code
        of the file assigns as an attribute."""
        owner = expr.value
        if isinstance(owner, ast.Name) and owner.id == "self":
            cls = self.ctx.enclosing_class(expr)
        elif isinstance(owner, ast.Name) and owner.id in self.ctx.classes:
            info = self.ctx.classes.get(owner.id)
            cls = info.node if info is not None and isinstance(info.node, ast.ClassDef) else None
        else:
            return None
        stored = self._stored_attributes()
        if cls is None or expr.attr in stored or "*" in stored or self._subclassed(cls):
            return None  # (a subclass of the file may bind its own value)
        bound = [
            stmt.value
            for stmt in cls.body
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == expr.attr for t in stmt.targets)
        ]
        value = int_literal(bound[0]) if len(bound) == 1 else None
        return (value, ()) if value is not None else None

    def _subclassed(self, cls: ast.ClassDef) -> bool:
        """A class of the file names ``cls`` among its bases."""
        return any(
            isinstance(base, ast.Name) and base.id == cls.name
            for other in self.ctx.index.of(ast.ClassDef)
            for base in other.bases
        )

    def _stored_attributes(self) -> frozenset[str]:
        if self._attributes is None:
            self._attributes = frozenset(
                n.attr for n in self.ctx.index.of(ast.Attribute) if not isinstance(n.ctx, ast.Load)
            ) | ({"*"} if "setattr(" in self.ctx.doc.text else set())
        return self._attributes

    def _passed_width(self, expr: ast.Name, layer: ast.Call) -> tuple[int, tuple[Step, ...]] | None:
        init = self.ctx.parent(layer)
        while init is not None and not isinstance(init, _FUNCTIONS):
            init = self.ctx.parent(init)
        if not isinstance(init, ast.FunctionDef) or init.name != "__init__":
            return None
        cls = self.ctx.parent(init)
        instance = self.values.building[-1]
        if not (isinstance(cls, ast.ClassDef) and constructs(instance, cls)):
            return None
        arguments = init.args
        positional = [a.arg for a in (*arguments.posonlyargs, *arguments.args)][1:]
        if expr.id not in positional and expr.id not in [a.arg for a in arguments.kwonlyargs]:
            return None
        if any(
            isinstance(n, ast.Name) and n.id == expr.id and not isinstance(n.ctx, ast.Load) for n in own_nodes(init)
        ):
            return None  # rebound in __init__
        if any(isinstance(a, ast.Starred) for a in instance.args) or any(k.arg is None for k in instance.keywords):
            return None
        passed = next((k.value for k in instance.keywords if k.arg == expr.id), None)
        if passed is None and expr.id in positional and positional.index(expr.id) < len(instance.args):
            passed = instance.args[positional.index(expr.id)]
        if passed is not None:
            value = int_literal(passed)
            return (value, (Step(passed, f"`{expr.id}` is {value} here"),)) if value is not None else None
        defaults = parameter_defaults(arguments)
        default = int_literal(defaults.get(expr.id))
        if default is None:
            return None
        return default, (Step(defaults[expr.id], f"`{expr.id}` defaults to {default} here"),)
