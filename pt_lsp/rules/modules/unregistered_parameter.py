"""PTL301: parameters and submodules an `nn.Module` never registers."""

from __future__ import annotations

import ast
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Span
from pt_lsp.core.edits import source_of, torch_reference
from pt_lsp.core.evidence.tensors import PARAMETER
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Related, Severity
from pt_lsp.core.flow.values import Step
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import own_nodes, subtree
from pt_lsp.rules.modules._module_evidence import assignment_path, is_self_attr, super_init_line
from pt_lsp.rules.modules._registration_evidence import (
    MODULE,
    PARAM,
    Container,
    InitEvidence,
    grad_tensor_call,
    requires_grad_keyword,
    trained_apart,
)
from pt_lsp.rules.modules.examples.unregistered_parameter import EXAMPLES

CONTAINER_CLASSES = {
    (MODULE, "list"): "torch.nn.ModuleList",
    (MODULE, "dict"): "torch.nn.ModuleDict",
    (PARAM, "list"): "torch.nn.ParameterList",
    (PARAM, "dict"): "torch.nn.ParameterDict",
}
_WHAT = {MODULE: "modules", PARAM: "parameters"}
# torch.nn modules with no parameters, no buffers and no train/eval behaviour: a plain list of
# them misses nothing (not Dropout or norm layers, whose behaviour `eval()` switches).
STATELESS_MODULES = frozenset(
    "torch.nn." + name
    for name in (
        "Upsample UpsamplingNearest2d UpsamplingBilinear2d Identity Flatten Unflatten ReLU ReLU6 LeakyReLU ELU SELU"
        " CELU GELU SiLU Mish Sigmoid Tanh Hardtanh Hardswish Hardsigmoid Softplus Softsign Tanhshrink Softmax"
        " LogSoftmax Softmin Threshold MaxPool1d MaxPool2d MaxPool3d AvgPool1d AvgPool2d AvgPool3d"
        " AdaptiveMaxPool1d AdaptiveMaxPool2d AdaptiveMaxPool3d AdaptiveAvgPool1d AdaptiveAvgPool2d"
        " AdaptiveAvgPool3d PixelShuffle PixelUnshuffle ZeroPad2d ConstantPad2d ReflectionPad2d ReplicationPad2d"
    ).split()
)


class UnregisteredParameter(Rule):
    """
    ## What it does
    Flags, in an `nn.Module` subclass, attributes that hold trainable state PyTorch does not
    register: a tensor with `requires_grad=True` assigned to `self.x` without `nn.Parameter`,
    and modules or parameters kept in a plain `list`, `tuple` or `dict` attribute (a literal, a
    comprehension, or a container created empty and filled with `.append(...)`,
    `.extend(...)` or `[key] = ...`), also inside lists put into it (`[nn.Linear(...), act]`),
    where the modules come from the class's callers (`Merge([nn.Linear(4, 2)])` stored by
    `self.layers = layers` or appended one by one, also when `__init__` wraps a single one into
    a list: `if not isinstance(acts, list): acts = [acts] * n`), and where a function of the
    file builds the container and returns it (`self.blocks = build(spec)`, also as one item of a
    returned tuple: `self.blocks, width = build(spec)`). The finding is on the assignment of the
    attribute. A list of only parameter-free, buffer-free modules whose behaviour `train()` /
    `eval()` does not change (`nn.Upsample`, activations, `nn.Identity`, pooling), or of classes
    of the file that keep only such layers and numbers, misses nothing and is not reported;
    `nn.Dropout` and norm layers are. Nor is a list each item of which is also given to an
    `nn.Sequential` or `nn.ModuleList` the class keeps, nor a list or dict handed whole to one
    (`nn.ModuleList(list(self.convs.values()))`: the dict is then a lookup table); one handed
    only to a container built and called at once (`nn.Sequential(*self.layers)(x)`) is reported.
    Lists returned by a function defined inside `__init__` are followed too.

    Nor is a tensor the file trains apart from `parameters()`: one handed (itself, in a list of
    the class, or through a method of the class returning it) to a `torch.optim` optimizer or to
    `torch.autograd.grad` (a SAC temperature: `self.alpha_optimizer = Adam([self.log_alpha])`),
    or returned in a list or tuple by a method of the class, an accessor of its own parameter
    group as `parameters()` is of the registered ones (DARTS: `def arch_parameters(self): return
    self._arch_parameters`, given to the architecture's optimizer in another file). Such code
    keeps the tensor out of `parameters()` on purpose: registering it would hand it to the
    optimizer built from `parameters()` too (DARTS's weight step would then train the
    architecture), and it moves the tensor and saves it by hand where it needs to.

    ## Why is this bad?
    `nn.Module` registers only `nn.Parameter`s, submodules and buffers assigned to it directly.
    Anything else is invisible to `model.parameters()` (so the optimizer never updates it),
    to `model.to(device)` / `.cuda()` / `.half()` (so it stays behind on the CPU), to
    `state_dict()` (so checkpoints silently miss it) and to `train()` / `eval()`. Training runs
    without an error and the layers in the list simply never learn.

    ## Example
    ```python
    class MultiTask(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = [nn.Linear(128, n) for n in (10, 5)]
            self.temperature = torch.ones(1, requires_grad=True)
    ```

    ## Use instead
    ```python
    class MultiTask(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = nn.ModuleList([nn.Linear(128, n) for n in (10, 5)])
            self.temperature = nn.Parameter(torch.ones(1))
    ```

    ## Fix safety
    The fixes wrap the value in `nn.Parameter(...)` (dropping the then redundant
    `requires_grad=True` / `.requires_grad_()`) or turn the container into `nn.ModuleList`,
    `nn.ModuleDict`, `nn.ParameterList` or `nn.ParameterDict` (an empty one stays empty and
    is filled as before; a returned container is wrapped as it is, but not when it comes as an
    item of a tuple). They are unsafe: registering changes what `parameters()` yields (an
    optimizer built from it now trains these weights), what `.to(device)` moves, and the keys of
    `state_dict()`, so checkpoints saved before the fix no longer load strictly. `nn.ModuleDict`
    needs string keys: no fix is offered where a key is not a string.

    ## References
    - [torch.nn.Module.register_parameter](https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.register_parameter)
    - [torch.nn.ModuleList](https://pytorch.org/docs/stable/generated/torch.nn.ModuleList.html)
    - [torch.nn.ParameterList](https://pytorch.org/docs/stable/generated/torch.nn.ParameterList.html)
    - [torch.nn.Parameter](https://pytorch.org/docs/stable/generated/torch.nn.parameter.Parameter.html)
    """

    code = "PTL301"
    name = "unregistered-parameter"
    summary = "a tensor requiring grad or a plain list/dict of modules on an `nn.Module` that is never registered"
    severity = Severity.ERROR
    examples = EXAMPLES
    per_unit = True  # the server may reuse its findings per function (core/incremental/)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        text = ctx.doc.text
        if "self." not in text or "Mod" not in text:  # nn.Module, LightningModule, PreTrainedModel
            return
        for info in ctx.class_list:
            if not info.is_module:
                continue
            evidence = InitEvidence(ctx, info)
            counts = _assignment_counts(info.node)
            handed: list[_HandedOn] = []  # walked when the first container needs it
            for function in evidence.functions:
                for node in own_nodes(function):
                    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
                        continue
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    if len(targets) != 1:
                        continue
                    # `self.blocks, width = build(spec)`: each attribute an item of what is unpacked
                    items = (
                        [(t, (i, len(targets[0].elts))) for i, t in enumerate(targets[0].elts)]
                        if isinstance(targets[0], (ast.Tuple, ast.List))
                        else [(targets[0], None)]
                    )
                    for target, item in items:
                        if not is_self_attr(target) or counts.get(target.attr) != 1:
                            continue  # reassigned somewhere (e.g. `self.layers = nn.ModuleList(self.layers)`)
                        finding = self.check_assignment(ctx, evidence, function, node, target, handed, item)
                        if finding is not None:
                            yield finding

    def check_assignment(
        self,
        ctx: FileContext,
        evidence: InitEvidence,
        function: ast.AST,
        node: ast.Assign | ast.AnnAssign,
        target: ast.Attribute,
        handed: list[_HandedOn],
        item: tuple[int, int] | None = None,
    ) -> Finding | None:
        """``item``: ``(index, width)`` where ``target`` is item ``index`` of a tuple target."""
        value = node.value
        if value is None:
            return None
        if item is not None:
            value = _unpacked(value, item)
            if value is None:
                return None
        tensor: ast.AST = value
        if isinstance(value, ast.Name):
            tensor = evidence.single_value(function, value.id) or value
        grad_call = grad_tensor_call(ctx, tensor)
        if grad_call is not None and trained_apart(ctx, evidence.info, target.attr) is not None:
            return None  # kept apart on purpose, with an optimizer of its own (audit-8)
        if grad_call is not None:
            message = (
                f"`self.{target.attr}` is a tensor with `requires_grad=True`, not an `nn.Parameter`: "
                "`parameters()`, the optimizer, `.to(device)` and `state_dict()` never see it"
            )
            fix = self.parameter_fix(ctx, node, value, grad_call if tensor is value else None)
            if _before_base_init(evidence, function, node):
                fix = None
            related = assignment_path(
                ctx,
                [Step(grad_call, "a tensor with `requires_grad=True` is made here, not an `nn.Parameter`")],
                node,
                f"kept as a plain attribute `self.{target.attr}`: `parameters()` does not yield it"
                " (only `nn.Parameter`s and submodules are registered)",
            )
            return self.report(ctx, target, message, fixes=[fix] if fix else [], related=related)
        container = (
            evidence.returned_container(value, target.attr, item)
            if item is not None and isinstance(value, ast.Call)
            else evidence.container(value, function, target.attr)
        )
        if container is None or not container.elements or not container.understood:
            return None
        if not handed:
            handed.append(_handed_on(ctx, evidence.info.node))
        if _registered_another_way(handed[0], value, target.attr, container):
            return None
        kinds: set[str] = set()
        found: list[tuple[ast.AST, str]] = []
        callers: list[Step] = []  # where the class's callers pass the modules that go in
        for element, fn in container.elements:
            kind = evidence.element_kind(element, fn)
            if kind is None:
                return None  # something we cannot identify goes in: no guess
            kinds.add(kind)
            found.append((element, kind))
            if isinstance(element, ast.Name) and len(callers) < 2:
                given = evidence.passed_elements(fn, element.id)
                callers.extend(
                    Step(
                        v, f"a caller passes {'a module' if kind == MODULE else 'a parameter'} here: `{_short(ctx, v)}`"
                    )
                    for v, _ in given[:1]
                )
        if all(_stateless(ctx, evidence, element, fn) for element, fn in container.elements):
            return None
        plain = "tuple" if isinstance(value, ast.Tuple) else container.shape
        what = _WHAT[next(iter(kinds))] if len(kinds) == 1 else "modules and parameters"
        nested = any(isinstance(element, (ast.List, ast.Tuple, ast.Dict)) for element, _ in found)
        message = (
            f"`self.{target.attr}` keeps {what} in a plain {plain}{' (in lists inside it)' if nested else ''}:"
            " they are not registered, so `parameters()`, `.to(device)` and `state_dict()` miss them"
        )
        # a ModuleList takes modules only, not the lists inside: no mechanical fix for those; nor
        # for a list a helper returns inside a tuple
        fix = (
            self.container_fix(ctx, node, value, container, next(iter(kinds)))
            if len(kinds) == 1 and not nested and not (container.returned and item is not None)
            else None
        )
        if _before_base_init(evidence, function, node):
            fix = None
        built = container.built or value
        related = self.container_path(ctx, evidence, function, node, target, built, plain, found, callers)
        return self.report(ctx, target, message, fixes=[fix] if fix else [], related=related)

    def container_path(
        self,
        ctx: FileContext,
        evidence: InitEvidence,
        function: ast.AST,
        node: ast.Assign | ast.AnnAssign,
        target: ast.Attribute,
        value: ast.AST,
        plain: str,
        elements: list[tuple[ast.AST, str]],
        callers: list[Step],
    ) -> tuple[Related, ...]:
        """Where the plain container is built, where modules or parameters go into it, and the
        assignment that keeps it where `parameters()` does not look."""
        built = value
        if isinstance(value, ast.Name):
            built = evidence.single_value(function, value.id) or value
        steps = [Step(built, f"a plain {plain} is built here")]
        inside = ctx.doc.node_span(built)
        shown = 0
        for element, kind in elements:
            span = ctx.doc.node_span(element)
            literal = inside.start <= span.start and span.end <= inside.end
            if shown >= 3 or (literal and shown >= 1):
                continue
            noun = "a module" if kind == MODULE else "a parameter"
            steps.append(Step(element, f"{noun} goes into it here: `{_short(ctx, element)}`"))
            shown += 1
        steps.extend(callers)
        return assignment_path(
            ctx,
            steps,
            node,
            f"kept as `self.{target.attr}`: `parameters()` does not look inside a plain {plain}"
            " (only submodules and `nn.Parameter`s assigned directly are registered)",
        )

    # -- fixes --------------------------------------------------------------------------------------
    def parameter_fix(self, ctx: FileContext, node: ast.AST, value: ast.AST, grad_call: ast.Call | None) -> Fix | None:
        reference = torch_reference(ctx, "torch.nn.Parameter", node)
        if reference is None:
            return None
        name, extra = reference
        span = ctx.doc.node_span(value)
        edits = [Edit.insert(span.start, f"{name}("), Edit.insert(span.end, ")"), *extra]
        if grad_call is not None:
            removal = _drop_requires_grad(ctx, grad_call)
            if removal is None:
                return None
            edits.append(removal)
        return Fix("Wrap in `nn.Parameter(...)`", tuple(edits), Applicability.UNSAFE)

    def container_fix(
        self, ctx: FileContext, node: ast.AST, value: ast.AST, container: Container, kind: str
    ) -> Fix | None:
        if container.shape == "dict" and any(
            isinstance(k, ast.Constant) and not isinstance(k.value, str) for k in container.keys
        ):
            return None  # ModuleDict/ParameterDict need string keys
        reference = torch_reference(ctx, CONTAINER_CLASSES[(kind, container.shape)], node)
        if reference is None:
            return None
        name, extra = reference
        span = ctx.doc.node_span(value)
        short = name.rsplit(".", 1)[-1]
        empty_display = isinstance(value, (ast.List, ast.Tuple, ast.Dict)) and not getattr(
            value, "elts", getattr(value, "keys", None)
        )
        if container.returned:  # `build(spec)` returns the plain list: ModuleList takes it as it is
            edits = [Edit.insert(span.start, f"{name}("), Edit.insert(span.end, ")")]
        elif isinstance(value, ast.Call) and value.args:  # tuple(<generator>): ModuleList takes the iterable
            edits = [Edit(ctx.doc.node_span(value.func), name)]
        elif empty_display or isinstance(value, ast.Call):  # [] / {} / list() / dict() / OrderedDict()
            edits = [Edit(span, f"{name}()")]
        elif isinstance(value, ast.Tuple):
            first, last = ctx.doc.node_span(value.elts[0]), ctx.doc.node_span(value.elts[-1])
            edits = [Edit(span, f"{name}([{ctx.doc.slice(Span(first.start, last.end))}])")]
        else:
            edits = [Edit.insert(span.start, f"{name}("), Edit.insert(span.end, ")")]
        return Fix(f"Use `nn.{short}`", (*edits, *extra), Applicability.UNSAFE)


def _stateless(ctx: FileContext, evidence: InitEvidence, element: ast.AST, function: ast.AST, depth: int = 0) -> bool:
    """``nn.Upsample(...)``, ``nn.ReLU()``, or lists or names of only such: nothing to register."""
    if depth > 3:
        return False
    if isinstance(element, (ast.List, ast.Tuple)):
        return all(_stateless(ctx, evidence, e, function, depth + 1) for e in element.elts)
    if isinstance(element, ast.Name):
        bound = evidence.single_value(function, element.id)
        return bound is not None and _stateless(ctx, evidence, bound, function, depth + 1)
    if not isinstance(element, ast.Call):
        return False
    if ctx.qualname(element.func) in STATELESS_MODULES:
        return True
    if isinstance(element.func, ast.Name) and ctx.names.resolve(element.func.id, element.func) is None:
        local = ctx.classes.get(element.func.id)
        if local is None:
            return False
        known = _STATELESS_CLASSES.setdefault(ctx, {})
        if id(local.node) not in known:  # each class read once per file, however many lists hold it
            known[id(local.node)] = _stateless_class(ctx, local, depth + 1)
        return known[id(local.node)]
    return False


_STATELESS_CLASSES: weakref.WeakKeyDictionary[FileContext, dict[int, bool]] = weakref.WeakKeyDictionary()


_STATE_CALLS = {"register_buffer", "register_parameter", "register_module", "add_module", "setattr"}


def _stateless_class(ctx: FileContext, info: ClassInfo, depth: int) -> bool:
    """A module class of the file whose ``__init__`` (and the helpers it calls) keeps only
    parameter-free layers and plain values on ``self``, with no registering call, no
    ``nn.Parameter`` and no ``train``/``eval`` of its own: its instances hold nothing to register
    (Autoformer's moving average, an ``nn.AvgPool1d`` and its kernel size)."""
    if depth > 3 or not info.is_module or info.local_bases or "__init__" not in info.methods:
        return False
    if any(ctx.qualname(base) != "torch.nn.Module" for base in info.node.bases) or info.node.keywords:
        return False
    if "train" in info.methods or "eval" in info.methods:
        return False
    evidence = InitEvidence(ctx, info)
    init = info.methods["__init__"]
    parameters = {a.arg for a in (*init.args.posonlyargs, *init.args.args[1:], *init.args.kwonlyargs)}
    numbers = _number_names(ctx, evidence.functions)
    for function in evidence.functions:
        for node in own_nodes(function):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in _STATE_CALLS or ctx.qualname(func) == PARAMETER:
                    return False
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets = [node.target]
            if not any(isinstance(t, ast.Attribute) for t in targets):
                continue
            assert isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
            if not all(is_self_attr(t) for t in targets) or node.value is None:
                return False  # `self.a.b = ...`, `self.a, self.b = ...`: not read here
            if not _plain_or_stateless(ctx, evidence, node.value, function, parameters, numbers, depth):
                return False
    return True


def _plain_or_stateless(
    ctx: FileContext,
    evidence: InitEvidence,
    value: ast.expr,
    function: ast.AST,
    parameters: set[str],
    numbers: set[str],
    depth: int,
) -> bool:
    """``value``, kept on ``self``, can hold no parameter: a constant, a parameter of ``__init__``
    that ``__init__`` itself uses as a number, arithmetic of those, or a parameter-free layer."""
    if isinstance(value, ast.Constant):
        return True
    if isinstance(value, ast.Name):
        return value.id in parameters and value.id in numbers
    if isinstance(value, ast.BinOp):
        return all(
            _plain_or_stateless(ctx, evidence, v, function, parameters, numbers, depth)
            for v in (value.left, value.right)
        )
    if isinstance(value, ast.UnaryOp):
        return _plain_or_stateless(ctx, evidence, value.operand, function, parameters, numbers, depth)
    if isinstance(value, (ast.Tuple, ast.List)):
        return all(_plain_or_stateless(ctx, evidence, v, function, parameters, numbers, depth) for v in value.elts)
    return isinstance(value, ast.Call) and _stateless(ctx, evidence, value, function, depth)


def _number_names(ctx: FileContext, functions: list[ast.AST]) -> set[str]:
    """Names given to a parameter-free torch layer's constructor (a kernel size, a stride) or used
    in arithmetic: numbers, never modules."""
    found: set[str] = set()
    for function in functions:
        for node in own_nodes(function):
            operands: list[ast.expr] = []
            if isinstance(node, ast.Call) and ctx.qualname(node.func) in STATELESS_MODULES:
                operands = [*node.args, *(k.value for k in node.keywords)]
            elif isinstance(node, ast.BinOp) and not isinstance(node.op, (ast.MatMult, ast.Add, ast.Mult)):
                operands = [node.left, node.right]  # `k - 1`, `k // 2`: `+`/`*` also join lists
            found.update(o.id for o in operands if isinstance(o, ast.Name))
    return found


def _unpacked(value: ast.expr, item: tuple[int, int]) -> ast.expr | None:
    """What item ``index`` of a tuple target of ``width`` gets from ``value``: the item of a tuple
    display, or the call whose returns the evidence reads (None: something else)."""
    index, width = item
    if isinstance(value, (ast.Tuple, ast.List)):
        if len(value.elts) != width or any(isinstance(e, ast.Starred) for e in value.elts):
            return None
        return value.elts[index]
    return value if isinstance(value, ast.Call) else None


def _short(ctx: FileContext, node: ast.AST) -> str:
    text = source_of(ctx, node)
    return text if len(text) <= 40 else text[:37] + "..."


def _assignment_counts(cls: ast.ClassDef) -> dict[str, int]:
    """How often each ``self.<attr>`` is (re)bound anywhere in the class."""
    counts: dict[str, int] = {}
    for node in subtree(cls):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            if isinstance(node.value, ast.Constant) and node.value.value is None:
                continue  # `self.layers = None`: a placeholder, no container to register
            targets = node.targets
        elif isinstance(node, ast.AugAssign) and _list_grown(node):
            continue  # `self.layers += [nn.Dropout(p)]`: the same list, extended in place
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) or isinstance(node, (ast.For, ast.AsyncFor)):
            targets = [node.target]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            targets = [node.optional_vars]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr"):
            if len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                counts[node.args[1].value] = counts.get(node.args[1].value, 0) + 2
        for target in targets:
            for part in ast.walk(target):
                if is_self_attr(part) and not isinstance(part.ctx, ast.Load):
                    counts[part.attr] = counts.get(part.attr, 0) + 1
    for node in subtree(cls):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("register_buffer", "register_parameter", "register_module", "add_module")
            and node.args
        ):
            name = node.args[0]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                counts[name.value] = counts.get(name.value, 0) + 2
    return counts


def _list_grown(node: ast.AugAssign) -> bool:
    """``x += [...]`` (a list display or comprehension): ``list.__iadd__`` extends the list it
    holds and rebinds the same object."""
    return isinstance(node.op, ast.Add) and isinstance(node.value, (ast.List, ast.ListComp))


_REGISTERING_CALLS = {"add_module", "register_module", "register_parameter", "setattr"}
_READING_BUILTINS = {
    "len",
    "enumerate",
    "zip",
    "range",
    "print",
    "isinstance",
    "reversed",
    "iter",
    "sorted",
    "sum",
    "any",
    "all",
    "min",
    "max",
    "str",
    "repr",
}


@dataclass
class _HandedOn:
    """What the calls of one class may register or hand on, from one walk of the class (a walk
    per attribute would make a class of n attributes cost n walks)."""

    anything: bool = False  # a registering call with a computed name: ``add_module(f"l{i}", layer)``
    attributes: set[str] = field(default_factory=set)  # ``self.<attr>`` given to a call
    names: set[str] = field(default_factory=set)  # local names given to a call
    # ``self.<attr>[i]`` given to a registering container (``nn.Sequential(self.layers[0], ...)``):
    # the indices given, None for one not constant
    items: dict[str, set[int | None]] = field(default_factory=dict)


_TORCH_CONTAINERS = {"torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"}


def _handed_on(ctx: FileContext, cls: ast.ClassDef) -> _HandedOn:
    found = _HandedOn()
    picked: dict[str, str] = {}  # local name -> the self attribute it holds an element of
    returned: set[str] = set()  # local names some method returns
    for node in subtree(cls):
        if isinstance(node, (ast.Assign, ast.Return)):
            _note_picked(node, found, picked, returned)
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "__setattr__" and isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "self":
            name = "add_module"  # `self.__setattr__(f"fc{i}", fc)` registers as add_module does (audit-8 G3)
        if name in _REGISTERING_CALLS:
            _note_registering(node, name, found)
        if isinstance(func, ast.Name) and name in _READING_BUILTINS:
            continue  # `len(self.layers)`, `enumerate(self.layers)` only read it
        container = ctx.qualname(func) in _TORCH_CONTAINERS
        if container and _called_at_once(ctx, node):
            continue  # `nn.Sequential(*self.layers)(x)`: a container built, used and dropped registers nothing
        for argument in (*node.args, *(k.value for k in node.keywords)):
            if container:
                _note_items(argument, found)
            inner = argument.value if isinstance(argument, ast.Starred) else argument
            if container:
                inner = _contents_of(inner)
            if is_self_attr(inner):
                found.attributes.add(inner.attr)
            elif isinstance(inner, ast.Name):
                found.names.add(inner.id)
    found.attributes.update(held for name, held in picked.items() if name in returned)
    return found


def _note_picked(node: ast.Assign | ast.Return, found: _HandedOn, picked: dict[str, str], returned: set[str]) -> None:
    """An element of the container kept under another attribute (``self.backbone =
    self.choices[name]``) or returned (``return self.choices[name]``, also through a local): the
    module chosen is registered where it lands; the container only holds the alternatives."""
    value = node.value
    source = value.value if isinstance(value, ast.Subscript) else None
    if source is not None and is_self_attr(source):
        held = source.attr
    elif isinstance(value, ast.Name) and isinstance(node, ast.Return):
        returned.add(value.id)
        return
    else:
        return
    if isinstance(node, ast.Return):
        found.attributes.add(held)
        return
    for target in node.targets:
        if is_self_attr(target):
            found.attributes.add(held)
        elif isinstance(target, ast.Name):
            picked[target.id] = held


def _registered_another_way(handed: _HandedOn, value: ast.AST, attribute: str, container: Container) -> bool:
    """The container is handed to a call (``nn.Sequential(*self.layers)``, ``nn.ModuleList(layers)``),
    each of its items is given to a registering container (``nn.Sequential(self.layers[0], act,
    self.layers[1])``), or the class registers things by name (``add_module``): its contents may
    well be registered."""
    local = value.id if isinstance(value, ast.Name) else None
    if handed.anything or attribute in handed.attributes or (local is not None and local in handed.names):
        return True
    given = handed.items.get(attribute, set())
    if None in given:
        return True  # `self.layers[i]` in a loop: may be every item
    literal = isinstance(value, (ast.List, ast.Tuple)) and len(container.elements) == len(value.elts)
    return literal and bool(given) and given >= set(range(len(container.elements)))


def _note_items(argument: ast.expr, found: _HandedOn) -> None:
    """``self.layers[0]`` given to a registering container, also inside a list display or a
    comprehension given to it (``nn.ModuleList([self.blocks[i] for i in range(n)])``)."""
    parts: list[ast.expr] = [argument]
    if isinstance(argument, (ast.List, ast.Tuple)):
        parts = list(argument.elts)
    elif isinstance(argument, (ast.ListComp, ast.GeneratorExp)):
        parts = [argument.elt]
    for part in parts:
        if isinstance(part, ast.Subscript) and is_self_attr(part.value):
            index = part.slice
            given = index.value if isinstance(index, ast.Constant) and isinstance(index.value, int) else None
            found.items.setdefault(part.value.attr, set()).add(given)


def _contents_of(argument: ast.expr) -> ast.expr:
    """The container whose objects a registering container gets through a copy or a view of it:
    ``nn.ModuleList(list(self.convs.values()))`` registers the very modules of ``self.convs``
    (audit-7 G6: the dict then serves as a lookup table only)."""
    while isinstance(argument, ast.Call) and not argument.keywords:
        func = argument.func
        if isinstance(func, ast.Name) and func.id in ("list", "tuple") and len(argument.args) == 1:
            argument = argument.args[0]
        elif isinstance(func, ast.Attribute) and func.attr in ("values", "items") and not argument.args:
            argument = func.value
        else:
            break
    return argument


def _called_at_once(ctx: FileContext, call: ast.Call) -> bool:
    parent = ctx.parent(call)
    return isinstance(parent, ast.Call) and parent.func is call


def _note_registering(call: ast.Call, name: str, found: _HandedOn) -> None:
    """A registering call may register the container's contents where its name is computed
    (``add_module(f"layer{i}", layer)``) or it is given the container. ``setattr(self, "scale",
    2.0)`` or ``setattr(args, ...)`` registers something else."""
    arguments = call.args
    if name == "setattr":
        if not arguments or not (isinstance(arguments[0], ast.Name) and arguments[0].id == "self"):
            return
        arguments = arguments[1:]
    if not arguments or not (isinstance(arguments[0], ast.Constant) and isinstance(arguments[0].value, str)):
        found.anything = True
        return
    for part in (*arguments[1:], *(k.value for k in call.keywords)):
        for inner in ast.walk(part):
            if is_self_attr(inner):
                found.attributes.add(inner.attr)
            elif isinstance(inner, ast.Name):
                found.names.add(inner.id)


def _drop_requires_grad(ctx: FileContext, call: ast.Call) -> Edit | None:
    """Remove ``requires_grad=True`` (or ``.requires_grad_()``) from the call making the tensor."""
    keyword = requires_grad_keyword(call)
    if keyword is None:  # `.requires_grad_()`
        if not isinstance(call.func, ast.Attribute):
            return None
        return Edit.delete(Span(ctx.doc.node_span(call.func.value).end, ctx.doc.node_span(call).end))
    arguments: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
    arguments.sort(key=lambda a: (a.lineno, a.col_offset))
    index = next(i for i, a in enumerate(arguments) if a is keyword)
    own = ctx.doc.node_span(keyword)
    if index > 0:
        return Edit.delete(Span(ctx.doc.node_span(arguments[index - 1]).end, own.end))
    if len(arguments) > 1:
        return Edit.delete(Span(own.start, ctx.doc.node_span(arguments[1]).start))
    return Edit.delete(own)


def _before_base_init(evidence: InitEvidence, function: ast.AST, node: ast.stmt) -> bool:
    """``node`` is in ``__init__`` before ``nn.Module.__init__`` ran (or it never runs there): a
    registered value would raise ("cannot assign module before Module.__init__() call"), so no fix
    is applied until PTL303's is (fixes then converge in two rounds, not three)."""
    init = evidence.info.methods.get("__init__")
    if init is None or function is not init:
        return False
    line = super_init_line(init)
    return line is None or node.lineno <= line
