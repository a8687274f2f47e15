"""Name resolution: what ``T``, ``nn``, ``V`` or ``F`` refer to at a given place.

Each scope (module, function, lambda, comprehension; class bodies do not enclose their methods)
records its bindings in source order. A name resolves to the last binding before the use in the
innermost scope that binds it; an import binding yields a fully qualified name
(``torch.autograd.Variable``), any other binding (assignment, parameter, def, class, loop
target) shadows the import and yields ``None``. ``V = torch.autograd.Variable`` is an alias.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

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

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def canonical(qualname: str) -> str:
    return CANONICAL.get(qualname, qualname)


@dataclass
class Binding:
    name: str
    pos: tuple[int, int]  # (line, col) where the binding takes effect
    qualname: str | None  # set for imports and aliases of imported names


@dataclass
class Scope:
    node: ast.AST
    parent: "Scope | None"
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    star_imports: list[tuple[tuple[int, int], str]] = field(default_factory=list)
    globals: set[str] = field(default_factory=set)

    def bind(self, name: str, pos: tuple[int, int], qualname: str | None = None) -> None:
        self.bindings.setdefault(name, []).append(Binding(name, pos, qualname))


def _pos(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _end(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


class Names:
    """Scope tree of one module with ``resolve`` / ``qualname`` queries."""

    def __init__(self, tree: ast.Module) -> None:
        self.module_scope = Scope(tree, None)
        self._scope_of: dict[int, Scope] = {}  # id(node) -> scope the node is evaluated in
        self.scopes: dict[int, Scope] = {}  # id(function/class/lambda/comprehension) -> its scope
        _Binder(self).run(tree)

    # -- queries -----------------------------------------------------------------------------
    def scope_of(self, node: ast.AST) -> Scope:
        return self._scope_of.get(id(node), self.module_scope)

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
                candidates = [b for b in found if b.pos <= pos] if first else found
                if candidates:
                    return candidates[-1]
                if first and not isinstance(scope.node, ast.Module):
                    return found[-1]  # bound later in a function: a local, not the import
            if scope.star_imports:
                stars = [m for p, m in scope.star_imports if p <= pos or not first]
                if stars and name not in scope.bindings:
                    return Binding(name, pos, f"{stars[-1]}.{name}")
            scope = scope.parent
            first = False
            while scope is not None and isinstance(scope.node, ast.ClassDef):
                scope = scope.parent
        return None

    def resolve(self, name: str, node: ast.AST) -> str | None:
        binding = self.binding(name, node)
        return binding.qualname if binding else None

    def qualname(self, expr: ast.AST) -> str | None:
        """Fully qualified name of a ``Name``/``Attribute`` chain rooted in an import."""
        if isinstance(expr, ast.Name):
            found = self.resolve(expr.id, expr)
            return canonical(found) if found else None
        if isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value)
            return canonical(f"{base}.{expr.attr}") if base else None
        return None

    def is_torch(self, expr: ast.AST, *qualnames: str) -> bool:
        found = self.qualname(expr)
        return found is not None and found in qualnames


_RECORDED = (ast.Name, ast.Call, ast.Attribute)  # nodes whose scope queries ask about


class _Binder:
    """Walks the tree once, recording scopes and bindings.

    Not an ``ast.NodeVisitor``: its per-node method lookup by name doubles the cost of the
    walk, which over a large code base is the analysis's main cost after parsing.
    """

    def __init__(self, names: Names) -> None:
        self.names = names
        self.scope = names.module_scope
        self._handlers = {
            cls: getattr(self, name) for name in dir(self) if name.startswith("visit_")
            for cls in [getattr(ast, name[6:], None)] if cls is not None
        }

    def run(self, tree: ast.Module) -> None:
        for stmt in tree.body:
            self.visit(stmt)

    def visit(self, node: ast.AST) -> None:
        handler = self._handlers.get(type(node))
        if handler is not None:
            handler(node)
        else:
            self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, _RECORDED):
            self.names._scope_of[id(node)] = self.scope
        for field_name in node._fields:
            value = getattr(node, field_name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    # -- scopes ------------------------------------------------------------------------------
    def _enter(self, node: ast.AST, body: list[ast.AST], args: ast.arguments | None = None) -> None:
        outer = self.scope
        self.scope = self.names.scopes[id(node)] = Scope(node, outer)
        if args is not None:
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
                if arg is not None:
                    self.scope.bind(arg.arg, (0, 0))
        for child in body:
            self.visit(child)
        self.scope = outer

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.names._scope_of[id(node)] = self.scope
        for expr in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults, node.returns):
            if expr is not None:
                self.visit(expr)
        self.scope.bind(node.name, _end(node))
        self._enter(node, node.body, node.args)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.names._scope_of[id(node)] = self.scope
        self._enter(node, [node.body], node.args)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.names._scope_of[id(node)] = self.scope
        for expr in (*node.bases, *node.decorator_list, *(k.value for k in node.keywords)):
            self.visit(expr)
        self._enter(node, node.body)
        self.scope.bind(node.name, _end(node))

    def _comprehension(self, node: ast.AST, elts: list[ast.AST]) -> None:
        self.names._scope_of[id(node)] = self.scope
        generators = node.generators  # type: ignore[attr-defined]
        self.visit(generators[0].iter)  # evaluated in the enclosing scope
        outer = self.scope
        self.scope = Scope(node, outer)
        for index, gen in enumerate(generators):
            if index:
                self.visit(gen.iter)
            self._bind_target(gen.target)
            for cond in gen.ifs:
                self.visit(cond)
        for elt in elts:
            self.visit(elt)
        self.scope = outer

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value])

    # -- bindings ----------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        self.names._scope_of[id(node)] = self.scope
        for alias in node.names:
            if alias.asname:
                self.scope.bind(alias.asname, _end(node), alias.name)
            else:
                top = alias.name.split(".")[0]
                self.scope.bind(top, _end(node), top)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.names._scope_of[id(node)] = self.scope
        if node.level or not node.module:
            for alias in node.names:
                self.scope.bind(alias.asname or alias.name, _end(node))
            return
        for alias in node.names:
            if alias.name == "*":
                self.scope.star_imports.append((_end(node), node.module))
            else:
                self.scope.bind(alias.asname or alias.name, _end(node), f"{node.module}.{alias.name}")

    def visit_Global(self, node: ast.Global) -> None:
        self.scope.globals.update(node.names)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        alias = None
        if isinstance(node.value, (ast.Name, ast.Attribute)):
            alias = self.names.qualname(node.value)
        for target in node.targets:
            self._bind_target(target, alias, _end(node))

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        self._bind_target(node.target, None, _end(node))

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self._bind_target(node.target, None, _end(node))

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        scope = self.scope
        while isinstance(scope.node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            scope = scope.parent  # type: ignore[assignment]
        scope.bind(node.target.id, _end(node))
        self.names._scope_of[id(node.target)] = self.scope

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._bind_target(node.target, None, _pos(node.body[0]) if node.body else _end(node))
        for stmt in (*node.body, *node.orelse):
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._bind_target(item.optional_vars, None, _end(item.context_expr))
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.scope.bind(node.name, _pos(node))
        for stmt in node.body:
            self.visit(stmt)

    def _bind_target(self, target: ast.AST, alias: str | None = None, pos: tuple[int, int] | None = None) -> None:
        self.names._scope_of[id(target)] = self.scope
        if isinstance(target, ast.Name):
            self.scope.bind(target.id, pos or _end(target), alias)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._bind_target(elt, None, pos)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, None, pos)
        else:
            self.visit(target)


class ModuleImports:
    """The module-level imports only: a cheap resolver for questions that do not need scopes
    (what a class's base ``nn.Module`` is), so that files without other interest never pay
    for the full name table."""

    def __init__(self, tree: ast.Module) -> None:
        self.aliases: dict[str, str] = {}
        self.stars: list[str] = []
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
            if found is None and self.stars:
                found = f"{self.stars[-1]}.{expr.id}"
            return canonical(found) if found else None
        if isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value)
            return canonical(f"{base}.{expr.attr}") if base else None
        return None
