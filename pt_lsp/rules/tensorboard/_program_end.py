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

``ProgramEnd(ctx).ends_after(stmt)`` follows the statement's enclosing bodies outward along
one path: the statements after it in its body, the rest of each enclosing loop's body (the last
iteration runs it after the event) and the statements after each enclosing compound statement.
An `if` offers the paths of the branches its test can take, so work under a test that may be
false is skipped on one path (audit-9 M2: `if epoch % save_freq == 0: torch.save(...)` on an
odd last epoch, `if avg_return >= threshold:`, `if val_loss < best:`); a quiet path may also
leave by `return`, or leave a loop by `break`. At the module's end the program ends; at a
function's end it ends if some call of that function in the file ends the program the same way
(methods by name, where one class defines the name). Each statement's ways out are computed
once (``exits``): the walk is linear in the file.

Measured on whole programs (ours, five epochs of 1 to 20 scalars, on 2 cores shared by several
engineers): with nothing after the last event the tail was lost in 3 of 33 runs, with the save
skipped on the last pass in 1 of 33, with an unconditional save, a save on both branches, a
flush or a close in none of 10 each: the skipped save loses as the end with nothing after it
does, and both rarely on a loaded machine (audit-8 measured 10 of 10 with nothing after it). In
process with no forced switch the skipped save leaves the last scalars queued 10 of 10 times
(``tests/rules/test_ptl501_paths.py``). A clock read (`time.time()`) holds the interpreter too
(10 of 10 queued after `int(time.time() - start)`).
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterable

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import statement_of
from pt_lsp.rules.tensorboard._options import Value, constant, option_defaults, settings_taken
from pt_lsp.rules.tensorboard._quiet_receivers import quiet_receivers, receiver_key

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Calls that do no work worth a thread's time slice: output and formatting of values at hand.
_QUIET_CALLS = {"print", "len", "str", "repr", "int", "float", "round", "format", "min", "max", "abs", "sorted"}
_QUIET_METHODS = {"item", "format", "join", "info", "debug", "warning", "write"}
# Reading a clock holds the interpreter (no system call on Linux): the elapsed time a print shows.
_QUIET_CLOCKS = {"time.time", "time.perf_counter", "time.monotonic", "time.process_time"}
# Formatting a time is C code on values at hand too: `time.strftime("%H:%M:%S", time.gmtime(t))`
# (audit-18 M5; it left the last scalars queued 10 of 10 times, test_ptl501_paths.py).
_QUIET_TIME_FORMATS = {"time.strftime", "time.gmtime", "time.localtime", "time.ctime", "time.asctime"}
# Calls after which nothing more runs: the end of the program.
_EXITS = {"exit", "quit", "sys.exit", "os._exit"}
_MAX_CALL_DEPTH = 4
# How a quiet path leaves a statement: on to the next one, out of the function, out of the loop or
# on to the loop's next pass.
NEXT, RETURN, BREAK, CONTINUE = "next", "return", "break", "continue"
_NEXT, _RETURN, _BREAK, _CONTINUE = (frozenset({way}) for way in (NEXT, RETURN, BREAK, CONTINUE))
# Tests that may pin the branch on the run's last pass or on the writer's process: `is_last`,
# `final_epoch`, `rank == 0`, `is_main_process()`, `args.master`.
_PINNED = re.compile(r"last|final|rank|master|main_process|is_main", re.IGNORECASE)
# Iterables whose exhaustion costs nothing: counting, pairing and progress bars over values at hand.
_QUIET_ITERATORS = {"range", "enumerate", "zip", "reversed", "sorted", "tqdm", "trange", "list", "tuple"}


class ProgramEnd:
    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.skipped: list[tuple[ast.If, str]] = []  # the `if`s the last path found skips the work of
        self.assumed: list[tuple[ast.If, str]] = []  # option tests the event needs, against their defaults
        self._function_ends: dict[int, ast.stmt | None] = {}
        self._callers: dict[str, list[ast.Call]] | None = None
        self._bodies: dict[int, list[frozenset[str]]] = {}
        self._exits: dict[int, frozenset[str]] = {}
        self._indexes: dict[int, dict[int, int]] = {}
        self._function_skips: dict[int, list[tuple[ast.If, str]]] = {}
        self._last_passes: dict[int, int | None] = {}
        self._schedulers: frozenset[str] | None = None
        self._defaults: dict[str, Value] | None = None
        self._assumed: dict[tuple[tuple[str, Value], ...], ProgramEnd] = {}

    @property
    def schedulers(self) -> frozenset[str]:
        """Schedulers (any method) and quiet receivers' methods (``imgs.append``, ``env.close``)."""
        if self._schedulers is None:
            found = _schedulers(self.ctx)
            self._schedulers = found | quiet_receivers(self.ctx, lambda s: quiet(s, found))
        return self._schedulers

    def quiet(self, stmt: ast.stmt) -> bool:
        return quiet(stmt, self.schedulers)

    @property
    def defaults(self) -> dict[str, Value]:
        """The shipped settings: ``.iterations`` for ``parser.add_argument('--iterations',
        type=int, default=200)`` (number, string and flag defaults of options defined once in
        the file), for the branches a run with them takes."""
        if self._defaults is None:
            self._defaults = option_defaults(self.ctx)
        return self._defaults

    # -- the walk outward -------------------------------------------------------------------------
    def ends_after(self, stmt: ast.stmt, depth: int = 0) -> ast.stmt | None:
        """The statement after which the program can end with nothing but quiet statements run
        since ``stmt`` (``stmt`` itself, or a call site of its function), or None. One path
        suffices: work under an `if` whose test may go the other way is skipped on the path that
        does not take it (``skipped`` then holds that `if`)."""
        passed: list[tuple[list[ast.stmt], int]] = []  # the bodies whose rest the path ran
        self.skipped, self.assumed = [], []
        current: ast.AST = stmt
        ways = _NEXT  # how the path leaves what it has run since ``stmt``
        while True:
            parent = self.ctx.parent(current)
            if parent is None:
                return None
            for body in _bodies(parent):
                index = self._positions(body).get(id(current))
                if index is not None:
                    if NEXT in ways:
                        rest = self._exits_after(body)[index]
                        ways = (ways - _NEXT) | rest
                        if rest:
                            passed.append((body, index))
                    break
            if isinstance(parent, (ast.For, ast.AsyncFor, ast.While)) and any(s is current for s in parent.body):
                ways = self._leave_loop(parent, ways)
            if isinstance(parent, ast.If) and self.branch(parent) not in (
                None,
                taken := any(s is current for s in parent.body),
            ):
                forced = settings_taken(parent.test, taken, self.defaults)
                if forced is None or depth:
                    return None  # the last pass does not run this branch (`if epoch % 2 == 0:` of range(9))
                end = self._assuming(forced, stmt)  # `if opt.use_tb:`: the event ran, so the option was set
                self.assumed = [(parent, "true" if taken else "false"), *self.assumed]
                return end
            if isinstance(parent, ast.Try):
                if not all(self.quiet(s) for s in parent.finalbody):
                    return None
                if NEXT in ways and any(s is current for s in parent.body):
                    ways = (ways - _NEXT) | self._block_exits(parent.orelse)
            if not ways:
                return None
            if isinstance(parent, ast.Module):
                if NEXT not in ways or self.ctx.path.endswith(".ipynb"):
                    return None  # (a kernel lives on after a cell)
                self.skipped = self._skipped(passed)
                return stmt
            if isinstance(parent, _FUNCTIONS):
                end = self._function_ends_program(parent, depth) if ways & {NEXT, RETURN} else None
                if end is not None:
                    self.skipped = self._skipped(passed) + self._function_skips.get(id(parent), [])
                return end
            if isinstance(parent, (ast.ClassDef, ast.Lambda)):
                return None
            current = parent

    def _assuming(self, forced: dict[str, Value], stmt: ast.stmt) -> ast.stmt | None:
        """``ends_after(stmt)`` on the runs where the options in ``forced`` have those values
        rather than their defaults (the runs on which the event under them is written)."""
        key = tuple(sorted(forced.items()))
        other = self._assumed.get(key)
        if other is None:
            other = self._assumed[key] = ProgramEnd(self.ctx)
            other._schedulers, other._defaults = self.schedulers, {**self.defaults, **forced}
        end = other.ends_after(stmt)
        self.skipped, self.assumed = other.skipped, other.assumed
        return end

    def _leave_loop(self, loop: ast.For | ast.AsyncFor | ast.While, ways: frozenset[str]) -> frozenset[str]:
        """How the path leaves ``loop`` after the rest of its last pass: a `break` skips its
        `else:`; the end of the pass (or a `continue`) ends a loop whose iterable is used up."""
        if isinstance(loop, (ast.For, ast.AsyncFor)) and not _quiet_iterable(loop.iter):
            return frozenset()  # a generator's last next() may run work (an environment, a reader) first
        out = ways & _RETURN
        if BREAK in ways:
            out |= _NEXT
        if ways & {NEXT, CONTINUE} and not (isinstance(loop, ast.While) and _endless(loop)):
            out |= self._block_exits(loop.orelse)  # (`while True:` is left by a break only)
        return out

    # -- the ways out of a statement on a quiet path ------------------------------------------------
    def exits(self, stmt: ast.stmt) -> frozenset[str]:
        """How a quiet path through ``stmt`` leaves it (NEXT, RETURN, BREAK, CONTINUE); empty when
        every path through it works. An `if` with a quiet test offers the paths of the branches its
        test can take; where the test may name the loop's last pass or the process (a rank), only
        the paths both branches offer (the last pass may well take the branch that saves)."""
        known = self._exits.get(id(stmt))
        if known is not None:
            return known
        if isinstance(stmt, ast.If):
            found = frozenset[str]()
            if _quiet_expr(stmt.test, self.schedulers):
                taken, other = self._block_exits(stmt.body), self._block_exits(stmt.orelse)
                branch = self.branch(stmt)
                if branch is not None:
                    found = taken if branch else other
                elif self._either_branch(stmt):
                    found = taken | other
                elif taken and other:
                    found = taken | other
        elif isinstance(stmt, ast.Break):
            found = _BREAK
        elif isinstance(stmt, ast.Continue):
            found = _CONTINUE
        elif isinstance(stmt, ast.Return):
            found = _RETURN if self.quiet(stmt) else frozenset()
        else:
            found = _NEXT if self.quiet(stmt) else frozenset()
        self._exits[id(stmt)] = found
        return found

    def _positions(self, body: list[ast.stmt]) -> dict[int, int]:
        known = self._indexes.get(id(body))
        if known is None:
            known = self._indexes[id(body)] = {id(statement): i for i, statement in enumerate(body)}
        return known

    def _block_exits(self, body: list[ast.stmt]) -> frozenset[str]:
        return self._exits_after(body)[-1] if body else _NEXT

    def _exits_after(self, body: list[ast.stmt]) -> list[frozenset[str]]:
        """For each statement of ``body``, the ways a quiet path leaves the rest of the body after
        it; the last item is the whole body's (once per body)."""
        known = self._bodies.get(id(body))
        if known is None:
            rest = _NEXT
            after: list[frozenset[str]] = []
            for statement in reversed(body):
                after.append(rest)
                own = self.exits(statement)
                rest = (own - _NEXT) | rest if NEXT in own else own
            known = [*reversed(after), rest]
            self._bodies[id(body)] = known
        return known

    def _skipped(self, passed: list[tuple[list[ast.stmt], int]]) -> list[tuple[ast.If, str]]:
        return [found for body, index in passed for found in self._skips(body[index + 1 :])]

    def _skips(self, body: list[ast.stmt]) -> list[tuple[ast.If, str]]:
        """The `if` statements of ``body`` (and of the branches they may take) whose other branch
        works, with the value of the test on the path that skips that work."""
        found: list[tuple[ast.If, str]] = []
        for statement in body:
            if not isinstance(statement, ast.If) or not self.exits(statement):
                continue
            taken, other = self._block_exits(statement.body), self._block_exits(statement.orelse)
            if not (taken and other):
                found.append((statement, "true" if taken else "false"))
            found += self._skips(statement.body if taken else []) + self._skips(statement.orelse if other else [])
        return found

    def branch(self, node: ast.If) -> bool | None:
        """The branch an `if` takes wherever it runs after the event, where that is known: a
        constant test, or a test of counts only on the last pass of a loop over ``range`` of
        numbers (``if epoch % 2 == 0`` in ``for epoch in range(10)``)."""
        if isinstance(node.test, ast.Constant):
            return bool(node.test.value)
        values: dict[str, int] = {}
        for loop in self._loops(node):
            last = self._last_pass(loop)
            if last is not None and isinstance(loop, ast.For) and isinstance(loop.target, ast.Name):
                values.setdefault(loop.target.id, last)
        result = _evaluate(node.test, {**self.defaults, **values})
        return None if result is None else bool(result)

    def _last_pass(self, loop: ast.For | ast.AsyncFor | ast.While) -> int | None:
        """The loop variable's value on the last pass of ``for i in range(<numbers>)`` (or of a
        name bound once to such a range, or to one of two equal ones: ``trange(1, n + 1) if bar
        else range(1, n + 1)``)."""
        if not isinstance(loop, ast.For):
            return None
        if id(loop) in self._last_passes:
            return self._last_passes[id(loop)]
        iterable: ast.expr | None = loop.iter
        if isinstance(iterable, ast.Name):
            iterable = self._bound_once(iterable.id, loop)
        arms = [iterable.body, iterable.orelse] if isinstance(iterable, ast.IfExp) else [iterable]
        lasts = {_last_of_range(arm, self.defaults) if arm is not None else None for arm in arms}
        last = self._last_passes[id(loop)] = lasts.pop() if len(lasts) == 1 else None
        return last

    def _bound_once(self, name: str, node: ast.AST) -> ast.expr | None:
        """The value of the one assignment to ``name`` in the function around ``node``."""
        scope = self.ctx.parent(node)
        while scope is not None and not isinstance(scope, (*_FUNCTIONS, ast.Module)):
            scope = self.ctx.parent(scope)
        if scope is None:
            return None
        values = [
            n.value if isinstance(n, ast.Assign) and len(n.targets) == 1 else None
            for n in ast.walk(scope)
            if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With, ast.NamedExpr))
            and any(isinstance(t, ast.Name) and t.id == name for t in _targets(n))
        ]
        return values[0] if len(values) == 1 else None

    def _either_branch(self, node: ast.If) -> bool:
        """The test may go either way on the last pass: it names nothing that bounds an enclosing
        loop (``epochs`` of ``range(epochs)``, ``max_steps`` of ``while step < max_steps``: it may
        pick the last pass), no rank or main process (the writer's process may be the one that
        saves), and no last or final value."""
        named = _named(node.test)
        if any(_PINNED.search(name) for name in named):
            return False
        bounds: set[str] = set()
        for loop in self._loops(node):
            bounds |= _named(loop.test if isinstance(loop, ast.While) else loop.iter)
        return not named & bounds

    def _loops(self, node: ast.AST) -> list[ast.For | ast.AsyncFor | ast.While]:
        """The loops around ``node`` in its function, innermost first."""
        found: list[ast.For | ast.AsyncFor | ast.While] = []
        current = self.ctx.parent(node)
        while current is not None and not isinstance(current, (*_FUNCTIONS, ast.ClassDef, ast.Module)):
            if isinstance(current, (ast.For, ast.AsyncFor, ast.While)):
                found.append(current)
            current = self.ctx.parent(current)
        return found

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
                    self._function_skips[key] = self.skipped
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
            if isinstance(func, ast.Attribute) and (
                func.attr in _QUIET_METHODS or _held_in(func.value, schedulers) or receiver_key(func) in schedulers
            ):
                continue
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                called = f"{func.value.id}.{func.attr}"
                if (called in _QUIET_CLOCKS and not node.args) or called in _QUIET_TIME_FORMATS:
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


def _quiet_iterable(expr: ast.expr) -> bool:
    """A loop over this ends without work after its last item: a range, a name or a display,
    or one of those counted, paired or wrapped in a progress bar (not a generator's call)."""
    if isinstance(expr, ast.Call):
        func = expr.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in ("items", "keys", "values"):
            return True
        if name in ("range", "trange"):  # counts: `range(len(classes))` needs no iterable (audit-11 M5)
            return all(_quiet_expr(a) for a in expr.args) and all(_quiet_expr(k.value) for k in expr.keywords)
        return name in _QUIET_ITERATORS and all(_quiet_iterable(a) for a in expr.args if not isinstance(a, ast.Starred))
    return _quiet_expr(expr)


def _named(expr: ast.expr) -> set[str]:
    """The last part of each name and attribute chain ``expr`` reads (``epochs`` of
    ``args.epochs``), not the functions it calls (``range``, ``len``)."""
    skipped = {id(node.func) for node in ast.walk(expr) if isinstance(node, ast.Call)}
    skipped |= {id(node.value) for node in ast.walk(expr) if isinstance(node, ast.Attribute)}
    found: set[str] = set()
    for node in ast.walk(expr):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Name):
            found.add(node.id)
    return found


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return [t for target in node.targets for t in ast.walk(target) if isinstance(t, ast.expr)]
    if isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.NamedExpr)):
        return [t for t in ast.walk(node.target) if isinstance(t, ast.expr)]
    if isinstance(node, ast.With):
        bound = [item.optional_vars for item in node.items if item.optional_vars is not None]
        return [t for target in bound for t in ast.walk(target) if isinstance(t, ast.expr)]
    return []


def _last_of_range(iterable: ast.expr, defaults: dict[str, Value]) -> int | None:
    """The last value of ``range(<numbers>)``, ``trange(...)`` or ``tqdm(range(...))``, or None."""
    if not isinstance(iterable, ast.Call):
        return None
    func, args = iterable.func, iterable.args
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name == "tqdm" and args:
        return _last_of_range(args[0], defaults)  # (its keywords are the bar's)
    if name not in ("range", "trange") or (name == "range" and iterable.keywords) or not 1 <= len(args) <= 3:
        return None
    numbers = [_evaluate(a, defaults) for a in args]
    if not all(type(n) is int for n in numbers):
        return None
    span = range(*numbers)  # type: ignore[arg-type]
    return span[-1] if len(span) else None


_OPERATORS: dict[type, Callable[[Value, Value], object]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


def _evaluate(expr: ast.expr, values: dict[str, Value]) -> Value | None:
    """The value of a test of whole numbers, strings and the names in ``values``, or None."""
    if isinstance(expr, ast.Constant):
        return constant(expr)
    if isinstance(expr, ast.Name):
        return values.get(expr.id)
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id not in ("self", "cls"):
        return values.get("." + expr.attr)  # `args.epochs`: an option's default
    if isinstance(expr, ast.UnaryOp):
        operand = _evaluate(expr.operand, values)
        if operand is None:
            return None
        if isinstance(expr.op, ast.Not):
            return not operand
        return -operand if isinstance(expr.op, ast.USub) and type(operand) is int else None
    if isinstance(expr, ast.BinOp):
        left, right, apply = _evaluate(expr.left, values), _evaluate(expr.right, values), _OPERATORS.get(type(expr.op))
        if isinstance(expr.op, ast.Mod) and right == 1 and type(right) is int:
            return 0  # `epoch % save_every` with a save every epoch: whatever the epoch
        if type(left) is not int or type(right) is not int or apply is None:
            return None  # (numbers only: no string formatting or repetition)
        if not right and isinstance(expr.op, (ast.Mod, ast.FloorDiv)):
            return None
        result = apply(left, right)
        return result if type(result) is int else None
    if isinstance(expr, ast.Compare):
        left = _evaluate(expr.left, values)
        for op, comparator in zip(expr.ops, expr.comparators):
            right, apply = _evaluate(comparator, values), _OPERATORS.get(type(op))
            if left is None or right is None or apply is None or (type(left) is str) != (type(right) is str):
                return None
            if not apply(left, right):
                return False
            left = right
        return True
    if isinstance(expr, ast.BoolOp):
        results = [_evaluate(v, values) for v in expr.values]
        if any(r is None for r in results):
            return None
        return all(results) if isinstance(expr.op, ast.And) else any(results)
    return None
