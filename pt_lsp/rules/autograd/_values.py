"""The values a name holds, for PTL202's proofs: the one assignment that reaches a read in
straight-line code, else every assignment in its scope; a parameter's arguments (of the module
call being read, of every call or instantiation in the file); what ``self.fc`` is bound to in its
class; a layer's width passed down a constructor (``_widths.py``). Where the code is not that
simple the answer is empty: a proof may be lost, never made up.

``Values`` also holds the stack of local modules whose ``forward`` is being read: their
parameters hold the arguments of that call.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import statement_index, statement_of
from pt_lsp.core.evidence.reaching import argument_for, arguments_at_calls, instantiation_arguments, name_uses
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.autograd._attribute_values import held_by_instance, stored_in
from pt_lsp.rules.autograd._call_sites import CallSites
from pt_lsp.rules.autograd._literals import binds, bound_names, constructs, contains, is_key, item_key
from pt_lsp.rules.autograd._widths import Widths

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# Statements whose blocks read a parameter the function never rebinds with the value it was given.
_BLOCKS = (ast.With, ast.AsyncWith, ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.ExceptHandler)
_CALLED = ("forward", "__call__")  # the methods that calling an instance runs
MUTATORS = {"append", "extend", "insert", "update", "setdefault", "pop", "clear"}


class Values:
    """``of(name)``: every value ``name`` may hold; ``constructors(callee)``: what a module
    variable is bound to; ``reading(constructor, call)``: read a local module's ``forward``."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._instances: list[ast.Call] = []  # the local modules being constructed, innermost last
        self._module_calls: list[ast.Call] = []  # the calls whose `forward` is being read, innermost last
        self._helper_calls: list[tuple[ast.AST, ast.Call]] = []  # helpers being read for a call, innermost last
        # Per block (id of its list): each statement's index, and the indexes of the statements
        # binding each name; per scope and name, its assigned values. Built once: a file of n
        # backward calls asks n times, and a scan per question would make the rule quadratic.
        self._blocks: dict[int, tuple[dict[int, int], dict[str, list[int]]]] = {}
        self._scope_values: dict[tuple[int, str], list[ast.AST]] = {}
        self._first_bindings: dict[int, dict[str, int]] = {}
        self._mutated: dict[tuple[int, str], bool] = {}
        self._items: dict[tuple[int, int], ast.Subscript] = {}  # `a, b = f()`: `f()[0]`, `f()[1]`
        self._stored: dict[tuple[int, str, str | int], list[ast.expr] | None] = {}
        self._sums: dict[int, dict[str, list[ast.expr]]] = {}  # per scope: the terms `name += term` adds
        self._globals: set[str] | None = None
        self.sites = CallSites(ctx, self)  # the names some function declares `global`
        self.widths = Widths(self)  # layer widths and other ints the code states
        # what the calls of a function of this file in the project's other files pass (set by the prover)
        self.callers: Callable[[ast.FunctionDef, str], list[ast.AST] | None] | None = None

    @property
    def context(self) -> tuple[int, ...]:
        """The calls being read (module calls, then helper calls): reads are memoised per context."""
        return (*(id(c) for c in self._module_calls), *(id(c) for _, c in self._helper_calls))

    @contextmanager
    def reading(self, constructor: ast.Call, call: ast.Call) -> Iterator[None]:
        """Read a local module's ``forward`` for ``call``: its parameters hold the call's arguments."""
        self._instances.append(constructor)
        self._module_calls.append(call)
        try:
            yield
        finally:
            self._instances.pop()
            self._module_calls.pop()

    @contextmanager
    def calling(self, function: ast.AST, call: ast.Call) -> Iterator[None]:
        """Read a helper function of the file for ``call``: its parameters hold the call's arguments
        (``self.criterion = rank_loss`` then ``self.criterion(a, b, y)``, a helper called with
        different shapes in different places)."""
        self._helper_calls.append((function, call))
        try:
            yield
        finally:
            self._helper_calls.pop()

    @property
    def building(self) -> list[ast.Call]:
        """The constructions of local modules being read, innermost last."""
        return self._instances

    def instance_of(self, cls: ast.ClassDef | None) -> ast.Call | None:
        """The construction of ``cls`` whose method is being read (innermost), if any."""
        if cls is None or not self._instances:
            return None
        found = self._instances[-1]
        return found if constructs(found, cls) else None

    def inside(self, function: ast.AST) -> bool:
        """``function`` is being read already: a recursive helper is not read again."""
        return any(f is function for f, _ in self._helper_calls)

    def of(self, name: ast.Name) -> list[ast.AST]:
        """Every value ``name`` may hold: the one assignment that reaches it; a parameter's argument
        in the call being read, else what every call or instantiation of the file passes; else
        every assignment in its function (in the module, for a name the function does not bind).
        [] where it is bound any other way (a loop variable, an import, unpacking)."""
        reaching = self.reaching(name)
        if reaching is not None:
            return [reaching]
        scope = self.ctx.parent(name)
        while scope is not None and not isinstance(scope, (*_FUNCTIONS, ast.Module)):
            scope = self.ctx.parent(scope)
        if scope is None:
            return []
        passed = self.forward_argument(scope, name) or self.helper_argument(scope, name)
        if passed is not None:
            return [passed]
        if isinstance(scope, ast.FunctionDef) and scope.name == "__init__" and self._parameter(scope, name.id):
            # `self.objective = objective`: what the instance being read was given (also a class of
            # another file, built here), else what every instantiation of the class passes
            cls = self.ctx.parent(scope)
            instance = self.instance_of(cls) if isinstance(cls, ast.ClassDef) else None
            given_here = argument_for(instance, scope, name.id, bound=True) if instance is not None else None
            if given_here is not None:
                return [given_here]
            given = instantiation_arguments(self.ctx, scope, name.id)
            if given is not None:
                return list(given)
        if isinstance(scope, ast.FunctionDef) and self._read_at_entry(scope, name):
            # a helper's parameter before any rebinding: what every call of the file passes
            passed_all = arguments_at_calls(self.ctx, scope, name.id, rebound=True)
            if passed_all is None:
                passed_all = self.sites.method_arguments(scope, name.id)
            if passed_all is None and self.callers is not None and self._called_elsewhere(scope):
                passed_all = self.callers(scope, name.id)  # `train(model, criterion)` of main.py
            if passed_all is not None:
                return list(passed_all)
        if self.reads_global(scope, name):
            scope = self.ctx.tree  # `model` of a training function: the module's `model = Net()`
        key = (id(scope), name.id)
        if key not in self._scope_values:
            self._scope_values[key] = self._assigned(scope, name)
        return self._scope_values[key]

    def _called_elsewhere(self, function: ast.FunctionDef) -> bool:
        """A module-level function the file never names: only other files can call it."""
        return isinstance(self.ctx.parent(function), ast.Module) and not name_uses(self.ctx, function.name)

    def _parameter(self, function: ast.FunctionDef, name: str) -> bool:
        """``name`` is a parameter of ``function`` that its body never rebinds."""
        arguments = function.args
        every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
        return any(a.arg == name for a in every) and not self.bound_in(function, name)

    def reads_global(self, scope: ast.AST, name: ast.Name) -> bool:
        """``name`` in the function ``scope`` is the module's: the function neither binds it nor
        takes it as a parameter, only classes stand between it and the module (a nested
        function's free name may be its enclosing function's), and no function of the file
        rebinds it with ``global``."""
        if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        outer = self.ctx.parent(scope)
        while isinstance(outer, ast.ClassDef):
            outer = self.ctx.parent(outer)
        if outer is not self.ctx.tree:
            return False
        arguments = scope.args
        every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
        if any(a is not None and a.arg == name.id for a in every) or self.bound_in(scope, name.id):
            return False
        if self._globals is None:
            self._globals = {n for node in self.ctx.index.of(ast.Global) for n in node.names}
        return name.id not in self._globals

    def reaching(self, name: ast.Name) -> ast.expr | None:
        """The value of the one ``name = value`` that reaches ``name``: the last statement before
        it in its block (or in a block around it, through ``if`` and ``with``) that binds the
        name, where that is a plain assignment. None where that is not evident (a loop around
        the use, another kind of binding, none found)."""
        stmt: ast.AST | None = name
        while stmt is not None and not isinstance(stmt, ast.stmt):
            stmt = self.ctx.parent(stmt)
        if stmt is None or isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, *_NESTED)):
            return None  # the use in a loop header
        evaluated_first = stmt.value if isinstance(stmt, (ast.Assign, ast.AugAssign)) else stmt
        if binds(evaluated_first, name.id) or not contains(evaluated_first, name):
            return None  # bound by its own statement before the use (walrus), or in its targets
        while stmt is not None:
            parent = self.ctx.parent(stmt)
            found = next(
                (
                    (block, index)
                    for block in (getattr(parent, f, None) for f in ("body", "orelse"))
                    if isinstance(block, list) and (index := self._block(block)[0].get(id(stmt))) is not None
                ),
                None,
            )
            if found is None:
                return None
            body, index = found
            binders = self._block(body)[1].get(name.id, [])
            at = bisect.bisect_left(binders, index)
            if at:  # the last statement before ``stmt`` in its block that binds the name
                earlier = body[binders[at - 1]]
                if (
                    isinstance(earlier, ast.Assign)
                    and len(earlier.targets) == 1
                    and isinstance(earlier.targets[0], ast.Name)
                    and earlier.targets[0].id == name.id
                    and not binds(earlier.value, name.id)
                ):
                    return earlier.value
                return _displayed(earlier, name.id)  # `returns, R = [], 0`
            if not isinstance(parent, (ast.If, ast.With, ast.AsyncWith)):
                return None  # a function or module body (or a loop, whose back edge may rebind)
            stmt = parent
        return None

    def _block(self, body: list[ast.stmt]) -> tuple[dict[int, int], dict[str, list[int]]]:
        """Where each statement of ``body`` stands, and which statements bind each name."""
        if id(body) not in self._blocks:
            places = {id(stmt): index for index, stmt in enumerate(body)}
            binders: dict[str, list[int]] = {}
            for index, stmt in enumerate(body):
                for bound in bound_names(stmt):
                    binders.setdefault(bound, []).append(index)
            self._blocks[id(body)] = (places, binders)
        return self._blocks[id(body)]

    def _unpacked(self, target: ast.AST, name: ast.AST) -> ast.AST | None:
        """``x, y = a, b``: the item of the value tuple that ``name`` receives; in a nested target
        (``out, (h, c) = self.lstm(x)``), item j of the item i the call returns (``f()[1][0]``)."""
        assign = self.ctx.parent(target)
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(assign, (ast.Tuple, ast.List)):
            outer = self._unpacked(assign, target)  # the item the inner tuple receives
            index = next((i for i, e in enumerate(target.elts) if e is name), None)
            if not isinstance(outer, ast.Subscript) or index is None:
                return None
            if any(isinstance(e, ast.Starred) for e in target.elts):
                return None
            if (id(target), index) not in self._items:
                item = ast.Subscript(value=outer, slice=ast.Constant(index), ctx=ast.Load())
                self._items[(id(target), index)] = ast.copy_location(item, name)
            return self._items[(id(target), index)]
        if not (
            isinstance(target, (ast.Tuple, ast.List))
            and isinstance(assign, ast.Assign)
            and any(t is target for t in assign.targets)
        ):
            return None
        value = assign.value
        sizes = isinstance(value, ast.Attribute) and value.attr == "shape"  # `b, c, h, w = x.shape`
        if (isinstance(value, ast.Call) or sizes) and not any(isinstance(e, ast.Starred) for e in target.elts):
            # `loss, logits = model(x)`: item i of what the call returns, a node of our own
            index = next((i for i, e in enumerate(target.elts) if e is name), None)
            if index is None:
                return None
            if (id(assign), index) not in self._items:
                item = ast.Subscript(value=assign.value, slice=ast.Constant(index), ctx=ast.Load())
                self._items[(id(assign), index)] = ast.copy_location(item, name)
            return self._items[(id(assign), index)]
        if not isinstance(assign.value, (ast.Tuple, ast.List)):
            return None
        elts, values = target.elts, assign.value.elts
        if len(elts) != len(values) or any(isinstance(e, ast.Starred) for e in (*elts, *values)):
            return None
        return next((v for e, v in zip(elts, values) if e is name), None)

    def _assigned(self, scope: ast.AST, name: ast.Name) -> list[ast.AST]:
        if isinstance(scope, _FUNCTIONS):
            arguments = scope.args
            if any(
                a is not None and a.arg == name.id
                for a in (
                    *arguments.posonlyargs,
                    *arguments.args,
                    *arguments.kwonlyargs,
                    arguments.vararg,
                    arguments.kwarg,
                )
            ):
                return []
        values: list[ast.AST] = []
        for node in own_nodes(scope):
            if isinstance(node, ast.Name) and node.id == name.id and not isinstance(node.ctx, ast.Load):
                parent = self.ctx.parent(node)
                if isinstance(parent, ast.Assign) and any(t is node for t in parent.targets):
                    values.append(parent.value)
                elif isinstance(parent, ast.AugAssign):
                    continue  # `x += y` keeps x's number of elements or grows it
                elif parent is not None and (item := self._unpacked(parent, node)) is not None:
                    values.append(item)
                elif isinstance(parent, ast.For) and parent.target is node and isinstance(parent.iter, ast.ListComp):
                    values.append(parent.iter.elt)  # `for x in [torch.randn(8, 16) for _ in ...]`
                elif isinstance(parent, ast.For) and parent.target is node and isinstance(parent.iter, ast.List):
                    values.extend(parent.iter.elts)
                else:
                    return []
            elif isinstance(node, (ast.Global, ast.Nonlocal, ast.Import, ast.ImportFrom)):
                names = (
                    node.names
                    if isinstance(node, (ast.Global, ast.Nonlocal))
                    else [a.asname or a.name.split(".")[0] for a in node.names]
                )
                if name.id in names:
                    return []
        return values

    def helper_argument(self, scope: ast.AST, name: ast.Name) -> ast.expr | None:
        """A parameter of a helper being read for a call (the innermost such call): what that call
        passes for it (or its default), where the helper never rebinds it."""
        call = next((c for function, c in reversed(self._helper_calls) if function is scope), None)
        if call is None or not isinstance(scope, _FUNCTIONS):
            return None
        arguments = scope.args
        if name.id not in [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]:
            return None
        if isinstance(scope, ast.Lambda):  # `loss_fn = lambda a, b: ...` (no statement rebinds a parameter)
            return argument_for(call, scope, name.id)  # type: ignore[arg-type]  # (it reads `.args` only)
        if self.bound_in(scope, name.id) and not (
            isinstance(scope, ast.FunctionDef) and self._read_at_entry(scope, name)
        ):
            return None  # (`z = F.normalize(z)` as the first line reads the argument)
        # a method called on `self` gets it as its first argument, unless it is a staticmethod
        bound = isinstance(self.ctx.parent(scope), ast.ClassDef) and not any(
            isinstance(d, ast.Name) and d.id == "staticmethod" for d in scope.decorator_list
        )
        return argument_for(call, scope, name.id, bound=bound)

    def forward_argument(self, scope: ast.AST, name: ast.Name) -> ast.expr | None:
        """A parameter of the ``forward`` being read for a module call (``model(ids, labels)``):
        what that call passes for it, where ``forward`` never rebinds it. The innermost call of an
        instance of that class counts (a wrapper's ``__call__`` reads its model's ``forward``)."""
        if not self._module_calls or not isinstance(scope, ast.FunctionDef) or scope.name not in _CALLED:
            return None
        cls = self.ctx.parent(scope)
        if not isinstance(cls, ast.ClassDef):
            return None
        call = next(
            (
                c
                for instance, c in zip(reversed(self._instances), reversed(self._module_calls))
                if constructs(instance, cls)
            ),
            None,
        )
        if call is None:
            return None
        if self.bound_in(scope, name.id):
            return None
        return argument_for(call, scope, name.id, bound=True)

    def _read_at_entry(self, function: ast.FunctionDef, name: ast.Name) -> bool:
        """``name`` is a parameter of ``function`` read in a statement of its body itself, with
        no statement before binding it (``p = F.normalize(p)`` as the first line)."""
        arguments = function.args
        if name.id not in [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]:
            return False
        stmt = statement_of(self.ctx, name)
        if stmt is None or isinstance(stmt, (ast.For, ast.While)):
            return False
        outer = self.ctx.parent(stmt)
        if outer is not function:  # inside blocks (a training loop's body), and never rebound in the function
            while isinstance(outer, _BLOCKS):
                outer = self.ctx.parent(outer)
            return outer is function and not self.bound_in(function, name.id) and not binds(stmt, name.id)
        evaluated = stmt.value if isinstance(stmt, (ast.Assign, ast.Return, ast.Expr)) else None
        if evaluated is None or binds(evaluated, name.id) or not contains(evaluated, name):
            return False
        return not self.bound_in(function, name.id, before=statement_index(self.ctx, stmt))

    def bound_in(self, scope: ast.FunctionDef | ast.AsyncFunctionDef, name: str, before: int | None = None) -> bool:
        """A statement of ``scope``'s body (of the first ``before`` ones) binds ``name``. The first
        binding statement of each name is indexed once per function: asking per read, statement by
        statement, was quadratic in the function's length."""
        first = self._first_bindings.get(id(scope))
        if first is None:
            first = self._first_bindings[id(scope)] = {}
            for index, stmt in enumerate(scope.body):
                for bound in bound_names(stmt):
                    first.setdefault(bound, index)
        at = first.get(name)
        return at is not None and (before is None or at < before)

    def scope(self, node: ast.AST) -> ast.AST | None:
        scope = self.ctx.parent(node)
        while scope is not None and not isinstance(scope, (*_FUNCTIONS, ast.Module)):
            scope = self.ctx.parent(scope)
        return scope

    def constructors(self, callee: ast.expr) -> list[ast.AST]:
        """The expressions a module variable (``net``, ``self.fc``) is only ever bound to."""
        if isinstance(callee, ast.Name) and callee.id == "self" and self._instances:
            # `self(x)` in a method of the instance being read (`model.compute_loss(x)`): its own forward
            instance = self.instance_of(self.ctx.enclosing_class(callee))
            return [instance] if instance is not None else []
        if isinstance(callee, ast.Name):
            return self.of(callee)
        if isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name) and callee.value.id != "self":
            return held_by_instance(self.ctx, self.of(callee.value), callee.attr)  # `ae.encoder(x)`
        if isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name) and callee.value.id == "self":
            cls = self.ctx.enclosing_class(callee)
            if cls is None:
                return []
            return stored_in(cls, callee.attr, self.ctx)
        key = item_key(callee)
        if isinstance(callee, ast.Subscript) and isinstance(callee.value, ast.Name) and isinstance(key, str):
            # `losses["bce"](out, y)`: the item of a dict display the scope never changes
            bound = self.of(callee.value)
            if len(bound) != 1 or not isinstance(bound[0], ast.Dict) or self.mutated(callee.value):
                return []
            items: list[ast.AST] = [v for k, v in zip(bound[0].keys, bound[0].values) if k is None or is_key(k, key)]
            return items if len(items) == 1 and None not in bound[0].keys else []  # (no `**other` in it)
        return []

    def stored_items(self, name: ast.Name, key: str | int) -> list[ast.expr] | None:
        """The values of ``name[key] = value`` in ``name``'s scope; None where the dict is changed
        any other way (``update``, a computed key)."""
        scope = self.scope(name)
        if scope is None:
            return None
        memo = (id(scope), name.id, key)
        if memo not in self._stored:
            self._stored[memo] = self._stored_items(scope, name, key)
        return self._stored[memo]

    def _stored_items(self, scope: ast.AST, name: ast.Name, key: str | int) -> list[ast.expr] | None:
        found: list[ast.expr] = []
        for node in own_nodes(scope):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == name.id
                    ):
                        if not isinstance(target.slice, ast.Constant):
                            return None
                        if target.slice.value == key:
                            found.append(node.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                receiver = node.func.value
                if isinstance(receiver, ast.Name) and receiver.id == name.id and node.func.attr in MUTATORS:
                    return None
        return found

    def over_range(self, name: ast.Name) -> bool:
        """Every binding of ``name`` in its scope is the target of ``for name in range(...)``: an int."""
        scope = self.scope(name)
        if scope is None:
            return False
        targets = [
            n
            for n in own_nodes(scope)
            if isinstance(n, ast.Name) and n.id == name.id and not isinstance(n.ctx, ast.Load)
        ]
        return bool(targets) and all(
            isinstance(loop := self.ctx.parent(n), ast.For)
            and loop.target is n
            and isinstance(loop.iter, ast.Call)
            and isinstance(loop.iter.func, ast.Name)
            and loop.iter.func.id == "range"
            and self.ctx.names.binding("range", loop.iter.func) is None
            for n in targets
        )

    def accumulated(self, name: ast.Name) -> list[ast.expr]:
        """The terms of ``name += term`` and ``name -= term`` in the scope whose values ``name`` has."""
        scope = self.scope(name)
        if scope is not None and self.reads_global(scope, name):
            scope = self.ctx.tree
        if scope is None:
            return []
        if id(scope) not in self._sums:  # every name's terms at once: one walk per scope
            sums = self._sums[id(scope)] = {}
            for node in own_nodes(scope):
                if isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Add, ast.Sub)):
                    if isinstance(node.target, ast.Name):
                        sums.setdefault(node.target.id, []).append(node.value)
        return self._sums[id(scope)].get(name.id, [])

    def mutated(self, name: ast.Name) -> bool:
        """``name`` (a list) is changed in its scope: ``append``, ``extend``, an item stored, ``+=``."""
        scope = self.scope(name)
        if scope is None:
            return True
        key = (id(scope), name.id)
        if key not in self._mutated:
            self._mutated[key] = any(
                (
                    isinstance(n, ast.Attribute)
                    and n.attr in MUTATORS
                    and isinstance(n.value, ast.Name)
                    and n.value.id == name.id
                )
                or (
                    isinstance(n, ast.Subscript)
                    and isinstance(n.ctx, ast.Store)
                    and isinstance(n.value, ast.Name)
                    and n.value.id == name.id
                )
                or (isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id == name.id)
                for n in own_nodes(scope)
            )
        return self._mutated[key]


def _displayed(stmt: ast.stmt, name: str) -> ast.expr | None:
    """The item of a display that ``a, b = x, y`` binds to ``name`` (targets and values of the
    same length, no starred item, each target a plain name, the value not reading ``name``)."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return None
    target, value = stmt.targets[0], stmt.value
    if not (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))):
        return None
    if len(target.elts) != len(value.elts) or not all(isinstance(t, ast.Name) for t in target.elts):
        return None
    if any(isinstance(v, ast.Starred) for v in value.elts):
        return None
    found = [item for bound, item in zip(target.elts, value.elts) if isinstance(bound, ast.Name) and bound.id == name]
    return found[-1] if found and not binds(found[-1], name) else None  # (`a, a = x, y` binds y)
