"""PTL107: `backward(retain_variables=...)`, a keyword PyTorch removed; `retain_graph=` replaced it."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import rename_keyword
from pt_lsp.core.findings import Applicability, Finding, Fix, Severity
from pt_lsp.core.rule import Rule

OLD, NEW = "retain_variables", "retain_graph"
# torch's own functions that took the keyword (a `.backward(...)` method call is matched by name).
FUNCTIONS = {"torch.autograd.backward"}


class RetainVariablesKeyword(Rule):
    """
    ## What it does
    Flags `retain_variables=` passed to `backward()` (`loss.backward(retain_variables=True)`,
    `torch.autograd.backward(..., retain_variables=True)`): the pre-0.4 name of `retain_graph`.

    ## Why is this bad?
    PyTorch 0.4 renamed the keyword and later removed the old name: today the call raises
    `TypeError: backward() got an unexpected keyword argument 'retain_variables'`. Old GAN and
    tutorial scripts still use it to backward twice through one graph, and fail at the first
    backward.

    ## Example
    ```python
    d_loss.backward(retain_variables=True)
    g_loss.backward()
    ```

    ## Use instead
    ```python
    d_loss.backward(retain_graph=True)
    g_loss.backward()
    ```

    ## Fix safety
    The fix renames the keyword and is safe: it is the meaning the code was written for, and the
    original raises. Where `retain_graph=` is passed too, there is no fix.

    ## References
    - [torch.Tensor.backward](https://pytorch.org/docs/stable/generated/torch.Tensor.backward.html)
    - [PyTorch 0.4 migration guide](https://pytorch.org/blog/pytorch-0_4_0-migration-guide/)
    """

    code = "PTL107"
    name = "retain-variables-keyword"
    summary = "`backward(retain_variables=...)`: a keyword removed from PyTorch → `retain_graph=`"
    severity = Severity.ERROR
    per_unit = True  # the server may reuse its findings per function (core/incremental/)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if OLD not in ctx.doc.text:
            return
        for call in ctx.index.of(ast.Call):
            keyword = next((k for k in call.keywords if k.arg == OLD), None)
            if keyword is None or not self.is_backward(ctx, call):
                continue
            yield self.report(
                ctx,
                keyword,
                f"`{OLD}=` was removed from PyTorch (a TypeError today); it is `{NEW}=`",
                fixes=self.fixes(ctx, call, keyword),
            )

    @staticmethod
    def is_backward(ctx: FileContext, call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "backward":
            return ctx.qualname(func) is None or ctx.qualname(func) in FUNCTIONS
        return ctx.qualname(func) in FUNCTIONS

    @staticmethod
    def fixes(ctx: FileContext, call: ast.Call, keyword: ast.keyword) -> list[Fix]:
        edit = rename_keyword(ctx, call, keyword, NEW)
        return [] if edit is None else [Fix(f"Rename to `{NEW}=`", (edit,), Applicability.SAFE)]
