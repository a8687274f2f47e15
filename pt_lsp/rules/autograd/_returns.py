"""What a call returns, for PTL202's proofs: the values a helper function of the file, a method
of the class or a local module's ``forward`` returns, and the item a returned dict or tuple holds
(``model(x)["loss"]``, ``loss, logits = model(x)``), each read in the context of its module call."""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import TypeVar

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import local_function, returned_values
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.autograd._literals import is_key
from pt_lsp.rules.autograd._shape_lattice import MAX_DEPTH
from pt_lsp.rules.autograd._values import Values

R = TypeVar("R")
Function = ast.FunctionDef | ast.AsyncFunctionDef


class Returns:
    """``returns_of_call(call)``: what a helper or method of the file returns to ``call``;
    ``dict_item(container, key, ...)``: every value the item ``key`` of ``container`` may hold."""

    def __init__(self, ctx: FileContext, values: Values) -> None:
        self.ctx = ctx
        self.values = values
        self._defs: dict[str, list[Function]] | None = None  # module-level defs no assignment rebinds

    def method_returns(self, call: ast.Call) -> list[ast.AST] | None:
        """``self.compute_loss(...)`` in a method: every value that method of the class returns."""
        method = self.self_method(call)
        return returned_values(method) if method is not None else None

    def self_method(self, call: ast.Call) -> Function | None:
        """The method of the class that ``self.compute_loss(...)`` in a method calls (not ``forward``)."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"):
            return None
        cls = self.ctx.enclosing_class(call)
        info = self.ctx.class_info(cls) if cls is not None else None
        method = info.method(func.attr) if info is not None else None
        return None if method is None or method.name == "forward" else method

    def called_function(self, call: ast.Call) -> Function | None:
        """The function of the file ``call`` runs, read with its arguments: a helper or a method of the class."""
        return self.helper(call) or self.self_method(call)

    def helper(self, call: ast.Call) -> Function | None:
        """The module-level function of the file that ``call`` calls by name (not a class)."""
        if isinstance(call.func, ast.Name) and call.func.id not in self.ctx.classes:
            return local_function(self.ctx, call)
        return None

    def function_named(self, name: ast.Name) -> Function | None:
        """The module-level function ``name`` stands for as a value (``self.criterion = rank_loss``):
        the one ``def`` of that name, which nothing else at module level rebinds."""
        binding = self.ctx.names.binding(name.id, name)
        if binding is None or binding.qualname is not None:
            return None
        if self._defs is None:
            self._defs = {}
            for stmt in self.ctx.tree.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._defs.setdefault(stmt.name, []).append(stmt)
            stored = {
                n.id for n in own_nodes(self.ctx.tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
            }
            self._defs = {k: v for k, v in self._defs.items() if k not in stored}
        found = self._defs.get(name.id, [])
        return found[0] if len(found) == 1 and not found[0].decorator_list else None

    def returns_of_call(self, call: ast.Call, depth: int) -> list[ast.AST] | None:
        """What a helper function of the file, or a method of the class, returns to ``call``."""
        if isinstance(call.func, ast.Name) and call.func.id not in self.ctx.classes:
            helper = local_function(self.ctx, call)
            return returned_values(helper) if helper is not None else None
        found = self.method_returns(call)
        if found is not None or not isinstance(call.func, ast.Attribute) or self.ctx.qualname(call.func) is not None:
            return found
        found_method = self.instance_method(call)
        return returned_values(found_method[1]) if found_method is not None else None

    def instance_method(self, call: ast.Call) -> tuple[ast.Call, Function] | None:
        """``model.compute_loss(x)``: the construction of the local class every binding of
        ``model`` builds, and that class's method (not ``forward``, ``__call__``, ``__init__``)."""
        if not isinstance(call.func, ast.Attribute) or self.ctx.qualname(call.func) is not None:
            return None
        receiver = call.func.value
        if isinstance(receiver, ast.Name) and receiver.id == "self":
            return None  # a method of the class being read: `self_method`
        built = self.values.constructors(receiver)
        if len(built) != 1 or not isinstance(built[0], ast.Call) or not isinstance(built[0].func, ast.Name):
            return None
        info = self.ctx.classes.get(built[0].func.id)
        method = info.method(call.func.attr) if info is not None and self.ctx.qualname(built[0].func) is None else None
        if method is None or method.name in ("forward", "__call__", "__init__"):
            return None
        return built[0], method

    def forward_returns(self, info: ClassInfo) -> list[ast.expr] | None:
        """What calling an instance returns: a module's ``forward``, a plain class's ``__call__``
        (a loss written as a class, ``LpLoss()(out, y)``)."""
        forward = info.method("forward") if info.is_module else info.method("__call__")
        returns = [n.value for n in own_nodes(forward) if isinstance(n, ast.Return)] if forward else []
        if not returns or any(r is None for r in returns):
            return None
        return [r for r in returns if r is not None]

    def dict_item(self, container: ast.AST, key: str | int, depth: int, read: Callable[[ast.AST], R]) -> list[R] | None:
        """``read`` of every value the item ``key`` of the dict (a string key) or tuple (an int)
        ``container`` may hold (a display, a name filled with ``d[key] = v``, what a helper, a
        method or a local module's ``forward`` returns), each read in the context of its module
        call; None where one is unknown."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(container, (ast.Tuple, ast.List)) and isinstance(key, int):
            if any(isinstance(e, ast.Starred) for e in container.elts) or not -len(container.elts) <= key < len(
                container.elts
            ):
                return None
            return [read(container.elts[key])]
        if isinstance(container, ast.Dict) and isinstance(key, str):
            if any(k is None for k in container.keys):
                return None  # `{**other}`
            return [read(v) for k, v in zip(container.keys, container.values) if is_key(k, key)]
        if isinstance(container, ast.Name):
            found: list[R] = []
            bindings = self.values.of(container)
            if not bindings:
                return None  # a parameter or a loop variable: a dict from elsewhere
            for bound in bindings:
                items = self.dict_item(bound, key, depth + 1, read)
                if items is None:
                    return None
                found += items
            stored = self.values.stored_items(container, key)
            if stored is None:
                return None
            found += [read(v) for v in stored]
            return found or None
        if not isinstance(container, ast.Call):
            return None
        if isinstance(container.func, ast.Name) and container.func.id == "dict" and not container.args:
            return [read(k.value) for k in container.keywords if k.arg == key] or None
        if self.ctx.qualname(container.func) is not None:
            return None  # a library's call: a tensor, indexed
        returned = self.returns_of_call(container, depth)
        if returned is not None:
            return self._items_of_all(returned, key, depth, read)
        if isinstance(container.func, (ast.Name, ast.Attribute)):
            built = self.values.constructors(container.func)
            if len(built) != 1 or not isinstance(built[0], ast.Call) or not isinstance(built[0].func, ast.Name):
                return None
            info = self.ctx.classes.get(built[0].func.id)
            returns = self.forward_returns(info) if info is not None else None
            if returns is None or self.ctx.qualname(built[0].func) is not None:
                return None
            with self.values.reading(built[0], container):
                return self._items_of_all(returns, key, depth, read)
        return None

    def any_item(self, container: ast.AST, depth: int, read: Callable[[ast.AST], R]) -> list[R] | None:
        """``read`` of every element of the list or tuple ``container`` is (a display, a name bound
        only to displays and never changed, what a helper or a local module's ``forward`` returns):
        what ``container[i]`` may be, whichever ``i``; None where one is unknown."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(container, (ast.Tuple, ast.List)):
            if not container.elts or any(isinstance(e, ast.Starred) for e in container.elts):
                return None
            return [read(e) for e in container.elts]
        if isinstance(container, ast.Name):
            bindings = self.values.of(container)
            if not bindings or self.values.mutated(container):
                return None
            found: list[R] = []
            for bound in bindings:
                items = self.any_item(bound, depth + 1, read)
                if items is None:
                    return None
                found += items
            return found
        if not isinstance(container, ast.Call) or self.ctx.qualname(container.func) is not None:
            return None
        returned = self.returns_of_call(container, depth)
        if returned is not None:
            return self._any_of_all(returned, depth, read)
        if isinstance(container.func, (ast.Name, ast.Attribute)):
            built = self.values.constructors(container.func)
            if len(built) != 1 or not isinstance(built[0], ast.Call) or not isinstance(built[0].func, ast.Name):
                return None
            info = self.ctx.classes.get(built[0].func.id)
            returns = self.forward_returns(info) if info is not None else None
            if returns is None or self.ctx.qualname(built[0].func) is not None:
                return None
            with self.values.reading(built[0], container):
                return self._any_of_all(returns, depth, read)
        return None

    def _any_of_all(self, containers: Sequence[ast.AST], depth: int, read: Callable[[ast.AST], R]) -> list[R] | None:
        found: list[R] = []
        for returned in containers:
            items = self.any_item(returned, depth + 1, read)
            if not items:
                return None
            found += items
        return found

    def _items_of_all(
        self, containers: Sequence[ast.AST], key: str | int, depth: int, read: Callable[[ast.AST], R]
    ) -> list[R] | None:
        found: list[R] = []
        for returned in containers:
            items = self.dict_item(returned, key, depth + 1, read)
            if not items:
                return None  # a return without the item: not this dict
            found += items
        return found
