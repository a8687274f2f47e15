"""Abstract interpretation of module and function bodies: the parts assembled, and the entry points.

Each body is interpreted once from its start with the parameters unknown; calls into functions
and methods of the same file are followed (depth- and budget-limited) so that a model's
``forward`` or an ``init_hidden`` helper is understood. Loops run to a fixed point of their head
state (fixpoint.py) with fresh graph nodes per pass, so state one iteration hands to the next (a
hidden state) is seen with the nodes the earlier passes' ``backward()`` freed.

The parts hold one another explicitly, none inherits from another:

- ``Expressions`` (evaluator.py): a transfer function per kind of expression, with
  ``AttributeReads`` (attribute_reads.py) and ``Items`` (items.py) beside it;
- ``Statements`` (statements.py): a transfer function per kind of statement, joins, loops;
- ``Calls`` (calls.py): the values of calls (torch, methods, builtins, local code);
- ``Functions`` and ``Scope`` (functions.py): names, and calls into this file's code;
- ``Autograd`` (autograd.py): backward and optimizer steps, and the backwards that meet freed
  graphs (rules classify them: PTL201's cases are in rules/autograd/_freed_graph_cases.py);
- ``GraphNodes`` (graph.py) and ``Stack`` (state.py): the node counter, the frames and loops.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .attribute_modules import _not_on_instance
from .autograd import Autograd
from .calls import PROVEN_MODULE, Calls
from .cuda_flags import flag_by_name
from .evaluator import Expressions
from .facts import BackwardRecord, FlowFacts
from .functions import Functions
from .grad_modes import decorated_grad_mode
from .graph import GraphNodes
from .lattice import Device, Grade
from .scope import Scope
from .state import Frame, Stack, State
from .statements import Statements
from .survey import FunctionSurvey, survey
from .values import UNKNOWN, Kind, Value

if TYPE_CHECKING:
    from ..classes import ClassInfo
    from ..context import FileContext

MAX_CALLERS = 4  # callers interpreted to learn what a function receives


class Interpreter:
    """Assembles the parts for one file and interprets its functions on demand (``FlowFacts``
    asks through ``ensure_for`` and ``ensure_all``)."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.facts = FlowFacts()
        self.surveys, module_paths, self.innermost = survey(ctx.index)
        self.callers: dict[str, list[FunctionSurvey]] = {}
        for function in self.surveys:
            for name in function.calls:
                self.callers.setdefault(name, []).append(function)
        self.analysed: set[int] = set()
        # Parameters may be frozen: outputs of modules then prove no graph by themselves.
        text = ctx.doc.text
        module_evidence = (
            Grade.CALLABLE if ("requires_grad = False" in text or "requires_grad_(False)" in text) else Grade.PROVEN
        )
        self.graph = GraphNodes()
        self.stack = Stack()
        self.scope = Scope(ctx, self.stack)
        self.expressions = Expressions(self.facts, self.graph, self.scope)
        self.statements = Statements(ctx, self.expressions, self.graph, self.stack, self.scope)
        self.functions = Functions(ctx, self.stack, self.scope, self.expressions, self.statements)
        self.autograd = Autograd(ctx, self.graph, self.stack, self.expressions)
        self.calls = Calls(
            self.facts,
            self.expressions,
            self.graph,
            self.stack,
            self.functions,
            self.autograd,
            module_paths,
            module_evidence,
        )
        # The recursion of the analysis: expressions contain calls, calls run function bodies.
        self.expressions.calls = self.calls
        self.functions.calls = self.calls
        self.statements.records = self.autograd.records  # a loop keeps the records of its stable pass
        self.instances: dict[int, Value | None] = {}  # id(plain class) -> its unconstructed instance
        self._call_sites: dict[str, set[int]] | None = None

    @property
    def call_modes(self) -> dict[int, set[bool]]:
        return self.functions.call_modes

    # -- entry point ----------------------------------------------------------------------------
    def run(self) -> FlowFacts:
        tree = self.ctx.tree
        module_state = State()
        self.scope.module_env = module_state.env  # functions called from the module body see it live
        self.stack.frames.append(Frame(tree))
        end = self.statements.exec_block(tree.body, module_state)
        self.stack.frames.pop()
        self.scope.module_env = (end or module_state).env
        self.facts.analyser = self
        return self.facts

    def close(self) -> None:
        """Drop what the parts hold. They refer to one another and to the file's context, so
        the file's tree and facts would otherwise wait for the collector, a walk of about a
        million objects over torch's source."""
        parts = (self.graph, self.stack, self.scope, self.expressions, self.statements, self.functions)
        for part in (*parts, self.autograd, self.calls):
            vars(part).clear()
        vars(self).clear()

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

    def backward_records(self) -> list[BackwardRecord]:
        project = self.scope.project
        if project is None or not project.units:
            return self.autograd.records
        # A backward, or the backward or step it follows, in another file (a training helper
        # imported from utils.py) is that file's: its fixes and messages would point here.
        return [
            record
            for record in self.autograd.records
            if not any(
                node is not None and project.origin(node) is not None
                for node in (record.call, record.earlier, record.step, record.loop.node if record.loop else None)
            )
        ]

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
        state.env.update(self.passed_modules(survey))
        self.stack.frames.append(Frame(function, locals=self.scope.locals_of(function)))
        params = [*function.args.posonlyargs, *function.args.args]
        if survey.owner is not None and params and state.env.get(params[0].arg) is UNKNOWN:
            # a plain class's method: on the instance the project's other files construct
            instance = self.calls.attribute_modules.constructions.instance(survey.owner, function)
            if instance is None:
                instance = self.unconstructed_instance(survey.owner, function)
            if instance is not None:
                state.env[params[0].arg] = instance
        mode = decorated_grad_mode(function, self.scope)
        if mode is not None:
            state.grad_enabled = mode
        self.statements.exec_block(function.body, state)
        self.stack.frames.pop()

    def unconstructed_instance(
        self, owner: ast.ClassDef, method: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> Value | None:
        """The instance a plain class's method runs on where no construction of the class is
        seen (an agent built in a notebook, another package): what its ``__init__`` assigns to
        ``self`` with every argument unknown, as ``instance_attributes`` reads a module's. A replay
        memory built there, networks moved to the file's ``device``, hold in every instance
        (audit-11 M3); what depends on the arguments stays unknown. Once per class."""
        if _not_on_instance(method):
            return None
        if id(owner) in self.instances:
            return self.instances[id(owner)]
        self.instances[id(owner)] = None  # a method __init__ calls reads no instance
        info = self.functions.class_by_id.get(id(owner))
        if info is None or not _plain(info):
            return None  # a base out of view may be a module, and framework code may call the method
        init = info.method("__init__") if not info.is_module else None
        params = [*init.args.posonlyargs, *init.args.args] if init is not None else []
        if info is None or init is None or not params or self.functions.budget <= 0:
            return None
        if any(flag_by_name(param.arg) is not None for param in (*params[1:], *init.args.kwonlyargs)):
            return None  # `use_cuda` given by the constructing code decides the devices: unknown without it
        self.functions.budget -= 1
        own = params[0].arg
        instance = Value(kind=Kind.OTHER, cls=info, requires_grad=False)
        state = State(grad_enabled=True)
        state.env[own] = instance
        self.stack.frames.append(Frame(init, locals=self.scope.locals_of(init)))
        end = self.statements.exec_block(init.body, state) or state
        self.stack.frames.pop()
        prefix = own + "."
        # an attribute of nothing known (`self.model = self.build(cfg)`) is left out: read as where
        # `self` is unknown (a callable attribute's output may still be graded as a model's)
        attrs = {
            k[len(prefix) :]: v
            for k, v in end.env.items()
            if k.startswith(prefix) and not (v.kind is Kind.UNKNOWN and v.device is Device.UNKNOWN and not v.history)
        }
        value = instance.with_(attrs=tuple(sorted((k, v) for k, v in attrs.items() if "." not in k)))
        self.instances[id(owner)] = value
        return value

    def passed_modules(self, survey: FunctionSurvey) -> dict[str, Value]:
        """The parameters of a plain function that the file's name-based guess would take for
        modules of unknown class (``model`` where ``model.parameters()`` is used) but that every
        call of the function in this file, all followed already, passes a module of one class of
        the project: that module, whose ``forward`` says what its calls give (audit-12 G2: a
        tagger whose forward returns a LongTensor of decoded ints, trained by another function)."""
        function = survey.node
        recorded = self.functions.call_arguments.get(id(function)) if survey.owner is None else None
        if recorded is None:
            return {}
        sites, passed = recorded
        if sites != self.call_sites().get(function.name):
            return {}
        module_paths = self.calls.module_paths
        return {
            name: value
            for name, value in passed.items()
            if value is not None and name in module_paths and value.kind is Kind.MODULE and value.cls is not None
        }

    def call_sites(self) -> dict[str, set[int]]:
        """``f(...)`` calls of the file by the name called; a name defined twice has none."""
        if self._call_sites is None:
            defined: dict[str, int] = {}
            for survey in self.surveys:
                defined[survey.node.name] = defined.get(survey.node.name, 0) + 1
            sites: dict[str, set[int]] = {}
            for call in self.ctx.index.of(ast.Call):
                if isinstance(call.func, ast.Name) and defined.get(call.func.id) == 1:
                    sites.setdefault(call.func.id, set()).add(id(call))
            self._call_sites = sites
        return self._call_sites

    def parameter_value(self, survey: FunctionSurvey, name: str) -> Value:
        owner, function = survey.owner, survey.node
        params = function.args.posonlyargs + function.args.args
        if owner is not None and params and params[0].arg == name:
            info = self.ctx.class_info(owner)
            if info is not None and info.is_module:
                return Value(
                    kind=Kind.MODULE, requires_grad=True, cls=info, attrs=self.functions.instance_attributes(info)
                )
        if name in survey.module_params:
            return PROVEN_MODULE
        return UNKNOWN


def analyse(ctx: FileContext) -> FlowFacts:
    return Interpreter(ctx).run()


def _plain(info: ClassInfo, depth: int = 0) -> bool:
    """A class whose every base is ``object`` or such a class of this file: nothing out of view
    (a library's model base, a framework calling the method under ``no_grad``) shapes it."""
    if depth > 8 or info.node.keywords:
        return False
    others = [b for b in info.node.bases if not (isinstance(b, ast.Name) and b.id == "object")]
    return len(others) == len(info.local_bases) and all(_plain(b, depth + 1) for b in info.local_bases)
