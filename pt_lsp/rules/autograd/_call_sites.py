"""The call sites of a method of a class of the file, for PTL202: what every call
``obj.method(...)`` passes where each ``obj`` is an instance made in the file (or ``self`` in a
method of the class), and every call ``obj(...)`` of an instance of a plain class (the method
``__call__`` runs). Unknown where an instance may be called where this does not look; a module's
methods that torch or a training framework call themselves are left out."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import argument_for
from pt_lsp.rules.autograd._literals import base_names

if TYPE_CHECKING:
    from pt_lsp.rules.autograd._values import Values


# Methods torch's nn.Module or a training framework calls itself (`eval()` calls `self.train(False)`,
# Lightning calls `training_step`): calls the file shows are not all the calls of a module's method.
MODULE_OWN = frozenset(
    "forward train eval to cuda cpu apply zero_grad parameters named_parameters modules children state_dict"
    " load_state_dict extra_repr float double half type requires_grad_ share_memory training_step"
    " validation_step test_step predict_step configure_optimizers backward optimizer_step".split()
)


class CallSites:
    """``method_arguments(method, parameter)``: what every call of the file passes for it."""

    def __init__(self, ctx: FileContext, values: Values) -> None:
        self.ctx = ctx
        self.values = values
        self._found: dict[tuple[int, str], list[ast.AST] | None] = {}  # (method, parameter) -> arguments

    def method_arguments(self, method: ast.FunctionDef, parameter: str) -> list[ast.AST] | None:
        """Once per method and parameter: each read of the parameter asks, and each answer walks
        the file's calls."""
        key = (id(method), parameter)
        if key not in self._found:
            self._found[key] = None  # a cycle reads as unknown
            self._found[key] = self._method_arguments(method, parameter)
        return self._found[key]

    def _method_arguments(self, method: ast.FunctionDef, parameter: str) -> list[ast.AST] | None:
        """What every call ``obj.method(...)`` of the file passes for ``parameter`` of a method
        of a class, where each ``obj`` is an instance of that class made in the file
        (``Trainer(...).step(x)``, ``trainer = Trainer(...)`` then ``trainer.step(x)``) or ``self``
        in a method of the class (``self.forward(x)`` in ``__call__``); None where any call of that
        name has another receiver or the class is subclassed, and for a module's ``forward``, its
        ``nn.Module`` methods and a framework's hooks. The method
        that calling an instance runs (``__call__``, or ``__call__ = forward``) also gets what every
        call ``obj(...)`` passes."""
        cls = self.ctx.parent(method)
        if not isinstance(cls, ast.ClassDef) or method.decorator_list:
            return None
        called = method.name == "__call__" or any(
            isinstance(s, ast.Assign)
            and [t.id for t in s.targets if isinstance(t, ast.Name)] == ["__call__"]
            and isinstance(s.value, ast.Name)
            and s.value.id == method.name
            for s in cls.body
        )
        if method.name.startswith("__") and not called:
            return None
        info = self.ctx.classes.get(cls.name)
        if info is None or any(cls.name in base_names(c) for c in self.ctx.index.of(ast.ClassDef)):
            return None
        if info.is_module and (called or method.name in MODULE_OWN or method.name.startswith("on_")):
            return None  # `model(x)` runs `forward` (read elsewhere); torch and frameworks call their own hooks
        found: list[ast.AST] = []
        for call in self.ctx.index.of(ast.Call):
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == method.name):
                continue
            if self._library_object(call.func.value):
                continue  # `self.opt.step()` beside `def step(self, x)`: a torch optimizer's own method
            receiver = call.func.value
            own = isinstance(receiver, ast.Name) and receiver.id == "self" and self.ctx.enclosing_class(call) is cls
            if not own and not self._instance_of(receiver, cls.name):  # (`self.forward(x)` in `__call__`)
                return None
            given = argument_for(call, method, parameter, bound=True)
            if given is None:
                return None
            found.append(given)
        if called:
            calls = self.instance_calls(cls)
            if calls is None:
                return None
            for call in calls:
                given = argument_for(call, method, parameter, bound=True)
                if given is None:
                    return None
                found.append(given)
        return found or None

    def instance_calls(self, cls: ast.ClassDef) -> list[ast.Call] | None:
        """Every call ``obj(...)`` of an instance of ``cls``: ``Cls(...)(x)``, or ``obj(x)`` of a
        module-level name bound to one. None where an instance is kept any other way (an attribute,
        an argument), whose calls this would not see."""
        made = [c for c in self.ctx.index.of(ast.Call) if isinstance(c.func, ast.Name) and c.func.id == cls.name]
        holders: set[str] = set()
        calls: list[ast.Call] = []
        for construction in made:
            parent = self.ctx.parent(construction)
            if isinstance(parent, ast.Call) and parent.func is construction:
                calls.append(parent)
            elif (
                isinstance(parent, ast.Assign)
                and self.values.scope(parent) is self.ctx.tree
                and len(parent.targets) == 1
            ):
                target = parent.targets[0]
                if not isinstance(target, ast.Name):
                    return None
                holders.add(target.id)
            elif not isinstance(parent, ast.Attribute):  # `Cls(...).step(x)` is a method call
                return None
        for name in self.ctx.index.of(ast.Name):
            if name.id not in holders or not isinstance(name.ctx, ast.Load):
                continue
            scope = self.values.scope(name)
            if scope is not self.ctx.tree and (scope is None or not self.values.reads_global(scope, name)):
                continue  # a function's own name that happens to be spelled the same
            parent = self.ctx.parent(name)
            if isinstance(parent, ast.Call) and parent.func is name and self._instance_of(name, cls.name):
                calls.append(parent)
            elif not isinstance(parent, ast.Attribute):
                return None  # passed on: called where this does not look
        return calls

    def _library_object(self, receiver: ast.expr) -> bool:
        """``receiver`` is only ever bound to what a torch constructor makes (``self.opt =
        torch.optim.Adam(...)``, ``sched = StepLR(opt, 5)``): no instance of a class of this file."""
        made = self.values.constructors(receiver) if isinstance(receiver, (ast.Name, ast.Attribute)) else []
        return bool(made) and all(
            isinstance(m, ast.Call) and (self.ctx.qualname(m.func) or "").startswith("torch.") for m in made
        )

    def _instance_of(self, receiver: ast.expr, name: str) -> bool:
        """``Cls(...)`` itself, or a module-level name every assignment of which is one."""
        if isinstance(receiver, ast.Call):
            return isinstance(receiver.func, ast.Name) and receiver.func.id == name
        if isinstance(receiver, ast.Name) and self.values.scope(receiver) is self.ctx.tree:
            values = self.values.of(receiver)
            return bool(values) and all(isinstance(v, ast.expr) and self._instance_of(v, name) for v in values)
        return False
