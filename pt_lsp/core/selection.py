"""Which rule codes are enabled: ruff's select/ignore semantics with code prefixes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ALL = "ALL"


def _normalise(prefixes: Iterable[str]) -> tuple[str, ...]:
    """Upper-cased prefixes; ``ALL`` becomes the empty prefix, which every code starts with
    (the rules of plugins too), so that it ranks below any real prefix as in ruff."""
    return tuple("" if p.strip().upper() == ALL else p.strip().upper() for p in prefixes if p.strip())


@dataclass(frozen=True)
class Selection:
    """What a file is linted with: the enabled codes and the torch version the project targets
    (None: the installed torch, else the behaviour every supported version shares).

    ``select`` and ``ignore`` are one layer of ruff's: the longest matching prefix decides.
    ``remove`` holds the ignores of later layers (``--ignore`` over a project's select, the
    per-file ignores, an ``ignore`` beside no ``select``): they take a code away whatever
    its specificity, so ``ignore = ["ALL"]`` disables everything, as in ruff."""

    select: tuple[str, ...] = ("PTL",)
    ignore: tuple[str, ...] = ()
    target_torch: tuple[int, int] | None = None
    remove: tuple[str, ...] = ()

    @classmethod
    def of(cls, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> Selection:
        if select is None:  # no select in this layer: the ignores take away from the default
            return cls(("PTL",), (), None, _normalise(ignore or ()))
        return cls(_normalise(select), _normalise(ignore or ()))

    def extend(self, ignore: Iterable[str]) -> Selection:
        """A later layer's ignores (per-file ignores, ``--ignore``)."""
        return Selection(self.select, self.ignore, self.target_torch, self.remove + _normalise(ignore))

    def targeting(self, version: tuple[int, int] | None) -> Selection:
        return Selection(self.select, self.ignore, version, self.remove)

    def enabled(self, code: str) -> bool:
        """The longest matching prefix decides; on a tie ``ignore`` wins; ``remove`` always does."""
        if any(code.startswith(p) for p in self.remove):
            return False
        best_select = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        best_ignore = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return best_select >= 0 and best_select > best_ignore

    def codes(self, available: Iterable[str]) -> list[str]:
        return [code for code in available if self.enabled(code)]
