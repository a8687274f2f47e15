"""Calls: tensor methods, local functions and classes, unknown callables; functions by qualified
name go to qualified.py, modules and their methods to module_calls.py."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .. import vocabulary as api
from ..classes import ClassInfo
from ..walk import attr_path, own_nodes
from .attribute_modules import AttributeModules
from .autograd import Autograd, is_true, keyword
from .device_ops import ELEMENTWISE_OPS, SAME_DEVICE_METHODS, moved_operand, on_cpu_or_raises
from .evaluator import Expressions, sequence
from .graph import GraphNodes
from .lattice import Device, Grade, ReadOnly
from .module_calls import ModuleCalls, static, without_grad
from .moves import condition, moved_to, target_device
from .namedtuples import as_dict
from .optimizers import named_optimizer, saved_owners
from .qualified import PIL_IMAGE, PIL_IMAGE_METHODS, QualifiedCalls, elementwise_extreme, operands
from .state import Stack, State, item_key
from .values import BYTES, OTHER, UNKNOWN, Args, Kind, Kwargs, Value, add_element, subject

if TYPE_CHECKING:
    from .facts import FlowFacts
    from .functions import Functions

# An object whose `.parameters()` the code uses: an nn.Module of unknown class.
PROVEN_MODULE = Value(kind=Kind.MODULE, requires_grad=True, qualname="torch.nn.Module")


class Calls:
    """The value of a call: torch functions and classes by qualified name, tensor and module
    methods, builtins, and the functions and classes of this file (followed by ``functions``);
    ``backward()`` and ``optimizer.step()`` go to ``autograd``. Anything else is unknown."""

    def __init__(
        self,
        facts: FlowFacts,
        expressions: Expressions,
        graph: GraphNodes,
        stack: Stack,
        functions: Functions,
        autograd: Autograd,
        module_paths: frozenset[str],
        module_evidence: Grade,
    ) -> None:
        self.facts = facts
        self.expressions = expressions
        self.eval = expressions.eval
        self.derived = expressions.derived
        self.graph = graph
        self.stack = stack
        self._called: dict[int, frozenset[str]] = {}  # id(function) -> the paths it calls (called_here)
        self.functions = functions
        # a DataLoader call or a subscript -> the `__getitem__` / `__iter__` call it stands for (kept alive:
        # ids are keys)
        self.item_calls: dict[int, ast.Call] = {}
        self.autograd = autograd
        # variable paths whose `.parameters()` the file uses: nn.Modules wherever unknown
        self.module_paths = module_paths
        # CALLABLE where the file freezes parameters: a module's output then proves no graph
        self.module_evidence = module_evidence
        self.module_calls: list[str] = []  # the modules whose forward is being interpreted
        self.attribute_modules = AttributeModules(functions)  # `self.net` of a plain class's method
        # functions and classes by qualified name; modules and their methods
        self.qualified = QualifiedCalls(self)
        self.call_qualified = self.qualified.call_qualified
        self.modules = ModuleCalls(self)
        self.call_module = self.modules.call_module
        self.module_method = self.modules.module_method

    def call(self, node: ast.Call, state: State) -> Value:
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = self.eval(func.value, state)
            self.facts.record(func, UNKNOWN)
            args = [self.eval(a, state) for a in node.args]
            kwargs = {kw.arg: self.eval(kw.value, state) for kw in node.keywords}
            if receiver.kind is Kind.REF and receiver.qualname and not receiver.qualname.startswith("<"):
                return self.call_qualified(f"{receiver.qualname}.{func.attr}", node, args, kwargs, state)
            static = (
                self.expressions.attributes.static_method(receiver.qualname or "", func.attr)
                if receiver.qualname
                else None
            )
            if receiver.kind is Kind.REF and static is not None:  # `Metrics.to_array(t)`: a function of the file
                return self.call_qualified(static.qualname or "", node, args, kwargs, state)
            return self.call_method(receiver, func, node, args, kwargs, state)
        callee = self.eval(func, state)
        if callee is UNKNOWN and attr_path(func) in self.module_paths:
            callee = PROVEN_MODULE
        args = [self.eval(a, state) for a in node.args]
        kwargs = {kw.arg: self.eval(kw.value, state) for kw in node.keywords}
        if callee.kind is Kind.REF and callee.qualname:
            return self.call_qualified(callee.qualname, node, args, kwargs, state)
        if (made := legacy_tensor(callee, node)) is not None:
            return made
        if callee.kind is Kind.MODULE:
            return self.call_module(callee, node, args, kwargs, state)
        if callee.cls is not None and (method := self.functions.local_method(callee, "__call__")) is not None:
            return self.functions.call_function(method, node, [callee, *args], kwargs, state, attr_path(func))
        if isinstance(func, ast.Name) and func.id in api.PYTHON_RESULT_BUILTINS and callee is UNKNOWN:
            return OTHER
        if callee is UNKNOWN and isinstance(func, ast.Name) and args and self.stack.is_parameter(func.id):
            return self.call_callable_parameter(node, args, kwargs, state)
        return self.call_unknown(node, args, kwargs, state)

    def call_callable_parameter(self, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        """``model(x)`` where ``model`` is a parameter: in training code a callable parameter
        applied to data is a model or a loss. Its output gets an *opaque* graph node, which
        rules trust only where a second backward is otherwise proven (not for state built
        before a loop)."""
        value = self.call_unknown(node, args, kwargs, state)
        if not state.grad_enabled:
            return value
        made = self.graph.fresh(node, evidence=Grade.CALLABLE)
        if attr_path(node.func):  # a model's parameters, if it is one (PTL201 grades it)
            self.graph.parameter_nodes[made.uid] = saved_owners([*self.module_calls, attr_path(node.func) or ""])
        return value.with_(history=value.history | {made})

    # -- unknown callables ----------------------------------------------------------------------
    def call_unknown(self, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        """No evidence about the callee. Arguments carrying a graph make the result carry it too
        (a loss function of model outputs); otherwise nothing is known."""
        inputs = [*args, *kwargs.values()]
        if any(v.history or v.requires_grad for v in inputs) and state.grad_enabled:
            # The result may extend the graph of its arguments, but nothing proves it does:
            # its own node is graded UNKNOWN (an object built from a model is not a tensor).
            value = self.derived(node, state, inputs, kind=Kind.UNKNOWN, evidence=Grade.UNKNOWN)
            return value.with_(requires_grad=None, device=Device.UNKNOWN)
        return UNKNOWN

    def call_external(self, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        """A function or class of another module (``helpers.repackage_hidden(h)``,
        ``Agent(net)``): it may detach, copy or wrap what it gets. Its result gets a node of its
        own, graded UNKNOWN, and not the arguments' graph: no rule can prove a failure through it
        beyond one iteration."""
        inputs = [*args, *kwargs.values()]
        if any(v.history or v.requires_grad for v in inputs) and state.grad_enabled:
            return Value(history=frozenset({self.graph.fresh(node, Grade.UNKNOWN)}))
        return UNKNOWN

    def subscript_item(self, node: ast.Subscript, base: Value, index: Value, state: State) -> Value | None:
        """``obj[i]`` of an instance of a class of this file that defines ``__getitem__``: what
        that method returns for ``i`` (``dataset[0]``); None for any other object."""
        method = self.functions.local_method(base, "__getitem__") if base.kind is Kind.OTHER else None
        if method is None:
            return None
        call = self.item_call(node, "__getitem__")
        return self.functions.call_function(method, call, [base, index], {}, state, attr_path(node.value))

    def item_call(self, node: ast.expr, name: str) -> ast.Call:
        """The call of ``name`` that ``node`` stands for, made once per node."""
        call = self.item_calls.get(id(node))
        if call is None:
            func = ast.Name(id=name, ctx=ast.Load())
            call = self.item_calls[id(node)] = ast.copy_location(ast.Call(func=func, args=[], keywords=[]), node)
        return call

    # -- methods --------------------------------------------------------------------------------
    def call_method(
        self, receiver: Value, func: ast.Attribute, node: ast.Call, args: Args, kwargs: Kwargs, state: State
    ) -> Value:
        name = func.attr
        unset = receiver is not UNKNOWN and self.attribute_modules.unset(receiver, func, state)
        held = self.attribute_modules.module(func, state) if receiver is UNKNOWN or unset else None
        if held is None and unset and attr_path(func) in self.module_paths:
            held = PROVEN_MODULE  # an attribute the instance does not hold here: as where `self` is unknown
        if held is not None:  # `self.net(x)` in a plain class's method: the module class it assigns
            return self.call_module(held, node, args, kwargs, state)
        if receiver is UNKNOWN and isinstance(func.value, ast.Attribute):
            # `self.actor.sample(s)` there: that class's own method, its nodes owned by self.actor
            held = self.attribute_modules.module(func.value, state)
            if held is not None and self.functions.local_method(held, name) is not None:
                return self.module_method(held, func, node, args, kwargs, state)
        if receiver.kind is Kind.MODULE or (receiver is UNKNOWN and attr_path(func) in self.module_paths):
            attribute = self.expressions.eval_attribute(func, state)  # `self.rnn(x)`: a submodule, not a method
            if attribute is UNKNOWN and attr_path(func) in self.module_paths:
                attribute = PROVEN_MODULE
            if attribute.kind is Kind.MODULE:
                return self.call_module(attribute, node, args, kwargs, state)
            if attribute.kind is Kind.REF and (attribute.qualname or "").startswith("<def>."):
                return self.call_qualified(attribute.qualname or "", node, args, kwargs, state)  # a callback
            return self.module_method(receiver, func, node, args, kwargs, state)
        if receiver.kind is Kind.OTHER and receiver.cls is not None:  # a plain class of this file
            attribute = self.expressions.eval_attribute(func, state)
            if attribute.kind is Kind.MODULE:
                return self.call_module(attribute, node, args, kwargs, state)
            if attribute.cls is not None and (dunder := self.functions.local_method(attribute, "__call__")):
                # an instance of a class of the file kept as a callable (`self.transform = ToTensor()`)
                return self.functions.call_function(dunder, node, [attribute, *args], kwargs, state, attr_path(func))
            if attribute.kind is Kind.REF and (attribute.qualname or "").startswith("<def>."):
                # a function stored as a value (`self.metric = compute_metrics`): a callback
                return self.call_qualified(attribute.qualname or "", node, args, kwargs, state)
            if (made := legacy_tensor(attribute, node)) is not None:  # `self.Tensor(n, 8)`
                return made
            method = self.functions.local_method(receiver, name)
            if method is None and name == "sample" and self.distribution_class(receiver.cls):
                # torch's Distribution.sample() is the class's rsample() under no_grad
                rsample = self.functions.local_method(receiver, "rsample")
                if rsample is not None:
                    drawn = self.functions.call_function(
                        rsample, node, [receiver, *args], kwargs, state, attr_path(func.value)
                    )
                    return without_grad(drawn)
            if method is not None and static(method):  # `self._to_numpy(x)`: no `self` passed
                return self.functions.call_function(method, node, args, kwargs, state)
            if method is not None:
                return self.functions.call_function(
                    method, node, [receiver, *args], kwargs, state, attr_path(func.value)
                )
        if receiver.read_only is not None:
            view = array_view(receiver.read_only, name, node)
            if view is not None:
                return Value(read_only=view)
        if receiver.qualname == PIL_IMAGE.qualname and name in PIL_IMAGE_METHODS:  # `img.convert("RGB")`: another image
            return PIL_IMAGE
        if name == "backward":
            self.autograd.backward(node, func.value, receiver, state)
            return OTHER
        if name == "step" and (
            (receiver.kind is Kind.OTHER and (receiver.qualname or "").startswith("torch.optim."))
            or (attr_path(func.value) or "") in self.autograd.optimizers  # `self.opt_d`, built in __init__
            or (receiver is UNKNOWN and not node.args and named_optimizer(attr_path(func.value) or ""))  # a parameter
        ):
            closure = args[0] if args else kwargs.get("closure")
            qualname = closure.qualname or "" if closure is not None and closure.kind is Kind.REF else ""
            run = self.functions.local_callable(qualname) if qualname.startswith("<def>.") else None
            if run is not None:
                run(node, args, kwargs, state)  # `opt.step(closure)` calls the closure (no parameter)
            self.autograd.optimizer_step(node, state)
            if run is not None and receiver.qualname == "torch.optim.LBFGS":
                # LBFGS evaluates it again after its first update (max_iter 20; unless the first
                # evaluation already meets its tolerances)
                run(node, args, kwargs, state)
            return OTHER
        if name == "forward" and receiver is UNKNOWN and args and attr_path(func.value):
            # `agent.actor.forward(s)` on an object out of view: a module's forward, as a callable parameter's
            return self.call_callable_parameter(node, args, kwargs, state)
        if receiver.keys is not None:  # a dict of known keys (values.py)
            first = node.args[0] if node.args else None
            if name == "get" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found = dict(receiver.keys).get(first.value)
                if found is not None:
                    return found.join(args[1]) if len(args) > 1 else found
            elif name not in ("values", "items", "keys", "copy", "get") and (keyed := attr_path(func.value)):
                state.env[keyed] = receiver.with_(keys=None)  # `update()`, `pop()`: entries change
        if name == "_asdict" and receiver.kind is Kind.SEQ and receiver.attrs and not args:
            return as_dict(receiver)  # a named tuple's fields by name: `losses._asdict().items()`
        if receiver.kind is Kind.SEQ or receiver.elem is not None:
            path = attr_path(func.value)
            if name in api.LIST_ADD_METHODS and args:
                added = stored(args[0].iter_elem() if name == "extend" else args[-1], node, func.value)
                grown = receiver.with_(
                    items=None, elem=add_element(receiver.iter_elem(), added), history=receiver.history | added.history
                )
                if receiver.items is not None and (name == "append" or name == "extend" and args[0].items is not None):
                    # positions stay known: `self.transition = [s, log_prob]; ...extend([next_s, r, done])`
                    tail = (args[-1],) if name == "append" else args[0].items or ()
                    grown = grown.with_(items=(*receiver.items, *tail), elem=None)
                if path:
                    state.env[path] = grown
                elif isinstance(func.value, ast.Subscript) and (outer := attr_path(func.value.value)):
                    # `self.stats[key].append(x)`: the dict's (or list's) element list grows
                    holder = self.eval(func.value.value, state)
                    if holder.elem is not None or holder.kind is Kind.SEQ:
                        keys = None  # `results["loss"].append(x)`: that entry is the grown list
                        entry = func.value.slice
                        if holder.keys is not None and isinstance(entry, ast.Constant) and isinstance(entry.value, str):
                            keys = tuple((k, grown if k == entry.value else v) for k, v in holder.keys)
                        state.env[outer] = holder.with_(
                            items=None,
                            elem=add_element(holder.iter_elem(), grown),
                            history=holder.history | added.history,
                            keys=keys,
                        )
                return OTHER
            if name in api.LIST_RESET_METHODS and path:
                state.env[path] = Value(kind=Kind.SEQ, elem=None)
                return OTHER
            if name in ("values", "items", "keys", "copy", "pop", "get"):
                element = receiver.iter_elem()
                if name == "items":
                    return Value(kind=Kind.SEQ, elem=sequence((OTHER, element)))
                return Value(kind=Kind.SEQ, elem=element) if name in ("values", "copy") else element
        if receiver.kind is Kind.TENSOR and name in api.DISTRIBUTION_NO_GRAPH:
            # torch.Tensor has no sample(): a value taken for a tensor (an item of a forward out of
            # view, `dist, value = model(x)`) is a distribution here (audit-8 G4)
            return Value(kind=Kind.TENSOR, device=receiver.device, requires_grad=False, steps=receiver.steps)
        if receiver.kind is Kind.DISTRIBUTION:
            if name in api.DISTRIBUTION_NO_GRAPH:  # drawn where the distribution's parameters are
                return Value(kind=Kind.TENSOR, device=receiver.device, requires_grad=False, steps=receiver.steps)
            value = self.derived(node, state, [receiver, *args], kind=Kind.TENSOR)
            return value.with_(device=receiver.device) if name == "rsample" else value
        # tensor-only names: a value that is a tensor or None (`if h is not None: h.detach_()`) detaches too
        if receiver.kind is Kind.TENSOR or name in ("cuda", "detach", "detach_", "numpy", "item", "cpu"):
            return self.tensor_method(receiver, func, node, args, kwargs, state)
        if name in ("tobytes", "read", "getvalue") and not args and not kwargs:
            return BYTES  # a file's (or a buffer's) bytes
        if name in ("to",) and receiver.kind is Kind.UNKNOWN:
            moved = target_device(node, args, kwargs, receiver.device)
            return receiver.with_(device=moved) if moved is not Device.UNKNOWN else receiver
        # `self.d_loss(x, fake)` in a plain class's method analysed alone: its body decides which
        # of the graphs it is given reach its result (only read where one is given)
        graphs = receiver is UNKNOWN and any(v.history for v in (*args, *kwargs.values()))
        own = self.own_method(func) if graphs else None
        if own is not None:
            if static(own):
                return self.functions.call_function(own, node, args, kwargs, state)
            return self.functions.call_function(own, node, [receiver, *args], kwargs, state, attr_path(func.value))
        if graphs and self.called_here(func.value):
            # `model.reuse_hidden(hidden)` where the function also calls `model(...)`: no tensor (tensors
            # are not callable) but an object out of view, whose method may detach (audit-15 G3)
            return self.call_external(node, args, kwargs, state)
        result = self.call_unknown(node, [receiver, *args], kwargs, state)
        path = attr_path(func.value)
        # a method of an object of unknown class (or one a class of the file inherits from an
        # unknown base) may rebind any of its attributes to a new graph: after `model.train_batch(x)`,
        # `model.loss_grad` is not the graph the last backward freed (audit-8 G5). What else they
        # were (a tensor, its device) is kept as likely: such methods rebind them to their like.
        unknown = receiver.cls is None if receiver.kind is Kind.UNKNOWN else receiver.kind is Kind.OTHER
        if path and unknown and receiver.qualname is None and name not in api.MODULE_KEEPS_ATTRIBUTES:
            for key in [key for key in state.env if key.startswith(path + ".") and state.env[key].history]:
                state.env[key] = state.env[key].with_(history=frozenset())
        if (
            receiver.kind is Kind.UNKNOWN
            and receiver.device is not Device.UNKNOWN
            and (
                name in RESHAPING_METHODS
                or (name in ELEMENTWISE_OPS and all(moved_operand(receiver, v) for v in (*args, *kwargs.values())))
            )
        ):
            # moved to a device but of unknown class (a DataLoader's batch): a reshape, cast or
            # elementwise op with numbers or same-device operands stays there (`x.mul(255)`, as `x * 255`)
            return result.with_(device=receiver.device, steps=receiver.steps)
        return result

    def called_here(self, receiver: ast.expr) -> bool:
        """Whether the function being run calls ``receiver`` itself (``model(x)``, ``model.forward(x)``)."""
        path = attr_path(receiver)
        frames = self.stack.frames
        if path is None or not frames:
            return False
        scope = frames[-1].node
        called = self._called.get(id(scope))
        if called is None:
            called = self._called[id(scope)] = frozenset(
                attr_path(callee(node.func)) or "" for node in own_nodes(scope) if isinstance(node, ast.Call)
            )
        return path in called

    def own_method(self, func: ast.Attribute) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """``self.helper`` in a method of a plain class (of this file or the project) analysed
        with ``self`` unknown: the class's own ``helper``, whose body says what reaches its
        result (a helper that detaches its argument inside; audit-9 G2). None otherwise."""
        frames = self.stack.frames
        function = frames[-1].node if frames else None
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or not isinstance(func.value, ast.Name):
            return None
        params = [*function.args.posonlyargs, *function.args.args]
        if not params or params[0].arg != func.value.id or static(function):
            return None
        owner = self.attribute_modules.owner(function)
        return owner.method(func.attr) if owner is not None else None

    def distribution_class(self, cls: object) -> bool:
        """A class of the project derived from a ``torch.distributions`` class."""
        if not isinstance(cls, ClassInfo):
            return False
        bases = cls.node.bases
        torch_base = any((self.functions.scope.qualname(b) or "").startswith("torch.distributions.") for b in bases)
        return torch_base or any(self.distribution_class(base) for base in cls.local_bases)

    def tensor_method(
        self, receiver: Value, func: ast.Attribute, node: ast.Call, args: Args, kwargs: Kwargs, state: State
    ) -> Value:
        name = func.attr
        if name == "cuda":
            moved = receiver.with_(
                kind=Kind.TENSOR if receiver.kind is Kind.TENSOR else receiver.kind, device=Device.CUDA
            )
            return moved.step(node, f"{subject(func.value)} moved to CUDA here{condition(state)}")
        if name == "cpu":
            return receiver.with_(device=Device.CPU, steps=())
        if name == "to":
            device = target_device(node, args, kwargs, receiver.device)
            return moved_to(receiver.with_(device=device), node, func.value, device, receiver.device, args, kwargs)
        if name == "type" and args:
            # x.type(torch.cuda.FloatTensor) moves to CUDA; x.type(torch.FloatTensor) to the CPU
            target = args[0].qualname or ""
            if target in api.CUDA_TENSOR_TYPES or target in api.FACTORIES:
                device = Device.CUDA if target.startswith("torch.cuda.") else Device.CPU
                return receiver.with_(kind=Kind.TENSOR, device=device)
            if args[0].kind is Kind.REF and args[0].device is not Device.UNKNOWN:  # `x.type(dtype)`, a joined type
                moved = receiver.with_(kind=Kind.TENSOR, device=args[0].device)
                return moved_to(moved, node, func.value, args[0].device, receiver.device, args, kwargs)
        if name in ("detach", "detach_"):
            value = receiver.with_(history=frozenset(), requires_grad=False)
            if name == "detach_":
                if not rebind_field(state, func.value, value):  # `state.h.detach_()` of a named tuple
                    state.rebind(func.value, value)
                rebind_item(state, func.value, value)  # `hidden[0].detach_()`
            return value
        if name in ("requires_grad_",):
            flag = args[0] if args else kwargs.get("requires_grad")
            grad = (
                flag is None
                or (flag.kind is not Kind.OTHER)
                or is_true(node.args[0] if node.args else keyword(node, "requires_grad"))
            )
            # on a tensor computed from others, requires_grad_(True) changes nothing: it keeps its graph
            # (the gradient penalty's interpolates of a generator output); False is allowed on leaves only
            history = receiver.history if grad else frozenset()
            value = receiver.with_(kind=Kind.TENSOR, history=history, requires_grad=grad)
            state.rebind(func.value, value)
            return value
        if name in api.TENSOR_METHODS_PYTHON_RESULT:
            return OTHER
        if name in api.VALUES_AND_INDICES and (args or "dim" in kwargs) and not elementwise_extreme(name, args[:1]):
            return self.qualified.values_and_indices(node, state, [receiver])
        if name in api.TENSOR_METHODS_NO_GRAPH or name.startswith("new_"):
            return Value(kind=Kind.TENSOR, device=receiver.device, requires_grad=False, steps=receiver.steps)
        if name.endswith("_") and not name.startswith("_"):
            return receiver  # in place: the same tensor
        value = self.derived(node, state, [receiver, *args, *kwargs.values()], kind=Kind.TENSOR)
        if name in SAME_DEVICE_METHODS:
            return on_cpu_or_raises(value, [receiver, *args])
        if name in ELEMENTWISE_OPS:
            return self.expressions.elementwise(value, [(receiver, func.value), *operands(node, args, kwargs)])
        return value


def stored(value: Value, node: ast.Call, container: ast.expr) -> Value:
    """``value`` (and its items: ``stats.append((t, value))``) with a step saying where a
    container took it, where it has evidence to explain."""
    message = f"stored in {subject(container)} here"
    items = tuple(i.step(node, message) if i.steps else i for i in value.items) if value.items else value.items
    return (value.step(node, message) if value.steps else value).with_(items=items)


def callee(func: ast.expr) -> ast.expr:
    """What a call calls: ``model`` for ``model.forward(...)`` as for ``model(...)``."""
    return func.value if isinstance(func, ast.Attribute) and func.attr == "forward" else func


def rebind_field(state: State, target: ast.expr, value: Value) -> bool:
    """``state.h.detach_()``: a named tuple's field is its item at the field's position
    (attribute_reads.named_field), changed in place; no path of its own is written, which a new
    tuple bound to the name (``state = State(h, c)``) would leave stale. False for anything else."""
    if not isinstance(target, ast.Attribute):
        return False
    path = attr_path(target.value)
    held = state.env.get(path) if path is not None else None
    if path is None or held is None or held.kind is not Kind.SEQ or not held.attrs or held.items is None:
        return False
    names = [name for name, _ in held.attrs]
    if target.attr not in names or len(names) != len(held.items):
        return False
    items = list(held.items)
    items[names.index(target.attr)] = value
    history = frozenset().union(*(item.history for item in items))
    grad = False if not history else held.requires_grad
    state.env[path] = held.with_(items=tuple(items), history=history, requires_grad=grad)
    state.env.pop(f"{path}.{target.attr}", None)
    return True


def rebind_item(state: State, target: ast.expr, value: Value) -> None:
    """``hidden[0].detach_()``: the item of a sequence of known items at a constant index is
    changed in place, and the sequence's graph is what its items still hold."""
    if not isinstance(target, ast.Subscript):
        return
    index, sign = target.slice, 1
    if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub):
        index, sign = index.operand, -1  # `hidden[-1]`
    path = attr_path(target.value)
    if path is None or not (isinstance(index, ast.Constant) and type(index.value) is int):
        return
    held = state.env.get(path)
    if held is None:
        return
    if held.kind is not Kind.SEQ or held.items is None:
        return
    position = sign * index.value
    if not -len(held.items) <= position < len(held.items):
        return
    items = list(held.items)
    items[position] = value
    history = frozenset().union(*(item.history for item in items))
    grad = False if not history else held.requires_grad
    state.env[path] = held.with_(items=tuple(items), history=history, requires_grad=grad)
    key = item_key(target)
    if key is not None and key in state.items:
        state.env[key] = value


# Tensor methods whose result lives on the receiver's device (also a TensorDict's): shape and dtype changes.
RESHAPING_METHODS = frozenset(
    "view view_as reshape reshape_as flatten squeeze unsqueeze permute transpose t contiguous clone expand expand_as "
    "float double half bfloat16 long int bool byte char short abs neg sqrt exp log sigmoid tanh round floor ceil"
    " clamp clip".split()
)


# ndarray methods returning a view of their receiver always, or only of a contiguous one (else a copy)
VIEW_METHODS = frozenset({"view", "transpose", "swapaxes", "squeeze"})
CONTIGUOUS_VIEW_METHODS = frozenset({"reshape", "ravel"})


def array_view(array: ReadOnly, name: str, node: ast.Call) -> ReadOnly | None:
    """``array.<name>(...)`` when it is the same read-only memory: a view, or
    ``astype(..., copy=False)`` (the same array when the dtype already matches)."""
    if name == "view" and any(k.arg != "dtype" for k in node.keywords):
        return None  # `view(type=...)`: another class
    if name in VIEW_METHODS:
        return ReadOnly(array.reason, array.where, False)
    if name in CONTIGUOUS_VIEW_METHODS and array.contiguous:
        return ReadOnly(array.reason, array.where, True)
    copy = next((k.value for k in node.keywords if k.arg == "copy"), None)
    if name == "astype" and isinstance(copy, ast.Constant) and copy.value is False:
        return array
    return None


def legacy_tensor(callee: Value, node: ast.Call) -> Value | None:
    """A tensor made by a legacy tensor type known only by its device (``Tensor(4, 2)`` of
    ``Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor``); None for anything else."""
    if callee.kind is not Kind.REF or callee.qualname is not None or callee.device is Device.UNKNOWN:
        return None
    made = Value(kind=Kind.TENSOR, device=callee.device, requires_grad=False)
    where = "on CUDA" if callee.device is Device.CUDA else "on the device chosen at run time"
    return made if callee.device is Device.CPU else made.step(node, f"created {where} here")
