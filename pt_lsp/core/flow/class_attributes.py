"""Attributes a class body binds: ``class Cfg: device = torch.device("cuda" if ... else "cpu")``
read as ``Cfg.device``, or through an instance that never sets its own (``cfg = Cfg()``), and the
fields of a dataclass, which its generated ``__init__`` sets from the call's arguments or the
field's default (``@dataclass class Settings: device: str = "cuda" if ... else "cpu"``).

Only where the class body binds the name once, by a plain assignment, and no statement of the
file stores an attribute of that name (``self.device = ...``, ``Cfg.device = ...``) or calls
``setattr``: then every read of it sees that one value. One scan of the file per attribute name."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..classes import ClassInfo
from ..walk import NodeIndex

if TYPE_CHECKING:
    from ..context import FileContext
    from .values import Value

_DATACLASS_DECORATORS = frozenset({"dataclass", "dataclasses.dataclass"})


def body_value(info: ClassInfo, attr: str) -> ast.expr | None:
    """The value of the class body's one binding of ``attr`` (through its local bases where the
    class itself binds nothing of that name); None where it binds it otherwise or not at all."""
    found: ast.expr | None = None
    for stmt in info.node.body:
        if isinstance(stmt, ast.Assign) and any(_binds(t, attr) for t in stmt.targets):
            if found is not None or len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                return None
            found = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and _binds(stmt.target, attr):
            if found is not None or stmt.value is None:
                return None
            found = stmt.value
        elif _rebinds(stmt, attr):
            return None
    if found is None and len(info.local_bases) == 1:
        return body_value(info.local_bases[0], attr)
    return found


def _binds(target: ast.expr, attr: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == attr for n in ast.walk(target))


def _rebinds(stmt: ast.stmt, attr: str) -> bool:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return stmt.name == attr
    if isinstance(stmt, (ast.AugAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.If, ast.Try)):
        return any(isinstance(n, ast.Name) and n.id == attr and not isinstance(n.ctx, ast.Load) for n in ast.walk(stmt))
    return False


def stored_names(index: NodeIndex) -> frozenset[str]:
    """The attribute names some statement of the file stores (or deletes): another path may
    change what a class body bound to one. One pass over the file's attributes for every name."""
    return frozenset(n.attr for n in index.of(ast.Attribute) if not isinstance(n.ctx, ast.Load))


def is_dataclass(info: ClassInfo, qualname: Callable[[ast.expr], str | None]) -> bool:
    """The class is decorated with ``dataclass`` (``@dataclass``, ``@dataclass(frozen=True)``)."""
    for decorator in info.node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if qualname(target) in _DATACLASS_DECORATORS or (isinstance(target, ast.Name) and target.id == "dataclass"):
            return True
    return False


def dataclass_fields(info: ClassInfo) -> list[tuple[str, ast.expr | None]] | None:
    """The fields in order, each with its default (None: no default); None where a field is not
    a plain annotated name (``field(...)``, ``ClassVar``, ``InitVar``: left to the general case)."""
    if info.local_bases or info.method("__post_init__") is not None:
        return None  # inherited fields, or fields the class changes after the generated __init__
    fields: list[tuple[str, ast.expr | None]] = []
    for stmt in info.node.body:
        if not isinstance(stmt, ast.AnnAssign):
            continue
        if not isinstance(stmt.target, ast.Name):
            return None
        annotation = ast.unparse(stmt.annotation)
        if "ClassVar" in annotation or "InitVar" in annotation:
            return None
        value = stmt.value
        if isinstance(value, ast.Call) and (ast.unparse(value.func).rsplit(".", 1)[-1] == "field"):
            value = _field_default(value)  # `field(default_factory=lambda: torch.device(...))`
            if value is None:
                return None
        fields.append((stmt.target.id, value))
    return fields


def _field_default(call: ast.Call) -> ast.expr | None:
    """The expression a ``field(...)`` gives its field: ``default=``, or the body of a
    ``default_factory=`` lambda of no arguments (run once per instance, which is the same here);
    None for anything else (``default_factory=list``, ``init=False``)."""
    given = {k.arg: k.value for k in call.keywords}
    if call.args or None in given or "init" in given:
        return None
    if "default" in given:
        return given["default"]
    factory = given.get("default_factory")
    if isinstance(factory, ast.Lambda) and not (factory.args.args or factory.args.vararg or factory.args.kwarg):
        return factory.body
    return None


class ClassAttributes:
    """The class-body values of one file's classes, each evaluated once (``evaluate``: in an
    empty state, where the class body runs: at import, before any function)."""

    def __init__(self, ctx: FileContext) -> None:
        self.index, self.text = ctx.index, ctx.doc.text
        self.stored: frozenset[str] | None = None  # stored_names, when first needed
        self.values: dict[tuple[int, str], Value | None] = {}

    def read(self, info: ClassInfo, attr: str, evaluate: Callable[[ast.expr], Value]) -> Value | None:
        key = (id(info.node), attr)
        if key not in self.values:
            self.values[key] = None  # a class body reading its own attribute: nothing
            value = body_value(info, attr)
            if value is not None and not self._stored_anywhere(attr):
                self.values[key] = evaluate(value)
        return self.values[key]

    def _stored_anywhere(self, attr: str) -> bool:
        """Some statement of the file stores an attribute named ``attr``, or the file calls
        ``setattr``: another path may change what the class body bound."""
        return "setattr(" in self.text or attr in self.stored_names()

    def stored_names(self) -> frozenset[str]:
        """The attribute names some statement of the file stores (or deletes), found once."""
        if self.stored is None:
            self.stored = stored_names(self.index)
        return self.stored
