"""PTL108: `torch.autograd.backward(grad_variables=...)`, the pre-0.4 name of `grad_tensors=`."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import rename_keyword
from pt_lsp.core.findings import Applicability, Finding, Fix, Severity
from pt_lsp.core.rule import Rule

OLD, NEW = "grad_variables", "grad_tensors"
# Only the function took the keyword: `Tensor.backward()` calls its gradient `gradient=`.
FUNCTIONS = {"torch.autograd.backward"}


class GradVariablesKeyword(Rule):
    """
    ## What it does
    Flags `grad_variables=` passed to `torch.autograd.backward(...)` (under any import alias): the
    pre-0.4 name of `grad_tensors=`.

    ## Why is this bad?
    PyTorch 0.4 renamed the keyword when `Variable` merged into `Tensor`. The old name still works
    but emits `FutureWarning: grad_variables is deprecated. Use grad_tensors instead.` on every
    call, and a release may remove it, as it removed `retain_variables=` (PTL107). Passing both
    names raises `RuntimeError: grad_tensors and grad_variables (deprecated) arguments both
    passed to backward()`.

    ## Example
    ```python
    torch.autograd.backward([loss_a, loss_b], grad_variables=[g_a, g_b])
    ```

    ## Use instead
    ```python
    torch.autograd.backward([loss_a, loss_b], grad_tensors=[g_a, g_b])
    ```

    ## Fix safety
    The fix renames the keyword and is safe: torch passes the old keyword's value on as
    `grad_tensors`, so the gradients are the same. Where `grad_tensors=` is passed too, there is
    no fix: which of the two values was meant is for the author to say.

    ## References
    - [torch.autograd.backward](https://pytorch.org/docs/stable/generated/torch.autograd.backward.html)
    - [PyTorch 0.4 migration guide](https://pytorch.org/blog/pytorch-0_4_0-migration-guide/)
    """

    code = "PTL108"
    name = "grad-variables-keyword"
    summary = "`torch.autograd.backward(grad_variables=...)`: a deprecated keyword → `grad_tensors=`"
    severity = Severity.WARNING
    per_unit = True  # the server may reuse its findings per function (core/incremental/)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if OLD not in ctx.doc.text:
            return
        for call in ctx.index.of(ast.Call):
            keyword = next((k for k in call.keywords if k.arg == OLD), None)
            if keyword is None or ctx.qualname(call.func) not in FUNCTIONS:
                continue
            both = any(k.arg == NEW for k in call.keywords)
            message = (
                f"`{OLD}=` and `{NEW}=` passed together: torch raises a RuntimeError; keep `{NEW}=`"
                if both
                else f"`{OLD}=` is deprecated (a FutureWarning on every call); it is `{NEW}=`"
            )
            edit = rename_keyword(ctx, call, keyword, NEW)
            fixes = [] if edit is None else [Fix(f"Rename to `{NEW}=`", (edit,), Applicability.SAFE)]
            yield self.report(ctx, keyword, message, fixes=fixes)
