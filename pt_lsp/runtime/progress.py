"""Progress on stderr while verify runs: a line per rule as its last program finishes, a live
count on a terminal, and the total time at the end (the report itself goes to stdout)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO | None, pending: Counter[str]) -> None:
        """``pending``: the number of programs each rule code has to run."""
        self.stream = stream
        self.pending = Counter(pending)
        self.total = sum(pending.values())
        self.done = 0
        self.started = time.monotonic()
        self.live = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self._lock = threading.Lock()  # programs finish on the pool's threads
        for code in sorted(code for code, count in pending.items() if count == 0):
            self._line(f"{code}: nothing to run")

    def finished(self, code: str) -> None:
        with self._lock:
            self.done += 1
            self.pending[code] -= 1
            if self.pending[code] == 0:
                self._line(f"{code}: done ({self.done}/{self.total} programs, {self._elapsed()})")
            elif self.live:
                self._write(f"\r{self.done}/{self.total} programs, {self._elapsed()}")

    def close(self) -> None:
        self._line(f"verify: {self.total} programs in {self._elapsed()}")

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self.started:.1f} s"

    def _line(self, text: str) -> None:
        self._write(("\r\x1b[K" if self.live else "") + text + "\n")

    def _write(self, text: str) -> None:
        if self.stream is not None:
            self.stream.write(text)
            self.stream.flush()
