"""Applying fixes: choose non-overlapping fixes, apply their edits, repeat until nothing is left."""

from __future__ import annotations

import ast
import bisect
import builtins
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from .document import Document, Pos
from .findings import Applicability, Edit, Finding, Fix
from .rule import SYNTAX_ERROR
from .selection import Selection
from .walk import NESTED_SCOPES, children

MAX_ROUNDS = 10
S = TypeVar("S")  # what is being fixed: a source text, a notebook's cells


def applicable(fix: Fix, unsafe: bool) -> bool:
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe and fix.applicability is Applicability.UNSAFE


def _overlaps(a: Edit, b: Edit) -> bool:
    if a == b:
        return False
    if a.span.start == a.span.end == b.span.start == b.span.end:
        return True  # two insertions at one point: their order would be arbitrary
    return a.span.start < b.span.end and b.span.start < a.span.end


def choose_fixes(findings: Iterable[Finding], unsafe: bool = False) -> tuple[list[Finding], list[Edit]]:
    """The findings whose preferred fix can be applied now, and the union of their edits."""
    chosen: list[Finding] = []
    taken: set[Edit] = set()
    # The edits taken so far, sorted: they do not overlap, so their ends are sorted too and an
    # edit is checked against its neighbours only (n log n, where a check against all is n^2).
    ordered: list[Edit] = []
    ends: list[Pos] = []
    for finding in sorted(findings, key=lambda f: f.span):
        fix = finding.fix
        if fix is None or not applicable(fix, unsafe):
            continue
        if any(_collides(new, ordered, ends) for new in fix.edits if new not in taken):
            continue  # applied in the next round, on the updated text
        chosen.append(finding)
        for edit in fix.edits:
            if edit not in taken:
                taken.add(edit)
                index = bisect.bisect_right(ordered, edit)
                ordered.insert(index, edit)
                ends.insert(index, edit.span.end)
    return chosen, ordered


def _collides(edit: Edit, ordered: list[Edit], ends: list[Pos]) -> bool:
    index = bisect.bisect_left(ends, edit.span.start)  # the first that does not end before it
    while index < len(ordered) and ordered[index].span.start <= edit.span.end:
        if _overlaps(edit, ordered[index]):
            return True
        index += 1
    return False


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    doc = Document(text)
    out, cursor = [], 0
    for edit in sorted(edits):
        start, end = doc.offset(edit.span.start), doc.offset(edit.span.end)
        if start < cursor:
            raise ValueError(f"overlapping edit at {edit.span.start}")
        out.append(text[cursor:start])
        out.append(edit.content)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


_BUILTINS = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__builtins__", "__spec__"}


class BoundNames:
    """Where each scope of a text binds each name first, to check that a statement a fix inserts
    reads only names bound before it (``h = h.detach()`` at the top of a loop whose body binds
    ``h`` later would raise ``NameError`` in the first iteration)."""

    def __init__(self, text: str, tree: ast.Module | None = None) -> None:
        """``tree``: the parse of ``text`` where the caller has it."""
        self.scope_at: list[ast.AST] = []  # line -> innermost scope
        self.first: dict[int, dict[str, tuple[int, int]]] = {}  # id(scope) -> name -> first binding
        self.outer: dict[int, ast.AST | None] = {}
        self.open: set[int] = set()  # scopes whose names cannot be known (``from m import *``, ``global``)
        if tree is None:
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return
        self.scope_at = [tree] * (text.count("\n") + 2)
        self.outer[id(tree)] = None
        pending: list[tuple[ast.AST, ast.AST]] = [(tree, tree)]  # (node, the scope it is in)
        while pending:  # pre-order: a scope's lines are claimed before those of the scopes inside it
            node, scope = pending.pop()
            if isinstance(node, NESTED_SCOPES):
                self._bind(scope, getattr(node, "name", None), node)
                self.outer[id(node)] = scope
                if not isinstance(node, ast.Lambda):  # its body is an expression: no statement goes in
                    end = node.end_lineno or node.lineno
                    for line in range(node.lineno + 1, end + 1):  # the def line itself is the outer scope's
                        self.scope_at[line] = node
                arguments = getattr(node, "args", None)
                if isinstance(arguments, ast.arguments):
                    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
                    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
                    for arg in every:
                        self._bind(node, arg.arg, (0, 0))
                scope = node
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                self._bind(scope, node.id, node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    if alias.name == "*":
                        self.open.add(id(scope))
                    self._bind(scope, (alias.asname or alias.name).split(".")[0], node)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                self.open.add(id(scope))
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self._bind(scope, node.name, node)
            for child in children(node):
                pending.append((child, scope))

    def _bind(self, scope: ast.AST, name: str | None, where: ast.AST | tuple[int, int]) -> None:
        if name is None:
            return
        at = where if isinstance(where, tuple) else (where.lineno, where.col_offset)  # type: ignore[attr-defined]
        names = self.first.setdefault(id(scope), {})
        if name not in names or at < names[name]:
            names[name] = at

    def bound_before(self, name: str, at: Pos) -> bool:
        if name in _BUILTINS or not self.scope_at:
            return True
        scope: ast.AST | None = self.scope_at[min(at.line, len(self.scope_at) - 1)]
        first = self.first.get(id(scope), {}).get(name)
        if first is not None and first < (at.line, at.col):
            return True
        if id(scope) in self.open:
            return True
        # Names of enclosing scopes are read when the function runs, after they are bound.
        while scope is not None and not isinstance(scope, ast.Module):
            scope = self.outer.get(id(scope))
            if isinstance(scope, ast.ClassDef):
                continue  # a class body's names are not visible in its methods
            if scope is not None and (name in self.first.get(id(scope), {}) or id(scope) in self.open):
                return True
        return False

    def reads_unbound(self, edit: Edit, never_bound_ok: bool = False) -> bool:
        """Whether ``edit`` inserts statements that read a name not bound before them.
        ``never_bound_ok``: a name the text never binds is taken as defined elsewhere (a
        notebook's kernel); only names bound after the insertion count."""
        if edit.span.start != edit.span.end or not edit.content.strip():
            return False
        import textwrap  # only for an inserting fix: not at start-up (it compiles regexes)

        try:
            inserted = ast.parse(textwrap.dedent(edit.content.lstrip("\n")))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False  # not statements: an argument, a method call added to an expression
        local = {
            n.id
            for comp in ast.walk(inserted)
            if isinstance(comp, ast.comprehension)
            for n in ast.walk(comp.target)
            if isinstance(n, ast.Name)
        }
        reads = {n.id for n in ast.walk(inserted) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        if never_bound_ok:
            reads = {name for name in reads if any(name in names for names in self.first.values())}
        return any(not self.bound_before(name, edit.span.start) for name in reads - local)


def reads_bound_names(never_bound_ok: bool = False) -> Callable[[str, Finding], bool]:
    """A fix loop's eligibility check on a round's text: the finding's fix inserts no statement
    that reads a name bound after it (``BoundNames``, built once per text). ``never_bound_ok``
    as in ``BoundNames.reads_unbound``."""
    current: list[tuple[str, BoundNames]] = []  # the text of the current round only

    def eligible(text: str, finding: Finding) -> bool:
        if not current or current[0][0] is not text:
            current[:] = [(text, BoundNames(text))]
        fix = finding.fix
        return fix is None or not any(current[0][1].reads_unbound(e, never_bound_ok) for e in fix.edits)

    return eligible


@dataclass
class FixOutcome:
    text: str
    fixed: list[Finding] = field(default_factory=list)  # findings fixed, over all rounds
    remaining: list[Finding] = field(default_factory=list)
    rounds: int = 0
    converged: bool = True
    errors: list[str] = field(default_factory=list)
    message: str | None = None  # why the text was not analysed (too deep), as FileResult.message


@dataclass
class Linted(Generic[S]):
    """One round's input to the fix loop: the state, its findings and internal errors."""

    state: S
    findings: list[Finding]
    errors: list[str]
    fixable: bool = True  # False: nothing may be fixed (the source does not parse)
    message: str | None = None  # why it was not analysed at all


@dataclass
class LoopOutcome(Generic[S]):
    last: Linted[S]  # the state reached and its findings
    fixed: list[Finding] = field(default_factory=list)  # findings fixed, over all rounds
    rounds: int = 0
    converged: bool = True
    errors: list[str] = field(default_factory=list)  # internal errors and discarded rounds


def fix_loop(
    start: Linted[S],
    lint: Callable[[S], Linted[S]],
    apply: Callable[[S, list[Edit]], S],
    valid: Callable[[S, S], bool],
    unsafe: bool,
    eligible: Callable[[S, Finding], bool] = lambda state, finding: True,
    max_rounds: int = MAX_ROUNDS,
) -> LoopOutcome[S]:
    """Apply the applicable fixes of ``start`` round by round until none is left. A round whose
    result is not ``valid`` (it would not compile) is discarded and ends the loop."""
    outcome = LoopOutcome(start, errors=list(start.errors))
    for _ in range(max_rounds):
        current = outcome.last
        if not current.fixable:
            return outcome
        chosen, edits = choose_fixes([f for f in current.findings if eligible(current.state, f)], unsafe)
        if not chosen:
            return outcome
        new_state = apply(current.state, edits)
        if not valid(current.state, new_state):
            codes = ", ".join(sorted({f.code for f in chosen}))
            outcome.errors = outcome.errors + [f"a fix produced code that does not compile and was discarded: {codes}"]
            return outcome
        outcome.last = lint(new_state)
        outcome.errors = list(outcome.last.errors)
        outcome.fixed.extend(_really_fixed(chosen, current.findings, outcome.last.findings))
        outcome.rounds += 1
    current = outcome.last
    outcome.converged = not any(
        f.fix is not None and applicable(f.fix, unsafe) and eligible(current.state, f) for f in current.findings
    )
    return outcome


def _really_fixed(chosen: list[Finding], before: list[Finding], after: list[Finding]) -> list[Finding]:
    """The chosen findings that the round removed: per code, no more than the findings of that
    code that are gone (two findings fixed by one edit count twice only if both are gone)."""
    gone = Counter(f.code for f in before)
    gone.subtract(f.code for f in after)
    fixed = []
    for finding in chosen:
        if gone[finding.code] > 0:
            gone[finding.code] -= 1
            fixed.append(finding)
    return fixed


def compile_error(text: str, path: str) -> str | None:
    """Why ``text`` does not compile, or None. ``compile()``, not ``ast.parse``: a fix may also
    break what only the compiler checks (a repeated keyword, ``return`` outside a function)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences are not the fix's doing
            compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return str(error)
    return None


def still_compiles(old: str, new: str, path: str) -> bool:
    """A fixed text compiles, or fails exactly as the original did (a fragment that never
    compiled, e.g. a notebook's top-level ``await``)."""
    error = compile_error(new, path)
    return error is None or error == compile_error(old, path)


def fix_source(
    text: str,
    path: str = "<stdin>",
    selection: Selection | None = None,
    unsafe: bool = False,
    max_rounds: int = MAX_ROUNDS,
) -> FixOutcome:
    """Lint and fix ``text`` until no applicable fix is left. A file that does not parse is
    returned unchanged; a round whose result would not compile is discarded."""
    from .engine import lint_source

    def lint(source: str) -> Linted[str]:
        result = lint_source(source, path, selection)
        parsed = not any(f.code == SYNTAX_ERROR for f in result.findings)
        return Linted(source, result.findings, result.errors, fixable=parsed, message=result.message)

    def compiles(old: str, new: str) -> bool:
        return still_compiles(old, new, path)

    loop = fix_loop(lint(text), lint, apply_edits, compiles, unsafe, reads_bound_names(), max_rounds)
    last = loop.last
    return FixOutcome(last.state, loop.fixed, last.findings, loop.rounds, loop.converged, loop.errors, last.message)
