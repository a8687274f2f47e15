"""The parsed files of a project: what the flow engine keeps of another file it reads.

A :class:`Unit` is one file's syntax tree, name table and classes, and what its module namespace
holds at the end (definitions, imports, other bindings): enough for ``project.py`` to resolve an
import to a class or a function and follow it. Files are parsed once per process, memoised by path
and content hash.
"""

from __future__ import annotations

import ast
import os
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field

from ..classes import ClassInfo, class_nodes, find_classes
from ..document import Document
from ..names import ModuleImports, Names
from ..walk import MAX_DEPTH, NodeIndex
from .project_files import MAX_BYTES, content_hash

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef

ANY_PUBLIC = frozenset({"*"})  # an `__all__` that is not a literal: what a star import binds is unknown
MEMO_SIZE = 64  # parsed files kept per process (a worker, the server)


@dataclass(frozen=True)
class ImportSpec:
    """One name an import statement binds: ``from <module> import <attr>`` (``level`` dots
    before ``module``), or ``import <module>`` (``attr`` None)."""

    module: str
    level: int
    attr: str | None


@dataclass
class Unit:
    """One parsed file of the project: its syntax tree and name table, its classes, and what
    its module namespace holds at the end (definitions, imports; None: any other binding)."""

    path: str  # absolute
    doc: Document
    tree: ast.Module
    index: NodeIndex
    names: Names
    classes: list[ClassInfo]
    exports: dict[str, Definition | ImportSpec | None]
    imports: dict[tuple[str, tuple[int, int]], ImportSpec]  # (name, where it is bound) -> import
    freezes: bool  # sets `requires_grad = False` somewhere: module outputs prove no graph
    stars: list[ImportSpec] = field(default_factory=list)  # module-level `from m import *`, in order
    imported_names: frozenset[str] = frozenset()  # the names its import statements bind
    public: frozenset[str] | None = None  # a literal `__all__` (None: none; ANY_PUBLIC: not a literal)

    @property
    def directory(self) -> str:
        return os.path.dirname(self.path)

    @property
    def is_package(self) -> bool:
        return os.path.basename(self.path) == "__init__.py"


def build_unit(
    path: str, doc: Document, tree: ast.Module, index: NodeIndex, names: Names, classes: list[ClassInfo]
) -> Unit:
    exports: dict[str, Definition | ImportSpec | None] = {}
    stars: list[ImportSpec] = []
    public: frozenset[str] | None = None
    pending: list[ast.stmt] = list(tree.body)
    while pending:  # module-level statements in source order, through if/try/with blocks
        stmt = pending.pop(0)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            exports[stmt.name] = stmt
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for name, spec in _specs(stmt):
                exports[name] = spec
            if isinstance(stmt, ast.ImportFrom) and any(alias.name == "*" for alias in stmt.names):
                stars.append(ImportSpec(stmt.module or "", stmt.level, None))
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            public = _public(stmt, public)
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name):
                        exports[node.id] = None
        elif isinstance(stmt, (ast.If, ast.Try, ast.With)):
            handlers = [s for h in getattr(stmt, "handlers", ()) for s in h.body]
            pending[:0] = [*stmt.body, *handlers, *getattr(stmt, "orelse", ()), *getattr(stmt, "finalbody", ())]
    imports: dict[tuple[str, tuple[int, int]], ImportSpec] = {}
    statements: list[ast.Import | ast.ImportFrom] = [*index.of(ast.Import), *index.of(ast.ImportFrom)]
    for statement in statements:
        end = (statement.end_lineno or statement.lineno, statement.end_col_offset or 0)  # where names.py binds it
        for name, spec in _specs(statement):
            imports[(name, end)] = spec
    text = doc.text
    freezes = "requires_grad = False" in text or "requires_grad_(False)" in text
    names_bound = frozenset(name for name, _ in imports)
    return Unit(path, doc, tree, index, names, classes, exports, imports, freezes, stars, names_bound, public)


def _public(stmt: ast.Assign | ast.AnnAssign | ast.AugAssign, public: frozenset[str] | None) -> frozenset[str] | None:
    """``__all__`` after ``stmt``: a literal list or tuple of strings sets it; any other binding of
    ``__all__`` (``+=``, a computed value) leaves it unknown, and a star import then proves nothing."""
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
        return public
    value = stmt.value
    if isinstance(stmt, ast.Assign) and isinstance(value, (ast.List, ast.Tuple)):
        items = [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if len(items) == len(value.elts):
            return frozenset(items)
    return ANY_PUBLIC


def _specs(stmt: ast.Import | ast.ImportFrom) -> list[tuple[str, ImportSpec]]:
    found = []
    for alias in stmt.names:
        if isinstance(stmt, ast.Import):
            if alias.asname:
                found.append((alias.asname, ImportSpec(alias.name, 0, None)))
            else:
                top = alias.name.split(".")[0]
                found.append((top, ImportSpec(top, 0, None)))
        elif alias.name != "*":
            found.append((alias.asname or alias.name, ImportSpec(stmt.module or "", stmt.level, alias.name)))
    return found


# -- parsing, memoised per process ----------------------------------------------------------------
_MEMO: OrderedDict[tuple[str, str], Unit | None] = OrderedDict()


def parse_unit(path: str, data: bytes) -> Unit | None:
    """The unit of ``path`` with content ``data``; None when it does not decode or parse."""
    key = (path, content_hash(data))
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return _MEMO[key]
    from ..filefix import SourceFile, Unlintable

    unit = None
    try:
        text = SourceFile.decode(data, MAX_BYTES).text
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path)
        index = NodeIndex(tree)
        if index.depth <= MAX_DEPTH:
            classes = find_classes(class_nodes(tree), ModuleImports(tree))
            unit = build_unit(path, Document(text), tree, index, Names(tree, index), classes)
    except (Unlintable, SyntaxError, ValueError, RecursionError, MemoryError):
        unit = None
    _MEMO[key] = unit
    if len(_MEMO) > MEMO_SIZE:
        _MEMO.popitem(last=False)
    return unit
