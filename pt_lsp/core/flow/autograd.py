"""Autograd effects on the state: ``backward()`` frees (or keeps) the graph nodes of its value,
``optimizer.step()`` updates the parameters a kept graph saved; each backward that meets such
nodes is recorded, with what the rules need to tell the cases apart (PTL201 classifies them)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..torch_imports import imports_torch
from ..walk import attr_path
from .evaluator import Expressions
from .facts import BackwardRecord, GraphState, LoopPass
from .grad_inputs import input_modules, unreachable
from .graph import GraphNodes
from .lattice import Device, Grade, GraphNode
from .optimizers import built_optimizers, optimizer_tie
from .per_item import PerItem
from .state import LoopFrame, Stack, State
from .values import OTHER, UNKNOWN, Args, Kind, Kwargs, Value, merge_steps

if TYPE_CHECKING:
    from ..context import FileContext


def keyword(node: ast.Call, name: str) -> ast.expr | None:
    for kw in node.keywords:
        if kw.arg == name:
            return kw.value
    return None


FLAGS = ("retain_graph", "create_graph", "retain_variables")
MAYBE = object()  # a flag that may be true where the backward runs: the graph is not known freed
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def is_true(expr: ast.expr | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is True


def retains_graph(call: ast.Call) -> bool:
    """``retain_graph=True``, ``create_graph=True`` or the pre-0.4 ``retain_variables=True``."""
    return any(is_true(keyword(call, name)) for name in ("retain_graph", "create_graph", "retain_variables"))


class Autograd:
    """The transfer functions of ``backward()``, ``torch.autograd.grad/backward`` and
    ``optimizer.step()``, and the records of backwards that meet freed or stepped nodes."""

    def __init__(self, ctx: FileContext, graph: GraphNodes, stack: Stack, expressions: Expressions) -> None:
        self.ctx = ctx
        self.graph = graph
        self.stack = stack
        self.expressions = expressions
        self.backward_targets: dict[int, frozenset[GraphNode]] = {}  # id(call) -> history it freed
        self.records: list[BackwardRecord] = []  # backwards that met freed or stepped nodes
        self.unknown_flags: dict[int, list[ast.expr]] = {}  # id(backward) -> its flags of unknown value
        self.varying: dict[int, bool] = {}  # id(backward) -> its flag is rebound in a loop around it
        self.grad_inputs: dict[int, frozenset[str] | None] = {}  # id(grad call) -> its input modules
        self.runs = 0  # backwards interpreted: a call summary (summaries.py) holds none
        self.per_item = PerItem(ctx)

    def autograd_call(self, qualname: str, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        outputs = node.args[0] if node.args else keyword(node, "outputs") or keyword(node, "tensors")
        value = args[0] if args else kwargs.get("outputs", kwargs.get("tensors", UNKNOWN))
        traversed = value
        if qualname.endswith(".grad"):
            # grad(outputs, inputs) runs only the part of the graph between them: what the inputs
            # were computed from (a generator behind a penalty's interpolates) is not reached
            inputs = args[1] if len(args) > 1 else kwargs.get("inputs", UNKNOWN)
            parts = [*(inputs.items or ()), *((inputs.elem,) if inputs.elem is not None else ())]
            behind = inputs.history.union(*(part.history for part in parts))
            behind |= self.unreached(node, value, state)
            traversed = value.with_(history=value.history - behind) if behind else value
        self.backward(node, outputs, traversed, state)
        if qualname.endswith(".grad"):
            inputs = args[1] if len(args) > 1 else kwargs.get("inputs", UNKNOWN)
            if is_true(keyword(node, "create_graph")):  # the gradients' own graph reaches back
                return gradients(inputs, self.expressions.derived(node, state, [value], kind=Kind.TENSOR))
            return gradients(inputs, Value(kind=Kind.TENSOR, requires_grad=False))
        return OTHER

    def unreached(self, call: ast.Call, outputs: Value, state: State) -> frozenset[GraphNode]:
        """What ``grad(outputs, inputs)`` in a loop does not run: a subgraph built before this
        pass by modules none of whose parameters are inputs (grad_inputs.py; audit-19 G4)."""
        expr = call.args[1] if len(call.args) > 1 else keyword(call, "inputs")
        loops = self.stack.loops
        if expr is None or not loops or not outputs.history:
            return frozenset()
        if id(call) not in self.grad_inputs:  # read from the source once per call
            scope = self.stack.frames[-1].node if self.stack.frames else self.ctx.tree
            self.grad_inputs[id(call)] = input_modules(expr, scope)
        modules = self.grad_inputs[id(call)]
        if not modules:
            return frozenset()
        held = state.env.values()
        return unreachable(outputs, held, modules, loops[-1].pass_start_uid)

    def backward(
        self, call: ast.Call, target: ast.AST | None, value: Value, state: State, retain: bool | None = None
    ) -> None:
        self.runs += 1
        flag = self.retain_flag(call, state) if retain is None else retain
        if flag is None:  # a flag of unknown value: freed, unless true where a later backward runs
            self.unknown_flags[id(call)] = [e for e in (keyword(call, name) for name in FLAGS) if e is not None]
        # MAYBE: not proven false here, so the graph may be kept (and no failure is proven)
        retain = flag is MAYBE or flag is True
        history = value.history
        if (
            not history
            and value.requires_grad is not False
            and target is not None
            and attr_path(target)
            and imports_torch(self.ctx)
        ):
            # backward() itself is evidence of a graph, in a file that uses torch (not a NumPy
            # framework's own `act.backward(delta)`; audit-18 G2): give the value an identity so
            # that a second backward of the very same tensor is recognised.
            history = frozenset({self.graph.fresh(call, evidence=Grade.BACKWARD)})
            value = value.with_(history=history)
            state.rebind(target, value)
        # Only nodes that saved tensors fail a second time: `x.sum()` can be backwarded twice.
        hit = sorted((n for n in history if n in state.freed and n.saves), key=lambda n: n.uid)
        if hit and self.kept_here(state.freed[hit[0]], call):
            hit = []
        if hit and self.stack.loops and self.per_item.own_entries_only(self.stack.loops[-1], hit, call, state.freed):
            hit = []  # an earlier pass's own entry of a list built per item (per_item.py)
        if hit:
            self.record_freed(call, hit, history, state)
        else:
            self.record_stepped(call, history, state)
        if retain:
            for graph_node in history:
                state.retained.setdefault(graph_node, call)
                for head in self.graph.heads.get(graph_node.uid, ()):
                    state.retained.setdefault(head, call)
        else:
            for graph_node in history:
                state.freed.setdefault(graph_node, call)
            self.backward_targets[id(call)] = history

    def retain_flag(self, call: ast.Call, state: State) -> bool | object | None:
        """Whether ``call`` keeps its graph: True or False where ``retain_graph``/``create_graph``
        are literals or names of known truth; None where a flag is a name of unknown value, the
        same at every run of the call (``create_graph=create_graph``: freed unless a guard makes
        it true, see ``kept_here``); MAYBE where it is computed or changes from one iteration to
        the next (``retain_graph=i < len(losses)``: kept for every backward but the last), so
        nothing proves the graph freed."""
        if retains_graph(call):
            return True
        known: bool | object | None = False
        for name in FLAGS:
            expr = keyword(call, name)
            if expr is None or isinstance(expr, ast.Constant):
                continue
            truth = self.expressions.eval(expr, state).truth if attr_path(expr) else None
            if truth:
                return True
            if truth is None:
                if not attr_path(expr) or self.varies_per_iteration(call, expr):
                    return MAYBE
                known = None
        return known

    def varies_per_iteration(self, call: ast.Call, flag: ast.expr) -> bool:
        """Whether ``flag`` (a name or attribute path) is bound by a loop or comprehension around
        ``call`` in its function: its target, or assigned in its body."""
        key = id(call)
        if key not in self.varying:
            root = (attr_path(flag) or "").split(".")[0]
            found = False
            parent = self.ctx.parent(call)
            while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if isinstance(parent, (ast.For, ast.AsyncFor, ast.While, *_COMPREHENSIONS)):
                    parts = parent.generators if isinstance(parent, _COMPREHENSIONS) else [parent]
                    found = any(
                        isinstance(node, ast.Name) and node.id == root and isinstance(node.ctx, ast.Store)
                        for part in parts
                        for node in ast.walk(part)  # once per backward call: the answer is kept
                    )
                    if found:
                        break
                parent = self.ctx.parent(parent)
            self.varying[key] = found
        return self.varying[key]

    def kept_here(self, earlier: ast.Call, call: ast.Call) -> bool:
        """Whether ``earlier`` kept its graph by a flag that the tests of the ``if`` statements
        around ``call`` make true: ``create_graph = (order == 2) and train`` for a backward under
        ``if order == 2:`` and ``if train:`` (audit-6 G6)."""
        flags = self.unknown_flags.get(id(earlier))
        if not flags:
            return False
        guards: set[str] = set()
        child: ast.AST = call
        parent = self.ctx.parent(call)
        while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if isinstance(parent, ast.If) and any(child is stmt for stmt in parent.body):
                guards.add(ast.unparse(parent.test))
            child, parent = parent, self.ctx.parent(parent)
        return bool(guards) and any(self.holds(flag, guards, 3) for flag in flags)

    def holds(self, expr: ast.expr, guards: set[str], depth: int) -> bool:
        """Whether ``expr`` is true where every test in ``guards`` is, read through ``and``,
        ``or``, ``True if c else False`` and a name's one assignment in the file."""
        if isinstance(expr, ast.Constant):
            return expr.value is True
        if ast.unparse(expr) in guards:
            return True
        if isinstance(expr, ast.BoolOp):
            parts = [self.holds(value, guards, depth) for value in expr.values]
            return all(parts) if isinstance(expr.op, ast.And) else any(parts)
        if isinstance(expr, ast.IfExp) and isinstance(expr.orelse, ast.Constant) and not expr.orelse.value:
            return self.holds(expr.test, guards, depth) and self.holds(expr.body, guards, depth)
        if isinstance(expr, ast.Name) and depth > 0:
            values = [
                assign.value
                for assign in self.ctx.index.of(ast.Assign)
                for target in assign.targets
                if isinstance(target, ast.Name) and target.id == expr.id
            ]
            return len(values) == 1 and self.holds(values[0], guards, depth - 1)
        return False

    def optimizer_step(self, call: ast.Call, state: State) -> None:
        """``optimizer.step()`` updates parameters in place: a retained graph that saved them
        cannot be backwarded again ("modified by an inplace operation"). Only the modules the
        optimizer is tied to count (``optimizers.optimizer_tie``); without them, nothing does.
        A callable parameter's output counts (PTL201 grades the finding by the tie and node)."""
        modules = self.optimized_modules(call)
        if not modules:
            return
        stand_ins = self.graph.stand_ins
        for retained, by in list(state.retained.items()) if stand_ins else state.retained.items():
            # a list's entry of one pass (pass_entries.py) stands for the nodes it replaced, kept
            # by its backward: the step changed the parameters every entry made before it saved
            for graph_node in (retained, *stand_ins.get(retained.uid, ())) if stand_ins else (retained,):
                owners = self.graph.parameter_nodes.get(graph_node.uid, frozenset())
                if owners & modules and graph_node.evidence in (Grade.PROVEN, Grade.CALLABLE):
                    state.updated.setdefault(graph_node, call)
                    if graph_node is not retained:
                        state.retained.setdefault(graph_node, by)
        for key, (kept, stepped) in list(state.paths.items()):
            # a graph kept on one side of an `if` a later `if` repeats (correlated.py)
            hit = {
                node: call
                for node in kept
                if node not in stepped
                and self.graph.parameter_nodes.get(node.uid, frozenset()) & modules
                and node.evidence in (Grade.PROVEN, Grade.CALLABLE)
            }
            if hit:
                state.paths[key] = (kept, {**stepped, **hit})

    def optimized_modules(self, step: ast.Call) -> frozenset[str]:
        """``opt.step()`` where ``opt = torch.optim.X(D.parameters(), ...)``: ``{"D"}``."""
        if not isinstance(step.func, ast.Attribute) or not isinstance(step.func.value, (ast.Name, ast.Attribute)):
            return frozenset()
        tie = optimizer_tie(self.ctx, attr_path(step.func.value) or "")
        return tie.modules if tie is not None else frozenset()

    @property
    def optimizers(self) -> dict[str, frozenset[str]]:
        """Each variable assigned a call with ``X.parameters()`` in its first argument (an
        optimizer, in practice) -> those ``X``: one scan of the file's assignments."""
        return built_optimizers(self.ctx)

    def record_stepped(self, call: ast.Call, history: frozenset[GraphNode], state: State) -> None:
        stand_ins = self.graph.stand_ins
        if stand_ins:
            history = history.union(*(stand_ins.get(n.uid, ()) for n in history))
        stale = sorted((n for n in history if n in state.updated), key=lambda n: n.uid)
        if stale and self.stack.loops:  # an earlier agent's step on its own item (per_item.py)
            frame = self.stack.loops[-1]
            stale = [
                n
                for n in stale
                if not self.per_item.own_item_only(
                    frame, n, self.graph.parameter_nodes.get(n.uid, frozenset()), call, state.updated[n]
                )
            ]
        if not stale:
            return
        first = stale[0]
        self.records.append(
            BackwardRecord(
                call,
                GraphState.STEPPED,
                tuple(stale),
                state.retained[first],
                history,
                step=state.updated[first],
            )
        )

    def record_freed(self, call: ast.Call, hit: list[GraphNode], history: frozenset[GraphNode], state: State) -> None:
        earlier = state.freed[hit[0]]
        nodes = set(hit)
        loops = self.stack.loops
        loop = None
        if loops:
            frame = loops[-1]
            loop = LoopPass(frame.node, frame.start_uid, frame.pass_start_uid, carried_into(frame, nodes))
        holders = tuple((name, v) for name, v in state.env.items() if v.history & nodes and "." not in name)
        self.records.append(
            BackwardRecord(
                call,
                GraphState.FREED,
                tuple(hit),
                earlier,
                history,
                self.backward_targets.get(id(earlier)),
                loop,
                holders,
            )
        )


def carried_into(loop: LoopFrame, nodes: set[GraphNode]) -> tuple[tuple[str, Value], ...]:
    """The variables the loop's current pass starts with and reads before assigning (what one
    iteration hands to the next) whose graphs reach ``nodes``, by name."""
    head = loop.head.env if loop.head is not None else {}
    return tuple(
        (name, head[name]) for name in sorted(head) if name.split(".")[0] in loop.live_in and head[name].history & nodes
    )


def gradients(inputs: Value, gradient: Value) -> Value:
    """What ``torch.autograd.grad(outputs, inputs)`` returns: a gradient per input, each on its
    input's device (a list of them joined: `[g.norm() for g in grads]` of CUDA states)."""
    parts = [inputs] if inputs.kind is Kind.TENSOR else [*(inputs.items or ()), *filter(None, (inputs.elem,))]
    device = parts[0].device if parts else Device.UNKNOWN
    for part in parts[1:]:
        device = device.join(part.device)
    if device is not Device.UNKNOWN:
        steps = merge_steps(*(part.steps for part in parts)) if device.may_be_cuda else ()
        gradient = gradient.with_(device=device, steps=merge_steps(steps, gradient.steps))
    return Value(kind=Kind.SEQ, elem=gradient)
