"""Name resolution: what ``T``, ``nn``, ``V`` or ``F`` refer to at a given place.

Each scope (module, function, lambda, comprehension; class bodies do not enclose their methods)
records its bindings in source order. A name resolves to the last binding before the use in the
innermost scope that binds it; an import binding yields a fully qualified name
(``torch.autograd.Variable``), any other binding (assignment, parameter, def, class, loop
target) shadows the import and yields ``None``. ``V = torch.autograd.Variable`` is an alias.
"""

from __future__ import annotations

import ast
import sys
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pt_lsp.core.walk import target_names

if TYPE_CHECKING:
    from collections.abc import Callable

    from .walk import NodeIndex

# Public names re-exported under a shorter path; keys are canonicalised to the values.
CANONICAL = {
    "torch.autograd.variable.Variable": "torch.autograd.Variable",
    "torch.nn.modules.module.Module": "torch.nn.Module",
    "torch.nn.parameter.Parameter": "torch.nn.Parameter",
    "torch.nn.modules.Module": "torch.nn.Module",
    "torch.autograd.grad_mode.no_grad": "torch.no_grad",
    "torch.autograd.no_grad": "torch.no_grad",
    "torch.autograd.grad_mode.enable_grad": "torch.enable_grad",
    "torch.autograd.grad_mode.inference_mode": "torch.inference_mode",
    "torch.autograd.backward": "torch.autograd.backward",
}


def canonical(qualname: str) -> str:
    return CANONICAL.get(qualname, qualname)


def is_torch_module(module: str) -> bool:
    """``torch`` or one of its submodules (``torch_geometric`` is another package)."""
    return module == "torch" or module.startswith("torch.")


# What `from <module> import *` brings in, for the torch modules whose star imports compete in
# real code (`from torch.autograd import *` next to `from torch import *`).
_AUTOGRAD_EXPORTS = frozenset(
    "Variable Function NestedIOFunction backward grad grad_mode detect_anomaly enable_grad gradcheck "
    "gradgradcheck inference_mode no_grad set_detect_anomaly set_grad_enabled set_multithreading_enabled "
    "enforce_grad_layout_policy variable".split()
)
_NN_LOWERCASE_EXPORTS = frozenset(
    "attention common_types factory_kwargs functional grad init intrinsic modules parallel parameter qat "
    "quantizable quantized utils".split()
)
# torch.nn.utils.rnn's `__all__` (fixed): a star import of it binds nothing else.
_RNN_UTILS_EXPORTS = frozenset(
    "PackedSequence invert_permutation pack_padded_sequence pad_packed_sequence pad_sequence unpad_sequence "
    "pack_sequence unpack_sequence".split()
)
_TORCH_AND_AUTOGRAD = frozenset({"no_grad", "enable_grad", "inference_mode"})
_TORCH_AND_NN = frozenset({"ModuleDict", "ParameterDict"})


def _nn_exports(name: str) -> bool:
    if name[:1].isupper():
        return not name.endswith("Tensor") and name not in {"Variable", "Function", "NestedIOFunction"}
    return name in _NN_LOWERCASE_EXPORTS


def star_exports(module: str, name: str) -> bool | None:
    """Whether ``from module import *`` binds ``name``: True, False, or None (unknown: any module
    but the torch ones described here may export anything)."""
    if module == "torch.autograd":
        return name in _AUTOGRAD_EXPORTS
    if module == "torch.nn":
        return _nn_exports(name)
    if module == "torch.nn.utils.rnn":
        return name in _RNN_UTILS_EXPORTS
    if module == "torch":
        if name in _TORCH_AND_AUTOGRAD or name in _TORCH_AND_NN:
            return True
        return not (name in _AUTOGRAD_EXPORTS or _nn_exports(name))
    return None


def star_source(modules: list[str], name: str) -> str | None:
    """The module, among star imports in order, whose ``import *`` binds ``name`` last (None when
    none of them does)."""
    for module in reversed(modules):
        if star_exports(module, name) is not False:
            return module
    return None


def _star_bound(source: str, name: str, library: Callable[[str, str], str | None] | None) -> str:
    """The qualified name of ``name`` bound by ``from source import *``: ``source.name``, or what
    a project module ``source`` imported it as from a library (``library`` answers)."""
    found = library(source, name) if library is not None and not is_torch_module(source) else None
    return found or f"{source}.{name}"


@dataclass
class Binding:
    name: str
    pos: tuple[int, int]  # (line, col) where the binding takes effect
    qualname: str | None  # set for imports and aliases of imported names


@dataclass
class Scope:
    node: ast.AST
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    star_imports: list[tuple[tuple[int, int], str]] = field(default_factory=list)
    globals: set[str] = field(default_factory=set)
    _positions: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # for latest_before

    def bind(self, name: str, pos: tuple[int, int], qualname: str | None = None) -> None:
        self.bindings.setdefault(name, []).append(Binding(name, pos, qualname))

    def latest_before(self, name: str, pos: tuple[int, int]) -> Binding | None:
        """The last binding of ``name`` (in the order bound) at or before ``pos``: by bisection
        where the bindings are in source order (a name bound n times is asked about n times)."""
        found = self.bindings.get(name, [])
        if len(found) < 8:
            candidates = [b for b in found if b.pos <= pos]
            return candidates[-1] if candidates else None
        positions = self._positions.get(name)
        if positions is None or len(positions) != len(found):
            ordered = all(a.pos <= b.pos for a, b in zip(found, found[1:]))
            positions = self._positions[name] = [b.pos for b in found] if ordered else []
        if not positions:  # bound out of source order: the scan keeps the order bound
            candidates = [b for b in found if b.pos <= pos]
            return candidates[-1] if candidates else None
        index = bisect_right(positions, pos)
        return found[index - 1] if index else None


def _pos(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _end(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


class Names:
    """Scope tree of one module with ``resolve`` / ``qualname`` queries.

    Bindings come from statements (walked without descending into expressions) and from the
    few expressions that bind (comprehension targets, lambda parameters, ``:=``), found in the
    shared node index. The scope of a use is found by position: scopes nest, so the innermost
    one containing a position is an ancestor of the last scope that starts before it.
    """

    def __init__(
        self,
        tree: ast.Module,
        index: NodeIndex | None = None,
        library: Callable[[str, str], str | None] | None = None,
    ) -> None:
        from .walk import NodeIndex

        index = index if index is not None else NodeIndex(tree)
        # What a name that a star import of a project module binds names in a library (the
        # project answers, from that module alone)
        self.library = library
        self.module_scope = Scope(tree, None)
        self.scopes: dict[int, Scope] = {}  # id(function/class/lambda/comprehension) -> its scope
        self._starts: list[tuple[int, int]] = []
        self._ordered: list[tuple[tuple[int, int], tuple[int, int], Scope]] = []
        self._build_scopes(index)
        binder = _StatementBinder(self)
        binder.run(tree.body, self.module_scope)
        self._bind_expressions(index)
        # Only a name bound by an import (or an alias of one) resolves to a qualified name, unless
        # a star import may bind it: any other name is answered without a lookup.
        self._qualified: set[str] | None = None if binder.stars else binder.qualified
        self._qualnames: dict[int, tuple[ast.AST, str | None]] = {}  # rules ask about one node again and again

    # -- scope tree ---------------------------------------------------------------------------
    def _build_scopes(self, index: NodeIndex) -> None:
        spans = []
        for node in index.of(*_SCOPE_NODES):
            start, end = _scope_span(node)
            spans.append((start, (-end[0], -end[1]), node))
        spans.sort(key=lambda item: (item[0], item[1]))
        stack: list[tuple[tuple[int, int], tuple[int, int], Scope]] = []
        for start, negative_end, node in spans:
            end = (-negative_end[0], -negative_end[1])
            while stack and stack[-1][1] <= start:
                stack.pop()
            scope = Scope(node, stack[-1][2] if stack else self.module_scope)
            self.scopes[id(node)] = scope
            self._ordered.append((start, end, scope))
            stack.append((start, end, scope))
        self._starts = [start for start, _, _ in self._ordered]

    def _scope_at(self, pos: tuple[int, int]) -> Scope:
        i = bisect_right(self._starts, pos) - 1
        if i < 0:
            return self.module_scope
        scope: Scope | None = self._ordered[i][2]
        ends = self._ends
        while scope is not None and scope is not self.module_scope:
            start, end = ends[id(scope)]
            if start <= pos < end:
                return scope
            scope = scope.parent
        return self.module_scope

    @property
    def _ends(self) -> dict[int, tuple[tuple[int, int], tuple[int, int]]]:
        ends = self.__dict__.get("_ends_cache")
        if ends is None:
            ends = self.__dict__["_ends_cache"] = {id(scope): (start, end) for start, end, scope in self._ordered}
        return ends

    def _bind_expressions(self, index: NodeIndex) -> None:
        for function in index.of(ast.Lambda):
            scope = self.scopes[id(function)]
            for arg in _arguments(function.args):
                scope.bind(arg, (0, 0))
        comprehensions: list[ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp] = index.of(*_COMPREHENSIONS)
        for comprehension in comprehensions:
            scope = self.scopes[id(comprehension)]
            for generator in comprehension.generators:
                for target in target_names(generator.target):
                    scope.bind(target, _pos(comprehension))
        for named in index.of(ast.NamedExpr):
            scope = self._scope_at(_pos(named))
            while isinstance(scope.node, _COMPREHENSIONS) and scope.parent is not None:
                scope = scope.parent  # `:=` in a comprehension binds in the enclosing scope
            scope.bind(named.target.id, _end(named))

    def qualname_now(self, expr: ast.AST) -> str | None:
        """``qualname`` while the bindings are still being recorded (neither memoised nor filtered)."""
        if isinstance(expr, ast.Name):
            binding = self.binding(expr.id, expr)
            return canonical(binding.qualname) if binding and binding.qualname else None
        if isinstance(expr, ast.Attribute):
            base = self.qualname_now(expr.value)
            return canonical(f"{base}.{expr.attr}") if base else None
        return None

    # -- queries -----------------------------------------------------------------------------
    def scope_of(self, node: ast.AST) -> Scope:
        """The scope ``node`` is evaluated in."""
        return self._scope_at(_pos(node))

    def binding(self, name: str, node: ast.AST) -> Binding | None:
        scope: Scope | None = self.scope_of(node)
        pos = _pos(node)
        first = True
        while scope is not None:
            if name in scope.globals:
                scope = self.module_scope
            found = scope.bindings.get(name)
            if found:
                # In the use's own scope take the latest binding before the use; in enclosing
                # scopes (closures, run later) the latest binding overall.
                latest = scope.latest_before(name, pos) if first else found[-1]
                if latest is not None:
                    return latest
                if first and not isinstance(scope.node, (ast.Module, ast.ClassDef)):
                    return found[-1]  # bound later in a function: a local, not the import
            if scope.star_imports and name not in scope.bindings:
                source = star_source([m for p, m in scope.star_imports if p <= pos or not first], name)
                if source is not None and name == "torch" and star_exports(source, name) is None:
                    # a helper library's `import *` re-exporting the package (`from torch_snippets
                    # import *`): a name `torch` nothing else binds is the torch package
                    return Binding(name, pos, "torch")
                if source is not None:
                    return Binding(name, pos, _star_bound(source, name, self.library))
            scope = scope.parent
            first = False
            while scope is not None and isinstance(scope.node, ast.ClassDef):
                scope = scope.parent
        return None

    def may_resolve(self, name: str) -> bool:
        """False where ``name`` is bound by no import (nor a star import): it never resolves."""
        return self._qualified is None or name in self._qualified

    def resolve(self, name: str, node: ast.AST) -> str | None:
        if self._qualified is not None and name not in self._qualified:
            return None
        binding = self.binding(name, node)
        return binding.qualname if binding else None

    def qualname(self, expr: ast.AST) -> str | None:
        """Fully qualified name of a ``Name``/``Attribute`` chain rooted in an import."""
        known = self._qualnames.get(id(expr))
        if known is not None and known[0] is expr:
            return known[1]
        found = None
        if isinstance(expr, ast.Name):
            resolved = self.resolve(expr.id, expr)
            found = canonical(resolved) if resolved else None
        elif isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value)
            found = canonical(f"{base}.{expr.attr}") if base else None
        self._qualnames[id(expr)] = (expr, found)  # the node kept alive: its id is not reused
        return found


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, *_COMPREHENSIONS)


def _scope_span(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    """Where names are looked up in ``node``'s own scope: a def's or class's body (decorators,
    defaults and bases belong to the enclosing scope), a lambda's or comprehension's whole text."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        first = node.body[0]
        return (first.lineno, 0), _end(node)
    return _pos(node), _end(node)


def _arguments(args: ast.arguments) -> list[str]:
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg) if a is not None]


# `try: ... except* E:` (Python 3.11) binds as `try` does.
if sys.version_info >= (3, 11):
    _TRY_STATEMENTS = (ast.Try, ast.TryStar)
else:
    _TRY_STATEMENTS = (ast.Try,)


class _StatementBinder:
    """Records the bindings statements make, scope by scope, in source order."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self.qualified: set[str] = set()  # names bound so far with a qualified name
        self.stars = False  # a star import seen: any name may resolve

    def run(self, body: list[ast.stmt], scope: Scope) -> None:
        handlers = _HANDLERS
        for stmt in body:
            handler = handlers.get(stmt.__class__)
            if handler is not None:  # most statements (calls, returns, raises...) bind nothing
                handler(self, stmt, scope)

    def bind(self, scope: Scope, name: str, pos: tuple[int, int], qualname: str | None) -> None:
        scope.bind(name, pos, qualname)
        if qualname is not None:
            self.qualified.add(name)

    # -- one method per kind of statement that binds (or holds statements that do) ----------------
    def function(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> None:
        inner = self.names.scopes[id(stmt)]
        for arg in _arguments(stmt.args):
            inner.bind(arg, (0, 0))
        self.run(stmt.body, inner)
        scope.bind(stmt.name, _end(stmt))

    def class_def(self, stmt: ast.ClassDef, scope: Scope) -> None:
        self.run(stmt.body, self.names.scopes[id(stmt)])
        scope.bind(stmt.name, _end(stmt))

    def import_names(self, stmt: ast.Import, scope: Scope) -> None:
        for alias in stmt.names:
            if alias.asname:
                self.bind(scope, alias.asname, _end(stmt), alias.name)
            else:
                top = alias.name.split(".")[0]
                self.bind(scope, top, _end(stmt), top)

    def import_from(self, stmt: ast.ImportFrom, scope: Scope) -> None:
        for alias in stmt.names:
            if stmt.level or not stmt.module:
                scope.bind(alias.asname or alias.name, _end(stmt))
            elif alias.name == "*":
                scope.star_imports.append((_end(stmt), stmt.module))
                self.stars = True
            else:
                self.bind(scope, alias.asname or alias.name, _end(stmt), f"{stmt.module}.{alias.name}")

    def global_names(self, stmt: ast.Global, scope: Scope) -> None:
        scope.globals.update(stmt.names)

    def assign(self, stmt: ast.Assign, scope: Scope) -> None:
        aliased = self.alias(stmt.value)
        for target in stmt.targets:
            self.bind_target(target, scope, _end(stmt), aliased)

    def assign_one(self, stmt: ast.AnnAssign | ast.AugAssign, scope: Scope) -> None:
        self.bind_target(stmt.target, scope, _end(stmt))

    def loop(self, stmt: ast.For | ast.AsyncFor, scope: Scope) -> None:
        self.bind_target(stmt.target, scope, _pos(stmt.body[0]) if stmt.body else _end(stmt))
        self.run(stmt.body, scope)
        self.run(stmt.orelse, scope)

    def with_items(self, stmt: ast.With | ast.AsyncWith, scope: Scope) -> None:
        for item in stmt.items:
            if item.optional_vars is not None:
                self.bind_target(item.optional_vars, scope, _end(item.context_expr))
        self.run(stmt.body, scope)

    def branches(self, stmt: ast.If | ast.While, scope: Scope) -> None:
        self.run(stmt.body, scope)
        self.run(stmt.orelse, scope)

    def try_blocks(self, stmt: ast.Try, scope: Scope) -> None:
        self.run(stmt.body, scope)
        for handler in stmt.handlers:
            if handler.name:
                scope.bind(handler.name, _pos(handler))
            self.run(handler.body, scope)
        self.run(stmt.orelse, scope)
        self.run(stmt.finalbody, scope)

    def match(self, stmt: ast.Match, scope: Scope) -> None:
        for case in stmt.cases:
            for node in ast.walk(case.pattern):
                name = getattr(node, "name", None) or getattr(node, "rest", None)
                if isinstance(name, str):
                    scope.bind(name, _pos(case.pattern))
            self.run(case.body, scope)

    def alias(self, value: ast.expr) -> str | None:
        """What ``name = value`` aliases: the qualified name of an imported ``Name``/``Attribute``
        chain (looked up only when its root was bound by an import so far, or a star import was seen)."""
        root = value
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or not (self.stars or root.id in self.qualified):
            return None
        return self.names.qualname_now(value)

    def bind_target(self, target: ast.AST, scope: Scope, pos: tuple[int, int], alias: str | None = None) -> None:
        if isinstance(target, ast.Name):
            self.bind(scope, target.id, pos, alias)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self.bind_target(elt, scope, pos)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value, scope, pos)


# The statements that bind, or hold statements that do, by their exact class (syntax nodes are
# never subclassed): one lookup per statement instead of a chain of isinstance tests.
_HANDLERS: dict[type, Callable[[_StatementBinder, Any, Scope], None]] = {
    ast.FunctionDef: _StatementBinder.function,
    ast.AsyncFunctionDef: _StatementBinder.function,
    ast.ClassDef: _StatementBinder.class_def,
    ast.Import: _StatementBinder.import_names,
    ast.ImportFrom: _StatementBinder.import_from,
    ast.Global: _StatementBinder.global_names,
    ast.Assign: _StatementBinder.assign,
    ast.AnnAssign: _StatementBinder.assign_one,
    ast.AugAssign: _StatementBinder.assign_one,
    ast.For: _StatementBinder.loop,
    ast.AsyncFor: _StatementBinder.loop,
    ast.With: _StatementBinder.with_items,
    ast.AsyncWith: _StatementBinder.with_items,
    ast.If: _StatementBinder.branches,
    ast.While: _StatementBinder.branches,
    **{kind: _StatementBinder.try_blocks for kind in _TRY_STATEMENTS},
    ast.Match: _StatementBinder.match,
}


class ModuleImports:
    """The module-level imports only: a cheap resolver for questions that do not need scopes
    (what a class's base ``nn.Module`` is), so that files without other interest never pay
    for the full name table."""

    def __init__(self, tree: ast.Module, library: Callable[[str, str], str | None] | None = None) -> None:
        self.aliases: dict[str, str] = {}
        self.stars: list[str] = []
        self.library = library  # as Names.library
        statements = list(tree.body)
        while statements:
            stmt = statements.pop(0)
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        self.aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
            elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
                for alias in stmt.names:
                    if alias.name == "*":
                        self.stars.append(stmt.module)
                    else:
                        self.aliases[alias.asname or alias.name] = f"{stmt.module}.{alias.name}"
            elif isinstance(stmt, (ast.If, ast.Try)):  # `try: import x except ImportError`
                handlers = [s for h in getattr(stmt, "handlers", ()) for s in h.body]
                statements[:0] = [*stmt.body, *handlers, *stmt.orelse]

    def qualname(self, expr: ast.AST) -> str | None:
        if isinstance(expr, ast.Name):
            found = self.aliases.get(expr.id)
            source = star_source(self.stars, expr.id) if found is None else None
            if source is not None:
                found = _star_bound(source, expr.id, self.library)
            return canonical(found) if found else None
        if isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value)
            return canonical(f"{base}.{expr.attr}") if base else None
        return None
