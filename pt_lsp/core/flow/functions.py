"""The functions and classes of this file (and of the project's other files): how a call into
one of them is followed, with the facts of its arguments, and summarised."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..classes import ClassInfo
from ..walk import attr_path, parameter_defaults, subtree
from . import namedtuples
from .class_attributes import dataclass_fields, is_dataclass
from .evaluator import Expressions, sequence
from .fallthrough import unmatched_dispatch
from .frozen_init import frozen_by_init
from .grad_modes import decorated_grad_mode
from .lattice import Device, Grade
from .project import Module
from .state import Facts, Frame, Function, Stack, State, join_states
from .stored_arguments import stored_arguments
from .summaries import Summary, SummaryKey, Watch, empty_graphs, same_env
from .truth import passed
from .values import OTHER, UNKNOWN, Args, Kind, Kwargs, Value, add_element

if TYPE_CHECKING:
    from ..context import FileContext
    from .calls import Calls
    from .scope import Scope
    from .statements import Statements

MAX_CALL_DEPTH = 3
MAX_REENTRIES = 1  # activations of one function already running when it calls itself again
CALL_BUDGET = 400  # followed calls per file: keeps huge files linear

LocalCallable = Callable[[ast.Call, Args, Kwargs, State], Value]


class Functions:
    """Follows calls into the functions and classes of this file (depth- and budget-limited):
    the callee's body runs with the call's arguments and the caller's freed graphs."""

    calls: Calls  # set by the interpreter: a call past the limits is an unknown call

    def __init__(
        self, ctx: FileContext, stack: Stack, scope: Scope, expressions: Expressions, statements: Statements
    ) -> None:
        self.scope = scope
        self.stack = stack
        self.expressions = expressions
        self.statements = statements
        self.budget = CALL_BUDGET
        # id(function) -> grad modes (enabled or not) at the calls of this file that reach it
        self.call_modes: dict[int, set[bool]] = {}
        # id(function) -> the call nodes of this file followed into it, and each parameter's
        # joined argument there (interpreter.analyse_function reads a module passed by every call)
        self.call_arguments: dict[int, tuple[set[int], dict[str, Value | None]]] = {}
        self.attributes_cache: dict[int, tuple[tuple[str, Value], ...]] = {}
        self.init_moves: dict[int, Value] = {}  # id(module class) -> `self` after an `__init__` that moves it
        self.rebound_cache: dict[int, frozenset[str]] = {}  # id(function) -> the names it assigns
        self.own_state: dict[int, bool] = {}  # id(method) -> sets_own_state(method): asked at each deep call
        # id(plain class) -> attribute -> the elements its methods left in that container
        self.contents: dict[int, dict[str, Value]] = {}
        self.contents_writes = 0
        self.summaries: dict[SummaryKey, list[Summary]] = {}  # followed calls, to replay (summaries.py)
        self.class_by_id = {id(info.node): info for info in ctx.class_list}

    def local_callable(self, qualname: str) -> LocalCallable | None:
        if qualname.startswith("<def>."):
            function = self.scope.definitions.get(int(qualname[6:]))
            if function is None:
                return None
            return lambda node, args, kwargs, state: self.call_function(function, node, args, kwargs, state)
        if qualname.startswith("<class>."):
            project = self.scope.project
            key = int(qualname[8:])
            info = self.class_by_id.get(key) or (project.class_by_id.get(key) if project is not None else None)
            if info is None:
                return None
            return lambda node, args, kwargs, state: self.instantiate(info, node, args, kwargs, state)
        return self.project_callable(qualname)

    def project_callable(self, qualname: str) -> LocalCallable | None:
        """A class or function of another file of the project (``models.Net``), seen from the
        file whose code is running: followed as this file's own are."""
        project = self.scope.project
        if project is None or qualname.startswith(("<", "torch", "builtins.")):
            return None
        frame = self.stack.frames[-1] if self.stack.frames else None
        unit = project.unit_of(frame.node) if frame is not None else None
        entity = project.resolve(qualname, unit)
        if entity is None or isinstance(entity, Module):
            return None
        owner = project.origin(entity)
        if owner is not None and owner.freezes:  # parameters may be frozen there
            self.calls.module_evidence = Grade.CALLABLE
        reference = self.scope.reference(entity, unit)
        return self.local_callable(reference.qualname) if reference is not None and reference.qualname else None

    def local_method(self, module: Value, name: str) -> Function | None:
        if not isinstance(module.cls, ClassInfo):
            return None
        return module.cls.method(name)

    def instantiate(self, info: ClassInfo, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        if not info.is_module:
            return self.plain_instance(info, node, args, kwargs, state)
        trainable = not frozen_by_init(info, args, kwargs)  # `Vgg16(requires_grad=False)`: audit-5 G3
        attrs = self.instance_attributes(info)
        init = info.method("__init__")
        if init is not None and (kept := stored_arguments(init, node, args, kwargs)):
            attrs = tuple(sorted({**dict(attrs), **kept}.items()))  # `self.device = device`
        moved = self.init_moves.get(id(info))  # `self.to(self.device)` in `__init__`
        device, steps = (moved.device, moved.steps) if moved is not None else (Device.CPU, ())
        return Value(kind=Kind.MODULE, device=device, requires_grad=trainable, cls=info, attrs=attrs, steps=steps)

    def shared_globals(self, caller: Frame, callee: Frame) -> Callable[[str], bool] | None:
        """For a call from a function of this file: whether a name or ``obj.attr`` path is (an
        attribute of) a module global that neither the caller nor the callee binds: both see the
        same object."""
        module_env = self.scope.module_env
        if isinstance(caller.node, ast.Module) or not module_env:
            return None
        project = self.scope.project
        if project is not None and (project.unit_of(callee.node) or project.unit_of(caller.node)) is not None:
            return None  # a function of another file: its globals are not this module's

        def shared(path: str) -> bool:
            root = path.split(".", 1)[0]
            return root in module_env and root not in caller.locals and root not in callee.locals

        return shared

    def plain_instance(self, info: ClassInfo, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        """An instance of a plain class of this file (a trainer, a predictor, an agent): its
        ``__init__`` runs with this call's arguments, and what it assigns to ``self`` becomes
        the instance's attributes, which its methods then see (``Predictor(model)`` keeps
        ``self.model = model.cuda()`` on CUDA)."""
        instance = Value(kind=Kind.OTHER, cls=info, requires_grad=False)
        init = info.method("__init__")
        if init is None and (named := namedtuples.class_fields(info, self.scope.qualname)) is not None:
            return namedtuples.construct(named, args, kwargs, node)  # `class Losses(NamedTuple)`
        if init is None:
            return self.dataclass_instance(info, instance, args, kwargs, state)
        receiver = f"<instance>.{id(node)}"
        state.env[receiver] = instance
        self.call_function(init, node, [instance, *args], kwargs, state, receiver)
        prefix = receiver + "."
        attrs = {k[len(prefix) :]: state.env.pop(k) for k in [k for k in state.env if k.startswith(prefix)]}
        state.env.pop(receiver, None)
        return instance.with_(attrs=tuple(sorted((k, v) for k, v in attrs.items() if "." not in k)))

    def dataclass_instance(self, info: ClassInfo, instance: Value, args: Args, kwargs: Kwargs, state: State) -> Value:
        """A dataclass of this file: its generated ``__init__`` sets each field from the call's
        argument, else from the field's default (evaluated where the class body runs)."""
        fields = dataclass_fields(info) if is_dataclass(info, self.scope.qualname) else None
        if fields is None or len(args) > len(fields) or None in kwargs:
            return instance
        attrs: dict[str, Value] = {}
        for position, (name, default) in enumerate(fields):
            if position < len(args):
                attrs[name] = args[position]
            elif name in kwargs:
                attrs[name] = kwargs[name]
            elif default is not None:
                attrs[name] = self.expressions.eval(default, State())
        return instance.with_(attrs=tuple(sorted(attrs.items())))

    def instance_attributes(self, info: ClassInfo) -> tuple[tuple[str, Value], ...]:
        """What ``__init__`` assigns to ``self``: submodules, parameters, tensors."""
        cache = self.attributes_cache
        if id(info) in cache:
            return cache[id(info)]
        cache[id(info)] = ()
        init = info.method("__init__")
        attrs: dict[str, Value] = {}
        if init is not None and self.budget > 0:
            self.budget -= 1
            state = State(grad_enabled=True)
            state.env["self"] = Value(kind=Kind.MODULE, device=Device.CPU, requires_grad=True, cls=info)
            self.stack.frames.append(Frame(init, locals=self.scope.locals_of(init)))
            state = self.statements.exec_block(init.body, state) or state  # a loop or branch makes a new state
            self.stack.frames.pop()
            attrs = {k[5:]: v for k, v in state.env.items() if k.startswith("self.") and "." not in k[5:]}
            own = state.env.get("self")
            if own is not None and own.device.may_be_cuda and not device_parameters(init):
                # moved by `self.cuda()` / `self.to(self.device)`, on a device no argument chooses
                self.init_moves[id(info)] = own
        cache[id(info)] = tuple(sorted(attrs.items()))
        return cache[id(info)]

    def sets_own_state(self, function: Function) -> bool:
        """:func:`sets_own_state`, once per method: each call past the depth limit asks it again."""
        known = self.own_state.get(id(function))
        if known is None:
            known = self.own_state[id(function)] = sets_own_state(function)
        return known

    def follows(self, function: Function, receiver: str | None) -> bool:
        """Whether a call of ``function`` from here is followed (not too deep, recursive or past
        the file's budget)."""
        frames = self.stack.frames
        # a method setting state on its own object (`self.init_attention(x)` in a forward reached
        # through several modules) gets one level more: what it sets is read next (audit-7 G8)
        too_deep = len(frames) > MAX_CALL_DEPTH and not (
            len(frames) == MAX_CALL_DEPTH + 1 and receiver == "self" and self.sets_own_state(function)
        )
        # a recursive call is followed once more: `to_device(batch)` recursing into a tuple's tensors
        return not (too_deep or self.budget <= 0 or sum(f.node is function for f in frames) > MAX_REENTRIES)

    def call_function(
        self, function: Function, node: ast.Call, args: Args, kwargs: Kwargs, state: State, receiver: str | None = None
    ) -> Value:
        """Follow a call into a function of this file; the callee sees the caller's freed graphs.
        For a method called on ``receiver`` (a variable path such as ``model``), the instance's
        attributes (``model.hidden``) flow in as ``self.hidden`` and back out after the call."""
        frames = self.stack.frames
        if not self.follows(function, receiver):
            # not followed (recursive, too deep, past the file's budget): it may detach what it
            # gets (repackage_hidden(h) of each item of a tuple), so its result gets a node of its
            # own, not its arguments' graph
            return self.calls.call_external(node, args, kwargs, state)
        self.budget -= 1
        self.call_modes.setdefault(id(function), set()).add(state.grad_enabled)
        # the callee sees the caller's graphs as they are: freed, kept, updated by a step
        inner = State(
            {}, state.freed, state.grad_enabled, state.default_device, state.under, state.retained, state.updated
        )
        self.bind_parameters(function, args, kwargs, inner, starred_arguments(node, args))
        params = [*function.args.posonlyargs, *function.args.args]
        sites, passed_values = self.call_arguments.setdefault(id(function), (set(), {}))
        sites.add(id(node))
        for parameter in params:  # only modules of the project's classes are read: others are None
            name, value = parameter.arg, inner.env.get(parameter.arg, UNKNOWN)
            module = value if value.kind is Kind.MODULE and value.cls is not None else None
            if name in passed_values:
                held = passed_values[name]
                module = held.join(module) if held is not None and module is not None else None
            passed_values[name] = module
        own = params[0].arg if receiver and params else None
        if own and receiver:
            prefix = receiver + "."
            inner.env.update({f"{own}.{k[len(prefix) :]}": v for k, v in state.env.items() if k.startswith(prefix)})
        # Objects passed as arguments (`forward_pass(net, ...)`): their attributes flow in under the
        # parameter's name and what the callee sets on them flows back, as the receiver's do.
        passed = self.passed_objects(function, node, args, kwargs, params, own)
        for param, path in passed:
            prefix = path + "."
            inner.env.update({f"{param}.{k[len(prefix) :]}": v for k, v in state.env.items() if k.startswith(prefix)})
        contents = self.contents.setdefault(id(args[0].cls), {}) if own and plain_instance(args[0]) else None
        for attr, held in (contents or {}).items():
            # What any method of the class put in `self.stats` (`logger.log_stat(...)` from another
            # object, which holds the same logger under another name): findings are per line.
            container = inner.env.get(f"{own}.{attr}") or dict(args[0].attrs).get(attr)
            if container is not None and (container.elem is not None or container.kind is Kind.SEQ):
                inner.env[f"{own}.{attr}"] = container.with_(elem=add_element(container.iter_elem(), held), keys=None)
        known = self.summary_key(function, inner, state, receiver, passed) if contents is None else None
        if known is not None:
            replayed = self.replay(known, inner, state)
            if replayed is not None:
                return replayed
            entry, watch, spent = dict(inner.env), self.watch(), self.budget
        updates: list[dict[str, Value]] = []  # what the caller's variables get back, for a summary
        frame = Frame(function, locals=self.scope.locals_of(function))
        first_uid = self.calls.graph.uid  # graph nodes up to it were made before the call
        from_module = len(frames) == 1 and isinstance(frames[0].node, ast.Module)
        saved_globals = self.scope.module_env
        if from_module:
            self.scope.module_env = state.env  # the callee sees the module's globals as they are now
        # a function's callee: module globals (and their attributes) as the caller holds them now
        # (`policy.saved_log_probs` a helper appended to in an earlier iteration of `main()`'s loop)
        shared = self.shared_globals(frames[-1], frame) if not from_module and frames else None
        if shared is not None:
            inner.env.update({k: v for k, v in state.env.items() if shared(k)})
        frames.append(frame)
        mode = decorated_grad_mode(function, self.scope)  # @torch.no_grad(): off whatever the caller does
        if mode is not None:
            inner.grad_enabled = mode
        end = self.statements.exec_block(function.body, inner)
        frames.pop()
        self.scope.module_env = saved_globals
        if end is not None and not (frame.returns and unmatched_dispatch(function)):
            frame.returns.append(OTHER)
        # what the callee leaves behind: the join of the states at its returns and at its end
        final = join_states([end, *frame.exits]) or inner
        state.freed, state.retained, state.updated = final.freed, final.retained, final.updated
        if from_module:  # globals the callee changed in place (`saved_log_probs.append(...)`)
            state.env.update(
                {
                    k: v
                    for k, v in final.env.items()
                    if k.split(".")[0] not in frame.locals and k.split(".")[0] in state.env
                }
            )
        elif shared is not None:  # ... and for a function's callee too
            state.env.update({k: v for k, v in final.env.items() if shared(k)})
        for param, path in passed:
            prefix = param + "."
            updates.append({f"{path}.{k[len(prefix) :]}": v for k, v in final.env.items() if k.startswith(prefix)})
            state.env.update(updates[-1])
        if own:
            prefix = own + "."
            updates.append({f"{receiver}.{k[len(prefix) :]}": v for k, v in final.env.items() if k.startswith(prefix)})
            state.env.update(updates[-1])
            for key, value in final.env.items():
                attr = key[len(prefix) :]
                if contents is not None and key.startswith(prefix) and "." not in attr and value.elem is not None:
                    # without graphs: a later call may have reset the container (PTL201 stays exact)
                    held = value.elem.with_(history=frozenset())
                    contents[attr] = add_element(contents.get(attr, UNKNOWN), held)
                    self.contents_writes += 1
        result = None
        for value in frame.returns:
            result = value if result is None else result.join(value)
        if result is not None and len(frame.returns) > 1:
            result = self.maybe_carried(result, frame.returns, node, first_uid)
        if frame.yields:  # a generator function: iterating the call gives what it yields
            element = frame.yields[0]
            for value in frame.yields[1:]:
                element = element.join(value)
            result = Value(kind=Kind.SEQ, elem=element, history=element.history)
        if self.scope.project is not None and self.scope.project.unit_of(function) is not None:
            result = device_generic(result or OTHER, [*args, *kwargs.values()])
        if known is not None:
            self.summarise(known, watch, Summary(entry, [], updates, result or OTHER, spent - self.budget), final)
        return result or OTHER

    def maybe_carried(self, result: Value, returns: list[Value], node: ast.Call, first_uid: int) -> Value:
        """The joined result of a function whose returns disagree on a graph made before the call
        (``return images`` under a guard, else copies of ``images.data``; audit-9 G4): it may or
        may not carry that graph, so those nodes give way to one node of its own, graded UNKNOWN
        (no rule proves a failure through it beyond one iteration)."""
        tensors = [v for v in returns if v.kind in (Kind.TENSOR, Kind.UNKNOWN)]  # not None, not a tuple
        if len(tensors) < 2:
            return result
        older = [frozenset(n for n in v.history if n.uid <= first_uid) for v in tensors]
        maybe = frozenset().union(*older) - frozenset.intersection(*older)
        if not maybe:
            return result
        return result.with_(history=(result.history - maybe) | {self.calls.graph.fresh(node, Grade.UNKNOWN)})

    def summary_key(
        self, function: Function, inner: State, state: State, receiver: str | None, passed: list[tuple[str, str]]
    ) -> SummaryKey | None:
        """What a run of ``function`` from ``inner`` reads besides ``inner.env`` (summaries.py);
        None where its run is not summarised."""
        frames, loops = self.stack.frames, self.stack.loops
        if isinstance(frames[0].node, ast.Module) or not empty_graphs(state):
            return None  # the module's globals are live while its body runs
        if any(loop.node.lineno <= function.lineno <= (loop.node.end_lineno or 0) for loop in loops):
            return None  # a def inside a loop being run: the loop's invariant resets may name its statements
        calls, under = self.calls, inner.under
        return (
            id(function),
            receiver,
            tuple(passed),
            tuple(id(frame.node) for frame in frames),
            tuple((id(loop.node), loop.start_uid, loop.pass_start_uid) for loop in loops),
            calls.graph.uid,
            inner.grad_enabled,
            inner.default_device,
            None if under is None else (id(under[0]), under[1]),
            tuple(calls.module_calls),
            calls.module_evidence,
        )

    def replay(self, key: SummaryKey, inner: State, state: State) -> Value | None:
        for summary in self.summaries.get(key, ()):
            if self.budget - summary.spent > 0 and same_env(summary.entry, inner.env):
                self.budget -= summary.spent
                record = self.expressions.facts.record
                for node, value in summary.tape:
                    record(node, value)
                for update in summary.updates:
                    state.env.update(update)
                state.freed, state.retained, state.updated = Facts(), Facts(), Facts()
                return summary.result
        return None

    def marks(self) -> tuple[object, ...]:
        """Counters of what a summarised run must leave as it was."""
        calls, statements = self.calls, self.statements
        root = id(self.stack.frames[0].node)
        return (
            calls.graph.uid,
            len(calls.autograd.records),
            calls.autograd.runs,
            len(statements.unsettled),
            statements.extra_passes.get(root),
            len(self.attributes_cache),
            self.contents_writes,
            calls.module_evidence,
        )

    def watch(self) -> Watch:
        facts = self.expressions.facts
        owns = facts.log is None
        if owns:
            facts.log = []
        assert facts.log is not None
        return Watch(self.marks(), len(facts.log), owns)

    def summarise(self, key: SummaryKey, watch: Watch, summary: Summary, final: State) -> None:
        facts = self.expressions.facts
        log = facts.log or []
        summary.tape = log[watch.log_start :]
        if watch.owns_log:
            facts.log = None
        if self.budget > 0 and empty_graphs(final) and self.marks() == watch.marks:
            self.summaries.setdefault(key, []).append(summary)

    def passed_objects(
        self, function: Function, node: ast.Call, args: Args, kwargs: Kwargs, params: list[ast.arg], own: str | None
    ) -> list[tuple[str, str]]:
        """(parameter, the caller's variable path) for each module or instance of the project passed
        by position or keyword as a plain variable (not the receiver), when the callee never
        rebinds the parameter."""
        offset = len(args) - len(node.args)
        by_name = {param.arg: param for param in [*params, *function.args.kwonlyargs]}
        pairs = []
        for index, expr in enumerate(node.args):
            if isinstance(expr, ast.Starred):
                break
            if offset + index < len(params):
                pairs.append((params[offset + index].arg, expr, args[offset + index]))
        for kw in node.keywords:
            if kw.arg in by_name:
                pairs.append((kw.arg, kw.value, kwargs.get(kw.arg, UNKNOWN)))
        objects = [
            (param, expr)
            for param, expr, value in pairs
            if param != own and (value.kind is Kind.MODULE or value.cls is not None)
        ]
        if not objects:  # most calls: no walk of the callee for its rebound names
            return []
        rebound = self.rebound_names(function)
        return [
            (param, path) for param, expr in objects if param not in rebound and (path := attr_path(expr)) is not None
        ]

    def rebound_names(self, function: Function) -> frozenset[str]:
        """The names a function assigns (its parameters among them, when it rebinds them)."""
        known = self.rebound_cache.get(id(function))
        if known is None:
            known = frozenset(
                n.id for n in subtree(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            )
            self.rebound_cache[id(function)] = known
        return known

    def bind_parameters(
        self, function: Function, args: Args, kwargs: Kwargs, state: State, starred: list[bool] | None = None
    ) -> None:
        """``starred[i]``: ``args[i]`` is a ``*sequence`` whose items take the positions from there on."""
        params = [*function.args.posonlyargs, *function.args.args]
        starred = starred if starred is not None and len(starred) == len(args) else [False] * len(args)
        first_star = starred.index(True) if True in starred else len(args)
        for param, value in zip(params, args[:first_star]):
            state.env[param.arg] = passed(value)
        vararg = function.args.vararg
        # From the first `*sequence` on, each position holds one of the remaining elements.
        tail = None
        for value, star in zip(args[first_star:], starred[first_star:]):
            element = value.iter_elem() if star else value
            tail = element if tail is None else tail.join(element)
        defaults = parameter_defaults(function.args)
        for param in params[first_star:] if first_star < len(args) else []:
            state.env[param.arg] = tail if tail is not None and param.arg not in defaults else UNKNOWN
        if vararg is not None:  # `def f(*arrays)`: a tuple of the extra positional arguments
            if True in starred:
                elem = tail
                for value in args[len(params) : first_star]:  # plain extras before the star
                    elem = value if elem is None else elem.join(value)
                state.env[vararg.arg] = Value(kind=Kind.SEQ, elem=elem)
            else:
                state.env[vararg.arg] = sequence(tuple(args[len(params) :]))
        if first_star < len(args):
            args = args[:first_star] + [UNKNOWN] * max(0, len(params) - first_star)
        # A parameter the call leaves out takes its default: `def __init__(self, device="cuda")`.
        for param in [*params[len(args) :], *function.args.kwonlyargs]:
            if param.arg in kwargs:
                state.env[param.arg] = passed(kwargs[param.arg])
            elif isinstance(defaults.get(param.arg), ast.Constant):
                state.env[param.arg] = self.expressions.eval(defaults[param.arg], state)
            else:
                state.env[param.arg] = UNKNOWN


def plain_instance(value: Value) -> bool:
    """An instance of a plain (not ``nn.Module``) class of this file."""
    return value.kind is Kind.OTHER and isinstance(value.cls, ClassInfo)


def device_generic(result: Value, inputs: Args) -> Value:
    """The result of another file's function (library-style code, ``get_range_vector(size,
    device)``) that returns CPU or CUDA tensors on paths it chooses itself, when nothing it was
    given may be on CUDA: the choice follows what it received (the device of a tensor), which
    the analysis does not tell, so the device is unknown. A device chosen at run time on
    purpose (``torch.device("cuda" if ... else "cpu")``, a step under a condition) stays."""
    if any(v.device.may_be_cuda for v in inputs):
        return result
    values = [result, *(result.items or ())]
    if not any(v.device is Device.MAYBE_CUDA and not _chosen(v) for v in values):
        return result
    items = tuple(_unknown_device(v) for v in result.items) if result.items is not None else None
    return _unknown_device(result).with_(items=items)


def _chosen(value: Value) -> bool:
    return any("chosen at run time" in step.message or "(under `" in step.message for step in value.steps)


def _unknown_device(value: Value) -> Value:
    if value.device is Device.MAYBE_CUDA and not _chosen(value):
        return value.with_(device=Device.UNKNOWN, steps=())
    return value


def device_parameters(function: Function) -> bool:
    """A parameter named for a device or a CUDA flag (``device``, ``use_cuda``, ``gpu_id``): the
    constructing call chooses where ``__init__`` moves the module."""
    arguments = function.args
    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    names += [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return any("device" in name.lower() or "cuda" in name.lower() or "gpu" in name.lower() for name in names[1:])


def starred_arguments(node: ast.Call, args: Args) -> list[bool]:
    """Which of ``args`` (the call's positional values, after a receiver the caller put first)
    are ``*sequence`` arguments."""
    offset = len(args) - len(node.args)
    return [False] * offset + [isinstance(a, ast.Starred) for a in node.args]


def sets_own_state(function: Function) -> bool:
    """The method assigns an attribute of its first parameter (``self.cumulative = ...``)."""
    params = [*function.args.posonlyargs, *function.args.args]
    if not params:
        return False
    own = params[0].arg
    return any(
        isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Store)
        and isinstance(node.value, ast.Name)
        and node.value.id == own
        for node in ast.walk(function)
    )
