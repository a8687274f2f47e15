"""A small version-range parser for ``Runtime.torch`` (``">=2.0,<3"``), without ``packaging``.

Only release numbers are compared: ``2.13.0+cpu`` and ``2.13.0a0+git1234`` both read as
``(2, 13, 0)``, which is what a behaviour range in an example means.
"""

from __future__ import annotations

import operator
import re

_CLAUSE = re.compile(r"^\s*(?P<op>==|!=|>=|<=|>|<|~=)?\s*(?P<version>\d+(?:\.\d+)*)(?P<star>\.\*)?\s*$")
_OPERATORS = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


class VersionSpecError(ValueError):
    pass


def release(version: str) -> tuple[int, ...]:
    """The leading numeric release of a version string: ``"2.13.0+cpu"`` -> ``(2, 13, 0)``."""
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", version)
    if not match:
        raise VersionSpecError(f"not a version: {version!r}")
    return tuple(int(part) for part in match.group(1).split("."))


def _padded(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def _satisfies(installed: tuple[int, ...], clause: str) -> bool:
    match = _CLAUSE.match(clause)
    if not match:
        raise VersionSpecError(f"cannot read version clause {clause!r}")
    op, bound = match["op"] or "==", release(match["version"])
    if match["star"]:  # ==2.1.* : the installed release starts with 2.1
        if op not in ("==", "!="):
            raise VersionSpecError(f"'.*' only goes with == or != in {clause!r}")
        prefix = installed[: len(bound)] == bound
        return prefix if op == "==" else not prefix
    if op == "~=":  # ~=2.1 : >=2.1, ==2.*
        if len(bound) < 2:
            raise VersionSpecError(f"~= needs at least two parts in {clause!r}")
        left, right = _padded(installed, bound)
        return left >= right and installed[: len(bound) - 1] == bound[:-1]
    left, right = _padded(installed, bound)
    return _OPERATORS[op](left, right)


def satisfies(version: str, spec: str) -> bool:
    """Whether ``version`` lies in ``spec`` (comma-separated clauses, all must hold; '' is any)."""
    installed = release(version)
    return all(_satisfies(installed, clause) for clause in spec.split(",") if clause.strip())
