"""The files of a `check` run linted in this process or in a pool of worker processes.

Few files are linted here; more are sorted by size and sent in chunks to ``jobs`` forked workers,
which die with the run (SIGTERM, Ctrl-C, the parent killed) and leave no temporary file behind.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .lint_file import CHECK, FileOutcome, FileTask, collector_tuned, process, process_chunk, process_collected

SERIAL_BELOW = 16  # fewer files than this are not worth starting worker processes for


def _worker_start(unchanged: bool = False) -> None:
    """Each worker dies with the run: when the parent goes (even by SIGKILL) the kernel sends
    SIGTERM (Linux), and SIGTERM ends the worker at once, removing the temporary copy of a file
    it was writing (the file itself is untouched until the rename). ``unchanged``: the run
    writes no file (the project's file list is walked once per worker)."""
    import signal

    from pt_lsp.core.flow.project_files import files_unchanged

    files_unchanged(unchanged)
    signal.signal(signal.SIGTERM, _end_worker)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent decides and ends us
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    parent = os.getppid()
    if parent == 1:  # the parent was already gone before prctl took effect
        os._exit(1)
    _watch_parent(parent)


def _watch_parent(parent: int) -> None:
    """Elsewhere than Linux: a thread that notices the parent is gone (we are re-parented)."""
    if sys.platform.startswith("linux"):
        return
    import threading

    def watch() -> None:
        import signal

        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _end_worker(signum: int, frame: Any) -> None:
    """Not SystemExit: the pool's worker loop would catch it and block sending it to a parent
    that is gone. The temporary files of the file being written are ours: remove, then exit."""
    from .lint_file import WRITING

    for path in WRITING:
        folder, name = os.path.split(os.path.realpath(path))
        try:
            for entry in os.listdir(folder or "."):
                if entry.startswith(f".{name}.") and entry.endswith(".pt-lsp-tmp"):
                    os.unlink(os.path.join(folder, entry))
        except OSError:
            pass
    os._exit(128 + signum)


@contextmanager
def _terminable() -> Iterator[None]:
    """SIGTERM ends a run as Ctrl-C does: through ``finally`` and the pool's shutdown, so no
    worker and no temporary file outlives it."""
    import signal  # only where workers run: not at a one-file check's start-up

    if sys.platform == "win32" or signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _files_kept(unchanged: bool) -> Iterator[None]:
    """While the files run here write nothing, the project's file list is walked once, not in
    every analysis (one file: the project's module is not imported for it at start-up)."""
    if not unchanged:
        yield
        return
    from pt_lsp.core.flow.project_files import files_unchanged

    files_unchanged(True)
    try:
        yield
    finally:
        files_unchanged(False)


def run_tasks(tasks: list[FileTask], jobs: int) -> list[FileOutcome]:
    unchanged = all(task.mode == CHECK for task in tasks)  # nothing written: the project's files stay
    if jobs <= 1 or len(tasks) < SERIAL_BELOW:
        with collector_tuned(), _files_kept(unchanged and len(tasks) > 1):
            # The last file's cycles are not collected at once: the run ends next (--watch: the
            # collector's next pass takes them). For a one-file check that collection would walk
            # every object the start-up made (the rules, the engine): about 8 ms.
            return [process_collected(task) for task in tasks[:-1]] + [process(task) for task in tasks[-1:]]
    import gc
    from concurrent.futures import ProcessPoolExecutor  # a few files are linted in this process
    from concurrent.futures.process import BrokenProcessPool

    from pt_lsp.commands.lint_file import preload

    preload()  # imported once here, so that forked workers inherit the rule modules
    gc.collect()
    gc.freeze()  # what the workers inherit is never scanned by their collector (nor copied on write)
    # big files first, several per message, so that no worker is left with one huge file at the end
    order = sorted(range(len(tasks)), key=lambda i: -_size(tasks[i]))
    size = max(1, min(8, len(tasks) // (jobs * 16)))
    chunks = [[(i, tasks[i]) for i in order[start : start + size]] for start in range(0, len(order), size)]
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_start, initargs=(unchanged,))
    done: dict[int, FileOutcome] = {}
    finished: set[int] = set()  # files whose chunk came back (a clean file comes back as nothing)
    try:
        with _terminable():
            for chunk, results in zip(chunks, pool.map(process_chunk, chunks)):
                finished.update(i for i, _ in chunk)
                done.update(results)
    except BrokenProcessPool:
        pass  # a worker died (e.g. the interpreter crashed on a pathological file): said below
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        gc.unfreeze()
    pool.shutdown(wait=True, cancel_futures=True)
    died = ["internal error: a worker process died"]
    return [
        done.get(i) or (FileOutcome(task.path) if i in finished else FileOutcome(task.path, errors=died))
        for i, task in enumerate(tasks)
    ]


def _size(task: FileTask) -> int:
    if task.stdin is not None:
        return len(task.stdin)
    try:
        return os.path.getsize(task.path)
    except OSError:
        return 0
