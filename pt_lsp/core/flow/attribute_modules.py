"""The module a plain class keeps in an attribute, for its methods analysed on their own.

A method of a plain class (an agent, a trainer) is analysed with ``self`` unknown. Where the
class's own methods assign ``self.net`` only from constructions of one ``nn.Module`` class of
this file or of the project (``self.net = QNet(2)``, ``QNet(2).to(device)``), a call
``self.net(t, states)`` runs that class's ``forward``, read as any call of it is: the items it
returns keep their own facts (``.data`` of an argmax requires no grad; audit-9 G3), instead of
the facts of an unseen module's output. Anything else assigned there (a parameter, another
class, a wrapper such as ``nn.DataParallel``) leaves the attribute unknown, as before.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from ..classes import ClassInfo
from ..walk import attr_path, breadth_first
from .frozen_init import frozen_by_init
from .lattice import Device
from .state import State
from .units import Unit
from .values import OTHER, UNKNOWN, Kind, Value, ref

if TYPE_CHECKING:
    from .functions import Functions

# Methods that return the module itself (moved, cast or switched in mode).
RETURNS_SELF = frozenset({"to", "cuda", "cpu", "float", "double", "half", "train", "eval"})


class AttributeModules:
    def __init__(self, functions: Functions) -> None:
        self.functions = functions
        self.owners: dict[int, ClassInfo] = {}  # id(method) -> its plain class
        self.indexed: set[int] = set()  # id(class info) already in `owners`
        self.sizes: tuple[int, ...] = ()  # the class tables' sizes when last indexed
        self.held: dict[tuple[int, str], ClassInfo | None] = {}  # (id(class node), attr) -> module class
        self.tables: dict[int, dict[str, list[ast.expr | None]]] = {}  # id(class node) -> assignments()
        self.constructions = Constructions(functions)

    def module(self, func: ast.Attribute, state: State) -> Value | None:
        """The module ``self.<attr>`` holds, where ``func`` is that attribute in a method of a
        plain class whose ``self`` is unknown; None where that is not proven."""
        frames = self.functions.stack.frames
        function = frames[-1].node if frames else None
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        params = [*function.args.posonlyargs, *function.args.args]
        if not (params and isinstance(func.value, ast.Name) and func.value.id == params[0].arg):
            return None
        owner = self.owner(function)
        if owner is None:
            return None
        key = (id(owner.node), func.attr)
        if key not in self.held:
            self.held[key] = None  # a cycle through the class's own __init__ reads nothing
            self.held[key] = self.assigned_class(owner, func.attr, state)
        info = self.held[key]
        if info is None:
            return None
        attrs = self.functions.instance_attributes(info)
        # Where it was moved is unknown here: the forward's inputs decide its outputs' device.
        return Value(
            kind=Kind.MODULE,
            device=Device.UNKNOWN,
            requires_grad=not frozen_by_init(info, [], {}),
            cls=info,
            attrs=attrs,
        )

    @staticmethod
    def unset(receiver: Value, func: ast.Attribute, state: State) -> bool:
        """``self.model`` of a plain instance that does not hold it (set by a method not run
        here, ``setup()``): nothing is known of it, as where ``self`` is unknown."""
        info = receiver.cls
        if receiver.kind is not Kind.OTHER or not isinstance(info, ClassInfo) or info.is_module:
            return False
        if func.attr in dict(receiver.attrs) or info.method(func.attr) is not None:
            return False
        path = attr_path(func)
        return path is not None and path not in state.env

    def owner(self, function: ast.AST) -> ClassInfo | None:
        """The plain class whose method ``function`` is (of this file or a loaded project file).
        One index of the methods, grown as project files load: linear in the classes' methods."""
        project = self.functions.scope.project
        tables = [self.functions.class_by_id, *((project.class_by_id,) if project else ())]
        sizes = tuple(len(table) for table in tables)
        if sizes != self.sizes:
            self.sizes = sizes
            for table in tables:
                for info in table.values():
                    if id(info) not in self.indexed:
                        self.indexed.add(id(info))
                        if not info.is_module:
                            for method in info.methods.values():
                                self.owners.setdefault(id(method), info)
        return self.owners.get(id(function))

    def assigned_class(self, owner: ClassInfo, attr: str, state: State) -> ClassInfo | None:
        """The one module class every assignment of ``self.<attr>`` in ``owner``'s methods
        constructs; None where any assignment is something else or there is none."""
        stored = self.functions.scope.class_attributes.stored_names
        if id(owner.node) in self.functions.class_by_id and attr not in stored():
            # a class of this file that stores no `<x>.<attr>` (`self.act(x)` calls a method): no
            # assignment to read, known without the walk of the class's methods
            return None
        found: ClassInfo | None = None
        for value in self.assignments(owner).get(attr, ()):
            info = self.constructed(value, state) if value is not None else None
            if info is None or (found is not None and info is not found):
                return None
            found = info
        return found

    def assignments(self, owner: ClassInfo) -> dict[str, list[ast.expr | None]]:
        """``self.<attr>`` -> the values its methods assign it (None: unpacked, augmented, bound
        by a loop or ``with``), by one walk of the class."""
        if id(owner.node) not in self.tables:
            table: dict[str, list[ast.expr | None]] = {}
            for method in owner.methods.values():
                params = [*method.args.posonlyargs, *method.args.args]
                own = params[0].arg if params else None
                for node in breadth_first(method) if own else ():
                    for target, value in _assignments(node):
                        for part in breadth_first(target):
                            if (
                                isinstance(part, ast.Attribute)
                                and isinstance(part.value, ast.Name)
                                and part.value.id == own
                            ):
                                if part is target and value is not None and _moves_itself(value, own, part.attr):
                                    continue  # `self.net = self.net.cuda()`: the same module, moved
                                table.setdefault(part.attr, []).append(value if part is target else None)
            self.tables[id(owner.node)] = table
        return self.tables[id(owner.node)]

    def constructed(self, value: ast.expr, state: State) -> ClassInfo | None:
        """The module class ``value`` constructs (``QNet(2)``, ``models.QNet(2).cuda()``)."""
        while (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in RETURNS_SELF
            and isinstance(value.func.value, ast.Call)
        ):
            value = value.func.value
        if not isinstance(value, ast.Call) or not isinstance(value.func, (ast.Name, ast.Attribute)):
            return None
        scope = self.functions.scope
        if isinstance(value.func, ast.Name):
            qualname = scope.lookup(value.func.id, value.func, State()).qualname
        else:
            qualname = scope.qualname(value.func)
        if not qualname:
            return None
        if qualname.startswith("<class>."):
            key = int(qualname[8:])
            project = scope.project
            info = self.functions.class_by_id.get(key) or (project.class_by_id.get(key) if project else None)
        else:
            info = self.project_class(qualname)
        return info if info is not None and info.is_module else None

    def project_class(self, qualname: str) -> ClassInfo | None:
        project = self.functions.scope.project
        if project is None or qualname.startswith(("<", "torch", "builtins.")):
            return None
        frames = self.functions.stack.frames
        unit = project.unit_of(frames[-1].node) if frames else None
        entity = project.resolve(qualname, unit)
        if not isinstance(entity, ast.ClassDef):
            return None
        owner = project.origin(entity)
        if owner is not None and owner.freezes:
            return None  # parameters may be frozen there
        return project.class_info(entity)


def _moves_itself(value: ast.expr, own: str, attr: str) -> bool:
    """``self.<attr>.cuda()``, ``self.<attr>.to(device).eval()``: the attribute's module itself."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return False
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in RETURNS_SELF:
        value = value.func.value
    return (
        isinstance(value, ast.Attribute)
        and value.attr == attr
        and isinstance(value.value, ast.Name)
        and value.value.id == own
    )


def _assignments(node: ast.AST) -> list[tuple[ast.expr, ast.expr | None]]:
    if isinstance(node, ast.Assign):
        return [(target, node.value) for target in node.targets]
    if isinstance(node, ast.AnnAssign):
        return [(node.target, node.value)]
    if isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor)):
        return [(node.target, None)]
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return [(item.optional_vars, None) for item in node.items if item.optional_vars is not None]
    if isinstance(node, ast.NamedExpr):
        return [(node.target, None)]
    return []


class Constructions:
    """The instance a method of a plain class of this file runs on, where the project's other
    files construct that class (``agent = DDPG(..., use_cuda=use_cuda)`` in ``train_ddpg.py``,
    ``Trainer(agent=agent)``): its ``__init__`` runs with what each construction passes, read
    from that file without running it: constants, ``torch.cuda.is_available()``, torch
    functions and classes, constructions of the project's classes, and names bound once to
    one of those. Anything else passed is unknown; so is the instance where any construction
    passes ``*args``/``**kwargs`` or the class is constructed in more than a few places."""

    def __init__(self, functions: Functions) -> None:
        self.functions = functions
        self.instances: dict[int, Value | None] = {}  # id(class node) -> the joined instance

    def instance(self, owner: ast.ClassDef, method: ast.FunctionDef | ast.AsyncFunctionDef) -> Value | None:
        project = self.functions.scope.project
        info = self.functions.class_by_id.get(id(owner))
        if project is None or info is None or info.is_module or _not_on_instance(method):
            return None
        if id(owner) not in self.instances:
            self.instances[id(owner)] = None  # a construction inside its own __init__ reads nothing
            joined: Value | None = None
            for unit, call in project.constructions(owner):
                value = self.construct(info, unit, call, 0)
                joined = value if joined is None else joined.join(value)
            self.instances[id(owner)] = joined if joined is not None and joined.cls is info else None
        return self.instances[id(owner)]

    def construct(self, info: ClassInfo, unit: Unit, call: ast.Call, depth: int) -> Value:
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return UNKNOWN
        args = [self.argument(unit, a, depth + 1) for a in call.args]
        kwargs: dict[str | None, Value] = {k.arg: self.argument(unit, k.value, depth + 1) for k in call.keywords}
        if info.is_module:
            return self.functions.instantiate(info, call, args, kwargs, State(grad_enabled=True))
        return self.functions.plain_instance(info, call, args, kwargs, State(grad_enabled=True))

    def argument(self, unit: Unit, expr: ast.expr, depth: int) -> Value:
        """What ``expr`` of ``unit`` holds, where it is proven without running that file."""
        if depth > MAX_ARGUMENT_DEPTH:
            return UNKNOWN
        if isinstance(expr, ast.Constant):
            return self.functions.expressions.eval(expr, State())
        if isinstance(expr, ast.Name):
            qualname = unit.names.qualname(expr)
            if qualname is not None:
                return ref(qualname) if qualname.startswith("torch.") else UNKNOWN
            assigned = _assigned_once(unit, expr)
            return self.argument(unit, assigned, depth + 1) if assigned is not None else UNKNOWN
        if isinstance(expr, ast.Attribute):
            qualname = unit.names.qualname(expr)
            return ref(qualname) if qualname is not None and qualname.startswith("torch.") else UNKNOWN
        if isinstance(expr, ast.Call) and isinstance(expr.func, (ast.Name, ast.Attribute)):
            if unit.names.qualname(expr.func) == "torch.cuda.is_available":
                return OTHER.with_(cuda_flag=True)
            project = self.functions.scope.project
            entity = project.names_class(expr.func, unit) if project is not None else None
            info = project.class_info(entity) if project is not None and isinstance(entity, ast.ClassDef) else None
            if info is not None and self.functions.budget > 0:
                return self.construct(info, unit, expr, depth)
        return UNKNOWN


def _not_on_instance(method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A static or class method: its first parameter is not the instance."""
    names = {
        d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else None
        for d in method.decorator_list
    }
    return bool(names & {"staticmethod", "classmethod"})


MAX_ARGUMENT_DEPTH = 4  # names and constructions followed to what a construction passes


def _assigned_once(unit: Unit, name: ast.Name) -> ast.expr | None:
    """The value of the one ``name = value`` statement that binds ``name`` where it is read
    (its function, else the module); None where it is bound otherwise or more than once."""
    scope: Any = unit.names.scope_of(name)
    while scope is not None and (name.id not in scope.bindings or isinstance(scope.node, ast.ClassDef)):
        scope = scope.parent
    if scope is None or len(scope.bindings[name.id]) != 1:
        return None
    for node in unit.index.of(ast.Assign):
        targets = node.targets
        if len(targets) == 1 and isinstance(targets[0], ast.Name) and targets[0].id == name.id:
            if unit.names.scope_of(node) is scope:
                return node.value
    return None
