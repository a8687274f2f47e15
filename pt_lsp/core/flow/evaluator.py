"""Expressions: the transfer function of each kind of expression, recorded in the facts."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import vocabulary as api
from ..classes import ClassInfo
from ..walk import attr_path
from .conditions import grad_narrowed, grad_paths, narrow_grad
from .cuda_flags import OTHER_ACCELERATORS, device_comparison, flag_by_name, narrowed
from .device_ops import WITH_DIMENSIONS_METHODS, WITH_DIMENSIONS_OPS, moved_operand, on_cpu_or_raises
from .graph import GraphNodes
from .indexing import basic_index, is_dict, legacy_scalar_read, string_key, taken_for_a_tensor
from .lattice import Device, Grade, ReadOnly, grade_of
from .module_device import NAMESPACES, parameters_device
from .state import STATE_FIELDS, State, item_key
from .values import BYTES, INT, NDARRAY, OTHER, UNKNOWN, Kind, Value, add_element, merge_steps, ref

if TYPE_CHECKING:
    from .calls import Calls
    from .facts import FlowFacts
    from .functions import Scope


class Expressions:
    """Evaluates expressions against a ``State``: one transfer function per kind of expression
    (a dispatch table), each value recorded in the facts. Calls go to ``calls``, names to
    ``scope``; graph nodes come from ``graph``."""

    calls: Calls  # set by the interpreter: calls and expressions evaluate each other

    def __init__(self, facts: FlowFacts, graph: GraphNodes, scope: Scope) -> None:
        self.facts = facts
        self.graph = graph
        self.scope = scope
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
        if isinstance(node.value, bool) or node.value is None:  # None is falsy: `loss_fn or nn.MSELoss()`
            return OTHER.with_(truth=bool(node.value))
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
        return self.attribute(base, node, state)

    def attribute(self, base: Value, node: ast.Attribute, state: State) -> Value:
        value = self._attribute(base, node, state)
        if value.kind is Kind.UNKNOWN and base.kind in (Kind.UNKNOWN, Kind.OTHER) and not base.history:
            option = self.scope.options.default(node)  # `args.device` defaulting to CUDA, a non-zero size
            if option is not None:
                return option
        if value.cuda_flag is None and value.kind in (Kind.UNKNOWN, Kind.OTHER) and not value.history:
            flag = True if node.attr == "is_cuda" else flag_by_name(node.attr)
            if flag is not None:
                return value.with_(cuda_flag=flag)
        return value

    def class_attribute(self, qualname: str, attr: str) -> Value | None:
        """What the body of a class of this file binds to ``attr`` (class_attributes.py)."""
        if not qualname.startswith("<class>."):
            return None
        info = self.calls.functions.class_by_id.get(int(qualname[8:]))
        if info is None:
            return None
        return self.scope.class_attributes.read(info, attr, lambda expr: self.eval(expr, State()))

    def static_method(self, qualname: str, attr: str) -> Value | None:
        """A ``@staticmethod`` of a class of this file read through the class: a function."""
        info = self.calls.functions.class_by_id.get(int(qualname[8:])) if qualname.startswith("<class>.") else None
        method = info.methods.get(attr) if info is not None else None
        if method is None or not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in method.decorator_list):
            return None
        self.scope.definitions[id(method)] = method
        return ref(f"<def>.{id(method)}")

    def _attribute(self, base: Value, node: ast.Attribute, state: State) -> Value:
        attr = node.attr
        if base.read_only is not None and attr == "T":  # a view; of a 1-D array, the array itself
            array = base.read_only
            return Value(read_only=ReadOnly(array.reason, array.where, array.one_dim, array.one_dim))
        if base.kind is Kind.REF and base.qualname:
            if (method := self.static_method(base.qualname, attr)) is not None:
                return method  # `Metrics.to_array(t)`: followed as a function of the file
            if base.qualname.startswith("<"):
                held = self.class_attribute(base.qualname, attr)  # `Cfg.device` bound by the class body
                return held if held is not None else UNKNOWN  # else an attribute of a local function or class
            return ref(f"{base.qualname}.{attr}")
        if base.kind is Kind.TENSOR:
            if attr in ("data", "grad"):
                return Value(kind=Kind.TENSOR, device=base.device, requires_grad=False)
            if attr == "device":
                return Value(kind=Kind.DEVICE, device=base.device, requires_grad=False)
            if attr in api.TENSOR_ATTRS_OTHER:
                return OTHER
            if attr == "indices":  # of torch.max/topk/sort results
                return Value(kind=Kind.TENSOR, device=base.device, requires_grad=False)
            if attr in ("T", "mT", "H", "real", "imag", "values"):
                return self.derived(node, state, [base])
            return UNKNOWN
        if base.kind is Kind.MODULE:
            return self.module_attribute(base, node, state)
        if base.cls is not None:  # an instance of a plain class of this file
            known = dict(base.attrs).get(attr)
            if known is None and isinstance(base.cls, ClassInfo):
                known = self.class_attribute(f"<class>.{id(base.cls.node)}", attr)  # one it never sets itself
            return known if known is not None else UNKNOWN
        if attr == "grad" and base.requires_grad:
            return Value(kind=Kind.TENSOR, device=base.device, requires_grad=False)
        if base.kind is Kind.SEQ and base.attrs:  # a named tuple's field (namedtuples.py)
            return named_field(base, attr)
        if base.qualname in NAMESPACES:  # `opt = SimpleNamespace(device=...)`
            return dict(base.attrs).get(attr, UNKNOWN)
        return UNKNOWN

    def module_attribute(self, base: Value, node: ast.Attribute, state: State) -> Value:
        known = dict(base.attrs).get(node.attr)
        if known is not None:
            return (
                known.with_(device=base.device)
                if base.device is not Device.UNKNOWN
                and known.kind in (Kind.MODULE, Kind.TENSOR)
                and known.requires_grad
                else known
            )
        if node.attr == "device" and base.device.may_be_cuda and parameters_device(base):
            # `model.device` of a model moved to CUDA (or maybe): its parameters' device
            return Value(kind=Kind.DEVICE, device=base.device, requires_grad=False, steps=base.steps)
        if base.qualname and node.attr in ("weight", "bias"):
            if base.requires_grad is False:  # a layer frozen by `requires_grad_(False)`
                return Value(kind=Kind.TENSOR, device=base.device, requires_grad=False)
            parameter = Value(kind=Kind.TENSOR, device=base.device, requires_grad=True, steps=base.steps)
            return parameter.step(node, f"{subject(node)} is a parameter (requires grad)")
        return UNKNOWN

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

    def int_equals(self, test: ast.Compare, state: State) -> bool | None:
        """``t == 0`` / ``t != 0`` where ``t`` holds an int known to be zero or not (a loop's
        counter in its first pass: ``for t in range(0, steps, r)``; audit-7 G8)."""
        subject, other = test.left, test.comparators[0]
        if isinstance(subject, ast.Constant):
            subject, other = other, subject
        path = attr_path(subject)
        if path is None or not (isinstance(other, ast.Constant) and type(other.value) is int):
            return None
        held = state.env.get(path)
        if held is None or held.qualname != INT.qualname or held.truth is None:
            return None
        if held.truth and other.value != 0:
            return None  # some other int
        equal = not held.truth and other.value == 0
        return equal if isinstance(test.ops[0], ast.Eq) else not equal

    def known_truth(self, test: ast.expr, state: State) -> bool | None:
        """The value of a test the facts decide: ``isinstance(x, (tuple, list))`` where ``x`` is
        a tuple or list whose items are known (True; a tensor may be a named tuple:
        ``torch.max(x, 1)``), ``isinstance(x, torch.Tensor)`` of a tuple or list (False), ``x is
        None`` where ``x`` is a tensor with a graph (False), a name or attribute holding a boolean
        constant. None otherwise."""
        if self.decided and id(test) in self.decided:
            return self.decided[id(test)]  # a flag's side, in one run of a split (splits.py)
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            truth = self.known_truth(test.operand, state)
            return None if truth is None else not truth
        if isinstance(test, (ast.Name, ast.Attribute)):
            # a boolean constant (`self.is_test = False` before the loop): not a CUDA flag, whose
            # branches the device rules read both of
            path = attr_path(test)
            if path is None or flag_by_name(path.rsplit(".", 1)[-1]) is not None:
                return None
            held = state.env.get(path)
            if held is None and isinstance(test, ast.Name):
                held = self.scope.lookup(test.id, test, state)
            return held.truth if held is not None and held.cuda_flag is None else None
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq)):
            return self.int_equals(test, state)
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot)):
            # `loss is not None` where `loss` is a tensor with a graph on every path (a method's
            # optional argument, passed at the call being followed); not `p.grad`, which may be None
            subject, other = test.left, test.comparators[0]
            path = attr_path(subject)
            if path is None or not (isinstance(other, ast.Constant) and other.value is None) or path not in state.env:
                return None
            value = state.env[path]
            if value.qualname == INT.qualname:  # an int on every path: `if batch_size is not None:`
                return isinstance(test.ops[0], ast.IsNot)
            if value.kind is not Kind.TENSOR or not value.history:
                return None
            return isinstance(test.ops[0], ast.IsNot)
        if not (
            isinstance(test, ast.Call)
            and isinstance(test.func, ast.Name)
            and test.func.id == "isinstance"
            and len(test.args) == 2
            and not test.keywords
        ):
            return None
        types = test.args[1]
        names = {e.id for e in types.elts if isinstance(e, ast.Name)} if isinstance(types, ast.Tuple) else set()
        path = attr_path(test.args[0])
        if path is None or path not in state.env:
            return None
        if self.scope.lookup("isinstance", test.func, state).qualname != "builtins.isinstance":
            return None
        value = state.env[path]
        if {"tuple", "list"} <= names:
            return True if value.kind is Kind.SEQ and value.items is not None else None
        if self.scope.qualname(types) == "torch.Tensor" and value.kind is Kind.SEQ:
            return False  # a tuple or list is no tensor: `repackage_hidden(h)` recursing into (h, c)
        if self.scope.qualname(types) == "torch.Tensor" and value.kind is Kind.TENSOR:
            return True  # `if isinstance(x, torch.Tensor): return x.cpu().numpy()`: no path after it here
        return None

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
        base = self.eval(node.value, state)
        index = node.slice
        position = self.eval(index, state)
        key = item_key(node) if state.items else None
        stored = state.env.get(key) if key is not None and key in state.items else None
        if stored is not None:
            return stored  # the item stored by this index (`hidden[i] = h.detach()`)
        # a view of the read-only memory: basic indexing, or an int from a loop or a sampler (`rows[idx]`)
        if base.read_only is not None and (basic_index(index) or position.qualname == INT.qualname):
            array = base.read_only
            sliced = isinstance(index, ast.Slice) and index.step is None
            # one int (a row), `None` or `...` of a C-contiguous array: contiguous too (`a[idx].reshape(-1)`)
            row = not isinstance(index, (ast.Tuple, ast.Slice))
            return Value(
                read_only=ReadOnly(
                    array.reason, array.where, array.contiguous and (sliced or row), array.one_dim and sliced
                )
            )
        if base.qualname == BYTES.qualname and isinstance(index, ast.Slice):
            return BYTES
        if base.keys is not None and isinstance(index, ast.Constant) and isinstance(index.value, str):
            for name, value in base.keys:  # `losses["d_real"]`: that entry's graph only
                if name == index.value:
                    return value
        if base.kind is Kind.SEQ:
            if base.items is not None and isinstance(index, ast.Constant) and isinstance(index.value, int):
                if -len(base.items) <= index.value < len(base.items):
                    return base.items[index.value]
            if isinstance(index, ast.Slice):
                return base
            return base.iter_elem()
        if base.kind is Kind.TENSOR:
            if legacy_scalar_read(node):
                # `loss.data[0]` was a Python number in the torch it was written for, and raises
                # IndexError on today's 0-dim losses: a tensor in neither (audit-4 F2).
                return UNKNOWN
            return self.derived(node, state, [base])
        if base.kind is Kind.MODULE and base.qualname == "torch.nn.Sequential" and base.attrs:
            layer = sequential_layer(base, index)  # `model[0]`: that layer, where the container is
            if layer is not None:
                return layer
        if base.kind is Kind.OTHER and base.cls is not None:  # `dataset[0]`: what its `__getitem__` returns
            item = self.calls.subscript_item(node, base, position, state)
            if item is not None:
                return item
        if base.elem is not None:
            return base.elem
        if base.kind is Kind.UNKNOWN and base.device is not Device.UNKNOWN:
            # moved to a device, of unknown class (a DataLoader's batch): its items are there too
            return Value(device=base.device, history=base.history, requires_grad=None, steps=base.steps)
        if base.history:
            return Value(history=base.history, requires_grad=base.requires_grad)
        return UNKNOWN

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
        elem = self.comprehension_pass(node, inner)
        freed = [n for n in inner.freed if n not in state.freed] if len(inner.freed) > len(state.freed) else []
        if freed and not _one_element(node) and not self.calls.autograd.per_item.own_entries_in(node, state.env, freed):
            # a backward ran for the first element: the second meets what it freed, as a loop's
            # second iteration does (`[cam(x[i : i + 1]) for i in ...]` on one generated batch)
            elem = elem.join(self.comprehension_pass(node, inner))
        return Value(kind=Kind.SEQ, elem=elem)

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
            container = self.eval(target.value, state)
            self.eval(target.slice, state)
            path = attr_path(target.value)
            keys = None  # a dict of known keys given one by a constant key: that entry replaced
            if container.keys is not None and isinstance(target.slice, ast.Constant) and string_key(target):
                key_name = target.slice.value
                keys = (*((k, v) for k, v in container.keys if k != key_name), (key_name, value))
            if (
                path is not None
                and container.kind in (Kind.SEQ, Kind.OTHER)
                and container.elem is not None
                or (path is not None and container.kind is Kind.SEQ)
            ):
                elem = add_element(container.iter_elem(), value)  # it holds `value` now, among others
                if is_dict(container, target) and elem is not value and elem is not container.elem:
                    # a key names one value: a read by a key requires grad only where every value
                    # does, as in a dict display (`ret["mel"] = ret["mel"].detach()`)
                    elem = elem.with_(requires_grad=container.iter_elem().join(value).requires_grad)
                state.env[path] = container.with_(
                    elem=elem,
                    items=None,
                    history=container.history | value.history,
                    keys=keys,
                )
            elif path is not None and "." not in path and container.keys is not None:  # `out = {}; out["g_l1"] = l1`
                state.env[path] = container.with_(elem=value, history=container.history | value.history, keys=keys)
            elif path is not None and string_key(target) and taken_for_a_tensor(container):
                # `ret["mel"] = ...`: no tensor takes a string key, so this is a mapping (a module's
                # output dict read as its output tensor); its items unknown, their graph kept
                state.env[path] = Value(kind=Kind.OTHER, history=container.history)
            if path is not None:
                state.forget_items(path)  # another index may name the same item
                key = item_key(target)
                # a list, or a dict (`ret["mel"] = ret["mel"].detach()`: the item is that value now)
                if key is not None and (container.kind is Kind.SEQ or is_dict(container, target)):
                    state.env[key] = value
                    state.items.add(key)


def subject(expr: ast.expr) -> str:
    """How an evidence step names what it is about: `` `net` `` or "the tensor"."""
    text = ast.unparse(expr)
    return f"`{text}`" if len(text) <= 40 else "the tensor"


def sequence_layer_index(index: ast.expr, count: int) -> int | None:
    if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub) and isinstance(index.operand, ast.Constant):
        value = index.operand.value
        return count - value if isinstance(value, int) and 0 < value <= count else None
    if isinstance(index, ast.Constant) and isinstance(index.value, int) and 0 <= index.value < count:
        return index.value
    return None


def sequential_layer(container: Value, index: ast.expr) -> Value | None:
    """``seq[i]`` of an ``nn.Sequential`` built from known layers (named "0", "1"...): the
    layer, on the container's device (moves of the container move it)."""
    position = sequence_layer_index(index, len(container.attrs))
    layer = dict(container.attrs).get(str(position)) if position is not None else None
    if layer is None or layer.kind is not Kind.MODULE:
        return None
    return layer.with_(device=container.device, steps=container.steps) if layer.requires_grad else layer


def named_field(value: Value, attr: str) -> Value:
    """A named tuple's field: its item at the field's position (``attrs`` name the fields in
    order), so that what changed the items (``for t in state: t.detach_()``) changes the field."""
    names = [name for name, _ in value.attrs]
    if attr not in names:
        return UNKNOWN
    if value.items is not None and len(value.items) == len(names):
        return value.items[names.index(attr)]
    return value.attrs[names.index(attr)][1]


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
