"""PTL302: a plain tensor attribute of an `nn.Module` that `forward` uses."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import alone_on_lines, source_of
from pt_lsp.core.evidence.reaching import (
    instantiation_arguments,
    local_function,
    name_uses,
    reaching_values,
    returned_values,
)
from pt_lsp.core.evidence.tensors import TENSOR_METHODS
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Related, Severity
from pt_lsp.core.flow.values import Step
from pt_lsp.core.rule import Rule
from pt_lsp.core.vocabulary import FACTORIES, LIKE_FACTORIES
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._module_evidence import (
    Function,
    assignment_path,
    init_assignments,
    is_self_attr,
    methods_reached_from,
    passed_function,
    self_attribute_uses,
    super_init_line,
    tensor_value,
)
from pt_lsp.rules.modules._registration_evidence import trained_apart
from pt_lsp.rules.modules.examples.unregistered_buffer import EXAMPLES

# Methods that handle device moves themselves: the attribute may follow the module.
MOVE_OVERRIDES = {"_apply", "to", "cuda", "_load_from_state_dict", "state_dict"}
MOVES_AT_USE = {"to", "cuda", "cpu", "type_as", "to_dense"}
METADATA = {"size", "shape", "dim", "ndim", "ndimension", "dtype", "numel", "nelement", "is_cuda", "device"}
CONVERSIONS = {"torch.tensor", "torch.as_tensor", "torch.Tensor", "torch.from_numpy"}
# torch functions whose result is made where their tensor arguments are
FOLLOW_INPUTS = LIKE_FACTORIES | {"torch.polar", "torch.complex"}
RESHAPES = {"view", "reshape", "unsqueeze", "expand", "repeat"}  # with sizes: at least one dimension
# Methods that give a view, a copy in another shape or a dtype cast on the tensor's own device and
# combine it with no other tensor: a `.to(x.device)` after them still moves the attribute's values.
VIEWS = RESHAPES | {
    "squeeze", "permute", "transpose", "t", "flatten", "contiguous", "clone", "detach", "narrow",
    "expand_as", "view_as", "reshape_as", "float", "double", "half", "long", "int", "bool",
}  # fmt: skip
DISPLAYS = (ast.List, ast.Tuple, ast.ListComp)


class UnregisteredBuffer(Rule):
    """
    ## What it does
    Flags, in an `nn.Module` subclass, a tensor made by a torch factory and assigned to a plain
    attribute in `__init__` (`self.mask = torch.tril(torch.ones(8, 8))`, `self.mean =
    torch.tensor([0.485, 0.456, 0.406])`, also `torch.from_numpy(table)`, the legacy
    `torch.Tensor(n)`, `torch.tensor(data)` of a list (a parameter every instantiation in the
    file passes a list for) and a conversion given dimensions (`torch.tensor(mean).view(-1, 1,
    1)`)) that `forward` uses, or a method it calls, or a method that runs the module or one of
    its layers (`self(x)`, `self.forward(x)`, `self.fc(x)`, as a policy's `sample(state)` does),
    where it is neither an `nn.Parameter` nor registered with `register_buffer`. A local tensor
    assigned to the attribute (`pe = torch.zeros(...)`, `self.pe = pe`) counts too, as does a
    helper function of the file or a method of the class every return of which is such a tensor
    (`self.b = sample_b(sigma, size)`, also arithmetic of one: `return (-d * s).unsqueeze(0)`),
    a callable parameter of `__init__` that every instantiation in the file leaves at, or passes
    as, a torch factory (`self.window = window_fn(n)` with `window_fn=torch.hann_window`), a
    factory chosen by name (`getattr(torch, window)(n)` where every string the file gives
    `window`, also through an enclosing module's constructor, names one), an attribute moved only
    under `if device is not None:` where every instantiation in the file leaves `device` at
    `None`, and so does an attribute rebuilt from itself in
    `__init__` (`self.t = self.one_hot(n)`, then `self.t = self.t.permute(2, 0, 1)`, where the
    method returns a plain tensor); that finding has no fix (`register_buffer` refuses a name
    that is already an attribute). A view of a constructor argument (`self.mins = bounds[0:1]`)
    counts where every instantiation in the file passes a plain tensor, or leaves a `None`
    default that `__init__` replaces by one. Tensors with `requires_grad=True` are PTL301;
    0-dimensional tensors, tensors created with an explicit `device=` or placed where they are
    made (`torch.ones(3).to(device)`, also `torch.ones_like(t)` of such a tensor `t`; but
    `device=x_example.device` of a constructor argument every instantiation in the file gives
    on the CPU is the CPU),
    attributes reassigned outside `__init__` (caches, recurrent state) and uses that move the
    tensor themselves (`self.mask.to(x.device)`, also after slices and shape ops:
    `self.pe[:n].unsqueeze(0).to(x.device)`), only read its metadata (`self.pe.size(-1)`,
    `.shape`) or only hand it to a function of another library (which may place it) are not
    reported; nor is a tensor made trainable (`self.s.requires_grad_()`) and trained by an
    optimizer of its own (`Adam([self.s])`, as PTL301 says).

    ## Why is this bad?
    `nn.Module` moves, casts and saves only its parameters and buffers. A plain tensor
    attribute stays on the CPU after `model.to("cuda")`, so `forward` fails on the GPU with
    "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and
    cpu!"; it is not converted by `model.half()`, and it is missing from `state_dict()`, so a
    checkpoint does not contain it.

    ## Example
    ```python
    class Normalize(nn.Module):
        def __init__(self):
            super().__init__()
            self.mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)

        def forward(self, x):
            return x - self.mean
    ```

    ## Use instead
    ```python
    self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1))
    ```
    or `self.register_buffer("mean", ..., persistent=False)` to keep it out of `state_dict()`.

    ## Fix safety
    Both fixes are unsafe: a persistent buffer adds a key to `state_dict()`, so loading an
    older checkpoint with `strict=True` fails on the missing key; either kind of buffer now
    follows `model.half()` / `model.double()` casts as well as device moves.

    ## References
    - [torch.nn.Module.register_buffer](https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.register_buffer)
    - [PyTorch forums: tensors in a module not moved by .cuda()](https://discuss.pytorch.org/t/why-model-to-device-wouldnt-put-tensors-on-a-custom-layer-to-the-same-device/17964)
    """

    code = "PTL302"
    name = "unregistered-buffer"
    summary = "a plain tensor attribute of an `nn.Module` used in `forward` (not a buffer)"
    severity = Severity.WARNING
    examples = EXAMPLES
    per_unit = True  # the server may reuse its findings per function (core/incremental/)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if "torch" not in ctx.doc.text or "forward" not in ctx.doc.text:
            return
        for info in ctx.class_list:
            init = info.methods.get("__init__")
            forward = info.method("forward")
            if not info.is_module or init is None or forward is None:
                continue
            if any(info.method(name) is not None for name in MOVE_OVERRIDES):
                continue
            reached = methods_reached_from(info, forward)
            runners = _runners(ctx, info, init, forward)  # `sample()` calls `self.forward(state)`
            for runner in [m for m in info.methods.values() if id(m) in runners]:
                reached += [m for m in methods_reached_from(info, runner) if all(m is not r for r in reached)]
            super_line = super_init_line(init)
            for attr, stmt in init_assignments(info, init).items():
                made = self.tensor_values(ctx, init, stmt.value)
                if made is None:
                    continue
                uses = [(m, u) for m in reached for u in self_attribute_uses(m, attr)]
                if not uses or all(self.moved_at_use(ctx, use) for _, use in uses):
                    continue
                if _made_trainable(info, attr) and trained_apart(ctx, info, attr) is not None:
                    continue  # trained by an optimizer of its own: not a buffer (audit-8)
                where = "`forward`"
                if all(id(m) in runners for m, _ in uses):
                    where = f"`{uses[0][0].name}` (which {runners[id(uses[0][0])]})"
                message = (
                    f"`self.{attr}` is a plain tensor attribute used in {where}: `model.to(device)` does not"
                    f" move it and `state_dict()` does not save it; register it as a buffer"
                )
                related = self.path(ctx, forward, stmt, attr, made, uses, runners)
                yield self.report(ctx, stmt, message, fixes=self.fixes(ctx, stmt, attr, super_line), related=related)
            yield from self.rebuilt_in_init(ctx, info, init, forward, reached)
            yield from self.placed_only_when_given(ctx, info, init, reached, super_line)

    def rebuilt_in_init(
        self, ctx: FileContext, info: ClassInfo, init: Function, forward: Function, reached: list[Function]
    ) -> Iterator[Finding]:
        """``self.t = <plain tensor>`` then ``self.t = self.t.permute(...)`` (each later value a
        tensor method of the attribute itself), all in ``__init__``'s own body and nowhere else:
        the last assignment leaves a plain tensor. No fix: ``register_buffer`` refuses a name
        that is already a plain attribute."""
        chains: dict[str, list[ast.Assign]] = {}
        for stmt in init.body:
            target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
            if isinstance(stmt, ast.Assign) and target is not None and is_self_attr(target):
                chains.setdefault(target.attr, []).append(stmt)
        for attr, stmts in chains.items():
            if len(stmts) < 2 or not all(_method_of_itself(ctx, s.value, attr) for s in stmts[1:]):
                continue
            if _self_reads(stmts[0].value, attr) or not self.plain_or_returned(ctx, info, stmts[0].value):
                continue
            if not all(self.placement_free(ctx, s.value) for s in stmts) or _set_elsewhere(info, init, attr, stmts):
                continue
            uses = [(m, u) for m in reached for u in self_attribute_uses(m, attr)]
            if not uses or all(self.moved_at_use(ctx, use) for _, use in uses):
                continue
            last = stmts[-1]
            message = (
                f"`self.{attr}` is a plain tensor attribute used in `forward`: `model.to(device)` does not"
                f" move it and `state_dict()` does not save it; register it as a buffer"
            )
            steps = [Step(stmts[0].value, f"`self.{attr}` is made here: a plain tensor")]
            steps += [Step(use, "used here: still on the CPU after `model.to(device)`") for _, use in uses[:2]]
            message_path = f"reassigned to a plain attribute `self.{attr}` in `__init__`, not registered as a buffer"
            yield self.report(ctx, last, message, related=assignment_path(ctx, steps, last, message_path))

    def placed_only_when_given(
        self, ctx: FileContext, info: ClassInfo, init: Function, reached: list[Function], super_line: int | None
    ) -> Iterator[Finding]:
        """``self.t = <plain tensor>``, then ``if device is not None: self.t = self.t.to(device)``
        where ``device`` is a parameter of ``__init__`` that every instantiation in the file leaves
        at (or passes as) ``None``: the move never runs, and the attribute stays a plain CPU tensor."""
        chains: dict[str, list[ast.Assign]] = {}
        for node in own_nodes(init):
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
            if isinstance(node, ast.Assign) and target is not None and is_self_attr(target):
                chains.setdefault(target.attr, []).append(node)
        for attr, stmts in chains.items():
            stmts.sort(key=lambda s: s.lineno)
            if len(stmts) != 2 or stmts[0].lineno == stmts[1].lineno or _self_reads(stmts[0].value, attr):
                continue
            made, move = stmts
            parameter = _moved_when_given(ctx, init, move, attr)
            if parameter is None or _set_elsewhere(info, init, attr, stmts):
                continue
            passed = instantiation_arguments(ctx, init, parameter)
            if not passed or not all(_is_none(v) for v in passed):
                continue
            tensors = self.tensor_values(ctx, init, made.value)
            if tensors is None:
                continue
            uses = [(m, u) for m in reached for u in self_attribute_uses(m, attr)]
            if not uses or all(self.moved_at_use(ctx, use) for _, use in uses):
                continue
            message = (
                f"`self.{attr}` is a plain tensor attribute used in `forward` (moved only when `{parameter}` is"
                f" given, and no instantiation gives it): `model.to(device)` does not move it and `state_dict()`"
                f" does not save it; register it as a buffer"
            )
            steps = [Step(made.value, f"`self.{attr}` is made here: a plain tensor")]
            steps.append(Step(move, f"moved only when `{parameter}` is not None: every instantiation leaves it None"))
            steps += [Step(use, "used here: still on the CPU after `model.to(device)`") for _, use in uses[:2]]
            message_path = f"assigned to a plain attribute `self.{attr}` in `__init__`, not registered as a buffer"
            related = assignment_path(ctx, steps, made, message_path)
            yield self.report(ctx, made, message, fixes=self.fixes(ctx, made, attr, super_line), related=related)

    def plain_or_returned(self, ctx: FileContext, info: ClassInfo, value: ast.expr) -> bool:
        """A plain tensor made right there, or by a method of the class (``self.one_hot(...)``)
        every return of which is one (a local name counts with the value that reaches it)."""
        if self.plain_tensor(ctx, value):
            return True
        if not (isinstance(value, ast.Call) and is_self_attr(value.func)):
            return False
        method = info.methods.get(value.func.attr)
        returned = returned_values(method) if method is not None else None
        return bool(returned) and all(self._plain_local(ctx, r) for r in returned or ())

    def _plain_local(self, ctx: FileContext, value: ast.AST, depth: int = 0) -> bool:
        # depth counts the hops from a name to its values (which may cycle); a step into a
        # subexpression is bounded by the expression's size
        if depth > 4 or not isinstance(value, ast.expr):
            return False
        if self.plain_tensor(ctx, value, depth):
            return True
        if isinstance(value, ast.BinOp):  # `w / scale`: a plain tensor combined with anything stays one
            sides = (value.left, value.right)
            return self.placement_free(ctx, value) and any(self._plain_local(ctx, s, depth) for s in sides)
        if isinstance(value, ast.UnaryOp) and not isinstance(value.op, ast.Not):  # `-distances`
            return self._plain_local(ctx, value.operand, depth)
        root: ast.expr = value
        while isinstance(root, ast.Call) and isinstance(root.func, ast.Attribute) and root.func.attr in TENSOR_METHODS:
            if not self.placement_free(ctx, root):
                return False
            root = root.func.value
        if isinstance(root, ast.Name):
            values = reaching_values(ctx, root)
            return bool(values) and all(self._plain_local(ctx, v, depth + 1) for v in values or ())
        if root is not value and isinstance(root, (ast.BinOp, ast.UnaryOp)):
            return self._plain_local(ctx, root, depth)  # `(a * b).unsqueeze(0)`: the arithmetic's tensor
        return False

    def tensor_values(self, ctx: FileContext, init: Function, value: ast.expr) -> list[ast.Assign] | None:
        """Whether ``value`` is a plain tensor: [] when it is made right there, the assignments of
        the local tensor it names (``pe = torch.zeros(...)``, ``pe = pe.unsqueeze(0)``), or None."""
        if not isinstance(value, ast.Name):
            if self.plain_tensor(ctx, value):
                return []
            if not self.placement_free(ctx, value):
                return None  # `xs.to(device)`: placed where it is made, whatever `xs` was
            root = _root_name(value)  # `bounds[0:1]`, `bounds[1:2] - bounds[0:1]`: views of one name
            return self.tensor_values(ctx, init, root) if root is not None else None
        name = value.id
        assignments: list[ast.Assign] = []
        understood: set[int] = set()  # the Name targets of those assignments and of `pe *= 2`
        stores: list[ast.Name] = []
        passed: list[ast.expr] | None = None
        for node in own_nodes(init):
            if isinstance(node, ast.arg) and node.arg == name:
                passed = instantiation_arguments(ctx, init, name)
                if passed is None:
                    return None  # the caller's value, unknown
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                if len(node.targets) != 1:
                    return None
                assignments.append(node)
                understood.add(id(node.targets[0]))
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                understood.add(id(node.target))
            elif isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
                stores.append(node)
        if any(id(n) not in understood for n in stores):
            return None  # bound by a loop, an unpacking, `with`, `:=`...
        made = [a for a in assignments if not _derived_from(a.value, name)]
        if passed is not None:  # a parameter: every call passes a plain tensor, or leaves a None default
            if not all(self.plain_tensor(ctx, v) for v in passed if not _is_none(v)):
                return None
            if any(_is_none(v) for v in passed) and not made:
                return None
            if not passed and not made:
                return None
        elif not made:
            return None
        if not all(self.plain_tensor(ctx, a.value) for a in made):
            return None
        if not all(self.placement_free(ctx, a.value) for a in assignments):
            return None
        return made

    def path(
        self,
        ctx: FileContext,
        forward: Function,
        stmt: ast.Assign,
        attr: str,
        made: list[ast.Assign],
        uses: list[tuple[Function, ast.Attribute]],
        runners: dict[int, str],
    ) -> tuple[Related, ...]:
        """Where the tensor is made, where it becomes a plain attribute, and where `forward` uses it."""
        steps = [
            Step(a.value, f"`{source_of(ctx, a.targets[0])}` is made here {_maker(ctx, a.value)}") for a in made[:2]
        ]
        if not made:
            steps.append(Step(stmt.value, f"a tensor is made here {_maker(ctx, stmt.value)}"))
        for method, use in uses[:2]:
            where = "`forward`" if method is forward else f"`{method.name}` (called from `forward`)"
            if id(method) in runners:
                where = f"`{method.name}` (which {runners[id(method)]})"
            steps.append(Step(use, f"used here in {where}: still on the CPU after `model.to(device)`"))
        message = f"assigned to a plain attribute `self.{attr}` in `__init__`, not registered as a buffer"
        return assignment_path(ctx, steps, stmt, message)

    def plain_tensor(self, ctx: FileContext, value: ast.expr, depth: int = 0) -> bool:
        if tensor_value(ctx, value) and self.placement_free(ctx, value):
            return True
        if _named_factory(ctx, value) and self.placement_free(ctx, value):
            return True
        if self.converted_with_dims(ctx, value):
            return True
        # `sample_b(sigma, size)`, `self._causal(n)`: a helper of the file or a method of the
        # class every return of which is a plain tensor
        helper = _helper(ctx, value) if isinstance(value, ast.Call) and depth < 3 else None
        returned = returned_values(helper) if helper is not None else None
        return bool(returned) and all(self._plain_local(ctx, r, depth + 1) for r in returned or ())

    def converted_with_dims(self, ctx: FileContext, value: ast.expr) -> bool:
        """``torch.tensor(data)`` of data with dimensions (a list; a parameter of ``__init__`` every
        instantiation passes a list for; a local bound only to lists), or any such conversion
        reshaped (``torch.tensor(mean).view(-1, 1, 1)`` has at least one dimension)."""
        reshaped, root = False, value
        while isinstance(root, ast.Call) and isinstance(root.func, ast.Attribute) and root.func.attr in TENSOR_METHODS:
            reshaped = reshaped or (root.func.attr in RESHAPES and bool(root.args))
            root = root.func.value
        if not (isinstance(root, ast.Call) and ctx.qualname(root.func) in CONVERSIONS and root.args):
            return False
        if not self.placement_free(ctx, value):
            return False
        return reshaped or _data_with_dims(ctx, root.args[0])

    @staticmethod
    def placement_free(ctx: FileContext, value: ast.expr, depth: int = 0) -> bool:
        for node in ast.walk(value):
            # requires_grad=True tensors are PTL301's; a tensor created with an explicit device
            # (`device=`, `.to(device)`) belongs to code that places its tensors itself.
            if isinstance(node, ast.Call) and (
                any(
                    k.arg == "requires_grad" or (k.arg == "device" and not _cpu_example_device(ctx, k.value, depth))
                    for k in node.keywords
                )
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "requires_grad_")
                or _placed(node, ctx)
            ):
                return False
            # `torch.ones_like(freqs)`, `torch.polar(abs, freqs)`: made where their tensor
            # arguments are, so placed when one of those is
            if (
                isinstance(node, ast.Call)
                and ctx.qualname(node.func) in FOLLOW_INPUTS
                and any(_placed_value(ctx, a, depth + 1) for a in node.args)
            ):
                return False
        return True

    @staticmethod
    def moved_at_use(ctx: FileContext, use: ast.Attribute) -> bool:
        """The use moves the tensor itself, or hands it to a function of another library, which
        may place it (allennlp copies such ids into a slice of the input's device)."""
        parent = ctx.parent(use)
        if (
            isinstance(parent, ast.Call)
            and any(a is use for a in parent.args)
            and not isinstance(parent.func, ast.Attribute)
        ):
            qualname = ctx.qualname(parent.func)
            return qualname is not None and qualname.split(".")[0] != "torch"
        if isinstance(parent, ast.Attribute) and parent.attr in METADATA:
            return True  # `self.t.size(-1)`, `self.t.shape`: no device is involved
        moved = _through_views(ctx, use)  # `self.t[:n].unsqueeze(0).to(x.device)`
        parent = ctx.parent(moved)
        if isinstance(parent, ast.IfExp) and moved is not parent.test:
            return _local_moved(ctx, parent)  # `t = self.t if t is None else t`
        if isinstance(parent, ast.Assign):
            return _local_moved(ctx, moved)  # `t = self.t`, `pe = self.pe[:n].unsqueeze(0)`
        return isinstance(parent, ast.Attribute) and parent.attr in MOVES_AT_USE

    def fixes(self, ctx: FileContext, stmt: ast.Assign, attr: str, super_line: int | None) -> list[Fix]:
        if super_line is None or stmt.lineno <= super_line or not alone_on_lines(ctx, [stmt]):
            return []
        value = source_of(ctx, stmt.value)
        span = ctx.doc.node_span(stmt)
        persistent = Fix(
            f'Register `{attr}` as a buffer: `self.register_buffer("{attr}", ...)`',
            (Edit(span, f'self.register_buffer("{attr}", {value})'),),
            Applicability.UNSAFE,
        )
        transient = Fix(
            f"Register `{attr}` as a non-persistent buffer (kept out of `state_dict()`)",
            (Edit(span, f'self.register_buffer("{attr}", {value}, persistent=False)'),),
            Applicability.UNSAFE,
        )
        return [persistent, transient]


# torch factories whose result has at least one dimension whenever they are given a size
NAMED_FACTORIES = frozenset(
    f"torch.{name}" for name in "zeros ones empty rand randn arange linspace logspace eye randperm full".split()
) | frozenset(f for f in FACTORIES if f.endswith("_window"))


def _named_factory(ctx: FileContext, value: ast.expr) -> bool:
    """``getattr(torch, name)(n)`` where every string the file gives ``name`` (a constant, a
    parameter's default or what each instantiation passes, also through an enclosing class's
    ``__init__``) names a torch factory: ``window="hann_window"`` chooses ``torch.hann_window``."""
    if not (isinstance(value, ast.Call) and value.args and isinstance(value.func, ast.Call)):
        return False
    chooser = value.func
    if not (isinstance(chooser.func, ast.Name) and chooser.func.id == "getattr" and len(chooser.args) == 2):
        return False
    if ctx.names.binding("getattr", chooser.func) is not None or ctx.qualname(chooser.args[0]) != "torch":
        return False
    names = _constant_strings(ctx, chooser.args[1], 0)
    return bool(names) and all(f"torch.{name}" in NAMED_FACTORIES for name in names or ())


def _constant_strings(ctx: FileContext, expr: ast.expr, depth: int) -> list[str] | None:
    """Every string ``expr`` may be: a constant, or a parameter of an ``__init__`` that no
    statement rebinds, with what each instantiation in the file passes (its default where left
    out); None when some value is not known."""
    if isinstance(expr, ast.Constant):
        return [expr.value] if isinstance(expr.value, str) else None
    if not isinstance(expr, ast.Name) or depth > 3:
        return None
    init: ast.AST | None = ctx.parent(expr)
    while init is not None and not isinstance(init, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        init = ctx.parent(init)
    if not isinstance(init, ast.FunctionDef) or init.name != "__init__":
        return None
    if expr.id not in {a.arg for a in (*init.args.posonlyargs, *init.args.args, *init.args.kwonlyargs)}:
        return None
    if any(isinstance(n, ast.Name) and n.id == expr.id and isinstance(n.ctx, ast.Store) for n in own_nodes(init)):
        return None
    passed = instantiation_arguments(ctx, init, expr.id)
    if not passed:
        return None
    found: list[str] = []
    for argument in passed:
        strings = _constant_strings(ctx, argument, depth + 1)
        if strings is None:
            return None
        found += strings
    return found


def _moved_when_given(ctx: FileContext, init: Function, move: ast.Assign, attr: str) -> str | None:
    """The parameter ``p`` of ``__init__`` (default None) when ``move`` is ``self.attr =
    self.attr.to(...)`` (or ``.cuda(...)``) that runs only under an ``if`` testing ``p is not None``."""
    value = move.value
    if not (
        isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("to", "cuda")
    ):
        return None
    if not is_self_attr(value.func.value, attr):
        return None
    defaults = dict(
        zip([a.arg for a in init.args.args][len(init.args.args) - len(init.args.defaults) :], init.args.defaults)
    )
    node: ast.AST | None = ctx.parent(move)
    while node is not None and node is not init:
        if isinstance(node, ast.If):
            tests = (
                node.test.values
                if isinstance(node.test, ast.BoolOp) and isinstance(node.test.op, ast.And)
                else [node.test]
            )
            for test in tests:
                if (
                    isinstance(test, ast.Compare)
                    and isinstance(test.left, ast.Name)
                    and len(test.ops) == 1
                    and isinstance(test.ops[0], ast.IsNot)
                    and _is_none(test.comparators[0])
                    and test.left.id in defaults
                    and _is_none(defaults[test.left.id])
                ):
                    return test.left.id
        node = ctx.parent(node)
    return None


def _placed(call: ast.Call, ctx: FileContext) -> bool:
    """``.to(device)`` / ``.to("cuda:1")`` / ``.to(other)``, which place the tensor where the caller says (like
    ``device=``), not a dtype cast (``.to(torch.half)``). ``.cuda()`` places it on one fixed device: reported."""
    if not isinstance(call.func, ast.Attribute) or call.func.attr != "to":
        return False
    if not call.args:
        return False
    first = call.args[0]
    qualname = ctx.qualname(first)
    return not (qualname is not None and qualname.startswith("torch.") and qualname != "torch.device")


def _cpu_example_device(ctx: FileContext, device: ast.expr, depth: int) -> bool:
    """``device=x_example.device`` where ``x_example`` is a parameter of ``__init__`` for which every
    instantiation in the file passes a tensor made on the CPU (``SLSTMBlock(torch.zeros(1, 5, 8))``,
    also through a name): the tensor is made on the CPU, as a plain one, and a later
    ``block.to("cuda")`` leaves it there (recall: xLSTM's recurrent states)."""
    if depth > 2 or not (
        isinstance(device, ast.Attribute) and device.attr == "device" and isinstance(device.value, ast.Name)
    ):
        return False
    init = ctx.parent(device)
    while init is not None and not isinstance(init, (ast.FunctionDef, ast.AsyncFunctionDef)):
        init = ctx.parent(init)
    if not isinstance(init, ast.FunctionDef) or init.name != "__init__":
        return False
    name = device.value.id
    if name not in {a.arg for a in (*init.args.posonlyargs, *init.args.args, *init.args.kwonlyargs)}:
        return False
    passed = instantiation_arguments(ctx, init, name)
    if not passed:
        return False
    for value in passed:
        values = reaching_values(ctx, value) if isinstance(value, ast.Name) else [value]
        if not values or not all(
            isinstance(v, ast.expr)
            and tensor_value(ctx, v)
            and UnregisteredBuffer.placement_free(ctx, v, depth + 1)
            and not any(isinstance(n, ast.Call) and _moves(n) for n in ast.walk(v))
            for v in values
        ):
            return False
    return True


def _moves(call: ast.Call) -> bool:
    """``.to(...)``, ``.cuda()``: the example may be anywhere after it."""
    return isinstance(call.func, ast.Attribute) and call.func.attr in ("to", "cuda")


def _placed_value(ctx: FileContext, value: ast.expr, depth: int) -> bool:
    """``value`` is a tensor placed by the code (``torch.arange(n, device=device)``, ``w.to(device)``)
    or computed by torch from one (``torch.outer(t, inv).float()``, ``t * 2``, a local bound only
    to such): wherever the model is meant to run, not an unplaced CPU tensor."""
    if depth > 4:
        return False
    if isinstance(value, ast.Name):
        values = reaching_values(ctx, value)
        return bool(values) and all(isinstance(v, ast.expr) and _placed_value(ctx, v, depth + 1) for v in values or ())
    if isinstance(value, ast.BinOp):
        return any(_placed_value(ctx, side, depth) for side in (value.left, value.right))
    if not isinstance(value, ast.Call):
        return False
    if not UnregisteredBuffer.placement_free(ctx, value, depth):
        return True
    func = value.func
    if isinstance(func, ast.Attribute) and func.attr in TENSOR_METHODS and func.attr not in MOVES_AT_USE:
        return _placed_value(ctx, func.value, depth)  # `.float()`, `.unsqueeze(0)` keep the device
    qualname = ctx.qualname(func)
    if qualname is None or not qualname.startswith("torch.") or qualname in FACTORIES - FOLLOW_INPUTS:
        return False  # `torch.zeros(n)` is made on the CPU whatever `n` came from
    return any(_placed_value(ctx, a, depth) for a in value.args)


def _local_moved(ctx: FileContext, value: ast.expr) -> bool:
    """``t = <value>`` where every later read of ``t`` that ``value`` may reach moves it
    (``t = t.to(x.device)``), as a use of ``self.t.to(x.device)`` does."""
    assign = ctx.parent(value)
    if not (isinstance(assign, ast.Assign) and assign.value is value and len(assign.targets) == 1):
        return False
    target = assign.targets[0]
    scope = ctx.parent(assign)
    while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        scope = ctx.parent(scope)
    if not isinstance(target, ast.Name) or scope is None:
        return False
    reads = []
    start, end = (scope.lineno, scope.col_offset), (scope.end_lineno or 0, scope.end_col_offset or 0)
    for node in name_uses(ctx, target.id):  # indexed once per file: no walk of the scope per question
        if not (isinstance(node.ctx, ast.Load) and start <= (node.lineno, node.col_offset) <= end):
            continue
        values = reaching_values(ctx, node)
        after = (node.lineno, node.col_offset) >= (assign.end_lineno or 0, assign.end_col_offset or 0)
        if any(v is value for v in values or ()) or (values is None and after):
            reads.append(node)
    return bool(reads) and all(
        isinstance(p := ctx.parent(_through_views(ctx, n)), ast.Attribute) and p.attr in MOVES_AT_USE for n in reads
    )


def _through_views(ctx: FileContext, value: ast.expr) -> ast.expr:
    """The outermost of slices (``t[:n]``, ``t[..., 0]``) and view/shape methods (``VIEWS``) applied
    to ``value``: none computes with another tensor, so where that result is moved, ``value`` is.
    An index that may be a tensor (``t[idx]``) stops here: it may sit on another device."""
    for _ in range(16):  # a chain of views is short; the bound keeps a pathological one linear
        parent = ctx.parent(value)
        if isinstance(parent, ast.Subscript) and parent.value is value and _slicing(parent.slice):
            value = parent
        elif (
            isinstance(parent, ast.Attribute)
            and parent.value is value
            and parent.attr in VIEWS
            and isinstance(call := ctx.parent(parent), ast.Call)
            and call.func is parent
        ):
            value = call
        else:
            break
    return value


def _slicing(index: ast.expr) -> bool:
    """Slices, constants, ``None`` and ``...``: an index that holds no tensor."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return all(isinstance(p, (ast.Slice, ast.Constant)) for p in parts)


def _is_none(value: ast.expr) -> bool:
    return isinstance(value, ast.Constant) and value.value is None


def _root_name(value: ast.expr) -> ast.Name | None:
    """The one name ``value`` is a view or an elementwise combination of (``b[0:1]``,
    ``b[1:2] - b[0:1]``, ``b.float() * 2``), keeping at least one dimension; else None."""
    while True:
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in TENSOR_METHODS:
            value = value.func.value
        elif isinstance(value, ast.Subscript):
            parts = value.slice.elts if isinstance(value.slice, ast.Tuple) else [value.slice]
            if not any(isinstance(p, ast.Slice) for p in parts):
                return None  # an index may leave a scalar
            value = value.value
        else:
            break
    if isinstance(value, ast.BinOp):
        sides = [_root_name(side) if not isinstance(side, ast.Constant) else None for side in (value.left, value.right)]
        names = {side.id for side in sides if side is not None}
        constants = [side for side in (value.left, value.right) if isinstance(side, ast.Constant)]
        if len(names) == 1 and len(constants) + sum(side is not None for side in sides) == 2:
            return next(side for side in sides if side is not None)
        return None
    return value if isinstance(value, ast.Name) else None


def _derived_from(value: ast.expr, name: str) -> bool:
    """``value`` remakes the local tensor ``name`` from itself (``pe.unsqueeze(0)``, ``pe * 2``)."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in TENSOR_METHODS:
        value = value.func.value
    if isinstance(value, ast.BinOp):
        return _derived_from(value.left, name) or _derived_from(value.right, name)
    if isinstance(value, ast.Subscript):
        return _derived_from(value.value, name)
    return isinstance(value, ast.Name) and value.id == name


def _self_reads(value: ast.AST, attr: str) -> bool:
    return any(is_self_attr(n, attr) for n in ast.walk(value))


def _method_of_itself(ctx: FileContext, value: ast.AST, attr: str) -> bool:
    """``self.t.permute(2, 0, 1)``, ``self.t.float().unsqueeze(0)``: tensor methods of ``self.t``."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in TENSOR_METHODS:
        if value.func.attr == "requires_grad_":
            return False
        value = value.func.value
    return is_self_attr(value, attr)


def _set_elsewhere(info: ClassInfo, init: Function, attr: str, chain: list[ast.Assign]) -> bool:
    """``self.<attr>`` is bound anywhere but by ``chain`` (another method, a branch, unpacking,
    ``setattr``, ``register_buffer``)."""
    mine = {id(s) for s in chain}
    for method in info.methods.values():
        for node in ast.walk(method):
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and id(node) not in mine:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(is_self_attr(t, attr) for n in targets for t in ast.walk(n)):
                    return True
            elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                if name in ("register_buffer", "register_parameter", "setattr", "delattr"):
                    return True
    return False


def _runners(ctx: FileContext, info: ClassInfo, init: Function, forward: Function) -> dict[int, str]:
    """The methods that run the module, or one of its layers, on an input (``self.forward(x)``,
    ``self(x)``, ``self.fc(x)``, as a policy's ``sample(state)`` does), by id, with what they
    run: they meet the device of the module's parameters, as ``forward`` does."""
    layers = _layers(ctx, info, init)
    found: dict[int, str] = {}
    for method in info.methods.values():
        if method is init or method is forward:
            continue
        for node in own_nodes(method):
            if not isinstance(node, ast.Call):
                continue
            if is_self_attr(node.func, "forward") or (isinstance(node.func, ast.Name) and node.func.id == "self"):
                found[id(method)] = "runs `forward`"
                break
            if is_self_attr(node.func) and node.func.attr in layers:
                found[id(method)] = f"runs the layer `self.{node.func.attr}`"
                break
    return found


def _layers(ctx: FileContext, info: ClassInfo, init: Function) -> set[str]:
    """The attributes ``__init__`` sets to a layer: a module class of torch.nn or of the file."""
    found: set[str] = set()
    for node in own_nodes(init):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and is_self_attr(node.targets[0])):
            continue
        if not isinstance(node.value, ast.Call):
            continue
        qualname = ctx.qualname(node.value.func) or ""
        name = qualname.rsplit(".", 1)[-1]
        local = ctx.classes.get(node.value.func.id) if isinstance(node.value.func, ast.Name) else None
        if (qualname.startswith("torch.nn.") and name[:1].isupper() and "Parameter" not in name) or (
            local is not None and local.is_module and not qualname
        ):
            found.add(node.targets[0].attr)
    return found


def _data_with_dims(ctx: FileContext, data: ast.expr) -> bool:
    """A list or tuple: a display, a local bound only to displays, or a parameter of ``__init__``
    that ``__init__`` never rebinds and every instantiation in the file passes a display for."""
    if isinstance(data, DISPLAYS):
        return True
    if not isinstance(data, ast.Name):
        return False
    function = ctx.parent(data)
    while function is not None and not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        function = ctx.parent(function)
    if isinstance(function, ast.FunctionDef) and data.id in [a.arg for a in function.args.args]:
        rebound = any(
            isinstance(n, ast.Name) and n.id == data.id and not isinstance(n.ctx, ast.Load) for n in own_nodes(function)
        )
        passed = instantiation_arguments(ctx, function, data.id) if not rebound else None
        return bool(passed) and all(isinstance(v, DISPLAYS) for v in passed or ())
    values = reaching_values(ctx, data)
    return bool(values) and all(isinstance(v, DISPLAYS) for v in values or ())


def _helper(ctx: FileContext, call: ast.Call) -> Function | None:
    """The function of the file ``call`` calls: a module-level helper, or ``self.<method>``."""
    if not is_self_attr(call.func):
        return local_function(ctx, call)
    cls = ctx.enclosing_class(call)
    info = ctx.class_info(cls) if cls is not None else None
    method = info.method(call.func.attr) if info is not None else None
    return method if method is not None and method.name not in ("__init__", "forward") else None


def _maker(ctx: FileContext, value: ast.expr) -> str:
    helper = _helper(ctx, value) if isinstance(value, ast.Call) else None
    if helper is not None:
        return f"by `{helper.name}`, which returns a plain tensor"
    passed = passed_function(ctx, value.func) if isinstance(value, ast.Call) else None
    if passed is not None and isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return f"by `{value.func.id}`, which is `{passed}` at every instantiation of the class in this file"
    return "by a torch factory"


def _made_trainable(info: ClassInfo, attr: str) -> bool:
    """``self.<attr>.requires_grad_()`` or ``self.<attr>.requires_grad = True`` in the class."""
    for node in ast.walk(info.node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "requires_grad_":
            if is_self_attr(node.func.value, attr):
                return True
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is True:
            if any(
                isinstance(t, ast.Attribute) and t.attr == "requires_grad" and is_self_attr(t.value, attr)
                for t in node.targets
            ):
                return True
    return False
