"""A time budget for one file's analysis: the server gives each lint a few seconds, so that one
pathological document yields partial, flagged results instead of diagnostics that never come."""

from __future__ import annotations

import time


class BudgetExceeded(Exception):
    """Raised by ``Budget.check`` once the time is up; the engine stops the rule that hit it."""


class Budget:
    """``seconds`` None: no limit (the CLI). Checks are cheap enough for every statement."""

    __slots__ = ("seconds", "deadline")

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds

    @property
    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def check(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise BudgetExceeded


UNLIMITED = Budget()
