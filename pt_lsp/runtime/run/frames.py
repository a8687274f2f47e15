"""Which frames are the user's code, and where in a line a frame stands.

A runtime event is reported at the first frame outside torch, pt-lsp, the standard library and
installed packages (the program's own files always count as the user's, wherever they are).
"""

from __future__ import annotations

import linecache
import os
import sys
import sysconfig
import types
from dataclasses import dataclass

import torch

from pt_lsp.core.document import Pos, Span
from pt_lsp.core.findings import Related


def _excluded_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths.get(key, "") for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots.update(_torch_and_pt_lsp())
    return tuple(os.path.join(os.path.realpath(root), "") for root in roots if root)


def _torch_and_pt_lsp() -> tuple[str, str]:
    return os.path.dirname(torch.__file__), os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass(frozen=True)
class Where:
    """A place in the user's program: a file and a span in it."""

    filename: str
    span: Span

    @property
    def line(self) -> int:
        return self.span.start.line

    def related(self, message: str) -> Related:
        return Related(self.span, message, path=self.filename)


class UserCode:
    """Answers "is this the user's file?" once per file name, and finds the user's frame."""

    def __init__(self, program_files: tuple[str, ...] = ()) -> None:
        self._roots = _excluded_roots()
        self._ours = os.path.join(os.path.realpath(_torch_and_pt_lsp()[1]), "")
        self._program = {os.path.realpath(path) for path in program_files}
        self._cache: dict[str, bool] = {}
        self._ours_cache: dict[str, bool] = {}
        self._classes: dict[type, bool] = {}
        self._positions: dict[types.CodeType, list] = {}
        self.boundary: set[types.CodeType] = set()  # frames below these are the runner's, never the user's

    def defined_by_user(self, cls: type) -> bool:
        """Whether the user's code defines ``cls`` (torch's own modules are not audited)."""
        known = self._classes.get(cls)
        if known is None:
            known = self._classes[cls] = any(self.is_user_file(name) for name in _files_of(cls))
        return known

    def is_user_file(self, filename: str) -> bool:
        known = self._cache.get(filename)
        if known is not None:
            return known
        if filename.startswith("<"):
            mine = False
        else:
            real = os.path.realpath(filename)
            mine = real in self._program or not real.startswith(self._roots)
        self._cache[filename] = mine
        return mine

    def frame(self, depth: int = 2, direct: bool = False) -> types.FrameType | None:
        """The innermost user frame above the caller's ``depth``; with ``direct``, only if the
        first frame outside pt-lsp is the user's (``.data`` taken by torch itself, e.g. by
        ``Module._apply``, is not the user's)."""
        frame: types.FrameType | None = sys._getframe(depth)
        while frame is not None:
            code = frame.f_code
            if code in self.boundary:
                return None
            if self.is_user_file(code.co_filename):
                return frame
            if direct and not self._is_ours(code.co_filename):
                return None
            frame = frame.f_back
        return None

    def frame_from(self, frame: types.FrameType | None) -> types.FrameType | None:
        """The innermost user frame at or above ``frame``."""
        while frame is not None:
            if frame.f_code in self.boundary:
                return None
            if self.is_user_file(frame.f_code.co_filename):
                return frame
            frame = frame.f_back
        return None

    def _is_ours(self, filename: str) -> bool:
        known = self._ours_cache.get(filename)
        if known is None:
            known = filename.startswith("<frozen") or os.path.realpath(filename).startswith(self._ours)
            self._ours_cache[filename] = known
        return known

    def where(self, frame: types.FrameType) -> Where:
        """The span of the instruction the frame stands on (3.11 keeps columns per instruction),
        else its whole line."""
        code = frame.f_code
        line = frame.f_lineno or code.co_firstlineno
        text = linecache.getline(code.co_filename, line).rstrip("\n")
        positions = self._positions.get(code)
        if positions is None:
            positions = self._positions[code] = list(code.co_positions())  # type: ignore[attr-defined]
        index = frame.f_lasti // 2
        if 0 <= index < len(positions):
            start, end, col, end_col = positions[index]
            if start == line and col is not None and end_col is not None:
                end_text = text if end == line else linecache.getline(code.co_filename, end or line).rstrip("\n")
                return Where(
                    code.co_filename,
                    Span(Pos(line, _chars(text, col)), Pos(end or line, _chars(end_text, end_col))),
                )
        indent = len(text) - len(text.lstrip())
        return Where(code.co_filename, Span(Pos(line, indent), Pos(line, len(text))))


def _files_of(cls: type) -> list[str]:
    """Where ``cls`` is defined: the files of its own methods (``__main__`` of a program run by
    runpy is gone from ``sys.modules`` once it ended), else its module's file."""
    files = [value.__code__.co_filename for value in vars(cls).values() if isinstance(value, types.FunctionType)]
    if files:
        return files[:1]
    module = sys.modules.get(cls.__module__)
    filename = getattr(module, "__file__", None)
    return [filename] if isinstance(filename, str) else []


def _chars(text: str, byte_offset: int) -> int:
    """A UTF-8 byte offset in ``text`` as a code-point column."""
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))
