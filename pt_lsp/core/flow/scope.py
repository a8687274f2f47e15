"""Names: where a name's value comes from while the flow engine runs a function of this file
or of another file of the project (the state, the name table's imports, the module's globals,
a builtin)."""

from __future__ import annotations

import ast
import builtins
from typing import TYPE_CHECKING

from .class_attributes import ClassAttributes
from .options import Options
from .project import LIBRARIES, Entity
from .project_globals import ProjectGlobals
from .state import Function, Stack, State
from .units import ImportSpec, Unit
from .values import UNKNOWN, Value, ref

if TYPE_CHECKING:
    from ..context import FileContext


class Scope:
    """A name's value: the state's, else unknown for a local not yet bound, else what the name
    table resolves (an import), the module's globals, a builtin."""

    def __init__(self, ctx: FileContext, stack: Stack) -> None:
        self.names = ctx.names
        self.stack = stack
        self.module_env: dict[str, Value] = {}  # the module's globals as functions see them
        self.options = Options(ctx.index, ctx.doc.text)  # `--device` options defaulting to CUDA
        self.class_attributes = ClassAttributes(ctx)  # `Cfg.device` bound by a class body
        self.definitions: dict[int, Function] = {}  # id(def) -> def, for `<def>.` references
        project = ctx.project
        self.project = project if project.enabled else None  # the other files of the project
        self.project_globals = ProjectGlobals(project) if project.enabled else None  # `from config import DEVICE`

    def lookup(self, name: str, node: ast.AST, state: State) -> Value:
        if name in state.env:
            return state.env[name]
        frame = self.stack.frames[-1] if self.stack.frames else None
        if frame is not None and name in frame.locals:
            return UNKNOWN
        # In a function of another file (an imported model's forward), that file's names.
        unit = self.project.unit_of(frame.node) if self.project is not None and frame is not None else None
        binding = (unit.names if unit is not None else self.names).binding(name, node)
        if binding is not None and binding.qualname is None and self.project is not None:
            entity = self.project.relative(binding, unit)  # `from .models import Net`
            if entity is not None:
                return self.reference(entity, unit) or UNKNOWN
        if binding is not None and binding.qualname:
            imported = self.project_globals.imported_device(binding.qualname, unit) if self.project_globals else None
            return imported or ref(binding.qualname)
        if unit is not None:  # its globals: its own classes and functions; other values unknown
            export = unit.exports.get(name)
            if export is not None and not isinstance(export, ImportSpec):
                return self.reference(export, unit) or UNKNOWN
            if name in unit.exports and self.project_globals is not None:  # but a device it assigns
                held = self.project_globals.device(unit, name)
                if held is not None:
                    return held
            return UNKNOWN if binding is not None or not hasattr(builtins, name) else self.builtin(name)
        if name in self.module_env:
            return self.module_env[name]
        if binding is None and hasattr(builtins, name):
            return ref(f"builtins.{name}")
        return UNKNOWN

    def module_global(self, qualname: str) -> Value | None:
        """A device global of a project module read as its attribute (``import config``,
        ``config.DEVICE``); None for anything else."""
        if self.project_globals is None or qualname.split(".", 1)[0] in LIBRARIES:
            return None
        frame = self.stack.frames[-1] if self.stack.frames else None
        unit = self.project.unit_of(frame.node) if self.project is not None and frame is not None else None
        return self.project_globals.imported_device(qualname, unit)

    def global_path(self, path: str, state: State) -> Value | None:
        """The module's own value of ``obj.attr`` (``policy.saved_log_probs``) where a function
        reads it through a global ``obj``: what the module body and the functions it called left
        there (None where ``obj`` is the function's own name, or no such path is known)."""
        root = path.split(".", 1)[0]
        frame = self.stack.frames[-1] if self.stack.frames else None
        if frame is None or isinstance(frame.node, ast.Module) or root in state.env or root in frame.locals:
            return None
        if self.project is not None and self.project.unit_of(frame.node) is not None:
            return None  # a function of another file: its globals are not this module's
        return self.module_env.get(path)

    def builtin(self, name: str) -> Value:
        return ref(f"builtins.{name}")

    def reference(self, entity: Entity, unit: Unit | None) -> Value | None:
        """A reference to a definition or module of the project that calls can follow."""
        if isinstance(entity, ast.ClassDef):
            return ref(f"<class>.{id(entity)}")
        if isinstance(entity, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.definitions[id(entity)] = entity
            return ref(f"<def>.{id(entity)}")
        dotted = self.project.dotted(entity, unit) if self.project is not None else None
        return ref(dotted) if dotted else None

    def qualname(self, expr: ast.AST) -> str | None:
        """``expr``'s qualified name in the file whose code is running."""
        frame = self.stack.frames[-1] if self.stack.frames else None
        unit = self.project.unit_of(frame.node) if self.project is not None and frame is not None else None
        return (unit.names if unit is not None else self.names).qualname(expr)

    def define(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, state: State) -> None:
        """Bind a def or class statement's name to a reference the interpreter can follow."""
        if isinstance(node, ast.ClassDef):
            state.env[node.name] = ref(f"<class>.{id(node)}")
        else:
            self.definitions[id(node)] = node
            state.env[node.name] = ref(f"<def>.{id(node)}")

    def locals_of(self, function: ast.AST) -> frozenset[str]:
        unit = self.project.unit_of(function) if self.project is not None else None
        scope = (unit.names if unit is not None else self.names).scopes.get(id(function))
        return frozenset(scope.bindings) if scope is not None else frozenset()
