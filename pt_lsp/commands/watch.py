"""``pt-lsp check --watch``: run, then run again whenever a linted file or a configuration
file changes. Polling (stdlib only): the state of a tree is the size and modification time of
every file a run would lint and of the ``pyproject.toml`` files above them."""

from __future__ import annotations

import os
import time
from typing import TextIO

from pt_lsp.core.config import PYPROJECT, ConfigFinder
from pt_lsp.core.discovery import discover

from .check import Check, CheckOptions

POLL_SECONDS = 0.5


def snapshot(options: CheckOptions) -> dict[str, tuple[int, int]]:
    """(size, mtime) of each file a run would read, configuration files included."""
    paths = [p for p in options.paths if p != "-"] or ["."]
    found = discover(paths, ConfigFinder(), options.respect_gitignore)
    state: dict[str, tuple[int, int]] = {}
    folders = {os.path.dirname(os.path.abspath(path)) for path in found.files}
    watched = set(found.files)
    for folder in folders:
        while True:
            watched.add(os.path.join(folder, PYPROJECT))
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
    if options.config_file:
        watched.add(options.config_file)
    for path in watched:
        try:
            info = os.stat(path)
        except OSError:
            continue
        state[path] = (info.st_size, info.st_mtime_ns)
    return state


def watch(options: CheckOptions, stdout: TextIO, stderr: TextIO, rounds: int | None = None) -> int:
    """Run until Ctrl-C (or ``rounds`` runs, for tests); the exit code is the last run's."""
    if options.reads_stdin:
        print("error: --watch reads files, not stdin", file=stderr)
        return 2
    code = 0
    done = 0
    try:
        while True:
            print(f"[{time.strftime('%H:%M:%S')}] Starting linter in watch mode...", file=stderr, flush=True)
            before = snapshot(options)
            code = Check(options, stdout, stderr).run()
            stdout.flush()
            done += 1
            if rounds is not None and done >= rounds:
                return code
            print("Watching for file changes.", file=stderr, flush=True)
            while snapshot(options) == before:
                time.sleep(POLL_SECONDS)
            print(f"[{time.strftime('%H:%M:%S')}] File change detected...", file=stderr, flush=True)
    except KeyboardInterrupt:
        return code
