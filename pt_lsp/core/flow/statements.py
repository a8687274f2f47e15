"""Statements: the transfer function of each kind of statement; branches joined, loops run to a
fixed point."""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..walk import attr_path
from .backwarded import backwarded_names
from .conditions import chosen_devices, chosen_return, grad_paths, narrow_grad, narrow_none, none_paths, warm_up_guard
from .correlated import Correlations, correlations, record_sides, restore_sides
from .counters import counter_truth
from .cuda_flags import narrow
from .evaluator import Expressions
from .exhaustive import exhaustive_last
from .fixpoint import EXTRA_PASS_BUDGET, MAX_PASSES, exit_facts, head_join, settled
from .grad_modes import grad_mode
from .graph import GraphNodes
from .invariant import Resets, loop_resets
from .items import carries_graph
from .loop_effects import (
    comprehension_detaching,
    detached,
    fetched,
    frozen_after,
    live_in,
    loop_detaching,
    running_totals,
    shared_nodes,
)
from .pass_entries import iterated_lists
from .qualified import PIL_IMAGE
from .registered_names import registered
from .requires_grad_flags import flagged
from .splits import Split, run_split, split_ranges
from .state import LoopFrame, Stack, State, join_states
from .trips import (
    ModuleInts,
    endless,
    module_int_constants,
    over_range,
    range_start,
    runs_at_least_once,
    runs_once,
    same_count_each_pass,
)
from .values import INT, OTHER, UNKNOWN, Kind, Value

if TYPE_CHECKING:
    from ..context import FileContext
    from .scope import Scope

UNSEEN = (None, "torch.nn.Module")  # module qualnames whose forward the analysis cannot read
MAX_LOOP_NESTING = 3  # deeper loops run once: 2**depth passes would cost too much

Transfer = Callable[[Any, State], "State | None"]


class Statements:
    """Runs statements from a ``State`` to the state after them (None: control never gets
    there). Branches run from copies and join where they meet; a loop body runs until the state
    at its head settles (fixpoint.py), so what one iteration leaves to the next is seen."""

    def __init__(
        self, ctx: FileContext, expressions: Expressions, graph: GraphNodes, stack: Stack, scope: Scope
    ) -> None:
        self.ctx = ctx
        self._module_ints: ModuleInts | None = None
        self.expressions = expressions
        self.eval = expressions.eval
        self.bind = expressions.bind
        self.graph = graph
        self.stack = stack
        self.scope = scope
        self.live_in_cache: dict[int, frozenset[str]] = {}
        self.same_count_cache: dict[tuple[int, int], bool] = {}
        self.resets_cache: dict[int, Resets] = {}  # id(loop) -> its invariant chains' resets
        self.exhaustive_cache: dict[int, bool] = {}  # id(if) -> the last link of an exhaustive chain
        self.later_passes: set[int] = set()  # id(loop frame) of loops running a pass after their first
        self.counters_cache: dict[int, tuple[int, int] | None] = {}  # id(loop) -> its counter's bounds
        self.grows_cache: dict[str, bool] = {}  # container path -> whether the file only grows it
        self.cuda_tests: set[int] = set()  # id(test) of the ifs on a CUDA flag (conditions.chosen_return)
        self.correlated: Correlations | None = None  # ifs repeating an earlier sibling's test
        self.splits: dict[int, Split] | None = None  # flags tested twice: run once per side (splits.py)
        # The backward records (Autograd's list, set by the interpreter): a loop keeps those of
        # its stable pass. Loops whose head did not settle within the cap (imprecise).
        self.records: list[Any] = []
        self.unsettled: list[ast.AST] = []
        self.extra_passes: dict[int, int] = {}  # id(analysed function) -> extra passes left
        self.transfer: dict[type[ast.AST], Transfer] = {
            ast.Expr: self.exec_expr,
            ast.Assign: self.exec_assign,
            ast.AnnAssign: self.exec_ann_assign,
            ast.AugAssign: self.exec_aug_assign,
            ast.Return: self.exec_return,
            ast.Raise: self.exec_raise,
            ast.Break: self.exec_break,
            ast.Continue: self.exec_continue,
            ast.Pass: self.exec_pass,
            ast.Global: self.exec_pass,
            ast.Nonlocal: self.exec_pass,
            ast.Import: self.exec_import,
            ast.ImportFrom: self.exec_import,
            ast.Delete: self.exec_delete,
            ast.FunctionDef: self.exec_definition,
            ast.AsyncFunctionDef: self.exec_definition,
            ast.ClassDef: self.exec_definition,
            ast.If: self.exec_if,
            ast.Try: self.exec_try,
            ast.Match: self.exec_match,
            ast.With: self.exec_with,
            ast.AsyncWith: self.exec_with,
            ast.For: self.exec_loop,
            ast.AsyncFor: self.exec_loop,
            ast.While: self.exec_loop,
        }
        if sys.version_info >= (3, 11):
            self.transfer[ast.TryStar] = self.exec_try

    def exec_block(self, body: list[ast.stmt], state: State | None) -> State | None:
        """Run ``body`` from ``state``; None means control never reaches the end."""
        check = self.ctx.budget.check  # a pathological file stops here, not the editor
        splits = self.splits
        if splits is None:
            splits = self.splits = split_ranges(self.ctx.tree, self.ctx.index, self.ctx.doc.text)
        skip = 0
        for position, stmt in enumerate(body):
            if skip:
                skip -= 1  # run by the split below
                continue
            if state is None:
                return None
            check()
            split = splits.get(id(stmt)) if splits else None
            if split is not None and not self.expressions.decided:  # a flag tested again below
                state, skip = run_split(split, body[position : position + split.length], state, self), split.length - 1
                continue
            state = self.exec_stmt(stmt, state)
        return state

    def exec_stmt(self, stmt: ast.stmt, state: State) -> State | None:
        transfer = self.transfer.get(type(stmt))
        if transfer is None:
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self.eval(child, state)
            return state
        return transfer(stmt, state)

    # -- simple statements --------------------------------------------------------------------
    def exec_expr(self, stmt: ast.Expr, state: State) -> State:
        named = registered(stmt.value)  # self.add_module("features", nn.Conv2d(...))
        if named is not None:
            state.forget_items(named[0])
            state.env[named[0]] = self.eval(named[1], state)
            return state
        self.eval(stmt.value, state)
        path = comprehension_detaching(stmt.value)  # [s.detach_() for s in state]
        if path is not None and path in state.env:
            state.env[path] = detached(state.env[path])
        return state

    def exec_assign(self, stmt: ast.Assign, state: State) -> State:
        value = self.eval(stmt.value, state)
        call = self.forward_call(stmt, value) if value.kind is Kind.TENSOR and value.requires_grad else None
        if call is not None and self.unpacks_unseen_forward(stmt, call, state):
            # A tuple from a forward out of view: its first item is the model's output; whether the
            # others depend on the parameters is unknown (a tagger hands back its integer tags
            # re-ordered, its lengths; audit-4 F3).
            target = stmt.targets[0]
            elts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
            # Nor is it known that the items share the forward's own nodes (two heads of one
            # input): each gets a node of its own, on top of the graph of the inputs (audit-6 G1)
            own = [node for node in value.history if node.site is call]
            inputs = value.history.difference(own)
            rest = [value.with_(requires_grad=None)] * (len(elts) - 1)
            if own:
                heads = [self.graph.fresh(elt, own[0].evidence) for elt in elts[1:]]
                self.graph.heads[own[0].uid] = tuple(heads)
                # each head still saved the module's parameters (an optimizer step changes them)
                owners = self.graph.parameter_nodes.get(own[0].uid)
                if owners is not None:
                    self.graph.parameter_nodes.update((head.uid, owners) for head in heads)
                rest = [value.with_(requires_grad=None, history=inputs | {head}) for head in heads]
            # A forward in view that the analysis could not read (`self.list_mod[t](...)`): no item
            # is proven to be its output (audit-9 G3: the first is `.data` of an argmax there)
            first = value
            if self.unread_forward(call, state) or self.another_item_backwarded(elts):
                first = value.with_(requires_grad=None)
            value = value.with_(kind=Kind.SEQ, items=(first, *rest))
        for target in stmt.targets:
            self.bind(target, value, state)
        flag = stmt.targets[0]
        if isinstance(flag, ast.Attribute) and flag.attr == "requires_grad" and isinstance(stmt.value, ast.Constant):
            flagged(flag.value, stmt.value.value, state)
        return state

    @staticmethod
    def forward_call(stmt: ast.Assign, value: Value) -> ast.Call | None:
        """The call whose output ``a, b = ...`` unpacks: ``model(x)`` itself, or the call that
        made the latest node of a name's value (``pred = model(x); a, b = pred``; audit-18 G1)."""
        if isinstance(stmt.value, ast.Call):
            return stmt.value
        if not isinstance(stmt.value, (ast.Name, ast.Attribute)) or not value.history:
            return None
        site = max(value.history, key=lambda node: node.uid).site
        return site if isinstance(site, ast.Call) else None

    def unpacks_unseen_forward(self, stmt: ast.Assign, call: ast.Call, state: State) -> bool:
        """``a, b = model(x)`` (``call``) where ``model`` is a module whose class, and so its
        forward, is not in view (only known to be an ``nn.Module``)."""
        target = stmt.targets[0]
        if (
            len(stmt.targets) != 1
            or not isinstance(target, (ast.Tuple, ast.List))
            or len(target.elts) < 2
            or any(isinstance(elt, ast.Starred) for elt in target.elts)
        ):
            return False
        path = attr_path(call.func)
        if path is None:
            return False
        module = self.eval(call.func, state)  # a name or attribute path: a lookup
        if self.unread_forward(call, state):
            return True
        if module.kind is Kind.UNKNOWN:  # a path whose `.parameters()` the file uses (calls.py)
            return path in self.expressions.calls.module_paths
        return module.kind is Kind.MODULE and module.cls is None and module.qualname in UNSEEN

    def another_item_backwarded(self, elts: list[ast.expr]) -> bool:
        """Another item of ``a, b = model(x)`` reaches a backward of the scope and the first does
        not (backwarded.py): the first is not proven to be the model's output (audit-14 G7c)."""
        if not all(isinstance(elt, ast.Name) for elt in elts):
            return False
        scope = self.stack.frames[-1].node if self.stack.frames else self.ctx.tree
        reached = backwarded_names(self.ctx, scope)
        first, *others = [elt.id for elt in elts if isinstance(elt, ast.Name)]
        return first not in reached and any(name in reached for name in others)

    def unread_forward(self, call: ast.Call, state: State) -> bool:
        """``a, b = model(x)`` (``call``) whose module's class, and its forward, are in view (this
        file's, the project's, or the class a plain class assigns to ``self.net``), where the
        output is still only a tensor: the forward's result was not read."""
        calls = self.expressions.calls
        module = self.eval(call.func, state)
        if module.kind is Kind.UNKNOWN and isinstance(call.func, ast.Attribute):
            module = calls.attribute_modules.module(call.func, state) or module
        return module.kind is Kind.MODULE and calls.functions.local_method(module, "forward") is not None

    def exec_ann_assign(self, stmt: ast.AnnAssign, state: State) -> State:
        if stmt.value is not None:
            self.bind(stmt.target, self.eval(stmt.value, state), state)
        return state

    def exec_aug_assign(self, stmt: ast.AugAssign, state: State) -> State:
        current = self.eval(stmt.target if not isinstance(stmt.target, ast.Name) else stmt.target, state)
        value = self.eval(stmt.value, state)
        if current.kind is Kind.SEQ:
            result = current.with_(
                items=None, elem=current.iter_elem().join(value.iter_elem()), history=current.history | value.history
            )
        elif is_grad_leaf(current) and state.grad_enabled:
            # torch refuses `w += x` on a leaf that requires grad (PTL203): it never becomes a
            # graph node, so the analysis goes on with the leaf, as after an in-place method
            result = current
        elif Kind.TENSOR in (current.kind, value.kind) or current.history or value.history:
            result = self.expressions.derived(stmt, state, [current, value])
            if current.kind is Kind.TENSOR and not state.grad_enabled:
                # `w -= lr * w.grad` under no_grad: in place, so the leaf still requires grad
                result = result.with_(requires_grad=current.requires_grad, history=current.history)
        elif Kind.UNKNOWN in (current.kind, value.kind):
            result = UNKNOWN  # `self.total += value` of an unknown value: as `self.total + value`
        else:  # `n -= 1`: the result's truth is no operand's
            result = current.join(value).with_(truth=None) if current.kind is value.kind else OTHER
        if isinstance(stmt.target, (ast.Name, ast.Attribute)):
            self.bind(stmt.target, result, state)
        elif isinstance(stmt.target, ast.Subscript) and (path := attr_path(stmt.target.value)) is not None:
            state.forget_items(path)  # `hidden[i] += x` changes the item in place
            tensor = self.eval(stmt.target.value, state)
            if tensor.kind is Kind.TENSOR and carries_graph(result):  # `out[:, t] += cell(x)`: as `=`
                state.env[path] = self.expressions.items.written(stmt, tensor, result, state)
        return state

    def exec_return(self, stmt: ast.Return, state: State) -> None:
        value = self.eval(stmt.value, state) if stmt.value is not None else OTHER
        if state.under is not None and id(state.under[0]) in self.cuda_tests:
            value = chosen_return(value, stmt, state.under[0])
        if self.stack.frames:
            self.stack.frames[-1].returns.append(value)
            self.stack.frames[-1].exits.append(state)
        return None

    def exec_raise(self, stmt: ast.Raise, state: State) -> None:
        if stmt.exc is not None:
            self.eval(stmt.exc, state)
        return None

    def exec_break(self, stmt: ast.Break, state: State) -> None:
        if self.stack.loops:
            self.stack.loops[-1].breaks.append(state)
        return None

    def exec_continue(self, stmt: ast.Continue, state: State) -> None:
        if self.stack.loops:
            self.stack.loops[-1].continues.append(state)
        return None

    def exec_pass(self, stmt: ast.stmt, state: State) -> State:
        return state

    def exec_import(self, stmt: ast.Import | ast.ImportFrom, state: State) -> State:
        for alias in stmt.names:
            name = alias.asname or alias.name.split(".")[0]
            state.env.pop(name, None)  # resolved through the name table from here on
        return state

    def exec_delete(self, stmt: ast.Delete, state: State) -> State:
        for key in list(state.items):  # `del hidden[0]` shifts the items after it
            state.forget_items(key.split("[", 1)[0])
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                state.env.pop(target.id, None)
            elif isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Slice):
                path = attr_path(target.value)
                if path is not None:  # `del saved_log_probs[:]` empties the list
                    state.env[path] = Value(kind=Kind.SEQ)
        return state

    def exec_definition(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, state: State) -> State:
        for decorator in stmt.decorator_list:
            self.eval(decorator, state)
        self.scope.define(stmt, state)
        return state

    # -- branches -------------------------------------------------------------------------------
    def exec_if(self, stmt: ast.If, state: State) -> State | None:
        if isinstance(stmt.body[0], ast.Return) and warm_up_guard(self.ctx, stmt, self.grows_cache):
            # `if len(self.memory) < batch: return` on a container that only grows: past the
            # warm-up it never returns again, and the calls that matter run on past it
            self.eval(stmt.test, state)
            returned = stmt.body[0].value
            if self.stack.frames:
                self.stack.frames[-1].returns.append(self.eval(returned, state) if returned is not None else OTHER)
            return state
        truth = self.expressions.known_truth(stmt.test, state)
        if truth is None and not stmt.orelse and exhaustive_last(self.ctx, stmt, self.exhaustive_cache):
            truth = True  # the last test of a chain over every value its loop's variable takes
        if truth is None and self.stack.loops:  # `if k > 0:` in a pass after the first of `for k in range(n)`
            truth = counter_truth(stmt.test, self.stack.loops, self.later_passes, self.counters_cache)
        if truth is not None:  # the other branch cannot be taken
            self.eval(stmt.test, state)
            return self.exec_block(stmt.body if truth else stmt.orelse, state)
        tested = self.eval(stmt.test, state)
        flag = tested.cuda_flag
        if flag is not None and tested.truth is None:  # not `pick(False)`'s `if use_cuda:`
            self.cuda_tests.add(id(stmt.test))
        body, orelse = state.copy(), state.copy()
        narrow(body, flag)
        narrow(orelse, None if flag is None else not flag)
        when_true, when_false = none_paths(stmt.test, state)
        narrow_none(body, when_true)
        narrow_none(orelse, when_false)
        off_true, off_false = grad_paths(stmt.test)  # `if t.requires_grad:`: no grad on its false side
        narrow_grad(body, off_true)
        narrow_grad(orelse, off_false)
        body.under, orelse.under = (stmt.test, True), (stmt.test, False)
        self.reset_invariant(stmt, body, orelse)
        if self.correlated is None:
            self.correlated = correlations(self.ctx.tree, self.ctx.doc.text)
        first = self.correlated.follows.get(id(stmt))
        if first is not None:  # the same unchanged test as `first`: the same side is taken
            restore_sides(first, body, orelse)
        taken = self.exec_block(stmt.body, body)
        skipped = self.exec_block(stmt.orelse, orelse)
        after = join_states([taken, skipped])
        if after is not None and id(stmt) in self.correlated.leads:
            record_sides(stmt, after, taken, skipped)
        if after is not None:
            after.under = state.under
        if flag is not None and after is not None and taken is not None and skipped is not None:
            chosen_devices(after, *((taken, skipped) if flag else (skipped, taken)), stmt)
        return after

    def reset_invariant(self, stmt: ast.If, body: State, orelse: State) -> None:
        """On each branch of a chain the loop never changes its mind about, the names only the
        other branches assign hold what they held before the loop (invariant.py)."""
        per_loop = []  # innermost first, while the chain is invariant there too
        for frame in reversed(self.stack.loops):
            resets = self.resets_cache.get(id(frame.node))
            if resets is None:
                resets = self.resets_cache[id(frame.node)] = loop_resets(frame.node)
            names = resets.get(id(stmt))
            if names is None or frame.entry is None:
                break
            per_loop.append((frame.entry, names))
        for branch, state in enumerate((body, orelse)):
            for name in per_loop[0][1][branch + 2] if per_loop else ():
                # unbound before the outermost of these loops: unbound on this path of every iteration
                entry = per_loop[0][0]
                for outer, names in per_loop[1:]:
                    if name not in names[branch + 2]:
                        break
                    entry = outer
                if name not in entry.env:
                    state.env.pop(name, None)
            for name in per_loop[0][1][branch] if per_loop else ():
                # the value before the outermost of these loops in which only the chain assigns it
                entry = per_loop[0][0]
                for outer, names in per_loop[1:]:
                    if name not in names[branch]:
                        break
                    entry = outer
                before = entry.env.get(name)
                if before is None:
                    state.env.pop(name, None)
                else:
                    state.env[name] = before

    def exec_try(self, stmt: ast.Try, state: State) -> State | None:
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

    def exec_match(self, stmt: ast.Match, state: State) -> State | None:
        self.eval(stmt.subject, state)
        ends = [self.exec_block(case.body, state.copy()) for case in stmt.cases]
        return join_states([*ends, state])

    def exec_with(self, stmt: ast.With | ast.AsyncWith, state: State) -> State | None:
        outer_mode, outer_device = state.grad_enabled, state.default_device
        for item in stmt.items:
            mode = grad_mode(item.context_expr, self.scope)
            value = self.eval(item.context_expr, state)
            if mode is not None:
                state.grad_enabled = mode
            expr = item.context_expr
            if (
                value.kind is Kind.DEVICE
                and isinstance(expr, ast.Call)
                and self.scope.qualname(expr.func) == "torch.device"
            ):
                state.default_device = value.device  # `with torch.device("cuda"):` makes tensors there
            if item.optional_vars is not None:
                # a tensor, or a PIL image (`with Image.open(p) as img:`: its __enter__ returns it)
                entered = value.kind is Kind.TENSOR or value.qualname == PIL_IMAGE.qualname
                self.bind(item.optional_vars, value if entered else OTHER, state)
        end = self.exec_block(stmt.body, state)
        if end is not None:
            end.grad_enabled, end.default_device = outer_mode, outer_device
        return end

    # -- loops ------------------------------------------------------------------------------------
    def exec_loop(self, stmt: ast.For | ast.AsyncFor | ast.While, state: State) -> State | None:
        """The body runs until the state at the loop head is a fixed point (fixpoint.py): the
        first pass from the state before the loop, the second from what the first hands on, each
        later one from the join of the head with the last pass's end. Backwards are recorded from
        the first pass and from the pass that ran from the fixed point, not once per pass."""
        iterated = self.eval(stmt.iter, state) if not isinstance(stmt, ast.While) else None
        known = self.live_in_cache.get(id(stmt))
        if known is None:
            known = self.live_in_cache[id(stmt)] = live_in(stmt.body)
        frame = LoopFrame(stmt, start_uid=self.graph.uid, live_in=known, entry=state)
        self.stack.loops.append(frame)
        once = runs_once(stmt)  # no earlier iteration to hand anything on (audit-6 G2)
        passes = MAX_PASSES if len(self.stack.loops) <= MAX_LOOP_NESTING and not once else 1
        head, ends, settled_head, mark = state.copy(), [], passes == 1, len(self.records)
        made: list[int] = []  # the last graph node id made by the end of each pass
        for number in range(1, passes + 1):
            if number > 2:
                if not self.spend_extra_pass():
                    break  # the function's budget is spent: the last pass stands (imprecise)
                del self.records[mark:]  # the last pass did not run from the fixed point
            mark = len(self.records)
            frame.pass_start_uid = self.graph.uid
            frame.head = head
            if number == 2:
                self.later_passes.add(id(frame))
            body_state = head.copy()
            if isinstance(stmt, ast.While):
                self.eval(stmt.test, body_state)
            else:
                assert iterated is not None and not isinstance(stmt, ast.While)
                self.bind(stmt.target, self.loop_element(iterated, stmt, number == 1, body_state), body_state)
            end = join_states([self.exec_block(stmt.body, body_state), *frame.continues])
            frame.continues = []
            if end is None:
                settled_head = True
                break
            ends.append(end)
            made.append(self.graph.uid)
            if number == 1:
                head = end  # the first iteration is peeled: the state before the loop stays out of the join
                continue
            joined = head_join(head, end, frame.pass_start_uid)
            if settled(head, joined, frame.start_uid):
                settled_head = True
                break
            head = joined
        if not settled_head:
            self.unsettled.append(stmt)
            import logging  # rarely reached: not imported at start-up

            logging.getLogger(__name__).debug(
                "line %d: loop head not settled after %d passes (imprecise)", stmt.lineno, len(ends)
            )
        self.stack.loops.pop()
        self.graph.loop_ended(frame.start_uid, stmt)
        self.later_passes.discard(id(frame))
        # no path skips a loop that runs at least once (audit-7 G4: range(N) with a constant N)
        after = join_states(
            ends if once or runs_at_least_once(stmt, self.module_ints()) or self.same_count(stmt) else [state, *ends]
        )
        if endless(stmt):
            after = None  # `while True:` is left only by break, return or raise
        if after is not None and ends:
            exit_facts(after, list(zip(ends, made, strict=True)), frame.start_uid)
            running_totals(after, state, ends, stmt.body)
        path = loop_detaching(stmt) if not isinstance(stmt, ast.While) else None
        if path is not None and after is not None and path in after.env:
            after.env[path] = detached(after.env[path])  # for s in state: s.detach_()
        if after is not None and not isinstance(stmt, ast.While):
            frozen_after(stmt, after)  # for p in vgg.parameters(): p.requires_grad_(False)
        if stmt.orelse and after is not None:
            after = self.exec_block(stmt.orelse, after)
        return join_states([after, *frame.breaks])

    def same_count(self, stmt: ast.For | ast.AsyncFor | ast.While) -> bool:
        """The loop runs as often in every pass of the loop of this function around it (trips.py)."""
        if not self.stack.loops:
            return False
        outer = self.stack.loops[-1].node
        if not (outer.lineno < stmt.lineno <= (outer.end_lineno or outer.lineno)):
            return False  # a loop of a caller: its stores are another scope's
        key = (id(stmt), id(outer))
        known = self.same_count_cache.get(key)
        if known is None:
            known = self.same_count_cache[key] = same_count_each_pass(stmt, outer)
        return known

    def module_ints(self) -> ModuleInts:
        if self._module_ints is None:
            self._module_ints = module_int_constants(self.ctx.tree, self.ctx.index)
        return self._module_ints

    def spend_extra_pass(self) -> bool:
        """One pass beyond the second, charged to the function being analysed (its calls and
        nested loops included): nested loops that settle late cost a bounded amount of work."""
        root = id(self.stack.frames[0].node) if self.stack.frames else 0
        left = self.extra_passes.get(root, EXTRA_PASS_BUDGET)
        if left <= 0:
            return False
        self.extra_passes[root] = left - 1
        return True

    def loop_element(self, iterated: Value, stmt: ast.For | ast.AsyncFor, first: bool, state: State) -> Value:
        """The loop target's value in one pass. Iterating a list built before the loop gives a
        different element each pass: the elements' graphs (one per stored output, as in
        REINFORCE's saved log-probabilities) are not one graph freed by the first iteration, so
        each pass gets a node of its own, graded UNKNOWN (sharing between elements is unproven;
        pass_entries.py). Iterating a tensor yields rows of one graph: kept as is. A ``range``
        gives ints; in the first pass, its start (``if t == 0:`` runs then; audit-7 G8)."""
        if over_range(stmt):
            start = range_start(stmt) if first else None
            return INT if start is None else INT.with_(truth=start != 0)
        element = iterated.iter_elem()
        if element.history and self.graph.per_item:  # a DataLoader's batch (also enumerated, zipped)
            fetched_element = fetched(element, self.graph, stmt.target)  # a new graph each pass
            if fetched_element is not element:
                return fetched_element
        if iterated.kind is not Kind.SEQ or not element.history:
            return element
        lists = [(path, state.env.get(path, UNKNOWN)) for path in iterated_lists(stmt.iter)]
        # The items of a tuple known one by one (the losses a model's loss() returns) that all
        # hang on one node share that graph: backwarding each goes through it again.
        shared = shared_nodes(iterated.items) if iterated.items is not None else None
        fresh = self.expressions.pass_entries.entry(element, self.stack.loops, stmt.target, lists, "", shared)
        return element if fresh is None else fresh


def is_grad_leaf(value: Value) -> bool:
    """A tensor known to require grad with no graph behind it: a leaf (``requires_grad=True``, a
    parameter); a computed tensor that requires grad always carries a graph node."""
    return value.kind is Kind.TENSOR and value.requires_grad is True and not value.history
