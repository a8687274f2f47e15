"""Executable rule examples: the single source for generated tests, docs and `pt-lsp verify`.

An example is a small realistic program. Lines where the rule must report carry a trailing
marker comment ``# expect: PTL201`` (several codes: ``# expect: PTL201, PTL102``). The marker is
stripped before the example is linted, so line numbers are unchanged and the fixed source
(``fixed``) is written without markers.

``runtime`` says what real torch does when the example runs (see ``pt_lsp.runtime``). Runnable
examples write CUDA as the literal ``"cuda"`` (or ``.cuda()``); the runner substitutes the device
under test, and simulates CUDA on machines without a GPU (``pt_lsp.runtime.fake_cuda``). An example
that cannot run says why in ``static_only``.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from functools import cached_property

_MARKER = re.compile(r"[ \t]*#\s*expect:\s*(?P<codes>PTL\d{3}(?:\s*,\s*PTL\d{3})*)\s*$")


@dataclass(frozen=True)
class Raises:
    """The program raises ``exception`` whose message matches the regex ``match`` (searched).

    ``exception`` names the class (``"RuntimeError"``); a subclass matches too. ``line`` is the
    line of the example where the innermost example frame stands when it raises; by default any
    line marked ``# expect:``. On the meta proxy, ``cuda:0`` / ``cuda`` in ``match`` read ``meta``.
    """

    exception: str
    match: str
    line: int | None = None


@dataclass(frozen=True)
class Probe:
    """Python run after the example in the same namespace; it sets ``symptom = True/False``.

    For a bad example the symptom must be present; for a good or fixed example absent.
    """

    code: str
    describes: str


@dataclass(frozen=True)
class Runs:
    """A bad example whose program behaves as written: the rule reports a deprecated or fragile
    spelling, not a failure. The run must complete, and the fix must compute the same ``outputs``
    (required with this symptom), so the proof is that the fix keeps the meaning."""

    describes: str


@dataclass(frozen=True)
class Runtime:
    """What running the example shows; ``docs/verify.md`` describes how verify reads it."""

    symptom: Raises | Probe | Runs | None = None  # None: the program must run cleanly (good examples)
    cuda_only: bool = False  # the symptom needs a CUDA tensor: on the CPU the program runs cleanly
    torch: str = ""  # version range where the behaviour holds, e.g. ">=2.0,<3"
    needs: tuple[str, ...] = ()  # extra importable modules (e.g. "tensorboard")
    # An expression evaluated after the program ran, e.g. "(w, w.grad)": tensors, numbers,
    # arrays, modules (their state_dict) and lists/tuples/dicts of them. Where the preferred fix
    # is safe, the fixed program's outputs must equal the reference program's within tolerance.
    outputs: str = ""
    # The intended program for that comparison; None: the example itself (a safe fix keeps its
    # meaning). State it where the example cannot be the reference (it raises, or computes
    # silently wrong values).
    reference: str | None = None
    tolerance: float = 1e-5  # relative and absolute
    # What the fixed program shows: None, it runs cleanly without the symptom; a Raises, it fails
    # loudly instead (e.g. `.detach()` raises where `.data` silently corrupted a gradient).
    after_fix: Raises | None = None
    # Code run after the example (and after its fixed and reference programs) that calls what the
    # example defines, so that a function or a class is exercised; the example's lines keep their
    # numbers because the driver comes after them.
    driver: str = ""

    def __post_init__(self) -> None:
        if self.driver:
            object.__setattr__(self, "driver", textwrap.dedent(self.driver).strip("\n") + "\n")
        if self.reference is not None:
            object.__setattr__(self, "reference", textwrap.dedent(self.reference).strip("\n") + "\n")


@dataclass(frozen=True)
class Example:
    title: str
    source: str
    fixed: str | None = None  # expected source after applying the preferred fixes
    runtime: Runtime | None = None  # None: not executable on its own (a fragment)
    # Why a bad example cannot run (e.g. Python 2 syntax kept for the parser); verify reports it.
    static_only: str = ""

    def __post_init__(self) -> None:
        if self.fixed is not None:
            object.__setattr__(self, "fixed", textwrap.dedent(self.fixed).strip("\n") + "\n")

    # The markers are read when first asked for: every rule module defines its examples, and
    # linting (start-up included) never looks at them.
    @cached_property
    def _stripped(self) -> tuple[str, tuple[tuple[int, str], ...]]:
        source = textwrap.dedent(self.source).strip("\n") + "\n"
        lines: list[str] = []
        expected: list[tuple[int, str]] = []
        for number, line in enumerate(source.splitlines(), start=1):
            match = _MARKER.search(line)
            if match:
                expected.extend((number, c.strip()) for c in match["codes"].split(","))
                line = line[: match.start()]
            lines.append(line)
        return "\n".join(lines) + "\n", tuple(expected)

    @property
    def code(self) -> str:
        """The source with markers stripped."""
        return self._stripped[0]

    @property
    def expected(self) -> tuple[tuple[int, str], ...]:
        """(line, code) for each marker."""
        return self._stripped[1]

    def is_bad_for(self, code: str) -> bool:
        return any(c == code for _, c in self.expected)

    def program(self, source: str | None = None) -> str:
        """``source`` (default: the example without markers) followed by the runtime's driver."""
        text = self.code if source is None else source
        driver = self.runtime.driver if self.runtime is not None else ""
        return text + driver if driver else text
