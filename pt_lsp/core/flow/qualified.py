"""Calls of functions and classes by qualified name: torch's, NumPy's, PIL's, the builtins and the
standard library's (``Calls`` hands them over once the callee is resolved)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .. import vocabulary as api
from . import loaders, namedtuples
from .autograd import is_true, keyword
from .device_ops import ELEMENTWISE_OPS, SAME_DEVICE_OPS, on_cpu_or_raises
from .evaluator import sequence
from .lattice import Device, ReadOnly
from .module_device import NAMESPACES
from .state import State
from .values import (
    BYTES,
    INT,
    NDARRAY,
    OTHER,
    TENSOR_TYPE_DEVICES,
    UNKNOWN,
    Args,
    Kind,
    Kwargs,
    Value,
    merge_steps,
    ref,
)

if TYPE_CHECKING:
    from .calls import Calls

# Functions of the standard `random` module that draw elements of their first argument.
RANDOM_DRAWS = frozenset({"random.choice", "random.choices", "random.sample"})


class QualifiedCalls:
    """The value of a call whose callee has a qualified name: a local function or class (followed
    by ``functions``), a torch function, layer or optimizer, a NumPy or PIL function, a builtin.
    A function of another module that is none of these is an external call (``Calls``)."""

    def __init__(self, calls: Calls) -> None:
        self.functions = calls.functions
        self.expressions = calls.expressions
        self.derived = calls.derived
        self.autograd = calls.autograd
        self.call_external = calls.call_external
        self.item_call = calls.item_call

    def call_qualified(self, qualname: str, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        if qualname.startswith(namedtuples.PREFIX):  # an instance of a named tuple class
            return namedtuples.construct(qualname, args, kwargs, node)
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
            if qualname in ENVIRONMENT_READS and (chosen := environment_device(node, args, kwargs)) is not None:
                return chosen
            if qualname in NAMESPACES and not args and None not in kwargs:  # `SimpleNamespace(device=...)`
                fields = tuple(sorted((k, v) for k, v in kwargs.items() if k is not None))
                return Value(kind=Kind.OTHER, requires_grad=False, qualname=qualname, attrs=fields)
            if qualname in PIL_IMAGE_FUNCTIONS:
                return PIL_IMAGE
            if qualname in api.NUMPY_ARRAY_MAKERS:
                return NDARRAY
            if qualname in namedtuples.MAKERS and (made := namedtuples.maker(node)) is not None:
                return made
            if qualname in loaders.VISION_DATASETS:
                return loaders.dataset(qualname, args) or UNKNOWN
            return self.call_external(node, args, kwargs, state)
        if qualname in DATA_LOADERS:
            item = self.load_items(node, args, kwargs, state)
            if default_collate(node):  # the batches: its dataset's items, collated (loaders.py)
                return loaders.loader(args[0] if args else kwargs.get("dataset"), item)
            batch = self.collated(node, args, kwargs, item, state)
            if batch is not None and batch is not UNKNOWN:
                return Value(kind=Kind.OTHER, requires_grad=False, qualname=loaders.LOADER, elem=batch)
        if qualname in loaders.TENSOR_DATASETS and (data := loaders.dataset(qualname, args)) is not None:
            return data
        if qualname in api.TORCH_PYTHON_RESULTS:  # `fan_in, _ = init._calculate_fan_in_and_fan_out(w)`: ints
            return sequence((INT, INT)) if qualname.endswith("_fan_in_and_fan_out") else OTHER
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
        if qualname == "torch.set_default_tensor_type":  # a type or its name: "torch.cuda.FloatTensor"
            name = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
            named = TENSOR_TYPE_DEVICES.get(name) if isinstance(name, str) else None
            state.default_device = named or (args[0].device if args else Device.UNKNOWN)
            return OTHER
        if qualname in ("torch.autograd.grad", "torch.autograd.backward"):
            return self.autograd.autograd_call(qualname, node, args, kwargs, state)
        if qualname == "torch.cuda.is_available":
            return OTHER.with_(cuda_flag=True)
        if qualname == "torch.cuda.current_device":
            return INT  # the index of a CUDA device: `.to(torch.cuda.current_device())`
        if qualname in api.MODULE_RETURNED and args and args[0].kind is Kind.MODULE:
            return args[0]  # `nn.utils.weight_norm(nn.Conv2d(...))`: the layer itself
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
            if (
                layers
                and all(a.kind is Kind.MODULE for a in args)
                and not any(isinstance(a, ast.Starred) for a in node.args)
            ):
                # iterating it gives its layers too (`for m in self.model: x = m(x)`), as a ModuleList's
                held = args[0]
                for layer in args[1:]:
                    held = held.join(layer)
                elem = held.with_(device=Device.UNKNOWN, steps=())
            return Value(
                kind=Kind.MODULE, device=Device.CPU, requires_grad=True, qualname=qualname, elem=elem, attrs=layers
            )
        tail = qualname.rsplit(".", 1)[-1]
        if (
            tail in api.VALUES_AND_INDICES
            and qualname == f"torch.{tail}"
            and (len(args) > 1 or "dim" in kwargs)
            and not elementwise_extreme(tail, args[1:2])
        ):
            return self.values_and_indices(node, state, args[:1])
        if qualname in api.PADDED_AND_LENGTHS and args:
            padded = self.derived(node, state, [*args, *kwargs.values()], kind=Kind.TENSOR)
            return sequence((padded, Value(kind=Kind.TENSOR, device=Device.CPU, requires_grad=False)))
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
        elif "device" in kwargs:  # an int (`device=local_rank`) names a CUDA device by its index
            device = Device.CUDA if kwargs["device"].qualname == INT.qualname else kwargs["device"].device
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

    def load_items(self, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value | None:
        """``DataLoader(dataset)`` of an instance of a class of this file: iterating the loader
        calls the dataset's ``__getitem__`` with an index (or iterates its ``__iter__``). That
        method is followed here, with the instance's attributes, and a ``collate_fn`` of the file
        with a list of its items. Returns one item (None where no method was followed)."""
        dataset = args[0] if args else kwargs.get("dataset")
        if dataset is None or dataset.kind is not Kind.OTHER or dataset.cls is None:
            return None
        # the instance under a name of its own: what the method sets on `self` stays out of the caller's state
        receiver = f"<loader>.{id(node)}"
        for name, index in (("__getitem__", [INT]), ("__iter__", [])):  # the sampler's indices are ints
            method = self.functions.local_method(dataset, name)
            if method is None:
                continue
            call = self.item_call(node, name)
            state.env.update({receiver: dataset, **{f"{receiver}.{k}": v for k, v in dataset.attrs}})
            first = self.autograd.graph.uid
            item = self.functions.call_function(method, call, [dataset, *index], {}, state, receiver)
            self.autograd.graph.made_per_item(first)  # made again for every item, not once before a loop
            for key in [k for k in state.env if k == receiver or k.startswith(receiver + ".")]:
                del state.env[key]
            return item if name == "__getitem__" else item.iter_elem()
        return None

    def collated(self, node: ast.Call, args: Args, kwargs: Kwargs, item: Value | None, state: State) -> Value | None:
        """One batch of ``DataLoader(data, collate_fn=collate)`` with a function ``collate`` of the
        project: the loader hands it a list of the dataset's items (unknown ones where the dataset
        is not followed), and each batch is what it returns (`torch.stack(xs).cuda()`)."""
        collate = next((k.value for k in node.keywords if k.arg == "collate_fn"), None)
        function = kwargs.get("collate_fn")
        if collate is None or function is None or function.kind is not Kind.REF or not function.qualname:
            return None
        data = args[0] if args else kwargs.get("dataset")
        if item is None and data is not None and data.qualname in loaders.TENSOR_DATASETS:
            item = data.elem
        items = Value(kind=Kind.SEQ, elem=item or UNKNOWN, history=item.history if item is not None else frozenset())
        return self.call_qualified(function.qualname, self.item_call(collate, "collate_fn"), [items], {}, state)

    def mapped_lambda(self, node: ast.Call, args: Args, state: State) -> Value | None:
        """``map(lambda o: o.numpy(), outs)``: the lambda's body run on the iterable's element."""
        function = node.args[0]
        if not isinstance(function, ast.Lambda) or len(function.args.args) != 1 or function.args.vararg:
            return None
        inner = state.copy()
        inner.env[function.args.args[0].arg] = args[1].iter_elem()
        return Value(kind=Kind.SEQ, elem=self.expressions.eval(function.body, inner))

    def call_builtin(self, qualname: str, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value | None:
        name = qualname.rsplit(".", 1)[-1] if qualname.startswith("builtins.") else None
        if qualname == "collections.OrderedDict":
            name = "dict"  # an ordered dict is read as a dict
        if name is None:
            return None
        if name in api.ITERATION_BUILTINS and args:
            return Value(kind=Kind.SEQ, elem=args[0].iter_elem(), history=args[0].history)
        if name == "next" and args:
            return args[0].iter_elem()
        if name == "dict" and not args and node.keywords and all(k.arg for k in node.keywords):
            # `dict(batch_size=4, device=device)`: a dict of constant keys, as its display is
            held = list(kwargs.values())
            elem = held[0]
            for value in held[1:]:
                elem = elem.join(value)
            keys = tuple((k, v) for k, v in kwargs.items() if k is not None)
            history = frozenset().union(*(v.history for v in held))
            return Value(kind=Kind.OTHER, requires_grad=None, elem=elem, history=history, keys=keys)
        if name == "dict" and len(node.args) == 1 and not node.keywords and (pairs := _constant_pairs(node, args[0])):
            # `OrderedDict([("loss", loss), ("acc", acc)])`: a dict of constant keys, as its display is
            history = frozenset().union(*(v.history for _, v in pairs))
            return Value(
                kind=Kind.OTHER, requires_grad=None, elem=_joined([v for _, v in pairs]), history=history, keys=pairs
            )
        if name == "dict" and len(args) == 1 and not node.keywords:  # `dict(model.named_parameters())`
            pair = args[0].iter_elem()  # its values: the pairs' second items, as a dict comprehension's
            if pair.items is not None and len(pair.items) == 2:
                return Value(kind=Kind.OTHER, requires_grad=None, elem=pair.items[1])
        if name == "map" and len(node.args) == 2 and (mapped := self.mapped_lambda(node, args, state)) is not None:
            return mapped
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
        if name == "type" and len(node.args) == 1 and args[0].kind is Kind.SEQ and args[0].items is not None:
            return ref("builtins.tuple")  # `type(batch)(t.to(dev) for t in batch)`: a list or tuple of them
        if name == "int" and len(node.args) == 1 and not node.keywords:
            return INT  # `int(os.environ["LOCAL_RANK"])`: an int, zero or not
        if name == "abs" and len(node.args) == 1 and not node.keywords and args[0].kind is Kind.TENSOR:
            # Tensor.__abs__: a tensor on the same device, in the graph (audit-18 M4); round(t) raises
            return self.derived(node, state, [args[0]], kind=Kind.TENSOR)
        if name in api.PYTHON_RESULT_BUILTINS:
            return OTHER
        return UNKNOWN


def _constant_pairs(node: ast.Call, pairs: Value) -> tuple[tuple[str, Value], ...] | None:
    """The ``(key, value)`` items of ``[("k", v), ...]`` given to ``dict``/``OrderedDict``: a
    display of 2-tuples with constant string keys whose evaluated items are known."""
    display = node.args[0]
    if not isinstance(display, (ast.List, ast.Tuple)) or not display.elts or pairs.items is None:
        return None
    if len(pairs.items) != len(display.elts):
        return None
    found = []
    for pair, item in zip(display.elts, pairs.items):
        if not (isinstance(pair, ast.Tuple) and len(pair.elts) == 2 and isinstance(pair.elts[0], ast.Constant)):
            return None
        if not isinstance(pair.elts[0].value, str) or item.items is None or len(item.items) != 2:
            return None
        found.append((pair.elts[0].value, item.items[1]))
    return tuple(found)


def _joined(values: list[Value]) -> Value:
    result = values[0]
    for value in values[1:]:
        result = result.join(value)
    return result


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


ENVIRONMENT_READS = frozenset({"os.getenv", "os.environ.get"})


def environment_device(node: ast.Call, args: Args, kwargs: Kwargs) -> Value | None:
    """``os.getenv("DEVICE", "cuda")``: a device the environment may choose, CUDA without it
    (chosen at run time, as a ``--device`` option defaulting to CUDA)."""
    default = args[1] if len(args) > 1 else kwargs.get("default")
    if default is None or default.kind is not Kind.DEVICE or not default.device.may_be_cuda:
        return None
    chosen = Value(kind=Kind.DEVICE, device=Device.MAYBE_CUDA, requires_grad=False, steps=default.steps)
    return chosen.step(node, "a device an environment variable chooses, CUDA by default")


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
    if qualname in WINDOW_VIEWS and all(k.arg is not None for k in node.keywords):
        writeable = next((k.value for k in node.keywords if k.arg == "writeable"), None)
        default = qualname.endswith("sliding_window_view")  # read-only unless told otherwise
        if writeable is None and default or isinstance(writeable, ast.Constant) and writeable.value is False:
            return Value(read_only=ReadOnly(f"a `{qualname.rsplit('.', 1)[1]}` view", node, False))
    array = args[0].read_only if args else None
    view = VIEW_FUNCTIONS.get(qualname) if array is not None else None
    if array is not None and view is not None:  # `np.transpose(a, (2, 0, 1))`: the same memory
        if view == "any":
            return Value(read_only=ReadOnly(array.reason, array.where, False))
        if view == "keeps" and (len(args) == 1 or not qualname.startswith("numpy.atleast")):
            return Value(read_only=ReadOnly(array.reason, array.where, array.contiguous))
        if array.contiguous and not kwargs and (view == "contiguous" and len(args) <= 2 or len(args) == 1):
            return Value(read_only=ReadOnly(array.reason, array.where, True))
    if qualname == "numpy.asarray" and len(args) == 1 and not kwargs and args[0].qualname == PIL_IMAGE.qualname:
        return Value(read_only=ReadOnly("`np.asarray` of a PIL image", node, True))
    return None


# NumPy functions that return a view of their first argument (read-only when it is), checked under
# NumPy 2.4: "any", of any array (not known to be C-contiguous); "keeps", C-contiguous when the
# array is; "contiguous", a view only of a C-contiguous array (`np.reshape`/`np.ravel` copy one they
# cannot view); "itself", the array itself when C-contiguous and no dtype is asked.
VIEW_FUNCTIONS: dict[str, str] = {
    **{
        f"numpy.{name}": "any" for name in ("transpose", "swapaxes", "moveaxis", "rollaxis", "flip", "fliplr", "flipud")
    },
    **{f"numpy.{name}": "keeps" for name in ("squeeze", "expand_dims", "atleast_1d", "atleast_2d", "atleast_3d")},
    "numpy.reshape": "contiguous",
    "numpy.ravel": "contiguous",
    "numpy.ascontiguousarray": "itself",
}
# Strided views: `sliding_window_view` is read-only unless `writeable=True`, `as_strided` only with
# `writeable=False`.
WINDOW_VIEWS = frozenset({"numpy.lib.stride_tricks.sliding_window_view", "numpy.lib.stride_tricks.as_strided"})

# A PIL image (`Image.open(path).convert("RGB")`): `np.asarray` of one is a read-only view of its bytes.
PIL_IMAGE = Value(kind=Kind.OTHER, requires_grad=False, qualname="PIL.Image.Image")
PIL_IMAGE_FUNCTIONS = frozenset({"PIL.Image.open", "PIL.Image.new", "PIL.Image.fromarray", "PIL.Image.frombytes"})
PIL_IMAGE_METHODS = frozenset({"convert", "resize", "crop", "rotate", "transpose", "copy", "filter", "quantize"})
# Modes whose pixels are bytes: `np.asarray(img, dtype=np.uint8)` of one is still the image's read-only buffer.
PIL_8BIT_MODES = frozenset("L P RGB RGBA RGBX RGBa CMYK YCbCr LAB HSV LA La PA".split())
DATA_LOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})


def default_collate(node: ast.Call) -> bool:
    """A ``DataLoader(...)`` call that batches with the default ``collate_fn`` (none given, by
    keyword or at its position, nor hidden in ``*args``/``**kwargs``)."""
    if len(node.args) > 6 or any(isinstance(a, ast.Starred) for a in node.args):
        return False
    return all(kw.arg not in (None, "collate_fn") for kw in node.keywords)


def _constant_argument(call: ast.Call, keyword: str, position: int) -> object:
    """The constant passed for a parameter by keyword or at ``position`` (None otherwise)."""
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value.value if isinstance(kw.value, ast.Constant) else None
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        argument = call.args[position]
        return argument.value if isinstance(argument, ast.Constant) else None
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


def elementwise_extreme(name: str, second: list[Value]) -> bool:
    """``torch.max(zero, margin - d)`` / ``a.min(b)``: given a tensor where a dim would be, max and
    min are the elementwise maximum (minimum) of two tensors, one differentiable tensor, not a
    (values, indices) pair."""
    return name in ("max", "min") and bool(second) and second[0].kind is Kind.TENSOR
