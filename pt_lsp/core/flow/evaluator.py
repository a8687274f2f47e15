"""Expressions: the transfer function of each kind of expression, recorded in the facts.

Three concerns live beside it: reads of attributes (attribute_reads.py), reads and stores of
items (items.py) and the truth of tests the facts decide (truth.py)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import vocabulary as api
from ..walk import attr_path
from .attribute_reads import AttributeReads
from .conditions import grad_narrowed, grad_paths, narrow_grad
from .cuda_flags import OTHER_ACCELERATORS, device_comparison, flag_by_name, narrowed
from .device_ops import WITH_DIMENSIONS_METHODS, WITH_DIMENSIONS_OPS, moved_operand, on_cpu_or_raises
from .graph import GraphNodes
from .items import Items
from .keyed_outputs import KeyedOutputs
from .lattice import Device, Grade, grade_of
from .pass_entries import PassEntries, iterated_lists
from .selected_entry import changes_per_pass, selection
from .state import STATE_FIELDS, State
from .truth import known_truth
from .values import BYTES, INT, NDARRAY, NONE_CONSTANT, OTHER, UNKNOWN, Kind, Value, merge_steps

if TYPE_CHECKING:
    from .calls import Calls
    from .facts import FlowFacts
    from .scope import Scope


class Expressions:
    """Evaluates expressions against a ``State``: one transfer function per kind of expression
    (a dispatch table), each value recorded in the facts. Calls go to ``calls``, names to
    ``scope``; graph nodes come from ``graph``."""

    calls: Calls  # set by the interpreter: calls and expressions evaluate each other

    def __init__(self, facts: FlowFacts, graph: GraphNodes, scope: Scope) -> None:
        self.facts = facts
        self.graph = graph
        self.scope = scope
        self.attributes = AttributeReads(self)
        self.items = Items(self)
        self.pass_entries = PassEntries(graph)  # a list's entry per pass of a loop
        self.keyed = KeyedOutputs(graph)  # the entries of an opaque callable's output, by key
        self.decided: dict[int, bool] = {}  # id(test) -> its side, while a split runs (splits.py)
        self.transfer: dict[type[ast.AST], Callable[[Any, State], Value]] = {
            ast.Call: self.eval_call,
            ast.Constant: self.eval_constant,
            ast.JoinedStr: self.eval_joined_str,
            ast.Name: self.eval_name,
            ast.Attribute: self.eval_attribute,
            ast.BinOp: self.eval_binop,
            ast.UnaryOp: self.eval_unaryop,
            ast.Compare: self.eval_compare,
            ast.BoolOp: self.eval_boolop,
            ast.IfExp: self.eval_ifexp,
            ast.Tuple: self.eval_sequence,
            ast.List: self.eval_sequence,
            ast.Set: self.eval_set,
            ast.Dict: self.eval_dict,
            ast.Subscript: self.eval_subscript,
            ast.Starred: self.eval_starred,
            ast.NamedExpr: self.eval_named_expr,
            ast.Await: self.eval_await,
            ast.Yield: self.eval_yield,
            ast.YieldFrom: self.eval_yield,
            ast.Lambda: self.eval_lambda,
            ast.ListComp: self.eval_comprehension,
            ast.GeneratorExp: self.eval_comprehension,
            ast.SetComp: self.eval_comprehension,
            ast.DictComp: self.eval_dict_comprehension,
        }

    # -- entry point ----------------------------------------------------------------------------
    def eval(self, node: ast.AST | None, state: State) -> Value:
        if node is None:
            return OTHER
        transfer = self.transfer.get(type(node))
        value = transfer(node, state) if transfer else self.eval_generic(node, state)
        self.facts.record(node, value)
        return value

    def eval_call(self, node: ast.Call, state: State) -> Value:
        value = self.calls.call(node, state)
        if state.items:  # a call handed a list (or a method of it) may replace its items
            handed = [a.value if isinstance(a, ast.Starred) else a for a in node.args]
            handed += [k.value for k in node.keywords]
            if isinstance(node.func, ast.Attribute):
                handed.append(node.func.value)
            for expr in handed:
                path = attr_path(expr)
                if path is not None:
                    state.forget_items(path)
        return value

    def eval_generic(self, node: ast.AST, state: State) -> Value:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.eval(child, state)
        return UNKNOWN

    # -- graph arithmetic -------------------------------------------------------------------------
    def derived(
        self,
        site: ast.AST,
        state: State,
        inputs: list[Value],
        kind: Kind | None = None,
        evidence: Grade | None = None,
    ) -> Value:
        """A differentiable op on ``inputs``: a fresh graph node when any input requires grad.

        The node is as sure as its inputs: proven when an input is known to require grad or
        carries a proven node, else the grade of the opaque nodes it extends (an unknown
        callable's output never becomes proven by a tensor method applied to it)."""
        tensors = [v for v in inputs if v.kind is Kind.TENSOR]
        device = Device.UNKNOWN
        known = [v.device for v in tensors if v.device is not Device.UNKNOWN]
        if tensors and len(known) == len(tensors):
            device = Device.CUDA if Device.CUDA in known else known[0]
            for other in known:
                device = device if device is Device.CUDA else device.join(other)
        elif Device.CUDA in known:
            device = Device.CUDA  # an op with a CUDA operand runs on CUDA (or raises)
        elif Device.MAYBE_CUDA in known:
            device = Device.MAYBE_CUDA  # where CUDA is chosen at run time, the op runs there (or raises)
        history = frozenset().union(*(v.history for v in inputs)) if inputs else frozenset()
        grad = any(v.requires_grad for v in inputs)
        unknown_grad = any(v.requires_grad is None and v.kind is not Kind.OTHER for v in inputs)
        steps = merge_steps(*(v.steps for v in inputs))
        if not state.grad_enabled:
            return Value(
                kind=kind or (Kind.TENSOR if tensors else Kind.UNKNOWN), device=device, requires_grad=False, steps=steps
            )
        if grad or history:
            if evidence is None:
                evidence = grade_of(history) if not grad else Grade.PROVEN
            history = history | {self.graph.fresh(site, evidence)}
        return Value(
            kind=kind or (Kind.TENSOR if tensors else Kind.UNKNOWN),
            device=device,
            requires_grad=True if grad else (None if unknown_grad or history else False),
            history=history,
            steps=steps,
        )

    # -- leaves ---------------------------------------------------------------------------------
    def eval_constant(self, node: ast.Constant, state: State) -> Value:
        if isinstance(node.value, bytes):
            return BYTES
        if isinstance(node.value, str):
            device = api.device_of_string(node.value)
            if device is not Device.UNKNOWN:
                return Value(kind=Kind.DEVICE, device=device, requires_grad=False)
            if node.value.split(":", 1)[0] in OTHER_ACCELERATORS:  # "mps": a device, not CUDA nor the CPU
                return Value(kind=Kind.DEVICE, requires_grad=False)
            return OTHER.with_(text=node.value)  # a mode a method tests: `mode == "train"`
        if node.value is None:  # falsy (`loss_fn or nn.MSELoss()`), and `x is None` holds
            return NONE_CONSTANT
        if isinstance(node.value, bool):
            return OTHER.with_(truth=node.value)
        if isinstance(node.value, int):  # zero or not: `if batch_size:` of `batch_size = 4` (audit-13 G1)
            return INT.with_(truth=node.value != 0)
        return OTHER

    def eval_joined_str(self, node: ast.JoinedStr, state: State) -> Value:
        self.eval_generic(node, state)
        first = node.values[0] if node.values else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            device = api.device_of_string(first.value)
            if device is not Device.UNKNOWN:
                return Value(kind=Kind.DEVICE, device=device, requires_grad=False)
        return OTHER

    def eval_name(self, node: ast.Name, state: State) -> Value:
        value = self.scope.lookup(node.id, node, state)
        if value.cuda_flag is None and value.kind in (Kind.UNKNOWN, Kind.OTHER) and not value.history:
            flag = flag_by_name(node.id)
            if flag is not None:
                return value.with_(cuda_flag=flag)
        return value

    def eval_attribute(self, node: ast.Attribute, state: State) -> Value:
        path = attr_path(node)
        if path is not None and path in state.env:
            self.eval(node.value, state)
            return state.env[path]
        held = self.scope.global_path(path, state) if path is not None else None
        if held is not None:  # `policy.saved_log_probs` that the module body or another function grew
            self.eval(node.value, state)
            return held
        base = self.eval(node.value, state)
        return self.attributes.read(base, node, state)

    # -- compound expressions -------------------------------------------------------------------
    def eval_binop(self, node: ast.BinOp, state: State) -> Value:
        left, right = self.eval(node.left, state), self.eval(node.right, state)
        if left.kind is Kind.SEQ and right.kind is Kind.SEQ and isinstance(node.op, ast.Add):
            return Value(
                kind=Kind.SEQ, elem=left.iter_elem().join(right.iter_elem()), history=left.history | right.history
            )
        if Kind.TENSOR not in (left.kind, right.kind) and not (left.history or right.history):
            if BYTES.qualname in (left.qualname, right.qualname) and isinstance(node.op, (ast.Add, ast.Mult)):
                return BYTES  # `header + payload`, `b"\0" * n`
            if NDARRAY.qualname in (left.qualname, right.qualname):
                return NDARRAY  # `np.array(losses) / n`: an array (n would be a tensor only by a rare chance)
            moved = moved_operand(left, right) or moved_operand(right, left)
            if moved is not None:
                return Value(device=moved.device, steps=moved.steps)  # `(batch[0] + batch[1]) / 2`
            return UNKNOWN if Kind.UNKNOWN in (left.kind, right.kind) else OTHER
        value = self.derived(node, state, [left, right])
        if isinstance(node.op, ast.MatMult):
            return on_cpu_or_raises(value, [left, right])
        return self.elementwise(value, [(left, node.left), (right, node.right)])

    def elementwise(self, value: Value, operands: list[tuple[Value, ast.expr]]) -> Value:
        """``value`` of an elementwise op (``+``, ``torch.add``, ``.mul``): CPU or raises when one
        operand is a CPU tensor known to have dimensions (only a 0-dim CPU tensor passes beside a
        CUDA one, as a scalar): `torch.add(torch.mm(x, w), b)` as `torch.mm(x, w) + b`."""
        if any(v.device is Device.CPU and self.with_dimensions(e) for v, e in operands):
            return on_cpu_or_raises(value, [v for v, _ in operands])
        return value

    def with_dimensions(self, expr: ast.expr) -> bool:
        """A matrix product, join or layer op, whose result always has dimensions (never 0-dim)."""
        if not isinstance(expr, ast.Call):
            return False
        if isinstance(expr.func, ast.Attribute) and expr.func.attr in WITH_DIMENSIONS_METHODS:
            return True
        return self.scope.qualname(expr.func) in WITH_DIMENSIONS_OPS

    def eval_unaryop(self, node: ast.UnaryOp, state: State) -> Value:
        operand = self.eval(node.operand, state)
        if isinstance(node.op, ast.Not):
            truth = None if operand.truth is None else not operand.truth
            flag = None if operand.cuda_flag is None else not operand.cuda_flag
            return OTHER.with_(cuda_flag=flag, truth=truth) if flag is not None or truth is not None else OTHER
        return self.derived(node, state, [operand]) if operand.kind is Kind.TENSOR or operand.history else operand

    def eval_compare(self, node: ast.Compare, state: State) -> Value:
        values = [self.eval(node.left, state), *(self.eval(c, state) for c in node.comparators)]
        if any(v.kind is Kind.TENSOR for v in values):
            return Value(kind=Kind.TENSOR, device=values[0].device, requires_grad=False)
        return OTHER.with_(cuda_flag=device_comparison(node))

    def eval_boolop(self, node: ast.BoolOp, state: State) -> Value:
        result = None
        flags = set()
        for operand in node.values:
            value = self.eval(operand, state)
            if value.truth is (not isinstance(node.op, ast.Or)) and operand is not node.values[-1]:
                continue  # `None or x` is x, `True and x` is x
            flags.add(value.cuda_flag)
            result = value if result is None else result.join(value)
        # `args.cuda and torch.cuda.is_available()`: the program uses CUDA exactly when it holds
        flags.discard(None)
        if len(flags) == 1 and result is not None:
            result = result.with_(cuda_flag=flags.pop())
        return result or UNKNOWN

    def eval_ifexp(self, node: ast.IfExp, state: State) -> Value:
        truth = self.known_truth(node.test, state)
        if truth is not None:  # one side cannot be taken: `t if isinstance(t, (tuple, list)) else [t]`
            self.eval(node.test, state)
            return self.eval(node.body if truth else node.orelse, state)
        flag = self.eval(node.test, state).cuda_flag
        # `t.detach().numpy() if t.requires_grad else t.numpy()`: no grad on the false side
        off_true, off_false = grad_paths(node.test)
        if not _has_effects(node):
            body = self.eval(node.body, grad_narrowed(narrowed(state, flag), off_true))
            orelse = self.eval(
                node.orelse, grad_narrowed(narrowed(state, None if flag is None else not flag), off_false)
            )
        else:
            # A call's effects happen on its side only (`net = net.cuda() if use_cuda else net`
            # moves the module on one side: on CUDA there, on the CPU on the other; audit-11 G3),
            # then the sides join, as an `if` statement's do.
            taken, skipped = narrowed(state.copy(), flag), narrowed(state.copy(), None if flag is None else not flag)
            narrow_grad(taken, off_true)
            narrow_grad(skipped, off_false)
            body, orelse = self.eval(node.body, taken), self.eval(node.orelse, skipped)
            joined, under = taken.join(skipped), state.under
            for name in STATE_FIELDS:
                setattr(state, name, getattr(joined, name))
            state.under = under
        value = body.join(orelse)
        if value.kind is Kind.DEVICE and value.device is Device.MAYBE_CUDA and body.device is not orelse.device:
            test = ast.unparse(node.test)
            value = value.step(
                node,
                f"device chosen at run time here (`{test}`)" if len(test) < 60 else "device chosen at run time here",
            )
        return value

    def known_truth(self, test: ast.expr, state: State) -> bool | None:
        """The side of ``test`` the facts decide, or None (truth.py)."""
        return known_truth(test, state, self.scope, self.decided)

    def eval_sequence(self, node: ast.Tuple | ast.List, state: State) -> Value:
        items = tuple(self.eval(elt, state) for elt in node.elts)
        if any(isinstance(elt, ast.Starred) for elt in node.elts):
            return Value(kind=Kind.SEQ, history=frozenset().union(*(i.history for i in items)))
        return sequence(items)

    def eval_set(self, node: ast.Set, state: State) -> Value:
        return Value(kind=Kind.SEQ, elem=self.eval_sequence(node, state).iter_elem())  # type: ignore[arg-type]

    def eval_dict(self, node: ast.Dict, state: State) -> Value:
        values = [self.eval(v, state) for v in node.values]
        for key in node.keys:
            self.eval(key, state)
        elem = None
        for value in values:
            elem = value if elem is None else elem.join(value)
        names = [key.value for key in node.keys if isinstance(key, ast.Constant) and isinstance(key.value, str)]
        return Value(
            kind=Kind.OTHER,
            requires_grad=None,
            elem=elem,
            history=frozenset().union(*(v.history for v in values)) if values else frozenset(),
            keys=tuple(dict(zip(names, values)).items()) if len(names) == len(node.keys) else None,
        )

    def eval_subscript(self, node: ast.Subscript, state: State) -> Value:
        return self.keyed.entry(node, self.items.read(node, state), self.scope.stack.loops)

    def eval_starred(self, node: ast.Starred, state: State) -> Value:
        return self.eval(node.value, state)

    def eval_named_expr(self, node: ast.NamedExpr, state: State) -> Value:
        value = self.eval(node.value, state)
        state.env[node.target.id] = value
        return value

    def eval_yield(self, node: ast.Yield | ast.YieldFrom, state: State) -> Value:
        """A generator's item (each element of the iterable of ``yield from``), kept on the frame:
        the call's value is the sequence of them. What ``yield`` evaluates to is unknown."""
        value = self.eval(node.value, state) if node.value is not None else OTHER
        frames = self.scope.stack.frames
        if frames:
            frames[-1].yields.append(value.iter_elem() if isinstance(node, ast.YieldFrom) else value)
        return UNKNOWN

    def eval_await(self, node: ast.Await, state: State) -> Value:
        self.eval(node.value, state)
        return UNKNOWN

    def eval_lambda(self, node: ast.Lambda, state: State) -> Value:
        return UNKNOWN

    def eval_comprehension(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp, state: State) -> Value:
        inner = state.copy()
        first = self.graph.uid
        elem = self.comprehension_pass(node, inner)
        self.graph.loop_ended(first, node)  # what its element made, it makes once per item
        freed = [n for n in inner.freed if n not in state.freed] if len(inner.freed) > len(state.freed) else []
        if freed and not _one_element(node) and not self.calls.autograd.per_item.own_entries_in(node, state.env, freed):
            # a backward ran for the first element: the second meets what it freed, as a loop's
            # second iteration does (`[cam(x[i : i + 1]) for i in ...]` on one generated batch)
            elem = elem.join(self.comprehension_pass(node, inner))
        return Value(kind=Kind.SEQ, elem=self.selected(node, elem, state))

    def selected(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp, elem: Value, state: State) -> Value:
        """The element of a comprehension that keeps one entry's graph, picked by what the pass
        decides (selected_entry.py): that pass's own entry."""
        picked = selection(node) if elem.history else None
        loops = self.scope.stack.loops
        if picked is None or not changes_per_pass(picked.selector, loops):
            return elem
        lists = [(path, state.env.get(path, UNKNOWN)) for path in iterated_lists(picked.source)]
        key = f"selected@{node.lineno}:{node.col_offset}"
        fresh = self.pass_entries.entry(elem, loops, node, lists, key)
        return elem if fresh is None else fresh

    def comprehension_pass(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp, inner: State) -> Value:
        for generator in node.generators:
            element = self.eval(generator.iter, inner).iter_elem()
            self.bind(generator.target, element, inner)
            for condition in generator.ifs:
                self.eval(condition, inner)
        return self.eval(node.elt, inner)

    def eval_dict_comprehension(self, node: ast.DictComp, state: State) -> Value:
        inner = state.copy()
        for generator in node.generators:
            self.bind(generator.target, self.eval(generator.iter, inner).iter_elem(), inner)
        self.eval(node.key, inner)
        return Value(kind=Kind.OTHER, requires_grad=None, elem=self.eval(node.value, inner))

    # -- binding --------------------------------------------------------------------------------
    def bind(self, target: ast.AST, value: Value, state: State) -> None:
        if state.items and isinstance(target, (ast.Name, ast.Attribute)):
            touched = attr_path(target)
            if touched is not None:
                state.forget_items(touched)
        if isinstance(target, ast.Name):
            state.env[target.id] = value
            self.facts.record(target, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            starred = any(isinstance(e, ast.Starred) for e in elts)
            if value.items is not None and len(value.items) == len(elts) and not starred:
                for elt, item in zip(elts, value.items):
                    self.bind(elt, item, state)
            else:
                element = value.iter_elem() if value.kind is Kind.SEQ or value.elem else value
                for elt in elts:
                    self.bind(elt, element, state)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, Value(kind=Kind.SEQ, elem=value), state)
        elif isinstance(target, ast.Attribute):
            self.eval(target.value, state)
            path = attr_path(target)
            if path is not None:
                state.env[path] = value
            self.facts.record(target, value)
        elif isinstance(target, ast.Subscript):
            self.items.store(target, value, state)


def sequence(items: tuple[Value, ...]) -> Value:
    history = frozenset().union(*(i.history for i in items)) if items else frozenset()
    return Value(kind=Kind.SEQ, items=items, history=history, requires_grad=False if not history else None)


def _one_element(node: ast.ListComp | ast.GeneratorExp | ast.SetComp) -> bool:
    """A comprehension over one literal item or ``range(1)``: no second element."""
    if len(node.generators) != 1:
        return False
    iterated = node.generators[0].iter
    if isinstance(iterated, (ast.List, ast.Tuple)):
        return len(iterated.elts) <= 1 and not any(isinstance(e, ast.Starred) for e in iterated.elts)
    return (
        isinstance(iterated, ast.Call)
        and isinstance(iterated.func, ast.Name)
        and iterated.func.id == "range"
        and len(iterated.args) == 1
        and isinstance(iterated.args[0], ast.Constant)
        and iterated.args[0].value in (0, 1)
    )


def _has_effects(node: ast.IfExp) -> bool:
    """A side of ``node`` calls something (or binds a name): evaluating it may change the state."""
    return any(isinstance(n, (ast.Call, ast.NamedExpr)) for side in (node.body, node.orelse) for n in ast.walk(side))
