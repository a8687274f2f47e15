"""Which rule codes are enabled: ruff's select/ignore semantics with code prefixes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def _normalise(prefixes: Iterable[str]) -> tuple[str, ...]:
    return tuple(p.strip().upper() for p in prefixes if p.strip())


@dataclass(frozen=True)
class Selection:
    """What a file is linted with: the enabled codes and the torch version the project targets
    (None: the installed torch, else the behaviour every supported version shares)."""

    select: tuple[str, ...] = ("PTL",)
    ignore: tuple[str, ...] = ()
    target_torch: tuple[int, int] | None = None

    @classmethod
    def of(cls, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> Selection:
        chosen = _normalise(select) if select is not None else ("PTL",)
        chosen = tuple("PTL" if p == "ALL" else p for p in chosen)
        return cls(chosen, _normalise(ignore or ()))

    def extend(self, ignore: Iterable[str]) -> Selection:
        return Selection(self.select, self.ignore + _normalise(ignore), self.target_torch)

    def targeting(self, version: tuple[int, int] | None) -> Selection:
        return Selection(self.select, self.ignore, version)

    def enabled(self, code: str) -> bool:
        """The longest matching prefix decides; on a tie ``ignore`` wins."""
        best_select = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        best_ignore = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return best_select >= 0 and best_select > best_ignore

    def codes(self, available: Iterable[str]) -> list[str]:
        return [code for code in available if self.enabled(code)]
