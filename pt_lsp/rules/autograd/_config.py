"""Strings a configuration gives, for PTL202: a loss's ``reduction=`` and the class
``getattr(nn, name)`` builds, read from constants, names, parameters (what every call passes) and
the fields of a configuration object of the file (a dataclass, or a class whose ``__init__``
stores a parameter), with what every construction gives them. Unknown where any is unknown."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import argument_for
from pt_lsp.core.flow.autograd import keyword
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.autograd._literals import decorated
from pt_lsp.rules.autograd._shape_vocab import ELEMENTWISE_LOSS_MODULES, ROW_LOSS_MODULES
from pt_lsp.rules.autograd._values import Values


class Config:
    """``names_none(reduction)``: every value the ``reduction=`` argument may have is "none";
    ``chosen_loss(getattr_call)``: the loss module class a ``getattr(nn, name)`` always picks."""

    def __init__(self, ctx: FileContext, values: Values) -> None:
        self.ctx = ctx
        self.values = values

    def names_none(self, reduction: ast.expr | None) -> bool:
        """``"none"``, or a name every assignment of which (in its function) is ``"none"``, or a
        field of a configuration object every construction of which in the file gives ``"none"``."""
        if isinstance(reduction, ast.Constant):
            return reduction.value == "none"
        if isinstance(reduction, ast.Name):
            values = self.values.of(reduction)
            return bool(values) and all(isinstance(v, ast.Constant) and v.value == "none" for v in values)
        if isinstance(reduction, ast.Attribute):
            strings = self.strings(reduction, 0)
            return bool(strings) and all(value == "none" for value in strings or ())
        return False

    def strings(self, expr: ast.AST, depth: int) -> list[str] | None:
        """Every string ``expr`` may be in this file: a constant; a name with the values that
        reach it (a parameter: what every call or instantiation passes); ``config.field`` of a
        dataclass of the file (or a class whose ``__init__`` stores a parameter as the field) with
        what each construction passes for it, or the default. None where one is not known."""
        if depth > 8:
            return None
        if isinstance(expr, ast.Constant):
            return [expr.value] if isinstance(expr.value, str) else None
        if isinstance(expr, ast.Name):
            return self._all_strings(self.values.of(expr), depth)
        if not isinstance(expr, ast.Attribute) or not isinstance(expr.value, ast.Name):
            return None
        objects = self._constructions(expr.value, depth)
        if not objects:
            return None
        fields: list[ast.AST] = []
        for made in objects:
            field = self._field_given(made, expr.attr)
            if field is None:
                return None
            fields.append(field)
        return self._all_strings(fields, depth)

    def _constructions(self, name: ast.Name, depth: int) -> list[ast.AST] | None:
        """The values that reach ``name``, through names and parameters (what each call passes)."""
        found: list[ast.AST] = []
        for value in self.values.of(name):
            if isinstance(value, ast.Name):
                inner = self._constructions(value, depth + 1) if depth < 8 else None
                if not inner:
                    return None
                found += inner
            else:
                found.append(value)
        return found or None

    def _all_strings(self, values: Sequence[ast.AST], depth: int) -> list[str] | None:
        found: list[str] = []
        for value in values:
            strings = self.strings(value, depth + 1)
            if strings is None:
                return None
            found += strings
        return found or None

    def _field_given(self, made: ast.AST, field: str) -> ast.expr | None:
        """What the construction ``made`` (``Config(reduction="none")``) gives ``field`` of a
        dataclass of this file (by keyword, by position, else the field's default), or of a class
        whose ``__init__`` assigns ``self.field = <parameter>`` once; None otherwise."""
        if not (isinstance(made, ast.Call) and isinstance(made.func, ast.Name)):
            return None
        if any(isinstance(a, ast.Starred) for a in made.args) or any(k.arg is None for k in made.keywords):
            return None
        info = self.ctx.classes.get(made.func.id)
        if info is None or self.ctx.names.resolve(made.func.id, made.func) is not None:
            return None  # not a class of this file (an import of that name)
        given = keyword(made, field)
        if any(self.ctx.qualname(decorated(d)) == "dataclasses.dataclass" for d in info.node.decorator_list):
            if info.node.bases or info.method("__init__") is not None:
                return None  # inherited fields or a hand-written __init__: the order is not the body's
            declared = [s for s in info.node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
            names = [s.target.id for s in declared if isinstance(s.target, ast.Name)]
            if field not in names or any(self._assigns_self(m, field) for m in info.methods.values()):
                return None
            if given is None and names.index(field) < len(made.args):
                given = made.args[names.index(field)]
            return given if given is not None else declared[names.index(field)].value
        init = info.methods.get("__init__")
        if init is None or info.node.decorator_list:
            return None
        stores = [n for m in info.methods.values() for n in own_nodes(m) if self._stores_self(n, field)]
        if len(stores) != 1 or not isinstance(stores[0], ast.Assign) or not isinstance(stores[0].value, ast.Name):
            return None
        parameter = stores[0].value.id
        if parameter not in {a.arg for a in init.args.args[1:]} or self.values.bound_in(init, parameter):
            return None
        return argument_for(made, init, parameter, bound=True)

    @staticmethod
    def _stores_self(node: ast.AST, field: str) -> bool:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        else:
            return False
        return any(
            isinstance(t, ast.Attribute) and t.attr == field and isinstance(t.value, ast.Name) and t.value.id == "self"
            for target in targets
            for t in ast.walk(target)
        )

    def _assigns_self(self, method: ast.AST, field: str) -> bool:
        return any(self._stores_self(n, field) for n in own_nodes(method))

    def chosen_loss(self, chooser: ast.Call) -> str | None:
        """``getattr(nn, name)`` where every string the file gives ``name`` names a per-element
        loss module (or every one a per-row one): the first of them."""
        if not (isinstance(chooser.func, ast.Name) and chooser.func.id == "getattr" and len(chooser.args) == 2):
            return None
        if self.ctx.names.binding("getattr", chooser.func) is not None:
            return None
        if self.ctx.qualname(chooser.args[0]) != "torch.nn":
            return None
        names = self.strings(chooser.args[1], 0)
        if not names:
            return None
        if all(n in ELEMENTWISE_LOSS_MODULES for n in names) or all(n in ROW_LOSS_MODULES for n in names):
            return names[0]
        return None
