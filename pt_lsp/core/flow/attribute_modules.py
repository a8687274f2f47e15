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
from typing import TYPE_CHECKING

from ..classes import ClassInfo
from .functions import frozen_by_init
from .lattice import Device
from .state import State
from .values import Kind, Value

if TYPE_CHECKING:
    from .functions import Functions

# Methods that return the module itself (moved, cast or switched in mode).
RETURNS_SELF = frozenset({"to", "cuda", "cpu", "float", "double", "half", "train", "eval"})


class AttributeModules:
    def __init__(self, functions: Functions) -> None:
        self.functions = functions
        self.owners: dict[int, ClassInfo | None] = {}  # id(method) -> its plain class
        self.held: dict[tuple[int, str], ClassInfo | None] = {}  # (id(class node), attr) -> module class

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

    def owner(self, function: ast.AST) -> ClassInfo | None:
        """The plain class whose method ``function`` is (of this file or a loaded project file)."""
        if id(function) not in self.owners:
            found = None
            project = self.functions.scope.project
            infos = [*self.functions.class_by_id.values(), *(project.class_by_id.values() if project else ())]
            for info in infos:
                if not info.is_module and any(method is function for method in info.methods.values()):
                    found = info
                    break
            self.owners[id(function)] = found
        return self.owners[id(function)]

    def assigned_class(self, owner: ClassInfo, attr: str, state: State) -> ClassInfo | None:
        """The one module class every assignment of ``self.<attr>`` in ``owner``'s methods
        constructs; None where any assignment is something else or there is none."""
        found: ClassInfo | None = None
        for method in owner.methods.values():
            params = [*method.args.posonlyargs, *method.args.args]
            if not params:
                continue
            own = params[0].arg
            for node in ast.walk(method):
                for target, value in _assignments(node):
                    if not any(_is_attr(t, own, attr) for t in ast.walk(target)):
                        continue
                    if value is None or not _is_attr(target, own, attr):
                        return None  # unpacked, augmented, annotated without a value
                    info = self.constructed(value, state)
                    if info is None or (found is not None and info is not found):
                        return None
                    found = info
        return found

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


def _is_attr(node: ast.AST, own: str, attr: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attr
        and isinstance(node.value, ast.Name)
        and node.value.id == own
    )
