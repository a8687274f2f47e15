"""Does the program end right after a statement? PTL501's evidence that a writer's last events
can be lost.

An open `SummaryWriter` loses only what is still queued when the interpreter stops its thread,
and the thread drains the queue within milliseconds (measured with torch 2.13 and tensorboard
2.21: 100 scalars written and the program ended at once lost up to 11 of them in 1 run out of
3; with 2 ms of work after the last one, none in 18 runs). So a writer never closed loses events
only where the program ends right after its last one: nothing but *quiet* statements (prints,
plain assignments, definitions, a learning-rate scheduler's methods) run between that event and
the end of the program.

What is quiet: torch's writer registers no `atexit` handler, its thread is a daemon, and
`flush_secs` does not matter on a local disk (each record is appended as the thread writes it).
The thread writes only when it gets the interpreter: a statement that blocks, does I/O or runs
torch kernels gives it a turn, a few lines of Python do not. In-process, with no forced switch,
the last event was written before the next statement ended in 18 of 20 tries after a
checkpoint save, 15 to 19 of 20 after a training step, 0 or 1 of 20 after a scheduler's
`step()` or a print of its `get_last_lr()` to a file (audit-8 M1, M2; see
`tests/rules/test_ptl501_tail.py`).
Whole programs lose the tail more or less often with the machine's load (audit-8: the last
epoch in 10 of 10 runs with nothing after it; on a machine loaded 6 times over, 2 of 12 runs
with a scheduler's step and such a print after it, 0 of 12 with nothing).

``ProgramEnd(ctx).ends_after(stmt)`` follows the statement's enclosing bodies outward: the
statements after it in its body, the rest of each enclosing loop's body (the last iteration runs
it after the event) and the statements after each enclosing compound statement must be quiet. At
the module's end the program ends; at a function's end it ends if some call of that function in
the file ends the program the same way (methods by name, where one class defines the name).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import statement_of

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Calls that do no work worth a thread's time slice: output and formatting of values at hand.
_QUIET_CALLS = {"print", "len", "str", "repr", "int", "float", "round", "format", "min", "max", "abs", "sorted"}
_QUIET_METHODS = {"item", "format", "join", "info", "debug", "warning", "write"}
# Calls after which nothing more runs: the end of the program.
_EXITS = {"exit", "quit", "sys.exit", "os._exit"}
_MAX_CALL_DEPTH = 4
# Iterables whose exhaustion costs nothing: counting, pairing and progress bars over values at hand.
_QUIET_ITERATORS = {"range", "enumerate", "zip", "reversed", "sorted", "tqdm", "trange", "list", "tuple"}


class ProgramEnd:
    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._function_ends: dict[int, ast.stmt | None] = {}
        self._callers: dict[str, list[ast.Call]] | None = None
        self._bodies: dict[int, dict[int, bool]] = {}
        self._schedulers: frozenset[str] | None = None

    def quiet(self, stmt: ast.stmt) -> bool:
        if self._schedulers is None:
            self._schedulers = _schedulers(self.ctx)
        return quiet(stmt, self._schedulers)

    # -- the walk outward -------------------------------------------------------------------------
    def ends_after(self, stmt: ast.stmt, depth: int = 0) -> ast.stmt | None:
        """The statement after which the program ends with nothing but quiet statements run
        since ``stmt`` (``stmt`` itself, or a call site of its function), or None."""
        current: ast.AST = stmt
        while True:
            parent = self.ctx.parent(current)
            if parent is None:
                return None
            for body in _bodies(parent):
                position = self._quiet_after(body).get(id(current))
                if position is not None:
                    if not position:
                        return None
                    break
            if isinstance(parent, (ast.For, ast.AsyncFor, ast.While)) and not all(self.quiet(s) for s in parent.orelse):
                return None
            if isinstance(parent, (ast.For, ast.AsyncFor)) and not _quiet_iterable(parent.iter):
                return None  # a generator's last next() may run work (an environment, a reader) first
            if (
                isinstance(parent, ast.While)
                and _endless(parent)
                and not any(b.lineno > stmt.lineno for b in _own_breaks(parent))
            ):
                return None  # `while True:` left only by a break before the event: work runs after it
            if isinstance(parent, ast.Try) and not all(self.quiet(s) for s in parent.finalbody):
                return None
            if isinstance(parent, ast.Try) and any(s is current for s in parent.body):
                if not all(self.quiet(s) for s in parent.orelse):
                    return None
            if isinstance(parent, ast.Module):
                return None if self.ctx.path.endswith(".ipynb") else stmt  # a kernel lives on after a cell
            if isinstance(parent, _FUNCTIONS):
                return self._function_ends_program(parent, depth)
            if isinstance(parent, (ast.ClassDef, ast.Lambda)):
                return None
            current = parent

    def _quiet_after(self, body: list[ast.stmt]) -> dict[int, bool]:
        """For each statement of ``body``: are all the statements after it quiet? (once per body)"""
        known = self._bodies.get(id(body))
        if known is None:
            known = {}
            rest_quiet = True
            for statement in reversed(body):
                known[id(statement)] = rest_quiet
                rest_quiet = rest_quiet and self.quiet(statement)
            self._bodies[id(body)] = known
        return known

    def _function_ends_program(self, function: ast.FunctionDef | ast.AsyncFunctionDef, depth: int) -> ast.stmt | None:
        key = id(function)
        if key in self._function_ends:
            return self._function_ends[key]
        self._function_ends[key] = None  # recursion: a function calling itself ends nothing
        found = None
        if depth < _MAX_CALL_DEPTH:
            for call in self.calls_of(function):
                statement = statement_of(self.ctx, call)
                if statement is not None and (end := self.ends_after(statement, depth + 1)) is not None:
                    found = end
                    break
        self._function_ends[key] = found
        return found

    # -- call sites ---------------------------------------------------------------------------------
    def calls_of(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Call]:
        """Calls of ``function`` in this file: by its name for a plain function, by ``<x>.name``
        for a method whose name no other function of the file has."""
        callers = self._call_index()
        owner = self.ctx.parent(function)
        if isinstance(owner, ast.ClassDef) and function.name == "__init__":
            return callers.get(owner.name, [])  # a constructor runs where its class is called
        if sum(1 for f in self.ctx.index.of(*_FUNCTIONS) if getattr(f, "name", None) == function.name) != 1:
            return []
        return callers.get(("." if isinstance(owner, ast.ClassDef) else "") + function.name, [])

    def _call_index(self) -> dict[str, list[ast.Call]]:
        if self._callers is None:
            index: dict[str, list[ast.Call]] = {}
            for call in self.ctx.index.of(ast.Call):
                assert isinstance(call, ast.Call)
                if isinstance(call.func, ast.Name):
                    index.setdefault(call.func.id, []).append(call)
                elif isinstance(call.func, ast.Attribute):
                    index.setdefault("." + call.func.attr, []).append(call)
            self._callers = index
        return self._callers


def quiet(stmt: ast.stmt, schedulers: frozenset[str] = frozenset()) -> bool:
    """Runs in no time worth counting: a definition, a print, an assignment of values at hand, a
    learning-rate scheduler's step (``schedulers``: the names and ``.attributes`` the file binds to
    one), or the end of the program itself."""
    if isinstance(stmt, (ast.Pass, ast.Global, ast.Nonlocal, ast.Delete, *_FUNCTIONS, ast.ClassDef)):
        return True
    if isinstance(stmt, (ast.Break, ast.Continue)):
        return True
    if isinstance(stmt, ast.Expr):
        return _quiet_expr(stmt.value, schedulers) or _is_exit(stmt.value)
    if isinstance(stmt, ast.Return):
        return stmt.value is None or _quiet_expr(stmt.value, schedulers)
    if isinstance(stmt, ast.Assign):
        return _quiet_expr(stmt.value, schedulers) and all(_quiet_expr(t, schedulers) for t in stmt.targets)
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        return (stmt.value is None or _quiet_expr(stmt.value, schedulers)) and _quiet_expr(stmt.target, schedulers)
    if isinstance(stmt, ast.If):
        return _quiet_expr(stmt.test, schedulers) and all(quiet(s, schedulers) for s in (*stmt.body, *stmt.orelse))
    return False


def _quiet_expr(expr: ast.expr, schedulers: frozenset[str] = frozenset()) -> bool:
    for node in ast.walk(expr):
        if isinstance(node, (ast.Lambda, ast.Await, ast.Yield, ast.YieldFrom, ast.comprehension)):
            return False
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in _QUIET_CALLS:
                continue
            if isinstance(func, ast.Attribute) and (func.attr in _QUIET_METHODS or _held_in(func.value, schedulers)):
                continue
            return False
    return True


def _held_in(receiver: ast.expr, names: frozenset[str]) -> bool:
    """``sched`` or ``<x>.scheduler`` where ``names`` holds ``sched`` or ``.scheduler``."""
    if isinstance(receiver, ast.Name):
        return receiver.id in names
    return isinstance(receiver, ast.Attribute) and "." + receiver.attr in names


def _schedulers(ctx: FileContext) -> frozenset[str]:
    """Names (and ``.attributes``) the file binds to a ``torch.optim.lr_scheduler`` object. Its
    methods (``step()``, ``get_last_lr()``) set or read a few numbers in Python: they hold the
    interpreter as a print does, and give the writer's thread no turn (audit-8 M1, M2)."""
    found: set[str] = set()
    for node in ctx.index.of(ast.Assign):
        assert isinstance(node, ast.Assign)
        if not isinstance(node.value, ast.Call):
            continue
        if not (ctx.qualname(node.value.func) or "").startswith("torch.optim.lr_scheduler."):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name):
                found.add(target.id)
            elif isinstance(target, ast.Attribute):
                found.add("." + target.attr)
    return frozenset(found)


def _is_exit(expr: ast.expr) -> bool:
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    if isinstance(func, ast.Name):
        return func.id in _EXITS
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and f"{func.value.id}.{func.attr}" in _EXITS
    )


def _bodies(node: ast.AST) -> Iterable[list[ast.stmt]]:
    for field in ("body", "orelse", "finalbody"):
        body = getattr(node, field, None)
        if isinstance(body, list):
            yield body
    if isinstance(node, ast.Try):
        for handler in node.handlers:
            yield handler.body
    if isinstance(node, ast.Match):
        for case in node.cases:
            yield case.body


def _endless(node: ast.While) -> bool:
    return isinstance(node.test, ast.Constant) and bool(node.test.value)


def _own_breaks(loop: ast.While) -> Iterable[ast.Break]:
    """The `break` statements that leave ``loop`` itself (not a loop or function inside it)."""
    stack: list[ast.AST] = [*loop.body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Break):
            yield node
        elif not isinstance(node, (ast.For, ast.AsyncFor, ast.While, *_FUNCTIONS, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _quiet_iterable(expr: ast.expr) -> bool:
    """A loop over this ends without work after its last item: a range, a name or a display,
    or one of those counted, paired or wrapped in a progress bar (not a generator's call)."""
    if isinstance(expr, ast.Call):
        func = expr.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in ("items", "keys", "values"):
            return True
        return name in _QUIET_ITERATORS and all(_quiet_iterable(a) for a in expr.args if not isinstance(a, ast.Starred))
    return _quiet_expr(expr)
