"""How a document splits into units (top-level functions and methods), what each unit's body says
about the rest of the file, and which units are connected (the package docstring says why the
connections are sound)."""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
MODULE_ONLY_METHODS = ("parameters", "named_parameters")  # as the flow survey reads them


@dataclass(frozen=True)
class Unit:
    key: str  # hash of its owner, indentation and text: equal keys, equal units
    name: str
    owner: str | None  # the class whose method it is
    start: int  # first line (its decorators)
    body: int  # first line of its body
    end: int


@dataclass(frozen=True)
class Shape:
    """What a unit's body says about the rest of the file (computed once per unit key)."""

    mentions: frozenset[str]  # identifiers and attribute names
    defines: frozenset[str]  # names of the defs and classes inside it
    pinned: bool  # nested class, global/nonlocal
    paths: frozenset[str]  # `X.parameters()` receivers
    aliases: tuple[tuple[str, str], ...]  # `a.b = c` between plain paths
    depth: int = 0  # how deeply its syntax tree nests


@dataclass
class Layout:
    units: list[Unit]
    header: str  # digest of everything outside the units' bodies
    ok: bool = True  # False: something this module does not split (duplicate units)


def _path(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def layout(tree: ast.Module, lines: Sequence[str]) -> Layout:
    units: list[Unit] = []
    for stmt in tree.body:
        if isinstance(stmt, DEFS):
            candidates: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str | None]] = [(stmt, None)]
        elif isinstance(stmt, ast.ClassDef):
            candidates = [(s, stmt.name) for s in stmt.body if isinstance(s, DEFS)]
        else:
            continue
        for node, owner in candidates:
            first = node.body[0]
            if lines[first.lineno - 1][: first.col_offset].strip():
                continue  # `def f(): return 1`: no body of its own lines, it stays in the header
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            body = min([d.lineno for d in getattr(first, "decorator_list", ())] + [first.lineno])
            end = node.end_lineno or node.lineno
            text = "".join(lines[start - 1 : end])
            key = hashlib.sha1(f"{owner}\0{node.col_offset}\0{text}".encode()).hexdigest()
            units.append(Unit(key, node.name, owner, start, body, end))
    header = hashlib.sha1()
    line = 1
    for unit in units:
        header.update("".join(lines[line - 1 : unit.body - 1]).encode())
        header.update(b"\0")
        line = unit.end + 1
    header.update("".join(lines[line - 1 :]).encode())
    ok = len({u.key for u in units}) == len(units)
    return Layout(units, header.hexdigest(), ok)


def shape(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Shape:
    return scan([node], node)


def scan(roots: Iterable[ast.AST], own: ast.AST | None = None) -> Shape:
    mentions: set[str] = set()
    defines: set[str] = set()
    paths: set[str] = set()
    aliases: list[tuple[str, str]] = []
    pinned = False
    for root in roots:
        for child in ast.walk(root):
            if isinstance(child, ast.Name):
                mentions.add(child.id)
            elif isinstance(child, ast.Attribute):
                mentions.add(child.attr)
            elif isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                if child.func.attr in MODULE_ONLY_METHODS:  # as the survey: `model.parameters()`
                    path = _path(child.func.value)
                    if path:
                        paths.add(path)
            elif isinstance(child, ast.Global):  # `nonlocal` names an enclosing function's local
                pinned = True
            elif isinstance(child, ast.ClassDef):
                pinned = True  # the file's class list holds it
                defines.add(child.name)
            elif isinstance(child, DEFS) and child is not own:
                defines.add(child.name)
            elif isinstance(child, ast.Assign) and len(child.targets) == 1:
                target, value = _path(child.targets[0]), _path(child.value)
                if target and value:
                    aliases.append((target, value))
    depth = max((_depth(root) for root in roots), default=0)
    return Shape(frozenset(mentions), frozenset(defines), pinned, frozenset(paths), tuple(aliases), depth)


def _depth(root: ast.AST) -> int:
    """How deeply ``root``'s tree nests (the engine refuses files past ``MAX_DEPTH``)."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


def header_depth(tree: ast.Module) -> int:
    """The nesting of the module outside the units' bodies (the units count their own)."""
    roots: list[ast.AST] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef):
            roots += [s for s in stmt.body if not isinstance(s, DEFS)]
        elif not isinstance(stmt, DEFS):
            roots.append(stmt)
    return 1 + max((_depth(root) for root in roots), default=0) + 1


def header_parts(tree: ast.Module, units: list[Unit]) -> list[ast.AST]:
    """Everything of the module but the units' bodies (a unit's signature and decorators stay)."""
    bodies = {unit.body for unit in units}
    parts: list[ast.AST] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef):
            parts += [*stmt.decorator_list, *stmt.bases, *stmt.keywords]
            members: list[ast.stmt] = stmt.body
        else:
            members = [stmt]
        for member in members:
            first = member.body[0] if isinstance(member, DEFS) else None
            start = first and min([d.lineno for d in getattr(first, "decorator_list", ())] + [first.lineno])
            if isinstance(member, DEFS) and start in bodies:
                parts += [*member.decorator_list, member.args, *([member.returns] if member.returns else [])]
            else:
                parts.append(member)
    return parts


def header_mentions(tree: ast.Module) -> set[str]:
    """Names the module body's own code mentions where the flow engine runs it: its statements
    and the decorators of its definitions (not class bodies, bases or defaults)."""
    found: set[str] = set()
    roots: list[ast.AST] = []
    for stmt in tree.body:
        if isinstance(stmt, (*DEFS, ast.ClassDef)):
            roots += stmt.decorator_list  # what the engine evaluates of a definition
        else:
            roots.append(stmt)
    for root in roots:
        for child in ast.walk(root):
            if isinstance(child, ast.Name):
                found.add(child.id)
            elif isinstance(child, ast.Attribute):
                found.add(child.attr)
    return found


def pinned_units(
    header: set[str], units: list[Unit], shapes: list[Shape], paths: frozenset[str]
) -> tuple[set[int], set[int]]:
    """The units file-wide facts depend on, always analysed: those an edit of which is a full run
    (a nested class, ``global``, run by the module body's code), and those that only feed the
    parameter paths (whose file-wide value is compared instead). ``header``: the names the
    module body's code mentions."""
    frozen = {
        index
        for index, (unit, unit_shape) in enumerate(zip(units, shapes))
        if unit_shape.pinned
        or unit.name in header
        or (unit.owner is not None and unit.owner in header)
        or unit_shape.defines & header
    }
    feeding = {
        index
        for index, unit_shape in enumerate(shapes)
        if unit_shape.paths or any(value in paths for _, value in unit_shape.aliases)
    }
    return frozen, feeding


def module_paths(header: Shape, shapes: Iterable[Shape]) -> frozenset[str]:
    """The flow survey's paths whose ``.parameters()`` are used, with their aliases (over the
    header and every unit, as the survey reads the whole file)."""
    every = [header, *shapes]
    paths = set().union(*(s.paths for s in every))
    aliases = [pair for s in every for pair in s.aliases]
    for _ in range(3):
        paths.update(target for target, value in aliases if value in paths)
    return frozenset(paths)


class _Components:
    def __init__(self, count: int) -> None:
        self.parent = list(range(count))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def components(tree: ast.Module, units: list[Unit], shapes: list[Shape]) -> list[int]:
    """The component of each unit under the connections of the module's docstring."""
    parts = _Components(len(units))
    by_name: dict[str, list[int]] = {}
    for index, (unit, unit_shape) in enumerate(zip(units, shapes)):
        for name in (unit.name, *unit_shape.defines):
            by_name.setdefault(name, []).append(index)
    methods: dict[str, list[int]] = {}
    for index, unit in enumerate(units):
        if unit.owner is not None:
            methods.setdefault(unit.owner, []).append(index)
    for members in methods.values():  # one class, one component
        for index in members[1:]:
            parts.join(members[0], index)
    for stmt in tree.body:  # a class and its local bases
        if isinstance(stmt, ast.ClassDef) and stmt.name in methods:
            for base in stmt.bases:
                for child in ast.walk(base):
                    name = (
                        child.id
                        if isinstance(child, ast.Name)
                        else child.attr
                        if isinstance(child, ast.Attribute)
                        else ""
                    )
                    if name in methods:
                        parts.join(methods[stmt.name][0], methods[name][0])
    for index, unit_shape in enumerate(shapes):
        for name in unit_shape.defines:  # a nested def or class shares its name with others
            for other in by_name[name]:
                parts.join(index, other)
        for name in unit_shape.mentions:
            for other in by_name.get(name, ()):
                parts.join(index, other)
            if name in methods:
                parts.join(index, methods[name][0])
    return [parts.find(index) for index in range(len(units))]


# -- running rules ------------------------------------------------------------------------------


def unit_at(units: list[Unit], starts: list[tuple[int, int]], line: int) -> int | None:
    import bisect

    position = bisect.bisect_right(starts, (line, len(units))) - 1
    if position < 0:
        return None
    index = starts[position][1]
    return index if line <= units[index].end else None


def unit_nodes(tree: ast.Module) -> dict[tuple[str | None, int], ast.FunctionDef | ast.AsyncFunctionDef]:
    found: dict[tuple[str | None, int], ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for stmt in tree.body:
        members: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str | None]] = []
        if isinstance(stmt, DEFS):
            members = [(stmt, None)]
        elif isinstance(stmt, ast.ClassDef):
            members = [(s, stmt.name) for s in stmt.body if isinstance(s, DEFS)]
        for node, owner in members:
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            found[(owner, start)] = node
    return found


def reduced_text(lines: Sequence[str], units: list[Unit], analysed: set[int]) -> str:
    """The document with the bodies of the units not analysed replaced by ``...`` (same lines;
    ``lines`` keep their endings)."""
    out = list(lines)
    for index, unit in enumerate(units):
        if index in analysed:
            continue
        first = lines[unit.body - 1]
        out[unit.body - 1] = first[: len(first) - len(first.lstrip())] + "...\n"
        for line in range(unit.body, unit.end):
            out[line] = "\n"
    return "".join(out)
