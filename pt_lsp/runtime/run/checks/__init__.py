"""The runtime checks. Each one patches or hooks torch when installed and restores it when removed;
``CHECKS`` maps each check to the rule codes it reports."""

from __future__ import annotations

from .autograd import BackwardCheck, ManualStepCheck, ZeroGradCheck
from .base import Check
from .errors import ErrorCheck
from .legacy import VariableCheck
from .modules import ModuleAuditCheck
from .tensors import AliasCheck, CorruptionCheck, DataCheck, FromNumpyCheck, NumpyCheck
from .writers import WriterCheck

CHECKS: tuple[type[Check], ...] = (
    BackwardCheck,
    ZeroGradCheck,
    ManualStepCheck,
    DataCheck,
    CorruptionCheck,
    NumpyCheck,
    FromNumpyCheck,
    AliasCheck,
    ModuleAuditCheck,
    VariableCheck,
    WriterCheck,
    ErrorCheck,
)

__all__ = ["CHECKS", "Check"]
