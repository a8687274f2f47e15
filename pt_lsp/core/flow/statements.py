"""Statements: sequencing, branches joined, loops run twice, grad-mode blocks."""

from __future__ import annotations

import ast

from .. import vocabulary as api
from ..walk import attr_path, subtree
from .base import Analysis
from .evaluator import narrow
from .state import LoopFrame, State, join_states
from .values import OTHER, Grade, GraphNode, Kind, Value

MAX_LOOP_NESTING = 3  # deeper loops run once: 2**depth passes would cost too much


class StatementsMixin(Analysis):
    def exec_block(self, body: list[ast.stmt], state: State | None) -> State | None:
        """Run ``body`` from ``state``; None means control never reaches the end."""
        check = self.ctx.budget.check  # a pathological file stops here, not the editor
        for stmt in body:
            if state is None:
                return None
            check()
            state = self.exec_stmt(stmt, state)
        return state

    def exec_stmt(self, stmt: ast.stmt, state: State) -> State | None:
        method = getattr(self, "exec_" + type(stmt).__name__, None)
        if method is None:
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self.eval(child, state)
            return state
        result: State | None = method(stmt, state)
        return result

    # -- simple statements --------------------------------------------------------------------
    def exec_Expr(self, stmt: ast.Expr, state: State) -> State:
        self.eval(stmt.value, state)
        return state

    def exec_Assign(self, stmt: ast.Assign, state: State) -> State:
        value = self.eval(stmt.value, state)
        for target in stmt.targets:
            self.bind(target, value, state)
        return state

    def exec_AnnAssign(self, stmt: ast.AnnAssign, state: State) -> State:
        if stmt.value is not None:
            self.bind(stmt.target, self.eval(stmt.value, state), state)
        return state

    def exec_AugAssign(self, stmt: ast.AugAssign, state: State) -> State:
        current = self.eval(stmt.target if not isinstance(stmt.target, ast.Name) else stmt.target, state)
        value = self.eval(stmt.value, state)
        if current.kind is Kind.SEQ:
            result = current.with_(
                items=None, elem=current.iter_elem().join(value.iter_elem()), history=current.history | value.history
            )
        elif Kind.TENSOR in (current.kind, value.kind) or current.history or value.history:
            result = self.derived(stmt, state, [current, value])
        else:
            result = current.join(value) if current.kind is value.kind else OTHER
        if isinstance(stmt.target, (ast.Name, ast.Attribute)):
            self.bind(stmt.target, result, state)
        return state

    def exec_Return(self, stmt: ast.Return, state: State) -> None:
        value = self.eval(stmt.value, state) if stmt.value is not None else OTHER
        if self.frames:
            self.frames[-1].returns.append(value)
        return None

    def exec_Raise(self, stmt: ast.Raise, state: State) -> None:
        if stmt.exc is not None:
            self.eval(stmt.exc, state)
        return None

    def exec_Break(self, stmt: ast.Break, state: State) -> None:
        if self.loops:
            self.loops[-1].breaks.append(state)
        return None

    def exec_Continue(self, stmt: ast.Continue, state: State) -> None:
        if self.loops:
            self.loops[-1].continues.append(state)
        return None

    def exec_Pass(self, stmt: ast.stmt, state: State) -> State:
        return state

    exec_Global = exec_Nonlocal = exec_Pass

    def exec_Import(self, stmt: ast.Import | ast.ImportFrom, state: State) -> State:
        for alias in stmt.names:
            name = alias.asname or alias.name.split(".")[0]
            state.env.pop(name, None)  # resolved through the name table from here on
        return state

    exec_ImportFrom = exec_Import

    def exec_Delete(self, stmt: ast.Delete, state: State) -> State:
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                state.env.pop(target.id, None)
            elif isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Slice):
                path = attr_path(target.value)
                if path is not None:  # `del saved_log_probs[:]` empties the list
                    state.env[path] = Value(kind=Kind.SEQ)
        return state

    def exec_FunctionDef(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, state: State) -> State:
        for decorator in stmt.decorator_list:
            self.eval(decorator, state)
        self.define(stmt, state)
        return state

    exec_AsyncFunctionDef = exec_ClassDef = exec_FunctionDef

    # -- branches -------------------------------------------------------------------------------
    def exec_If(self, stmt: ast.If, state: State) -> State | None:
        flag = self.eval(stmt.test, state).cuda_flag
        body, orelse = state.copy(), state.copy()
        narrow(body, flag)
        narrow(orelse, None if flag is None else not flag)
        body.under, orelse.under = (stmt.test, True), (stmt.test, False)
        taken = self.exec_block(stmt.body, body)
        skipped = self.exec_block(stmt.orelse, orelse)
        after = join_states([taken, skipped])
        if after is not None:
            after.under = state.under
        return after

    def exec_Try(self, stmt: ast.Try, state: State) -> State | None:
        body_end = self.exec_block(stmt.body, state.copy())
        handler_entry = state.join(body_end) if body_end is not None else state.copy()
        ends = [self.exec_block(stmt.orelse, body_end.copy()) if body_end is not None else None]
        for handler in stmt.handlers:
            entry = handler_entry.copy()
            if handler.name:
                entry.env[handler.name] = OTHER
            ends.append(self.exec_block(handler.body, entry))
        final = join_states(ends)
        if stmt.finalbody:
            return self.exec_block(stmt.finalbody, final if final is not None else handler_entry.copy())
        return final

    exec_TryStar = exec_Try

    def exec_Match(self, stmt: ast.Match, state: State) -> State | None:
        self.eval(stmt.subject, state)
        ends = [self.exec_block(case.body, state.copy()) for case in stmt.cases]
        return join_states([*ends, state])

    def exec_With(self, stmt: ast.With | ast.AsyncWith, state: State) -> State | None:
        outer_mode = state.grad_enabled
        for item in stmt.items:
            mode = self.grad_mode(item.context_expr)
            value = self.eval(item.context_expr, state)
            if mode is not None:
                state.grad_enabled = mode
            if item.optional_vars is not None:
                self.bind(item.optional_vars, value if value.kind is Kind.TENSOR else OTHER, state)
        end = self.exec_block(stmt.body, state)
        if end is not None:
            end.grad_enabled = outer_mode
        return end

    exec_AsyncWith = exec_With

    def grad_mode(self, expr: ast.expr) -> bool | None:
        """True/False when ``expr`` is a grad-mode context manager, None otherwise."""
        func = expr.func if isinstance(expr, ast.Call) else expr
        qualname = self.ctx.names.qualname(func)
        if qualname in api.GRAD_MODE_OFF:
            if isinstance(expr, ast.Call) and expr.args and isinstance(expr.args[0], ast.Constant):
                return not bool(expr.args[0].value) if qualname == "torch.inference_mode" else False
            return False
        if qualname in api.GRAD_MODE_ON:
            return True
        if qualname == api.GRAD_MODE_SET and isinstance(expr, ast.Call) and expr.args:
            flag = expr.args[0]
            if isinstance(flag, ast.Constant) and isinstance(flag.value, bool):
                return flag.value
        return None

    # -- loops ------------------------------------------------------------------------------------
    def exec_For(self, stmt: ast.For | ast.AsyncFor | ast.While, state: State) -> State | None:
        iterated = self.eval(stmt.iter, state) if not isinstance(stmt, ast.While) else None
        known = self.live_in_cache.get(id(stmt))
        if known is None:
            known = self.live_in_cache[id(stmt)] = live_in(stmt.body)
        frame = LoopFrame(stmt, start_uid=self.uid, live_in=known)
        self.loops.append(frame)
        passes = 2 if len(self.loops) <= MAX_LOOP_NESTING else 1
        head, ends = state.copy(), []
        for _ in range(passes):
            frame.pass_start_uid = self.uid
            frame.head = head
            body_state = head.copy()
            if isinstance(stmt, ast.While):
                self.eval(stmt.test, body_state)
            else:
                assert iterated is not None and not isinstance(stmt, ast.While)
                self.bind(stmt.target, self.loop_element(iterated, stmt, frame), body_state)
            end = join_states([self.exec_block(stmt.body, body_state), *frame.continues])
            frame.continues = []
            if end is None:
                break
            ends.append(end)
            head = end  # the next pass sees what this iteration handed on
        self.loops.pop()
        after = join_states([state, *ends])
        if stmt.orelse and after is not None:
            after = self.exec_block(stmt.orelse, after)
        return join_states([after, *frame.breaks])

    exec_AsyncFor = exec_While = exec_For

    def loop_element(self, iterated: Value, stmt: ast.For | ast.AsyncFor, frame: LoopFrame) -> Value:
        """The loop target's value in one pass. Iterating a list built before the loop gives a
        different element each pass: the elements' graphs (one per stored output, as in
        REINFORCE's saved log-probabilities) are not one graph freed by the first iteration, so
        each pass gets a node of its own, graded UNKNOWN (sharing between elements is unproven).
        Iterating a tensor yields rows of one graph: kept as is."""
        element = iterated.iter_elem()
        if iterated.kind is not Kind.SEQ or not element.history:
            return element
        if any(node.uid > frame.start_uid for node in element.history):
            return element
        # Inside another loop, only elements made in its current pass: a list never cleared
        # hands the graphs an earlier pass freed to this one (REINFORCE's saved log-probs).
        outer = self.loops[-2] if len(self.loops) > 1 else None
        if outer is not None and any(node.uid <= outer.pass_start_uid for node in element.history):
            return element
        return renamed(element, self.fresh(stmt.target, Grade.UNKNOWN))


def renamed(value: Value, node: GraphNode) -> Value:
    """``value`` (and its items) with its graph replaced by ``node``."""
    items = tuple(renamed(item, node) if item.history else item for item in value.items) if value.items else value.items
    return value.with_(history=frozenset({node}), items=items)


def live_in(body: list[ast.stmt]) -> frozenset[str]:
    """Names (and ``obj.attr`` paths) a loop body reads before it assigns them: the state one
    iteration hands to the next."""
    assigned: set[str] = set()
    read: set[str] = set()
    for stmt in body:
        loads, stores = set(), set()
        for node in subtree(stmt):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(node, (ast.Name, ast.Attribute)):
                path = attr_path(node)
                if path is None:
                    continue
                if isinstance(node.ctx, ast.Load):
                    loads.add(path)
                elif isinstance(node.ctx, ast.Store):
                    stores.add(path)
        read |= loads - assigned
        assigned |= stores
    return frozenset(read)
