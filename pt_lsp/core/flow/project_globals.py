"""Device globals of the project's other files: ``DEVICE = torch.device("cuda" if
torch.cuda.is_available() else "cpu")`` in ``config.py`` or ``models.py``, read where another file
imports it (``from config import DEVICE``) or where a function of that file runs.

Only a module-level name bound once, by one plain assignment, and never declared ``global`` in a
function, is read; its value is read from the syntax of that assignment alone: a device string,
``torch.device(...)`` of one, an f-string starting with ``cuda``, a conditional expression of two
of them, or another such global of the same file. Anything else is not a device here (None)."""

from __future__ import annotations

import ast

from .. import vocabulary as api
from .lattice import Device
from .project import LIBRARIES, Module, Project
from .units import Unit
from .values import Kind, Value

MAX_NAMES = 2  # globals read through other globals (`DEVICE = torch.device(DEV_NAME)`)


class ProjectGlobals:
    """Answers per analysed file, each name read once."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.imported: dict[str, Value | None] = {}
        self.owned: dict[tuple[str, str], Value | None] = {}

    def imported_device(self, qualname: str, unit: Unit | None) -> Value | None:
        """``models.DEVICE`` bound by an import of ``unit`` (None: the analysed file)."""
        key = f"{unit.path if unit is not None else ''}:{qualname}"
        if key not in self.imported:
            self.imported[key] = None
            module_name, _, name = qualname.rpartition(".")
            top = module_name.split(".", 1)[0]
            if module_name and top not in LIBRARIES:
                module = self.project.resolve(module_name, unit, stars=False)
                owner = self.project.unit(module.file) if isinstance(module, Module) and module.file else None
                if owner is not None:
                    self.imported[key] = self.device(owner, name)
        return self.imported[key]

    def device(self, owner: Unit, name: str, depth: int = 0) -> Value | None:
        """The device value of ``owner``'s global ``name`` (None: not a device global)."""
        key = (owner.path, name)
        if key not in self.owned:
            self.owned[key] = None
            if name in owner.exports and owner.exports[name] is None and depth <= MAX_NAMES:
                device = self.assigned_device(owner, name, depth)
                if device is not None:
                    self.owned[key] = Value(kind=Kind.DEVICE, device=device, requires_grad=False)
        return self.owned[key]

    def assigned_device(self, owner: Unit, name: str, depth: int) -> Device | None:
        bindings = owner.names.module_scope.bindings.get(name, [])
        if len(bindings) != 1 or any(name in g.names for g in owner.index.of(ast.Global)):
            return None
        assigned = [
            stmt.value
            for stmt in owner.tree.body
            if isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == name
        ]
        return self.device_of(owner, assigned[0], depth) if len(assigned) == 1 else None

    def device_of(self, owner: Unit, expr: ast.expr, depth: int) -> Device | None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            device = api.device_of_string(expr.value)
            return device if device is not Device.UNKNOWN else None
        if isinstance(expr, ast.JoinedStr) and expr.values:
            head = expr.values[0]
            if isinstance(head, ast.Constant) and isinstance(head.value, str) and head.value.startswith("cuda"):
                return Device.CUDA  # f"cuda:{args.gpu}"
            return None
        if isinstance(expr, ast.IfExp):
            body, orelse = self.device_of(owner, expr.body, depth), self.device_of(owner, expr.orelse, depth)
            return body.join(orelse) if body is not None and orelse is not None else None
        if isinstance(expr, ast.Call) and owner.names.qualname(expr.func) == "torch.device":
            given = expr.args[0] if expr.args else next((k.value for k in expr.keywords if k.arg == "type"), None)
            return self.device_of(owner, given, depth) if given is not None else None
        if isinstance(expr, ast.Name):
            held = self.device(owner, expr.id, depth + 1)
            return held.device if held is not None else None
        return None
