"""PTL203: an in-place change to a leaf tensor that requires grad, outside `no_grad`."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.findings import Applicability, Finding, Fix
from pt_lsp.core.rule import Rule
from pt_lsp.rules.autograd._inplace_sites import (
    InPlaceSite,
    drop_keyword_edit,
    inplace_sites,
    no_grad_edits,
    receiver_text,
    statements_of,
    view_base,
)

LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation"
VIEW_ERROR = "a view of a leaf Variable that requires grad is being used in an in-place operation"


class InPlaceOnLeaf(Rule):
    """
    ## What it does
    Flags an in-place operation on a leaf tensor that requires grad: an in-place method
    (`w.add_(1)`, `w.zero_()`, `w.clamp_(0, 1)`, `w.normal_()`, also of a view the change
    writes through: `w.t().mul_(2)`, `b.view(5, 1).fill_(1)`), an augmented assignment
    (`w += 1`), an item assignment (`out[i] = value`), or a torch function or layer that writes
    its input (`F.relu(w, inplace=True)`, `torch.relu_(w)`, `nn.ReLU(inplace=True)(w)`, also a
    layer a class keeps, `self.act = nn.ReLU(inplace=True)` or `nn.LeakyReLU(0.2, True)`, applied
    to `self.weight`; not `torch.nn.init`, which runs under `no_grad`), outside `torch.no_grad()`. A leaf that
    requires grad is a tensor created with `requires_grad=True` (or with
    `requires_grad=data.requires_grad` where `data` requires grad there), an `nn.Parameter`, a
    parameter of a model (`for p in model.parameters()`, `for p in group["params"]` over the
    `param_groups` of an optimizer built on `model.parameters()`, `layer.weight`, also through a name:
    `w = layer.weight`, or a view of it or of a leaf name, by view methods or slicing by literals:
    `b = layer.bias.view(3, -1)`, `b = bias_[:255].view(3, -1)`, `v = w[:4]`; `m.weight` inside
    `if isinstance(m, nn.Conv2d):`, as an init function `model.apply` runs or a loop over
    `self.modules()` has it, and there a bias or a norm layer's weight where every construction
    of the class in the file keeps it), `x.detach().requires_grad_()`
    or `(torch.randn(n) * std).requires_grad_()` (also of `torch.from_numpy(a)`),
    a tensor after `t.requires_grad = True` earlier in the same block (torch allows that on
    leaves only) until `t` is rebound; a name whose values reaching the change are such leaves
    (though it is rebound later: `x = F.relu(x, inplace=True)`); also what a
    helper of the file returns in every case, and a helper's parameter that every call of the
    file passes such a leaf; also a CPU tensor that the flow analysis proves requires grad
    and depends on no graph node, through lists, dicts, unpacking, attributes and returns
    (`weights["w1"].fill_(0)`, `for p in params: p.mul_(0.5)`). Where the file switches
    `requires_grad` off somewhere, a layer's parameter counts only when the layer is made in
    the same function before the change and the only freezes in between sit under `if flag:`
    that every call leaves off (`freeze=False` at each construction of the class). A class
    whose `parameters()` the project defines itself (a course's own `Module` base, not
    torch's) has plain tensors there, not parameters. Manual optimiser updates
    (`w -= lr * w.grad`) are PTL205.

    ## Why is this bad?
    Autograd computes gradients with respect to leaves; changing a leaf in place would make the
    recorded graph lie about the value it was computed from, so torch refuses:
    `RuntimeError: a leaf Variable that requires grad is being used in an in-place operation`
    (for an item assignment: "a view of a leaf Variable ..."). The classic cases are filling a
    pre-allocated `requires_grad=True` buffer in a loop, and initialising or clamping a
    parameter without `torch.no_grad()`.

    ## Example
    ```python
    outputs = torch.zeros(len(xs), requires_grad=True)
    for i, x in enumerate(xs):
        outputs[i] = model(x)
    ```

    ## Use instead
    ```python
    outputs = torch.zeros(len(xs))  # becomes part of the graph through what is written into it
    for i, x in enumerate(xs):
        outputs[i] = model(x)
    ```
    or `outputs = torch.stack([model(x) for x in xs])`. To change a parameter's values
    (initialisation, clamping, projection), do it under `with torch.no_grad():`.

    ## Fix safety
    Where the values written carry an autograd graph and the buffer was created with
    `requires_grad=True`, the fix drops that flag: the buffer becomes a graph node through the
    values written into it, which is what the code means, but the buffer itself no longer gets
    a `.grad` (unsafe). Where the values written carry no graph (constants, data), the fix wraps
    the statement in `with torch.no_grad():`, an initialisation that autograd does not record;
    unsafe, since it assumes the change was not meant to be differentiated.

    ## References
    - [Autograd mechanics: in-place operations](https://pytorch.org/docs/stable/notes/autograd.html#in-place-operations-with-autograd)
    - [torch.no_grad](https://pytorch.org/docs/stable/generated/torch.no_grad.html)
    - [torch.stack](https://pytorch.org/docs/stable/generated/torch.stack.html)
    """

    code = "PTL203"
    name = "in-place-on-leaf"
    summary = "in-place operation or item assignment on a leaf tensor that requires grad, outside `no_grad`"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        sites = [s for s in inplace_sites(ctx) if not s.manual_update]
        grouped = statements_of(sites, lambda s: self._initialises(ctx, s))
        for site in sites:
            name = receiver_text(ctx, site)
            kind = "parameter" if site.leaf.origin == "parameter" else "leaf tensor"
            if site.leaf.view:
                kind, error = f"view of a {kind}", VIEW_ERROR
            elif _indexed(site):  # `out[i] = v`, `w[0].add_(1)`: torch writes through a view of the leaf
                error = VIEW_ERROR
            else:
                error = LEAF_ERROR
            message = (
                f"In-place {site.what} on `{name}`, a {kind} that requires grad, outside `torch.no_grad()`:"
                f' autograd raises "{error}"'
            )
            related = evidence_path(ctx, site.leaf.steps)
            yield self.report(ctx, site.node, message, fixes=self.fixes(ctx, site, grouped), related=related)

    def _operands_graph(self, ctx: FileContext, site: InPlaceSite) -> bool | None:
        """Whether the values written carry a graph: True, False (constants, data) or None."""
        verdicts: list[bool | None] = []
        for operand in site.operands:
            if isinstance(operand, ast.Constant) or (
                isinstance(operand, ast.UnaryOp) and isinstance(operand.operand, ast.Constant)
            ):
                verdicts.append(False)
                continue
            value = ctx.flow.value(operand)
            if value.history or value.requires_grad is True:
                return True
            verdicts.append(False if value.requires_grad is False else None)
        return None if None in verdicts else False

    def _initialises(self, ctx: FileContext, site: InPlaceSite) -> bool:
        """Values without a graph written into a leaf: an initialisation, meant for `no_grad`. For
        a parameter, values of unknown origin count too (a graph written into one is no idiom).
        An activation applied in place (`F.relu(w, inplace=True)`) is a computation, not one."""
        if site.functional:
            return False
        carries = self._operands_graph(ctx, site)
        return carries is False or (carries is None and site.leaf.origin == "parameter")

    def fixes(self, ctx: FileContext, site: InPlaceSite, grouped: set[int]) -> list[Fix]:
        if site.functional:  # the out-of-place call computes the same values into a new tensor
            edit = drop_keyword_edit(ctx, site.node, "inplace") if isinstance(site.node, ast.Call) else None
            if site.flag is None or edit is None:
                return []
            message = "Drop `inplace=True`: the function returns a new tensor and leaves the leaf unchanged"
            return [Fix(message, (edit,), Applicability.UNSAFE)]
        carries = self._operands_graph(ctx, site)
        if carries is True and site.leaf.factory is not None and isinstance(site.receiver, ast.Name):
            edit = drop_keyword_edit(ctx, site.leaf.factory, "requires_grad")
            if edit is not None:
                return [
                    Fix(
                        f"Create `{site.receiver.id}` without `requires_grad=True`: it joins the graph"
                        " through the values written into it",
                        (edit,),
                        Applicability.UNSAFE,
                    )
                ]
        if self._initialises(ctx, site):
            edits = no_grad_edits(ctx, site, lambda stmt: id(stmt) in grouped)
            if edits:
                return [Fix("Wrap the change in `with torch.no_grad():`", tuple(edits), Applicability.UNSAFE)]
        return []


def _indexed(site: InPlaceSite) -> bool:
    node = site.node
    if isinstance(node, ast.AugAssign):
        node = node.target
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not site.functional:
        node = node.func.value
    # `w[:, :, :, :] = W`, `w[...] = 0`: an index of bare slices and `...` gives the leaf itself, not
    # a view, and torch names the leaf ("a leaf Variable ..."), as it does for `w.copy_(W)`
    while (isinstance(node, ast.Subscript) or view_base(node) is not None) and node is not site.receiver:
        if not isinstance(node, ast.Subscript):
            return True  # `w.t().mul_(2)`, `b.view(5, 1).fill_(1)`: a view of the leaf
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if not all(_whole(p) for p in parts):
            return True
        node = node.value
    return False


def _whole(index: ast.expr) -> bool:
    """``:`` (no bounds, no step) or ``...``: the index keeps every element of its dimensions."""
    if isinstance(index, ast.Slice):
        return index.lower is None and index.upper is None and index.step is None
    return isinstance(index, ast.Constant) and index.value is Ellipsis
