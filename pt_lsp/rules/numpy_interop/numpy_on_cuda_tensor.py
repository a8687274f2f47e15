"""PTL401: `.numpy()` on a tensor that is or may be on a CUDA device."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from typing import cast

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.edits import source_of
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.flow.facts import FlowFacts
from pt_lsp.core.flow.lattice import Device
from pt_lsp.core.flow.project import LIBRARIES
from pt_lsp.core.flow.state import Function
from pt_lsp.core.flow.values import Kind, Value
from pt_lsp.core.names import Names
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.numpy_interop._array_stores import array_stores
from pt_lsp.rules.numpy_interop._conversions import (
    CONVERSION_WORDS,
    ELEMENTWISE,
    FROM_SEQUENCE,
    Conversion,
    conversions,
    describe,
)

IMPLICIT_CONVERSIONS = {"numpy.asarray", "numpy.array", "numpy.asanyarray"}


def _forced(call: ast.Call) -> bool:
    """``.numpy(force=True)`` copies to the CPU itself (torch >= 1.13): the fix, not the bug."""
    return any(
        kw.arg == "force" and not (isinstance(kw.value, ast.Constant) and not kw.value.value) for kw in call.keywords
    )


class NumpyOnCudaTensor(Rule):
    """
    ## What it does
    Flags `.numpy()` (and `np.asarray(t)` / `np.array(t)`) on a tensor that is on a CUDA
    device, or may be: a tensor moved with `.cuda()`, `.to("cuda")` or `.to(device)` where
    `device` is chosen by `torch.cuda.is_available()`, created with `device=...`, or produced by
    a model that was moved there. NumPy functions that convert tensors implicitly count too: an
    element-wise function of one or of a list of them (`np.exp(t)`, `np.log10(losses)`), a
    function of a list of them (`np.sum([t1, t2], 0)`, `np.array(outputs)`), `np.copy`,
    `np.atleast_1d`, the functions that forward to a tensor method whose arguments differ
    (`np.transpose(t, (1, 2, 0))`, `np.argmax(t, axis=1)`), matplotlib's plotting functions
    (`plt.plot(losses)`), scikit-learn's metrics (`accuracy_score(labels, preds)`) and NumPy's
    savers (`np.save(path, t)`, `np.savez(path, **arrays)`), each item of a list display
    (`np.array([kl, loss.item(), acc * 100])`), `map(np.asarray, preds)` and
    `map(np.asarray, zip(*pairs))`; those findings carry no fix. So does storing such a tensor into
    a row or a slice of a NumPy array the file makes (`g_loss = np.zeros((n, 1))`, then
    `g_loss[i] = loss`): NumPy converts it there, while a single element (`np.zeros(n)[i]`) takes
    `float(t)`, which works on CUDA. A function of another project file that converts what a
    call of this file hands it (`to_np(out)` of `utils.py`'s `x.detach().numpy()`, `np.mean` of
    a list) is reported at the call, in a file that uses NumPy or the like itself. A
    list's tensors are followed into helpers, callbacks and other objects' attributes (a
    logger's `self.stats[key].append((t, value))`). A batch of unknown class (a
    `DataLoader`'s) moved with `.to(device)` keeps that device through reshapes, casts,
    indexing and arithmetic.

    Not flagged: the output of a torch layer moved with `.cuda()` and given a tensor known to be
    on the CPU (`torch.tensor(array)`): the call raises the device mismatch first (and `.cuda()`
    raises on a machine without CUDA), so no CUDA tensor reaches `.numpy()`; no rule reports the
    mismatch itself. Nor a container moved while still empty (`nn.Sequential().cuda()`): the
    layers added to it later (`add_module`) stay on the CPU.

    ## Why is this bad?
    NumPy arrays live in host memory. `Tensor.numpy()` on a CUDA tensor raises
    `TypeError: can't convert cuda:0 device type tensor to numpy`. Code that picks the device at
    run time passes on a laptop without a GPU and crashes on the training machine, typically at
    the end of a long run, when metrics are computed or results are plotted.

    ## Example
    ```python
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    logits = model(images.to(device))
    preds = logits.argmax(dim=1).numpy()
    ```

    ## Use instead
    ```python
    preds = logits.argmax(dim=1).cpu().numpy()
    ```
    and `.detach().cpu().numpy()` for a tensor that requires grad.

    ## Fix safety
    The fix inserts `.cpu()` (preceded by `.detach()` when the tensor may require grad) before
    `.numpy()`. It is safe: on a CPU tensor both are no-ops, and on a CUDA tensor the original
    code raised. The alternative `.numpy(force=True)` (torch >= 1.13) does the same in one call.
    Note that the array no longer shares memory with a CUDA tensor: it is a copy.

    ## References
    - [torch.Tensor.numpy](https://pytorch.org/docs/stable/generated/torch.Tensor.numpy.html)
    - [torch.Tensor.cpu](https://pytorch.org/docs/stable/generated/torch.Tensor.cpu.html)
    """

    code = "PTL401"
    name = "numpy-on-cuda-tensor"
    summary = "`.numpy()` on a tensor that is or may be on a CUDA device"
    severity = Severity.ERROR

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if not ctx.mentions(*CONVERSION_WORDS):
            yield from self.helpers(ctx)  # a script converting nothing itself: `fit(net)` of train.py may
            return
        for node in ctx.index.of(ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "numpy" and not node.args and not _forced(node):
                tensor = func.value
                implicit = False
            elif (
                node.args
                and ctx.qualname(func) in IMPLICIT_CONVERSIONS
                and not isinstance(node.args[0], (ast.List, ast.Tuple))
                and not conversions(ctx, node)
            ):
                tensor, implicit = node.args[0], True
            else:
                yield from self.converted(ctx, node)
                continue
            value = ctx.flow.value(tensor)
            if not value.device.may_be_cuda:
                continue
            yield self.report(
                ctx,
                node,
                self.message(ctx, node, tensor, value.device, implicit),
                fixes=self.fixes(ctx, node, tensor, value.requires_grad is not False, implicit),
                severity=Severity.ERROR if value.device is Device.CUDA else Severity.WARNING,
                related=evidence_path(ctx, value.steps),
            )

        yield from self.stored(ctx)
        yield from self.helpers(ctx)

    def helpers(self, ctx: FileContext) -> Iterator[Finding]:
        """A call of a function of another project file that converts what this call hands it
        (``to_np(outs[0])`` of ``utils.py``'s ``def to_np(x): return x.detach().numpy()``): the
        flow follows the call, so the helper's conversion sees this file's CUDA tensor; reported
        here, where the tensor comes from (the helper, analysed alone, knows nothing of it)."""
        project = ctx.project
        if not project.enabled or not ctx.mentions("cuda", "device"):
            return  # no device chosen in this file: nothing it hands on is proven on CUDA by it
        for call, helper, converting in project_helpers(ctx):
            handed = [ctx.flow.value(a.value if isinstance(a, ast.Starred) else a) for a in call.args]
            handed += [ctx.flow.value(k.value) for k in call.keywords]
            if not any(_may_hold_cuda(value) for value in handed):
                continue
            converted = converted_in(ctx, helper, converting)
            if converted is None:
                continue
            where, node, value = converted
            device = (
                "is on a CUDA device" if value.device is Device.CUDA else "may be on a CUDA device (chosen at run time)"
            )
            yield self.report(
                ctx,
                call,
                f"`{source_of(ctx, call.func)}()`{where} converts to NumPy a tensor of this call that {device}:"
                " it raises; move it to the CPU first",
                severity=Severity.ERROR if value.device is Device.CUDA else Severity.WARNING,
                related=evidence_path(ctx, value.steps),
            )

    def stored(self, ctx: FileContext) -> Iterator[Finding]:
        """A CUDA tensor stored into a row or a slice of a NumPy array (``g_loss[i] = loss``)."""
        for node in array_stores(ctx):
            value = ctx.flow.value(node.value)
            if not value.is_tensor or not value.device.may_be_cuda:
                continue
            where = (
                "is on a CUDA device" if value.device is Device.CUDA else "may be on a CUDA device (chosen at run time)"
            )
            array = source_of(ctx, node.targets[0])
            yield self.report(
                ctx,
                node,
                f"storing a tensor that {where} into `{array}`, more than one element of a NumPy array,"
                " converts it to NumPy: it raises; store `.item()` or move it to the CPU first",
                severity=Severity.ERROR if value.device is Device.CUDA else Severity.WARNING,
                related=evidence_path(ctx, value.steps),
            )

    def converted(self, ctx: FileContext, call: ast.Call) -> Iterator[Finding]:
        """A NumPy function that converts a CUDA tensor argument, or a list of them (no fix:
        each element, or a torch function instead, is the author's choice)."""
        for conversion in conversions(ctx, call) or _display_items(ctx, call) or _mapped(ctx, call):
            device = conversion.value.device
            if not device.may_be_cuda:
                continue
            where = "on a CUDA device" if device is Device.CUDA else "maybe on a CUDA device (chosen at run time)"
            # `.cpu()` alone would leave the grad error (audit-6 M1): name both and what fixes both
            advice = "move it to the CPU first"
            if conversion.value.requires_grad is True:
                where += " and requires grad"
                advice = "detach it and move it to the CPU first (`.detach().cpu()`, or `.item()` for a scalar)"
            yield self.report(
                ctx,
                call,
                f"{_describe(ctx, conversion)}, which is {where}: it raises; {advice}",
                severity=Severity.ERROR if device is Device.CUDA else Severity.WARNING,
                related=evidence_path(ctx, conversion.value.steps),
            )
            return

    def message(self, ctx: FileContext, call: ast.Call, tensor: ast.expr, device: Device, implicit: bool) -> str:
        what = f"`{source_of(ctx, call.func)}()`" if implicit else "`.numpy()`"
        where = (
            "is on a CUDA device"
            if device is Device.CUDA
            else "may be on a CUDA device (its device is chosen at run time)"
        )
        return f"{what} on a tensor that {where}; move it to the CPU first"

    def fixes(
        self, ctx: FileContext, call: ast.Call, tensor: ast.expr, may_require_grad: bool, implicit: bool
    ) -> list[Fix]:
        chain = source_of(ctx, tensor)
        detach = may_require_grad and ".detach()" not in chain
        insert = (".detach()" if detach else "") + ".cpu()"
        title = f"Insert `{insert}`" + ("" if implicit else " before `.numpy()`")
        if implicit:
            span = ctx.doc.node_span(tensor)
            atom = isinstance(tensor, (ast.Name, ast.Attribute, ast.Call, ast.Subscript))
            edit = Edit.insert(span.end, insert) if atom else Edit(span, f"({chain}){insert}")
            return [Fix(title, (edit,), Applicability.SAFE)]
        # Right before `.numpy`, not at the end of the receiver's node: `(a * b).numpy()`'s
        # receiver node ends inside the parentheses.
        func_span = ctx.doc.node_span(call.func)
        between = ctx.doc.text[ctx.doc.offset(ctx.doc.node_span(tensor).end) : ctx.doc.offset(func_span.end)]
        dot = ctx.doc.pos_at(ctx.doc.offset(func_span.end) - len(between) + between.rindex("."))
        preferred = Fix(title, (Edit.insert(dot, insert),), Applicability.SAFE)
        numpy_call_end = ctx.doc.node_span(call).end
        force = Fix(
            "Use `.numpy(force=True)`",
            (Edit.insert(type(dot)(numpy_call_end.line, numpy_call_end.col - 1), "force=True"),),
            Applicability.SAFE,
        )
        return [preferred, force]


class _Elsewhere:
    """What the conversion helpers read of a context, for a function of another file: that
    file's names (``np`` there), and this file's flow facts (the call followed from here)."""

    def __init__(self, names: Names, flow: FlowFacts) -> None:
        self.names = names
        self.flow = flow

    def qualname(self, expr: ast.AST) -> str | None:
        return self.names.qualname(expr)


def _converts_something(ctx: FileContext, helper: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``helper`` calls ``.numpy()`` or a NumPy, matplotlib or scikit-learn function."""
    unit = ctx.project.unit_of(helper)
    if unit is None:
        return False
    for node in own_nodes(helper):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "numpy":
                return True
            qualname = unit.names.qualname(func)
            if qualname is not None and qualname.startswith(("numpy.", "matplotlib.", "sklearn.")):
                return True
    return False


@PerFile
def project_helpers(ctx: FileContext) -> list[tuple[ast.Call, Function, list[Function]]]:
    """The calls of this file of a function of another project file that converts something
    (itself, or a function of the project it calls): each with that function and those that
    convert. Read before asking the flow: most helpers convert nothing. PTL401's and PTL402's."""
    project = ctx.project
    found: list[tuple[ast.Call, Function, list[Function]]] = []
    imported = _imported_names(ctx) if project.enabled else set()
    resolved: dict[str, tuple[Function, list[Function]] | None] = {}
    if not imported:
        return found
    for call in ctx.index.of(ast.Call):
        if not isinstance(call.func, (ast.Name, ast.Attribute)) or not (call.args or call.keywords):
            continue
        root: ast.expr = call.func
        while isinstance(root, ast.Attribute):
            root = root.value
        if "*" not in imported and not (isinstance(root, ast.Name) and root.id in imported):
            continue  # not a name an import of the project may bind: no helper of another file
        qualname = ctx.qualname(call.func)
        if qualname is None or qualname.startswith(("torch.", "numpy.", "matplotlib.", "sklearn.")):
            continue
        if qualname not in resolved:  # one resolution per name: a helper is called again and again
            helper = project.resolve(qualname, None)
            resolved[qualname] = None
            if isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)) and project.unit_of(helper) is not None:
                resolved[qualname] = (helper, _converting(ctx, helper))
        known = resolved[qualname]
        if known is not None and known[1]:
            found.append((call, known[0], known[1]))
    return found


def _imported_names(ctx: FileContext) -> set[str]:
    """The names this file's imports bind from modules that may be the project's (not the
    standard library's nor torch's, NumPy's...); "*" for a star import of one."""
    names: set[str] = set()
    for node in _module_imports(ctx.tree.body):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and (node.module or "").split(".")[0] in LIBRARIES:
                continue
            names.update("*" if a.name == "*" else a.asname or a.name for a in node.names)
        else:
            names.update(a.asname or a.name.split(".")[0] for a in node.names if a.name.split(".")[0] not in LIBRARIES)
    return names


def _module_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports the module body runs, also under ``if``/``try``/``with`` (not in functions or
    classes): read without building the file's index, which a file converting nothing never needs
    (the server keeps such files' functions apart for incremental analysis)."""
    for stmt in body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            yield stmt
        elif isinstance(stmt, (ast.If, ast.Try, ast.With)) or type(stmt).__name__ == "TryStar":
            for block in ("body", "orelse", "finalbody"):
                yield from _module_imports(getattr(stmt, block, []))
            for handler in getattr(stmt, "handlers", []):
                yield from _module_imports(handler.body)


def _converting(ctx: FileContext, helper: Function) -> list[Function]:
    """``helper`` if it converts something, then the functions of the project it calls that do
    (one call deeper: ``fit(model)`` of ``train.py`` calls ``plot_fit(model)`` of ``utils.py``,
    audit-14 R4; also one of its own file: ``evaluate()`` calling ``roc()`` beside it, ganomaly#26);
    the flow followed those calls from this file too."""
    project = ctx.project
    found = [helper] if _converts_something(ctx, helper) else []
    unit = project.unit_of(helper)
    if unit is None:
        return found
    params = {a.arg for a in (*helper.args.posonlyargs, *helper.args.args, *helper.args.kwonlyargs)}
    for node in own_nodes(helper):
        if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Name, ast.Attribute)):
            continue
        passed = [*node.args, *(k.value for k in node.keywords)]
        if not any(isinstance(a, ast.Name) and a.id in params for a in passed):
            continue  # hands on none of what it was given (`plot_fit(model)` inside `fit(model)`)
        qualname = unit.names.qualname(node.func)
        inner: object = None
        if qualname is None and isinstance(node.func, ast.Name):  # a function of the helper's own file
            inner = unit.exports.get(node.func.id)
        elif qualname is None or qualname.startswith(("torch.", "numpy.", "matplotlib.", "sklearn.", "builtins.")):
            continue
        else:
            inner = project.resolve(qualname, unit)
        if (
            isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef))
            and inner is not helper
            and inner not in found
            and _converts_something(ctx, inner)
        ):
            found.append(inner)
    return found


def _may_hold_cuda(value: Value) -> bool:
    """A tensor that may be on CUDA, or a list of them; a module that may be (``test_plot(model)``
    runs the model there: its outputs are on its device, audit-14 M1)."""
    if value.is_tensor or value.kind is Kind.MODULE:
        return value.device.may_be_cuda
    return value.kind is Kind.SEQ and value.iter_elem().is_tensor and value.iter_elem().device.may_be_cuda


def _on_cuda(value: Value) -> bool:
    return value.is_tensor and value.device.may_be_cuda


def converted_in(
    ctx: FileContext, helper: Function, converting: list[Function], wanted: Callable[[Value], bool] = _on_cuda
) -> tuple[str, ast.Call, Value] | None:
    """The first conversion of a ``wanted`` tensor in ``converting`` (``helper`` or the project
    functions it calls), with where to say it is: `` (through `plot()`, viz.py:12)``. PTL401's and
    PTL402's."""
    for function in converting:
        found = helper_conversion(ctx, function, wanted)
        if found is None:
            continue
        node, value = found
        place = ctx.project.locate(node)
        where = f"{place[1]}:{place[0].start.line}" if place is not None else ""
        if function is not helper:
            where = f"through `{function.name}()`" + (f", {where}" if where else "")
        return (f" ({where})" if where else ""), node, value
    return None


def helper_conversion(
    ctx: FileContext, helper: ast.FunctionDef | ast.AsyncFunctionDef, wanted: Callable[[Value], bool] = _on_cuda
) -> tuple[ast.Call, Value] | None:
    """The first conversion in ``helper`` (a function of another file, as the flow followed it
    from this file) of a tensor that is or may be on CUDA (or is ``wanted``): ``x.numpy()``,
    ``np.asarray(x)``, a NumPy function of a list of them."""
    unit = ctx.project.unit_of(helper)
    if unit is None:
        return None
    there = cast(FileContext, _Elsewhere(unit.names, ctx.flow))  # names of its file, facts of this one
    for node in own_nodes(helper):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "numpy" and not node.args and not _forced(node):
            value = ctx.flow.value(func.value)
            if wanted(value):
                return node, value
            continue
        qualname = there.qualname(func)
        if qualname is None or not qualname.startswith(("numpy.", "matplotlib.", "sklearn.")):
            continue
        for conversion in conversions(there, node) or _display_items(there, node):
            if wanted(conversion.value):
                return node, conversion.value
        if node.args and qualname in IMPLICIT_CONVERSIONS:
            value = ctx.flow.value(node.args[0])
            if wanted(value):
                return node, value
    return None


def _describe(ctx: FileContext, conversion: Conversion) -> str:
    call = conversion.call
    if isinstance(call.func, ast.Name) and call.func.id == "map":
        return f"`map({source_of(ctx, call.args[0])}, ...)` converts each tensor of the list to NumPy"
    return describe(ctx, conversion)


def _mapped(ctx: FileContext, call: ast.Call) -> list[Conversion]:
    """``map(np.asarray, preds)`` and ``map(np.asarray, zip(*pairs))`` (thunder#49): the NumPy
    function converts each element of the iterable, and each tensor of a tuple element (a column
    that ``zip`` makes of a list of pairs holds the pairs' tensors). ``map`` is the builtin only."""
    if not (isinstance(call.func, ast.Name) and call.func.id == "map" and len(call.args) == 2):
        return []
    if ctx.names.binding("map", call.func) is not None:
        return []  # a `map` of the file
    qualname = ctx.qualname(call.args[0])
    if qualname not in IMPLICIT_CONVERSIONS and qualname not in FROM_SEQUENCE:
        return []
    iterable = call.args[1]
    if (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Name)
        and iterable.func.id == "zip"
        and len(iterable.args) == 1
        and isinstance(iterable.args[0], ast.Starred)
        and ctx.names.binding("zip", iterable.func) is None
    ):
        iterable = iterable.args[0].value
    sequence = ctx.flow.value(iterable)
    if sequence.kind is not Kind.SEQ:
        return []
    element = sequence.iter_elem()
    held = [item for item in element.items or () if item.is_tensor] if element.kind is Kind.SEQ else [element]
    return [Conversion(call, qualname, iterable, tensor, True) for tensor in held if tensor.is_tensor]


def _display_items(ctx: FileContext, call: ast.Call) -> list[Conversion]:
    """The tensors of a list or tuple display NumPy builds an array from, each read on its own
    (``np.array([kl, loss.item(), acc * 100])``, hgraph2graph#40): the flow joins a display's
    items into one element, and a float joined with a tensor is no tensor. NumPy converts each
    item, a 0-d tensor too (``__array__``: torch 2.13 under fake-cuda raises on ``acc * 100``)."""
    qualname = ctx.qualname(call.func)
    if qualname not in FROM_SEQUENCE and qualname not in ELEMENTWISE:
        return []
    found = []
    for argument in call.args[:1] if qualname in FROM_SEQUENCE else call.args:
        if not isinstance(argument, (ast.List, ast.Tuple)):
            continue
        for item in argument.elts:
            rows = item.elts if isinstance(item, (ast.List, ast.Tuple)) else [item]
            for element in rows:
                if isinstance(element, ast.Starred):
                    continue
                value = ctx.flow.value(element)
                if value.is_tensor:
                    found.append(Conversion(call, qualname, argument, value, True))
    return found
