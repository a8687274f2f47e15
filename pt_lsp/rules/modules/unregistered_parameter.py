"""PTL301: parameters and submodules an `nn.Module` never registers."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Span
from pt_lsp.core.edits import source_of, torch_reference
from pt_lsp.core.evidence.tensors import PARAMETER
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Related, Severity
from pt_lsp.core.flow.values import Step
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import own_nodes, subtree
from pt_lsp.rules.modules._handed_on import HandedOn, handed_on, registered_another_way
from pt_lsp.rules.modules._module_evidence import assignment_path, is_self_attr, super_init_line
from pt_lsp.rules.modules._plain_holders import PlainHolder, plain_holder
from pt_lsp.rules.modules._rebound_attributes import enclosing_function, exclusive
from pt_lsp.rules.modules._registration_evidence import MODULE, PARAM, Container, InitEvidence
from pt_lsp.rules.modules._stateless_modules import stateless
from pt_lsp.rules.modules._trained_apart import grad_tensor_call, requires_grad_keyword, trained_apart

CONTAINER_CLASSES = {
    (MODULE, "list"): "torch.nn.ModuleList",
    (MODULE, "dict"): "torch.nn.ModuleDict",
    (PARAM, "list"): "torch.nn.ParameterList",
    (PARAM, "dict"): "torch.nn.ParameterDict",
}
_WHAT = {MODULE: "modules", PARAM: "parameters"}


class UnregisteredParameter(Rule):
    """
    ## What it does
    Flags, in an `nn.Module` subclass, attributes that hold trainable state PyTorch does not
    register: a tensor with `requires_grad=True` assigned to `self.x` without `nn.Parameter`
    (also through an initialiser: `nn.init.xavier_uniform_(torch.empty(n, m, requires_grad=True))`,
    or on either side of a conditional expression),
    and modules or parameters kept in a plain `list`, `tuple` or `dict` attribute (a literal, a
    comprehension (nested ones too), `list(map(lambda i: Block(i), ...))`, list arithmetic of
    those (`[nn.Linear(4, 4)] * n`, `(n - 1) * [layer]`, `[a] + [b]`), or a
    container created empty and filled with `.append(...)`,
    `.extend(...)` or `[key] = ...`), also inside lists put into it (`[nn.Linear(...), act]`);
    a module is an `nn` layer or an instance of an `nn.Module` class of the file or of another
    file of the project (`from layers import ConvUnit`, `layers.ConvUnit(...)`),
    where the modules come from the class's callers (`Merge([nn.Linear(4, 2)])` stored by
    `self.layers = layers` or appended one by one, also when `__init__` wraps a single one into
    a list: `if not isinstance(acts, list): acts = [acts] * n`), and where a function of the
    file or of the class builds the container and returns it (`self.blocks = build(spec)`,
    `self.layers = self._make_layers(n)`, also as one item of a
    returned tuple: `self.blocks, width = build(spec)`). The finding is on the assignment of the
    attribute. So is a plain object kept on the module and used by what `forward` reaches, whose
    class (of the file or of another file of the project, not an `nn.Module`) makes a layer in
    its `__init__` (`self.final = FinalProjection(h, v)` with `self.proj = nn.Linear(h, v)`
    inside, gpt-neox#267), unless the class moves itself (`to`, `parameters`...) or the module
    keeps the layer another way (`self.proj = self.final.proj`); no fix. So is
    `self.w = nn.Parameter(t).cuda()` (or `.to(device)` of a device that is or may be CUDA,
    `.half()`, `.double()`), directly or through a local name bound so on one side of an if:
    the move returns a copy, a plain tensor that requires grad, not the parameter. A list
    of only parameter-free, buffer-free modules whose behaviour `train()` /
    `eval()` does not change (`nn.Upsample`, activations, `nn.Identity`, pooling), or of classes
    of the file that keep only such layers and numbers, misses nothing and is not reported;
    `nn.Dropout` and norm layers are. Nor is a list each item of which is also given to an
    `nn.Sequential` or `nn.ModuleList` the class keeps, nor a list or dict handed whole to one
    (`nn.ModuleList(list(self.convs.values()))`: the dict is then a lookup table); one handed
    only to a container built and called at once (`nn.Sequential(*self.layers)(x)`) is reported.
    Lists returned by a function defined inside `__init__` are followed too, and so is an
    attribute bound once in each branch of an `if` (`if lock: self.lstms = [...]` / `else:
    self.lstms = nn.LSTM(...)`): each binding is checked on its own.

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
            in_branches = _bound_in_branches(ctx, info.node, counts)
            handed: list[HandedOn] = []  # walked when the first container needs it
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
                        if not is_self_attr(target):
                            continue
                        if counts.get(target.attr) != 1 and id(node) not in in_branches:
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
        handed: list[HandedOn],
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
        moved = _moved_parameter(ctx, tensor) if isinstance(tensor, ast.Call) else None
        if moved is None and isinstance(value, ast.Name):
            moved = _moved_on_a_branch(ctx, function, value.id)
        if moved is not None and trained_apart(ctx, evidence.info, target.attr) is None:
            return self.moved_parameter(ctx, node, target, moved)
        grad_call = grad_tensor_call(ctx, tensor)
        if grad_call is None and isinstance(tensor, ast.IfExp):  # `a.cuda() if gpu else a`, either made so
            grad_call = grad_tensor_call(ctx, tensor.body) or grad_tensor_call(ctx, tensor.orelse)
        if grad_call is not None and trained_apart(ctx, evidence.info, target.attr) is not None:
            return None  # kept apart on purpose, with an optimizer of its own (audit-8)
        if grad_call is not None:
            message = (
                f"`self.{target.attr}` is a tensor with `requires_grad=True`, not an `nn.Parameter`: "
                "`parameters()`, the optimizer, `.to(device)` and `state_dict()` never see it"
            )
            # a conditional is wrapped whole: `nn.Parameter` of a tensor that requires grad works too
            dropped = grad_call if tensor is value and not isinstance(tensor, ast.IfExp) else None
            fix = self.parameter_fix(ctx, node, value, dropped)
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
        if item is None and isinstance(value, ast.Call):
            held = plain_holder(ctx, evidence.info, value, target.attr, evidence.info.method("forward"))
            if held is not None:
                return self.held_in_plain_object(ctx, node, target, held)
        container = (
            evidence.returned_container(value, target.attr, item)
            if item is not None and isinstance(value, ast.Call)
            else evidence.container(value, function, target.attr)
        )
        if container is None or not container.elements or not container.understood:
            return None
        if not handed:
            handed.append(handed_on(ctx, evidence.info.node))
        if registered_another_way(handed[0], value, target.attr, container):
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
        if all(stateless(ctx, evidence, element, fn) for element, fn in container.elements):
            return None
        plain = "tuple" if isinstance(value, ast.Tuple) else container.shape
        what = _WHAT[next(iter(kinds))] if len(kinds) == 1 else "modules and parameters"
        nested = any(isinstance(element, (ast.List, ast.Tuple, ast.Dict, ast.ListComp)) for element, _ in found)
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

    def held_in_plain_object(
        self, ctx: FileContext, node: ast.Assign | ast.AnnAssign, target: ast.Attribute, held: PlainHolder
    ) -> Finding:
        """``self.final = FinalProjection(h, v)``, a plain class making layers (gpt-neox#267)."""
        message = (
            f"`self.{target.attr}` is a `{held.holder}`, a plain class (not an `nn.Module`) whose `__init__` makes"
            f" `{held.layer}` (`.{held.layer_attr}`): it is not registered, so `parameters()`, `.to(device)` and"
            f" `state_dict()` miss it; derive `{held.holder}` from `nn.Module`"
        )
        related = assignment_path(
            ctx,
            [
                Step(
                    held.use,
                    f"used here through `self.{target.attr}`: its `{held.layer}` is still on the CPU and untrained",
                )
            ],
            node,
            f"kept as `self.{target.attr}`: `nn.Module` registers modules, not plain objects holding them",
        )
        return self.report(ctx, target, message, related=related)

    def moved_parameter(
        self, ctx: FileContext, node: ast.Assign | ast.AnnAssign, target: ast.Attribute, moved: ast.Call
    ) -> Finding:
        """``self.w = nn.Parameter(t).cuda()``: the move returns a copy, a plain tensor (pytorch#17484)."""
        assert isinstance(moved.func, ast.Attribute)
        call = f"`.{moved.func.attr}()`"
        message = (
            f"`self.{target.attr}` is not an `nn.Parameter`: {call} of a parameter returns a plain tensor "
            "(a copy that requires grad), so `parameters()`, the optimizer and `state_dict()` never see it; "
            "create the tensor on the device inside `nn.Parameter(...)` or move the module instead"
        )
        related = assignment_path(
            ctx,
            [Step(moved, f"{call} copies the parameter to another device or dtype: the copy is a plain tensor")],
            node,
            f"kept as a plain attribute `self.{target.attr}`: `parameters()` does not yield it",
        )
        return self.report(ctx, target, message, related=related)

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


# Methods that always copy a float32 parameter: a plain tensor, not an `nn.Parameter`.
_COPYING = frozenset({"cuda", "half", "double", "bfloat16"})


def _moved_parameter(ctx: FileContext, value: ast.AST) -> ast.Call | None:
    """The call in ``nn.Parameter(t).cuda()`` / ``.to("cuda")`` / ``.to(device)`` (a device that
    is or may be CUDA) that turns the parameter into a plain tensor. ``.to`` of a device known to
    be the CPU returns the parameter itself, and so does ``.float()``: not counted."""
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
        return None
    receiver = value.func.value
    if not isinstance(receiver, ast.Call) or ctx.qualname(receiver.func) != PARAMETER:
        return None
    frozen = [k for k in receiver.keywords if k.arg == "requires_grad" and k is not requires_grad_keyword(receiver)]
    if frozen or len(receiver.args) > 1:
        return None  # a frozen one copies without grad: another story
    method = value.func.attr
    if method in _COPYING:
        return value
    if method == "to" and (value.args or value.keywords) and ctx.flow.value(value).device.may_be_cuda:
        return value
    return None


def _moved_on_a_branch(ctx: FileContext, function: ast.AST, name: str) -> ast.Call | None:
    """``centers = nn.Parameter(t).cuda()`` on one side of an if and ``nn.Parameter(t)`` on the
    other (pytorch-center-loss#23): every binding of ``name`` makes a parameter, one moves it."""
    moved = None
    bindings = 0
    values = 0
    for node in own_nodes(function):
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            bindings += 1
        elif isinstance(node, ast.arg) and node.arg == name:
            return None
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id == name:
                values += 1
                call = _moved_parameter(ctx, node.value)
                if call is not None:
                    moved = moved or call
                elif not (isinstance(node.value, ast.Call) and ctx.qualname(node.value.func) == PARAMETER):
                    return None
    return moved if values == bindings else None


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


def _bound_in_branches(ctx: FileContext, cls: ast.ClassDef, counts: dict[str, int]) -> set[int]:
    """The ``self.<attr> = value`` statements of attributes every binding of which is one such
    statement of one function, each in its own branch of an ``if`` (``if lock: self.lstms =
    [...]`` / ``else: self.lstms = nn.LSTM(...)``): whichever runs, it is the only binding."""
    bound: dict[str, list[ast.Assign]] = {}
    for node in subtree(cls):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and is_self_attr(node.targets[0]):
            bound.setdefault(node.targets[0].attr, []).append(node)
    found: set[int] = set()
    for attr, stmts in bound.items():
        if len(stmts) < 2 or counts.get(attr) != len(stmts):
            continue
        if len({id(enclosing_function(ctx, s)) for s in stmts}) == 1 and exclusive(ctx, stmts):
            found.update(id(s) for s in stmts)
    return found


def _list_grown(node: ast.AugAssign) -> bool:
    """``x += [...]`` (a list display or comprehension): ``list.__iadd__`` extends the list it
    holds and rebinds the same object."""
    return isinstance(node.op, ast.Add) and isinstance(node.value, (ast.List, ast.ListComp))


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
