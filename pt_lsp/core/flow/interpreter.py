"""Abstract interpretation of module and function bodies.

Each body is interpreted once from its start with the parameters unknown; calls into functions
and methods of the same file are followed (depth- and budget-limited) so that a model's
``forward`` or an ``init_hidden`` helper is understood. Loops run twice with fresh graph nodes
per pass, so state one iteration hands to the next (a hidden state) is seen with the nodes the
previous pass's ``backward()`` freed.
"""

from __future__ import annotations

import ast
import builtins
import functools
from typing import TYPE_CHECKING

from .. import vocabulary as api
from ..classes import ClassInfo
from ..walk import attr_path, parameter_defaults
from .base import Function, LocalCallable
from .calls import PROVEN_MODULE, CallsMixin, is_true, keyword, retains_graph
from .evaluator import ExpressionsMixin
from .facts import BackwardEvent, EventCase, FlowFacts
from .state import Frame, LoopFrame, State
from .statements import StatementsMixin
from .survey import FunctionSurvey, survey
from .values import OTHER, UNKNOWN, Args, Device, Grade, GraphNode, Kind, Kwargs, Value

if TYPE_CHECKING:
    from ..context import FileContext

MAX_CALL_DEPTH = 3
CALL_BUDGET = 400  # followed calls per file: keeps huge files linear
MAX_CALLERS = 4  # callers interpreted to learn what a function receives


class Interpreter(StatementsMixin, CallsMixin, ExpressionsMixin):
    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.facts = FlowFacts()
        self.uid = 0
        self.module_env: dict[str, Value] = {}
        self.frames: list[Frame] = []
        self.loops: list[LoopFrame] = []
        self.budget = CALL_BUDGET
        self.backward_targets: dict[int, frozenset[GraphNode]] = {}  # id(call) -> history it freed
        self.events: dict[tuple[int, int], BackwardEvent] = {}
        self.functions: dict[int, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.surveys, self.module_paths, self.innermost = survey(ctx.index)
        self.callers: dict[str, list[FunctionSurvey]] = {}
        for function in self.surveys:
            for name in function.calls:
                self.callers.setdefault(name, []).append(function)
        self.analysed: set[int] = set()
        # uid of a node made by a module with parameters -> the modules (paths) whose they are
        self.parameter_nodes: dict[int, frozenset[str]] = {}
        self.module_calls: list[str] = []  # the modules whose forward is being interpreted
        # id(function) -> grad modes (enabled or not) at the calls of this file that reach it
        self.call_modes: dict[int, set[bool]] = {}
        self.live_in_cache: dict[int, frozenset[str]] = {}
        # Parameters may be frozen: outputs of modules then prove no graph by themselves.
        text = ctx.doc.text
        self.module_evidence = (
            Grade.CALLABLE if ("requires_grad = False" in text or "requires_grad_(False)" in text) else Grade.PROVEN
        )
        self.attributes_cache: dict[int, tuple[tuple[str, Value], ...]] = {}
        self.class_by_id = {id(info.node): info for info in ctx.class_list}

    def fresh(self, site: ast.AST, evidence: Grade = Grade.PROVEN) -> GraphNode:
        self.uid += 1
        return GraphNode(self.uid, site, evidence, saves=saves_tensors(site))

    def is_parameter(self, name: str) -> bool:
        function = self.frames[-1].node if self.frames else None
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        arguments = function.args
        return any(a.arg == name for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs))

    # -- names ----------------------------------------------------------------------------------
    def lookup(self, name: str, node: ast.AST, state: State) -> Value:
        if name in state.env:
            return state.env[name]
        frame = self.frames[-1] if self.frames else None
        if frame is not None and name in frame.locals:
            return UNKNOWN
        binding = self.ctx.names.binding(name, node)
        if binding is not None and binding.qualname:
            return Value(kind=Kind.REF, qualname=binding.qualname, requires_grad=False)
        if name in self.module_env:
            return self.module_env[name]
        if binding is None and hasattr(builtins, name):
            return Value(kind=Kind.REF, qualname=f"builtins.{name}", requires_grad=False)
        return UNKNOWN

    def define(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, state: State) -> None:
        """Bind a def or class statement's name to a reference the interpreter can follow."""
        if isinstance(node, ast.ClassDef):
            state.env[node.name] = Value(kind=Kind.REF, qualname=f"<class>.{id(node)}", requires_grad=False)
        else:
            self.functions[id(node)] = node
            state.env[node.name] = Value(kind=Kind.REF, qualname=f"<def>.{id(node)}", requires_grad=False)

    # -- local callables --------------------------------------------------------------------------
    def local_callable(self, qualname: str) -> LocalCallable | None:
        if qualname.startswith("<def>."):
            function = self.functions.get(int(qualname[6:]))
            if function is None:
                return None
            return lambda node, args, kwargs, state: self.call_function(function, node, args, kwargs, state)
        if qualname.startswith("<class>."):
            info = self.class_by_id.get(int(qualname[8:]))
            if info is None:
                return None
            return lambda node, args, kwargs, state: self.instantiate(info, node, args, kwargs, state)
        return None

    def instantiate(self, info: ClassInfo, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        if not info.is_module:
            return self.plain_instance(info, node, args, kwargs, state)
        return Value(
            kind=Kind.MODULE, device=Device.CPU, requires_grad=True, cls=info, attrs=self.instance_attributes(info)
        )

    def plain_instance(self, info: ClassInfo, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        """An instance of a plain class of this file (a trainer, a predictor, an agent): its
        ``__init__`` runs with this call's arguments, and what it assigns to ``self`` becomes
        the instance's attributes, which its methods then see (``Predictor(model)`` keeps
        ``self.model = model.cuda()`` on CUDA)."""
        instance = Value(kind=Kind.OTHER, cls=info, requires_grad=False)
        init = info.method("__init__")
        if init is None:
            return instance
        receiver = f"<instance>.{id(node)}"
        state.env[receiver] = instance
        self.call_function(init, node, [instance, *args], kwargs, state, receiver)
        prefix = receiver + "."
        attrs = {k[len(prefix) :]: state.env.pop(k) for k in [k for k in state.env if k.startswith(prefix)]}
        state.env.pop(receiver, None)
        return instance.with_(attrs=tuple(sorted((k, v) for k, v in attrs.items() if "." not in k)))

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
            self.frames.append(Frame(init, locals=self._locals(init)))
            self.exec_block(init.body, state)
            self.frames.pop()
            attrs = {k[5:]: v for k, v in state.env.items() if k.startswith("self.") and "." not in k[5:]}
        cache[id(info)] = tuple(sorted(attrs.items()))
        return cache[id(info)]

    def local_method(self, module: Value, name: str) -> Function | None:
        if not isinstance(module.cls, ClassInfo):
            return None
        return module.cls.method(name)

    def call_function(
        self, function: Function, node: ast.Call, args: Args, kwargs: Kwargs, state: State, receiver: str | None = None
    ) -> Value:
        """Follow a call into a function of this file; the callee sees the caller's freed graphs.
        For a method called on ``receiver`` (a variable path such as ``model``), the instance's
        attributes (``model.hidden``) flow in as ``self.hidden`` and back out after the call."""
        if len(self.frames) > MAX_CALL_DEPTH or self.budget <= 0 or any(f.node is function for f in self.frames):
            return self.call_unknown(node, args, kwargs, state)
        self.budget -= 1
        self.call_modes.setdefault(id(function), set()).add(state.grad_enabled)
        # the callee sees the caller's graphs as they are: freed, kept, updated by a step
        inner = State(
            {}, state.freed, state.grad_enabled, state.default_device, state.under, state.retained, state.updated
        )
        self.bind_parameters(function, args, kwargs, inner)
        params = [*function.args.posonlyargs, *function.args.args]
        own = params[0].arg if receiver and params else None
        if own and receiver:
            prefix = receiver + "."
            inner.env.update({f"{own}.{k[len(prefix) :]}": v for k, v in state.env.items() if k.startswith(prefix)})
        frame = Frame(function, locals=self._locals(function))
        from_module = len(self.frames) == 1 and isinstance(self.frames[0].node, ast.Module)
        saved_globals = self.module_env
        if from_module:
            self.module_env = state.env  # the callee sees the module's globals as they are now
        self.frames.append(frame)
        end = self.exec_block(function.body, inner)
        self.frames.pop()
        self.module_env = saved_globals
        if end is not None:
            frame.returns.append(OTHER)
        final = inner if end is None else end
        state.freed, state.retained, state.updated = final.freed, final.retained, final.updated
        if from_module:  # globals the callee changed in place (`saved_log_probs.append(...)`)
            state.env.update(
                {
                    k: v
                    for k, v in final.env.items()
                    if k.split(".")[0] not in frame.locals and k.split(".")[0] in state.env
                }
            )
        if own:
            prefix = own + "."
            state.env.update(
                {f"{receiver}.{k[len(prefix) :]}": v for k, v in final.env.items() if k.startswith(prefix)}
            )
        result = None
        for value in frame.returns:
            result = value if result is None else result.join(value)
        return result or OTHER

    def bind_parameters(self, function: Function, args: Args, kwargs: Kwargs, state: State) -> None:
        params = [*function.args.posonlyargs, *function.args.args]
        for param, value in zip(params, args):
            state.env[param.arg] = value
        # A parameter the call leaves out takes its default: `def __init__(self, device="cuda")`.
        defaults = parameter_defaults(function.args)
        for param in [*params[len(args) :], *function.args.kwonlyargs]:
            if param.arg in kwargs:
                state.env[param.arg] = kwargs[param.arg]
            elif isinstance(defaults.get(param.arg), ast.Constant):
                state.env[param.arg] = self.eval(defaults[param.arg], state)
            else:
                state.env[param.arg] = UNKNOWN

    def _locals(self, function: ast.AST) -> frozenset[str]:
        scope = self.ctx.names.scopes.get(id(function))
        return frozenset(scope.bindings) if scope is not None else frozenset()

    # -- autograd -------------------------------------------------------------------------------
    def autograd_call(self, qualname: str, node: ast.Call, args: Args, kwargs: Kwargs, state: State) -> Value:
        outputs = node.args[0] if node.args else keyword(node, "outputs") or keyword(node, "tensors")
        value = args[0] if args else kwargs.get("outputs", kwargs.get("tensors", UNKNOWN))
        self.backward(node, outputs, value, state, retains_graph(node))
        if qualname.endswith(".grad"):
            if is_true(keyword(node, "create_graph")):  # the gradients' own graph reaches back
                return Value(kind=Kind.SEQ, elem=self.derived(node, state, [value], kind=Kind.TENSOR))
            return Value(kind=Kind.SEQ, elem=Value(kind=Kind.TENSOR, requires_grad=False))
        return OTHER

    def backward(
        self, call: ast.Call, target: ast.AST | None, value: Value, state: State, retain: bool | None = None
    ) -> None:
        if retain is None:
            retain = retains_graph(call)
        history = value.history
        if not history and value.requires_grad is not False and target is not None and attr_path(target):
            # backward() itself is evidence of a graph: give the value an identity so that a
            # second backward of the very same tensor is recognised.
            history = frozenset({self.fresh(call, evidence=Grade.BACKWARD)})
            value = value.with_(history=history)
            self.rebind(target, value, state)
        # Only nodes that saved tensors fail a second time: `x.sum()` can be backwarded twice.
        hit = sorted((n for n in history if n in state.freed and n.saves), key=lambda n: n.uid)
        if hit:
            self.report_event(call, hit, history, state)
        else:
            self.report_updated(call, history, state)
        if retain:
            for graph_node in history:
                state.retained.setdefault(graph_node, call)
        else:
            for graph_node in history:
                state.freed.setdefault(graph_node, call)
            self.backward_targets[id(call)] = history

    def optimizer_step(self, call: ast.Call, state: State) -> None:
        """``optimizer.step()`` updates parameters in place: a retained graph that saved them
        cannot be backwarded again ("modified by an inplace operation"). Only the modules whose
        ``.parameters()`` the optimizer was built from count; without them, nothing does."""
        modules = self.optimized_modules(call)
        if not modules:
            return
        for graph_node in state.retained:
            owners = self.parameter_nodes.get(graph_node.uid, frozenset())
            if owners & modules and graph_node.evidence is Grade.PROVEN:
                state.updated.setdefault(graph_node, call)

    def optimized_modules(self, step: ast.Call) -> frozenset[str]:
        """``opt.step()`` where ``opt = torch.optim.X(D.parameters(), ...)``: ``{"D"}``."""
        if not isinstance(step.func, ast.Attribute) or not isinstance(step.func.value, (ast.Name, ast.Attribute)):
            return frozenset()
        return self.optimizers.get(attr_path(step.func.value) or "", frozenset())

    @functools.cached_property
    def optimizers(self) -> dict[str, frozenset[str]]:
        """Each variable assigned a call with ``X.parameters()`` in its first argument (an
        optimizer, in practice) -> those ``X``: one scan of the file's assignments."""
        found: dict[str, set[str]] = {}
        for assign in self.ctx.index.of(ast.Assign):
            for target in assign.targets:
                pairs = [(target, assign.value)]
                if isinstance(target, ast.Tuple) and isinstance(assign.value, ast.Tuple):
                    pairs = list(zip(target.elts, assign.value.elts))  # `opt_g, opt_d = Adam(...), Adam(...)`
                for bound, value in pairs:
                    path = attr_path(bound)
                    if path and isinstance(value, ast.Call) and value.args:
                        owners = _parameter_owners(value.args[0])
                        if owners:
                            found.setdefault(path, set()).update(owners)
        return {path: frozenset(owners) for path, owners in found.items()}

    def report_updated(self, call: ast.Call, history: frozenset[GraphNode], state: State) -> None:
        stale = sorted((n for n in history if n in state.updated), key=lambda n: n.uid)
        if not stale or (id(call), id(state.updated[stale[0]])) in self.events:
            return
        step = state.updated[stale[0]]
        earlier = state.retained[stale[0]]
        sites = tuple(dict.fromkeys(n.site for n in stale if isinstance(n.site, ast.AST)))[:3]
        self.events[(id(call), id(step))] = BackwardEvent(
            call, earlier, EventCase.PARAMETERS_UPDATED, sites=sites, step=step
        )

    def report_event(self, call: ast.Call, hit: list[GraphNode], history: frozenset[GraphNode], state: State) -> None:
        earlier = state.freed[hit[0]]
        case = EventCase.SHARED_GRAPH
        loop: ast.For | ast.AsyncFor | ast.While | None = None
        carried: tuple[tuple[str, str], ...] = ()
        shared: tuple[str, ...] = ()
        loop_frame = self.loops[-1] if self.loops else None
        if not self.trusted(hit, loop_frame):
            return
        if loop_frame is not None and any(n.uid <= loop_frame.start_uid for n in hit):
            case, loop = EventCase.BEFORE_LOOP, loop_frame.node
        elif loop_frame is not None and any(n.uid <= loop_frame.pass_start_uid for n in hit):
            case, loop = EventCase.CARRIED_STATE, loop_frame.node
            carried = self.carried_variables(loop_frame, set(hit))
        elif self.backward_targets.get(id(earlier)) == history:
            case = EventCase.SAME_TENSOR
        else:
            shared = self.shared_variables(state, set(hit))
        key = (id(call), id(earlier))
        if key not in self.events:
            sites = tuple(dict.fromkeys(n.site for n in hit if isinstance(n.site, ast.AST)))[:3]
            self.events[key] = BackwardEvent(call, earlier, case, loop, carried, shared, sites)

    @staticmethod
    def trusted(hit: list[GraphNode], loop: LoopFrame | None) -> bool:
        """Whether the freed nodes prove a failure: unproven nodes count only within one pass
        (and, for a callable parameter's output, when carried from the previous pass)."""
        for graph_node in hit:
            if graph_node.evidence is Grade.PROVEN:
                return True
            if loop is None or graph_node.uid > loop.pass_start_uid:
                return True  # made and freed in this very pass
            if graph_node.evidence is Grade.CALLABLE and graph_node.uid > loop.start_uid:
                return True
        return False

    def carried_variables(self, loop: LoopFrame, hit: set[GraphNode]) -> tuple[tuple[str, str], ...]:
        """(variable, shape) for what the loop hands on: "tensor", "tuple" ((h, c)) or "list"
        (a growing list such as saved log-probabilities)."""
        head = loop.head.env if loop.head is not None else {}
        found = []
        for name in sorted(head):
            value = head[name]
            if name.split(".")[0] not in loop.live_in or not value.history & hit:
                continue
            shape = "tuple" if value.items is not None else "list" if value.kind is Kind.SEQ else "tensor"
            found.append((name, shape))
        return tuple(found)

    def shared_variables(self, state: State, hit: set[GraphNode]) -> tuple[str, ...]:
        """Variables holding the root of the shared subgraph: the smallest histories that reach it."""
        holders = [(len(v.history), name) for name, v in state.env.items() if v.history & hit and "." not in name]
        if not holders:
            return ()
        smallest = min(size for size, _ in holders)
        return tuple(sorted(name for size, name in holders if size == smallest))

    # -- entry point ----------------------------------------------------------------------------
    def run(self) -> FlowFacts:
        tree = self.ctx.tree
        module_state = State()
        self.module_env = module_state.env  # functions called from the module body see it live
        self.frames.append(Frame(tree))
        end = self.exec_block(tree.body, module_state)
        self.frames.pop()
        self.module_env = (end or module_state).env
        self.facts.analyser = self
        return self.facts

    def ensure_for(self, node: ast.AST) -> None:
        function = self.innermost.get(getattr(node, "lineno", 0))
        if function is not None and id(function.node) not in self.analysed:
            self.ensure(function)

    def ensure(self, function: FunctionSurvey) -> None:
        """Interpret ``function`` and, for the arguments they pass, its direct callers (a few:
        a helper called from everywhere is understood well enough from its first callers)."""
        for current in [function, *self.callers.get(function.node.name, ())[:MAX_CALLERS]]:
            if id(current.node) not in self.analysed:
                self.analysed.add(id(current.node))
                self.analyse_function(current)

    def ensure_all(self) -> None:
        """Every function that calls backward() or autograd.grad(), and its callers."""
        for function in self.surveys:
            if function.backwards and id(function.node) not in self.analysed:
                self.ensure(function)

    def sorted_events(self) -> list[BackwardEvent]:
        return sorted(self.events.values(), key=lambda e: (e.call.lineno, e.call.col_offset))

    def analyse_function(self, survey: FunctionSurvey) -> None:
        function = survey.node
        state = State()
        for param in (
            *function.args.posonlyargs,
            *function.args.args,
            *function.args.kwonlyargs,
            function.args.vararg,
            function.args.kwarg,
        ):
            if param is not None:
                state.env[param.arg] = self.parameter_value(survey, param.arg)
        self.frames.append(Frame(function, locals=self._locals(function)))
        self.exec_block(function.body, state)
        self.frames.pop()

    def parameter_value(self, survey: FunctionSurvey, name: str) -> Value:
        owner, function = survey.owner, survey.node
        params = function.args.posonlyargs + function.args.args
        if owner is not None and params and params[0].arg == name:
            info = self.ctx.class_info(owner)
            if info is not None and info.is_module:
                return Value(kind=Kind.MODULE, requires_grad=True, cls=info, attrs=self.instance_attributes(info))
        if name in survey.module_params:
            return PROVEN_MODULE
        return UNKNOWN


def _parameter_owners(expr: ast.AST) -> set[str]:
    """``D`` of every ``D.parameters()`` in an optimizer's first argument."""
    owners = set()
    for node in ast.walk(expr):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("parameters", "named_parameters"):
                owner = attr_path(node.func.value)
                if owner:
                    owners.add(owner)
    return owners


def saves_tensors(site: ast.AST) -> bool:
    """Whether the autograd node made at ``site`` keeps tensors for its backward."""
    if isinstance(site, ast.BinOp):
        return not isinstance(site.op, (ast.Add, ast.Sub))
    if isinstance(site, ast.UnaryOp):
        return not isinstance(site.op, (ast.USub, ast.UAdd))
    if isinstance(site, ast.Subscript):
        index = site.slice
        return not (
            isinstance(index, (ast.Slice, ast.Constant))
            or isinstance(index, ast.Tuple)
            and all(isinstance(e, (ast.Slice, ast.Constant)) for e in index.elts)
        )
    if isinstance(site, ast.Call):
        func = site.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name not in api.NO_SAVED_TENSORS
    return True


def analyse(ctx: FileContext) -> FlowFacts:
    return Interpreter(ctx).run()
