"""PTL000: a file that does not parse."""

from __future__ import annotations

from collections.abc import Iterable

from pt_lsp.core.context import FileContext
from pt_lsp.core.findings import Finding, Severity
from pt_lsp.core.rule import Rule


class SyntaxError_(Rule):
    """
    ## What it does
    Reports a file (or a notebook cell) that does not parse with the running Python, at the
    position of the error.

    ## Why is this bad?
    Python refuses to run the file, and no other rule can check it. Old training scripts are
    the usual source: Python 2 `print` statements, `exec` statements, or a parenthesis left open
    while editing.

    ## Example
    ```python
    print "epoch", epoch, "loss", loss.item()
    ```

    ## Use instead
    ```python
    print("epoch", epoch, "loss", loss.item())
    ```

    ## Fix safety
    There is no fix: the intended code cannot be known from code that does not parse.

    ## References
    - [Python: Errors and Exceptions](https://docs.python.org/3/tutorial/errors.html#syntax-errors)
    """

    code = "PTL000"
    name = "syntax-error"
    summary = "the file does not parse"
    severity = Severity.ERROR
    # A noqa comment cannot silence code that does not parse: the editor offers no such action.
    suppressible = False

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        # A FileContext exists only for a file that parsed: the engine reports the parse error
        # itself (`engine.syntax_error_finding`), with this rule's code, name and severity.
        return ()
