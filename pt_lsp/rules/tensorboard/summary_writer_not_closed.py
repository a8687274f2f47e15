"""PTL501 summary-writer-not-closed: a TensorBoard `SummaryWriter` that is never closed."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Pos
from pt_lsp.core.edits import indentation, newline_of, statement_of
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.flow.values import Step
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.tensorboard._program_end import ProgramEnd

# torch's writer only. tensorboardX (since 2.1, 2020) registers an `atexit` handler that closes
# each of its writers, so nothing queued is lost at exit (checked on 2.6.5): not reported.
WRITERS = {
    "torch.utils.tensorboard.SummaryWriter",
    "torch.utils.tensorboard.writer.SummaryWriter",
}
# Calls on the writer that end its life: after them no event is left in its queue.
CLOSING = {"close", "flush", "__exit__"}
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)
_EXITS = (ast.Return, ast.Yield, ast.YieldFrom, ast.Raise, ast.Global, ast.Nonlocal)


class SummaryWriterNotClosed(Rule):
    """
    ## What it does
    Flags a TensorBoard `SummaryWriter` of `torch.utils.tensorboard` that is assigned to a
    variable or attribute, never closed, and open when the program can end right after one of
    its events: no `writer.close()`, no `writer.flush()`, no `with SummaryWriter(...) as writer:`,
    the writer is not handed to other code (returned, passed on) that could close it, and
    between an event and the end of the program only quiet statements run (prints, plain
    assignments, definitions, a learning-rate scheduler's `step()` or `get_last_lr()`, a clock
    read, an append to a list, a module's mode switch (`generator.train()`, `model.eval()`), a
    method of a class of this file that runs only such statements: `env.close()`; a loop over
    `range(len(classes))` ends with no work after its last pass) on some path the program can
    take. An event under a test of options' flags (`if opt.use_tb:`) counts on the runs that set
    them, whatever their defaults. Work under an `if` whose test may go the other way does not
    count on that path: a save under `if epoch % save_freq == 0:` or `if val_loss < best:` is
    skipped on the last pass whenever the test is false. A test is taken as settled where it is
    constant, where it is a count of a loop over `range` of known numbers or of options' defaults
    (`parser.add_argument("--epochs", type=int, default=200)`) on its last pass, and the work
    counts where the test names the loop's bound or last pass (`or epoch == epochs - 1`) or a
    rank. The end of the program is the end of the module, or the end of a function that a call of this file
    ends the program with (`main()` under
    `if __name__ == "__main__":`, a method by its name, a constructor by its class). A function of
    this file that only logs with the writer does not close it, and neither does a test
    `if self.writer is None:` (a writer created lazily). A writer imported in `try:` with a
    fallback of the same name under `except ImportError:` (`SummaryWriter = None`, a stub
    function) is torch's wherever tensorboard is installed, and counts.

    Not flagged: a writer nothing reads after its creation (no event is ever queued: the
    constructor writes the file's header itself); a writer whose last event is followed by work
    on every path (a checkpoint save, an evaluation, more training), or whose function no code of
    this file calls; notebooks (the
    kernel lives on after a cell); `tensorboardX`'s writers (since tensorboardX 2.1 each writer is
    closed by an `atexit` handler, so its last events reach the file).

    ## Why is this bad?
    `add_scalar` and friends only put the event in a queue; a daemon thread writes the queue to
    the event file. When the program ends, the interpreter stops that thread wherever it is:
    what is still queued is lost (in a measurement, 89 to 100 of 100 scalars written just before
    the end reached the event file without `close()`, all 100 with it; a training program ending
    on four 384x384 images lost its last 2 or 3 of 30 events in 5 of 5 runs, while programs ending
    on a few scalars lost none in the audits' runs). What is lost depends on how much is still
    queued: the final, most interesting points of the curve, varying from run to run.
    The thread drains its queue within milliseconds once it gets the interpreter, so where the
    program goes on working after the last event (I/O, torch kernels, a checkpoint save) nothing
    is lost; closing is still good practice there, but not reported. A few lines of Python (a
    print, a scheduler's step) give the thread no turn: the event is still queued after them.

    ## Example
    ```python
    writer = SummaryWriter("runs/exp1")
    for step in range(steps):
        writer.add_scalar("loss", train_step(), step)
    ```

    ## Use instead
    ```python
    with SummaryWriter("runs/exp1") as writer:
        for step in range(steps):
            writer.add_scalar("loss", train_step(), step)
    ```
    or `writer.close()` after the last event.

    ## Fix safety
    The fix appends `writer.close()` after the last statement of the function (or module) that
    creates the writer; it is safe where the writer is a local name assigned in that body
    itself, the body has no `return`, `yield` or `raise` that would skip the call, and no nested
    function uses the writer. Elsewhere (an attribute, a module-level writer that functions
    log to) the fix is display-only: where to close is a design decision.

    ## References
    - [torch.utils.tensorboard](https://pytorch.org/docs/stable/tensorboard.html)
    - [SummaryWriter.close](https://pytorch.org/docs/stable/tensorboard.html#torch.utils.tensorboard.writer.SummaryWriter.close)
    """

    code = "PTL501"
    name = "summary-writer-not-closed"
    summary = "a TensorBoard `SummaryWriter` never closed or flushed: events still queued at exit may be lost"
    severity = Severity.WARNING

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if "SummaryWriter" not in ctx.doc.text:
            return
        end = ProgramEnd(ctx)
        fallbacks = _fallback_handlers(ctx)
        for call in ctx.index.of(ast.Call):
            if ctx.qualname(call.func) not in WRITERS and not _imported_writer(ctx, call, fallbacks):
                continue
            assign = ctx.parent(call)
            if not (isinstance(assign, (ast.Assign, ast.AnnAssign)) and assign.value is call):
                continue  # a `with` item, an argument, a return value: someone else owns it
            targets = assign.targets if isinstance(assign, ast.Assign) else [assign.target]
            if len(targets) != 1:
                continue
            target = targets[0]
            shown = ctx.doc.slice(ctx.doc.node_span(target))
            steps = [Step(target, f"`{shown}` created here")]
            if isinstance(target, ast.Name):
                if self.name_handled(ctx, assign, target.id):
                    continue
                events = self.name_events(ctx, assign, target.id)
                fix = self.close_fix(ctx, assign, target.id)
                steps += self.exits(ctx, assign, shown)
            elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                if self.attribute_handled(ctx, target.attr):
                    continue
                events = self.attribute_events(ctx, assign, target.attr)
                fix = self.display_fix(ctx, assign, f"{target.value.id}.{target.attr}")
            else:
                continue
            if len(events) == 1:
                continue  # never read: nothing but the file's header is written, and nothing of it lost
            # Open at exit loses only what is still queued: report where the program can end right
            # after an event, with nothing but quiet statements in between (see _program_end).
            ending = next(((event, last) for event in events if (last := end.ends_after(event)) is not None), None)
            if ending is None:
                continue
            event, last = ending
            if event is not assign:
                steps.append(Step(event, f"an event is written to `{shown}` here"))
            for test, value in end.assumed:  # an option's default skips the event: runs that set it write it
                steps.append(Step(test, f"on a run where this test is {value}, against the options' defaults"))
            if end.skipped:  # work on another path after the event does not save the queue on this one
                test, value = end.skipped[0]
                steps.append(Step(test, f"when this test is {value}, the work under it is skipped"))
            steps.append(Step(last, f"the program can end right after this, with `{shown}` still open"))
            yield self.report(
                ctx,
                call,
                f"`{shown}` is never closed and the program can end right after its last event: events still "
                f"queued then are lost; " + self.advice(shown),
                fixes=[fix] if fix else [],
                related=evidence_path(ctx, steps),
            )

    # -- where events are written ---------------------------------------------------------------------
    def name_events(self, ctx: FileContext, assign: ast.Assign | ast.AnnAssign, name: str) -> list[ast.stmt]:
        """The creation and every statement that reads the writer's name, in its scope and, for a
        module-level writer, in the functions that log to it; the last ones first. Where the
        writer is handed to a function of this file, the events are that function's uses of its
        parameter, not the call: the function may work on after its last event (a checkpoint save)."""
        scope = self._scope(ctx, assign)
        statements: dict[int, ast.stmt] = {id(assign): assign}
        root: ast.AST = ctx.tree if isinstance(scope, ast.Module) or scope is None else scope
        work: list[tuple[ast.AST, str, int]] = [(root, name, 0)]
        seen: set[tuple[int, str]] = set()
        while work:
            root, current, depth = work.pop()
            if (id(root), current) in seen:
                continue
            seen.add((id(root), current))
            for node in ast.walk(root):
                if not (isinstance(node, ast.Name) and node.id == current and isinstance(node.ctx, ast.Load)):
                    continue
                receiver = _receiving_parameter(ctx, node) if depth < 2 else None
                if receiver is not None:
                    work.append((*receiver, depth + 1))
                    continue
                statement = statement_of(ctx, node)
                if statement is not None:
                    statements.setdefault(id(statement), statement)
        return sorted(statements.values(), key=lambda s: (s.lineno, s.col_offset), reverse=True)

    @staticmethod
    def attribute_events(ctx: FileContext, assign: ast.Assign | ast.AnnAssign, attr: str) -> list[ast.stmt]:
        """The creation and every statement that reads ``<x>.<attr>`` in the file, the last ones first."""
        statements: dict[int, ast.stmt] = {id(assign): assign}
        for node in ctx.index.of(ast.Attribute):
            if isinstance(node, ast.Attribute) and node.attr == attr and isinstance(node.ctx, ast.Load):
                statement = statement_of(ctx, node)
                if statement is not None:
                    statements.setdefault(id(statement), statement)
        return sorted(statements.values(), key=lambda s: (s.lineno, s.col_offset), reverse=True)

    @staticmethod
    def advice(shown: str) -> str:
        # A `with` block fits a writer bound to a name; one kept in an attribute (`config.tb_logger`)
        # outlives the statement that makes it, so only `close()` fits (audit-4, M4).
        if "." in shown:
            return f"call `{shown}.close()` when the run ends"
        return f"use `with SummaryWriter(...) as {shown}:` or call `{shown}.close()`"

    # -- evidence path --------------------------------------------------------------------------------
    def exits(self, ctx: FileContext, assign: ast.Assign | ast.AnnAssign, shown: str) -> list[Step]:
        """Where the scope that holds the writer is left with the writer open: its `return` and
        `raise` statements after the creation, and its end."""
        scope = self._scope(ctx, assign)
        if not isinstance(scope, _SCOPES):
            return []
        after = (assign.lineno, assign.col_offset)
        steps = [
            Step(node, f"`{shown}` is still open when the function returns here")
            for node in own_nodes(scope)
            if isinstance(node, ast.Return) and (node.lineno, node.col_offset) > after
        ]
        steps += [
            Step(node, f"`{shown}` is left open if this raises")
            for node in own_nodes(scope)
            if isinstance(node, ast.Raise) and (node.lineno, node.col_offset) > after
        ]
        last = scope.body[-1]
        # (not when the creation itself is inside that last statement: `if __name__ == "__main__":`)
        if not isinstance(last, (ast.Return, ast.Raise)) and (last.lineno, last.col_offset) > after:
            where = "the program ends" if isinstance(scope, ast.Module) else "the function ends"
            steps.append(Step(last, f"{where} after this statement without closing `{shown}`"))
        return steps

    # -- evidence that the writer is closed or owned elsewhere ---------------------------------------
    @staticmethod
    def _scope(ctx: FileContext, node: ast.AST) -> ast.AST | None:
        current = ctx.parent(node)
        while current is not None and not isinstance(current, _SCOPES + (ast.ClassDef, ast.Lambda)):
            current = ctx.parent(current)
        return current

    def name_handled(self, ctx: FileContext, assign: ast.Assign | ast.AnnAssign, name: str) -> bool:
        scope = self._scope(ctx, assign)
        if not isinstance(scope, _SCOPES):
            return True  # a class body or a lambda: not followed
        for node in ast.walk(scope):
            if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
                return True
            if (
                isinstance(node, ast.Name)
                and node.id == name
                and isinstance(node.ctx, ast.Load)
                and not self._plain_use(ctx, node)
            ):
                return True
        return False

    def _plain_use(self, ctx: FileContext, node: ast.AST, depth: int = 0) -> bool:
        """``writer.add_scalar(...)``, ``writer is None``, ``log(writer, ...)`` of a function
        that only logs with it: a use that neither closes the writer nor hands it on."""
        parent = ctx.parent(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return parent.attr not in CLOSING
        if _none_test(parent, node):
            return True
        if isinstance(parent, ast.keyword) or (isinstance(parent, ast.Call) and any(a is node for a in parent.args)):
            return self._only_logs(ctx, node, depth)
        return False

    def _only_logs(self, ctx: FileContext, node: ast.AST, depth: int) -> bool:
        """``node`` is handed to a function of this file (one of the name) whose parameter receiving
        the writer is only used to log (and handed on to such functions only)."""
        receiver = _receiving_parameter(ctx, node) if depth < 2 else None
        if receiver is None:
            return False
        function, param = receiver
        for use in ast.walk(function):
            if isinstance(use, (ast.Global, ast.Nonlocal)) and param in use.names:
                return False
            if isinstance(use, ast.Name) and use.id == param:
                if not isinstance(use.ctx, ast.Load) or not self._plain_use(ctx, use, depth + 1):
                    return False
        return True

    @staticmethod
    def attribute_handled(ctx: FileContext, attr: str) -> bool:
        """Any ``<x>.<attr>.close()``/``.flush()``, or ``<x>.<attr>`` handed on, in the file."""
        for node in ctx.index.of(ast.Attribute):
            if node.attr != attr or not isinstance(node.ctx, ast.Load):
                continue
            parent = ctx.parent(node)
            if isinstance(parent, ast.Attribute) and parent.value is node:
                if parent.attr in CLOSING:
                    return True
                continue
            if _none_test(parent, node):
                continue  # `if self.writer is None:` (a lazily created writer)
            return True  # returned, passed on, aliased, used in `with`: not followed
        return False

    # -- fixes ----------------------------------------------------------------------------------------
    def close_fix(self, ctx: FileContext, assign: ast.Assign | ast.AnnAssign, name: str) -> Fix | None:
        scope = self._scope(ctx, assign)
        if not isinstance(scope, _SCOPES):  # (never: name_handled passes over other scopes)
            return self.display_fix(ctx, assign, name)
        body = scope.body
        if not any(s is assign for s in body):
            return self.display_fix(ctx, assign, name)
        for node in ast.walk(scope):
            if isinstance(node, _EXITS) or (
                node is not scope
                and isinstance(node, (*_FUNCTIONS, ast.Lambda))
                and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))
            ):
                return self.display_fix(ctx, assign, name)
        last = body[-1]
        end_line = last.end_lineno or last.lineno
        line = ctx.doc.line_text(end_line)
        if line.rstrip().endswith("\\"):
            return None
        text = f"{newline_of(ctx)}{indentation(ctx, assign)}{name}.close()"
        return Fix(
            f"Call `{name}.close()` at the end", (Edit.insert(Pos(end_line, len(line)), text),), Applicability.SAFE
        )

    @staticmethod
    def display_fix(ctx: FileContext, assign: ast.Assign | ast.AnnAssign, shown: str) -> Fix:
        # Shown in the editor, never applied: the call goes after the writer's last event.
        span = ctx.doc.node_span(assign)
        line = ctx.doc.line_text(span.end.line)
        text = (
            f"{newline_of(ctx)}{indentation(ctx, assign)}# ... log events ...{newline_of(ctx)}"
            f"{indentation(ctx, assign)}{shown}.close()"
        )
        return Fix(
            f"Call `{shown}.close()` after the last event",
            (Edit.insert(Pos(span.end.line, len(line)), text),),
            Applicability.DISPLAY_ONLY,
        )


# `except ImportError:` and the handlers that also catch it
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _fallback_handlers(ctx: FileContext) -> dict[str, list[ast.ExceptHandler]]:
    """``try: from torch.utils.tensorboard import SummaryWriter`` / ``except ImportError:`` with a
    fallback bound to the same name (``SummaryWriter = None``, a stub ``def``, tensorboardX's
    writer): each name, with the handlers that bind its fallback. Where tensorboard is installed,
    the import succeeds and the name is torch's writer (audit-7 M1, yolov5's loggers)."""
    found: dict[str, list[ast.ExceptHandler]] = {}
    for node in ctx.index.of(ast.Try):
        if not isinstance(node, ast.Try):
            continue
        imported = {
            alias.asname or alias.name
            for statement in node.body
            if isinstance(statement, ast.ImportFrom) and statement.level == 0
            for alias in statement.names
            if f"{statement.module}.{alias.name}" in WRITERS
        }
        for handler in node.handlers:
            caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            if any(t is None or (isinstance(t, ast.Name) and t.id in _IMPORT_ERRORS) for t in caught):
                for name in imported:
                    found.setdefault(name, []).append(handler)
    return found


def _imported_writer(ctx: FileContext, call: ast.Call, fallbacks: dict[str, list[ast.ExceptHandler]]) -> bool:
    """``SummaryWriter(...)`` whose name is bound last by the fallback of such a ``try``: torch's
    writer whenever the import succeeded."""
    func = call.func
    if not isinstance(func, ast.Name) or func.id not in fallbacks:
        return False
    binding = ctx.names.binding(func.id, call)
    if binding is None:
        return False
    line = binding.pos[0]
    return any(h.lineno <= line <= (h.end_lineno or h.lineno) for h in fallbacks[func.id])


def _receiving_parameter(ctx: FileContext, node: ast.AST) -> tuple[ast.AST, str] | None:
    """``f(writer)`` / ``f(w=writer)`` of the one function ``f`` of this file: ``f`` and the
    parameter that receives the writer."""
    parent = ctx.parent(node)
    keyword = parent.arg if isinstance(parent, ast.keyword) else None
    call = ctx.parent(parent) if isinstance(parent, ast.keyword) else parent
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        return None
    if any(isinstance(a, ast.Starred) for a in call.args):
        return None
    defs = [f for f in ctx.index.of(*_FUNCTIONS) if isinstance(f, _FUNCTIONS) and f.name == call.func.id]
    if len(defs) != 1:
        return None
    arguments = defs[0].args
    positional = [a.arg for a in (*arguments.posonlyargs, *arguments.args)]
    if keyword is not None:
        names = positional + [a.arg for a in arguments.kwonlyargs]
        return (defs[0], keyword) if keyword in names else None
    index = next((i for i, a in enumerate(call.args) if a is node), None)
    if index is None or index >= len(positional):
        return None
    return defs[0], positional[index]


def _none_test(parent: ast.AST | None, node: ast.AST) -> bool:
    """``x is None``, ``x is not None``, ``if x:``, ``not x``: a test of whether ``node`` exists."""
    if isinstance(parent, ast.Compare):
        return (
            all(isinstance(op, (ast.Is, ast.IsNot)) for op in parent.ops)
            and len(parent.comparators) == 1
            and any(
                isinstance(other, ast.Constant) and other.value is None
                for other in (parent.left, parent.comparators[0])
                if other is not node
            )
        )
    if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
        return True
    return isinstance(parent, (ast.If, ast.While, ast.IfExp)) and parent.test is node
