"""Rules whose symptom is the program's own exception: the error torch (or Python) raised is
reported at the innermost line of the user's code, under the rule that describes it.

PTL203/PTL205: "a leaf Variable that requires grad is being used in an in-place operation"
(PTL205 when the statement updates with the gradient, ``w -= lr * w.grad``); PTL107: the removed
``retain_variables=`` keyword; PTL303: an assignment before ``Module.__init__()`` or a ``super()``
naming another class; PTL000: the program does not parse.
"""

from __future__ import annotations

import linecache
import traceback

from pt_lsp.core.document import Pos, Span

from ..frames import Where
from .base import Check

LEAF_IN_PLACE = "leaf Variable that requires grad is being used in an in-place operation"
BEFORE_INIT = "before Module.__init__() call"
SUPER_MISMATCH = "obj must be an instance or subtype of type"


class ErrorCheck(Check):
    codes = ("PTL000", "PTL107", "PTL203", "PTL205", "PTL303")

    def install(self) -> None:
        """Nothing to patch: the program's exception is read after it stopped."""

    def explain(self, error: BaseException) -> None:
        if isinstance(error, SyntaxError):
            self._syntax(error)
            return
        where = self._innermost(error)
        if where is None:
            return
        message = str(error)
        if isinstance(error, RuntimeError) and LEAF_IN_PLACE in message:
            if ".grad" in linecache.getline(where.filename, where.line):
                self.rec.report(
                    "PTL205",
                    where,
                    "In-place update of a leaf that requires grad, with its gradient, outside `torch.no_grad()`: "
                    "torch refuses it (wrap the update in `with torch.no_grad():`)",
                )
            else:
                self.rec.report(
                    "PTL203",
                    where,
                    "In-place operation on a leaf tensor that requires grad: torch refuses it (build it out of "
                    "place, or change it under `torch.no_grad()`)",
                )
        elif isinstance(error, TypeError) and "retain_variables" in message:
            self.rec.report("PTL107", where, "`retain_variables=` was removed from PyTorch: use `retain_graph=`")
        elif (
            (isinstance(error, AttributeError) and BEFORE_INIT in message)
            or (isinstance(error, TypeError) and SUPER_MISMATCH in message)
            or (isinstance(error, NameError) and "super(" in linecache.getline(where.filename, where.line))
        ):
            self.rec.report("PTL303", where, f"{message}: call `super().__init__()` first, naming this class")

    def _innermost(self, error: BaseException) -> Where | None:
        where = None
        for frame, _line in traceback.walk_tb(error.__traceback__):
            if self.rec.user.is_user_file(frame.f_code.co_filename):
                where = self.rec.where(frame)
        return where

    def _syntax(self, error: SyntaxError) -> None:
        if not error.filename or not error.lineno or not self.rec.user.is_user_file(error.filename):
            return
        col = max((error.offset or 1) - 1, 0)
        span = Span(Pos(error.lineno, col), Pos(error.lineno, col + 1))
        self.rec.report("PTL000", Where(error.filename, span), f"SyntaxError: {error.msg}")
