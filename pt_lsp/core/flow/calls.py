"""Calls: torch functions, tensor and module methods, builtins, local functions and classes."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .. import vocabulary as api
from ..classes import ClassInfo
from ..walk import attr_path
from .attribute_modules import AttributeModules
from .autograd import Autograd, is_true, keyword
from .evaluator import (
    ELEMENTWISE_OPS,
    SAME_DEVICE_METHODS,
    SAME_DEVICE_OPS,
    Expressions,
    on_cpu_or_raises,
    sequence,
    subject,
)
from .graph import GraphNodes
from .lattice import Device, Grade, ReadOnly
from .optimizers import named_optimizer, saved_owners
from .state import Stack, State
from .values import BYTES, INT, OTHER, UNKNOWN, Args, Kind, Kwargs, Value, add_element, merge_steps

if TYPE_CHECKING:
    from .facts import FlowFacts
    from .functions import Functions

# An object whose `.parameters()` the code uses: an nn.Module of unknown class.
# Functions of the standard `random` module that draw elements of their first argument.
RANDOM_DRAWS = frozenset({"random.choice", "random.choices", "random.sample"})
PROVEN_MODULE = Value(kind=Kind.MODULE, requires_grad=True, qualname="torch.nn.Module")


def condition(state: State) -> str:
    """`` (under `use_cuda`)`` for a step taken inside a branch, when the test is short."""
    if state.under is None:
        return ""
    test, holds = state.under
    if not holds and isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, holds = test.operand, True
    text = ast.unparse(test)
    return f" (under `{'' if holds else 'not '}{text}`)" if len(text) <= 60 else ""


def moved_to(
    value: Value, node: ast.Call, receiver: ast.expr, device: Device, before: Device, args: Args, kwargs: Kwargs
) -> Value:
    """``value`` after ``.to(...)``: a step saying where it went, with the steps of the device."""
    if device is before and device is not Device.MAYBE_CUDA:
        return value
    target = kwargs.get("device") or (args[0] if args else None)
    steps = target.steps if target is not None else ()
    if device is Device.CUDA:
        value = value.step(node, f"{subject(receiver)} moved to CUDA here")
    elif device is Device.MAYBE_CUDA:
        value = value.step(node, f"{subject(receiver)} moved to the device chosen at run time here")
    elif device is Device.CPU:
        return value.with_(steps=())
    return value.with_(steps=merge_steps(steps, value.steps))


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

    def call(self, node: ast.Call, state: State) -> Value:
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = self.eval(func.value, state)
            self.facts.record(func, UNKNOWN)
            args = [self.eval(a, state) for a in node.args]
            kwargs = {kw.arg: self.eval(kw.value, state) for kw in node.keywords}
            if receiver.kind is Kind.REF and receiver.qualname and not receiver.qualname.startswith("<"):
                return self.call_qualified(f"{receiver.qualname}.{func.attr}", node, args, kwargs, state)
            return self.call_method(receiver, func, node, args, kwargs, state)
        callee = self.eval(func, state)
        if callee is UNKNOWN and attr_path(func) in self.module_paths:
            callee = PROVEN_MODULE
        args = [self.eval(a, state) for a in node.args]
        kwargs = {kw.arg: self.eval(kw.value, state) for kw in node.keywords}
        if callee.kind is Kind.REF and callee.qualname:
            return self.call_qualified(callee.qualname, node, args, kwargs, state)
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

    # -- torch functions by qualified name ------------------------------------------------------
    def call_qualified(self, qualname: str, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        local = self.functions.local_callable(qualname)
        if local is not None:
            return local(node, args, kwargs, state)
        if qualname.startswith(api.MODEL_CONSTRUCTORS) and builds_model(qualname):
            return Value(kind=Kind.MODULE, device=Device.CPU, requires_grad=True, qualname=qualname)
        if not api.is_torch(qualname):
            builtin = self.call_builtin(qualname, node, args, kwargs, state)
            if builtin is not None:
                return builtin
            if qualname in RANDOM_DRAWS and args:  # `random.sample(memory, k)`: elements of memory
                drawn = args[0].iter_elem()
                return drawn if qualname == "random.choice" else Value(kind=Kind.SEQ, elem=drawn, history=drawn.history)
            if qualname == "collections.defaultdict" and node.args and _makes_list(node.args[0]):
                return Value(kind=Kind.OTHER, requires_grad=None, elem=Value(kind=Kind.SEQ))  # key -> list
            array = read_only_array(qualname, node, args, kwargs)
            if array is not None:
                return array
            if qualname in PIL_IMAGE_FUNCTIONS:
                return PIL_IMAGE
            return self.call_external(node, args, kwargs, state)
        if qualname in DATA_LOADERS:
            self.load_items(node, args, kwargs, state)
        if qualname.startswith("torch.distributions."):
            inputs = [*args, *kwargs.values()]
            history = frozenset().union(*(v.history for v in inputs)) if inputs else frozenset()
            grad = any(v.requires_grad for v in inputs)
            params = [*args, *(v for k, v in kwargs.items() if k != "validate_args")]
            device = distribution_device(qualname, params, state.default_device)
            steps = merge_steps(*(v.steps for v in params)) if device.may_be_cuda else ()
            grad_fact = True if grad else None
            return Value(kind=Kind.DISTRIBUTION, device=device, history=history, requires_grad=grad_fact, steps=steps)
        if qualname in api.FACTORIES or qualname in api.CUDA_TENSOR_TYPES or qualname in api.CPU_FACTORIES:
            return self.factory(qualname, node, args, kwargs, state)
        if qualname == "torch.device":
            device = (
                args[0].device
                if args and args[0].kind is Kind.DEVICE
                else (kwargs["type"].device if "type" in kwargs else Device.UNKNOWN)
            )
            steps = merge_steps(*(v.steps for v in [*args, *kwargs.values()]))
            return Value(kind=Kind.DEVICE, device=device, requires_grad=False, steps=steps)
        if qualname in ("torch.nn.Parameter", "torch.autograd.Variable"):
            data = args[0] if args else kwargs.get("data", UNKNOWN)
            grad = qualname == "torch.nn.Parameter"
            flag = keyword(node, "requires_grad")
            if flag is not None:
                grad = is_true(flag)
            if qualname == "torch.autograd.Variable" and not grad:
                return data if data.kind is Kind.TENSOR or data.history else data.with_(kind=Kind.TENSOR)
            return Value(kind=Kind.TENSOR, device=data.device, requires_grad=grad)
        if qualname == "torch.set_default_device":
            state.default_device = args[0].device if args else Device.UNKNOWN
            return OTHER
        if qualname in ("torch.autograd.grad", "torch.autograd.backward"):
            return self.autograd.autograd_call(qualname, node, args, kwargs, state)
        if qualname == "torch.cuda.is_available":
            return OTHER.with_(cuda_flag=True)
        if qualname.startswith(
            (
                "torch.cuda.",
                "torch.backends.",
                "torch.manual_seed",
                "torch.save",
                "torch.distributed",
                "torch.utils.",
                "torch.optim.",
                "torch.is_",
            )
        ):
            if qualname.startswith("torch.optim.") and qualname.rsplit(".", 1)[-1][:1].isupper():
                if not qualname.startswith(("torch.optim.lr_scheduler", "torch.optim.swa_utils")):
                    return Value(kind=Kind.OTHER, qualname=qualname, requires_grad=False)  # an optimizer
            return OTHER if not qualname.startswith("torch.utils.data") else UNKNOWN
        if qualname in api.MODULE_WRAPPERS:
            # DataParallel(model) runs model's forward; around an unknown model, nothing is known
            wrapped = args[0] if args else UNKNOWN
            return wrapped if wrapped.kind is Kind.MODULE else Value(kind=Kind.MODULE, requires_grad=True)
        if (
            qualname.startswith("torch.nn.")
            and not qualname.startswith("torch.nn.functional")
            and qualname.rsplit(".", 1)[-1][:1].isupper()
        ):
            elem = None
            if qualname in ("torch.nn.ModuleList", "torch.nn.ModuleDict") and args:
                # iterating or indexing it gives its modules (their device follows the container's
                # moves, which are not tracked per element: unknown)
                held = args[0].elem if qualname == "torch.nn.ModuleDict" else args[0].iter_elem()
                if held is not None and held.kind is Kind.MODULE:
                    elem = held.with_(device=Device.UNKNOWN, steps=())
            # nn.Sequential's layers, named "0", "1"... as torch names them (which weights it saves)
            layers = tuple((str(i), a) for i, a in enumerate(args)) if qualname == "torch.nn.Sequential" else ()
            return Value(
                kind=Kind.MODULE, device=Device.CPU, requires_grad=True, qualname=qualname, elem=elem, attrs=layers
            )
        tail = qualname.rsplit(".", 1)[-1]
        if tail in api.VALUES_AND_INDICES and qualname == f"torch.{tail}" and (len(args) > 1 or "dim" in kwargs):
            return self.values_and_indices(node, state, args[:1])
        if qualname.rsplit(".", 1)[-1] in api.NON_DIFFERENTIABLE:
            tensor = next((a for a in args if a.kind is Kind.TENSOR), None)
            if tensor is None:
                return Value(kind=Kind.TENSOR, requires_grad=False)
            # The device stays, and so do the steps that decided it.
            return Value(kind=Kind.TENSOR, device=tensor.device, requires_grad=False, steps=tensor.steps)
        if qualname == "torch.nn.utils.clip_grad_norm_" and args:
            # the total norm: a tensor on the gradients' device
            parameters = args[0].iter_elem()
            return Value(kind=Kind.TENSOR, device=parameters.device, requires_grad=False, steps=parameters.steps)
        inputs = [*args, *kwargs.values()]
        if qualname in ("torch.stack", "torch.cat", "torch.concat", "torch.hstack", "torch.vstack") and args:
            inputs = [args[0].iter_elem(), args[0], *args[1:]]
        if any(v.kind is Kind.TENSOR or v.history for v in inputs):
            value = self.derived(node, state, inputs, kind=Kind.TENSOR)
            if qualname in SAME_DEVICE_OPS:
                return on_cpu_or_raises(value, [*(args[0].items or ()), *inputs] if args else inputs)
            if tail in ELEMENTWISE_OPS and qualname == f"torch.{tail}":
                return self.expressions.elementwise(value, operands(node, args, kwargs))
            return value
        if qualname.startswith("torch.nn.functional.") and not is_true(keyword(node, "return_indices")):
            # A functional op returns a tensor whatever its inputs are (or raises): a tensor of
            # unknown device, grad and graph. `F.pad(x, ...).data` is a tensor's `.data`.
            return Value(kind=Kind.TENSOR)
        return UNKNOWN

    def values_and_indices(self, node: ast.Call, state: State, inputs: list[Value]) -> Value:
        """``(values, indices)`` of ``max``/``min``/``sort``/``topk`` along a dimension."""
        values = self.derived(node, state, inputs, kind=Kind.TENSOR)
        device = inputs[0].device if inputs else Device.UNKNOWN
        indices = Value(kind=Kind.TENSOR, device=device, requires_grad=False, steps=values.steps)
        return sequence((values, indices)).with_(kind=Kind.TENSOR, history=values.history, device=device)

    def factory(self, qualname: str, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        if qualname in api.CUDA_TENSOR_TYPES:
            device = Device.CUDA
        elif qualname in api.CPU_FACTORIES:
            device = Device.CPU
        elif "device" in kwargs:
            device = kwargs["device"].device
        elif qualname in api.LIKE_FACTORIES and args:
            device = args[0].device
        else:
            device = state.default_device
        grad = is_true(keyword(node, "requires_grad"))
        value = Value(kind=Kind.TENSOR, device=device, requires_grad=grad)
        if device is Device.CUDA:
            value = value.step(node, "created on CUDA here")
        elif device is Device.MAYBE_CUDA:
            value = value.step(node, "created on the device chosen at run time here")
        if "device" in kwargs:
            value = value.with_(steps=merge_steps(kwargs["device"].steps, value.steps))
        if grad:
            value = value.step(node, "created with `requires_grad=True` here")
        return value

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

    def load_items(self, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> None:
        """``DataLoader(dataset)`` of an instance of a class of this file: iterating the loader
        calls the dataset's ``__getitem__`` with an index (or iterates its ``__iter__``). That
        method is followed here, with the instance's attributes, and a ``collate_fn`` of the file
        with a list of its items; the batches stay unknown."""
        dataset = args[0] if args else kwargs.get("dataset")
        if dataset is None or dataset.kind is not Kind.OTHER or dataset.cls is None:
            return
        # the instance under a name of its own: what the method sets on `self` stays out of the caller's state
        receiver = f"<loader>.{id(node)}"
        for name, index in (("__getitem__", [INT]), ("__iter__", [])):  # the sampler's indices are ints
            method = self.functions.local_method(dataset, name)
            if method is None:
                continue
            call = self.item_call(node, name)
            state.env.update({receiver: dataset, **{f"{receiver}.{k}": v for k, v in dataset.attrs}})
            item = self.functions.call_function(method, call, [dataset, *index], {}, state, receiver)
            for key in [k for k in state.env if k == receiver or k.startswith(receiver + ".")]:
                del state.env[key]
            collate = next((k.value for k in node.keywords if k.arg == "collate_fn"), None)
            function = kwargs.get("collate_fn")
            if name == "__getitem__" and collate is not None and function is not None and function.kind is Kind.REF:
                # the loader hands `collate_fn` a list of the dataset's items: one batch
                batch = Value(kind=Kind.SEQ, elem=item, history=item.history)
                self.call_qualified(function.qualname or "", self.item_call(collate, "collate_fn"), [batch], {}, state)
            return

    def call_builtin(self, qualname: str, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value | None:
        name = qualname.rsplit(".", 1)[-1] if qualname.startswith("builtins.") else None
        if name is None:
            return None
        if name in api.ITERATION_BUILTINS and args:
            return Value(kind=Kind.SEQ, elem=args[0].iter_elem(), history=args[0].history)
        if name == "next" and args:
            return args[0].iter_elem()
        if name == "enumerate" and args:
            return Value(kind=Kind.SEQ, elem=sequence((OTHER, args[0].iter_elem())))
        if name == "zip":
            row = args[0].iter_elem() if len(node.args) == 1 and isinstance(node.args[0], ast.Starred) else None
            if row is not None and row.items is not None:
                # `zip(*rows)` transposes: one column per item of a row, each holding that item
                return Value(kind=Kind.SEQ, items=tuple(Value(kind=Kind.SEQ, elem=item) for item in row.items))
            return Value(kind=Kind.SEQ, elem=sequence(tuple(a.iter_elem() for a in args)))
        if name == "bytes" or (name == "memoryview" and args and args[0].qualname == BYTES.qualname):
            return BYTES
        if name in ("sum", "max", "min") and args:
            element = args[0].iter_elem()
            if element.kind is Kind.TENSOR or element.history:
                return self.derived(node, state, [element, args[0]])
            return UNKNOWN
        if name in api.PYTHON_RESULT_BUILTINS:
            return OTHER
        return UNKNOWN

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
            self.autograd.optimizer_step(node, state)
            return OTHER
        if name == "forward" and receiver is UNKNOWN and args and attr_path(func.value):
            # `agent.actor.forward(s)` on an object out of view: a module's forward, as a callable parameter's
            return self.call_callable_parameter(node, args, kwargs, state)
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
                        state.env[outer] = holder.with_(
                            items=None,
                            elem=add_element(holder.iter_elem(), grown),
                            history=holder.history | added.history,
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
            moved = self.target_device(node, args, kwargs, receiver.device)
            return receiver.with_(device=moved) if moved is not Device.UNKNOWN else receiver
        # `self.d_loss(x, fake)` in a plain class's method analysed alone: its body decides which
        # of the graphs it is given reach its result (only read where one is given)
        graphs = receiver is UNKNOWN and any(v.history for v in (*args, *kwargs.values()))
        own = self.own_method(func) if graphs else None
        if own is not None:
            if static(own):
                return self.functions.call_function(own, node, args, kwargs, state)
            return self.functions.call_function(own, node, [receiver, *args], kwargs, state, attr_path(func.value))
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
        if receiver.kind is Kind.UNKNOWN and receiver.device is not Device.UNKNOWN and name in RESHAPING_METHODS:
            # moved to a device but of unknown class (a DataLoader's batch): a reshape or cast stays there
            return result.with_(device=receiver.device, steps=receiver.steps)
        return result

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

    def target_device(self, node: ast.Call, args: Args, kwargs: Kwargs, current: Device) -> Device:
        """Where ``.to(...)`` moves a tensor or module (dtype-only moves keep the device)."""
        candidates = [kwargs["device"]] if "device" in kwargs else list(args[:1])
        for value in candidates:
            if value.kind in (Kind.DEVICE, Kind.TENSOR):
                return value.device
            if value.kind is Kind.REF or value.kind is Kind.OTHER:
                return current  # a dtype (torch.float16) or non_blocking flag
            return Device.UNKNOWN
        return current

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
            device = self.target_device(node, args, kwargs, receiver.device)
            return moved_to(receiver.with_(device=device), node, func.value, device, receiver.device, args, kwargs)
        if name == "type" and args:
            # x.type(torch.cuda.FloatTensor) moves to CUDA; x.type(torch.FloatTensor) to the CPU
            target = args[0].qualname or ""
            if target in api.CUDA_TENSOR_TYPES or target in api.FACTORIES:
                device = Device.CUDA if target.startswith("torch.cuda.") else Device.CPU
                return receiver.with_(kind=Kind.TENSOR, device=device)
        if name in ("detach", "detach_"):
            value = receiver.with_(history=frozenset(), requires_grad=False)
            if name == "detach_":
                state.rebind(func.value, value)
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
        if name in api.VALUES_AND_INDICES and (args or "dim" in kwargs):
            return self.values_and_indices(node, state, [receiver])
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

    # -- modules ----------------------------------------------------------------------------------
    def module_method(
        self, module: Value, func: ast.Attribute, node: ast.Call, args: Args, kwargs: Kwargs, state: State
    ) -> Value:
        name = func.attr
        if name in api.MODULE_SELF_METHODS:
            moved = module
            if name in ("cuda", "to") and self.built_empty(func.value, state):
                pass  # nothing to move: the layers added later stay on the CPU (audit-7 G3)
            elif name == "cuda":
                moved = module.with_(device=Device.CUDA).step(
                    node, f"{subject(func.value)} moved to CUDA here{condition(state)}"
                )
            elif name == "cpu":
                moved = module.with_(device=Device.CPU, steps=())
            elif name == "to":
                device = self.target_device(node, args, kwargs, module.device)
                moved = moved_to(module.with_(device=device), node, func.value, device, module.device, args, kwargs)
            elif name == "requires_grad_":  # `nn.Conv2d(...).requires_grad_(False)`: frozen (audit-7 G1)
                flag = node.args[0] if node.args else keyword(node, "requires_grad")
                if isinstance(flag, ast.Constant) and isinstance(flag.value, bool):
                    moved = module.with_(requires_grad=flag.value)
                elif flag is None:
                    moved = module.with_(requires_grad=True)
            state.rebind(func.value, moved)  # nn.Module.to() moves the module in place
            return moved
        param = Value(kind=Kind.TENSOR, device=module.device, requires_grad=True, steps=module.steps)
        if name in api.MODULE_METHODS_SEQ_OF_PARAMS or name in api.MODULE_METHODS_SEQ_OF_NAMED_PARAMS:
            param = param.step(node, f"the parameters of {subject(func.value)} (they require grad)")
        if name in api.MODULE_METHODS_SEQ_OF_PARAMS:
            return Value(kind=Kind.SEQ, elem=param)
        if name in api.MODULE_METHODS_SEQ_OF_NAMED_PARAMS:
            return Value(kind=Kind.SEQ, elem=sequence((OTHER, param)))
        if name == "forward":
            return self.call_module(module, node, args, kwargs, state)
        method = self.functions.local_method(module, name)
        if method is not None and static(method):
            return self.functions.call_function(method, node, args, kwargs, state)
        if method is not None:  # `self.actor.sample(s)`: the nodes it makes save the actor's parameters
            self.module_calls.append(attr_path(func.value) or "")
            try:
                return self.functions.call_function(method, node, [module, *args], kwargs, state, attr_path(func.value))
            finally:
                self.module_calls.pop()
        if name == "state_dict":
            # tensors on the module's device, detached (keep_vars=False)
            tensor = Value(kind=Kind.TENSOR, device=module.device, requires_grad=False, steps=module.steps)
            return Value(kind=Kind.OTHER, elem=tensor)
        if name in (
            "named_modules",
            "modules",
            "children",
            "named_children",
            "zero_grad",
            "register_buffer",
            "register_parameter",
            "add_module",
            "load_state_dict",
        ):
            return OTHER
        return self.call_unknown(node, args, kwargs, state)

    def built_empty(self, receiver: ast.expr, state: State) -> bool:
        """``nn.Sequential()`` (an ``nn.ModuleList()``, an ``nn.ModuleDict()``) moved as it is
        built, with no layer in it yet."""
        if not isinstance(receiver, ast.Call) or receiver.args or receiver.keywords:
            return False
        return self.eval(receiver.func, state).qualname in EMPTY_CONTAINERS

    def call_layers(self, module: Value, node: ast.Call, value: Value, state: State) -> Value:
        """``nn.Sequential(...)(x)`` holding a module of this project: its layers run in order,
        that module's ``forward`` followed with its attributes kept under ``seq.<index>`` (state
        it carries from call to call), the others as layers; each on the container's device."""
        path = attr_path(node.func)
        for name, layer in module.attrs:
            if layer.kind is not Kind.MODULE:
                return self.call_unknown(node, [value], {}, state)
            if module.device is not Device.UNKNOWN:
                layer = layer.with_(device=module.device)
            forward = self.functions.local_method(layer, "forward")
            if forward is None:
                value = self.call_module(layer, node, [value], {}, state)
                continue
            receiver = f"{path}.{name}" if path else None
            value = self.functions.call_function(forward, node, [layer, value], {}, state, receiver)
        return value

    def call_module(self, module: Value, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        """``model(x)``: the output depends on the inputs and, for modules with parameters, on
        the parameters, so it requires grad (unless grad mode is off)."""
        if module.qualname == "torch.nn.Sequential" and len(args) == 1 and not kwargs and stateful_layers(module):
            return self.call_layers(module, node, args[0], state)
        forward = self.functions.local_method(module, "forward")
        if forward is not None:
            self.module_calls.append(attr_path(node.func) or "")
            try:
                result = self.functions.call_function(
                    forward, node, [module, *args], kwargs, state, attr_path(node.func)
                )
            finally:
                self.module_calls.pop()
            if module.requires_grad is False and all(v.requires_grad is False and not v.history for v in args):
                # every parameter frozen by `__init__` and no input needing grad: nothing does
                result = without_grad(result)
            if result.kind is not Kind.UNKNOWN or result.history:
                return result
        inputs = [*args, *kwargs.values()]
        qualname = module.qualname or ""
        parameter_free = qualname in api.PARAMETER_FREE or qualname.endswith(api.PARAMETER_FREE_SUFFIXES)
        if parameter_free:
            value = self.derived(node, state, inputs, kind=Kind.TENSOR)
        else:
            # A module whose class is neither local nor a known torch.nn layer: its output
            # depends on the inputs only as far as an unseen forward() makes it.
            evidence = Grade.PROVEN if module.cls is not None or qualname else Grade.CALLABLE
            evidence = Grade.CALLABLE if self.module_evidence is Grade.CALLABLE else evidence
            first_new = self.graph.uid
            value = self.derived(
                node,
                state,
                # the parameters, unless every one was frozen by the constructor (audit-5 G3)
                [
                    *inputs,
                    Value(kind=Kind.TENSOR, requires_grad=module.requires_grad is not False, device=module.device),
                ],
                kind=Kind.TENSOR,
                evidence=evidence,
            )
            # Which modules' parameters the node saved: this one and the modules it runs inside.
            # torch saves a weight only to compute the gradient of an input that needs one: a
            # layer's input, or the output of an earlier layer with parameters in the same module.
            if any(v.requires_grad or v.history for v in inputs) or chains_layers(module):
                owners = saved_owners([*self.module_calls, attr_path(node.func) or ""])
                self.graph.parameter_nodes.update((n.uid, owners) for n in value.history if n.uid > first_new)
        if module.device is not Device.UNKNOWN and not parameter_free and value.device is not Device.CUDA:
            # the output is where the parameters are; an input proven on CUDA decides it
            # (a module left on the CPU would raise instead)
            value = value.with_(device=module.device)
        if qualname.startswith("torch.nn.") and not parameter_free and "DataParallel" not in qualname:
            # a torch layer's weights meet its input: a CPU input runs on the CPU or raises
            value = on_cpu_or_raises(value, [*inputs, Value(kind=Kind.TENSOR, device=module.device)])
            if module.device is Device.CUDA and any(v.kind is Kind.TENSOR and v.device is Device.CPU for v in inputs):
                # a layer moved to CUDA given a CPU tensor raises the device mismatch: no CUDA
                # output is ever made (audit-7 G5; no rule reports the mismatch itself)
                value = value.with_(device=Device.CPU)
        if value.requires_grad or value.device.may_be_cuda:
            value = value.with_(steps=merge_steps(module.steps, value.steps)).step(
                node, f"output of {subject(node.func)} here"
            )
        if qualname in ("torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNN"):
            # (output, h_n) and, for an LSTM, (output, (h_n, c_n))
            state_value = sequence((value, value)) if qualname.endswith("LSTM") else value
            return sequence((value, state_value))
        return value


def distribution_device(qualname: str, params: list[Value], default: Device) -> Device:
    """Where a distribution built from ``params`` draws its samples: on its tensor parameters'
    device (a wrapped distribution's), or, built from Python numbers only, on the default device,
    where torch makes them tensors; unknown for anything else (a list, an array, an unknown)."""
    if not params or not qualname.rsplit(".", 1)[-1][:1].isupper():
        return Device.UNKNOWN
    devices = []
    for value in params:
        if value.kind in (Kind.TENSOR, Kind.DISTRIBUTION):
            devices.append(value.device)
        elif value.kind is not Kind.OTHER or value.items is not None or value.elem is not None:
            return Device.UNKNOWN
    device = devices[0] if devices else default
    for other in devices[1:]:
        device = device.join(other)
    return device


def operands(node: ast.Call, args: Args, kwargs: Kwargs) -> list[tuple[Value, ast.expr]]:
    """Each argument's value beside its expression; none where `*`/`**` hides which is which."""
    if any(isinstance(a, ast.Starred) for a in node.args) or any(kw.arg is None for kw in node.keywords):
        return []
    return [*zip(args, node.args), *((kwargs[kw.arg], kw.value) for kw in node.keywords if kw.arg in kwargs)]


def without_grad(value: Value) -> Value:
    """``value`` and its items computed with no parameter or input requiring grad."""
    items = tuple(without_grad(i) for i in value.items) if value.items else value.items
    elem = without_grad(value.elem) if value.elem is not None else None
    grad = False if value.kind in (Kind.TENSOR, Kind.SEQ) else value.requires_grad
    return value.with_(history=frozenset(), requires_grad=grad, items=items, elem=elem)


def stored(value: Value, node: ast.Call, container: ast.expr) -> Value:
    """``value`` (and its items: ``stats.append((t, value))``) with a step saying where a
    container took it, where it has evidence to explain."""
    message = f"stored in {subject(container)} here"
    items = tuple(i.step(node, message) if i.steps else i for i in value.items) if value.items else value.items
    return (value.step(node, message) if value.steps else value).with_(items=items)


def read_only_array(qualname: str, node: ast.Call, args: Args, kwargs: Kwargs) -> Value | None:
    """A NumPy function whose result is read-only: ``np.frombuffer`` of bytes, a
    ``np.broadcast_to`` view; ``np.asarray`` hands a read-only array back as it is."""
    if qualname == "numpy.frombuffer" and (args or "buffer" in kwargs):
        buffer = args[0] if args else kwargs["buffer"]
        if buffer.qualname == BYTES.qualname:
            return Value(read_only=ReadOnly("`np.frombuffer` of an immutable bytes object", node, True, True))
    if qualname == "numpy.broadcast_to":
        return Value(read_only=ReadOnly("a `np.broadcast_to` view, whose rows share one memory", node, False))
    # a file mapped read-only ("r+", "c" and the default of `np.memmap` are writable)
    if qualname == "numpy.memmap" and _constant_argument(node, "mode", 2) == "r":
        return Value(read_only=ReadOnly('`np.memmap` opened with `mode="r"`', node, True))
    if qualname == "numpy.load" and _constant_argument(node, "mmap_mode", 1) == "r":
        return Value(read_only=ReadOnly('`np.load` with `mmap_mode="r"`', node, False))
    if qualname in ("numpy.asarray", "numpy.asanyarray") and len(args) == 1 and not kwargs and args[0].read_only:
        return args[0]
    if qualname == "numpy.asarray" and len(args) == 1 and not kwargs and args[0].qualname == PIL_IMAGE.qualname:
        return Value(read_only=ReadOnly("`np.asarray` of a PIL image", node, True))
    return None


# A PIL image (`Image.open(path).convert("RGB")`): `np.asarray` of one is a read-only view of its bytes.
PIL_IMAGE = Value(kind=Kind.OTHER, requires_grad=False, qualname="PIL.Image.Image")
PIL_IMAGE_FUNCTIONS = frozenset({"PIL.Image.open", "PIL.Image.new", "PIL.Image.fromarray", "PIL.Image.frombytes"})
PIL_IMAGE_METHODS = frozenset({"convert", "resize", "crop", "rotate", "transpose", "copy", "filter", "quantize"})
DATA_LOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})


def _constant_argument(call: ast.Call, keyword: str, position: int) -> object:
    """The constant passed for a parameter by keyword or at ``position`` (None otherwise)."""
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value.value if isinstance(kw.value, ast.Constant) else None
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        argument = call.args[position]
        return argument.value if isinstance(argument, ast.Constant) else None
    return None


# Tensor methods whose result lives on the receiver's device (also a TensorDict's): shape and dtype changes.
RESHAPING_METHODS = frozenset(
    "view view_as reshape reshape_as flatten squeeze unsqueeze permute transpose t contiguous clone expand expand_as "
    "float double half bfloat16 long int bool".split()
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


def _makes_list(factory: ast.expr) -> bool:
    """``list`` or ``lambda: []``: a ``defaultdict`` of lists."""
    if isinstance(factory, ast.Lambda):
        return isinstance(factory.body, ast.List) and not factory.body.elts
    return isinstance(factory, ast.Name) and factory.id == "list"


def builds_model(qualname: str) -> bool:
    """A model-zoo name that builds a model: not a weights enum nor what it hands out
    (``ResNet18_Weights.IMAGENET1K_V1.transforms()`` is a preprocessing function), nor a helper
    that lists or looks up weights."""
    parts = qualname.split(".")
    return not any(part.endswith("_Weights") or part in MODEL_ZOO_HELPERS for part in parts)


MODEL_ZOO_HELPERS = frozenset({"get_weight", "get_model_weights", "list_models", "get_model_builder", "Weights"})


def static(method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A ``@staticmethod``: called on an instance, it gets no ``self``."""
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in method.decorator_list)


EMPTY_CONTAINERS = frozenset({"torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"})


def stateful_layers(module: Value) -> bool:
    """Whether a container holds a module of a class of this project, whose ``forward`` may keep
    state in its attributes from call to call (a neuron's membrane, a cached tensor)."""
    return any(layer.kind is Kind.MODULE and layer.cls is not None for _, layer in module.attrs)


def chains_layers(module: Value) -> bool:
    """An ``nn.Sequential`` with two layers that have parameters (or may have: a module of
    unknown class): the later one's input requires grad, so it saves its weight whatever the
    input to the whole is."""
    if module.qualname != "torch.nn.Sequential":
        return False
    names = [layer.qualname or "" for _, layer in module.attrs if layer.kind is Kind.MODULE]
    free = [name in api.PARAMETER_FREE or name.endswith(api.PARAMETER_FREE_SUFFIXES) for name in names]
    return free.count(False) >= 2
