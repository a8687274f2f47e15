"""Incremental lints for the server: typing inside one function re-analyses that function and
the functions connected to it, not the whole file.

A document is split into *units*: each top-level ``def`` and each method of a top-level class,
keyed by a hash of its text. Everything outside the units' bodies (imports, module code, class
headers and class-level statements, decorators, signatures, comments between definitions) is the
*header*; its digest changing invalidates everything.

What is reused: the findings that rules which opt in (``Rule.per_unit``) made inside a unit's
body, kept with the line they were found at and shifted by the unit's move. After an edit, the
units to analyse again are every unit *connected* to a changed one (below); the per-unit rules
run over a *reduced program*: the text with every other unit's body replaced by ``...`` (line
numbers unchanged), parsed and linted with the document's full text (text gates and slices see
the real text). The other rules run over the whole file first; where they built the file's
facts anyway (its node index), the per-unit rules run over those too, which costs less than a
second program, and nothing is reused.

Why it is sound. A per-unit rule promises that its findings in a unit depend only on the units
connected to it, the header and the document's text near them. Connections over-approximate
every way the flow engine lets one function's facts reach another's (a function's facts are
joined over every call into it, so callers, callees and their other callees all count):

- a unit mentions another's name (``f(...)``, ``self.m(...)``, ``obj.m``, a reference passed on),
  or defines a nested function of that name;
- a unit mentions a class: its constructor, ``__call__``/``forward`` and methods may run;
- methods of one class (and of classes naming it as a base) are connected: ``self`` carries the
  attributes ``__init__`` sets, rules read a class's methods together, a plain class's containers
  are shared between its methods.

Some units are *pinned*: file-wide facts depend on them (a nested class, a ``global`` statement,
the module body's code naming them), so they are always analysed and an edit of one is a full
run; units feeding the flow survey's parameter paths are always in the reduced program (their
findings reused), and the paths themselves are compared. So is the text the flow engine reads
file-wide (``TEXT_FLAGS``). A finding whose evidence or fixes point outside its unit, or whose
message names a line, is never reused. The flow engine's followed-call budget is per file, so a
reduced program could follow calls a full run would not: past a bound of what the file may
consume, the lint is a full run. Rule order does not change findings (checked on 400 real files):
the per-unit and whole-file rules may run in separate passes.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from .budget import Budget, BudgetExceeded
from .context import FileContext
from .document import Document, Pos, Span
from .findings import Edit, FileResult, Finding
from .noqa import is_suppressed
from .rule import IMPORT_ERRORS, Rule
from .selection import Selection
from .walk import MAX_DEPTH

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_NAMES_LINE = re.compile(r"\blines? \d")
MODULE_ONLY_METHODS = ("parameters", "named_parameters")  # as the flow survey reads them
# Text the flow engine looks for anywhere in the file (interpreter.py: frozen parameters weaken
# what a module's output proves): an edit that adds or removes one changes every function's facts.
TEXT_FLAGS = ("requires_grad = False", "requires_grad_(False)")


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
        if isinstance(stmt, _DEFS):
            candidates: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str | None]] = [(stmt, None)]
        elif isinstance(stmt, ast.ClassDef):
            candidates = [(s, stmt.name) for s in stmt.body if isinstance(s, _DEFS)]
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
    return _scan([node], node)


def _scan(roots: Iterable[ast.AST], own: ast.AST | None = None) -> Shape:
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
            elif isinstance(child, _DEFS) and child is not own:
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


def _header_depth(tree: ast.Module) -> int:
    """The nesting of the module outside the units' bodies (the units count their own)."""
    roots: list[ast.AST] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef):
            roots += [s for s in stmt.body if not isinstance(s, _DEFS)]
        elif not isinstance(stmt, _DEFS):
            roots.append(stmt)
    return 1 + max((_depth(root) for root in roots), default=0) + 1


def _header_parts(tree: ast.Module, units: list[Unit]) -> list[ast.AST]:
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
            first = member.body[0] if isinstance(member, _DEFS) else None
            start = first and min([d.lineno for d in getattr(first, "decorator_list", ())] + [first.lineno])
            if isinstance(member, _DEFS) and start in bodies:
                parts += [*member.decorator_list, member.args, *([member.returns] if member.returns else [])]
            else:
                parts.append(member)
    return parts


def _header_mentions(tree: ast.Module) -> set[str]:
    """Names the module body's own code mentions where the flow engine runs it: its statements
    and the decorators of its definitions (not class bodies, bases or defaults)."""
    found: set[str] = set()
    roots: list[ast.AST] = []
    for stmt in tree.body:
        if isinstance(stmt, (*_DEFS, ast.ClassDef)):
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


def _pinned(
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


def _module_paths(header: Shape, shapes: Iterable[Shape]) -> frozenset[str]:
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


def _run(
    ctx: FileContext,
    rules: list[type[Rule]],
    result: FileResult,
    budget: Budget,
    seconds: float | None,
    fresh: list[Finding] | None = None,
) -> bool:
    """Run ``rules`` on ``ctx`` in order, as the engine does (the findings of per-unit rules go
    to ``fresh`` when given, the others to ``result``); False when the time budget stopped them."""
    for position, rule in enumerate(rules):
        try:
            budget.check()
            found = list(rule().check(ctx))
            (fresh if fresh is not None and rule.per_unit else result.findings).extend(found)
        except BudgetExceeded:
            missing = ", ".join(r.code for r in rules[position:])
            result.stopped = f"analysis stopped after {seconds:g} s (time budget); not run: {missing}"
            return False
        except RecursionError:
            raise
        except Exception as error:  # one rule's bug must not cost the other findings
            import traceback

            frame = traceback.extract_tb(error.__traceback__)[-1]
            result.errors.append(
                f"{rule.code} crashed: {type(error).__name__}: {error} "
                f"({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
            )
    return True


def _shift_span(span: Span, delta: int) -> Span:
    return Span(Pos(span.start.line + delta, span.start.col), Pos(span.end.line + delta, span.end.col))


def shift(finding: Finding, delta: int) -> Finding:
    """``finding`` moved ``delta`` lines down, with its evidence and fixes."""
    if delta == 0:
        return finding
    fixes = tuple(
        replace(fix, edits=tuple(Edit(_shift_span(e.span, delta), e.content) for e in fix.edits))
        for fix in finding.fixes
    )
    related = tuple(
        r if r.path is not None or r.cell is not None else replace(r, span=_shift_span(r.span, delta))
        for r in finding.related
    )
    return replace(finding, span=_shift_span(finding.span, delta), fixes=fixes, related=related)


def _local(finding: Finding, unit: Unit) -> bool:
    """Whether ``finding`` may be shifted with its unit: everything it points at lies inside it."""
    spans = [finding.span, *(e.span for f in finding.fixes for e in f.edits)]
    for item in finding.related:
        if item.path is not None or item.cell is not None:
            continue  # another file's place does not move with this unit
        spans.append(item.span)
    if any(_NAMES_LINE.search(text) for text in (finding.message, *(r.message for r in finding.related))):
        return False  # "freed by the backward on line 30": the number would go stale
    return all(unit.body <= s.start.line and s.end.line <= unit.end for s in spans)


@dataclass
class Stats:
    """What the last lint did, for tests and the benchmark (deterministic counts, not times)."""

    full: bool = True
    units: int = 0  # units in the document
    analysed: int = 0  # units whose bodies the per-unit rules analysed
    reason: str = ""  # why a full run


@dataclass
class _Memo:
    header: str
    paths: frozenset[str]
    rules: tuple[str, ...]
    target: tuple[int, int] | None
    component: dict[str, int]  # unit key -> its component then
    pinned: set[str]  # unit keys that were pinned
    findings: dict[str, tuple[Finding, ...] | None]  # unit key -> its per-unit findings (None: not reusable)
    bodies: dict[str, int]  # unit key -> its body's first line when its findings were made
    budget_used: int  # an upper bound of the followed calls a full run of the current text makes
    flags: tuple[bool, ...] = ()  # TEXT_FLAGS found in the text


@dataclass
class IncrementalLinter:
    """One document's incremental lints (the server keeps one per open text document)."""

    shapes: dict[str, Shape] = field(default_factory=dict)
    memo: _Memo | None = None
    stats: Stats = field(default_factory=Stats)
    # the header's digest, the names its code mentions, its depth, its shape
    header: tuple[str, set[str], int, Shape] | None = None

    def _header_facts(self, plan: Layout, tree: ast.Module) -> tuple[set[str], int, Shape]:
        if self.header is None or self.header[0] != plan.header:
            self.header = (
                plan.header,
                _header_mentions(tree),
                _header_depth(tree),
                _scan(_header_parts(tree, plan.units)),
            )
        return self.header[1], self.header[2], self.header[3]

    def lint(
        self,
        text: str,
        path: str,
        selection: Selection,
        rules: list[type[Rule]],
        budget: float | None = None,
    ) -> FileResult:
        from .engine import lint_source, parse

        self.stats = Stats()
        if not any(rule.per_unit for rule in rules):
            self.memo, self.stats.reason = None, "no per-unit rules"
            return lint_source(text, path, selection, rules, budget=budget)
        doc = Document(text)
        try:
            tree = parse(text, path)
        except (SyntaxError, ValueError, RecursionError):
            self.memo, self.stats.reason = None, "does not parse"
            return lint_source(text, path, selection, rules, budget=budget)
        plan = layout(tree, doc.lines)
        self.stats.units = len(plan.units)
        if not plan.ok:
            return self._full(text, path, selection, rules, budget, "duplicate units")
        shapes = []
        nodes = _unit_nodes(tree)
        for unit in plan.units:
            known = self.shapes.get(unit.key)
            if known is None:
                known = self.shapes[unit.key] = shape(nodes[(unit.owner, unit.start)])
            shapes.append(known)
        paths = _module_paths(self._header_facts(plan, tree)[2], shapes)
        memo = self.memo
        codes = tuple(r.code for r in rules)
        reason = (
            "first lint"
            if memo is None
            else "header changed"
            if memo.header != plan.header
            else "rules changed"
            if memo.rules != codes or memo.target != selection.target_torch
            else "parameter paths changed"
            if memo.paths != paths
            else "text flags changed"
            if memo.flags != _flags(text)
            else ""
        )

        def full(why: str) -> FileResult:
            return self._full(text, path, selection, rules, budget, why, tree, plan, shapes, paths)

        if reason or memo is None:
            return full(reason)
        comps = components(tree, plan.units, shapes)
        pinned, feeding = _pinned(self._header_facts(plan, tree)[0], plan.units, shapes, paths)
        keys = {unit.key for unit in plan.units}
        gone = set(memo.component) - keys
        if gone & memo.pinned:
            return full("a pinned unit changed")
        touched = {memo.component[key] for key in gone}
        changed = {index for index, unit in enumerate(plan.units) if unit.key not in memo.component}
        if changed & pinned:
            return full("a pinned unit changed")
        dirty = changed | {
            index
            for index, unit in enumerate(plan.units)
            if index not in changed and (memo.component[unit.key] in touched or memo.findings[unit.key] is None)
        }
        live = {comps[index] for index in dirty | pinned}
        analysed = {index for index, comp in enumerate(comps) if comp in live}
        if 4 * len(analysed) > 3 * len(plan.units):
            return full("most units connected to the edit")  # one program is cheaper than two
        per_unit = [r for r in rules if r.per_unit]
        whole = [r for r in rules if not r.per_unit]
        result = FileResult(path)
        result.errors.extend(f"rule module {n} failed to import: {e}" for n, e in IMPORT_ERRORS.items())
        limit = Budget(budget)
        if (
            max([self._header_facts(plan, tree)[1], *(s.depth + 2 for s in shapes)]) > MAX_DEPTH - 8
        ):  # near it: the engine decides
            return full("too deep")
        whole_ctx = FileContext(path, doc, tree, selection.target_torch, limit)
        fresh: list[Finding] = []
        try:
            done = _run(whole_ctx, whole, result, limit, budget)
            if done and "index" in whole_ctx.__dict__:
                # The whole-file rules built the file's facts: the per-unit rules cost less over
                # them than over a second program.
                done = _run(whole_ctx, per_unit, result, limit, budget, fresh)
                self.stats = Stats(True, len(plan.units), len(plan.units), "whole-file rules analysed the file")
                if done and not result.stopped:
                    self._remember_all(plan, shapes, tree, paths, codes, selection, fresh, whole_ctx, (comps, pinned))
                else:
                    self.memo = None
                result.findings += fresh
                return _finish(result, selection, doc)
            if done:
                # Units feeding the parameter paths stay for the flow survey; their findings are reused.
                reduced = _reduced(doc.lines, plan.units, analysed | feeding)
                small = FileContext(path, doc, parse(reduced, path), selection.target_torch, limit)
                done = _run(small, per_unit, result, limit, budget, fresh)
                used = _followed_calls(small)
                if small.__dict__.get("project") is not None and small.project.units:
                    return full("imports project files")
                if memo.budget_used + used >= _call_budget() - 1:
                    return full("call budget")
        except RecursionError:
            return full("recursion")
        except (SyntaxError, ValueError):  # not expected: the stubs keep every block whole
            return full("the reduced program does not parse")
        # Findings of the reduced program count outside the bodies left out; theirs come from the memo.
        left_out = [unit for index, unit in enumerate(plan.units) if index not in analysed]
        gaps = {index for index in range(len(plan.units)) if index not in analysed}
        starts = sorted((unit.body, index) for index, unit in enumerate(plan.units))
        findings = [f for f in fresh if _unit_at(plan.units, starts, f.span.start.line) not in gaps]
        for unit in left_out:
            delta = unit.body - memo.bodies[unit.key]
            findings += [shift(f, delta) for f in memo.findings[unit.key] or ()]
        result.findings += findings
        self.stats = Stats(False, len(plan.units), len(analysed), "")
        if done and not result.stopped:
            self._remember(
                plan, shapes, comps, pinned, paths, codes, selection, fresh, analysed, memo, used, memo.flags
            )
        else:
            self.memo = None  # partial: the next lint starts over
        return _finish(result, selection, doc)

    def _full(
        self,
        text: str,
        path: str,
        selection: Selection,
        rules: list[type[Rule]],
        budget: float | None,
        reason: str,
        tree: ast.Module | None = None,
        plan: Layout | None = None,
        shapes: list[Shape] | None = None,
        paths: frozenset[str] = frozenset(),
    ) -> FileResult:
        """A whole-file lint; its per-unit findings are remembered when the file splits into units."""
        self.stats = Stats(True, len(plan.units) if plan else 0, len(plan.units) if plan else 0, reason)
        self.memo = None
        doc = Document(text)
        result = FileResult(path)
        result.errors.extend(f"rule module {n} failed to import: {e}" for n, e in IMPORT_ERRORS.items())
        if tree is None or plan is None or shapes is None or not plan.ok:
            from .engine import lint_source

            return lint_source(text, path, selection, rules, budget=budget)
        limit = Budget(budget)
        ctx = FileContext(path, doc, tree, selection.target_torch, limit)
        try:
            if ctx.index.depth > MAX_DEPTH:
                raise RecursionError
            fresh: list[Finding] = []
            done = _run(ctx, rules, result, limit, budget, fresh)
        except RecursionError:
            from .engine import lint_source

            return lint_source(text, path, selection, rules, budget=budget)
        if done and not result.stopped:
            self._remember_all(plan, shapes, tree, paths, tuple(r.code for r in rules), selection, fresh, ctx)
        result.findings += fresh
        return _finish(result, selection, doc)

    def _remember_all(
        self,
        plan: Layout,
        shapes: list[Shape],
        tree: ast.Module,
        paths: frozenset[str],
        codes: tuple[str, ...],
        selection: Selection,
        fresh: list[Finding],
        ctx: FileContext,
        known: tuple[list[int], set[int]] | None = None,
    ) -> None:
        """Remember a whole-file run: every unit analysed, the calls it followed counted exactly.
        ``known``: the units' components and pinned units, where already computed."""
        comps, pinned = known or (
            components(tree, plan.units, shapes),
            _pinned(self._header_facts(plan, tree)[0], plan.units, shapes, paths)[0],
        )
        empty = _Memo(plan.header, paths, (), None, {}, set(), {}, {}, 0)
        everything = set(range(len(plan.units)))
        flags = _flags(ctx.doc.text)
        self._remember(plan, shapes, comps, pinned, paths, codes, selection, fresh, everything, empty, 0, flags)
        assert self.memo is not None
        self.memo.budget_used = _followed_calls(ctx)

    def _remember(
        self,
        plan: Layout,
        shapes: list[Shape],
        comps: list[int],
        pinned: set[int],
        paths: frozenset[str],
        codes: tuple[str, ...],
        selection: Selection,
        fresh: list[Finding],
        analysed: set[int],
        before: _Memo,
        used: int,
        flags: tuple[bool, ...],
    ) -> None:
        by_unit: dict[int, list[Finding]] = {index: [] for index in analysed}
        reusable = {index: True for index in analysed}
        starts = sorted((unit.body, index) for index, unit in enumerate(plan.units))
        for finding in fresh:
            index = _unit_at(plan.units, starts, finding.span.start.line)
            if index is None or index not in analysed:
                continue
            by_unit[index].append(finding)
            if not _local(finding, plan.units[index]):
                reusable[index] = False
        findings: dict[str, tuple[Finding, ...] | None] = {}
        for index, unit in enumerate(plan.units):
            if index in analysed:
                findings[unit.key] = tuple(by_unit[index]) if reusable[index] else None
            else:
                findings[unit.key] = before.findings[unit.key]
        self.memo = _Memo(
            plan.header,
            paths,
            codes,
            selection.target_torch,
            {unit.key: comps[index] for index, unit in enumerate(plan.units)},
            {plan.units[index].key for index in pinned},
            findings,
            # the line each unit's findings are placed from: a reused unit's stay where they were found
            {u.key: u.body if i in analysed else before.bodies[u.key] for i, u in enumerate(plan.units)},
            before.budget_used + used,
            flags,
        )
        live = set(self.memo.component)
        for key in [k for k in self.shapes if k not in live]:
            del self.shapes[key]  # units of earlier versions


def _unit_at(units: list[Unit], starts: list[tuple[int, int]], line: int) -> int | None:
    import bisect

    position = bisect.bisect_right(starts, (line, len(units))) - 1
    if position < 0:
        return None
    index = starts[position][1]
    return index if line <= units[index].end else None


def _unit_nodes(tree: ast.Module) -> dict[tuple[str | None, int], ast.FunctionDef | ast.AsyncFunctionDef]:
    found: dict[tuple[str | None, int], ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for stmt in tree.body:
        members: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str | None]] = []
        if isinstance(stmt, _DEFS):
            members = [(stmt, None)]
        elif isinstance(stmt, ast.ClassDef):
            members = [(s, stmt.name) for s in stmt.body if isinstance(s, _DEFS)]
        for node, owner in members:
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            found[(owner, start)] = node
    return found


def _reduced(lines: Sequence[str], units: list[Unit], analysed: set[int]) -> str:
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


def _flags(text: str) -> tuple[bool, ...]:
    return tuple(flag in text for flag in TEXT_FLAGS)


def _call_budget() -> int:
    from .flow.functions import CALL_BUDGET

    return CALL_BUDGET


def _followed_calls(ctx: FileContext) -> int:
    """How much of the flow engine's per-file call budget ``ctx``'s analysis spent."""
    flow = ctx.__dict__.get("flow")
    analyser = getattr(flow, "analyser", None)
    if analyser is None:
        return 0
    return _call_budget() - int(analyser.functions.budget)


def _finish(result: FileResult, selection: Selection, doc: Document) -> FileResult:
    """As the engine: codes the selection disables and duplicates dropped, sorted, noqa honoured."""
    findings = {(f.code, f.span, f.message): f for f in result.findings if selection.enabled(f.code)}
    ordered = sorted(findings.values(), key=lambda f: (f.span, f.code))
    result.findings = [f for f in ordered if not is_suppressed(doc.line_text(f.line), f.code)]
    return result
