"""PTL305: a tensor made on the CPU inside `forward` meeting the model's tensors on the GPU."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import PurePath

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Pos
from pt_lsp.core.edits import source_of
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.evidence.reaching import local_function, parameter_of
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.flow.values import UNKNOWN, Kind, Step, Value
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._device_meetings import CPU_MAKERS, Meeting, gpu, meetings
from pt_lsp.rules.modules._imported_models import SAME_MODEL
from pt_lsp.rules.modules._module_evidence import Function, is_self_attr, methods_reached_from

# Imports of libraries: their classes are not the project's (no file of the project to read).
LIBRARY_ROOTS = frozenset("torch torchvision torchaudio numpy transformers timm".split())
# Code that changes where factories put their tensors: every factory may then be on the GPU.
DEFAULT_DEVICE = ("set_default_device", "set_default_tensor_type", "with torch.device(")


class TensorCreatedOffDevice(Rule):
    """
    ## What it does
    Flags a tensor made by a torch factory without `device=` (`torch.zeros(...)`,
    `torch.ones(n, n).triu(1)`, `torch.arange(n)`, `torch.eye(n)`, `torch.from_numpy(a)`, ...)
    inside `forward` of an `nn.Module`, or in a method or function of the file that `forward`
    calls (`init_hidden`, a mask or a grid helper), when that tensor meets a tensor on the GPU in
    an op that needs both on one device: arithmetic, `torch.cat`/`torch.stack`, a matrix
    product, `masked_fill`, a layer of the module (an LSTM given a CPU hidden state), a loss.
    The GPU side must be proven: the model or its input moved with `.cuda()` or `.to(device)`
    (a device that is CUDA, or chosen at run time with `torch.cuda.is_available()`) by the
    file that runs the model. Where the model's class is in another file of the project, the
    finding is at the call in the file that moves and runs the model, or hands it to an object
    that runs it (`Trainer(model, ...)`). A tensor made with `device=`, moved with
    `.to(x.device)`, or made by `x.new_zeros(...)` / `torch.zeros_like(x)` is where `x` is, and
    is not reported.

    ## Why is this bad?
    Factories make their tensor on the default device, the CPU. The model runs on the CPU (and
    in its tests) and fails as soon as it is moved to the GPU: `RuntimeError: Expected all
    tensors to be on the same device, but found at least two devices, cuda:0 and cpu!` (or
    `Input and hidden tensors are not at the same device`, `expected self and mask to be on the
    same device`).

    ## Example
    ```python
    def forward(self, x):
        h = torch.zeros(x.size(0), self.hidden_size)
        return self.cell(torch.cat([x, h], dim=1))
    ```

    ## Use instead
    ```python
    def forward(self, x):
        h = torch.zeros(x.size(0), self.hidden_size, device=x.device)
        return self.cell(torch.cat([x, h], dim=1))
    ```

    ## Fix safety
    The fix adds `device=<the other tensor>.device` to the factory where that tensor is a name
    the factory's function can read (a parameter, or assigned before it); it is unsafe: the
    tensor then follows that input wherever it is, which is the intent but changes the program
    on every device the model runs on.

    ## References
    - [torch.zeros (device)](https://pytorch.org/docs/stable/generated/torch.zeros.html)
    - [Tensor creation ops and the default device](https://pytorch.org/docs/stable/tensor_attributes.html#torch-device)
    """

    code = "PTL305"
    name = "tensor-created-off-device"
    severity = Severity.ERROR
    summary = "a tensor made without `device=` in `forward` meets the model's tensors on the GPU"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        text = ctx.doc.text
        if not ("cuda" in text or ".to(" in text) or any(w in text for w in DEFAULT_DEVICE):
            return
        reported: set[int] = set()
        # Cheap gates before the flow is asked: a module of this file can be on the GPU only where
        # the file builds it (by its class's name), and a CPU tensor needs a factory call
        called = _called_names(ctx)
        local = "forward" in text and any(i.name in called for i in ctx.class_list) and _makes_cpu_tensors(ctx)
        for info in ctx.class_list if local else ():
            forward = info.methods.get("forward")
            if not info.is_module or forward is None or info.name not in called:
                continue
            functions = _reached(ctx, info, forward, ctx.flow.value)
            for meeting in meetings(ctx, functions):
                if id(meeting.factory) in reported:
                    continue
                reported.add(id(meeting.factory))
                yield self._finding(ctx, meeting)
        yield from self._imported(ctx, reported, called)

    def _imported(self, ctx: FileContext, reported: set[int], called: set[str]) -> Iterator[Finding]:
        """A model of a class of another file of the project, moved to the GPU and called here:
        the meetings in that file's code, as this file's run reaches them, reported at the call."""
        models = _imported_models(ctx, called)
        if not models:
            return
        flow = ctx.flow
        for call in ctx.index.of(ast.Call):
            func = call.func
            name = func.id if isinstance(func, ast.Name) else func.attr if is_self_attr(func) else None
            if name not in models or ctx.qualname(func) is not None:
                continue
            flow.value(call)  # the flow runs the model's forward with this call's arguments
            if not (gpu(flow.value(func)) or any(gpu(flow.value(a)) for a in call.args)):
                continue
            other = models[name]
            value_of = _recorded(flow.values)
            for info in other.class_list:
                forward = info.methods.get("forward")
                if not info.is_module or forward is None:
                    continue
                functions = _reached(other, info, forward, value_of)
                for meeting in meetings(other, functions, value_of):
                    if id(meeting.factory) in reported:
                        continue
                    reported.add(id(meeting.factory))
                    yield self._finding_at_call(ctx, other, call, meeting)
        yield from self._handed_on(ctx, reported, models)

    def _handed_on(self, ctx: FileContext, reported: set[int], models: dict[str, FileContext]) -> Iterator[Finding]:
        """A model moved to the GPU and handed to a call (``Trainer(model, ...)``) that runs it in
        code this file's run reaches (the trainer's file): reported at that call."""
        flow = ctx.flow
        for call in ctx.index.of(ast.Call):
            handed = [a for a in call.args if isinstance(a, ast.Name) and a.id in models]
            if not handed or not gpu(flow.value(handed[0])):
                continue
            other = models[handed[0].id]
            value_of = _recorded(flow.values)
            for info in other.class_list:
                forward = info.methods.get("forward")
                if not info.is_module or forward is None:
                    continue
                for meeting in meetings(other, _reached(other, info, forward, value_of), value_of):
                    if id(meeting.factory) in reported:
                        continue
                    reported.add(id(meeting.factory))
                    yield self._finding_at_call(ctx, other, call, meeting, handed[0].id)

    def _finding_at_call(
        self, ctx: FileContext, other: FileContext, call: ast.Call, meeting: Meeting, handed: str | None = None
    ) -> Finding:
        made = source_of(other, meeting.factory.func)
        where = PurePath(str(other.path)).name
        met = _met(other, meeting)
        runs = f"`{source_of(ctx, call.func)}(...)` runs" if handed is None else f"`{handed}`, handed on here, runs"
        message = (
            f"{runs} code of {where} where `{made}(...)`"
            f" ({where}:{meeting.factory.lineno}) makes a tensor on the CPU (no `device=`) that meets {met}: torch"
            " raises 'Expected all tensors to be on the same device'; create it there on the input's device"
            " (`device=x.device`)"
        )
        steps = [
            Step(meeting.factory, f"`{made}(...)` makes a tensor on the CPU here (no `device=`)"),
            *meeting.other_value.steps,
            Step(meeting.op, f"`{_short(other, meeting.operand)}` (the CPU tensor) meets {met} here"),
        ]
        return self.report(ctx, call, message, related=evidence_path(ctx, steps))

    def _finding(self, ctx: FileContext, meeting: Meeting) -> Finding:
        factory = meeting.factory
        made = source_of(ctx, factory.func)
        met = _met(ctx, meeting)
        message = (
            f"`{made}(...)` makes a tensor on the CPU (no `device=`) inside what `forward` runs, and it meets"
            f" {met}: torch raises 'Expected all tensors to be on the same device' once the model is on the GPU;"
            " create it on the device of the model's tensors (`device=x.device`)"
        )
        steps = [
            Step(factory, f"`{made}(...)` makes a tensor on the CPU here (no `device=`)"),
            *meeting.other_value.steps,
            Step(meeting.op, f"`{_short(ctx, meeting.operand)}` (the CPU tensor) meets {met} here"),
        ]
        layer = meeting.other_value.kind is Kind.MODULE
        fixes = self._fixes(ctx, factory, None if layer else meeting.other)
        return self.report(ctx, factory, message, fixes=fixes, related=evidence_path(ctx, steps))

    @staticmethod
    def _fixes(ctx: FileContext, factory: ast.Call, other: ast.expr | None) -> tuple[Fix, ...]:
        """`device=<name>.device` where the other tensor is a name the factory's function reads
        before the factory: a parameter of that function, or a name it assigned earlier."""
        if not isinstance(other, ast.Name) or any(k.arg is None for k in factory.keywords):
            return ()
        found = parameter_of(ctx, other)
        function = _enclosing(ctx, factory)
        if function is None:
            return ()
        readable = (
            (found is not None and found[0] is function)
            or any(
                isinstance(n, ast.Name)
                and n.id == other.id
                and isinstance(n.ctx, ast.Store)
                and n.lineno < factory.lineno
                for n in own_nodes(function)
            )
            or other.id in {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}
        )
        if not readable:
            return ()
        end = ctx.doc.node_span(factory).end
        at = Pos(end.line, end.col - 1)  # before the closing parenthesis
        separator = ", " if factory.args or factory.keywords else ""
        return (
            Fix(
                f"Create it with `device={other.id}.device`",
                (Edit.insert(at, f"{separator}device={other.id}.device"),),
                Applicability.UNSAFE,
            ),
        )


def _called_names(ctx: FileContext) -> set[str]:
    """The names this file calls (``Net(...)``, ``models.Net(...)``): the classes it may build."""
    return {
        func.id if isinstance(func, ast.Name) else func.attr
        for call in ctx.index.of(ast.Call)
        if isinstance(func := call.func, (ast.Name, ast.Attribute))
    }


def _makes_cpu_tensors(ctx: FileContext) -> bool:
    """Whether the file calls a torch factory without ``device=`` (the name first: cheap)."""
    return any(
        isinstance(func := call.func, (ast.Name, ast.Attribute))
        and (func.id if isinstance(func, ast.Name) else func.attr) in MAKER_NAMES
        and not any(k.arg in ("device", None) for k in call.keywords)
        and ctx.qualname(func) in CPU_MAKERS
        for call in ctx.index.of(ast.Call)
    )


MAKER_NAMES = frozenset(q.rsplit(".", 1)[-1] for q in CPU_MAKERS)


def _imported_models(ctx: FileContext, called: set[str]) -> dict[str, FileContext]:
    """Names (``model``, ``self.net``) this file binds to a module of a class of another file of
    the project (``model = ConvLSTM(...).cuda()``): name -> that file's context."""
    if "import" not in ctx.doc.text:
        return {}
    imported = {
        alias.asname or alias.name
        for node in ctx.index.of(ast.ImportFrom)
        if node.level or (node.module or "").split(".")[0] not in LIBRARY_ROOTS
        for alias in node.names
    }
    found: dict[str, FileContext] = {}
    handed: set[str] | None = None
    moved_names: set[str] | None = None
    for stmt in ctx.index.of(ast.Assign) if imported else ():
        target = stmt.targets[0]
        name = target.id if isinstance(target, ast.Name) else target.attr if is_self_attr(target) else None
        if len(stmt.targets) != 1 or name is None:
            continue
        value = stmt.value
        moved = False
        while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in SAME_MODEL:
            moved = moved or value.func.attr in ("to", "cuda")
            value = value.func.value
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in imported):
            continue
        if name not in called:  # a model this file never calls: handed on (`Trainer(model)`) after a move
            if handed is None:
                handed, moved_names = _handed_names(ctx), _moved_names(ctx)  # once per file
            if name not in handed or not (moved or name in (moved_names or ())):
                continue
        if not ctx.project.enabled:
            return {}
        entity = ctx.project.imported_name(value.func)
        other = ctx.project.context_of(entity) if isinstance(entity, ast.ClassDef) else None
        info = other.classes.get(entity.name) if other is not None and isinstance(entity, ast.ClassDef) else None
        if other is not None and info is not None and info.is_module and info.method("forward") is not None:
            found[name] = other
    return found


def _moved_names(ctx: FileContext) -> set[str]:
    """Names this file moves with ``name.to(...)`` / ``name.cuda()``."""
    return {
        call.func.value.id
        for call in ctx.index.of(ast.Call)
        if isinstance(call.func, ast.Attribute)
        and call.func.attr in ("to", "cuda")
        and isinstance(call.func.value, ast.Name)
    }


def _handed_names(ctx: FileContext) -> set[str]:
    """Names this file passes as an argument of a call (``Trainer(model, loader)``)."""
    return {a.id for call in ctx.index.of(ast.Call) for a in call.args if isinstance(a, ast.Name)}


def _recorded(values: dict[int, Value]) -> Callable[[ast.AST], Value]:
    """The values the flow recorded for another file's nodes (asking would analyse this file)."""
    return lambda node: values.get(id(node), UNKNOWN)


def _reached(
    ctx: FileContext, info: ClassInfo, forward: Function, values: Callable[[ast.AST], Value]
) -> list[tuple[Function, dict[str, str]]]:
    """What ``forward`` runs, each function with its class's layers: the class's methods it
    calls, the methods of the file's modules it holds that those call (``self.noise.apply(x)``),
    and the file's module-level functions they call by name (one level)."""
    layers = _layers(ctx, info.methods.get("__init__"))
    found = [(m, layers) for m in methods_reached_from(info, forward)]
    classes = {id(c) for c in ctx.index.of(ast.ClassDef)}
    for method, _ in list(found):
        for node in own_nodes(method):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name):
                helper = local_function(ctx, node)
                if helper is not None and all(helper is not f for f, _ in found):
                    found.append((helper, {}))
            elif isinstance(func, ast.Attribute) and is_self_attr(func.value) and func.attr != "forward":
                held = values(func.value).cls
                if not isinstance(held, ClassInfo) or id(held.node) not in classes or held is info:
                    continue
                callee = held.method(func.attr)
                if callee is not None and all(callee is not f for f, _ in found):
                    held_layers = _layers(ctx, held.methods.get("__init__"))
                    found.extend((m, held_layers) for m in methods_reached_from(held, callee))
    return found


def _layers(ctx: FileContext, init: Function | None) -> dict[str, str]:
    """``self.name = torch.nn.<Layer>(...)`` in ``__init__``: name -> the layer's qualname."""
    if init is None:
        return {}
    found: dict[str, str] = {}
    for node in own_nodes(init):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and is_self_attr(node.targets[0]):
            value = node.value
            qualname = ctx.qualname(value.func) if isinstance(value, ast.Call) else None
            if qualname is not None and qualname.startswith("torch.nn.") and qualname[9:10].isupper():
                found[node.targets[0].attr] = qualname
    return found


def _met(ctx: FileContext, meeting: Meeting) -> str:
    """What the CPU tensor meets: a layer of the module (its parameters), or a tensor."""
    if meeting.other_value.kind is Kind.MODULE:
        return f"the parameters of `{_short(ctx, meeting.other)}`, on the GPU"
    return f"`{_short(ctx, meeting.other)}`, on the GPU"


def _short(ctx: FileContext, node: ast.AST) -> str:
    text = source_of(ctx, node)
    return text if len(text) <= 40 else text[:37] + "..."


def _enclosing(ctx: FileContext, node: ast.AST) -> Function | None:
    current = ctx.parent(node)
    while current is not None and not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
        current = ctx.parent(current)
    return current
