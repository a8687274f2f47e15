"""PTL202: `backward()` without a gradient on a tensor with more than one element."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Pos
from pt_lsp.core.edits import add_keyword, source_of, torch_reference
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix
from pt_lsp.core.flow.values import Kind
from pt_lsp.core.rule import Rule
from pt_lsp.rules.autograd._nonscalar import NonScalar


def _grad_call(text: str) -> bool:
    """A call of ``grad`` (not `no_grad(` / `enable_grad(`): ``grad(`` after no word character,
    as the regex ``\\bgrad\\(`` by substring searches (that regex has no literal prefix: it scans
    slowly, and `no_grad(` is everywhere)."""
    at = text.find("grad(")
    while at != -1:
        if at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_"):
            return True
        at = text.find("grad(", at + 1)
    return False


AUTOGRAD_GRAD = {"torch.autograd.grad"}
AUTOGRAD_BACKWARD = {"torch.autograd.backward"}


class ImplicitGradNonScalar(Rule):
    """
    ## What it does
    Flags `t.backward()` without a `gradient` argument (and `torch.autograd.grad(t, inputs)`
    without `grad_outputs`, `torch.autograd.backward(t)` without `grad_tensors`) where `t`
    provably has more than one element (and is not known to be
    without a graph, which fails differently): the
    unreduced output of a model (`model(x).backward()` with an `nn.Linear(..., 10)` head, also
    a width from the constructor's default argument, and through `.eval()`, `.train()`,
    `.to()`; a one-output `nn.Linear` at the end of linear layers and activations (also of
    any widths, and a list of them the code grows: `nn.Sequential(*layers, head)`), on an input
    with several rows; a reduction over the last dimension only (`(p * z).sum(dim=-1)`) of a
    tensor with several rows; a convolution with more than one output channel; a model a helper of
    the file returns, or one an object keeps from every instantiation in the file; a model, a
    loss or a helper of another file of the project (`from models import Net`, `from losses import
    FocalLoss` with `reduction="none"` by default, `criterion = get_loss("bce")` of `utils.py`),
    read in its own file with the arguments of the call here; a loss in a
    local module's `forward` or in a helper of the file, read with the arguments of the call;
    a loop variable over a list display or comprehension), an elementwise expression of
    tensors with literal sizes (`(w * x).backward()` with `x = torch.randn(5)`, also wrapped in
    `Variable(...)`), or a loss built with `reduction="none"` under any name (also a
    `reduction=config.reduction` and a `getattr(nn, config.loss)` class read from a
    configuration object, a dataclass or a plain class of the file, every construction of which
    gives `"none"` and names a per-element or per-row loss; a classification
    loss keeps its batch unless an input visibly holds one sample: `logits[i]`,
    `x.unsqueeze(0)`, a shape with one row). Shapes the code states count past reductions:
    `torch.cat` adds its parts' sizes, `torch.stack` of k tensors has k rows (also of a list
    that `append` (or `insert(0, x)`) fills in loops of stated counts: `for t in range(5):
    losses.append(l)`, also made a tensor: `torch.tensor(returns)`,
    `zip` / `enumerate` of such lists), a reduction over
    some dimensions keeps the others (`t.view(n, -1).sum(dim=1)` with `n = t.size(0)` keeps
    `n` values), through layers, a local module's `forward` and a method of the class; an item
    of a dict a model returns counts too (`model(x)["loss"]`), and an element of a list read
    with a computed index (`scores[i - 1]`) where every element of the list (a display never
    changed, or one a `forward` returns) has the same known shape. A name counts with the value
    that reaches the call. Models, losses and sizes of the module count where a training
    function or a method reads them (`torch.randn(batch_size, dim)` with `batch_size = 16`), a
    helper's parameters with the arguments of each call (also a function kept in an attribute,
    a criterion passed to a training loop, a loss written as a class with `__call__`, a method of a
    model or trainer class called on its instance or as `self.forward(x)` from `__call__`, and a
    training function that only the project's other files call: `train_one_epoch(model,
    criterion, ...)` of `main.py` for `engine.py`), and so
    do matrix products, `nn.Embedding`, the outputs of `nn.LSTM`/`nn.GRU`/`nn.RNN` (`out` and
    `h_n`/`c_n`, also unpacked as `out, (h, c) = lstm(x)`, indexed as `h[-1]` or `out[:, -1]`),
    normalisation layers, a criterion kept in a dict display (`losses["bce"](p, y)`), and a sum
    started at `0` and grown in a loop (each term counted). Also counted: a row of a model's
    output (`Net()(x)[0]`, `logits.max(1)[0]`), a method of a local model (`model.compute_loss(x)`,
    `self(x)` inside it) or a layer it holds (`ae.encoder(x)`), `nn.DataParallel(model)`, a loss
    class whose `if self.reduction == "mean": ...` (or `if self.reduce: ...`) branch the
    construction rules out, a value a
    method stored just before (`self.loss_D = ...; self.loss_D.backward()`), `torch.stack` of a
    list comprehension over a counted iterable, the builtin `sum` of a list, `torch.linspace` /
    `torch.arange`, a factory with one size stated and others not (`torch.zeros(len(rewards), 3)`:
    0 or at least 3 elements), the values (or indices) of `t.topk(k)` for `k > 1` and of
    `t.sort()`, NumPy arrays of stated sizes made tensors, sizes and widths written as arithmetic
    of stated ints (`nn.Linear(64, 3 * 8 * 8)`, `x.view(-1, 16 * 5 * 5)`), the elementwise
    `torch.max(a, b)` / `torch.min(a, b)` of two tensors, `torch.einsum`,
    `F.cosine_similarity`, pieces of `t.chunk(n, dim)`, and a gradient `torch.autograd.grad(y, x)[0]`
    (of `x`'s shape); a lambda is read with each call's arguments. A shape the code does not state
    is unknown: no finding.

    ## Why is this bad?
    `backward()` computes the gradient of a scalar. For a tensor with several elements torch
    needs the vector to multiply the Jacobian with, and without it raises `RuntimeError: grad can
    be implicitly created only for scalar outputs`. The usual cause is a forgotten reduction:
    a per-sample loss (`reduction="none"`) or a model output used as the loss.

    ## Example
    ```python
    criterion = nn.MSELoss(reduction="none")
    loss = criterion(model(x), y)
    loss.backward()
    ```

    ## Use instead
    ```python
    loss.sum().backward()  # or .mean(): the loss the per-sample values add up to
    ```
    or `loss.backward(torch.ones_like(loss))`, which gives the same gradients as `.sum()`.

    ## Fix safety
    The preferred fix reduces with `.sum()`, the alternative passes `torch.ones_like(t)`; both
    give the gradient of the sum of the elements. They are unsafe because the intent may have
    been a mean (gradients scaled by the number of elements) or a weighted sum.

    ## References
    - [torch.Tensor.backward](https://pytorch.org/docs/stable/generated/torch.Tensor.backward.html)
    - [torch.autograd.grad](https://pytorch.org/docs/stable/generated/torch.autograd.grad.html)
    - [Autograd mechanics: vector-Jacobian products](https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html)
    """

    code = "PTL202"
    name = "implicit-grad-non-scalar"
    summary = "`backward()` without a gradient on a tensor known to have more than one element"
    per_unit = True  # the server may reuse its findings per function (core/incremental/)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        text = ctx.doc.text
        if "backward(" not in text and not _grad_call(text):
            return
        prover: NonScalar | None = None
        for call in ctx.index.of(ast.Call):
            target = self.target(ctx, call)
            if target is None:
                continue
            value = ctx.flow.value(target)
            if value.kind not in (Kind.TENSOR, Kind.UNKNOWN) or (value.requires_grad is False and not value.history):
                continue  # not a tensor, or one without a graph (which fails differently)
            prover = prover or NonScalar(ctx)
            proof = prover.evidence(target)
            if proof is None:
                continue
            function = ctx.qualname(call.func)  # None for `t.backward()`
            is_grad = function is not None
            what = (
                "`backward()` without a gradient"
                if not is_grad
                else "`torch.autograd.backward()` without `grad_tensors`"
                if function in AUTOGRAD_BACKWARD
                else "`torch.autograd.grad()` without `grad_outputs`"
            )
            message = (
                f"{what} on `{source_of(ctx, target)}`, which has more than one element: torch raises"
                ' "grad can be implicitly created only for scalar outputs"; reduce it first'
            )
            yield self.report(
                ctx,
                call,
                message,
                fixes=self.grad_fixes(
                    ctx, call, target, "grad_tensors" if function in AUTOGRAD_BACKWARD else "grad_outputs"
                )
                if is_grad
                else self.fixes(ctx, call, target),
                related=evidence_path(ctx, proof),
            )

    @staticmethod
    def target(ctx: FileContext, call: ast.Call) -> ast.expr | None:
        func = call.func
        named = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        qualname = ctx.qualname(func) if named == "backward" else None
        if qualname in AUTOGRAD_BACKWARD:  # `torch.autograd.backward(y)`: one tensor, no `grad_tensors`
            # `grad_variables=` is the pre-0.4 name of `grad_tensors=` (PTL108): the gradient is given
            given = ("grad_tensors", "grad_variables", "tensors", None)
            if len(call.args) != 1 or any(k.arg in given for k in call.keywords):
                return None
            tensors = call.args[0]
            if isinstance(tensors, (ast.List, ast.Tuple)) and len(tensors.elts) == 1:
                tensors = tensors.elts[0]
            return None if isinstance(tensors, (ast.List, ast.Tuple, ast.Starred)) else tensors
        if isinstance(func, ast.Attribute) and func.attr == "backward":
            if call.args or any(k.arg in ("gradient", None) for k in call.keywords):
                return None
            if qualname is not None:
                return None  # other module functions named backward
            return func.value
        if isinstance(func, ast.Attribute) and func.attr != "grad":
            return None  # (no alias ends in another attribute: every method call answered without a lookup)
        if ctx.qualname(func) in AUTOGRAD_GRAD:
            if len(call.args) > 2 or any(k.arg in ("grad_outputs", None) for k in call.keywords):
                return None
            outputs = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "outputs"), None)
            if isinstance(outputs, (ast.List, ast.Tuple)) and len(outputs.elts) == 1:
                outputs = outputs.elts[0]  # grad([y], [x])
            return outputs if outputs is not None and not isinstance(outputs, ast.Starred) else None
        return None

    def fixes(self, ctx: FileContext, call: ast.Call, target: ast.expr) -> list[Fix]:
        func = call.func
        gap = ctx.doc.slice(type(ctx.doc.node_span(func))(ctx.doc.node_span(target).end, ctx.doc.node_span(func).end))
        dot = gap.rfind(".")
        if dot < 0 or "\n" in gap or "#" in gap:
            return []
        end = ctx.doc.node_span(target).end
        at = Pos(end.line, end.col + dot)
        fixes = [Fix("Reduce with `.sum()` before `backward()`", (Edit.insert(at, ".sum()"),), Applicability.UNSAFE)]
        ones = self.ones_like(ctx, call, target)
        if ones is not None:
            text, extra = ones
            edit = add_keyword(ctx, call, f"gradient={text}")
            if edit is not None:
                fixes.append(Fix(f"Pass `gradient={text}`", (edit, *extra), Applicability.UNSAFE))
        return fixes

    def grad_fixes(self, ctx: FileContext, call: ast.Call, target: ast.expr, keyword: str) -> list[Fix]:
        ones = self.ones_like(ctx, call, target)
        if ones is None:
            return []
        text, extra = ones
        edit = add_keyword(ctx, call, f"{keyword}={text}")
        if edit is None:
            return []
        return [Fix(f"Pass `{keyword}={text}`", (edit, *extra), Applicability.UNSAFE)]

    @staticmethod
    def ones_like(ctx: FileContext, call: ast.Call, target: ast.expr) -> tuple[str, list[Edit]] | None:
        if not isinstance(target, ast.Name):
            return None
        reference = torch_reference(ctx, "torch.ones_like", call)
        if reference is None:
            return None
        name, extra = reference
        return f"{name}({target.id})", extra
