"""Project imports: the classes and functions of the user's other files, for the flow engine.

A training script is rarely one file: ``from models import Generator`` in ``train.py``, a
``repackage_hidden`` helper in ``utils.py``. An import resolves to a file of the project the
way Python's ``sys.path`` would find it when the script runs: from the importing file's folder
(``sys.path[0]``), the analysed file's folder, the folder above the importing file's top package
(``python -m pkg.train``) and the project root (the folder holding ``pyproject.toml`` or
``.git``). Relative imports resolve inside the package. Nothing resolves in ``site-packages``
or to a module named ``torch*``; a file that cannot be read or parsed resolves to nothing, and
the call stays unknown, as for any other module.

An imported file is parsed once per process (memoised by path and content hash) and its
top-level classes and functions are then followed by the same machinery as the file's own
(``Functions``): ``Scope`` asks which file a running function belongs to, for its names and
globals. The files read are recorded so that the CLI's cache re-analyses an importer when one
of them changes.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar, cast

from ..classes import ClassInfo
from ..document import Span
from ..names import Binding, is_torch_module, star_exports
from .module_bases import mark_project_modules
from .project_files import (
    MAX_BYTES,
    SCAN,
    content_hash,
    files_naming,
    found_on_disk,
    record_read,
    scan_record,
    walk_project,
)
from .units import ANY_PUBLIC, Definition, ImportSpec, Unit, build_unit, parse_unit

if TYPE_CHECKING:
    from ..context import FileContext

MAX_UNITS = 32  # other files one analysis may read: keeps a file's cost bounded
MAX_NAMESPACE_DEPTH = 4  # folders up from a file that may be the namespace package it imports from
MAX_CHAIN = 4  # re-exports followed (`from .layers import Block` in a package's __init__)
MAX_STARS = 2  # star imports followed for one name: the importer's, and one re-export in that module
MAX_SITES = 4  # constructions of one class read; more: the class is unknown where it runs
ROOT_MARKERS = ("pyproject.toml", ".git")
# top-level modules no project file is looked for as a class's base: the standard library's
# and the usual libraries' (a base imported from them is never the project's)
LIBRARIES = frozenset(sys.stdlib_module_names) | {
    "torch",
    "torchvision",
    "torchaudio",
    "torchtext",
    "numpy",
    "scipy",
    "pandas",
    "matplotlib",
    "sklearn",
    "transformers",
    "timm",
    "einops",
    "lightning",
    "pytorch_lightning",
}
DISABLED = False  # for measurements: the engine as before project imports


@dataclass(frozen=True)
class Module:
    """A module of the project: a file (``models.py``, ``pkg/__init__.py``) and, for a package,
    its folder, where its submodules are (a namespace package has a folder only)."""

    file: str | None
    folder: str | None


Entity = Definition | Module


@dataclass
class Project:
    """The project around one analysed file: resolves imports to the project's files (each
    read and parsed at most once per analysis) and says which file a node belongs to."""

    ctx: FileContext
    current: Unit | None = None
    units: dict[str, Unit | None] = field(default_factory=dict)  # path -> unit (None: unusable)
    by_function: dict[int, Unit] = field(default_factory=dict)  # id(def) -> its unit (other files)
    class_by_id: dict[int, ClassInfo] = field(default_factory=dict)
    found: dict[tuple[str, str], Module | None] = field(default_factory=dict)  # (base, top) -> module
    roots: dict[str, str | None] = field(default_factory=dict)
    searched: dict[str, list[str]] = field(default_factory=dict)  # unit path -> its bases
    scanned: list[str] | None = None  # the project's files, for constructions()
    walks: list[tuple[str, str | None]] = field(default_factory=list)  # (top, skipped) giving them
    libraries: dict[tuple[str, str], str | None] = field(default_factory=dict)  # library_name's answers
    contexts: dict[str, FileContext] = field(default_factory=dict)  # path -> context_of's answer
    # relative()'s answers: (the importing file, the name, where it is bound) -> what it names
    relatives: dict[tuple[str, str, tuple[int, int]], Entity | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        path = self.ctx.path
        # a file of a folder: not stdin (`<stdin>`) nor an editor's unsaved buffer (`untitled:1`)
        self.enabled = (
            not DISABLED
            and bool(path)
            and not path.startswith("<")
            and not re.match(r"[A-Za-z][\w+.-]+:", path)
            and os.path.isdir(os.path.dirname(os.path.abspath(path)))
        )
        self.path = os.path.abspath(path) if self.enabled else ""

    # -- units ------------------------------------------------------------------------------------
    def this_file(self) -> Unit:
        if self.current is None:
            ctx = self.ctx
            self.current = build_unit(self.path, ctx.doc, ctx.tree, ctx.index, ctx.names, ctx.class_list)
        return self.current

    def unit(self, path: str) -> Unit | None:
        if path == self.path:
            return self.this_file()
        if path in self.units:
            return self.units[path]
        if len(self.units) >= MAX_UNITS or _in_site_packages(path):
            return None
        try:
            with open(path, "rb") as file:
                data = file.read(MAX_BYTES + 1)
        except OSError:
            self.units[path] = None
            return None
        record_read(self.path, path, content_hash(data))
        unit = self.units[path] = parse_unit(path, data)
        if unit is not None:
            for function in unit.index.of(ast.FunctionDef, ast.AsyncFunctionDef):
                self.by_function[id(function)] = unit
            for info in unit.classes:
                self.class_by_id[id(info.node)] = info
            self.mark_modules(unit.classes, unit)
        return unit

    def unit_of(self, function: ast.AST) -> Unit | None:
        """The other file whose function ``function`` is (None: this file's)."""
        return self.by_function.get(id(function))

    def origin(self, node: ast.AST) -> Unit | None:
        """The other file ``node`` belongs to (None: this file, or no file loaded)."""
        for unit in self.units.values():
            if unit is not None and (id(node) in unit.index.parents or node is unit.tree):
                return unit
        return None

    def locate(self, node: ast.AST) -> tuple[Span, str] | None:
        """Where ``node`` of another file is: its span there and that file's path, relative to
        the analysed file's folder."""
        unit = self.origin(node)
        if unit is None:
            return None
        return unit.doc.node_span(node), os.path.relpath(unit.path, os.path.dirname(self.path))

    # -- resolution -------------------------------------------------------------------------------
    def bases(self, unit: Unit | str) -> list[str]:
        """The folders an absolute import in ``unit`` (or the file at that path) is searched in,
        in order."""
        path = unit if isinstance(unit, str) else unit.path
        if path not in self.searched:
            self.searched[path] = self.search_path(os.path.dirname(path))
        return self.searched[path]

    def search_path(self, directory: str) -> list[str]:
        found = [directory, os.path.dirname(self.path)]
        top = directory
        if os.path.isfile(os.path.join(top, "__init__.py")):
            while os.path.isfile(os.path.join(os.path.dirname(top), "__init__.py")) and os.path.dirname(top) != top:
                top = os.path.dirname(top)
            found.append(os.path.dirname(top))
        root = self.root(os.path.dirname(self.path))
        if root is not None:
            found.append(root)
        return [base for base in dict.fromkeys(found) if not _in_site_packages(base)]

    def root(self, folder: str) -> str | None:
        if folder not in self.roots:
            self.roots[folder] = _on_disk(_root_of, folder, "")
        return self.roots[folder]

    def find_top(self, name: str, unit: Unit | str) -> Module | None:
        """The project module ``name`` (no dots) an absolute import in ``unit`` (or the file at
        that path) finds."""
        if not name.isidentifier() or name.startswith("torch"):
            return None
        namespace = None
        for base in self.bases(unit):
            key = (base, name)
            if key not in self.found:
                self.found[key] = _module_at(base, name)
            module = self.found[key]
            if module is not None and module.file is not None:
                return module
            namespace = namespace or module
        if namespace is None:
            # `from core.constants import DEVICE` in core/cell.py (or core/sub/x.py) where core/ has
            # no __init__.py: a namespace package, found when run from its parent (`python -m
            # core.cell`; audit-19 M2)
            folder = os.path.dirname(unit if isinstance(unit, str) else unit.path)
            for _ in range(MAX_NAMESPACE_DEPTH):
                if os.path.basename(folder) == name and _file_of(folder) is None:
                    return Module(None, folder)
                if os.path.dirname(folder) == folder:
                    break
                folder = os.path.dirname(folder)
        return namespace

    def resolve(self, qualname: str, unit: Unit | None, depth: int = 0, stars: bool = True) -> Entity | None:
        """What the dotted name ``qualname`` (``models.Net``, ``pkg.models``) names in the
        project, seen from ``unit`` (None: the analysed file); None when it is not the project's.
        ``stars``: ``qualname`` may be the name table's answer for a star-imported name (not for
        an import statement's module path)."""
        if not self.enabled or depth > MAX_CHAIN:
            return None
        unit = unit or self.this_file()
        parts = qualname.split(".")
        entity: Entity | None
        star = self.star_bound(qualname, unit) if stars else None
        if star is not None:  # `Net` bound by `from models import *`: names.py says `models.Net`
            parts = star[1]
            entity = self.starred(unit, star[0], parts[0], depth, set())[1]
        else:
            entity = self.find_top(parts[0], unit)
        for part in parts[1:]:
            if not isinstance(entity, Module):
                return None
            entity = self.member(entity, part, depth)
        return entity

    def star_bound(self, qualname: str, unit: Unit) -> tuple[int, list[str]] | None:
        """Where ``qualname`` is the name table's answer for a name a star import of ``unit``
        binds: (the index of that star import in ``unit.stars``, then the name and its attributes).
        The name table takes the last star import before the use whose module may bind the name
        (any module but torch's); a module no import of ``unit`` binds by name is such an answer."""
        found: tuple[int, list[str]] | None = None
        longest = 0
        for i, spec in enumerate(unit.stars):  # the longest module, then its last star import
            module = spec.module
            if len(module) >= longest and qualname.startswith(module + ".") and module:
                # an import binding the module's first name (`import models`): `models.Net` may
                # be that module's attribute, not a star import's name
                if module.split(".")[0] not in unit.imported_names:
                    found, longest = (i, qualname[len(module) + 1 :].split(".")), len(module)
        return found

    def starred(self, unit: Unit, last: int, name: str, depth: int, seen: set[str]) -> tuple[bool, Entity | None]:
        """What ``name`` is where the star imports ``unit.stars[: last + 1]`` bind it: (whether
        one of them may bind it, what it names in the project). The last one that may bind it
        wins; a module that is not the project's (torch's, a library's) may bind anything but
        the names torch's own star imports do not export, and its binding is unknown."""
        for spec in reversed(unit.stars[: last + 1]):
            module = self.imported(unit, spec, depth + 1)
            owner = self.unit(module.file) if isinstance(module, Module) and module.file else None
            if owner is None:
                if spec.level == 0 and star_exports(spec.module, name) is False:
                    continue
                return True, None
            found, entity = self.exported(owner, name, depth + 1, seen)
            if found:
                return True, entity
        return False, None

    def exported(self, owner: Unit, name: str, depth: int, seen: set[str]) -> tuple[bool, Entity | None]:
        """Whether ``from <owner> import *`` binds ``name`` (its ``__all__``, else its top-level
        names not starting with ``_``, its own star imports' among them), and what it names."""
        if owner.public is ANY_PUBLIC or owner.path in seen or depth > MAX_CHAIN:
            return True, None  # unknown: a computed `__all__`, a cycle of star imports, too deep
        if owner.public is not None and name not in owner.public or owner.public is None and name.startswith("_"):
            return False, None
        if name in owner.exports:
            export = owner.exports[name]
            return True, self.imported(owner, export, depth + 1) if isinstance(export, ImportSpec) else export
        if name in owner.names.module_scope.bindings:
            return True, None  # bound at module level otherwise (a loop target, a `with ... as`)
        if owner.public is not None and owner.is_package:
            return True, _module_at(owner.directory, name)  # `__all__` naming a submodule imports it
        if not owner.stars:
            return False, None
        if len(seen) + 1 >= MAX_STARS:
            return True, None  # a longer chain of star re-exports: unknown
        return self.starred(owner, len(owner.stars) - 1, name, depth, seen | {owner.path})

    def library_name(self, module: str, name: str) -> str | None:
        """What ``name`` names outside the project where this file binds it by ``from <module>
        import *`` of a project module that imports it from a library: utils.py's ``import
        torch.nn as nn`` or ``from torch.nn import *`` make ``nn`` or ``Linear`` torch's. None
        when that module is not the project's, does not export ``name``, or binds it otherwise.
        Reads no name table of this file: the file's own names and classes ask it."""
        key = (module, name)
        if key not in self.libraries:
            self.libraries[key] = self._library_name(module, name) if self.enabled else None
        return self.libraries[key]

    def _library_name(self, module: str, name: str) -> str | None:
        parts = module.split(".")
        entity: Entity | None = self.find_top(parts[0], self.path)
        for part in parts[1:]:
            if not isinstance(entity, Module) or entity.file == self.path:
                return None
            entity = self.member(entity, part, 1)
        if not isinstance(entity, Module) or entity.file is None or entity.file == self.path:
            return None
        owner = self.unit(entity.file)
        if owner is None or owner.public is ANY_PUBLIC:
            return None
        if name not in owner.public if owner.public is not None else name.startswith("_"):
            return None
        if name not in owner.exports:  # bound by a star import of torch in that module, if any
            for spec in reversed(owner.stars):
                found = star_exports(spec.module, name) if spec.level == 0 else None
                if found is not False:
                    return f"{spec.module}.{name}" if found and is_torch_module(spec.module) else None
            return None
        export = owner.exports[name]
        if not isinstance(export, ImportSpec) or export.level:
            return None
        dotted = export.module if export.attr is None else f"{export.module}.{export.attr}"
        return None if self.resolve(dotted, owner, stars=False) is not None else dotted  # not the project's

    def member(self, module: Module, name: str, depth: int) -> Entity | None:
        """``module.name``: a definition or import of its file, else a submodule of its folder."""
        owner = self.unit(module.file) if module.file else None
        if owner is not None and name in owner.exports:
            export = owner.exports[name]
            if isinstance(export, ImportSpec):
                return self.imported(owner, export, depth + 1)
            return export  # a definition; None: bound to something else
        submodule = _module_at(module.folder, name) if module.folder is not None else None
        if submodule is None and owner is not None and owner.stars and name not in owner.names.module_scope.bindings:
            found, entity = self.starred(owner, len(owner.stars) - 1, name, depth, {owner.path})
            if found:  # `utils.Net` where utils.py has `from models import *`
                return entity
        return submodule

    def imported(self, unit: Unit, spec: ImportSpec, depth: int = 0) -> Entity | None:
        """What the import ``spec`` of ``unit`` binds, when it is the project's."""
        if depth > MAX_CHAIN:
            return None
        if spec.level == 0:
            dotted = spec.module if spec.attr is None else f"{spec.module}.{spec.attr}"
            return self.resolve(dotted, unit, depth, stars=False)
        package = unit.directory
        for _ in range(spec.level - 1):
            package = os.path.dirname(package)
        if not any(package == base or package.startswith(base + os.sep) for base in self.bases(unit)):
            return None  # above every folder the program can import from: Python raises
        module: Entity | None = Module(_file_of(package), package)
        for part in spec.module.split(".") if spec.module else []:
            if not isinstance(module, Module):
                return None
            module = self.member(module, part, depth)
        if spec.attr is None or not isinstance(module, Module):
            return module if spec.attr is None else None
        return self.member(module, spec.attr, depth)

    def relative(self, binding: Binding, unit: Unit | None) -> Entity | None:
        """What a name bound by a relative import (``from .models import Net``) names: looked up
        once per analysis (the flow asks at every read of the name; each lookup stats files)."""
        unit = unit or self.this_file()
        key = (unit.path, binding.name, binding.pos)
        if key not in self.relatives:
            spec = unit.imports.get((binding.name, binding.pos))
            self.relatives[key] = None if spec is None or spec.level == 0 else self.imported(unit, spec)
        return self.relatives[key]

    def dotted(self, module: Module, unit: Unit | None) -> str | None:
        """An absolute name under which ``unit`` finds ``module`` (for ``from . import models``)."""
        unit = unit or self.this_file()
        where = module.folder or (module.file[:-3] if module.file else None)
        for base in self.bases(unit) if where else []:
            relative = os.path.relpath(where, base) if where else ""
            if relative.startswith("..") or relative == ".":
                continue
            name = relative.replace(os.sep, ".")
            if self.resolve(name, unit) == module:
                return name
        return None

    # -- constructions in other files ---------------------------------------------------------------
    def constructions(self, node: ast.ClassDef) -> list[tuple[Unit, ast.Call]]:
        """The calls in the project's other files that construct ``node``, a class of the
        analysed file (``agent = DDPG(...)`` in ``train_ddpg.py`` for ``models/DDPG.py``)."""
        return self.calls(node)

    def calls(self, node: ast.ClassDef | ast.FunctionDef) -> list[tuple[Unit, ast.Call]]:
        """The calls in the project's other files of ``node``, a class (its constructions) or a
        function of the analysed file (``train(model, criterion)`` in ``main.py`` for
        ``engine.py``); at most MAX_SITES (more, or none: an empty list). Only files that name both
        ``node`` and the analysed module are read; they are recorded for the CLI's cache as imports
        are, and so is which files those are (a new file that calls it changes the answer)."""
        import json  # the scan's record: not at start-up

        if not self.enabled or not any(c is node for c in self.ctx.index.of(type(node))):
            return []  # one of another file (a whole parent map costs about an index walk)
        stem = os.path.splitext(os.path.basename(self.path))[0]
        files = self.project_files()  # sets self.walks
        naming = files_naming(files, node.name, stem, self.path)
        found_in = json.dumps([self.walks, node.name, stem, self.path])
        record_read(self.path, SCAN + found_in, scan_record(files, naming))
        found: list[tuple[Unit, ast.Call]] = []
        for path in naming:
            unit = self.unit(path)
            if unit is None:
                continue
            for call in unit.index.of(ast.Call):
                func = call.func
                if not (
                    isinstance(func, ast.Name)
                    and func.id == node.name
                    or isinstance(func, ast.Attribute)
                    and func.attr == node.name
                ):
                    continue
                if self.names_class(func, unit) is node:
                    found.append((unit, call))
                    if len(found) > MAX_SITES:
                        return []
        return found

    def names_class(self, func: ast.Name | ast.Attribute, unit: Unit) -> Entity | None:
        """What ``func`` (a name or dotted name in ``unit``) names in the project."""
        if isinstance(func, ast.Name):
            binding = unit.names.binding(func.id, func)
            if binding is None:
                export = unit.exports.get(func.id)
                return export if isinstance(export, (ast.ClassDef, ast.FunctionDef)) else None
            if binding.qualname is None:
                return self.relative(binding, unit)
            return self.resolve(binding.qualname, unit)
        qualname = unit.names.qualname(func)
        return self.resolve(qualname, unit) if qualname else None

    def project_files(self) -> list[str]:
        """The Python files of the project, at most MAX_SCANNED, in a stable order: under its
        root; without one, under the analysed file's folder, then the scripts and folders beside
        it (``train_ddpg.py`` and ``Training/`` beside ``models/DDPG.py``)."""
        if self.scanned is None:
            folder = os.path.dirname(self.path)
            root = self.root(folder)
            self.walks = [(root or folder, None)]
            if root is None and os.path.dirname(folder) != folder:
                self.walks.append((os.path.dirname(folder), folder))
            self.scanned = walk_project(self.walks)
        return self.scanned

    # -- module classes through other files ------------------------------------------------------
    def mark_modules(self, infos: list[ClassInfo], unit: Unit | None = None) -> None:
        """Classes of ``unit`` (None: the analysed file, whose ``infos`` these are) whose base is
        an ``nn.Module`` class of another file of the project are module classes (module_bases.py)."""
        if not self.enabled or all(info.is_module or not info.node.bases for info in infos):
            return
        if unit is None:
            ctx = self.ctx
            if self.current is None:
                self.current = build_unit(self.path, ctx.doc, ctx.tree, ctx.index, ctx.names, infos)
            unit = self.current
        mark_project_modules(self, infos, unit)

    def imported_name(self, expr: ast.expr, unit: Unit | None = None) -> Entity | None:
        """What ``name`` or ``module.name`` (``expr``, in ``unit``; None: the analysed file) names
        where an import of the project binds it: a definition or module of another file."""
        if isinstance(expr, ast.Name):
            name, at, attr = expr.id, expr, None
        elif isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            name, at, attr = expr.value.id, expr.value, expr.attr
        else:
            return None
        unit = unit or self.this_file()
        binding = unit.names.binding(name, at)
        spec = unit.imports.get((binding.name, binding.pos)) if binding is not None else None
        if spec is None or (spec.level == 0 and spec.module.split(".")[0] in LIBRARIES):
            return None
        entity = self.imported(unit, spec)
        if attr is not None:
            entity = self.member(entity, attr, 0) if isinstance(entity, Module) else None
        return entity

    def context_of(self, node: ast.AST) -> FileContext | None:
        """The file context of the other file ``node`` belongs to, for rules that read its code
        with its own names (None: this file's, or none loaded)."""
        unit = self.origin(node)
        if unit is None:
            return None
        if unit.path not in self.contexts:
            from ..context import FileContext

            context = FileContext(unit.path, unit.doc, unit.tree, self.ctx.target_torch, self.ctx.budget)
            # the unit's facts, built when it was parsed, stand for the context's cached properties
            context.__dict__.update(index=unit.index, names=unit.names, class_list=unit.classes)
            self.contexts[unit.path] = context
        return self.contexts[unit.path]

    def class_info(self, node: ast.ClassDef) -> ClassInfo | None:
        """The class information of a class statement of any file this analysis loaded."""
        return self.class_by_id.get(id(node)) or self.ctx.class_info(node)


_T = TypeVar("_T")


def _on_disk(look: Callable[[str, str], _T], folder: str, name: str) -> _T:
    """``look(folder, name)``, which reads only the file system: once per process while the
    batch's files stay unchanged (project_files.found_on_disk)."""
    found = found_on_disk()
    if found is None:
        return look(folder, name)
    key = (look.__name__, folder, name)
    if key not in found:
        found[key] = look(folder, name)
    return cast(_T, found[key])


def _root_of(folder: str, _name: str) -> str | None:
    """The project root of ``folder``: the nearest folder up holding a ROOT_MARKERS entry."""
    current = folder
    for _ in range(32):
        if any(os.path.exists(os.path.join(current, marker)) for marker in ROOT_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return None


def _file_of(folder: str) -> str | None:
    return _on_disk(_init_file, folder, "")


def _init_file(folder: str, _name: str) -> str | None:
    init = os.path.join(folder, "__init__.py")
    return init if os.path.isfile(init) else None


def _module_at(base: str, name: str) -> Module | None:
    """The module ``name`` in folder ``base``: a package, a file, or a namespace folder."""
    if not name.isidentifier() or name.startswith("torch"):
        return None
    return _on_disk(_module_in, base, name)


def _module_in(base: str, name: str) -> Module | None:
    folder = os.path.join(base, name)
    init = os.path.join(folder, "__init__.py")
    if os.path.isfile(init):
        return Module(init, folder)
    file = folder + ".py"
    if os.path.isfile(file):
        return Module(file, None)
    if os.path.isdir(folder):
        return Module(None, folder)
    return None


def _in_site_packages(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    return "site-packages" in parts or "dist-packages" in parts
