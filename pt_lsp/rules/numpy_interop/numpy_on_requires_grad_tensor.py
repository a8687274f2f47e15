"""PTL402 numpy-on-requires-grad-tensor: `.numpy()` on a tensor that requires grad."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core import vocabulary
from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Pos, Span
from pt_lsp.core.edits import primary_text, source_of
from pt_lsp.core.evidence.grad_mode import GradMode
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.flow.lattice import Device
from pt_lsp.core.flow.values import Kind, Value
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.numpy_interop._conversions import CONVERSION_WORDS, conversions, describe
from pt_lsp.rules.numpy_interop.numpy_on_cuda_tensor import IMPLICIT_CONVERSIONS, converted_in, project_helpers

GRAD_MODE_DECORATORS = vocabulary.GRAD_MODES  # a decorated function sets its own grad mode
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


class NumpyOnRequiresGradTensor(Rule):
    """
    ## What it does
    Flags `.numpy()` (and `np.asarray(t)` / `np.array(t)`) on a tensor that requires grad: a
    parameter, a leaf created with `requires_grad=True`, or a result computed from one with
    gradients enabled (a model output or a loss outside `torch.no_grad()`). NumPy functions
    that convert tensors implicitly count too: an element-wise function of one or of a list of
    them (`np.log(p)`, `np.log10(losses)`), a function of a list of them (`np.mean(losses)`
    where each loss requires grad), `np.copy(model.weight)`, `np.atleast_1d`, `np.argsort(t)`
    and the other functions that forward to a tensor method whose arguments differ, matplotlib's
    plotting functions (`plt.plot(losses)`), scikit-learn's metrics (`roc_auc_score(y,
    probs)`) and NumPy's savers (`np.save(path, t)`, `np.savez(path, **arrays)`); those
    findings carry no fix.

    ## Why is this bad?
    A NumPy array cannot carry an autograd graph, so torch refuses:
    `RuntimeError: Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy()
    instead.` It typically hits when logging a loss, plotting predictions, or exporting
    weights, often after a long training run.

    Since torch 2.13, `.numpy()` on a *leaf* that requires grad (a parameter) runs inside
    `torch.no_grad()`; earlier releases raise there too. That case is reported only for a
    project that targets an earlier torch (`--target-torch`, `target-torch` in
    `[tool.pt-lsp]`; by default the installed torch).

    ## Example
    ```python
    loss.backward()
    optimizer.step()
    history.append(loss.numpy())
    ```

    ## Use instead
    ```python
    history.append(loss.detach().numpy())   # or loss.item() for a scalar
    ```

    ## Fix safety
    The fix inserts `.detach()` before `.numpy()` and is safe: the original raised, and the
    array holds the same values. Like `.numpy()`, the result shares memory with the tensor.
    A tensor that is or may be on a CUDA device is reported by PTL401 instead, whose fix
    inserts `.detach().cpu()`: the two rules never report the same `.numpy()` call. A NumPy,
    matplotlib or scikit-learn function that converts such a tensor whose device is chosen at
    run time (`plt.plot(losses)`) is reported by both, without a fix: on a CPU machine it
    raises this error.

    ## References
    - [torch.Tensor.numpy](https://pytorch.org/docs/stable/generated/torch.Tensor.numpy.html)
    - [torch.Tensor.detach](https://pytorch.org/docs/stable/generated/torch.Tensor.detach.html)
    """

    code = "PTL402"
    name = "numpy-on-requires-grad-tensor"
    summary = "`.numpy()` on a tensor that requires grad: RuntimeError; use `.detach().numpy()`"
    severity = Severity.ERROR

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if not ctx.mentions(*CONVERSION_WORDS):
            yield from self.helpers(ctx)  # `summarize(out)` of viz.py converts what this file hands it
            return
        yield from self.helpers(ctx)
        for node in ctx.index.of(ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "numpy" and not node.args and not node.keywords:
                tensor, implicit = func.value, False
            elif (
                node.args
                and len(node.args) == 1
                and ctx.qualname(func) in IMPLICIT_CONVERSIONS
                and not conversions(ctx, node)
            ):
                tensor, implicit = node.args[0], True
            else:
                yield from self.converted(ctx, node)
                continue
            value = ctx.flow.value(tensor)
            if not value.is_tensor or value.requires_grad is not True or value.device.may_be_cuda:
                continue  # CUDA (or maybe): PTL401's fix inserts `.detach().cpu()`
            if value.history and not self.grad_enabled(ctx, node, value):
                continue
            if not value.history and self.leaf_allowed(ctx, node):
                continue
            what = f"`{source_of(ctx, func)}()`" if implicit else "`.numpy()`"
            kind = "a parameter or a leaf that requires grad" if not value.history else "a tensor that requires grad"
            yield self.report(
                ctx,
                node,
                f"{what} on {kind} raises RuntimeError; detach it first",
                fixes=[
                    Fix(
                        "Insert `.detach()`" + ("" if implicit else " before `.numpy()`"),
                        (self.detach_edit(ctx, node, tensor, implicit),),
                        Applicability.SAFE,
                    )
                ],
                related=evidence_path(ctx, value.steps),
            )

    def helpers(self, ctx: FileContext) -> Iterator[Finding]:
        """A call of a function of another project file (or one that function calls) that converts
        a tensor this call hands it, which requires grad (``summarize(net(x))`` of ``viz.py``'s
        ``def summarize(t): return np.round(t.numpy(), 2)``): reported here, where the tensor's
        graph is made; the helper, analysed alone, knows nothing of it. As PTL401's helpers."""
        project = ctx.project
        if not project.enabled:
            return
        for call, helper, every in project_helpers(ctx):
            converting = [function for function in every if _converts_a_parameter(function)]
            if not converting:
                continue  # read before asking the flow: a helper converting only what it makes itself
            handed = [ctx.flow.value(a.value if isinstance(a, ast.Starred) else a) for a in call.args]
            handed += [ctx.flow.value(k.value) for k in call.keywords]
            if not any(_needs_grad(value) and self.grad_enabled(ctx, call, value) for value in handed):
                continue
            converted = converted_in(ctx, helper, converting, _needs_grad)
            if converted is None:
                continue
            where, node, value = converted
            yield self.report(
                ctx,
                call,
                f"`{source_of(ctx, call.func)}()`{where} converts to NumPy a tensor of this call that requires"
                " grad: it raises RuntimeError; detach it first",
                related=evidence_path(ctx, value.steps),
            )

    def converted(self, ctx: FileContext, call: ast.Call) -> Iterator[Finding]:
        """A NumPy function that converts a tensor argument that requires grad, or a list of
        them (no fix: each element, or a torch function instead, is the author's choice)."""
        for conversion in conversions(ctx, call):
            value = conversion.value
            # One whose device is chosen at run time is PTL401's too: on a CPU machine this error
            # comes first (no fix here to clash with PTL401's). On CUDA, CUDA's error comes first.
            if value.requires_grad is not True or value.device is Device.CUDA:
                continue
            if value.history and not self.grad_enabled(ctx, call, value):
                continue
            if not value.history and self.leaf_allowed(ctx, call):
                continue
            yield self.report(
                ctx,
                call,
                f"{describe(ctx, conversion)}, which requires grad: it raises RuntimeError; detach it first",
                related=evidence_path(ctx, value.steps),
            )
            return

    @staticmethod
    def detach_edit(ctx: FileContext, call: ast.Call, tensor: ast.expr, implicit: bool) -> Edit:
        if not implicit:
            # Right before `.numpy`, so that `(a * b).numpy()` becomes `(a * b).detach().numpy()`.
            end = ctx.doc.node_span(call.func).end
            start = Pos(end.line, end.col - len(".numpy"))
            if start.col >= 0 and ctx.doc.slice(Span(start, end)) == ".numpy":
                return Edit.insert(start, ".detach()")
        return Edit(ctx.doc.node_span(tensor), f"{primary_text(ctx, tensor)}.detach()")

    @staticmethod
    def leaf_allowed(ctx: FileContext, node: ast.AST) -> bool:
        """torch >= 2.13 runs ``.numpy()`` on a leaf that requires grad inside ``no_grad``:
        reported there only for a project that targets an earlier torch."""
        mode, _ = GradMode(ctx).enclosing_mode(node)
        if mode is not False:
            return False
        target = ctx.target_torch
        return target is None or target >= vocabulary.NUMPY_ON_GRAD_LEAF_UNDER_NO_GRAD

    @staticmethod
    def grad_enabled(ctx: FileContext, node: ast.AST, value: Value) -> bool:
        """A non-leaf requires grad only where gradients are enabled: at module level the flow
        sees the `with` blocks; in a function, callers may hold `no_grad`, so the function must
        show it runs with gradients (it calls `backward`) and carry no grad-mode decorator."""
        if not any(not g.opaque for g in value.history) and not _loop_elements(value):
            return False
        function = ctx.parent(node)
        while function is not None and (not isinstance(function, _FUNCTIONS) or _mapped_lambda(ctx, function)):
            function = ctx.parent(function)
        if function is None:
            # `torch.set_grad_enabled(False)` as a statement switches gradients off for what follows.
            return "set_grad_enabled(False)" not in ctx.doc.text
        if isinstance(function, ast.Lambda):
            return False
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if ctx.qualname(target) in GRAD_MODE_DECORATORS:
                return False
        text = ctx.doc.slice(ctx.doc.node_span(function))
        if ".backward(" in text or _made_where_backward_runs(ctx, value, function):
            return True
        # Called from this file, and only where gradients are enabled (`get_action(state)` from
        # the training loop, not from a `no_grad` block).
        return ctx.flow.call_grad_modes(function) == {True}


def _made_where_backward_runs(ctx: FileContext, value: Value, function: ast.AST) -> bool:
    """Every graph node of ``value`` was made in another function (of this file or of the
    project) that calls ``backward()``: a loss a training step returns (``DDPG.fit_batch()``
    from a trainer in another file, audit-9 R12). Such a step runs with gradients enabled (its
    backward raises otherwise), whatever the function that converts the loss was called under."""
    nodes = [node for node in value.history if not node.opaque]
    if not nodes or len(nodes) != len(value.history):
        return False
    for node in nodes:
        site = node.site
        unit = ctx.project.origin(site) if isinstance(site, ast.AST) else None
        parents = unit.index.parents if unit is not None else ctx.parents
        owner = parents.get(id(site))
        while owner is not None and not isinstance(owner, _FUNCTIONS):
            owner = parents.get(id(owner))
        if owner is None or owner is function or isinstance(owner, ast.Lambda):
            return False
        doc = unit.doc if unit is not None else ctx.doc
        if ".backward(" not in doc.slice(doc.node_span(owner)):
            return False
    return True


def _mapped_lambda(ctx: FileContext, function: ast.AST) -> bool:
    """``map(lambda o: o.numpy(), outs)``: the lambda runs where ``map`` is (its result consumed
    there: ``list(map(...))``), in that grad mode."""
    call = ctx.parent(function)
    return (
        isinstance(function, ast.Lambda)
        and isinstance(call, ast.Call)
        and bool(call.args)
        and call.args[0] is function
        and isinstance(call.func, ast.Name)
        and call.func.id == "map"
        and ctx.names.binding("map", call.func) is None  # the builtin
    )


def _converts_a_parameter(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """``function`` calls ``.numpy()`` on, or hands a NumPy function, an expression rooted at one
    of its parameters (``t.numpy()``, ``np.round(t.numpy(), 2)``, ``np.asarray(x[0])``)."""
    params = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}
    for node in own_nodes(function):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "numpy":
            receivers = [func.value]
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("np", "numpy"):
            receivers = list(node.args[:1])
        else:
            continue
        for receiver in receivers:
            while isinstance(receiver, (ast.Attribute, ast.Subscript, ast.Call)):
                receiver = receiver.func if isinstance(receiver, ast.Call) else receiver.value
            if isinstance(receiver, ast.Name) and receiver.id in params:
                return True
    return False


def _needs_grad(value: Value) -> bool:
    """A tensor (or a list of them) that requires grad and is not on CUDA (PTL401's then)."""
    if value.kind is Kind.SEQ:
        value = value.iter_elem()
    return value.is_tensor and value.requires_grad is True and bool(value.history) and not value.device.may_be_cuda


def _loop_elements(value: Value) -> bool:
    """Every graph node of ``value`` is the one a loop gives each element of a list it iterates
    (``for out in outputs``: graded UNKNOWN for the freed-graph rule, whose graphs may differ
    per element); ``requires_grad`` was proven on the elements themselves."""
    return bool(value.history) and all(isinstance(node.site, (ast.Name, ast.Tuple, ast.List)) for node in value.history)
